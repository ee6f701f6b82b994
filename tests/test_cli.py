"""The command line: end-to-end build, help, and one clear sentence for bad input."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

from gapmap.cli import main
from gapmap.sources.embedded import embedded_path


def _run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_build_writes_maps_gpkg_and_tables(tmp_path):
    result = _run("build", "--out", str(tmp_path), "--tiles", "none")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "north-east"
    assert (folder / "index.html").is_file() and (folder / "map.html").is_file()
    layers = {name for name, _ in pyogrio.list_layers(folder / "gapmap.gpkg")}
    expected = {"lsoa", "provision", "la_summary", "ca_summary", "flows", "clusters", "opportunities",
                "forecast", "forecast_ca", "collaboration", "collaboration_sites", "assignment", "sectors",
                "vintages"}
    assert layers == expected
    assert {p.name for p in (folder / "tables").glob("*.csv")} == {f"{name}.csv" for name in expected | {"excluded"}}
    assert (folder / "tables" / "README.md").is_file()
    assert {p.name for p in (folder / "tables").glob("*.parquet")} == {"need_access.parquet"}
    lsoa = gpd.read_file(folder / "gapmap.gpkg", layer="lsoa")
    assert len(lsoa) == 1240 and lsoa["children_0_15"].sum() == 336_297
    summary = pd.read_csv(folder / "tables" / "la_summary.csv")
    assert summary["special_children_beyond"].sum() == lsoa["special_children_beyond"].sum()
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name or ".old-" in p.name], "staging folder left behind"


def test_index_page_labels_distances_as_straight_line(ne_build):
    page = (ne_build / "index.html").read_text(encoding="utf-8")
    assert "straight lines" in page and "North East Combined Authority" in page
    assert "Straight-line distance" in (ne_build / "map.html").read_text(encoding="utf-8")


def test_threshold_option_changes_the_result(tmp_path):
    assert _run("build", "--out", str(tmp_path), "--tiles", "none", "--kinds", "special",
                "--threshold", "special=10").exit_code == 0
    lsoa = pd.read_csv(tmp_path / "north-east" / "tables" / "lsoa.csv")
    assert (lsoa.loc[lsoa["special_beyond"], "special_straight_line_m"] > 10 * 1609.344).all()
    assert list(lsoa.filter(like="_straight_line_m").columns) == ["special_straight_line_m"]


def test_help_and_version_explain_every_option():
    assert _run("--version").output.startswith("gapmap, version ")
    text = _run("build", "--help").output
    for option in ("--out", "--kinds", "--threshold", "--tiles", "--data", "--sectors", "--ehcp-year"):
        assert option in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kinds", "castle"], "Unknown provision kind"),
        (["--threshold", "special=far"], "is not a number of miles"),
    ],
)
def test_bad_options_exit_non_zero_with_one_sentence(tmp_path, args, message):
    result = CliRunner().invoke(main, ["build", "--out", str(tmp_path), *args])
    assert result.exit_code != 0 and message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "north-east").exists()


def test_unwritable_output_gives_one_sentence(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(main, ["build", "--out", str(blocker / "sub"), "--tiles", "none"])
    assert result.exit_code == 4
    assert result.output.startswith("Error: Cannot write to the output folder")
    assert "Traceback" not in result.output


@pytest.mark.parametrize("damage", ["missing", "truncated", "garbage", "no-layer"])
def test_damaged_data_file_gives_one_sentence_and_no_output(tmp_path, damage):
    data = tmp_path / "ne.gpkg"
    if damage == "truncated":
        data.write_bytes(embedded_path().read_bytes()[:200_000])
    elif damage == "garbage":
        data.write_bytes(b"this is not a geopackage\n" * 100)
    elif damage == "no-layer":
        shutil.copy(embedded_path(), data)
        subprocess.run([sys.executable, "-c", f"import sqlite3; c = sqlite3.connect({str(data)!r}); "
                        "c.execute('DROP TABLE lsoa'); c.execute(\"DELETE FROM gpkg_contents WHERE table_name='lsoa'\"); "
                        "c.execute(\"DELETE FROM gpkg_geometry_columns WHERE table_name='lsoa'\"); c.commit()"], check=True)
    out = tmp_path / "maps"
    result = CliRunner().invoke(main, ["build", "--out", str(out), "--data", str(data)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: ") and str(data.name) in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert not out.exists() or not any(out.iterdir())


def test_failed_build_keeps_the_previous_output(tmp_path):
    assert _run("build", "--out", str(tmp_path), "--tiles", "none").exit_code == 0
    before = (tmp_path / "north-east" / "tables" / "lsoa.csv").read_bytes()
    bad = tmp_path / "bad.gpkg"
    bad.write_bytes(b"garbage")
    assert CliRunner().invoke(main, ["build", "--out", str(tmp_path), "--data", str(bad)]).exit_code == 2
    assert (tmp_path / "north-east" / "tables" / "lsoa.csv").read_bytes() == before


def test_installed_command_runs_from_any_directory(tmp_path):
    exe = Path(sys.executable).with_name("gapmap")
    if not exe.exists():
        pytest.skip("the gapmap console script is not installed in this environment")
    env = {**os.environ, "PYTHONPATH": ""}
    done = subprocess.run([str(exe), "build", "--tiles", "none"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "maps" / "north-east" / "gapmap.gpkg").is_file()


def test_internal_error_is_one_sentence_with_exit_70(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("gapmap.build.build", broken)  # the command imports it when it runs
    result = CliRunner().invoke(main, ["build", "--out", str(tmp_path)])
    assert result.exit_code == 70
    assert result.output.startswith("Internal error (ZeroDivisionError") and "--debug" in result.output
    assert "Traceback" not in result.output
    debug = CliRunner().invoke(main, ["--debug", "build", "--out", str(tmp_path)])
    assert isinstance(debug.exception, ZeroDivisionError)


def test_rebuild_keeps_saved_scenarios(tmp_path):
    assert _run("build", "--out", str(tmp_path), "--tiles", "none").exit_code == 0
    saved = tmp_path / "north-east" / "scenarios" / "new-unit" / "index.html"
    saved.parent.mkdir(parents=True)
    saved.write_text("scenario page")
    assert _run("build", "--out", str(tmp_path), "--tiles", "none").exit_code == 0
    assert saved.read_text() == "scenario page"
