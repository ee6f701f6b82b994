"""Small made-up study areas with answers worked out by hand: ages, need types and bad input."""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from gapmap.engine import analyse
from gapmap.errors import InputError
from gapmap.inputs import StudyInputs
from gapmap.model import PROVISION_COLUMNS, conform_provision
from gapmap.settings import METRES_PER_MILE, Settings

X0, Y0 = 420_000.0, 560_000.0
MILE = METRES_PER_MILE


def _lsoa(code, la, x, y, children, **ages):
    return dict(lsoa_code=code, lsoa_name=code, la_gss=la, children_0_15=children,
                centroid_easting=X0 + x, centroid_northing=Y0 + y, **ages)


def _site(pid, la, x, y, *, kind="special", pupils=100, capacity=None, needs=None, ages=(None, None)):
    row = {c: None for c in PROVISION_COLUMNS}
    row.update(provision_id=pid, urn=pid, name=f"School {pid}", la_gss=la, kind=kind, sector="state-funded",
               pupils=pupils, capacity=capacity, needs=needs, age_low_on_roll=ages[0], age_high_on_roll=ages[1])
    return row, Point(X0 + x, Y0 + y)


def study(lsoas, sites, *, ehcp=None, las=("E06000001", "E06000002")) -> StudyInputs:
    """A study area of two LAs side by side (west and east of X0 + 50 km)."""
    la_frame = gpd.GeoDataFrame(
        {"la_gss": list(las), "la_name": ["West", "East"][: len(las)], "la_code": ["801", "802"][: len(las)]},
        geometry=[box(X0 - 50_000, Y0 - 50_000, X0 + 50_000, Y0 + 50_000),
                  box(X0 + 50_000, Y0 - 50_000, X0 + 150_000, Y0 + 50_000)][: len(las)],
        crs=27700,
    )
    table = pd.DataFrame(lsoas)
    lsoa_frame = gpd.GeoDataFrame(
        table, geometry=[Point(x, y).buffer(100) for x, y in zip(table["centroid_easting"], table["centroid_northing"], strict=True)],
        crs=27700,
    )
    rows = [s[0] for s in sites]
    provision = gpd.GeoDataFrame(rows, geometry=[s[1] for s in sites], crs=27700) if rows else gpd.GeoDataFrame(
        {c: [] for c in PROVISION_COLUMNS}, geometry=gpd.GeoSeries([], crs=27700), crs=27700)
    return StudyInputs(name="Test area", slug="test", las=la_frame, lsoas=lsoa_frame,
                       provision=conform_provision(provision, source_name="test"),
                       ehcp=ehcp if ehcp is not None else pd.DataFrame())


def _ages(**counts):
    """Single years of age 0-15: the given ones, 0 elsewhere."""
    return {f"age_{a}": counts.get(f"age_{a}", 0) for a in range(16)}


def _children_only(kinds=("special",), **changes):
    return Settings(kinds=kinds, specialist_demand="children", **changes)


@pytest.mark.parametrize(("miles", "beyond"), [(1.5, 0), (2.5, 10), (3.5, 30)])
def test_an_under_8_child_is_measured_against_two_miles(miles, beyond):
    inputs = study([_lsoa("L1", "E06000001", 0, 0, 30, **_ages(age_7=10, age_8=20))],
                   [_site("S", "E06000001", miles * MILE, 0)])
    lsoa = analyse(inputs, _children_only(ages={"special": (7, 8)})).lsoa.iloc[0]
    assert lsoa["special_children"] == 30
    assert lsoa["special_children_beyond_statutory"] == beyond
    assert lsoa["special_need_beyond_statutory"] == beyond


