"""The embedded North East study area matches its sources."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from conftest import SHARED_DATA, needs_shared
from gapmap.sources.embedded import embedded_path

NE_LAS = {"E06000047", "E08000037", "E08000021", "E08000022", "E06000057", "E08000023", "E08000024"}


def test_children_and_lsoas_match_the_iod_denominators(ne_inputs):
    # MANIFEST: the North East CA has 1,240 LSOAs and 336,297 children aged 0-15 (mid-2015).
    assert len(ne_inputs.lsoas) == 1240
    assert ne_inputs.lsoas["children_0_15"].sum() == 336_297
    assert ne_inputs.lsoas["lsoa_code"].is_unique
    assert set(ne_inputs.lsoas["la_gss"]) == NE_LAS
    assert set(ne_inputs.las["la_gss"]) == NE_LAS


def test_special_and_ap_counts_equal_the_census_rows(ne_inputs):
    census = pyogrio.read_dataframe(embedded_path(), layer="schools_census", read_geometry=False)
    groups = census.groupby(["new_la_code", "phase_type_grouping"]).size()
    special_census = groups.xs("State-funded special school", level=1)
    ap_census = groups.xs("State-funded AP school", level=1)
    # MANIFEST: 44 state-funded special and 11 AP schools across the CA.
    assert special_census.sum() == 44 and ap_census.sum() == 11

    provision = ne_inputs.provision
    unlocated = ne_inputs.excluded[ne_inputs.excluded["reason"].str.startswith("no location")]
    state_special = provision[(provision["kind"] == "special") & (provision["sector"] == "state-funded")]
    located = state_special.groupby("la_gss").size()
    dropped = census[census["urn"].isin(unlocated["record_id"]) & (census["phase_type_grouping"] == "State-funded special school")]
    assert (located.add(dropped.groupby("new_la_code").size(), fill_value=0) == special_census).all()
    ap = provision[provision["kind"] == "ap"].groupby("la_gss").size()
    assert ap.sort_index().equals(ap_census.sort_index().rename(None).astype(ap.dtype))


def test_unlocated_schools_are_listed_not_dropped(ne_inputs):
    unlocated = ne_inputs.excluded[ne_inputs.excluded["reason"].str.startswith("no location")]
    assert sorted(unlocated["name"]) == ["Dryden School", "Woodham Academy", "XP Gateshead"]
    assert len(ne_inputs.provision) + len(ne_inputs.excluded) == 912


def test_census_has_no_capacity_so_capacity_is_null(ne_inputs):
    assert ne_inputs.provision["capacity"].isna().all()
    assert ne_inputs.provision.crs.to_epsg() == 27700


def test_embedded_data_is_compact():
    folder = embedded_path().parent
    assert sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) < 15e6


@needs_shared
def test_embedded_census_layer_equals_shared_csv():
    raw = pd.read_csv(SHARED_DATA / "schools" / "ne_ca_schools_2022-23_geocoded.csv")
    layer = gpd.read_file(embedded_path(), layer="schools_census")
    assert len(layer) == len(raw) == 912
    merged = layer.merge(raw.assign(urn=raw["urn"].astype(str)), on="urn")
    located = merged["cpo_easting"].notna()
    assert (merged.loc[located].geometry.x == merged.loc[located, "cpo_easting"]).all()
    assert (merged.loc[located].geometry.y == merged.loc[located, "cpo_northing"]).all()
    assert (merged["headcount_pupils"] == merged["headcount of pupils"]).all()


@needs_shared
@pytest.mark.slow
def test_prepare_rebuilds_the_embedded_data(tmp_path):
    pytest.importorskip("openpyxl", reason="the prepare extra (openpyxl) is not installed")
    from gapmap.prepare import build

    rebuilt = build(SHARED_DATA, tmp_path)
    for layer in ("la", "lsoa", "schools_census", "ehcp_caseload", "ehcp_needs", "ehcp_england"):
        expected = gpd.read_file(embedded_path(), layer=layer)
        actual = gpd.read_file(rebuilt, layer=layer)
        pd.testing.assert_frame_equal(pd.DataFrame(actual), pd.DataFrame(expected), check_exact=False, rtol=1e-12)
