"""What a build writes: per-kind columns in every table, and a data dictionary defining each one."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import pytest

from gapmap.engine.dictionary import data_dictionary, describe

PER_KIND_LSOA = ["demand", "distance_m", "straight_line_m", "nearest_id", "nearest_la", "cross_la", "beyond",
                 "children_beyond", "children_beyond_statutory", "need_beyond_threshold", "need_beyond_statutory", "2sfca", "e2sfca", "places_proxy"]
PER_KIND_LA = ["places", "places_proxy", "demand", "children", "ratio", "shortfall", "need_beyond_threshold", "need_beyond_statutory",
               "share_need_beyond_statutory", "children_beyond", "share_beyond", "2sfca"]


@pytest.fixture(scope="module")
def tables(ne_build):
    folder = ne_build / "tables"
    return {name: pd.read_csv(folder / f"{name}.csv", low_memory=False)
            for name in ("lsoa", "provision", "la_summary", "excluded")}


def test_tables_and_layers_carry_the_per_kind_columns(ne_build, ne_results, tables):
    layer = gpd.read_file(ne_build / "gapmap.gpkg", layer="lsoa")
    for kind in ne_results.settings.kinds:
        for suffix in PER_KIND_LSOA:
            assert f"{kind}_{suffix}" in tables["lsoa"].columns and f"{kind}_{suffix}" in layer.columns
        for suffix in PER_KIND_LA:
            assert f"{kind}_{suffix}" in tables["la_summary"].columns
    for column in ("places", "places_source", "places_proxy", "age_low", "age_high", "age_source", "analysed",
                   "catchment_ratio", "nearest_demand", "nearest_demand_other_la"):
        assert column in tables["provision"].columns
    analysed = tables["provision"][tables["provision"]["analysed"]]
    assert set(analysed["places_source"]) == {"pupils on roll (proxy: no capacity known)"}
    assert tables["lsoa"]["special_need_beyond_statutory"].sum() == pytest.approx(ne_results.lsoa["special_need_beyond_statutory"].sum(),
                                                                        rel=1e-5)


def test_the_data_dictionary_defines_every_column_with_a_unit(ne_build, tables):
    text = (ne_build / "tables" / "README.md").read_text(encoding="utf-8")
    assert "not defined" not in text
    for name, frame in tables.items():
        for column in frame.columns:
            assert re.search(rf"^\| `{re.escape(column)}` \| [^|]+ \| [^|]+ \|$", text, flags=re.M), (name, column)
    assert "Straight line (EPSG:27700)" in text and "pupils on roll" in text
    assert "rule set england-2024, version 2024" in text  # the method notes are in it


def test_dictionary_fills_in_the_settings(ne_results):
    unit, text = describe("lsoa", "special_beyond", ne_results)
    assert unit == "true/false" and "3 miles" in text
    unit, text = describe("lsoa", "mainstream_primary_demand_beyond_1mi", ne_results)
    assert "1 mile " in text and "straight line" in text
    assert describe("lsoa", "nursery_2sfca", ne_results) is None  # kind not analysed
    assert describe("lsoa", "mystery", ne_results) is None
    full = data_dictionary(ne_results, {"ca_summary": ne_results.ca_summary})
    assert "not defined" not in full


def test_cli_rules_circuity_and_demand_options(tmp_path):
    from click.testing import CliRunner

    from gapmap.cli import main

    result = CliRunner().invoke(main, ["build", "--out", str(tmp_path), "--tiles", "none", "--kinds", "special",
                                       "--circuity", "1.25", "--rules", "england-2024-low-income",
                                       "--specialist-demand", "children", "--sites", "0"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lsoa = pd.read_csv(tmp_path / "north-east" / "tables" / "lsoa.csv")
    assert ((lsoa["special_distance_m"] - 1.25 * lsoa["special_straight_line_m"]).abs() <= 0.2).all()
    assert (lsoa["special_demand"] == lsoa["special_children"]).all()
    dictionary = (tmp_path / "north-east" / "tables" / "README.md").read_text(encoding="utf-8")
    assert "england-2024-low-income" in dictionary and "straight line x 1.25 circuity" in dictionary
    bad = CliRunner().invoke(main, ["build", "--out", str(tmp_path / "x"), "--circuity", "0.5"])
    assert bad.exit_code == 2 and "circuity factor must be a number >= 1.0" in bad.output
    assert "Traceback" not in bad.output
