"""Cross-LA flows and border gap clusters on the North East: they reconcile with the LSOA table and brute force."""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import libpysal
import numpy as np
import pytest
import shapely
from scipy.sparse.csgraph import connected_components

from gapmap.engine import analyse
from gapmap.engine.cluster_split import MAX_CLUSTER_AREA_KM2, MAX_CLUSTER_NEED
from gapmap.engine.clusters import border_clusters, lsoa_adjacency
from gapmap.engine.flows import FLOW_COLUMNS, cross_la_flows, flow_notes
from gapmap.settings import METRES_PER_MILE, Settings


@pytest.fixture(scope="module")
def flows(ne_results):
    return cross_la_flows(ne_results)


@pytest.fixture(scope="module")
def clusters(ne_results):
    return border_clusters(ne_results)


def _demand(results, kind):
    column = f"{kind}_demand" if f"{kind}_demand" in results.lsoa.columns else "children_0_15"
    return results.lsoa[column].to_numpy(dtype=float)


def test_flows_add_up_to_the_cross_la_lsoas(ne_results, flows):
    assert list(flows.columns) == [*FLOW_COLUMNS, "geometry"] and flows.crs.to_epsg() == 27700
    lsoa = ne_results.lsoa
    for kind in ne_results.settings.kinds:
        rows = flows[(flows["kind"] == kind) & (flows["need_type"] == "all needs")]
        cross = lsoa[f"{kind}_cross_la"].to_numpy(dtype=bool)
        assert rows["lsoas"].sum() == cross.sum()
        assert rows["children"].sum() == pytest.approx(_demand(ne_results, kind)[cross].sum())
        assert (rows["resident_la_gss"] != rows["provider_la_gss"]).all()
    special = flows[flows["kind"] == "special"]
    assert len(special) > 10 and special["children"].is_monotonic_decreasing


def test_distance_saved_matches_brute_force_for_the_largest_flow(ne_inputs, ne_results, flows):
    top = flows[flows["kind"] == "special"].iloc[0]
    lsoa = ne_results.lsoa
    mask = ((lsoa["la_gss"] == top["resident_la_gss"]) & (lsoa["special_nearest_la"] == top["provider_la_gss"])
            & lsoa["special_cross_la"]).to_numpy(dtype=bool)
    centroids = ne_inputs.lsoas.set_index("lsoa_code").loc[lsoa.loc[mask, "lsoa_code"],
                                                           ["centroid_easting", "centroid_northing"]].to_numpy()
    provision = ne_inputs.provision
    own = provision[(provision["kind"] == "special") & (provision["la_gss"] == top["resident_la_gss"])
                    & (provision["sector"] == "state-funded")]  # the default supply
    own_xy = np.column_stack([own.geometry.x, own.geometry.y])
    own_distance = np.hypot(*(centroids[:, None, :] - own_xy[None, :, :]).transpose(2, 0, 1)).min(axis=1)
    weight = _demand(ne_results, "special")[mask]
    nearest = lsoa.loc[mask, "special_straight_line_m"].to_numpy()
    assert top["resident_la_sites"] == len(own)
    assert top["child_miles_saved"] == pytest.approx(np.dot(weight, own_distance - nearest) / METRES_PER_MILE, rel=1e-4)
    assert top["own_la_mean_distance_m"] == pytest.approx(np.dot(weight, own_distance) / weight.sum(), abs=0.1)
    assert (flows["child_miles_saved"].dropna() >= 0).all()


def test_flow_lines_run_from_the_crossing_children_to_the_sites_they_reach(ne_inputs, ne_results, flows):
    lsoa = ne_results.lsoa
    centroids = ne_inputs.lsoas.set_index("lsoa_code")[["centroid_easting", "centroid_northing"]]
    sites = ne_inputs.provision.set_index("provision_id").geometry
    for row in flows[flows["kind"] == "special"].head(5).itertuples():
        mask = ((lsoa["la_gss"] == row.resident_la_gss) & (lsoa["special_nearest_la"] == row.provider_la_gss)
                & lsoa["special_cross_la"]).to_numpy(dtype=bool)
        xy = centroids.loc[lsoa.loc[mask, "lsoa_code"]].to_numpy()
        centre = np.average(xy, axis=0, weights=lsoa.loc[mask, "special_demand"].to_numpy())
        reached = sorted(set(lsoa.loc[mask, "special_nearest_id"].astype(str)))
        segments = list(row.geometry.geoms)
        assert len(segments) == len(reached)
        for segment in segments:
            assert np.allclose(segment.coords[0], centre, atol=1e-6)
        ends = sorted(shapely.Point(segment.coords[-1]).wkt for segment in segments)
        assert ends == sorted(sites[code].wkt for code in reached)


