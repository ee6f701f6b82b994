"""Nearest distances and within-radius pairs against brute force."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gapmap.engine import FunctionBackend, StraightLine, nearest, pairs_within
from gapmap.engine.distance import pairs_nearer
from gapmap.engine.opportunities import _pairs_nearer


def _brute_force(origins: pd.DataFrame, dests: pd.DataFrame) -> np.ndarray:
    return np.hypot(
        origins.iloc[:, 0].to_numpy()[:, None] - dests.iloc[:, 0].to_numpy()[None, :],
        origins.iloc[:, 1].to_numpy()[:, None] - dests.iloc[:, 1].to_numpy()[None, :],
    )


def _points(frame, kind):
    sites = frame[frame["kind"] == kind]
    return pd.DataFrame({"x": sites.geometry.x, "y": sites.geometry.y}).set_index(sites["provision_id"])


def test_nearest_matches_brute_force_on_real_lsoas(ne_inputs):
    origins = ne_inputs.lsoas.set_index("lsoa_code")[["centroid_easting", "centroid_northing"]].sample(300, random_state=1)
    for kind in ("special", "ap", "mainstream_primary"):
        dests = _points(ne_inputs.provision, kind)
        found = nearest(origins, dests)
        matrix = _brute_force(origins, dests)
        np.testing.assert_allclose(found["distance"].to_numpy(), matrix.min(axis=1), rtol=0, atol=1e-6)
        chosen = matrix[np.arange(len(origins)), dests.index.get_indexer(found["dest"])]
        np.testing.assert_allclose(chosen, matrix.min(axis=1), atol=1e-6)


def test_nearest_with_no_destinations_is_missing_not_zero():
    origins = pd.DataFrame({"x": [1.0], "y": [2.0]}, index=["a"])
    found = nearest(origins, pd.DataFrame({"x": [], "y": []}))
    assert found["dest"].isna().all() and found["distance"].isna().all()


def test_pairs_within_matches_brute_force_and_includes_the_limit(ne_inputs):
    origins = ne_inputs.lsoas.set_index("lsoa_code")[["centroid_easting", "centroid_northing"]].iloc[:200]
    dests = _points(ne_inputs.provision, "special")
    pairs = pairs_within(origins, dests, 10_000)
    matrix = _brute_force(origins, dests)
    i, j = np.nonzero(matrix <= 10_000)
    assert len(pairs) == len(i)
    expected = pd.DataFrame({"origin": origins.index[i], "dest": dests.index[j], "cost": matrix[i, j]})
    got = pairs.sort_values(["origin", "dest"]).reset_index(drop=True)
    expected = expected.sort_values(["origin", "dest"]).reset_index(drop=True)
    assert got["origin"].tolist() == expected["origin"].tolist()
    np.testing.assert_allclose(got["cost"], expected["cost"], atol=1e-6)
    # A site exactly at the limit (3-4-5 triangle) is inside the catchment; coincident points are kept.
    tri = pairs_within(pd.DataFrame({"x": [0.0], "y": [0.0]}), pd.DataFrame({"x": [3.0, 0.0], "y": [4.0, 0.0]}), 5.0)
    assert sorted(tri["cost"]) == [0.0, 5.0]


def test_pairs_within_names_ids_as_categories_and_keeps_repeated_ids():
    origins = pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 0.0]}, index=["a", "b"])
    sites = pd.DataFrame({"x": [0.0, 0.5], "y": [1.0, 0.0]}, index=["s", "s"])
    pairs = pairs_within(origins, sites, 2.0)
    assert str(pairs["origin"].dtype) == "category" and list(pairs["origin"].cat.categories) == ["a", "b"]
    assert pairs["origin"].tolist() == ["a", "a", "b", "b"]
    assert pairs["dest"].dtype == object and pairs["dest"].tolist() == ["s", "s", "s", "s"]
    everything = pairs_within(origins, sites, np.inf)
    assert len(everything) == 4


def test_pairs_nearer_lists_exactly_the_pairs_below_each_origins_own_limit(ne_inputs):
    origins = ne_inputs.lsoas.set_index("lsoa_code")[["centroid_easting", "centroid_northing"]].iloc[:300]
    dests = _points(ne_inputs.provision, "mainstream_primary")
    limits = np.random.default_rng(3).uniform(0, 8_000, len(origins))
    limits[:3] = [0.0, 60_000.0, 1e-3]  # none, every site, none
    matrix = _brute_force(origins, dests)
    for scale in (1.0, 1.3):
        pairs = pairs_nearer(origins, dests, limits, scale=scale)
        i, j = np.nonzero(matrix * scale < limits[:, None])
        assert pairs["origin"].tolist() == origins.index[i].tolist()  # origin, then site order
        assert pairs["dest"].tolist() == dests.index[j].tolist()
        np.testing.assert_allclose(pairs["cost"], matrix[i, j] * scale, rtol=1e-12)
    # The limit is strict: a site exactly at it (3-4-5 triangle) is left out.
    tri = pairs_nearer(pd.DataFrame({"x": [0.0], "y": [0.0]}), pd.DataFrame({"x": [3.0, 0.0], "y": [4.0, 1.0]}),
                       np.array([5.0]))
    assert tri["cost"].tolist() == [1.0]


def test_per_origin_site_search_pairs_equal_the_batched_search(ne_inputs):
    """The straight-line radius query per origin finds the very pairs the batched search (any backend) finds."""
    origins = ne_inputs.lsoas.set_index("lsoa_code")[["centroid_easting", "centroid_northing"]]
    origins.columns = ["x", "y"]
    sites = _points(ne_inputs.provision, "mainstream_secondary")
    baseline = StraightLine().nearest(origins, _points(ne_inputs.provision, "special"))["cost"].to_numpy()
    for circuity in (1.0, 1.2):
        line = StraightLine(circuity)
        generic = FunctionBackend(lambda o, d, m, line=line: line.costs(o, d, max_cost=m), "batched")
        per_origin, batched = (_pairs_nearer(b, origins, sites, baseline * circuity) for b in (line, generic))
        key = ["origin", "dest"]
        per_origin, batched = (t.astype({"origin": object, "dest": object}).sort_values(key).reset_index(drop=True)
                               for t in (per_origin, batched))
        assert len(per_origin) > 1_000
        pd.testing.assert_frame_equal(per_origin, batched)
