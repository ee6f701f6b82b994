"""Nearest distances and within-radius pairs against brute force."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gapmap.engine import nearest, pairs_within


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