def test_an_la_with_no_provision_is_flagged(ne_inputs):
    provision = ne_inputs.provision
    without = provision[~((provision["kind"] == "ap") & (provision["la_gss"] == "E08000037"))]
    results = analyse(replace(ne_inputs, provision=without), Settings(kinds=("ap",)))
    rows = cross_la_flows(results)
    gateshead = rows[rows["resident_la_gss"] == "E08000037"]
    assert gateshead["lsoas"].sum() == (results.lsoa["la_gss"] == "E08000037").sum()
    assert (gateshead["resident_la_sites"] == 0).all() and gateshead["child_miles_saved"].isna().all()
    assert any("Gateshead has no alternative provision" in note for note in flow_notes(results))


def test_adjacency_on_a_grid_of_squares_is_queen_contiguity():
    squares = gpd.GeoSeries([shapely.box(x, y, x + 1, y + 1) for y in range(3) for x in range(3)])
    adjacency = lsoa_adjacency(squares, tolerance=1e-9)
    assert adjacency[[4]].sum() == 8 and adjacency[[0]].sum() == 3
    assert (adjacency != adjacency.T).nnz == 0 and adjacency.diagonal().sum() == 0


def test_clusters_equal_components_of_libpysal_queen_contiguity(ne_results, clusters):
    """Independent reference: libpysal Queen weights, components found by scipy."""
    lsoa = ne_results.lsoa
    queen = libpysal.weights.Queen.from_dataframe(lsoa, use_index=False, silence_warnings=True).sparse
    assert len(clusters) and clusters.crs.to_epsg() == 27700
    for kind in ne_results.settings.kinds:
        beyond = np.flatnonzero(lsoa[f"{kind}_beyond"].to_numpy(dtype=bool))
        _, labels = connected_components(queen[beyond][:, beyond], directed=False)
        la = lsoa["la_gss"].to_numpy()[beyond]
        codes = lsoa["lsoa_code"].to_numpy()[beyond]
        component = dict(zip(codes, labels))
        for row in clusters[clusters["kind"] == kind].itertuples():
            members = row.lsoa_codes.split(";")
            assert len({component[code] for code in members}) == 1, "a cluster lies inside one component"
            rows = np.flatnonzero(lsoa["lsoa_code"].isin(members).to_numpy())
            assert connected_components(queen[rows][:, rows], directed=False)[0] == 1, "a cluster is contiguous"
            area = lsoa.geometry.area.to_numpy()[rows].sum() / 1e6
            assert len(members) == 1 or (row.children <= MAX_CLUSTER_NEED + 1e-9
                                         and area <= MAX_CLUSTER_AREA_KM2 + 1e-9)
            assert row.area_km2 == pytest.approx(area, abs=0.01)
    demand = {kind: dict(zip(lsoa["lsoa_code"], _demand(ne_results, kind))) for kind in ne_results.settings.kinds}
    for row in clusters.itertuples():
        assert row.children == pytest.approx(sum(demand[row.kind][code] for code in row.lsoa_codes.split(";")))
        assert row.la_count >= 2 and row.geometry.area == pytest.approx(
            lsoa[lsoa["lsoa_code"].isin(row.lsoa_codes.split(";"))].area.sum(), rel=1e-6)
    special = clusters[clusters["kind"] == "special"]
    assert list(special["cluster"]) == [f"special-{n}" for n in range(1, len(special) + 1)]
    assert special["children"].is_monotonic_decreasing
    assert "a gap no single LA can close alone" in special["explanation"].iloc[0]
    assert special["centre_name"].iloc[0] in special["explanation"].iloc[0]


def test_a_large_cluster_is_split_into_bounded_contiguous_parts(ne_results):
    """With unbounded parts the special gap is one cluster of about 970 children; bounded, no part exceeds 100."""
    lsoa = ne_results.lsoa
    beyond = np.flatnonzero(lsoa["special_beyond"].to_numpy(dtype=bool))
    adjacency = lsoa_adjacency(lsoa.geometry)
    count, labels = connected_components(adjacency[beyond][:, beyond], directed=False)
    largest = np.bincount(labels, weights=lsoa["special_demand"].to_numpy()[beyond]).max()
    assert largest > 900
    special = border_clusters(ne_results, adjacency=adjacency)
    special = special[special["kind"] == "special"]
    assert len(special) and (special["children"] <= MAX_CLUSTER_NEED).all() and (special["la_count"] >= 2).all()
