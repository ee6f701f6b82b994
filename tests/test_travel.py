"""Estimated car time: the model's arithmetic, its error on real routed times, the time backend."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gapmap.engine.costs import CarTime
from gapmap.travel import car_minutes, default_model
from gapmap.travel.calibrate import Spec, error_table, fit, leave_one_region_out
from gapmap.travel.model import LEGAL_KM_PER_MIN, CarTimeModel, Grid

from conftest import FIXTURES, SHARED_DATA, needs_shared

#: Routed car minutes from the 1,240 North East CA LSOAs to the units within 100 km (tests/fixtures/SOURCES.md).
NORTH_EAST_PAIRS = FIXTURES / "travel_north_east_car_minutes.csv.gz"


def _grid_model() -> CarTimeModel:
    """5 min + 1 min/km; access 2 min at node (1, 0), else 0; speed +0.5 min/km at every node."""
    grid = Grid(x0=0.0, y0=0.0, cell_m=10_000.0, nx=3, ny=2)
    access = np.zeros(6)
    access[1] = 2.0
    return CarTimeModel(knots_km=(10.0,), coefficients=(5.0, 1.0, -0.5), grid=grid, access=access,
                        speed=np.full(6, 0.5))


def test_minutes_by_hand():
    model = _grid_model()
    # origin on node (0, 0): access 0; destination half-way between nodes (1, 0) and (2, 0): access 1.
    # 15 km: curve 5 + 15 - 0.5 x 5 = 17.5; speed 0.5 x 15 = 7.5; total 17.5 + 0 + 1 + 7.5 = 26.
    minutes = model.minutes([[0.0, 0.0]], [[15_000.0, 0.0], [0.0, 0.0]])
    assert minutes.shape == (1, 2)
    assert minutes[0, 0] == pytest.approx(26.0)
    assert minutes[0, 1] == pytest.approx(5.0)
    assert model.pair_minutes([[15_000.0, 0.0]], [[0.0, 0.0]])[0] == pytest.approx(26.0)


def test_round_trip_through_json():
    model = _grid_model()
    again = CarTimeModel.from_dict(model.to_dict())
    points = np.array([[1_000.0, 2_000.0], [18_000.0, 9_000.0], [-5_000.0, 40_000.0]])
    np.testing.assert_allclose(again.minutes(points, points), model.minutes(points, points))


def test_reach_is_a_safe_search_radius():
    model = default_model()
    rng = np.random.default_rng(0)
    points = np.column_stack([rng.uniform(150_000, 650_000, 400), rng.uniform(50_000, 650_000, 400)])
    minutes = model.minutes(points[:200], points[200:])
    km = np.hypot(points[:200, None, 0] - points[None, 200:, 0], points[:200, None, 1] - points[None, 200:, 1])
    for limit in (10.0, 45.0, 75.0):
        assert km[minutes <= limit].max(initial=0.0) <= model.reach_m(limit)


def test_bad_coordinates_name_the_input():
    with pytest.raises(ValueError, match="origins must be an \\(n, 2\\) array"):
        car_minutes([1.0, 2.0], [[0.0, 0.0]])
    with pytest.raises(ValueError, match="destinations has missing"):
        car_minutes([[0.0, 0.0]], [[np.nan, 0.0]])


def test_shipped_model_on_north_east_routed_times():
    """In-sample check on real routed times (the model was fitted on these pairs among all England's).

    Measured with the shipped parameters: median 1.28, 90th percentile 3.38 minutes (pairs within 60 km).
    """
    pairs = pd.read_csv(NORTH_EAST_PAIRS)
    predicted = default_model().pair_minutes(pairs[["ox", "oy"]].to_numpy(), pairs[["dx", "dy"]].to_numpy())
    held = pairs.assign(error=predicted - pairs["minutes"])
    table = error_table(held).set_index("setting")
    assert table.loc["all", "pairs"] > 5_000
    assert table.loc["all", "median_abs_min"] <= 1.4
    assert table.loc["all", "p90_abs_min"] <= 3.6


def test_held_out_north_east_units_from_the_fixture():
    """Refit on the North East fixture without the routed times to two units, predict them (fast, no shared data).

    Measured: median 1.40, 90th percentile 3.46 minutes on 2,418 held-out pairs within 60 km.
    """
    pairs = pd.read_csv(NORTH_EAST_PAIRS)
    pairs["origin_region"] = "North East"
    pairs["dest_region"] = np.where(pairs["unit"].isin(["DH15TW", "SR47TP"]), "held out", "kept")
    spec = Spec("chosen", knots_km=(5.0, 15.0, 40.0), access=True, speed=True)
    held = leave_one_region_out(spec, pairs, regions=["held out"])
    table = error_table(held).set_index("setting")
    assert table.loc["all", "pairs"] == 2_418
    assert table.loc["all", "median_abs_min"] <= 1.55
    assert table.loc["all", "p90_abs_min"] <= 3.8


@needs_shared
@pytest.mark.shared
@pytest.mark.slow
def test_held_out_north_east_region_does_not_get_worse():
    """North East units held out, fitted on northern England (benchmarks/travel_validation.md, quick check).

    Measured: median 3.00, 90th percentile 6.63 minutes on 9,644 held-out pairs within 60 km.
    """
    from gapmap.travel.reference import reference_pairs

    northern = ("North East", "North West", "Yorkshire and The Humber")
    pairs = reference_pairs(SHARED_DATA)
    pairs = pairs[pairs["origin_region"].isin(northern) & pairs["dest_region"].isin(northern)]
    spec = Spec("chosen", knots_km=(5.0, 15.0, 40.0), access=True, speed=True)
    table = error_table(leave_one_region_out(spec, pairs, regions=["North East"])).set_index("setting")
    assert table.loc["all", "pairs"] == 9_644
    assert table.loc["all", "median_abs_min"] <= 3.15
    assert table.loc["all", "p90_abs_min"] <= 6.9


def test_time_backend_matches_brute_force():
    rng = np.random.default_rng(1)
    origins = pd.DataFrame(rng.uniform([400_000, 520_000], [460_000, 600_000], (60, 2)), columns=["x", "y"],
                           index=[f"o{i}" for i in range(60)])
    sites = pd.DataFrame(rng.uniform([400_000, 520_000], [460_000, 600_000], (9, 2)), columns=["x", "y"],
                         index=[f"s{i}" for i in range(9)])
    backend = CarTime()
    full = default_model().minutes(origins.to_numpy(), sites.to_numpy())
    found = backend.nearest(origins, sites)
    assert found["dest"].tolist() == sites.index[full.argmin(axis=1)].tolist()
    np.testing.assert_allclose(found["cost"].to_numpy(dtype=float), full.min(axis=1))
    pairs = backend.costs(origins, sites, max_cost=20.0)
    assert len(pairs) == int((full <= 20.0).sum())
    got = full[origins.index.get_indexer(pairs["origin"]), sites.index.get_indexer(pairs["dest"])]
    np.testing.assert_allclose(pairs["cost"].to_numpy(), got)
    assert backend.unit == "minutes" and backend.label.startswith("estimated car time")


def test_search_radius_is_safe_and_bounded_by_the_motorway_limit():
    model = default_model()
    rng = np.random.default_rng(5)
    points = np.column_stack([rng.uniform(150_000, 650_000, 600), rng.uniform(50_000, 650_000, 600)])
    origins, targets = points[:300], points[300:]
    minutes = model.minutes(origins, targets)
    km = np.hypot(origins[:, None, 0] - targets[None, :, 0], origins[:, None, 1] - targets[None, :, 1])
    for limit in (20.0, 45.0, 75.0):
        radius = model.reach_m(limit)
        assert (km[minutes <= limit] <= radius).all()
        assert radius <= limit * LEGAL_KM_PER_MIN * 1000 + 10  # within one 10 m step of the bound


def test_no_estimate_is_faster_than_the_motorway_limit_in_a_straight_line():
    model = default_model()
    newcastle, london = np.array([[424_800.0, 564_200.0]]), np.array([[530_000.0, 180_000.0]])
    km = np.hypot(*(newcastle - london)[0]) / 1000.0
    assert model.minutes(newcastle, london)[0, 0] >= km / (70 * 1.609344 / 60) - 1e-9
    assert model.reach_m(75.0) <= 75.0 * LEGAL_KM_PER_MIN * 1000.0 + 10
