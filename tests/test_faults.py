"""Fault injection against the local services: each fault is retried to success or fails clearly, never cached.

Every test runs the real downloader (urllib3 retries on a requests session)
against :mod:`http_server` on 127.0.0.1, with short timeouts and no backoff so
that the suite stays fast.  After a failure the cache folder must hold no
entry and no partial file; after a recovery it holds exactly the good body.
"""

from __future__ import annotations

import gzip
import io
import json
import os
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from geopandas.testing import assert_geodataframe_equal
from http_server import GIAS_FILE, IOD_PATH, serving

from gapmap.cli import main
from gapmap.errors import NetworkError
from gapmap.sources import gias, iod, ons
from gapmap.sources.cache import Cache
from gapmap.sources.config import load_config
from gapmap.sources.http import Downloader, make_session
from gapmap.sources.live import load_live

RETRIES = 2
TIMEOUT = (2.0, 0.5)
LSOA_SERVICE = "/ons/Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BGC_V5/"
NOMIS_PATH = "/nomis/dataset/NM_2014_1.data.csv"


@pytest.fixture
def services(monkeypatch):
    with serving(monkeypatch) as fake:
        fake.delay_s = 1.5  # three times the read timeout
        yield fake


def _downloader(cache: Path) -> Downloader:
    return Downloader(Cache(cache), session=make_session(retries=RETRIES, backoff_factor=0), timeout=TIMEOUT)


def _cache_files(folder: Path) -> list[str]:
    """Every file in the cache folder: entries (``.data``/``.json``) and leftovers (``.part-*``)."""
    return sorted(p.name for p in folder.glob("*")) if folder.exists() else []


def _hits(services, path: str) -> int:
    return sum(r.startswith(path) for r in services.requests)


def _iod(downloader: Downloader):
    return downloader.fetch(os.environ["GAPMAP_IOD_URL"], label=iod.LABEL, validate=iod._validator(
        os.environ["GAPMAP_IOD_URL"]))


def _gias_path() -> str:
    return f"/gias/edubasealldata{date.today() - timedelta(days=1):%Y%m%d}.csv"


# -- recovered by a retry ------------------------------------------------------------------------


@pytest.mark.parametrize("fault", [
    pytest.param({"statuses": [500, 502]}, id="two-5xx"),
    pytest.param({"statuses": [429]}, id="429-retry-after"),
    pytest.param({"statuses": [503, 504]}, id="503-then-504"),
    pytest.param({"reset": 2}, id="connection-resets"),
    pytest.param({"delay": 1}, id="answer-after-the-timeout"),
])
def test_transient_fault_is_retried_to_success(services, tmp_path, fault):
    (name, value), = fault.items()
    getattr(services, name)[IOD_PATH] = value
    faults = len(value) if isinstance(value, list) else value
    fetched = _iod(_downloader(tmp_path))
    assert fetched.path.read_bytes() == services.iod_body
    assert Cache(tmp_path).get(os.environ["GAPMAP_IOD_URL"]).intact
    assert _hits(services, IOD_PATH) == 1 + faults


# -- clear failure, nothing cached -----------------------------------------------------------------


@pytest.mark.parametrize("fault, message", [
    pytest.param({"statuses": [503] * (RETRIES + 1)}, "failed with HTTP 503 after retries", id="5xx-persists"),
    pytest.param({"statuses": [429] * (RETRIES + 1)}, "failed with HTTP 429 after retries", id="429-persists"),
    pytest.param({"reset": RETRIES + 1}, r"after retries \(the connection was (reset|broken)\)", id="resets-persist"),
    pytest.param({"delay": RETRIES + 1}, r"after retries \(no answer within 0.5 seconds\)", id="timeouts-persist"),
    pytest.param({"truncate_once": {IOD_PATH}},
                 r"cut short \((\d+ of \d+ bytes|the connection closed before the whole body arrived)\)",
                 id="truncated-body"),
    pytest.param({"unframed_truncate_once": {IOD_PATH}}, "cut short",
                 id="truncated-body-without-length"),
    pytest.param({"html_once": {IOD_PATH}}, "web page, not data", id="html-error-page"),
    pytest.param({"empty_once": {IOD_PATH}}, "came back empty", id="empty-200"),
])
def test_persistent_fault_fails_clearly_and_caches_nothing(services, tmp_path, fault, message):
    for name, value in fault.items():
        target = getattr(services, name)
        target.update({IOD_PATH: value} if isinstance(target, dict) else value)
    with pytest.raises(NetworkError, match=message) as error:
        _iod(_downloader(tmp_path))
    assert os.environ["GAPMAP_IOD_URL"] in str(error.value)
    assert "\n" not in str(error.value)
    assert _cache_files(tmp_path) == []
    services.delay.clear()
    services.reset.clear()
    services.statuses.clear()
    assert _iod(_downloader(tmp_path)).path.read_bytes() == services.iod_body  # the next run recovers


