"""First-cut analysis: children beyond thresholds, LA summary reconciliation."""

from __future__ import annotations

import numpy as np
import pytest

from gapmap.engine import analyse
from gapmap.errors import InputError
from gapmap.settings import THREE_MILES_M, Settings


def test_three_miles_is_4828_metres():
    assert round(THREE_MILES_M) == 4828
    assert Settings().threshold("special") == pytest.approx(4828.032)


def test_children_beyond_match_brute_force(ne_inputs, ne_results):
    lsoa = ne_results.lsoa
    special = ne_inputs.provision[ne_inputs.provision["kind"] == "special"]
    centroids = ne_inputs.lsoas.set_index("lsoa_code").loc[lsoa["lsoa_code"], ["centroid_easting", "centroid_northing"]].to_numpy()
    distances = np.hypot(
        centroids[:, :1] - special.geometry.x.to_numpy()[None, :],
        centroids[:, 1:] - special.geometry.y.to_numpy()[None, :],
    ).min(axis=1)
    beyond = distances > 4828.032
    assert lsoa["special_beyond"].to_numpy().tolist() == beyond.tolist()
    assert lsoa["special_children_beyond"].sum() == lsoa.loc[beyond, "children_0_15"].sum()
    np.testing.assert_allclose(lsoa["special_straight_line_m"], distances.round(1), atol=0.051)


def test_la_summary_reconciles_with_lsoas_and_provision(ne_inputs, ne_results):
    summary = ne_results.la_summary.set_index("la_gss")
    by_la = ne_results.lsoa.groupby("la_gss")
    assert (summary["children_0_15"] == by_la["children_0_15"].sum()).all()
    assert summary["children_0_15"].sum() == 336_297
    for kind in ne_results.settings.kinds:
        assert (summary[f"{kind}_children_beyond"] == by_la[f"{kind}_children_beyond"].sum()).all()
        sites = ne_inputs.provision["kind"] == kind
        assert summary[f"{kind}_sites"].sum() == sites.sum()
        assert summary[f"{kind}_pupils"].sum() == ne_inputs.provision.loc[sites, "pupils"].sum()
    assert summary["sites"].sum() == len(ne_inputs.provision)


def test_cross_la_flag_means_nearest_site_is_in_another_la(ne_results):
    lsoa = ne_results.lsoa
    cross = lsoa["special_cross_la"]
    assert cross.any() and not cross.all()
    assert (lsoa.loc[cross, "special_nearest_la"] != lsoa.loc[cross, "la_gss"]).all()
    assert (lsoa.loc[~cross, "special_nearest_la"] == lsoa.loc[~cross, "la_gss"]).all()


def test_threshold_changes_counts_monotonically(ne_inputs, ne_results):
    wider = analyse(ne_inputs, Settings().with_threshold("special", 10_000))
    assert wider.lsoa["special_children_beyond"].sum() < ne_results.lsoa["special_children_beyond"].sum()


def test_kind_with_no_sites_puts_every_child_beyond(ne_inputs):
    result = analyse(ne_inputs, Settings(kinds=("sen_unit",)))
    assert result.lsoa["sen_unit_straight_line_m"].isna().all()
    assert result.lsoa["sen_unit_children_beyond"].sum() == 336_297
    assert result.la_summary["sen_unit_share_beyond"].eq(1.0).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kinds": ("castle",)}, "Unknown provision kind"),
        ({"kinds": ()}, "No provision kinds"),
        ({"thresholds_m": {"special": -1.0}, "kinds": ("special",)}, "positive number of metres"),
        ({"sectors": ("charity",)}, "Unknown sector"),
    ],
)
def test_bad_settings_raise_input_error(kwargs, message):
    with pytest.raises(InputError, match=message):
        Settings(**kwargs)
