"""A build of Leeds (E08000035) from the live loaders pointed at a local server, then offline from the cache."""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from click.testing import CliRunner
from geopandas.testing import assert_geodataframe_equal
from http_server import FIXTURES, GIAS_FILE, serving

from gapmap.build import build
from gapmap.cli import main
from gapmap.errors import DataFileError, InputError
from gapmap.model import classify
from gapmap.sources.live import fetch_live, load_live

OPEN = ("Open", "Open, but proposed to close")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def online(cache_dir):
    """Leeds loaded through the local server; the server is stopped afterwards."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        with serving(monkeypatch) as services:
            inputs = load_live(la="E08000035", cache_dir=cache_dir)
        yield inputs, services


@pytest.fixture(scope="module")
def offline(online, cache_dir):
    """The same area, loaded with the server stopped, from the cache only."""
    return load_live(la="E08000035", cache_dir=cache_dir, offline=True)


def _raw_gias() -> list[dict[str, str]]:
    with gzip.open(GIAS_FILE) as handle:
        return list(csv.DictReader(io.TextIOWrapper(handle, encoding="cp1252", newline="")))


def _number(text: str) -> int:
    return int(text) if text.strip().isdigit() else 0


def test_leeds_inputs(online):
    inputs, _ = online
    assert (inputs.name, inputs.slug) == ("Leeds", "leeds")
    assert inputs.las[["la_gss", "la_code", "la_name"]].values.tolist() == [["E08000035", "383", "Leeds"]]
    assert len(inputs.lsoas) == 482 and (inputs.lsoas["la_gss"] == "E08000035").all()
    population = pd.read_csv(FIXTURES / "leeds_children_0_15_mid2015_iod2019_file6.csv")
    assert inputs.lsoas["children_0_15"].sum() == population.iloc[:, 2].sum()
    assert inputs.lsoas.crs.to_epsg() == inputs.provision.crs.to_epsg() == 27700
    units = inputs.provision[inputs.provision["kind"].isin(["sen_unit", "resourced_provision"])]
    assert set(units["kind"]) == {"sen_unit", "resourced_provision"}
    assert units["capacity"].notna().sum() >= 18 and units["needs"].notna().all()
    assert inputs.vintages["Children aged 0-15"].endswith("2015")
    # the fixture has no single years of age and no IDACI score: the optional columns are absent, not null
    assert not {"age_0", "idaci_score"} & set(inputs.lsoas.columns)
    assert inputs.lsoas[["imd_score", "imd_decile", "idaci_decile"]].notna().all().all()


def test_counts_reconcile_with_the_raw_gias_file(online):
    """Per kind, establishments and unit places equal an independent read of the published CSV."""
    inputs, _ = online
    sites: Counter[str] = Counter()
    places: Counter[str] = Counter()
    on_roll: Counter[str] = Counter()
    for row in _raw_gias():
        if row["EstablishmentStatus (name)"] not in OPEN or row["LA (code)"] != "383":
            continue
        found = classify(row["TypeOfEstablishment (name)"], row["PhaseOfEducation (name)"] or None)
        if found is None:
            continue
        sites[found[0]] += 1
        if found[0] in ("special", "ap"):
            continue
        for kind, word, capacity, roll in (
            ("sen_unit", "SEN unit", "SenUnitCapacity", "SenUnitOnRoll"),
            ("resourced_provision", "Resourced provision", "ResourcedProvisionCapacity", "ResourcedProvisionOnRoll"),
        ):
            if word in row["TypeOfResourcedProvision (name)"] or _number(row[capacity]) or _number(row[roll]):
                sites[kind] += 1
                places[kind] += _number(row[capacity])
                on_roll[kind] += _number(row[roll])
    provision = inputs.provision
    assert provision["kind"].value_counts().to_dict() == dict(sites)
    for kind in ("sen_unit", "resourced_provision"):
        rows = provision[provision["kind"] == kind]
        assert rows["capacity"].sum() == places[kind]
        assert rows["pupils"].sum() == on_roll[kind]
    assert (sites["sen_unit"], places["sen_unit"]) == (2, 62)  # St Margaret's 12 + Garforth Academy 50


def test_every_open_establishment_is_used_or_excluded_with_a_reason(online):
    inputs, _ = online
    urns = {r["URN"] for r in _raw_gias() if r["EstablishmentStatus (name)"] in OPEN}
    used = set(inputs.provision["urn"])
    excluded = set(inputs.excluded["record_id"])
    assert urns == used | (excluded & urns)
    assert not used & excluded
    assert inputs.excluded["reason"].str.len().gt(0).all()


def test_no_boundary_query_covers_the_whole_country(online):
    _, services = online
    for request in services.requests:
        parts = urlsplit(request)
        if "Boundaries" in parts.path or "PWC" in parts.path:
            where = parse_qs(parts.query)["where"][0]
            assert " IN (" in where or where.endswith("LIKE 'E0%'") and "returnGeometry=false" in request


def test_offline_run_from_the_cache_gives_the_same_inputs(online, offline):
    inputs, _ = online
    assert_geodataframe_equal(offline.provision, inputs.provision, check_crs=True)
    assert_geodataframe_equal(offline.lsoas, inputs.lsoas, check_crs=True)
    assert_geodataframe_equal(offline.las, inputs.las, check_crs=True)
    assert offline.vintages == inputs.vintages


def test_build_from_the_cache_writes_the_outputs(offline, tmp_path):
    target = build(offline, out=tmp_path, tiles=None)
    assert target == tmp_path / "leeds"
    assert {"index.html", "map.html", "gapmap.gpkg", "tables"} <= {p.name for p in target.iterdir()}
    provision = pd.read_csv(target / "tables" / "provision.csv", dtype={"provision_id": str})
    assert {"136343-SU", "107990-SU", "107990-RP"} <= set(provision["provision_id"])


def test_offline_without_a_cache_names_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("GAPMAP_ONS_URL", "http://127.0.0.1:9/ons/")
    with pytest.raises(DataFileError, match="not in the cache") as error:
        load_live(la="E08000035", cache_dir=tmp_path, offline=True)
    assert "http://127.0.0.1:9/ons/" in str(error.value)


def test_offline_and_refresh_contradict(tmp_path):
    with pytest.raises(InputError, match="contradict"):
        load_live(la="383", cache_dir=tmp_path, offline=True, refresh=True)


def test_fetch_reports_what_it_fetched(tmp_path, monkeypatch):
    with serving(monkeypatch):
        first = fetch_live(la="383", cache_dir=tmp_path).set_index("dataset")
        second = fetch_live(la="383", cache_dir=tmp_path).set_index("dataset")
    gias = first.loc["GIAS establishments"]
    assert (gias["rows"], gias["downloaded"]) == (320, 1)
    assert gias["bytes"] == len(gzip.decompress(GIAS_FILE.read_bytes()))
    assert gias["vintage"].startswith("DfE Get Information about Schools")
    assert first.loc["Nomis population estimates", "rows"] == 482
    assert first["downloaded"].gt(0).all()
    assert second["downloaded"].eq(0).all()


def test_cli_fetch_then_offline_build(tmp_path, monkeypatch):
    cache = str(tmp_path / "cache")
    with serving(monkeypatch):
        fetched = CliRunner().invoke(main, ["fetch", "--la", "E08000035", "--cache-dir", cache])
    assert fetched.exit_code == 0, fetched.output
    assert "GIAS establishments" in fetched.output and "NM_2014_1" in fetched.output
    built = CliRunner().invoke(main, ["build", "--la", "383", "--cache-dir", cache, "--offline",
                                      "--out", str(tmp_path / "maps"), "--tiles", "none"])
    assert built.exit_code == 0, built.output
    assert (tmp_path / "maps" / "leeds" / "index.html").is_file()
    unknown = CliRunner().invoke(main, ["build", "--la", "E08000099", "--cache-dir", cache, "--offline"])
    assert unknown.exit_code == 2 and "did you mean" in unknown.output and "Traceback" not in unknown.output
    assert CliRunner().invoke(main, ["build", "--offline"]).exit_code == 2  # --offline needs --ca/--la