def test_stall_mid_body_is_cut_short_and_not_cached(services, tmp_path):
    services.stall.add(IOD_PATH)
    with pytest.raises(NetworkError, match=r"cut short \(no answer within 0.5 seconds\)"):
        _iod(_downloader(tmp_path))
    assert _cache_files(tmp_path) == []


def test_changed_gias_layout_is_refused_before_caching(services, tmp_path):
    table = pd.read_csv(io.BytesIO(services.gias_body), encoding="cp1252", dtype=str)
    services.gias_body = table.rename(columns={"Easting": "X"}).to_csv(index=False).encode("cp1252")
    with pytest.raises(NetworkError, match=r"missing Easting\): the publisher may have changed its layout") as error:
        gias.fetch_gias(_downloader(tmp_path), load_config())
    assert _gias_path() in str(error.value)
    assert _cache_files(tmp_path) == []


def test_changed_iod_layout_is_refused_before_caching(services, tmp_path):
    table = pd.read_csv(io.BytesIO(services.iod_body))
    services.iod_body = table.drop(columns=table.columns[table.columns.str.contains("IMD")]).to_csv(
        index=False).encode()
    with pytest.raises(NetworkError, match="changed its layout"):
        _iod(_downloader(tmp_path))
    assert _cache_files(tmp_path) == []


def test_truncated_gias_without_length_is_refused(services, tmp_path):
    services.unframed_truncate_once.add(_gias_path())
    with pytest.raises(NetworkError, match="cut short"):
        gias.fetch_gias(_downloader(tmp_path), load_config())
    assert _cache_files(tmp_path) == []
    fetched, _ = gias.fetch_gias(_downloader(tmp_path), load_config())
    assert fetched.path.read_bytes() == gzip.decompress(GIAS_FILE.read_bytes())


def test_truncated_arcgis_json_is_refused(services, tmp_path):
    services.unframed_truncate_once.add(LSOA_SERVICE)
    with pytest.raises(NetworkError, match="not valid JSON"):
        ons.lsoa_boundaries(_downloader(tmp_path), load_config(), ["E01011229"])
    assert _cache_files(tmp_path) == []


# -- a whole area through the faults ---------------------------------------------------------------


def test_live_load_recovers_from_faults_on_every_service(monkeypatch, tmp_path):
    """Resets, 5xx and 429 on GIAS, ONS, Nomis and IoD are retried: the inputs equal a clean load."""
    with serving(monkeypatch) as services:
        clean = load_live(la="E08000035", cache_dir=tmp_path / "clean")
        services.requests.clear()
        services.reset.update({_gias_path(): 1, NOMIS_PATH: 1})
        services.statuses.update({LSOA_SERVICE: [503], IOD_PATH: [429, 500]})
        faulty = load_live(la="E08000035", cache_dir=tmp_path / "faulty")
    assert _hits(services, IOD_PATH) == 3 and _hits(services, _gias_path()) == 2
    assert_geodataframe_equal(faulty.provision, clean.provision, check_crs=True)
    assert_geodataframe_equal(faulty.lsoas, clean.lsoas, check_crs=True)
    assert _cache_files(tmp_path / "faulty") == _cache_files(tmp_path / "clean")


def test_cut_short_live_load_keeps_the_cache_clean_and_a_rerun_recovers(monkeypatch, tmp_path):
    with serving(monkeypatch) as services:
        services.truncate_once.add(_gias_path())
        with pytest.raises(NetworkError, match="cut short"):
            load_live(la="E08000035", cache_dir=tmp_path)
        assert not list(tmp_path.glob(".part-*"))
        for meta in tmp_path.glob("*.json"):  # the entries kept are the good bodies fetched before the fault
            entry = Cache(tmp_path).get(json.loads(meta.read_text())["url"])
            assert entry.intact and "edubasealldata" not in entry.url
        again = load_live(la="E08000035", cache_dir=tmp_path)
    assert len(again.provision) > 0


def test_cli_reports_a_network_failure_in_one_sentence_with_exit_3(monkeypatch, tmp_path):
    out, cache = tmp_path / "maps", tmp_path / "cache"
    with serving(monkeypatch) as services:
        services.html_once.add("/ons/")
        result = CliRunner().invoke(main, ["build", "--la", "383", "--out", str(out), "--cache-dir", str(cache)])
    assert result.exit_code == NetworkError.exit_code == 3
    assert result.output.startswith("Error: The ONS ") and "is a web page, not data" in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert not out.exists() and _cache_files(cache) == []
