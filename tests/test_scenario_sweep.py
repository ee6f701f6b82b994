"""Sweeps: the incremental method equals the full engine; process pools and Dask equal a serial run."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from gapmap import Study
from gapmap.errors import InputError
from gapmap.scenario import each_site, each_threshold, sweep
from gapmap.settings import Settings


@pytest.fixture(scope="module")
def study(ne_inputs):
    return Study(inputs=ne_inputs, settings=Settings(kinds=("special", "ap")))  # two kinds keep full runs quick


@pytest.fixture(scope="module")
def mixed(study):
    """Scenarios of every edit type, alone and combined."""
    base = study.scenario("base")
    scenarios = each_site(base, kind="special", places=40, urns=[147531, 146871])
    scenarios += each_site(base, kind="ap", points=[(425000, 560000)])
    scenarios += each_threshold(base, kind="special", miles=[2])
    scenarios.append(replace(base.close(urn=108565), name="close the North Tyneside PRU"))
    combined = base.scale_population(la="Gateshead", factor=1.1).close(urn=108666).expand(urn=113992, places=-30)
    scenarios.append(replace(combined.add_provision(postcode="NE8 2XD", kind="special", ages=(4, 11)), name="mixed"))
    return scenarios


@pytest.fixture(scope="module")
def serial(mixed):
    return sweep(mixed, workers=1, progress=False)


def test_incremental_sweep_equals_the_full_engine(mixed, serial):
    full = sweep(mixed, workers=1, progress=False, method="full")
    common = [c for c in serial.table.columns if c in full.table.columns]
    assert len(common) == len(serial.table.columns)
    pd.testing.assert_frame_equal(serial.table, full.table[common], check_exact=False, rtol=1e-12)
    assert {"ratio_2sfca_change", "shortfall_change"} <= set(full.table.columns)  # engine figures in full runs


def test_sweep_rows_equal_one_scenario_compared_by_hand(study, mixed, serial):
    scenario = mixed[-1]
    by_hand = scenario.run().compare(study.run()).by_la
    rows = serial.table[serial.table["scenario"] == "mixed"].drop(columns="scenario").reset_index(drop=True)
    pd.testing.assert_frame_equal(rows, by_hand[rows.columns], check_exact=False, rtol=1e-12)


def test_process_pool_equals_serial_run(mixed, serial):
    pooled = sweep(mixed, workers=2, progress=False)
    pd.testing.assert_frame_equal(pooled.table, serial.table)
    pd.testing.assert_frame_equal(pooled.scenarios, serial.scenarios)


def test_dask_cluster_equals_local_run(mixed, serial):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:  # loopback TCP: the context and results are serialised
        remote = sweep(mixed, client=client, progress=False)
    pd.testing.assert_frame_equal(remote.table, serial.table)


def test_ranking_puts_the_biggest_fall_first(serial):
    ranking = serial.ranking(kind="special")
    assert list(ranking["rank"]) == list(range(1, len(ranking) + 1))
    assert ranking["need_beyond_threshold_change"].is_monotonic_increasing  # need first
    closing = ranking.set_index("scenario").loc["close the North Tyneside PRU"]
    assert closing["need_beyond_threshold_change"] == 0 and closing["children_beyond_change"] == 0
    ap = serial.ranking(kind="ap").set_index("scenario")
    assert ap.loc["close the North Tyneside PRU", "las_losing_provision"] == 1
    site = serial.scenarios.set_index("scenario").loc["special at URN 147531"]
    assert site["site_id"] == "147531-NEW" and site["site_la"] == "E06000047"
    assert "Sweep of 6 scenarios" in serial._repr_html_()


def test_wider_thresholds_never_leave_more_children_beyond(study):
    runs = sweep(each_threshold(study.scenario("t"), kind="ap", miles=[1, 2, 3, 4, 5]), workers=1, progress=False)
    totals = runs.table[runs.table["kind"] == "ap"].groupby("scenario", sort=False)["children_beyond_scenario"].sum()
    assert totals.is_monotonic_decreasing
    assert totals.iloc[2] == study.run().la_summary["ap_children_beyond"].sum()  # 3 miles: the baseline


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"scenarios": []}, "no scenarios"),
        ({"method": "magic"}, "Unknown sweep method 'magic'"),
        ({"workers": 0}, "workers must be a whole number"),
        ({"duplicate": True}, "must be distinct"),
        ({"other_study": True}, "same study"),
    ],
)
def test_bad_sweeps_raise_one_clear_error(study, ne_inputs, arguments, message):
    scenarios = each_threshold(study.scenario("t"), kind="ap", miles=[1, 2])
    if arguments.pop("duplicate", False):
        scenarios.append(scenarios[0])
    if arguments.pop("other_study", False):
        scenarios.append(Study(inputs=ne_inputs, settings=study.settings).scenario("elsewhere"))
    with pytest.raises(InputError, match=message):
        sweep(arguments.pop("scenarios", scenarios), progress=False, **arguments)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"urns": [1], "points": [(1, 2)]}, "exactly one of at=, urns="),
        ({"at": "post16"}, "no sites of that kind"),
        ({"at": "ap", "limit": 0}, "limit must be a whole number"),
    ],
)
def test_bad_candidate_lists_raise_one_clear_error(study, arguments, message):
    with pytest.raises(InputError, match=message):
        each_site(study.scenario("s"), kind="special", **arguments)


@pytest.mark.parametrize(("start_s", "workers"), [(3600.0, 1), (0.0, 2)])
def test_default_workers_use_a_pool_only_when_the_sweep_is_long_enough_to_gain(mixed, serial, monkeypatch,
                                                                              start_s, workers):
    from gapmap.scenario import sweeps

    chosen = []

    def in_process(context, items, count):
        chosen.append(count)
        return sweeps._evaluate(context, items) if items else pd.DataFrame()

    monkeypatch.setattr(sweeps, "POOL_START_S", start_s)
    monkeypatch.setattr(sweeps.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(sweeps, "_run_local", lambda context, items, count: iter([in_process(context, items, count)]))
    result = sweep(mixed, progress=False)
    assert chosen == [workers]  # the first scenario ran here, timed; the rest on `workers` processes
    pd.testing.assert_frame_equal(result.table, serial.table)


def test_each_site_at_a_host_serves_the_hosts_ages_within_the_kinds(study):
    # Ages on roll (the embedded data has no statutory ages): URN 108519 (a middle school) 9-12, URN 147531
    # 11-18; special serves 4-15.
    sites = each_site(study.scenario("base"), kind="special", places=40, urns=[108519, "147531"])
    assert [s.edits[-1].ages for s in sites] == [(9, 12), (11, 15)]
    given = each_site(study.scenario("base"), kind="special", places=40, urns=[108519], ages=(4, 15))
    assert given[0].edits[-1].ages == (4, 15)
    assert each_site(study.scenario("base"), kind="special", points=[(425000, 560000)])[0].edits[-1].ages is None
