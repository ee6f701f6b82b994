"""Site opportunities on the North East: ranked, explained, reconciled, reproducible, and in the build outputs."""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner
from geopandas.testing import assert_geodataframe_equal

from gapmap.cli import main
from gapmap.engine import analyse
from gapmap.engine.candidates import grid_candidates, os_grid_reference, school_candidates
from gapmap.engine.opportunities import OBJECTIVES, OPPORTUNITY_COLUMNS, OpportunityOptions, site_opportunities
from gapmap.engine.shared import shared_services
from gapmap.errors import InputError
from gapmap.settings import METRES_PER_MILE, Settings


@pytest.fixture(scope="module")
def found(ne_results):
    return site_opportunities(ne_results)


def _demand(results, kind):
    column = f"{kind}_demand" if f"{kind}_demand" in results.lsoa.columns else "children_0_15"
    return results.lsoa[column].to_numpy(dtype=float)


def test_special_and_ap_opportunities_ranked_with_both_plans(found):
    table = found.table
    assert list(table.columns) == [*OPPORTUNITY_COLUMNS, "geometry"] and table.crs.to_epsg() == 27700
    for kind in ("special", "ap"):
        for objective in (OBJECTIVES["cover"], OBJECTIVES["distance"]):  # "time" needs a journey-time backend
            rows = table[(table["kind"] == kind) & (table["objective"] == objective)]
            assert 1 <= len(rows) <= 3 and list(rows["rank"]) == list(range(1, len(rows) + 1))
            assert rows["location"].is_unique
    cover = table[table["objective"] == OBJECTIVES["cover"]]
    for _, rows in cover.groupby("kind"):
        assert rows["children_brought_within"].is_monotonic_decreasing
        assert (rows["plan_gap"] == 0.0).all() and (rows["solver"] == "exact").all()


def test_rows_add_up_to_the_plan(ne_results, found):
    """Children within the threshold after the plan = before + what the rows bring."""
    lsoa = ne_results.lsoa
    for (kind, _), rows in found.table.groupby(["kind", "objective"]):
        within_before = _demand(ne_results, kind)[
            lsoa[f"{kind}_distance_m"].to_numpy() <= ne_results.settings.threshold(kind)].sum()
        assert rows["plan_children_within"].iloc[0] == pytest.approx(
            within_before + rows["children_brought_within"].sum(), rel=1e-6)
        assert (rows["children_nearest"] >= rows["children_brought_within"] - 1e-9).all()
        assert (rows["child_miles_saved"] > 0).all()


def test_each_site_brings_children_it_reaches(ne_inputs, ne_results, found):
    """Brute force for the top special site: LSOAs beyond 3 miles that it brings within 3 miles."""
    top = found.table.iloc[0]
    lsoa = ne_results.lsoa
    centroids = ne_inputs.lsoas.set_index("lsoa_code").loc[lsoa["lsoa_code"], ["centroid_easting", "centroid_northing"]]
    distance = np.hypot(centroids["centroid_easting"].to_numpy() - top.geometry.x,
                        centroids["centroid_northing"].to_numpy() - top.geometry.y)
    radius = ne_results.settings.threshold("special")
    reached = lsoa["special_beyond"].to_numpy(dtype=bool) & (distance <= radius)
    assert top["children_brought_within"] <= _demand(ne_results, "special")[reached].sum() + 1e-9
    assert top["children_brought_within"] > 0


def test_explanations_name_the_site_the_las_and_the_threshold(found):
    for row in found.table.itertuples():
        assert row.location_name in row.explanation and row.location_la_name in row.explanation
        assert "within 3 miles (straight line)" in row.explanation
        for la in filter(None, row.las_served.split("; ")):
            assert la in row.explanation and la in row.children_by_la
    assert found.table["explanation"].iloc[0].startswith("New special school provision")
    assert any("Proven gap" in note for note in found.notes)
    assert any("demand is estimated children needing special school provision" in note for note in found.notes)


def test_same_output_twice(ne_results, found):
    again = site_opportunities(ne_results)
    assert_geodataframe_equal(found.table, again.table, check_crs=True)
    assert found.notes == again.notes


def test_transport_saving_only_when_a_cost_is_set(ne_results, found):
    assert "indicative_annual_saving_gbp" not in found.table.columns
    options = OpportunityOptions(sites=1, kinds=("special",), cost_per_pupil_mile=2.5)
    table = site_opportunities(ne_results, options).table
    expected = (table["child_miles_saved"] * 2 * 190 * 2.5).round(-2)
    assert (table["indicative_annual_saving_gbp"] == expected).all()
    assert table["saving_basis"].str.contains("£2.50 per pupil-mile").all()
    assert table["explanation"].str.contains("indicative saving £").all()
    per_pupil = site_opportunities(ne_results, replace(options, cost_per_pupil_mile=None, cost_per_pupil=9500)).table
    assert (per_pupil["indicative_annual_saving_gbp"] == (per_pupil["children_brought_within"] * 9500).round(-2)).all()


def test_children_0_15_are_used_and_named_when_there_is_no_demand_estimate(ne_results):
    results = replace(ne_results, lsoa=ne_results.lsoa.drop(columns=["special_demand"]))
    found = site_opportunities(results, OpportunityOptions(sites=1, kinds=("special",)))
    assert found.table["demand_basis"].str.startswith("all children aged 0-15").all()
    assert found.table["estimated_places"].isna().all()
    assert "children aged 0-15 in" in found.table["explanation"].iloc[0]


