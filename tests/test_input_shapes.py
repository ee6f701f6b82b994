"""Input shapes and messages (issue 17): GIAS-layout schools files, any-case columns, repaired polygons, swapped rows.

And the messages a user sees: Ctrl-C while starting, an unknown area offline,
a bad base map before the analysis, --ca with --la, thresholds in miles and
plain numbers (never ``np.int64(...)``).
"""

from __future__ import annotations

import builtins
import gzip
import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from http_server import GIAS_FILE

from gapmap import _entry
from gapmap.cli import main
from gapmap.errors import DataFileError
from gapmap.sources import gias
from gapmap.sources.user_files import apply_user_files, read_boundaries, read_schools_file


@pytest.fixture(scope="module")
def gias_table() -> pd.DataFrame:
    return pd.read_csv(GIAS_FILE, encoding="cp1252", dtype=str, keep_default_na=False, compression="gzip")


def _special(inputs) -> pd.DataFrame:
    special = inputs.provision[inputs.provision["kind"] == "special"]
    return pd.DataFrame(special.drop(columns="geometry")).assign(
        easting=special.geometry.x.round(), northing=special.geometry.y.round()
    )[["provision_id", "urn", "name", "kind", "sector", "la_gss", "pupils", "easting", "northing"]].reset_index(
        drop=True)


# -- --schools layouts ---------------------------------------------------------------------------------------


def test_a_gias_download_is_read_as_a_schools_file_like_the_live_source(tmp_path, gias_table):
    path = tmp_path / "edubasealldata20230703.csv"
    path.write_bytes(gzip.decompress(GIAS_FILE.read_bytes()))  # as downloaded: Windows-1252, GIAS headings
    provision, excluded = read_schools_file(path)
    raw = gias.read_gias(path, la_codes=["383"], source_name="test")
    live, live_excluded = gias.provision_from_gias(raw, la_gss={"383": "E08000035"}, source_label="x",
                                                   source_name=path.name)
    assert list(provision["provision_id"]) == list(live["provision_id"])
    assert len(provision) == 320 and set(provision["la_gss"]) == {"E08000035"}
    assert sorted(excluded["reason"]) == sorted(live_excluded["reason"])
    assert "Leeds" not in path.name and provision["source"].iloc[0] == f"{path.name} (GIAS all establishment data)"


def test_gias_column_names_match_in_any_case_and_utf8(tmp_path, gias_table):
    lower = gias_table.rename(columns=str.lower)
    path = tmp_path / "gias-lower.csv"
    lower.to_csv(path, index=False, encoding="utf-8")
    from_lower, _ = read_schools_file(path)
    original = tmp_path / "gias.csv"
    gias_table.to_csv(original, index=False, encoding="cp1252")
    from_original, _ = read_schools_file(original)
    pd.testing.assert_frame_equal(pd.DataFrame(from_lower.drop(columns=["geometry", "source"])),
                                  pd.DataFrame(from_original.drop(columns=["geometry", "source"])))


def test_gapmap_layout_column_names_match_in_any_case(tmp_path, ne_inputs):
    table = _special(ne_inputs)
    table.to_csv(tmp_path / "lower.csv", index=False)
    table.rename(columns={"provision_id": "Provision_ID", "easting": "Easting", "northing": "NORTHING",
                          "la_gss": " La_GSS "}).to_csv(tmp_path / "mixed.csv", index=False)
    lower, _ = read_schools_file(tmp_path / "lower.csv")
    mixed, _ = read_schools_file(tmp_path / "mixed.csv")
    pd.testing.assert_frame_equal(pd.DataFrame(mixed.drop(columns=["source", "location_source"])),
                                  pd.DataFrame(lower.drop(columns=["source", "location_source"])))


def test_the_required_columns_are_listed_in_help():
    result = CliRunner().invoke(main, ["build", "--help"], terminal_width=200)
    text = " ".join(result.output.split())
    assert "provision_id, name, kind, sector and la_gss" in text and "GIAS 'all establishment data' CSV" in text


# -- shapes --------------------------------------------------------------------------------------------------


def _bow_tie(polygon: shapely.Geometry) -> shapely.Polygon:
    minx, miny, maxx, maxy = polygon.bounds
    return shapely.Polygon([(minx, miny), (maxx, maxy), (maxx, miny), (minx, maxy)])


