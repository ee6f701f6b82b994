"""Honest site search on a made-up line of LSOAs, answers worked out by hand.

One LA; AP serves ages 11-15; 25 AP placements (SEN2 ``ap_pru_total``) shared by
children aged 12: L1 (100 children, x = 0), L2 (100, x = 10 miles), L3 (50,
x = 20 miles) -> need 10, 10 and 5.  The existing AP site E is at x = -2 miles,
so only L1 is within 3 miles.  Candidates: a primary school P at x = 10 miles
(ages 4-10: it does not serve AP's ages), secondaries T (x = 0.5), S (x = 10.5)
and U (x = 19).  Both plans open S (brings L2's 10 within reach) and U (L3's 5);
T would only take L1, already within reach of E.
"""

from __future__ import annotations

import pytest
from test_engine_cases import MILE, _ages, _lsoa, _site, study

import pandas as pd

from gapmap.engine import analyse
from gapmap.engine.candidates import school_candidates
from gapmap.engine.cover import max_cover
from gapmap.engine.opportunities import OBJECTIVES, OpportunityOptions, site_opportunities
from gapmap.engine.site_ages import age_bands
from gapmap.errors import InputError
from gapmap.settings import Settings

LA = "E06000001"


@pytest.fixture(scope="module")
def results():
    ehcp = pd.DataFrame({"la_gss": [LA], "time_period": [202425], "ap_pru_total": [25]})
    inputs = study(
        [_lsoa("L1", LA, 0, 0, 100, **_ages(age_12=100)), _lsoa("L2", LA, 10 * MILE, 0, 100, **_ages(age_12=100)),
         _lsoa("L3", LA, 20 * MILE, 0, 50, **_ages(age_12=50))],
        [_site("E", LA, -2 * MILE, 0, kind="ap", ages=(11, 16)),
         _site("P", LA, 10 * MILE, 0, kind="mainstream_primary", ages=(4, 10)),
         _site("T", LA, 0.5 * MILE, 0, kind="mainstream_secondary", ages=(11, 16)),
         _site("S", LA, 10.5 * MILE, 0, kind="mainstream_secondary", ages=(11, 16)),
         _site("U", LA, 19 * MILE, 0, kind="mainstream_secondary", ages=(11, 16))],
        ehcp=ehcp, las=(LA,))
    return analyse(inputs, Settings(kinds=("ap",), ages={"ap": (11, 15)}))


def _plan(found, objective):
    table = found.table
    return table[table["objective"] == OBJECTIVES[objective]].set_index("location")


def test_host_schools_must_serve_the_kinds_ages(results):
    hosts = school_candidates(results.provision, "ap", range(11, 16))
    assert sorted(hosts.index) == ["S", "T", "U"]
    assert sorted(school_candidates(results.provision, "ap").index) == ["P", "S", "T", "U"]


@pytest.mark.parametrize("objective", ["cover", "distance"])
def test_places_count_only_need_newly_brought_within_reach(results, objective):
    rows = _plan(site_opportunities(results, OpportunityOptions(sites=2, kinds=("ap",))), objective)
    assert sorted(rows.index) == ["S", "U"]
    assert rows.loc["S", "children_brought_within"] == pytest.approx(10)
    assert rows.loc["U", "children_brought_within"] == pytest.approx(5)
    assert rows.loc["S", "estimated_places"] == 10 and rows.loc["U", "estimated_places"] == 5


def test_an_ap_site_below_the_minimum_is_not_proposed(results):
    found = site_opportunities(results, OpportunityOptions(sites=2, kinds=("ap",), min_ap_children=6))
    for objective in ("cover", "distance"):
        rows = _plan(found, objective)
        # Without U, S is nearest for L2 (0.5 mile) and L3 (9.5 miles): 15 children, but only L2's 10 are
        # newly within 3 miles, so its places are 10, not 15.
        assert list(rows.index) == ["S"]
        assert rows.loc["S", "children_nearest"] == pytest.approx(15)
        assert rows.loc["S", "estimated_places"] == 10
        assert rows.loc["S", "plan_children_within"] == pytest.approx(20)
    notes = [n for n in found.notes if "min_ap_children" in n]
    assert len(notes) == 2 and "1 of the plan's 2 sites does not qualify" in notes[0]
    assert "at least 6 " in notes[0] and "would bring about 5." in notes[0]


def test_none_qualifies_is_said_in_a_sentence(results):
    found = site_opportunities(results, OpportunityOptions(sites=2, kinds=("ap",), min_ap_children=11))
    assert found.table.empty
    assert any("no site qualifies" in n and "would bring about 10." in n for n in found.notes)


def test_the_minimum_must_be_a_number(results):
    with pytest.raises(InputError, match="fewest children for an AP site"):
        OpportunityOptions(min_ap_children=-1)


