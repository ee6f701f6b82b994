"""Every download is bounded and no bad body enters the cache (issue 17).

Against the local services of :mod:`http_server`: a long ``Retry-After`` is
capped, a trickling body hits the per-download deadline, a gzip body that
inflates past the source's bound is refused, ``.part-*`` files never outlive a
download, DNS failures say so, ArcGIS pages are asked with pinned parameters
and paged through empty "more remain" answers, GIAS and ArcGIS content is
checked before caching, and errors about cached content name ``--refresh``.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import socket
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import geopandas as gpd
import pandas as pd
import pytest
from http_server import FIXTURES, GIAS_FILE, IOD_PATH, serving

from gapmap.errors import DataFileError, NetworkError
from gapmap.sources import gias, nomis, ons
from gapmap.sources.cache import STALE_PART_S, Cache
from gapmap.sources.config import load_config
from gapmap.sources.http import MAX_RETRY_AFTER_S, USER_AGENT, CappedRetry, Downloader, csv_validator, make_session

LEEDS = {"383": "E08000035"}
LAD_TO_CA = "LAD25_CAUTH25_EN_LU"


@pytest.fixture
def services(monkeypatch):
    with serving(monkeypatch) as fake:
        yield fake


@pytest.fixture(scope="module")
def leeds_polygon() -> gpd.GeoDataFrame:
    return gpd.read_file(FIXTURES / "leeds_lad_2025.geojson").to_crs(27700).assign(la_gss="E08000035")


def _downloader(cache: Path, **options) -> Downloader:
    return Downloader(Cache(cache), session=make_session(retries=2, backoff_factor=0, max_retry_after=0.2),
                      timeout=(2.0, 2.0), **options)


def _iod(downloader: Downloader, **options):
    url = os.environ["GAPMAP_IOD_URL"]
    return downloader.fetch(url, label="IoD file", validate=csv_validator(
        label="IoD file", url_hint=url, columns=["LSOA code (2021)"], encoding="utf-8"), **options)


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _queries(services, service: str) -> list[dict[str, str]]:
    return [{k: v[0] for k, v in parse_qs(urlsplit(r).query).items()} for r in services.requests
            if f"/{service}/" in r]


def _gias_table() -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(gzip.decompress(GIAS_FILE.read_bytes())), encoding="cp1252", dtype=str,
                       keep_default_na=False)


# -- bounds on time and size -----------------------------------------------------------------------------


def test_a_huge_retry_after_is_capped():
    assert CappedRetry(total=3).parse_retry_after("100000") == MAX_RETRY_AFTER_S == 60
    assert CappedRetry(total=3, retry_after_cap=5).new(total=2).parse_retry_after("100000") == 5
    assert CappedRetry(total=3).parse_retry_after("7") == 7


def test_a_503_asking_to_wait_100000_seconds_waits_only_the_cap(services, tmp_path):
    services.statuses[IOD_PATH] = [503]
    services.retry_after = "100000"
    started = time.monotonic()
    fetched = _iod(_downloader(tmp_path))
    assert time.monotonic() - started < 10  # the cap is 0.2 s here; obeying the header would take 28 hours
    assert fetched.path.read_bytes() == services.iod_body


def test_a_trickling_body_is_stopped_at_the_deadline_and_not_cached(services, tmp_path):
    services.trickle.add(IOD_PATH)  # one byte every 0.05 s: each read is quick, the body never ends
    with pytest.raises(NetworkError, match=r"did not finish within 0\.5 seconds") as error:
        _iod(_downloader(tmp_path, deadline=0.5))
    assert os.environ["GAPMAP_IOD_URL"] in str(error.value)
    assert _files(tmp_path) == []


def test_a_gzip_body_that_inflates_past_the_bound_is_refused(services, tmp_path):
    services.gzip_bomb[IOD_PATH] = 8 * 2**20  # 8 MiB of zeros, about 8 KB on the wire
    with pytest.raises(NetworkError, match=r"larger than 1 MiB \(after decompression\)"):
        _iod(_downloader(tmp_path), max_bytes=2**20)
    assert _files(tmp_path) == []


def test_part_files_left_by_a_killed_process_are_removed_by_the_next_download(services, tmp_path):
    tmp_path.mkdir(exist_ok=True)
    old, fresh = tmp_path / ".part-killed", tmp_path / ".part-running"
    old.write_bytes(b"half a body")
    fresh.write_bytes(b"another run's download in progress")
    os.utime(old, (time.time() - STALE_PART_S - 60,) * 2)
    _iod(_downloader(tmp_path))
    assert not old.exists() and fresh.exists()
    assert not [p for p in tmp_path.glob(".part-*") if p != fresh]


def test_part_file_is_removed_when_the_download_is_interrupted(services, tmp_path, monkeypatch):
    def interrupted(path):
        raise KeyboardInterrupt

    url = os.environ["GAPMAP_IOD_URL"]
    with pytest.raises(KeyboardInterrupt):
        _downloader(tmp_path).fetch(url, label="IoD file", validate=interrupted)
    assert _files(tmp_path) == []


def test_a_dns_failure_is_reported_as_one_not_as_a_timeout(tmp_path, monkeypatch):
    def no_such_host(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    with pytest.raises(NetworkError, match=r"the server's name could not be found \(DNS\)") as error:
        _downloader(tmp_path).fetch("http://gias.example.invalid/x.csv", label="GIAS establishments",
                                    validate=lambda path: None)
    assert "seconds" not in str(error.value)
    assert _files(tmp_path) == []


def test_the_user_agent_names_the_distribution_on_pypi(services, tmp_path):
    assert make_session().headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("gapmap/") and USER_AGENT.endswith("(+https://pypi.org/project/gapmap-send/)")


# -- ArcGIS: pinned parameters, empty pages, empty answers ------------------------------------------------


def test_arcgis_queries_carry_exactly_the_documented_parameters(services, tmp_path):
    ons.lsoa_boundaries(_downloader(tmp_path), load_config(), ["E01011265", "E01011264"])
    (query,) = _queries(services, "Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BGC_V5")
    assert query == {
        "where": "LSOA21CD IN ('E01011265', 'E01011264')",
        "outFields": "LSOA21CD",
        "returnGeometry": "true",
        "outSR": "4326",
        "orderByFields": "LSOA21CD",
        "resultOffset": "0",
        "resultRecordCount": "1000",
        "f": "geojson",
    }
    ons.lad_to_ca(_downloader(tmp_path), load_config())
    first = _queries(services, LAD_TO_CA)[0]
    assert first == {"where": "1=1", "outFields": "LAD25CD,LAD25NM,CAUTH25CD,CAUTH25NM", "returnGeometry": "false",
                     "outSR": "4326", "orderByFields": "LAD25CD", "resultOffset": "0", "resultRecordCount": "1000",
                     "f": "json"}


def test_nomis_and_gias_requests_are_pinned(services, tmp_path):
    nomis.children_by_lsoa(_downloader(tmp_path), load_config(), ["E01011265"])
    (request,) = [r for r in services.requests if r.startswith("/nomis/")]
    assert urlsplit(request).path == "/nomis/dataset/NM_2014_1.data.csv"
    assert {k: v[0] for k, v in parse_qs(urlsplit(request).query).items()} == {
        "geography": "E01011265", "date": "latest", "gender": "0",
        "c_age": "201,101,102,103,104,105,106,107,108,109,110,111,112,113,114,115,116", "measures": "20100",
        "select": "date,geography_code,geography_name,c_age,obs_value,record_count", "RecordOffset": "0",
    }
    gias.fetch_gias(_downloader(tmp_path), load_config(), today=date(2023, 7, 4))
    assert [r for r in services.requests if r.startswith("/gias/")] == ["/gias/edubasealldata20230704.csv"]


def test_paging_continues_through_an_empty_page_that_says_more_remain(services, tmp_path):
    """ArcGIS may answer zero features with exceededTransferLimit true: gapmap asks again for fewer, skipping none."""
    services.ons[LAD_TO_CA].max_records = 1000
    services.arcgis_most_records[LAD_TO_CA] = 40
    table = ons.lad_to_ca(_downloader(tmp_path), load_config())
    assert len(table) == 106 and table["lad"].is_unique  # every row of the fixture, as without the fault
    asked = [(q["resultOffset"], q["resultRecordCount"]) for q in _queries(services, LAD_TO_CA)]
    assert asked == [("0", "1000"), ("0", "500"), ("0", "250"), ("0", "125"), ("0", "62"), ("0", "31"),
                     ("31", "31"), ("62", "31"), ("93", "31")]


def test_an_arcgis_answer_with_no_features_is_refused_and_not_cached(services, tmp_path):
    services.ons[LAD_TO_CA].features.clear()
    try:
        with pytest.raises(NetworkError, match="answered with no features"):
            ons.lad_to_ca(_downloader(tmp_path), load_config())
    finally:
        services.ons.clear()  # the layers are shared (lru_cache) with other tests: rebuild them next time
        from http_server import ons_layers
        ons_layers.cache_clear()
    assert not list(tmp_path.glob("*.data"))


# -- GIAS content before caching, and after ----------------------------------------------------------------


def test_schools_of_another_country_give_no_supply_and_a_clear_error(services, tmp_path, leeds_polygon):
    table = _gias_table()
    services.gias_body = table.assign(**{"LA (code)": "665"}).to_csv(index=False).encode("cp1252")  # Welsh LA
    with pytest.raises(DataFileError, match="lists no open establishment in the LA.* studied .*no supply") as error:
        gias.load_gias(_downloader(tmp_path), load_config(), la_gss=LEEDS, las=leeds_polygon)
    assert "--refresh" in str(error.value)


def test_bad_counts_and_ages_are_excluded_with_the_true_reason(services, tmp_path, leeds_polygon):
    table = _gias_table()
    row = {urn: table.index[table["URN"] == urn][0] for urn in ("107809", "107810", "107813", "107817")}
    table.loc[row["107809"], "SchoolCapacity"] = "-40"
    table.loc[row["107810"], "SchoolCapacity"] = "999999999999"
    table.loc[row["107813"], "NumberOfPupils"] = "forty"
    table.loc[row["107817"], ["StatutoryLowAge", "StatutoryHighAge"]] = ["11", "4"]
    services.gias_body = table.to_csv(index=False).encode("cp1252")
    provision, excluded, _ = gias.load_gias(_downloader(tmp_path), load_config(), la_gss=LEEDS, las=leeds_polygon)
    reasons = excluded.set_index("record_id")["reason"]
    assert reasons["107809"] == "SchoolCapacity '-40' is not a whole number from 0 to 20,000"
    assert reasons["107810"] == "SchoolCapacity '999999999999' is not a whole number from 0 to 20,000"
    assert reasons["107813"] == "NumberOfPupils 'forty' is not a whole number from 0 to 20,000"
    assert reasons["107817"] == "StatutoryLowAge 11 is above StatutoryHighAge 4: the age range cannot be used"
    assert not set(provision["provision_id"]) & set(row)
    assert "np.int64" not in " ".join(reasons)


def test_an_error_from_a_cached_gias_file_names_refresh(services, tmp_path, leeds_polygon):
    downloader = _downloader(tmp_path)
    gias.fetch_gias(downloader, load_config())  # a good file, now cached
    far_away = leeds_polygon.translate(xoff=-300_000).to_frame("geometry").assign(la_gss="E08000035")
    with pytest.raises(DataFileError, match="None of the .* lies in England in or near its own LA") as error:
        gias.load_gias(_downloader(tmp_path), load_config(), la_gss=LEEDS, las=far_away)
    assert "read from the download cache" in str(error.value) and "--refresh" in str(error.value)


def test_offline_uses_the_newest_cached_gias_file_of_any_age_and_says_its_date(services, tmp_path, caplog):
    old = date.today() - timedelta(days=25)  # beyond the 21-day look-back of downloads
    gias.fetch_gias(_downloader(tmp_path), load_config(), today=old)
    gias.fetch_gias(_downloader(tmp_path), load_config(), today=old - timedelta(days=3))
    services.requests.clear()
    with caplog.at_level(logging.WARNING, logger="gapmap.sources.gias"):
        fetched, day = gias.fetch_gias(Downloader(Cache(tmp_path), offline=True), load_config())
    assert day == old and "edubasealldata" in fetched.url and fetched.from_cache
    assert services.requests == []
    assert f"cached GIAS file of {old:%d-%m-%Y} (25 days old)" in caplog.text


def test_offline_without_any_cached_gias_file_says_so(tmp_path):
    with pytest.raises(DataFileError, match="Offline, and no GIAS file .*YYYYMMDD.csv is in the cache"):
        gias.fetch_gias(Downloader(Cache(tmp_path), offline=True), load_config())


def test_nomis_counts_beyond_any_lsoa_are_refused_naming_refresh(services, tmp_path):
    services.nomis.loc[services.nomis["GEOGRAPHY_CODE"] == "E01011265", "OBS_VALUE"] = 999_999
    with pytest.raises(DataFileError, match="population of 999999 for E01011265.*--refresh"):
        nomis.children_by_lsoa(_downloader(tmp_path), load_config(), ["E01011265"])
