"""Statutory walking distances by age and distance bands, checked against brute force on the North East."""

from __future__ import annotations

import numpy as np
import pytest

from gapmap.engine import analyse
from gapmap.settings import METRES_PER_MILE, RULE_SETS, Settings


def _brute_force(results, kind):
    """Per LSOA and age: straight-line distance to the nearest site whose ages on roll hold that age."""
    inputs, settings = results.inputs, results.settings
    sites = results.provision[(results.provision["kind"] == kind) & results.provision["analysed"]]
    lsoas = inputs.lsoas
    dist = np.hypot(
        lsoas["centroid_easting"].to_numpy(float)[:, None] - sites.geometry.x.to_numpy()[None, :],
        lsoas["centroid_northing"].to_numpy(float)[:, None] - sites.geometry.y.to_numpy()[None, :],
    )
    low = sites["age_low_on_roll"].astype("Float64").fillna(-1).to_numpy(float)
    high = sites["age_high_on_roll"].astype("Float64").fillna(99).to_numpy(float)
    ages = list(settings.age_range(kind))
    nearest = np.column_stack([np.where((low <= a) & (a <= high), dist, np.inf).min(axis=1) for a in ages])
    return ages, nearest


@pytest.mark.parametrize("kind", ["special", "ap", "mainstream_primary", "mainstream_secondary"])
def test_children_beyond_statutory_distance_match_brute_force(ne_results, kind):
    ages, nearest = _brute_force(ne_results, kind)
    limit = np.where(np.asarray(ages) < 8, 2 * METRES_PER_MILE, 3 * METRES_PER_MILE)
    per_age = ne_results.inputs.lsoas["children_0_15"].to_numpy(float)[:, None] / 16  # even split: no single years
    expected = (per_age * (nearest > limit[None, :])).sum(axis=1)
    np.testing.assert_allclose(ne_results.lsoa[f"{kind}_children_beyond_statutory"], expected, rtol=1e-12, atol=1e-9)
    demand = ne_results.lsoa[f"{kind}_demand"].to_numpy()
    share = np.where(nearest > limit[None, :], 1.0, 0.0).mean(axis=1)  # demand is spread evenly over ages
    np.testing.assert_allclose(ne_results.lsoa[f"{kind}_need_beyond_statutory"], demand * share, rtol=1e-9, atol=1e-9)
    for miles in ne_results.settings.distance_bands_miles:
        far = (nearest > miles * METRES_PER_MILE).mean(axis=1)
        np.testing.assert_allclose(ne_results.lsoa[f"{kind}_demand_beyond_{miles:g}mi"], demand * far,
                                   rtol=1e-9, atol=1e-9)


def test_primary_children_under_8_are_measured_against_two_miles(ne_results):
    ages, nearest = _brute_force(ne_results, "mainstream_primary")
    column = ne_results.lsoa["mainstream_primary_children_beyond_statutory"].to_numpy()
    per_age = ne_results.inputs.lsoas["children_0_15"].to_numpy(float) / 16
    # LSOAs between 2 and 3 miles from every primary: ages 4-7 count, ages 8-10 do not.
    between = (nearest.min(axis=1) > 2 * METRES_PER_MILE) & (nearest.max(axis=1) <= 3 * METRES_PER_MILE)
    assert between.sum() > 5
    np.testing.assert_allclose(column[between], 4 * per_age[between], rtol=1e-12)


def test_low_income_rule_set_counts_at_least_as_many(ne_inputs, ne_results):
    wider = analyse(ne_inputs, Settings(rules="england-2024-low-income"))
    for kind in ("special", "mainstream_secondary"):
        statutory = ne_results.lsoa[f"{kind}_children_beyond_statutory"]
        low_income = wider.lsoa[f"{kind}_children_beyond_statutory"]
        assert (low_income >= statutory - 1e-9).all() and low_income.sum() > statutory.sum()
    assert "england-2024-low-income" in " ".join(wider.notes)
    assert RULE_SETS["england-2024"].distances([7, 8]).tolist() == [2 * METRES_PER_MILE, 3 * METRES_PER_MILE]


def test_circuity_scales_distances_and_counts_more_children(ne_inputs, ne_results):
    routed = analyse(ne_inputs, Settings(kinds=("special",), circuity=1.3))
    lsoa = routed.lsoa
    np.testing.assert_allclose(lsoa["special_distance_m"], lsoa["special_straight_line_m"] * 1.3, atol=0.2)
    np.testing.assert_allclose(lsoa["special_straight_line_m"], ne_results.lsoa["special_straight_line_m"])
    assert lsoa["special_need_beyond_statutory"].sum() > ne_results.lsoa["special_need_beyond_statutory"].sum()
    assert any("straight line x 1.3 circuity" in note for note in routed.notes)
