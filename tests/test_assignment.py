"""Capacity-aware placement: need is conserved, places are respected, the answer equals an independent LP."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pulp
import pytest

from gapmap.engine._kind_data import existing_sites, kind_demand, origins
from gapmap.engine.assignment import DEFAULT_REACH_M, assign_need, place_need
from gapmap.engine.pairs import cost_backend
from gapmap.engine.placement_results import with_placement

#: PuLP 3.3 flags its own model-building calls for its 4.0 API.
pulp_v4_warnings = pytest.mark.filterwarnings("ignore:.*PuLP 4.0:DeprecationWarning")


def test_hand_made_case_fills_the_nearest_places_first():
    # Site s has 4 places; a (3 children, 5 km) and b (2 children, 1 km) both want it; t (far) has 10 places
    # but only a reaches it.
    demand = pd.Series({"a": 3.0, "b": 2.0})
    places = pd.Series({"s": 4.0, "t": 10.0})
    costs = pd.DataFrame({"origin": ["a", "b", "a"], "dest": ["s", "s", "t"], "cost": [5.0, 1.0, 8.0]})
    found = place_need(demand, places, costs)
    placed = found.flows.set_index(["origin", "dest"])["need"]
    assert placed.to_dict() == pytest.approx({("a", "s"): 2.0, ("b", "s"): 2.0, ("a", "t"): 1.0})
    assert found.unmet.to_dict() == pytest.approx({"a": 0.0, "b": 0.0})


def test_placing_more_need_beats_a_shorter_journey():
    # Putting a at s (cost 1) would leave b, who reaches only s, unplaced: the placement sends a to t instead.
    demand = pd.Series({"a": 1.0, "b": 1.0})
    places = pd.Series({"s": 1.0, "t": 1.0})
    costs = pd.DataFrame({"origin": ["a", "a", "b"], "dest": ["s", "t", "s"], "cost": [1.0, 9.0, 9.0]})
    found = place_need(demand, places, costs)
    assert found.unmet.sum() == pytest.approx(0.0)
    assert found.flows.set_index(["origin", "dest"])["need"].to_dict() == pytest.approx({("a", "t"): 1.0,
                                                                                          ("b", "s"): 1.0})


@pytest.fixture(scope="module")
def placed(ne_results):
    return with_placement(ne_results)


@pytest.mark.parametrize("kind", ["special", "ap"])
def test_need_is_conserved_and_places_respected_on_north_east(placed, kind):
    table = placed.assignment[placed.assignment["kind"] == kind]
    lsoa = placed.lsoa.set_index("lsoa_code")
    by_lsoa = table.groupby("lsoa_code")["need_assigned"].sum().reindex(lsoa.index).fillna(0.0)
    np.testing.assert_allclose(by_lsoa + lsoa[f"{kind}_need_unmet"], lsoa[f"{kind}_demand"], atol=1e-6)
    assert (table["need_assigned"] > 0).all() and (lsoa[f"{kind}_need_unmet"] >= 0).all()
    provision = placed.provision.set_index("provision_id")
    by_site = table.groupby("provision_id")["need_assigned"].sum()
    assert (by_site <= provision.loc[by_site.index, "places"] + 1e-6).all()
    np.testing.assert_allclose(provision.loc[by_site.index, "need_assigned"], by_site, atol=1e-9)
    assert (table["distance_m"] <= DEFAULT_REACH_M + 0.1).all()
    la = placed.la_summary.set_index("la_gss")[f"{kind}_need_unmet"]
    assert la.sum() == pytest.approx(lsoa[f"{kind}_need_unmet"].sum())
    assert (table["cross_la"] == (table["resident_la_gss"] != table["provider_la_gss"])).all()


def test_special_places_run_short_of_need_on_north_east(placed, ne_results):
    """About 7,500 places for about 8,400 children: the shortfall is unmet, however they are placed."""
    total_places = placed.provision.loc[placed.provision["kind"].eq("special").fillna(False).to_numpy()
                                        & placed.provision["analysed"].to_numpy(dtype=bool), "places"].sum()
    unmet = placed.lsoa["special_need_unmet"].sum()
    demand = ne_results.lsoa["special_demand"].sum()
    assert unmet >= demand - total_places - 1e-6
    assert any(note.startswith("Capacity-aware placement, special") for note in placed.notes)


@pulp_v4_warnings
def test_placement_equals_an_independent_cbc_lp_on_real_lsoas(ne_results):
    """Gateshead and Newcastle special schools: the most need placed and its distance equal PuLP + CBC."""
    las = ["E08000037", "E08000021"]
    demand = kind_demand(ne_results, "special").weights
    mine = ne_results.lsoa["la_gss"].astype(str).isin(las).to_numpy()
    demand = demand[mine]
    sites = existing_sites(ne_results, "special")
    sites = sites[sites["la_gss"].isin(las)]
    places = ne_results.provision.set_index("provision_id")["places"].reindex(sites.index).astype(float)
    costs = cost_backend(ne_results.settings).costs(origins(ne_results).loc[demand.index], sites[["x", "y"]],
                                                    max_cost=8000.0)
    found = place_need(demand, places, costs)

    model = pulp.LpProblem("placement", pulp.LpMaximize)
    f = [pulp.LpVariable(f"f{k}", lowBound=0) for k in range(len(costs))]
    model += pulp.lpSum(f)
    for column, bound in (("origin", demand), ("dest", places)):
        for key, rows in costs.groupby(column).indices.items():
            model += pulp.lpSum(f[k] for k in rows) <= float(bound[key])
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    most = pulp.value(model.objective)
    model.sense = pulp.LpMinimize
    model.setObjective(pulp.lpSum(float(c) * v for c, v in zip(costs["cost"], f)))
    model += pulp.lpSum(f) >= most - 1e-6
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    assert pulp.LpStatus[model.status] == "Optimal"
    assert found.flows["need"].sum() == pytest.approx(most, abs=1e-5)
    assert float((found.flows["need"] * found.flows["cost"]).sum()) == pytest.approx(pulp.value(model.objective),
                                                                                        rel=1e-7)
    assert demand.sum() - most > 1  # places bind in this subset, so the test is not trivial


def test_assignment_for_no_specialist_kind_is_empty(ne_results):
    found = assign_need(ne_results, kinds=("special",))
    assert set(found.table["kind"]) == {"special"} and list(found.unmet.columns) == ["special_need_unmet"]
