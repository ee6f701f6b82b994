"""The priced placement LP gives the full LP's optimum: on the North East, with pairs priced in, and under ties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gapmap.engine._kind_data import existing_sites, kind_demand, origins
from gapmap.engine.assignment import DEFAULT_REACH_M, place_need, placement_lp
from gapmap.engine.pairs import cost_backend
from gapmap.engine.priced_lp import FIRST, first_pairs, maximise_transport, maximise_transport_full


def _solved(lp, **options):
    need, places = lp.need.to_numpy(), lp.places.to_numpy()
    return (maximise_transport(lp.rows, lp.cols, lp.gain, need, places, **options),
            maximise_transport_full(lp.rows, lp.cols, lp.gain, need, places))


@pytest.fixture(scope="module")
def north_east_lps(ne_results):
    """The placement LP of each specialist kind on the North East, as ``assign_need`` builds it."""
    lps = {}
    for kind in ("special", "ap"):
        sites = existing_sites(ne_results, kind)
        places = ne_results.provision.set_index("provision_id")["places"].reindex(sites.index).astype(float).fillna(0.0)
        costs = cost_backend(ne_results.settings).costs(origins(ne_results), sites[["x", "y"]],
                                                        max_cost=DEFAULT_REACH_M)
        lps[kind] = placement_lp(kind_demand(ne_results, kind).weights, places, costs)
    return lps


@pytest.mark.parametrize(("kind", "first"), [("special", FIRST), ("special", 1), ("ap", FIRST), ("ap", 1)])
def test_priced_lp_equals_the_full_lp_on_north_east(north_east_lps, kind, first):
    lp = north_east_lps[kind]
    priced, full = _solved(lp, first=first)
    assert priced.objective == pytest.approx(float(lp.gain @ full), rel=1e-12)
    assert priced.x.sum() == pytest.approx(full.sum(), abs=1e-6)  # need placed
    assert float(lp.cost @ priced.x) == pytest.approx(float(lp.cost @ full), rel=1e-9)  # its total distance
    # The optimum is unique here: the same flow on every pair, so the same unmet need per LSOA and need per site.
    np.testing.assert_allclose(priced.x, full, atol=1e-9)
    for index in (lp.rows, lp.cols):
        np.testing.assert_allclose(np.bincount(index, priced.x), np.bincount(index, full), atol=1e-9)


def test_pricing_brings_in_pairs_beyond_each_origins_first(north_east_lps):
    """Special-school places bind in the North East: the first LP is not optimal and later rounds add pairs."""
    lp = north_east_lps["special"]
    found = maximise_transport(lp.rows, lp.cols, lp.gain, lp.need.to_numpy(), lp.places.to_numpy())
    first = first_pairs(lp.rows, lp.cols, lp.gain)
    used = found.x > 1e-9
    assert found.rounds > 1 and found.columns > first.sum()
    assert (used & ~first).sum() > 10  # the optimum places need on pairs that were not in the first LP


def test_priced_lp_is_deterministic(north_east_lps):
    lp = north_east_lps["special"]
    runs = [maximise_transport(lp.rows, lp.cols, lp.gain, lp.need.to_numpy(), lp.places.to_numpy()).x
            for _ in range(2)]
    assert np.array_equal(runs[0], runs[1])


def test_a_tie_among_the_first_pairs_is_broken_by_site_order_and_priced_in():
    """Six sites equally near, one place each; the first LP holds the first five by site order, pricing adds the sixth."""
    sites = [f"s{k}" for k in range(6)]
    demand = pd.Series({"a": 6.0})
    places = pd.Series(1.0, index=sites)
    costs = pd.DataFrame({"origin": "a", "dest": sites[::-1], "cost": 100.0})  # pairs listed in reverse site order
    lp = placement_lp(demand, places, costs)
    assert first_pairs(lp.rows, lp.cols, lp.gain).tolist() == [False, True, True, True, True, True]
    found = maximise_transport(lp.rows, lp.cols, lp.gain, lp.need.to_numpy(), lp.places.to_numpy())
    assert (found.rounds, found.columns) == (2, 6)
    np.testing.assert_allclose(found.x, 1.0)
    assert place_need(demand, places, costs).unmet.to_dict() == {"a": 0.0}


def test_tied_optima_agree_on_what_is_unique():
    """a and b are equally far from s, which has one place: either may be placed; the need placed and its distance
    are the full LP's, and the answer is one of the two optima, the same on every run."""
    demand = pd.Series({"a": 1.0, "b": 1.0, "c": 2.0})
    places = pd.Series({"s": 1.0, "t": 1.0})
    costs = pd.DataFrame({"origin": ["a", "b", "c", "c"], "dest": ["s", "s", "t", "s"], "cost": [2.0, 2.0, 1.0, 3.0]})
    lp = placement_lp(demand, places, costs)
    priced, full = _solved(lp)
    assert priced.objective == pytest.approx(float(lp.gain @ full), rel=1e-12)
    assert priced.x.sum() == pytest.approx(2.0) and float(lp.cost @ priced.x) == pytest.approx(3.0)
    np.testing.assert_allclose(np.bincount(lp.cols, priced.x), [1.0, 1.0])  # both sites full
    unmet = [place_need(demand, places, costs).unmet.round(9).to_dict() for _ in range(2)]
    assert unmet[0] == unmet[1] and unmet[0] in ({"a": 0.0, "b": 1.0, "c": 1.0}, {"a": 1.0, "b": 0.0, "c": 1.0})