# Host schools are credited only with need in the ages they serve.  Special schools serve ages 4-15; 32 plans
# (SEN2 special_total) shared by children 4-15: M1 (x = 0) has 100 children aged 13 -> need 20, M2 (x = 10
# miles) 60 aged 6 -> need 12.  The one special school is 20 miles west, so nobody is within 3 miles.
# Candidates: primaries P (x = 0, ages 4-10) and Q (x = 10.2 miles), secondaries T (x = 0.3 miles, ages
# 11-16) and S (x = 10 miles).  P sits on M1 but serves none of its 13-year-olds, S on M2 but none of its
# 6-year-olds: counting every age, P (20) and S (12) would do; by the ages they serve, the plans open T (20)
# and Q (12), and a plan with only P and S would bring no one within reach.


@pytest.fixture(scope="module")
def by_age():
    ehcp = pd.DataFrame({"la_gss": [LA], "time_period": [202425], "special_total": [32]})
    inputs = study(
        [_lsoa("M1", LA, 0, 0, 100, **_ages(age_13=100)), _lsoa("M2", LA, 10 * MILE, 0, 60, **_ages(age_6=60))],
        [_site("E", LA, -20 * MILE, 0, kind="special", ages=(4, 16)),
         _site("P", LA, 0, 0, kind="mainstream_primary", ages=(4, 10)),
         _site("Q", LA, 10.2 * MILE, 0, kind="mainstream_primary", ages=(4, 10)),
         _site("T", LA, 0.3 * MILE, 0, kind="mainstream_secondary", ages=(11, 16)),
         _site("S", LA, 10 * MILE, 0, kind="mainstream_secondary", ages=(11, 16))],
        ehcp=ehcp, las=(LA,))
    return analyse(inputs, Settings(kinds=("special",)))


@pytest.mark.parametrize("objective", ["cover", "distance"])
def test_a_host_is_credited_only_with_the_ages_it_serves(by_age, objective):
    assert by_age.lsoa["special_demand"].tolist() == pytest.approx([20, 12])
    rows = _plan(site_opportunities(by_age, OpportunityOptions(sites=2, kinds=("special",))), objective)
    assert sorted(rows.index) == ["Q", "T"]
    assert rows.loc["T", "children_brought_within"] == pytest.approx(20)
    assert rows.loc["Q", "children_brought_within"] == pytest.approx(12)
    assert rows.loc["T", "estimated_places"] == 20 and rows.loc["Q", "estimated_places"] == 12
    assert rows.loc["T", "plan_children_within"] == pytest.approx(32)


def test_one_host_takes_the_larger_need_of_its_own_ages(by_age):
    rows = _plan(site_opportunities(by_age, OpportunityOptions(sites=1, kinds=("special",))), "cover")
    assert list(rows.index) == ["T"] and rows.loc["T", "children_brought_within"] == pytest.approx(20)
    assert rows.loc["T", "children_nearest"] == pytest.approx(20)  # M2's 6-year-olds stay with E


def test_age_bands_split_need_and_merge_bands_a_solver_cannot_tell_apart(by_age):
    hosts = school_candidates(by_age.provision, "special", range(4, 16))
    children = by_age.inputs.lsoas[[f"age_{a}" for a in range(4, 16)]].to_numpy(dtype=float)
    bands = age_bands(hosts, range(4, 16), pd.Series([20.0, 12.0], index=["M1", "M2"]), children)
    assert bands.weights.tolist() == [[0.0, 20.0], [12.0, 0.0]]  # ages 4-10, 11-15
    assert bands.serves.loc[["P", "Q", "S", "T"]].to_numpy().tolist() == [[True, False], [True, False],
                                                                           [False, True], [False, True]]
    near = pd.DataFrame({"origin": ["M1", "M1", "M2", "M2"], "dest": ["P", "T", "S", "Q"],
                         "cost": [0.0, 0.3 * MILE, 0.0, 0.2 * MILE]})
    weights, pairs = bands.problem(near, pd.DataFrame({"origin": [], "dest": [], "cost": []}))
    assert weights.tolist() == [0.0, 20.0, 12.0, 0.0]  # M1 4-10 (P), M1 11-15 (T), M2 4-10 (Q), M2 11-15 (S)
    assert sorted(map(tuple, pairs[["origin", "dest"]].to_numpy().tolist())) == [(0, "P"), (1, "T"), (2, "Q"), (3, "S")]
    # Only P and S on offer: each sits on an LSOA but serves none of its children's ages.
    assert max_cover(weights, ["P", "S"], pairs, radius=3 * MILE, p=2).covered == 0
    assert max_cover(weights, ["P", "Q", "S", "T"], pairs, radius=3 * MILE, p=2).covered == pytest.approx(32)
    # Bands that the same nearby candidates serve are one demand point: with only T near M1, both bands merge.
    weights, pairs = bands.problem(near[near["dest"] == "T"], pd.DataFrame({"origin": [], "dest": [], "cost": []}))
    assert weights.tolist() == [0.0, 20.0, 12.0] and pairs["origin"].tolist() == [1]
