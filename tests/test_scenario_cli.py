"""``gapmap scenario check | run | sweep``: outputs in maps/<area>/scenarios/<name>/, one sentence on bad input."""

from __future__ import annotations

import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

from gapmap.cli import main

SCENARIO = """\
name: Hermitage unit
area: north-east
kinds: [special, ap]
edits:
  - add_provision: {urn: 147531, kind: special, places: 40, needs: [ASD]}
  - close: {urn: 108565}
"""

SWEEP = """\
name: Special unit sites
kinds: [special, ap]
sweep:
  each_site: {kind: special, places: 40, urns: [147531, 136971]}
"""


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def _file(tmp_path, text, name="s.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_check_accepts_a_good_file_and_runs_nothing(tmp_path):
    result = _run("scenario", "check", str(_file(tmp_path, SCENARIO)))
    assert result.exit_code == 0, result.output
    assert "OK: scenario 'Hermitage unit', 2 edit(s)" in result.output
    assert not (tmp_path / "maps").exists()


def test_check_refuses_a_bad_file_with_line_numbers(tmp_path):
    bad = SCENARIO.replace("108565", "999999").replace("places: 40", "places: -4")
    result = _run("scenario", "check", str(_file(tmp_path, bad)))
    assert result.exit_code == 2
    assert result.output.startswith("Error: s.yaml line 5: places in `add_provision` must be 0 or more, got -4; "
                                    "s.yaml line 6: unknown URN 999999 in `close`")
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_run_writes_the_comparison_folder(tmp_path):
    path = _file(tmp_path, SCENARIO)
    result = _run("scenario", "run", str(path), "--out", str(tmp_path / "maps"), "--tiles", "none")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "maps" / "north-east" / "scenarios" / "hermitage-unit"
    assert {p.name for p in folder.iterdir()} == {"index.html", "map.html", "changes.gpkg", "tables", "scenario.yaml"}
    layers = {name for name, _ in pyogrio.list_layers(folder / "changes.gpkg")}
    assert layers == {"lsoa_changes", "la_changes", "sites_changed", "provision"}
    la = pd.read_csv(folder / "tables" / "la_changes.csv").set_index(["kind", "la_name"])
    assert la.loc[("special", "County Durham"), "children_beyond_change"] == -7131
    assert la.loc[("ap", "North Tyneside"), "loses_provision"]
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "North Tyneside</b> would have no alternative provision site" in page and "straight line" in page
    assert "gained reach" in (folder / "map.html").read_text(encoding="utf-8")
    assert not [p for p in folder.parent.iterdir() if ".tmp-" in p.name], "staging folder left behind"


def test_sweep_writes_a_ranking(tmp_path):
    path = _file(tmp_path, SWEEP)
    result = _run("scenario", "sweep", str(path), "--out", str(tmp_path / "maps"), "--workers", "1", "--no-progress")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "maps" / "north-east" / "scenarios" / "special-unit-sites"
    ranking = pd.read_csv(folder / "ranking.csv")
    assert list(ranking["site_id"]) == ["147531-NEW", "136971-NEW"]
    assert list(ranking["need_beyond_threshold_change"].round()) == [-65, -64]  # need first
    assert list(ranking["children_beyond_change"]) == [-7131, -6885]  # all children: context
    assert "1. special at URN 147531: about -65 (beyond the walking distance for their age: about -65; all " \
           "children aged 0-15, context: -7,131)" in result.output
    assert len(pd.read_csv(folder / "sweep.csv")) == 2 * 2 * 7  # scenarios x kinds x LAs


def test_sweep_on_a_dask_scheduler_equals_the_local_run(tmp_path):
    distributed = pytest.importorskip("distributed")
    path = _file(tmp_path, SWEEP)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        result = _run("scenario", "sweep", str(path), "--out", str(tmp_path / "dask"), "--no-progress",
                      "--dask-scheduler", cluster.scheduler_address)
    assert result.exit_code == 0, result.output
    local = _run("scenario", "sweep", str(path), "--out", str(tmp_path / "local"), "--workers", "1", "--no-progress")
    assert local.exit_code == 0, local.output
    tail = ("north-east", "scenarios", "special-unit-sites", "sweep.csv")
    assert (tmp_path / "dask").joinpath(*tail).read_bytes() == (tmp_path / "local").joinpath(*tail).read_bytes()


def test_sweep_without_a_sweep_section_says_so(tmp_path):
    result = _run("scenario", "sweep", str(_file(tmp_path, SCENARIO)), "--out", str(tmp_path))
    assert result.exit_code == 2 and "has no `sweep` section" in result.output


def test_help_lists_the_scenario_commands():
    text = _run("scenario", "--help").output
    assert all(command in text for command in ("check", "run", "sweep"))
    assert "--dask-scheduler" in _run("scenario", "sweep", "--help").output