def test_a_provision_serves_only_the_ages_it_covers():
    inputs = study(
        [_lsoa("L1", "E06000001", 0, 0, 50, **_ages(age_7=10, age_9=15, age_11=25))],
        [_site("SEC", "E06000001", 1 * MILE, 0, ages=(11, 19)), _site("PRI", "E06000001", 2.5 * MILE, 0, ages=(4, 11))],
    )
    lsoa = analyse(inputs, _children_only(ages={"special": (7, 11)})).lsoa.iloc[0]
    assert lsoa["special_nearest_id"] == "SEC"  # suitable for age 11
    # Age 7: nearest serving 7 is PRI at 2.5 miles > 2 -> beyond; age 9 (3-mile rule) and 11 (SEC, 1 mile) are not.
    assert lsoa["special_children_beyond_statutory"] == 10
    only_young = analyse(inputs, _children_only(ages={"special": (7, 9)})).lsoa.iloc[0]
    assert only_young["special_nearest_id"] == "PRI" and only_young["special_catchment_sites"] == 1


def test_need_types_match_where_both_sides_know_them():
    ehcp = pd.DataFrame({"la_gss": ["E06000001"], "time_period": [202425], "special_total": [10]})
    inputs = study([_lsoa("L1", "E06000001", 0, 0, 80, **_ages(age_9=40, age_10=40))],
                   [_site("ASD", "E06000001", 1 * MILE, 0, needs="ASD"),
                    _site("SEMH", "E06000001", 4 * MILE, 0, needs="SEMH")], ehcp=ehcp, las=("E06000001",))
    result = analyse(inputs, Settings(kinds=("special",), ages={"special": (9, 10)},
                                      need_mix={"ASD": 0.5, "SEMH": 0.3, "unknown": 0.2}))
    lsoa = result.lsoa.iloc[0]
    assert lsoa["special_demand"] == pytest.approx(10)
    # ASD and unknown-need children reach the ASD school at 1 mile; SEMH children need the one at 4 miles.
    assert lsoa["special_need_beyond_statutory"] == pytest.approx(3.0)
    assert lsoa["special_demand_beyond_2mi"] == pytest.approx(3.0)
    assert lsoa["special_nearest_id"] == "ASD"
    table = result.need_access.set_index("need")
    assert table.loc["SEMH", "nearest_id"] == "SEMH" and table.loc["unknown", "nearest_id"] == "ASD"
    assert table.loc["SEMH", "distance_m"] == pytest.approx(4 * MILE, abs=0.1)


def test_a_kind_the_source_does_not_record_is_refused_not_shown_as_a_gap():
    inputs = study([_lsoa("L1", "E06000001", 0, 0, 160), _lsoa("L2", "E06000002", 60_000, 0, 320)],
                   [_site("S", "E06000001", 0, 1000)])
    with pytest.raises(InputError, match="No data in this source for ap: .*leave ap out of --kinds"):
        analyse(inputs, _children_only(kinds=("special", "ap")))


def test_a_kind_with_no_supply_in_the_chosen_sectors_gives_defined_results():
    independent = _site("I", "E06000001", 0, 1000, kind="ap")
    independent[0]["sector"] = "independent"
    inputs = study([_lsoa("L1", "E06000001", 0, 0, 160), _lsoa("L2", "E06000002", 60_000, 0, 320)],
                   [_site("S", "E06000001", 0, 1000), independent])
    result = analyse(inputs, _children_only(kinds=("special", "ap")))
    lsoa, summary = result.lsoa, result.la_summary
    assert lsoa["ap_nearest_id"].isna().all() and lsoa["ap_distance_m"].isna().all()
    assert lsoa["ap_beyond"].all() and lsoa["ap_need_beyond_statutory"].sum() == pytest.approx(lsoa["ap_demand"].sum())
    assert lsoa["ap_need_beyond_threshold"].sum() == pytest.approx(lsoa["ap_demand"].sum())
    assert lsoa["ap_2sfca"].isna().all() and (lsoa["ap_catchment_sites"] == 0).all()
    assert (summary["ap_places"] == 0).all() and (summary["ap_ratio"] == 0).all()
    np.testing.assert_allclose(summary["ap_shortfall"], summary["ap_demand"])
    assert (summary["ap_2sfca"] == 0).all()
    assert any("No located provision of kind(s) ap" in note for note in result.notes)
    # The east LSOA is 60 km from the only special school: no site in reach is NaN, not 0.
    assert np.isnan(lsoa.loc[1, "special_2sfca"]) and lsoa.loc[0, "special_2sfca"] > 0


