"""Alone or together: fewest sites per group, joint never worse than the LAs alone, equal to an independent MILP."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pulp
import pytest

from gapmap.engine.fewest import fewest_sites
from gapmap.engine.opportunities import OpportunityOptions
from gapmap.engine.together import CollaborationOptions, collaboration
from gapmap.errors import InputError

#: PuLP 3.3 flags its own model-building calls for its 4.0 API.
pulp_v4_warnings = pytest.mark.filterwarnings("ignore:.*PuLP 4.0:DeprecationWarning")


def _costs(pairs: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["origin", "dest", "cost"])


def test_joint_plan_needs_fewer_sites_on_a_hand_made_border():
    # LA A: child a1 (10 children); LA B: child b1 (10). A site at the border town "ab" (in A) reaches both;
    # B's own candidate "b" reaches only b1, A's own candidate "a" only a1.
    demand = pd.Series({"a1": 10.0, "b1": 10.0})
    groups = pd.Series({"a1": "A", "b1": "B"})
    costs = _costs([("a1", "ab", 2.0), ("b1", "ab", 2.5), ("a1", "a", 1.0), ("b1", "b", 1.0)])
    candidate_la = {"ab": "A", "a": "A", "b": "B"}
    alone = 0
    for la in ("A", "B"):
        mine = groups.index[groups == la]
        own = [c for c, where in candidate_la.items() if where == la]
        pairs = costs[costs["origin"].isin(mine) & costs["dest"].isin(own)]
        alone += len(fewest_sites(demand[mine], own, pairs, radius=3.0, targets={"all": 10.0}).sites)
    together = fewest_sites(demand, list(candidate_la), costs, radius=3.0, groups=groups,
                            targets={"A": 10.0, "B": 10.0})
    assert alone == 2
    assert together.sites == ("ab",) and together.optimal
    assert together.covered.to_dict() == {"A": 10.0, "B": 10.0}


def test_targets_out_of_reach_are_capped_and_reported():
    demand = pd.Series({"a": 4.0, "b": 6.0})
    costs = _costs([("a", "s", 1.0), ("b", "far", 9.0)])
    found = fewest_sites(demand, ["s", "far"], costs, radius=2.0, targets={"all": 10.0})
    assert found.sites == ("s",)
    assert not found.reached["all"] and found.best_possible["all"] == 4.0


def test_existing_sites_may_already_meet_the_target():
    demand = pd.Series({"a": 4.0, "b": 6.0})
    costs = _costs([("a", "old", 1.0), ("b", "old", 1.0), ("a", "s", 1.0)])
    found = fewest_sites(demand, ["s"], costs, radius=2.0, targets={"all": 9.0}, fixed=["old"])
    assert found.sites == () and found.reached["all"] and found.fixed_covered["all"] == 10.0


@pytest.mark.parametrize("bad", [{"targets": {"all": -1.0}}, {"targets": {"other": 1.0}}, {"radius": -1.0}])
def test_bad_arguments_are_explained(bad):
    arguments = {"radius": 2.0, "targets": {"all": 1.0}, **bad}
    with pytest.raises(InputError):
        fewest_sites(pd.Series({"a": 1.0}), ["s"], _costs([("a", "s", 1.0)]), **arguments)


def _cbc_fewest(demand: pd.Series, groups: pd.Series, candidates: list[str], costs: pd.DataFrame, radius: float,
                targets: dict[str, float], fixed: list[str]) -> int:
    """The same model written independently in PuLP and solved with CBC (not HiGHS)."""
    within = costs[costs["cost"] <= radius]
    model = pulp.LpProblem("fewest", pulp.LpMinimize)
    x = {c: pulp.LpVariable(f"x{k}", cat="Binary") for k, c in enumerate(candidates)}
    y = {i: pulp.LpVariable(f"y{k}", lowBound=0, upBound=1) for k, i in enumerate(demand.index)}
    model += pulp.lpSum(x.values())
    fixed_reach = set(within.loc[within["dest"].isin(fixed), "origin"])
    for i in demand.index:
        reaching = within.loc[(within["origin"] == i) & within["dest"].isin(candidates), "dest"]
        model += y[i] <= (1 if i in fixed_reach else pulp.lpSum(x[c] for c in reaching))
    for group, target in targets.items():
        members = groups.index[groups == group]
        model += pulp.lpSum(float(demand[i]) * y[i] for i in members) >= target
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    assert pulp.LpStatus[model.status] == "Optimal"
    return int(round(pulp.value(model.objective)))


@pulp_v4_warnings
def test_fewest_sites_equal_an_independent_cbc_model_on_real_lsoas(ne_results):
    """Gateshead and Sunderland, special schools, host-school candidates, 3 miles: HiGHS equals CBC."""
    from gapmap.engine.together import _Kind

    kind = _Kind(ne_results, "special", OpportunityOptions(), CollaborationOptions())
    las = ["E08000037", "E08000024"]
    mine = kind.la.isin(las).to_numpy()
    demand, groups = kind.demand.weights[mine], kind.la[mine]
    fixed = list(kind.fixed.index[kind.fixed["la_gss"].isin(las)])
    candidates = list(kind.candidates.index[kind.candidates["la_gss"].isin(las)])
    pairs = kind.pairs[np.isin(kind.pair_origin_la, las) & kind.pairs["dest"].isin(fixed + candidates).to_numpy()]
    for share in (0.97, 0.99, 1.0):
        targets = (demand.groupby(groups.to_numpy()).sum() * share).to_dict()
        found = fewest_sites(demand, candidates, pairs, radius=kind.radius, groups=groups, targets=targets,
                             fixed=fixed)
        assert found.optimal and found.reached.all()
        assert len(found.sites) == _cbc_fewest(demand, groups, candidates, pairs, kind.radius, targets, fixed)
        assert (found.covered >= pd.Series(targets) - 1e-6).all()


def test_small_case_by_brute_force():
    rng = np.random.default_rng(7)
    demand = pd.Series(rng.uniform(0.5, 3.0, 12), index=[f"d{i}" for i in range(12)])
    groups = pd.Series(np.where(np.arange(12) < 6, "A", "B"), index=demand.index)
    sites = [f"s{j}" for j in range(7)]
    pairs = [(d, s, float(rng.uniform(0, 4))) for d in demand.index for s in sites]
    costs = _costs(pairs)
    targets = {"A": 0.8 * demand[groups == "A"].sum(), "B": 0.8 * demand[groups == "B"].sum()}
    found = fewest_sites(demand, sites, costs, radius=2.0, groups=groups, targets=targets)
    within = costs[costs["cost"] <= 2.0]

    def meets(chosen: tuple[str, ...]) -> bool:
        reached = set(within.loc[within["dest"].isin(chosen), "origin"])
        return all(demand[[i for i in groups.index[groups == g] if i in reached]].sum() >= t - 1e-9
                   for g, t in targets.items())

    fewest = next(k for k in range(len(sites) + 1) if any(meets(c) for c in itertools.combinations(sites, k)))
    assert len(found.sites) == fewest and meets(found.sites)


@pytest.fixture(scope="module")
def ne_collaboration(ne_results):
    return collaboration(ne_results, OpportunityOptions(cost_per_pupil_mile=2.0),
                         CollaborationOptions(target_share=0.9))


def test_joint_never_needs_more_sites_than_the_las_alone_on_north_east(ne_collaboration):
    table = ne_collaboration.table.set_index(["kind", "plan"])
    for kind in ("special", "ap"):
        alone, together, pooled = (table.loc[(kind, plan)] for plan in ("alone", "together", "pooled"))
        assert alone["new_sites_proven_fewest"] and together["new_sites_proven_fewest"]
        assert together["new_sites"] <= alone["new_sites"]
        assert pooled["new_sites"] <= together["new_sites"]
        assert together["need_reached_same_sites"] >= alone["need_reached_same_sites"] - 1e-6
        assert alone["same_sites"] == together["same_sites"] == alone["new_sites"]
        assert together["need_reached"] >= 0.9 * together["need_total"] - 1e-6
        assert together["transport_cost_gbp"] == pytest.approx(
            together["travel_km"] * 1000 / 1609.344 * 2 * 190 * 2.0, abs=50)


def test_plan_sites_sit_where_each_plan_allows(ne_collaboration, ne_results):
    sites = ne_collaboration.sites
    table = ne_collaboration.table.set_index(["kind", "plan"])
    for (kind, plan), group in sites.groupby(["kind", "plan"]):
        assert len(group) == table.loc[(kind, plan), "new_sites"]
        assert group["location"].is_unique
    assert set(sites["location_la_gss"]) <= set(ne_results.lsoa["la_gss"].astype(str))
    assert any("What planning together gains" in note for note in ne_collaboration.notes)


def test_bad_target_share_is_refused():
    with pytest.raises(InputError, match="target share"):
        CollaborationOptions(target_share=1.5)


def test_cli_refuses_a_target_share_outside_0_to_1(tmp_path):
    from click.testing import CliRunner

    from gapmap.cli import main

    result = CliRunner().invoke(main, ["build", "--out", str(tmp_path), "--target-share", "1.5"])
    assert result.exit_code == 2 and "--target-share" in result.output
    assert not any(tmp_path.iterdir())


def test_build_writes_the_comparison_and_the_summary_section(ne_build):
    import pandas as pd

    table = pd.read_csv(ne_build / "tables" / "collaboration.csv")
    assert set(table["plan"]) == {"alone", "together", "pooled"} and set(table["kind"]) == {"special", "ap"}
    assert (table.groupby("kind")["target_share"].nunique() == 1).all()
    page = (ne_build / "index.html").read_text(encoding="utf-8")
    assert "What planning together gains" in page and "Placed across LA borders" in page
    alone = table.set_index(["kind", "plan"]).loc[("special", "alone")]
    assert f"instead of {int(alone['new_sites'])}" in page
    dictionary = (ne_build / "tables" / "README.md").read_text(encoding="utf-8")
    assert "not defined" not in dictionary and "`special_need_unmet`" in dictionary


def test_travel_minutes_are_the_need_weighted_time_to_the_quickest_open_site(ne_results):
    from dataclasses import replace

    from gapmap.engine._kind_data import existing_sites, kind_demand, origins
    from gapmap.engine.costs import CarTime
    from gapmap.travel import car_minutes

    timed = replace(ne_results, settings=replace(ne_results.settings, journey_backend=CarTime()))
    found = collaboration(timed, OpportunityOptions(kinds=("special",)), CollaborationOptions(target_share=0.8))
    together = found.table.set_index("plan").loc["together"]
    new = found.sites[found.sites["plan"] == "together"]
    fixed = existing_sites(timed, "special")
    open_xy = np.vstack([fixed[["x", "y"]].to_numpy(float), np.column_stack([new.geometry.x, new.geometry.y])])
    points = origins(timed)
    quickest = car_minutes(points[["x", "y"]].to_numpy(float), open_xy).min(axis=1)
    weights = kind_demand(timed, "special").weights.reindex(points.index).to_numpy()
    assert together["travel_minutes"] == pytest.approx(float(np.dot(weights, quickest)), rel=1e-9)
    assert "travel_minutes" not in collaboration(ne_results, OpportunityOptions(kinds=("special",)),
                                                 CollaborationOptions(target_share=0.8)).table.columns
