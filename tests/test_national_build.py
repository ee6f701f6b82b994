"""Embedded national builds offline, titled and foldered by the area; live and embedded inputs meet in one schema."""

from __future__ import annotations

import socket

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from http_server import serving

from gapmap.cli import main
from gapmap.engine import analyse
from gapmap.model import PROVISION_COLUMNS
from gapmap.settings import Settings
from gapmap.sources.embedded import embedded_path, load_embedded
from gapmap.sources.live import load_live
from gapmap.sources.national import load_national


@pytest.fixture
def no_network(monkeypatch, tmp_path):
    """An empty download cache and no way to open a network connection."""
    def refuse(*args, **kwargs):
        raise OSError("network blocked by the test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("GAPMAP_CACHE_DIR", str(tmp_path / "empty-cache"))
    return tmp_path


def _title(folder) -> str:
    text = (folder / "index.html").read_text(encoding="utf-8")
    return text.split("<title>", 1)[1].split("</title>", 1)[0]


@pytest.mark.slow
def test_west_yorkshire_builds_offline_with_an_empty_cache(no_network):
    out = no_network / "maps"
    result = CliRunner().invoke(main, ["build", "--ca", "E47000003", "--out", str(out), "--tiles", "none",
                                       "--sites", "0", "--kinds", "special,ap"])
    assert result.exit_code == 0, result.output
    folder = out / "west-yorkshire"
    assert "West Yorkshire" in _title(folder)
    lsoa = gpd.read_file(folder / "gapmap.gpkg", layer="lsoa")
    assert len(lsoa) == 1_388 and set(lsoa["la_gss"]) == {f"E0800003{i}" for i in range(2, 7)}
    provision = pd.read_csv(folder / "tables" / "provision.csv", dtype={"provision_id": str})
    outside = provision[provision["outside_area"]]
    assert len(outside) and not outside["la_gss"].str.startswith("E0800003").all()
    summary = pd.read_csv(folder / "tables" / "la_summary.csv")
    assert (summary["special_demand_nearest_outside_area"] >= 0).all()
    assert not (no_network / "empty-cache").exists() or not any((no_network / "empty-cache").rglob("*.csv"))


def test_leeds_by_name_builds_offline_into_its_own_folder(no_network):
    out = no_network / "maps"
    result = CliRunner().invoke(main, ["build", "--la", "Leeds", "--out", str(out), "--tiles", "none",
                                       "--sites", "0", "--kinds", "special", "--buffer-miles", "0"])
    assert result.exit_code == 0, result.output
    assert "Leeds" in _title(out / "leeds")
    assert len(pd.read_csv(out / "leeds" / "tables" / "lsoa.csv")) == 482


def test_data_file_names_the_area_and_folder(tmp_path):
    """A study-area GeoPackage of one LA builds into that LA's folder, with its name, not the North East's."""
    source = embedded_path("north-east")
    path = tmp_path / "area.gpkg"
    for layer in ("la", "lsoa", "schools_census", "ehcp_caseload", "ehcp_needs", "ehcp_england"):
        frame = gpd.read_file(source, layer=layer)
        if "la_gss" in frame.columns and layer != "ehcp_england":
            frame = frame[frame["la_gss"] == "E08000037"]
        if layer == "schools_census":
            frame = frame[frame["new_la_code"] == "E08000037"]
        if layer == "la":
            frame = frame.assign(ca_code=None, ca_name=None)
        gpd.GeoDataFrame(frame).to_file(path, layer=layer, driver="GPKG")
    inputs = load_embedded(path=path)
    assert (inputs.name, inputs.slug, len(inputs.las)) == ("Gateshead", "gateshead", 1)
    whole = load_embedded(path=source)
    assert (whole.name, whole.slug) == ("North East (E47000014)", "north-east")
    result = CliRunner().invoke(main, ["build", "--data", str(path), "--out", str(tmp_path / "maps"), "--tiles",
                                       "none", "--sites", "0", "--kinds", "special"])
    assert result.exit_code == 0, result.output
    assert "Gateshead" in _title(tmp_path / "maps" / "gateshead")


def test_live_and_embedded_leeds_meet_in_the_same_tables(tmp_path):
    """Leeds from the recorded public-service fixtures and from the embedded data: same schema, same LSOAs."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        with serving(monkeypatch):
            live = load_live(la="E08000035", cache_dir=tmp_path / "cache")
    embedded = load_national(la="E08000035", buffer_miles=0)
    columns = ["la_gss", "la_name", "la_code", "ca_code", "ca_name"]
    pd.testing.assert_frame_equal(live.las[columns], embedded.las[columns], check_dtype=False)
    assert (live.name, live.slug) == (embedded.name, embedded.slug) == ("Leeds", "leeds")
    # the fixtures hold the same LSOA 2011 and IoD2019 File 6 children as the embedded data
    both = live.lsoas.merge(embedded.lsoas, on="lsoa_code", suffixes=("_live", "_embedded"), validate="1:1")
    assert len(both) == len(live.lsoas) == len(embedded.lsoas) == 482
    assert (both["children_0_15_live"] == both["children_0_15_embedded"]).all()
    assert (both["la_gss_live"] == both["la_gss_embedded"]).all()
    common = [c for c in live.lsoas.columns if c in embedded.lsoas.columns]
    assert common == list(live.lsoas.columns)  # the embedded table adds population_total only
    assert (live.lsoas[common].dtypes == embedded.lsoas[common].dtypes).all()
    # the canonical provision table is the same schema; the rows differ where the sources do (GIAS 2023 vs 2025)
    for frame in (live.provision, embedded.provision):
        assert list(frame.columns) == [*PROVISION_COLUMNS, "geometry"]
    assert (live.provision.dtypes == embedded.provision.dtypes).all()
    shared_urns = set(live.provision["urn"]) & set(embedded.provision["urn"])
    assert len(shared_urns) > 200
    settings = Settings(kinds=("special", "mainstream_primary"))
    results = [analyse(inputs, settings) for inputs in (live, embedded)]
    for table in ("lsoa", "la_summary"):
        assert list(getattr(results[0], table).columns) == list(getattr(results[1], table).columns)


def test_former_combined_authority_builds_into_a_dated_folder(no_network):
    out = no_network / "maps"
    result = CliRunner().invoke(main, ["build", "--ca", "North of Tyne", "--out", str(out), "--tiles", "none",
                                       "--sites", "0", "--kinds", "ap", "--buffer-miles", "0",
                                       "--supply", "census-2023"])
    assert result.exit_code == 0, result.output
    folder = out / "north-of-tyne-2018-2023"
    assert "North of Tyne (E47000011, 2018-2023)" in _title(folder)
    summary = pd.read_csv(folder / "tables" / "la_summary.csv")
    assert sorted(summary["la_name"]) == ["Newcastle upon Tyne", "North Tyneside", "Northumberland"]
    provision = pd.read_csv(folder / "tables" / "provision.csv")
    assert provision["source"].eq("DfE school census, January 2023").all()
