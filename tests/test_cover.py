"""Maximal covering (MCLP): exact equals spopt + HiGHS, greedy carries a true bound, bad input is explained."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pandas as pd
import pulp
import pytest
from spopt.locate import MCLP

from gapmap.engine import max_cover
from gapmap.engine.cover import CoverResult
from gapmap.engine.distance import pairs_within
from gapmap.errors import InputError
from gapmap.settings import THREE_MILES_M

#: spopt builds its PuLP models with calls that PuLP 3.3 flags for its 4.0 API.
pulp_v4_warnings = pytest.mark.filterwarnings("ignore:.*PuLP 4.0:DeprecationWarning")


def _instance(seed: int, n_demand: int = 60, n_sites: int = 30, n_fixed: int = 3):
    rng = np.random.default_rng(seed)
    demand_xy = pd.DataFrame(rng.uniform(0, 100, (n_demand, 2)), index=[f"d{i}" for i in range(n_demand)])
    site_xy = pd.DataFrame(rng.uniform(0, 100, (n_sites + n_fixed, 2)),
                           index=[f"s{j}" for j in range(n_sites)] + [f"f{j}" for j in range(n_fixed)])
    weights = pd.Series(rng.integers(1, 50, n_demand).astype(float), index=demand_xy.index)
    return demand_xy, site_xy, weights


def _dense(demand_xy: pd.DataFrame, site_xy: pd.DataFrame) -> np.ndarray:
    return np.hypot(*(demand_xy.to_numpy()[:, None, :] - site_xy.to_numpy()[None, :, :]).transpose(2, 0, 1))


def _spopt_optimum(weights: pd.Series, cost: np.ndarray, radius: float, p: int, fixed_mask: np.ndarray) -> float:
    model = MCLP.from_cost_matrix(cost, weights.to_numpy(), service_radius=radius,
                                  p_facilities=p + int(fixed_mask.sum()),
                                  predefined_facilities_arr=fixed_mask.astype(int) if fixed_mask.any() else None)
    model.solve(pulp.HiGHS(msg=False))
    assert pulp.LpStatus[model.problem.status] == "Optimal"
    return float(pulp.value(model.problem.objective))


@pulp_v4_warnings
@pytest.mark.parametrize("seed, radius, p", [(1, 15.0, 2), (2, 20.0, 4), (3, 12.0, 6), (4, 25.0, 3)])
def test_exact_coverage_equals_spopt_highs_optimum(seed, radius, p):
    demand_xy, site_xy, weights = _instance(seed)
    fixed = [s for s in site_xy.index if s.startswith("f")]
    candidates = [s for s in site_xy.index if s.startswith("s")]
    costs = pairs_within(demand_xy, site_xy, radius)
    result = max_cover(weights, candidates, costs, radius=radius, p=p, fixed=fixed)
    optimum = _spopt_optimum(weights, _dense(demand_xy, site_xy), radius, p, site_xy.index.isin(fixed))
    assert result.covered == pytest.approx(optimum)
    assert result.gap == 0.0 and result.method == "exact"
    assert len(result.sites) <= p and set(result.sites) <= set(candidates)


@pulp_v4_warnings
def test_exact_equals_spopt_on_north_east_special_schools(ne_inputs):
    """A real subset: Gateshead and Newcastle LSOAs, special schools fixed, 120 host schools as candidates."""
    lsoas = ne_inputs.lsoas[ne_inputs.lsoas["la_gss"].isin(["E08000037", "E08000021"])]
    origins = lsoas.set_index("lsoa_code")[["centroid_easting", "centroid_northing"]]
    provision = ne_inputs.provision
    fixed = provision[provision["kind"] == "special"]
    hosts = provision[provision["kind"] == "mainstream_primary"].head(120)
    sites = pd.concat([fixed, hosts])
    site_xy = pd.DataFrame({"x": sites.geometry.x.to_numpy(), "y": sites.geometry.y.to_numpy()},
                           index=sites["provision_id"].astype(str).to_numpy())
    weights = lsoas.set_index("lsoa_code")["children_0_15"].astype(float)
    radius = 2000.0
    costs = pairs_within(origins, site_xy, radius)
    result = max_cover(weights, list(site_xy.index[len(fixed):]), costs, radius=radius, p=5,
                       fixed=list(site_xy.index[: len(fixed)]))
    optimum = _spopt_optimum(weights, _dense(origins, site_xy), radius, 5, np.arange(len(site_xy)) < len(fixed))
    assert result.covered == pytest.approx(optimum)
    assert result.covered > result.fixed_covered


def test_tiny_case_by_brute_force():
    demand_xy, site_xy, weights = _instance(7, n_demand=25, n_sites=9, n_fixed=1)
    costs = pairs_within(demand_xy, site_xy, 18.0)
    candidates = [s for s in site_xy.index if s.startswith("s")]
    cover = {s: set(costs.loc[costs["dest"] == s, "origin"]) for s in site_xy.index}
    best = max(weights[list(cover["f0"].union(*(cover[s] for s in chosen)))].sum()
               for chosen in itertools.combinations(candidates, 3))
    assert max_cover(weights, candidates, costs, radius=18.0, p=3, fixed=["f0"]).covered == pytest.approx(best)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_greedy_bound_holds_and_gap_is_what_it_says(seed):
    demand_xy, site_xy, weights = _instance(seed, n_demand=120, n_sites=60)
    costs = pairs_within(demand_xy, site_xy, 14.0)
    candidates = [s for s in site_xy.index if s.startswith("s")]
    fixed = [s for s in site_xy.index if s.startswith("f")]
    exact = max_cover(weights, candidates, costs, radius=14.0, p=5, fixed=fixed)
    greedy = max_cover(weights, candidates, costs, radius=14.0, p=5, fixed=fixed, method="greedy")
    assert greedy.method == "greedy"
    assert greedy.covered <= exact.covered + 1e-9 <= greedy.bound + 1e-6
    added, bound_added = greedy.covered - greedy.fixed_covered, greedy.bound - greedy.fixed_covered
    assert greedy.gap == pytest.approx((bound_added - added) / bound_added if bound_added > added else 0.0)
    assert sum(greedy.gains) == pytest.approx(added)
    assert list(greedy.gains) == sorted(greedy.gains, reverse=True)  # most valuable first


def test_radius_is_inclusive_and_fixed_sites_count_as_open():
    demand = pd.Series({"a": 5.0, "b": 3.0, "c": 2.0})
    costs = pd.DataFrame({"origin": ["a", "b", "c"], "dest": ["old", "new", "new"], "cost": [4.0, 4.0, 4.01]})
    result = max_cover(demand, ["new", "old"], costs, radius=4.0, p=1, fixed=["old"])
    assert result.sites == ("new",) and result.covered == 8.0 and result.fixed_covered == 5.0


def test_same_answer_every_run_with_fixed_tie_breaking():
    demand = pd.Series({"a": 1.0, "b": 1.0})
    costs = pd.DataFrame({"origin": ["a", "a", "b", "b"], "dest": ["x", "y", "x", "y"], "cost": 1.0})
    for method in ("exact", "greedy"):
        answers = {max_cover(demand, ["y", "x"], costs, radius=2.0, p=1, method=method) for _ in range(3)}
        assert len(answers) == 1
        assert answers.pop().sites == ("y",)  # equal sites: the one listed first


def test_same_answer_twice_on_north_east(ne_inputs):
    origins = ne_inputs.lsoas.set_index("lsoa_code")[["centroid_easting", "centroid_northing"]]
    provision = ne_inputs.provision
    site_xy = pd.DataFrame({"x": provision.geometry.x.to_numpy(), "y": provision.geometry.y.to_numpy()},
                           index=provision["provision_id"].astype(str).to_numpy())
    fixed = list(provision.loc[provision["kind"] == "special", "provision_id"].astype(str))
    costs = pairs_within(origins, site_xy, THREE_MILES_M)
    weights = ne_inputs.lsoas.set_index("lsoa_code")["children_0_15"].astype(float)
    runs = [max_cover(weights, list(site_xy.index), costs, radius=THREE_MILES_M, p=6, fixed=fixed, method=m)
            for m in ("exact", "exact", "greedy", "greedy")]
    assert runs[0] == runs[1] and runs[2] == runs[3]
    assert runs[0].gap == 0.0 and runs[0].covered >= runs[2].covered


class TestBadInputIsExplained:
    demand = pd.Series({"a": 5.0, "b": 3.0})
    costs = pd.DataFrame({"origin": ["a", "b"], "dest": ["s1", "s2"], "cost": [1.0, 1.0]})

    def test_p_larger_than_candidates_opens_every_useful_candidate(self):
        result = max_cover(self.demand, ["s1", "s2", "s3"], self.costs, radius=2.0, p=10)
        assert result.sites == ("s1", "s2") and result.covered == 8.0 and result.gap == 0.0
        assert "at least the 2 candidate sites" in result.message

    def test_no_unserved_demand(self):
        result = max_cover(self.demand, ["s2"], self.costs.assign(dest="s1"), radius=2.0, p=2, fixed=["s1"])
        assert result == CoverResult((), 8.0, (), 8.0, 8.0, 0.0, "none", result.message)
        assert "no unserved demand" in result.message

    def test_empty_candidate_set(self):
        result = max_cover(self.demand, [], self.costs, radius=2.0, p=2, fixed=["s1"])
        assert result.sites == () and result.covered == 5.0 and result.method == "none"
        assert "No candidate sites" in result.message

    def test_no_candidate_within_reach(self):
        result = max_cover(self.demand, ["s1", "s2"], self.costs, radius=0.5, p=1)
        assert result.sites == () and result.covered == 0.0 and "within reach" in result.message

    def test_p_zero(self):
        result = max_cover(self.demand, ["s1"], self.costs, radius=2.0, p=0)
        assert result.sites == () and result.gap == 0.0 and "p = 0" in result.message

    @pytest.mark.parametrize("change, match", [
        ({"p": -1}, "whole number"),
        ({"p": 1.5}, "whole number"),
        ({"radius": -1.0}, "radius"),
        ({"candidates": ["s1", "s1"]}, "duplicate"),
        ({"candidates": "s1"}, "single string"),
        ({"demand": pd.Series({"a": -1.0})}, "non-negative"),
        ({"demand": [1.0, 2.0]}, "pandas Series"),
        ({"costs": pd.DataFrame({"origin": ["a"], "cost": [1.0]})}, "dest"),
        ({"method": "magic"}, "method"),
    ])
    def test_malformed_arguments_raise_input_error(self, change, match):
        arguments = {"demand": self.demand, "candidates": ["s1", "s2"], "costs": self.costs, "radius": 2.0, "p": 1}
        arguments.update(change)
        demand, candidates, costs = arguments.pop("demand"), arguments.pop("candidates"), arguments.pop("costs")
        with pytest.raises(InputError, match=match):
            max_cover(demand, candidates, costs, **arguments)


def test_exact_skips_the_solver_when_the_greedy_answer_is_proven_optimal(monkeypatch):
    demand_xy, site_xy, weights = _instance(5)
    costs = pairs_within(demand_xy, site_xy, 20.0)
    reach = _dense(demand_xy, site_xy) <= 20.0
    fixed = site_xy.index == "f0"
    w, open_ = weights.to_numpy(), ~reach[:, fixed].any(axis=1)
    best = max((w[open_ & reach[:, j]].sum(), -j) for j in np.flatnonzero(~fixed))  # brute force, first on ties
    monkeypatch.setattr("gapmap.engine._milp.maximise", lambda *a, **k: pytest.fail("the solver was called"))
    skipped = max_cover(weights, list(site_xy.index), costs, radius=20.0, p=1, fixed=["f0"])  # greedy p = 1: optimal
    assert skipped.gap == 0.0 and skipped.method == "exact" and "no solver was needed" in skipped.message
    assert skipped.sites == (site_xy.index[-best[1]],)
    assert skipped.covered == pytest.approx(w[~open_].sum() + best[0])


def test_no_solver_banner_on_standard_output():
    code = ("import pandas as pd; from gapmap.engine import max_cover; "
            "d = pd.Series({'a': 2.0, 'b': 1.0, 'c': 1.0}); "
            "c = pd.DataFrame({'origin': ['a', 'b', 'c', 'c'], 'dest': ['x', 'y', 'y', 'z'], 'cost': 1.0}); "
            "print(max_cover(d, ['x', 'y', 'z'], c, radius=1.0, p=2, method='exact').sites)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "('x', 'y')\n"