def test_a_self_intersecting_lsoa_polygon_is_repaired_and_the_vintage_says_so(tmp_path, ne_inputs):
    lsoas = gpd.GeoDataFrame(ne_inputs.lsoas[["lsoa_code", "geometry"]]).copy()
    bow = _bow_tie(lsoas.geometry.iloc[0])
    assert not bow.is_valid
    lsoas.loc[lsoas.index[0], "geometry"] = bow
    path = tmp_path / "lsoas.gpkg"
    lsoas.to_file(path)
    read = read_boundaries(path)
    assert read.attrs["repaired"] == 1 and read.geometry.is_valid.all()
    assert read.geometry.iloc[0].area == pytest.approx(bow.envelope.area / 2)  # the two triangles of the bow tie
    out = apply_user_files(ne_inputs, boundaries=path)
    assert out.vintages["LSOA boundaries"] == "lsoas.gpkg (1 invalid polygon(s), e.g. self-intersecting, repaired " \
                                              "with shapely make_valid)"
    assert out.lsoas.geometry.is_valid.all()


def test_one_school_with_swapped_coordinates_is_excluded_saying_so(tmp_path, ne_inputs):
    table = _special(ne_inputs)
    table.loc[3, ["easting", "northing"]] = table.loc[3, ["northing", "easting"]].to_numpy()
    table.to_csv(tmp_path / "schools.csv", index=False)
    out = apply_user_files(ne_inputs, schools=tmp_path / "schools.csv")
    reason = out.excluded.set_index("record_id").loc[table.loc[3, "provision_id"], "reason"]
    assert re.fullmatch(r"easting and northing look swapped \(swapped back, the point lies in its LA E0\d{7}\): "
                        r"check its easting/northing", reason)
    assert (out.provision["kind"] == "special").sum() == len(table) - 1


# -- messages ------------------------------------------------------------------------------------------------


def test_ctrl_c_while_the_command_starts_prints_one_line(monkeypatch, capsys):
    real_import = builtins.__import__

    def interrupted(name, *args, **kwargs):
        if name == "gapmap.cli":
            raise KeyboardInterrupt
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", interrupted)
    with pytest.raises(SystemExit) as stopped:
        _entry.run()
    assert stopped.value.code == 130
    assert capsys.readouterr().err == "Interrupted while starting: nothing was done.\n"


def test_an_unknown_ca_offline_says_it_cannot_be_checked_and_names_fetch(tmp_path):
    result = CliRunner().invoke(main, ["build", "--ca", "E47000099", "--offline", "--cache-dir", str(tmp_path),
                                       "--out", str(tmp_path / "maps")])
    assert result.exit_code == 2
    assert "Offline, the area 'E47000099' cannot be checked" in result.output
    assert "run `gapmap fetch --ca E47000099` with a network connection first" in result.output
    assert result.output.count("\n") == 1


def test_an_unknown_base_map_is_refused_before_the_analysis(tmp_path, monkeypatch):
    def no_analysis(*args, **kwargs):
        raise AssertionError("the analysis ran before --tiles was checked")

    monkeypatch.setattr("gapmap.build.analyse", no_analysis)
    result = CliRunner().invoke(main, ["build", "--tiles", "NoSuchTiles", "--out", str(tmp_path)])
    assert result.exit_code == 2 and result.output.startswith("Error: Unknown base map 'NoSuchTiles'")
    assert list(tmp_path.iterdir()) == []


def test_ca_with_la_is_refused(tmp_path):
    for command in (["build", "--out", str(tmp_path)], ["fetch"]):
        result = CliRunner().invoke(main, [*command, "--ca", "E47000014", "--la", "391"])
        assert result.exit_code == 2 and "--ca and --la both choose the study area" in result.output


@pytest.mark.parametrize("value", ["special=-2", "special=0", "special=inf"])
def test_a_threshold_error_speaks_in_miles(tmp_path, value):
    result = CliRunner().invoke(main, ["build", "--threshold", value, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "positive number of miles" in result.output and "metres" not in result.output


def test_numbers_in_messages_are_plain(tmp_path, ne_inputs, monkeypatch):
    table = _special(ne_inputs).assign(capacity=-40)
    table.to_csv(tmp_path / "schools.csv", index=False)
    with pytest.raises(DataFileError) as error:
        read_schools_file(tmp_path / "schools.csv")
    assert "(e.g. -40 in row 2)" in str(error.value) and "np." not in str(error.value)
