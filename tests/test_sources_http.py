"""The download cache and downloader against a local server: retries, truncation, kills, corruption, offline."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from http_server import IOD_PATH, serving

from gapmap.errors import DataFileError, InputError, NetworkError
from gapmap.sources.cache import Cache, default_cache_dir
from gapmap.sources.config import load_config
from gapmap.sources.http import Downloader, csv_validator


@pytest.fixture
def services(monkeypatch, tmp_path):
    monkeypatch.setenv("GAPMAP_CACHE_DIR", str(tmp_path / "default-cache"))
    with serving(monkeypatch) as fake:
        yield fake


def _iod_url() -> str:
    return os.environ["GAPMAP_IOD_URL"]


def _fetch(downloader: Downloader):
    url = _iod_url()
    return downloader.fetch(url, label="IoD file", validate=csv_validator(
        label="IoD file", url_hint=url, columns=["LSOA code (2021)"], encoding="utf-8"))


def _entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*") if p.suffix in (".data", ".json"))


def _hits(services, path: str) -> int:
    return sum(r.startswith(path) for r in services.requests)


def test_entry_records_url_fetch_time_and_checksum(services, tmp_path):
    fetched = _fetch(Downloader(Cache(tmp_path)))
    assert fetched.path.read_bytes() == services.iod_body
    record = json.loads(fetched.path.with_suffix(".json").read_text())
    assert record["url"] == _iod_url()
    assert record["sha256"] == hashlib.sha256(services.iod_body).hexdigest()
    assert record["size"] == len(services.iod_body)
    assert record["fetched_at"].endswith("+00:00")


def test_second_fetch_is_served_from_the_cache(services, tmp_path):
    cache = Cache(tmp_path)
    _fetch(Downloader(cache))
    again = _fetch(Downloader(cache))
    assert again.from_cache
    assert _hits(services, IOD_PATH) == 1


def test_a_500_is_retried_then_succeeds(services, tmp_path):
    services.fail_once.add(IOD_PATH)
    fetched = _fetch(Downloader(Cache(tmp_path)))
    assert fetched.path.read_bytes() == services.iod_body
    assert _hits(services, IOD_PATH) == 2


def test_truncated_body_leaves_no_cache_entry(services, tmp_path):
    services.truncate_once.add(IOD_PATH)
    with pytest.raises(NetworkError, match="cut short"):
        _fetch(Downloader(Cache(tmp_path)))
    assert _entries(tmp_path) == []
    assert not list(tmp_path.glob(".part-*"))
    assert _fetch(Downloader(Cache(tmp_path))).path.read_bytes() == services.iod_body


def test_killed_download_leaves_no_cache_entry(services, tmp_path):
    services.stall.add(IOD_PATH)
    script = (
        "import sys; from pathlib import Path; from gapmap.sources.cache import Cache; "
        "from gapmap.sources.http import Downloader; "
        "Downloader(Cache(Path(sys.argv[1]))).fetch(sys.argv[2], label='IoD file', validate=lambda p: None)"
    )
    process = subprocess.Popen([sys.executable, "-c", script, str(tmp_path), _iod_url()])
    try:
        assert services.half_sent.wait(30), "the download never started"
        time.sleep(0.3)  # let the child write what it received
    finally:
        process.kill()
        process.wait()
    assert _entries(tmp_path) == []
    assert Cache(tmp_path).get(_iod_url()) is None
    services.stall.clear()
    assert _fetch(Downloader(Cache(tmp_path))).path.read_bytes() == services.iod_body


def test_corrupt_entry_is_reported_offline_and_refetched_online(services, tmp_path):
    cache = Cache(tmp_path)
    fetched = _fetch(Downloader(cache))
    with open(fetched.path, "ab") as handle:
        handle.write(b"garbage")
    with pytest.raises(DataFileError, match="corrupt"):
        _fetch(Downloader(cache, offline=True))
    again = _fetch(Downloader(cache))
    assert not again.from_cache
    assert again.path.read_bytes() == services.iod_body
    assert cache.get(_iod_url()).intact
    assert _hits(services, IOD_PATH) == 2


def test_offline_miss_names_the_url(services, tmp_path):
    with pytest.raises(DataFileError, match="not in the cache") as error:
        _fetch(Downloader(Cache(tmp_path), offline=True))
    assert _iod_url() in str(error.value)
    assert services.requests == []


@pytest.mark.parametrize("fault, message", [("empty_once", "empty"), ("html_once", "web page")])
def test_empty_or_html_answers_are_not_cached(services, tmp_path, fault, message):
    getattr(services, fault).add(IOD_PATH)
    with pytest.raises(NetworkError, match=message):
        _fetch(Downloader(Cache(tmp_path)))
    assert _entries(tmp_path) == []


def test_refresh_downloads_again_once_per_run(services, tmp_path):
    cache = Cache(tmp_path)
    _fetch(Downloader(cache))
    downloader = Downloader(cache, refresh=True)
    assert not _fetch(downloader).from_cache
    assert _fetch(downloader).from_cache
    assert _hits(services, IOD_PATH) == 2


def test_404(services, tmp_path):
    downloader = Downloader(Cache(tmp_path))
    url = os.environ["GAPMAP_GIAS_URL"] + "nothing.csv"
    assert downloader.fetch(url, label="x", validate=lambda p: None, missing_ok=True) is None
    with pytest.raises(NetworkError, match="404"):
        downloader.fetch(url, label="x", validate=lambda p: None)
    assert _entries(tmp_path) == []


def test_cache_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("GAPMAP_CACHE_DIR", str(tmp_path / "env"))
    assert default_cache_dir(tmp_path / "arg") == tmp_path / "arg"
    assert default_cache_dir() == tmp_path / "env"
    monkeypatch.delenv("GAPMAP_CACHE_DIR")
    assert "gapmap" in str(default_cache_dir())


def test_config_file_and_environment(monkeypatch, tmp_path):
    path = tmp_path / "gapmap.json"
    path.write_text(json.dumps({
        "urls": {"gias": "https://mirror.example/gias/", "nomis": "https://mirror.example/nomis/"},
        "ons_services": {"lsoa_boundaries": {"service": "LSOA_2021_EW_BGC_V6"}},
        "ons_page_size": 500,
    }))
    monkeypatch.setenv("GAPMAP_CONFIG", str(path))
    monkeypatch.setenv("GAPMAP_NOMIS_URL", "https://proxy.example/nomis/")
    monkeypatch.delenv("GAPMAP_GIAS_URL", raising=False)
    config = load_config()
    assert config.url("gias") == "https://mirror.example/gias/"
    assert config.url("nomis") == "https://proxy.example/nomis/"  # the environment wins
    assert config.service("lsoa_boundaries").service == "LSOA_2021_EW_BGC_V6"
    assert config.service("lsoa_boundaries").fields == {"lsoa": "LSOA21CD"}
    assert config.ons_page_size == 500
    path.write_text(json.dumps({"ons_service": {}}))
    with pytest.raises(InputError, match="unknown key"):
        load_config()
