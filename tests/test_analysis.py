"""The analysis: children beyond thresholds, LA summary reconciliation, settings validation."""

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
    provision = ne_inputs.provision
    special = provision[(provision["kind"] == "special") & (provision["sector"] == "state-funded")]  # the default
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
    provision = ne_results.provision
    for kind in ne_results.settings.kinds:
        assert (summary[f"{kind}_children_beyond"] == by_la[f"{kind}_children_beyond"].sum()).all()
        supply = provision[(provision["kind"] == kind) & provision["analysed"]]
        assert summary[f"{kind}_sites"].sum() == len(supply)
        assert summary[f"{kind}_pupils"].sum() == supply["pupils"].sum()
        assert summary[f"{kind}_places"].sum() == supply["places"].sum()
        not_counted = provision[(provision["kind"] == kind) & ~provision["analysed"]]
        assert len(supply) + len(not_counted) == (ne_inputs.provision["kind"] == kind).sum()
    # Only Great Park Academy (a secondary free school with pupils aged 9-10 only) serves none of its kind's ages.
    counted = provision["kind"].isin(ne_results.settings.kinds) & provision["sector"].eq("state-funded")
    assert provision.loc[~provision["analysed"] & counted, "name"].tolist() == ["Great Park Academy"]
    assert summary["sites"].sum() == ne_inputs.provision["sector"].eq("state-funded").sum()


def test_cross_la_flag_means_nearest_site_is_in_another_la(ne_results):
    lsoa = ne_results.lsoa
    cross = lsoa["special_cross_la"]
    assert cross.any() and not cross.all()
    assert (lsoa.loc[cross, "special_nearest_la"] != lsoa.loc[cross, "la_gss"]).all()
    assert (lsoa.loc[~cross, "special_nearest_la"] == lsoa.loc[~cross, "la_gss"]).all()


def test_threshold_changes_counts_monotonically(ne_inputs, ne_results):
    wider = analyse(ne_inputs, Settings().with_threshold("special", 10_000))
    assert wider.lsoa["special_children_beyond"].sum() < ne_results.lsoa["special_children_beyond"].sum()


def test_a_kind_the_source_does_not_record_is_refused(ne_inputs):
    with pytest.raises(InputError, match="No data in this source for sen_unit, resourced_provision: DfE school census"):
        analyse(ne_inputs, Settings(kinds=("special", "sen_unit", "resourced_provision")))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kinds": ("castle",)}, "Unknown provision kind"),
        ({"kinds": ()}, "No provision kinds"),
        ({"thresholds_m": {"special": -1.0}, "kinds": ("special",)}, "positive number of metres"),
        ({"sectors": ("charity",)}, "Unknown sector"),
        ({"rules": "scotland-1999"}, "Unknown distance rule set"),
        ({"circuity": 0.8}, "circuity factor must be a number >= 1.0"),
        ({"circuity": 1.2, "cost_backend": lambda o, d, m: None}, "circuity factor applies to straight lines only"),
        ({"ages": {"special": (15, 4)}, "kinds": ("special",)}, "ages for special"),
        ({"catchments_m": {"special": 0}, "kinds": ("special",)}, "catchment for special"),
        ({"specialist_demand": "guess"}, "specialist_demand must be one of"),
        ({"idaci_weight": 2}, "idaci_weight must be a number from 0 to 1"),
        ({"need_mix": {"ASD": 0.5}}, "need_mix must map need codes"),
        ({"need_mix": {"XYZ": 1.0}}, "need_mix must map need codes"),
        ({"step_weights": ()}, "step_weights"),
        ({"distance_bands_miles": (0,)}, "distance_bands_miles"),
    ],
)
def test_bad_settings_raise_input_error(kwargs, message):
    with pytest.raises(InputError, match=message):
        Settings(**kwargs)