def test_grid_candidates(ne_inputs, ne_results):
    grid = grid_candidates(ne_inputs.las, spacing_m=2000)
    assert grid.index.is_unique and set(grid["la_gss"]) == set(ne_inputs.las["la_gss"])
    assert ((grid["x"] - 1000) % 2000 == 0).all()
    found = site_opportunities(ne_results, OpportunityOptions(sites=2, candidates="grid", kinds=("special",)))
    assert found.table["location"].isin(grid.index).all()
    assert found.table["explanation"].str.contains("2 km grid cell \\(grid reference N[TUYZ] ").all()
    assert os_grid_reference(425000, 565000) == "NZ 250 650"


def test_school_candidates_exclude_the_kind_itself_and_independent_schools(ne_inputs):
    candidates = school_candidates(ne_inputs.provision, "special")
    kinds = ne_inputs.provision.set_index(ne_inputs.provision["provision_id"].astype(str)).loc[candidates.index]
    assert not kinds["kind"].isin(["special", "mainstream_independent", "nursery"]).any()
    assert (kinds["sector"] == "state-funded").all()


class TestBadInputGivesAnExplainedResult:
    def test_no_site_search(self, ne_results):
        found = site_opportunities(ne_results, OpportunityOptions(sites=0))
        assert found.table.empty and list(found.table.columns) == [*OPPORTUNITY_COLUMNS, "geometry"]
        assert found.notes == ("Site opportunities: not searched (0 new sites requested).",)

    def test_no_unserved_demand(self, ne_inputs):
        results = analyse(ne_inputs, Settings(kinds=("special",)).with_threshold("special", 200 * METRES_PER_MILE))
        found = site_opportunities(results)
        assert found.table[found.table["objective"] == OBJECTIVES["cover"]].empty
        assert any("no unserved demand" in note for note in found.notes)

    def test_kind_with_no_existing_site(self, ne_inputs):
        results = analyse(ne_inputs, Settings(kinds=("ap",), sectors=("independent",)))  # every AP is state-funded
        table = site_opportunities(results, OpportunityOptions(sites=1, candidates="grid", grid_m=10_000)).table
        assert len(table) == 2 and table["child_miles_saved"].isna().all()
        assert table["children_brought_within"].gt(0).all()
        assert "be the nearest site for" in table["explanation"].iloc[1]

    def test_more_sites_than_candidates(self, ne_results):
        options = OpportunityOptions(sites=10_000, candidates="grid", grid_m=20_000, kinds=("special",))
        found = site_opportunities(ne_results, options)
        assert any("is at least the" in note and "all of them are chosen" in note for note in found.notes)
        assert len(found.table) > 0 and (found.table["plan_gap"] == 0.0).all()

    @pytest.mark.parametrize("arguments, match", [
        ({"sites": -1}, "whole number"),
        ({"candidates": "car parks"}, "candidate set"),
        ({"cost_per_pupil": 1.0, "cost_per_pupil_mile": 1.0}, "not both"),
        ({"cost_per_pupil_mile": -3.0}, "positive"),
        ({"grid_m": 10.0, "candidates": "grid"}, "grid spacing"),
    ])
    def test_bad_options(self, ne_results, arguments, match):
        with pytest.raises(InputError, match=match):
            site_opportunities(ne_results, OpportunityOptions(**arguments))

    def test_kind_not_analysed(self, ne_results):
        with pytest.raises(InputError, match="not analysed"):
            site_opportunities(ne_results, OpportunityOptions(kinds=("nursery",)))


def test_shared_services_attach_all_three_tables_and_notes(ne_results):
    results = shared_services(ne_results, OpportunityOptions(sites=1))
    assert isinstance(results.flows, gpd.GeoDataFrame) and isinstance(results.clusters, gpd.GeoDataFrame)
    assert len(results.opportunities) == 4  # special and AP, two plans, one site each
    assert results.notes[: len(ne_results.notes)] == ne_results.notes
    assert any(note.startswith("Site opportunities, ap") for note in results.notes)


def test_build_writes_flows_clusters_and_opportunities(ne_build):
    layers = {name for name, _ in pyogrio.list_layers(ne_build / "gapmap.gpkg")}
    assert {"flows", "clusters", "opportunities"} <= layers
    table = pd.read_csv(ne_build / "tables" / "opportunities.csv")
    assert set(table["kind"]) == {"special", "ap"} and {"easting", "northing"} <= set(table.columns)
    flows = pd.read_csv(ne_build / "tables" / "flows.csv")
    assert {"special", "ap"} <= set(flows["kind"])
    clusters = gpd.read_file(ne_build / "gapmap.gpkg", layer="clusters")
    assert (clusters["la_count"] >= 2).all() and "special" in set(clusters["kind"])


def test_cli_sites_candidates_and_cost_options(tmp_path):
    result = CliRunner().invoke(main, ["build", "--out", str(tmp_path), "--tiles", "none", "--kinds", "special",
                                       "--sites", "1", "--candidates", "grid", "--cost-per-pupil", "9500"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "north-east" / "tables" / "opportunities.csv")
    assert len(table) == 2 and table["location"].str.match(r"N[TUYZ] \d{3} \d{3}").all()
    assert table["saving_basis"].str.contains("£9,500 per pupil").all()
    bad = CliRunner().invoke(main, ["build", "--out", str(tmp_path), "--cost-per-pupil", "1",
                                    "--cost-per-pupil-mile", "1"])
    assert bad.exit_code == 2 and "not both" in bad.output
