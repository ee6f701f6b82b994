"""The sweep's incremental need figures equal the full engine's, for both rules; the ranking follows need.

The engine counts need beyond a distance from the nearest site that suits the
child's age and need type; the incremental sweep keeps that nearest site per
LSOA x age x need type from the baseline (:mod:`gapmap.scenario.need_reach`).
Ten single-site scenarios of different kinds, ages and needs (and a closure
and an expansion) are checked against ``Scenario.run(incremental=False)``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from gapmap import Study
from gapmap.scenario import each_site, sweep
from gapmap.settings import Settings

RULES = ("need_beyond_threshold", "need_beyond_statutory")


@pytest.fixture(scope="module")
def study(ne_inputs):
    return Study(inputs=ne_inputs, settings=Settings(kinds=("special", "ap")))


@pytest.fixture(scope="module")
def scenarios(study):
    base = study.scenario("base")
    runs = each_site(base, kind="special", places=40, urns=[147531, 108519])  # ages 11-15 and 9-12 (hosts)
    runs += each_site(base, kind="special", places=40, needs=["ASD"], urns=[108410])  # ASD only
    runs += each_site(base, kind="special", places=30, ages=(4, 7), points=[(425000, 560000)])  # under 8s
    runs += each_site(base, kind="special", places=30, ages=(4, 15), needs=["SEMH", "MLD"], points=[(390000, 600000)])
    runs += each_site(base, kind="special", places=20, points=[(440000, 530000)])  # every age and need
    runs += each_site(base, kind="ap", places=20, urns=[108410])
    runs += each_site(base, kind="ap", places=20, ages=(11, 15), points=[(395000, 555000)])
    runs.append(replace(base.close(urn=108565), name="close the North Tyneside PRU"))
    runs.append(replace(base.expand(urn=113992, places=30), name="expand a special school"))
    return runs


@pytest.fixture(scope="module")
def swept(scenarios):
    return sweep(scenarios, workers=1, progress=False)


def _engine_need(result, study):
    """Per (kind, LA) need figures of a full engine run."""
    summary = result.la_summary.set_index("la_gss")
    rows = []
    for kind in study.settings.kinds:
        for la in study.inputs.las["la_gss"].astype(str):
            rows.append({"kind": kind, "la_gss": la,
                         **{rule: float(summary.loc[la, f"{kind}_{rule}"]) for rule in RULES}})
    return pd.DataFrame(rows).set_index(["kind", "la_gss"])


def test_incremental_need_equals_the_full_engine_for_every_scenario(study, scenarios, swept):
    baseline = _engine_need(study.run(), study)
    table = swept.table.set_index(["scenario", "kind", "la_gss"])
    for scenario in scenarios:
        engine = _engine_need(scenario.run(incremental=False), study)
        mine = table.loc[scenario.name]
        for rule in RULES:
            np.testing.assert_allclose(mine[f"{rule}_scenario"].reindex(engine.index), engine[rule],
                                       rtol=0, atol=1e-9, err_msg=f"{scenario.name}: {rule}")
            np.testing.assert_allclose(mine[f"{rule}_change"].reindex(engine.index), engine[rule] - baseline[rule],
                                       rtol=0, atol=1e-9, err_msg=f"{scenario.name}: {rule} change")


def test_a_site_changes_need_only_for_the_ages_and_needs_it_serves(swept):
    totals = swept.table.groupby(["scenario", "kind"])[[f"{r}_change" for r in RULES]].sum()
    # An AP site leaves special need alone, and a special site AP need.
    assert (totals.xs("special", level="kind").loc[["ap at URN 108410"]] == 0).all(axis=None)
    assert (totals.xs("ap", level="kind").loc[["special at URN 147531"]] == 0).all(axis=None)
    # More places at an open school bring no one nearer.
    assert (totals.loc[("expand a special school", "special")] == 0).all()
    # New provision never leaves more need beyond; a closure never less.
    assert (totals.drop(index="close the North Tyneside PRU", level="scenario") <= 1e-9).all(axis=None)
    assert (totals.loc[("close the North Tyneside PRU", "ap")] >= 0).all()


def test_the_ranking_follows_need_and_keeps_all_children_as_context(swept):
    ranking = swept.ranking(kind="special")
    assert ranking["need_beyond_threshold_change"].is_monotonic_increasing
    by_hand = (swept.table[swept.table["kind"] == "special"].groupby("scenario")["need_beyond_threshold_change"]
               .sum().sort_values(kind="stable"))
    assert ranking["need_beyond_threshold_change"].tolist() == pytest.approx(by_hand.tolist())
    assert list(ranking.columns[ranking.columns.str.endswith("_change")]) == [
        "need_beyond_threshold_change", "need_beyond_statutory_change", "children_beyond_change"]
    statutory = swept.ranking(kind="special", metric="need_beyond_statutory")
    assert statutory["need_beyond_statutory_change"].is_monotonic_increasing
    # Ranking by all children would put a different site first: the two orders are not the same.
    children = swept.ranking(kind="special", metric="children_beyond")
    assert list(children["scenario"]) != list(ranking["scenario"])
