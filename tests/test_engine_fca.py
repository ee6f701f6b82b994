"""Floating catchments: hand-computed cases, PySAL access on real inputs, and the capacity property."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gapmap.engine import (
    enhanced_two_step_fca,
    gaussian,
    kind_costs,
    pairs_within,
    step_weights,
    two_step_fca,
)
from gapmap.errors import InputError

STEPS = {1500: 1.0, 3000: 0.68, 5000: 0.22}


def _hand_case():
    # Three areas, two sites on a line: a --1 km-- s1 --1 km-- b --2 km-- s2 --1 km-- c
    demand = pd.Series({"a": 100.0, "b": 50.0, "c": 10.0})
    supply = pd.Series({"s1": 30.0, "s2": 20.0})
    costs = pd.DataFrame(
        {
            "origin": ["a", "a", "b", "b", "c", "c"],
            "dest": ["s1", "s2", "s1", "s2", "s1", "s2"],
            "cost": [1000.0, 4000.0, 1000.0, 2000.0, 3000.0, 1000.0],
        }
    )
    return demand, supply, costs


def test_two_step_fca_by_hand():
    demand, supply, costs = _hand_case()
    got = two_step_fca(demand, supply, costs, max_cost=2000)
    # Catchments (<= 2 km): s1 holds a, b (150 children): R1 = 30/150 = 0.2; s2 holds b, c (60): R2 = 20/60.
    assert got["a"] == pytest.approx(0.2, rel=1e-12)
    assert got["b"] == pytest.approx(0.2 + 1 / 3, rel=1e-12)
    assert got["c"] == pytest.approx(1 / 3, rel=1e-12)
    assert got.index.tolist() == ["a", "b", "c"]


def test_enhanced_two_step_fca_by_hand_applies_the_weight_in_both_steps():
    demand, supply, costs = _hand_case()
    got = enhanced_two_step_fca(demand, supply, costs, steps=STEPS)
    # Weights: 1 km -> 1.0; 2 km and 3 km -> 0.68; 4 km -> 0.22.
    d1 = 100 * 1.0 + 50 * 1.0 + 10 * 0.68
    d2 = 100 * 0.22 + 50 * 0.68 + 10 * 1.0
    r1, r2 = 30 / d1, 20 / d2
    assert got["a"] == pytest.approx(1.0 * r1 + 0.22 * r2, rel=1e-12)
    assert got["b"] == pytest.approx(1.0 * r1 + 0.68 * r2, rel=1e-12)
    assert got["c"] == pytest.approx(0.68 * r1 + 1.0 * r2, rel=1e-12)


def test_catchment_includes_cost_equal_to_the_limit():
    demand, supply, costs = _hand_case()
    assert not np.isnan(two_step_fca(demand, supply, costs, max_cost=1000)).any()
    assert step_weights(STEPS)(np.array([1500.0, 3000.0, 5000.0, 5000.0001])).tolist() == [1.0, 0.68, 0.22, 0.0]


def test_no_site_in_reach_is_nan_and_an_empty_site_is_zero():
    demand = pd.Series({"near": 10.0, "far": 10.0})
    supply = pd.Series({"s": 0.0})
    costs = pd.DataFrame({"origin": ["near", "far"], "dest": ["s", "s"], "cost": [100.0, 9000.0]})
    got = two_step_fca(demand, supply, costs, max_cost=1000)
    assert got["near"] == 0.0
    assert np.isnan(got["far"])
    enhanced = enhanced_two_step_fca(demand, supply, costs, steps={1000: 1.0})
    assert enhanced["near"] == 0.0 and np.isnan(enhanced["far"])


def test_infinite_catchment_on_a_grid_gives_total_supply_over_total_demand():
    xs, ys = np.meshgrid(np.arange(5) * 1000.0, np.arange(5) * 1000.0)
    ids = [f"g{i}" for i in range(25)]
    points = pd.DataFrame({"x": xs.ravel(), "y": ys.ravel()}, index=ids)
    rng = np.random.default_rng(7)
    demand = pd.Series(rng.integers(1, 100, 25).astype(float), index=ids)
    supply = pd.Series(rng.integers(0, 40, 25).astype(float), index=ids)
    costs = pairs_within(points, points, np.inf)
    assert len(costs) == 625
    got = two_step_fca(demand, supply, costs, max_cost=np.inf)
    np.testing.assert_allclose(got, supply.sum() / demand.sum(), rtol=1e-12)


def _ne_case(ne_inputs, kind="special", max_cost=10_000.0):
    lsoas = ne_inputs.lsoas
    demand = pd.Series(lsoas["children_0_15"].to_numpy(dtype=float), index=lsoas["lsoa_code"].to_numpy())
    sites = ne_inputs.provision[ne_inputs.provision["kind"] == kind]
    supply = pd.Series(sites["pupils"].to_numpy(dtype=float), index=sites["provision_id"].astype(str).to_numpy())
    costs = kind_costs(ne_inputs, kind, max_cost=max_cost)
    return demand, supply, costs


def _access(demand, supply, costs):
    access = pytest.importorskip("access", reason="PySAL access is a test extra")
    return access.Access(
        demand_df=demand.rename("children").rename_axis("geoid").to_frame(),
        demand_index=True,
        demand_value="children",
        supply_df=supply.rename("places").rename_axis("geoid").to_frame(),
        supply_index=True,
        supply_value="places",
        cost_df=costs,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    ), access


@pytest.mark.parametrize("kind", ["special", "mainstream_secondary"])
def test_equal_to_pysal_access_on_real_north_east_inputs(ne_inputs, kind):
    demand, supply, costs = _ne_case(ne_inputs, kind)
    model, access = _access(demand, supply, costs)
    theirs = model.two_stage_fca(name="fca", max_cost=10_000)["fca_places"].reindex(demand.index)
    ours = two_step_fca(demand, supply, costs, max_cost=10_000)
    assert theirs.isna().tolist() == ours.isna().tolist()
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)

    theirs = model.enhanced_two_stage_fca(
        name="e2", max_cost=max(STEPS), weight_fn=access.weights.step_fn(STEPS)
    )["e2_places"].reindex(demand.index)
    ours = enhanced_two_step_fca(demand, supply, costs, steps=STEPS)
    assert ours.notna().sum() > 100 and ours.isna().any()
    assert theirs.isna().tolist() == ours.isna().tolist()
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)

    theirs = model.two_stage_fca(name="g", max_cost=10_000, weight_fn=access.weights.gaussian(4000))["g_places"]
    ours = two_step_fca(demand, supply, costs, max_cost=10_000, weight=gaussian(4000))
    np.testing.assert_allclose(ours, theirs.reindex(demand.index), rtol=1e-9)


@pytest.mark.parametrize("max_cost", [3000.0, 10_000.0])
def test_demand_times_score_sums_to_places_some_demand_can_reach(ne_inputs, max_cost):
    demand, supply, costs = _ne_case(ne_inputs, "special", max_cost=10_000.0)
    # A site out of everyone's reach keeps its places: they must not count.
    supply = pd.concat([supply, pd.Series({"unreached": 500.0})])
    costs = pd.concat([costs, pd.DataFrame({"origin": [demand.index[0]], "dest": ["unreached"], "cost": [max_cost + 1]})])
    reachable = costs.loc[costs["cost"] <= max_cost, "dest"].unique()
    assert "unreached" not in reachable
    for scores in (two_step_fca(demand, supply, costs, max_cost=max_cost),
                   two_step_fca(demand, supply, costs, max_cost=max_cost, weight=gaussian(2000)),
                   enhanced_two_step_fca(demand, supply, costs, steps={max_cost / 2: 1.0, max_cost: 0.5})):
        total = (demand * scores.fillna(0)).sum()
        assert total == pytest.approx(supply[reachable].sum(), rel=1e-9)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d, s, c: (pd.concat([d, d.head(1)]), s, c), "demand has duplicate ids"),
        (lambda d, s, c: (d, pd.concat([s, s.head(1)]), c), "supply has duplicate ids"),
        (lambda d, s, c: (d.where(d.index != "b", -1.0), s, c), "demand must be finite numbers >= 0"),
        (lambda d, s, c: (d, s.where(s.index != "s1", np.nan), c), "supply must be finite numbers >= 0"),
        (lambda d, s, c: (d, s, c.drop(columns="cost")), "costs lacks the column"),
        (lambda d, s, c: (d, s, c.assign(cost=-c["cost"])), "costs must be numbers >= 0"),
        (lambda d, s, c: (d.to_frame(), s, c), "demand must be a pandas Series"),
    ],
)
def test_bad_inputs_raise_one_clear_error(change, message):
    demand, supply, costs = change(*_hand_case())
    with pytest.raises(InputError, match=message):
        two_step_fca(demand, supply, costs, max_cost=2000)


@pytest.mark.parametrize("steps", [{}, {0: 1.0}, {1000: -0.5}, {np.inf: 1.0}])
def test_bad_steps_raise_input_error(steps):
    with pytest.raises(InputError):
        enhanced_two_step_fca(*_hand_case(), steps=steps)


def test_positions_of_categorical_ids_match_a_plain_lookup_in_either_order():
    from gapmap.engine.fca import positions_in

    values = pd.Series(["b", "a", "c", "b", None], dtype="category")  # categories a, b, c
    for index in (pd.Index(["a", "b", "c"]), pd.Index(["c", "a", "b"]), pd.Index(["a", "b", "d"])):
        expected = [index.get_loc(v) if v in index else -1 for v in ["b", "a", "c", "b", "zz"]]
        assert positions_in(index, values).tolist() == expected
