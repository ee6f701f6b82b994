"""Nomis NM_2014_1 paging on the real Trafford mid-2024 LSOA 2021 estimates, and the IoD File 7 reader."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from http_server import TRAFFORD_FILE, serving

from gapmap.errors import DataFileError, NetworkError
from gapmap.sources import iod, nomis
from gapmap.sources.cache import Cache
from gapmap.sources.config import load_config
from gapmap.sources.http import Downloader


@pytest.fixture
def services(monkeypatch):
    with serving(monkeypatch) as fake:
        yield fake


@pytest.fixture(scope="module")
def trafford() -> pd.DataFrame:
    table = pd.read_csv(TRAFFORD_FILE)
    return table[table["sex"] == "Persons"].sort_values("area_code").reset_index(drop=True)


def _offsets(services) -> list[int]:
    return [int(parse_qs(urlsplit(r).query)["RecordOffset"][0]) for r in services.requests if "/nomis/" in r]


def test_pages_by_record_offset_and_keeps_single_years(services, tmp_path, trafford):
    config = replace(load_config(), nomis_codes_per_query=100)
    codes = list(trafford["area_code"])
    table, vintage = nomis.children_by_lsoa(Downloader(Cache(tmp_path)), config, codes)
    assert vintage == "2024"
    assert list(table["lsoa"]) == codes
    assert table["children_0_15"].tolist() == trafford["aged_0_to_15"].tolist()
    for age in range(16):
        assert table[f"age_{age}"].tolist() == trafford[str(age)].tolist()
    # 139 LSOAs in batches of 100 and 39, 17 ages each, pages of 1,000 rows
    assert _offsets(services) == [0, 1000, 0]


def test_children_from_single_years_when_no_total(services, tmp_path, trafford):
    services.nomis = services.nomis[services.nomis["C_AGE"] != nomis.AGE_0_15]
    table, _ = nomis.children_by_lsoa(Downloader(Cache(tmp_path)), load_config(), list(trafford["area_code"][:3]))
    assert table["children_0_15"].tolist() == trafford["aged_0_to_15"][:3].tolist()


def test_an_empty_page_is_an_error_not_zero_people(services, tmp_path, trafford):
    services.empty_once.add("/nomis/")
    with pytest.raises(NetworkError, match="empty"):
        nomis.children_by_lsoa(Downloader(Cache(tmp_path)), load_config(), list(trafford["area_code"]))
    assert not list(tmp_path.glob("*.data"))
    table, _ = nomis.children_by_lsoa(Downloader(Cache(tmp_path)), load_config(), list(trafford["area_code"]))
    assert table["children_0_15"].sum() == trafford["aged_0_to_15"].sum()


def test_an_lsoa_without_estimates_is_an_error(services, tmp_path, trafford):
    with pytest.raises(DataFileError, match="E01999999"):
        nomis.children_by_lsoa(Downloader(Cache(tmp_path)), load_config(), [trafford["area_code"][0], "E01999999"])


def test_iod_file7_columns(services, tmp_path):
    table, vintage = iod.deprivation_by_lsoa(Downloader(Cache(tmp_path)), load_config(), ["E01011264", "E01999999"])
    assert vintage.startswith("File_7_IoD2025")
    leeds_011a = table.iloc[0]  # IoD2019 values of Leeds 011A served under the File 7 headings
    assert (leeds_011a["imd_rank"], leeds_011a["imd_decile"], leeds_011a["idaci_decile"]) == (13915, 5, 6)
    assert pd.isna(leeds_011a["idaci_score"])  # not in the fixture's source files: left empty
    assert table.iloc[1][list(iod.COLUMNS)].isna().all()


def test_iod_wrong_layout_names_the_column(tmp_path):
    path = tmp_path / "file7.csv"
    path.write_text("LSOA code (2021),Index of Multiple Deprivation (IMD) Score\nE01011264,20.5\n")
    with pytest.raises(DataFileError, match="IMD"):
        iod.read_file7(path, source_name=str(path))
