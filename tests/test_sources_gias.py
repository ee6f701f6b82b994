"""GIAS loader on the real Leeds extract: look-back, SEN units and resourced provision, exclusions."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from http_server import GIAS_FILE, serving

from gapmap.errors import DataFileError, NetworkError
from gapmap.sources import gias
from gapmap.sources.cache import Cache
from gapmap.sources.config import load_config
from gapmap.sources.http import Downloader

SHARED_GIAS = Path(__file__).resolve().parents[2] / "shared" / "data" / "gias" / "edubasealldata_leeds_383_2023-07.csv"
LEEDS = {"383": "E08000035"}


@pytest.fixture
def services(monkeypatch):
    with serving(monkeypatch) as fake:
        yield fake


@pytest.fixture(scope="module")
def gias_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("gias") / "edubasealldata20230703.csv"
    path.write_bytes(gzip.decompress(GIAS_FILE.read_bytes()))
    return path


def _load(raw: pd.DataFrame):
    return gias.provision_from_gias(raw, la_gss=LEEDS, source_label="GIAS test", source_name="GIAS test")


@pytest.mark.skipif(not SHARED_GIAS.is_file(), reason=f"needs {SHARED_GIAS} (absent in a user's clone)")
def test_fixture_is_the_published_file_byte_for_byte():
    assert gzip.decompress(GIAS_FILE.read_bytes()) == SHARED_GIAS.read_bytes()


def test_looks_back_past_a_day_not_yet_published(services, tmp_path):
    today = date.today()
    fetched, day = gias.fetch_gias(Downloader(Cache(tmp_path)), load_config(), today=today)
    assert day == today - timedelta(days=1)
    names = [r.rsplit("/", 1)[-1] for r in services.requests]
    assert names == [f"edubasealldata{today:%Y%m%d}.csv", f"edubasealldata{day:%Y%m%d}.csv"]
    assert fetched.path.read_bytes() == services.gias_body  # cp1252 bytes as published


def test_offline_uses_the_cached_day(services, tmp_path):
    gias.fetch_gias(Downloader(Cache(tmp_path)), load_config())
    services.requests.clear()
    _, day = gias.fetch_gias(Downloader(Cache(tmp_path), offline=True), load_config())
    assert day == date.today() - timedelta(days=1)
    assert services.requests == []


def test_no_file_in_the_window(services, tmp_path):
    config = replace(load_config(), gias_lookback_days=1)
    with pytest.raises(NetworkError, match="YYYYMMDD"):
        gias.fetch_gias(Downloader(Cache(tmp_path)), config)
    with pytest.raises(DataFileError, match="Offline"):
        gias.fetch_gias(Downloader(Cache(tmp_path), offline=True), config)


def test_units_are_provision_of_their_own_kind(gias_csv):
    provision, _ = _load(gias.read_gias(gias_csv, la_codes=["383"], source_name="test"))
    rows = provision.set_index("provision_id")
    garforth = rows.loc["136343-SU"]  # Garforth Academy: SEN unit, capacity 50, 50 on roll
    assert (garforth["kind"], garforth["capacity"], garforth["pupils"]) == ("sen_unit", 50, 50)
    assert garforth["needs"] == "ASD;HI;MLD;OTH;PD;SEMH;SLCN;SLD;SpLD;VI"
    assert garforth.geometry.equals(rows.loc["136343"].geometry)
    both = rows.loc[["107990", "107990-SU", "107990-RP"]]  # St Margaret's: "Resourced provision and SEN unit"
    assert list(both["kind"]) == ["mainstream_primary", "sen_unit", "resourced_provision"]
    assert list(both["capacity"]) == [420, 12, 12]
    assert set(both["needs"]) == {"ASD"}
    assert pd.isna(rows.loc["108058-RP", "capacity"])  # Allerton Grange: resourced provision, capacity not given
    assert rows.loc["108058-RP", "needs"] == "HI"


def test_units_at_special_schools_are_listed_not_counted(gias_csv):
    provision, excluded = _load(gias.read_gias(gias_csv, la_codes=["383"], source_name="test"))
    at_special = excluded[excluded["reason"].str.contains("special school")]
    assert sorted(at_special["record_id"]) == ["108119-RP", "108119-SU", "138380-RP", "142630-SU"]
    assert not provision["provision_id"].isin(at_special["record_id"]).any()


def test_rows_without_a_location_are_excluded_with_their_units(gias_csv):
    raw = gias.read_gias(gias_csv, la_codes=["383"], source_name="test")
    raw.loc[raw["URN"] == "107990", ["Easting", "Northing"]] = pd.NA
    provision, excluded = _load(raw)
    unlocated = excluded[excluded["reason"].str.startswith("no location")]
    assert sorted(unlocated["record_id"]) == ["107990", "107990-RP", "107990-SU"]
    assert not provision["urn"].eq("107990").any()


def test_other_las_and_closed_establishments_are_not_read(gias_csv):
    assert gias.read_gias(gias_csv, la_codes=["384"], source_name="test").empty
    raw = gias.read_gias(gias_csv, la_codes=["383"], source_name="test")
    assert set(raw["EstablishmentStatus (name)"]) == {"Open"}


def test_need_codes():
    values = ["Not Applicable", None, "VI - Visual Impairment", "HI - Hearing Impairment"]
    assert gias.need_codes(pd.Series(values)) == "HI;VI"
    assert gias.need_codes(pd.Series([None, "Not Applicable"])) is None


def test_wrong_layout_names_the_column(tmp_path, gias_csv):
    raw = pd.read_csv(gias_csv, encoding="cp1252", dtype=str).drop(columns=["SEN13 (name)"])
    path = tmp_path / "bad.csv"
    raw.to_csv(path, index=False, encoding="cp1252")
    with pytest.raises(DataFileError, match=r"SEN13 \(name\)"):
        gias.read_gias(path, la_codes=["383"], source_name="bad.csv")
