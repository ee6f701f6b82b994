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
from gapmap.engine.opportunities import OBJECTIVES, OpportunityOptions, site_opportunities
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
