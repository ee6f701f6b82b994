"""Outputs stay inside --out, an interrupted swap is recovered, and CSVs cannot carry spreadsheet formulas."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from click.testing import CliRunner

from gapmap.build import build
from gapmap.cli import main
from gapmap.errors import InputError, OutputError
from gapmap.output import staged_directory, write_csv
from gapmap.paths import check_slug, output_folder
from gapmap.scenario.files import read_scenario_file
from gapmap.scenario.outputs import scenario_folder


@pytest.mark.parametrize("slug", ["../../x", "/tmp/x", "north-east/../../x", "..", "", "North East", "a//b",
                                  "C:\\x", "x" * 101, "-x"])
def test_a_name_that_is_not_a_slug_never_becomes_a_path(slug):
    with pytest.raises(InputError, match="not a valid folder name"):
        check_slug(slug, what="the study area")
    with pytest.raises(InputError):
        output_folder("maps", slug)


def test_an_output_folder_behind_a_link_outside_the_root_is_refused(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep")
    root = tmp_path / "maps"
    root.mkdir()
    (root / "north-east").symlink_to(outside)
    with pytest.raises(OutputError, match="outside the output root"):
        output_folder(root, "north-east")
    assert output_folder(root, "leeds") == root / "leeds"


def test_a_scenario_file_area_that_climbs_out_is_refused_with_its_line(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: x\narea: ../../x\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"s\.yaml line 2: '\.\./\.\./x' is not a valid folder name"):
        read_scenario_file(path)
    path.write_text("name: x\narea: /etc\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2: '/etc' is not a valid folder name"):
        read_scenario_file(path)


def test_a_scenario_run_with_a_hostile_area_writes_nothing_anywhere(tmp_path, monkeypatch):
    """The issue's case: `area: ../../x` with a `data:` file used to write <there>/scenarios/..."""
    project = tmp_path / "a" / "b"
    project.mkdir(parents=True)
    monkeypatch.chdir(project)
    (project / "s.yaml").write_text("name: x\narea: ../../x\ndata: area.gpkg\n", encoding="utf-8")
    before = sorted(tmp_path.rglob("*"))
    result = CliRunner().invoke(main, ["scenario", "run", "s.yaml", "--out", "maps", "--tiles", "none"])
    assert result.exit_code == InputError.exit_code
    assert "is not a valid folder name" in result.output
    assert sorted(tmp_path.rglob("*")) == before


def test_a_study_whose_slug_is_a_path_is_refused_before_any_analysis(tmp_path, ne_inputs):
    with pytest.raises(InputError, match="not a valid folder name"):
        build(replace(ne_inputs, slug="../escaped"), out=tmp_path / "maps", tiles=None)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InputError):
        scenario_folder(tmp_path, "../escaped", "x")


def test_the_folder_hidden_by_a_kill_between_the_two_renames_is_restored(tmp_path):
    """A kill after `target -> .NAME.old-*/NAME` and before `staging -> target` leaves no output folder."""
    target = tmp_path / "area"
    hidden = tmp_path / ".area.old-k1ll3d"
    (hidden / "area").mkdir(parents=True)
    (hidden / "area" / "index.html").write_text("previous")
    with pytest.raises(RuntimeError), staged_directory(target):
        raise RuntimeError("this build fails too")
    assert (target / "index.html").read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".area.old-")] == []


def test_leftover_old_folders_are_removed_by_the_next_build(tmp_path):
    target = tmp_path / "area"
    target.mkdir()
    (target / "current.txt").write_text("current")
    for name in (".area.old-a", ".area.old-b"):
        (tmp_path / name / "area").mkdir(parents=True)
    with staged_directory(target) as staging:
        (staging / "new.txt").write_text("new")
    assert [p.name for p in target.iterdir()] == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".area.lock", "area"]


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A9)",
                                  "\t=1"])
def test_formula_like_text_is_neutralised_in_csvs(tmp_path, text):
    path = tmp_path / "t.csv"
    write_csv(pd.DataFrame({"name": [text, "Ordinary School"], "count": [-40, 3]}), path)
    back = pd.read_csv(path, dtype={"name": str})
    assert back["name"].tolist() == [f"'{text}", "Ordinary School"]
    assert back["count"].tolist() == [-40, 3]  # numbers are not text: left alone


def test_the_cli_tables_carry_no_formula(tmp_path, monkeypatch, ne_inputs):
    provision = ne_inputs.provision.copy()
    special = provision.index[provision["kind"] == "special"][0]
    provision["name"] = provision["name"].astype("object")
    provision.loc[special, "name"] = "=cmd|' /C calc'!A0"
    monkeypatch.setattr("gapmap.sources.embedded.load_embedded", lambda *a, **k: replace(ne_inputs, provision=provision))
    out = tmp_path / "maps"
    result = CliRunner().invoke(main, ["build", "--out", str(out), "--tiles", "none", "--sites", "0",
                                       "--kinds", "special"])
    assert result.exit_code == 0, result.output
    for table in (out / "north-east" / "tables").glob("*.csv"):
        for line in table.read_text(encoding="utf-8").splitlines():
            assert not any(cell.startswith("=") for cell in line.split(",")), (table.name, line)
    names = pd.read_csv(out / "north-east" / "tables" / "provision.csv", dtype=str)["name"]
    assert "'=cmd|' /C calc'!A0" in set(names)