def test_an_la_with_no_children_has_blank_ratios_and_a_note():
    inputs = study([_lsoa("L1", "E06000001", 0, 0, 160), _lsoa("L2", "E06000002", 60_000, 0, 0)],
                   [_site("S1", "E06000001", 0, 1000), _site("S2", "E06000002", 60_000, 1000)])
    result = analyse(inputs, _children_only())
    east = result.la_summary.set_index("la_gss").loc["E06000002"]
    assert east["special_demand"] == 0 and east["special_places"] == 100 and east["special_shortfall"] == 0
    assert np.isnan(east["special_ratio"]) and np.isnan(east["special_share_need_beyond_statutory"])
    assert any("East has no demand" in note for note in result.notes)
    ehcp = pd.DataFrame({"la_gss": ["E06000001", "E06000002"], "time_period": [202425] * 2, "special_total": [5, 3]})
    with pytest.raises(InputError, match="E06000002 has EHC plans but no children"):
        analyse(replace(inputs, ehcp=ehcp), Settings(kinds=("special",)))


def test_zero_capacity_and_zero_pupils():
    inputs = study([_lsoa("L1", "E06000001", 0, 0, 160), _lsoa("L2", "E06000001", 30_000, 0, 160)],
                   [_site("ZERO", "E06000001", 0, 500, capacity=0, pupils=0),
                    _site("ROLL", "E06000001", 30_000, 500, capacity=0, pupils=40),
                    _site("CAP", "E06000001", 30_000, 900, capacity=60, pupils=40)])
    result = analyse(inputs, _children_only())
    sites = result.provision.set_index("provision_id")
    assert sites["places"].to_dict() == {"CAP": 60, "ROLL": 40, "ZERO": 0}
    assert sites["places_proxy"].to_dict() == {"CAP": False, "ROLL": True, "ZERO": True}
    lsoa = result.lsoa.set_index("lsoa_code")
    assert lsoa.loc["L1", "special_2sfca"] == 0.0  # a site in reach with no places: 0, not blank
    assert lsoa.loc["L2", "special_2sfca"] == pytest.approx(100 / lsoa.loc["L2", "special_demand"])
    assert result.la_summary["special_places_proxy"].iloc[0] == 40


def test_duplicate_ids_are_one_clear_error():
    inputs = study([_lsoa("L1", "E06000001", 0, 0, 16)], [_site("S", "E06000001", 0, 500)])
    doubled = replace(inputs, provision=pd.concat([inputs.provision, inputs.provision], ignore_index=True))
    with pytest.raises(InputError, match="duplicate provision ids: S"):
        analyse(doubled, _children_only())
    doubled = replace(inputs, lsoas=pd.concat([inputs.lsoas, inputs.lsoas], ignore_index=True))
    with pytest.raises(InputError, match="duplicate LSOA codes: L1"):
        analyse(doubled, _children_only())


def test_points_outside_england_are_one_clear_error():
    inputs = study([_lsoa("L1", "E06000001", 0, 0, 16)], [_site("S", "E06000001", 0, 500)])
    lonlat = inputs.provision.copy()
    lonlat["geometry"] = [Point(-1.61, 54.97)]
    with pytest.raises(InputError, match="Provision S has no location or lies outside England"):
        analyse(replace(inputs, provision=lonlat), _children_only())
    lsoas = inputs.lsoas.copy()
    lsoas["centroid_northing"] = 900_000.0  # Scotland
    with pytest.raises(InputError, match="LSOA centroid\\(s\\) of L1 are missing or outside England"):
        analyse(replace(inputs, lsoas=lsoas), _children_only())


def test_ratios_are_never_silently_blank(ne_results):
    for kind in ne_results.settings.kinds:
        summary = ne_results.la_summary
        for column in (f"{kind}_ratio", f"{kind}_2sfca", f"{kind}_share_need_beyond_statutory"):
            assert summary[column].notna().all(), column
        lsoa = ne_results.lsoa
        blank = lsoa[f"{kind}_2sfca"].isna()
        assert (lsoa.loc[blank, f"{kind}_catchment_sites"] == 0).all()
        assert (lsoa.loc[~blank, f"{kind}_catchment_sites"] > 0).all()
