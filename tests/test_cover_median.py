"""p-median with fixed sites: exact answers equal spopt + HiGHS, greedy answers carry a true bound."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pulp
import pytest
from spopt.locate import PMedian

from gapmap.engine.median import p_median
from gapmap.errors import InputError


def _instance(seed: int, n_demand: int = 50, n_sites: int = 25, n_fixed: int = 2):
    rng = np.random.default_rng(seed)
    demand_xy = rng.uniform(0, 100, (n_demand, 2))
    site_xy = rng.uniform(0, 100, (n_sites + n_fixed, 2))
    cost = np.hypot(*(demand_xy[:, None, :] - site_xy[None, :, :]).transpose(2, 0, 1))
    ids = [f"s{j}" for j in range(n_sites)] + [f"f{j}" for j in range(n_fixed)]
    demand = pd.Series(rng.integers(1, 30, n_demand).astype(float), index=[f"d{i}" for i in range(n_demand)])
    rows, cols = np.indices(cost.shape)
    costs = pd.DataFrame({"origin": demand.index.to_numpy()[rows.ravel()], "dest": np.asarray(ids)[cols.ravel()],
                          "cost": cost.ravel()})
    return demand, ids, cost, costs


@pytest.mark.filterwarnings("ignore:.*PuLP 4.0:DeprecationWarning")
@pytest.mark.parametrize("seed, p", [(1, 2), (2, 4), (3, 6)])
def test_exact_total_distance_equals_spopt_highs_optimum(seed, p):
    demand, ids, cost, costs = _instance(seed)
    fixed = [s for s in ids if s.startswith("f")]
    candidates = [s for s in ids if s.startswith("s")]
    result = p_median(demand, candidates, costs, p=p, fixed=fixed)
    model = PMedian.from_cost_matrix(cost, demand.to_numpy(), p_facilities=p + len(fixed),
                                     predefined_facilities_arr=np.isin(ids, fixed))
    model.solve(pulp.HiGHS(msg=False))
    assert pulp.LpStatus[model.problem.status] == "Optimal"
    assert result.cost == pytest.approx(pulp.value(model.problem.objective))
    assert result.gap == 0.0 and result.method == "exact"


def test_tiny_case_by_brute_force_with_a_distance_cap():
    demand, ids, cost, costs = _instance(5, n_demand=20, n_sites=7, n_fixed=1)
    costs = costs[costs["cost"] <= 40.0]  # beyond 40 a child is charged the cap
    candidates = ids[:-1]

    def total(open_sites):
        best = np.minimum(cost[:, [ids.index(s) for s in open_sites]].min(axis=1), 40.0)
        return float(np.dot(demand.to_numpy(), best))

    expected = min(total(["f0", *chosen]) for chosen in itertools.combinations(candidates, 2))
    result = p_median(demand, candidates, costs, p=2, fixed=["f0"], max_cost=40.0)
    assert result.cost == pytest.approx(expected)
    assert result.baseline_cost == pytest.approx(total(["f0"]))


@pytest.mark.parametrize("seed", [21, 22])
def test_greedy_bound_holds(seed):
    demand, ids, _, costs = _instance(seed, n_demand=80, n_sites=40)
    fixed = [s for s in ids if s.startswith("f")]
    candidates = [s for s in ids if s.startswith("s")]
    exact = p_median(demand, candidates, costs, p=5, fixed=fixed)
    greedy = p_median(demand, candidates, costs, p=5, fixed=fixed, method="greedy")
    assert greedy.bound - 1e-6 <= exact.cost <= greedy.cost + 1e-9
    saving, best_saving = greedy.baseline_cost - greedy.cost, greedy.baseline_cost - greedy.bound
    assert greedy.gap == pytest.approx((best_saving - saving) / best_saving if best_saving > saving else 0.0)
    assert sum(greedy.savings) == pytest.approx(saving)
    assert greedy == p_median(demand, candidates, costs, p=5, fixed=fixed, method="greedy")


def test_sites_farther_than_the_open_ones_are_never_chosen():
    demand = pd.Series({"a": 1.0})
    costs = pd.DataFrame({"origin": ["a", "a"], "dest": ["old", "new"], "cost": [1.0, 2.0]})
    result = p_median(demand, ["new"], costs, p=1, fixed=["old"])
    assert result.sites == () and result.cost == 1.0 and "nearer" in result.message


def test_bad_input_raises_input_error():
    demand = pd.Series({"a": 1.0})
    costs = pd.DataFrame({"origin": ["a"], "dest": ["s"], "cost": [1.0]})
    with pytest.raises(InputError, match="max_cost"):
        p_median(demand, ["s"], costs, p=1, max_cost=-1.0)
    with pytest.raises(InputError, match="whole number"):
        p_median(demand, ["s"], costs, p=-2)
