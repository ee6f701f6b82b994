"""Opt-in smoke test of the public services: one small request each (``pytest -m live``; skipped by default).

Run it when a loader fails in real use, or before a release: it checks that
each service still answers where gapmap asks and in the layout it reads.  It
needs the internet, so the default test run deselects it (``-m "not live"`` in
the pytest options).
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from gapmap.sources import gias, iod, nomis, ons
from gapmap.sources.config import load_config
from gapmap.sources.http import make_session

pytestmark = pytest.mark.live

TIMEOUT = (15, 60)


@pytest.fixture(scope="module")
def session():
    with make_session(retries=2) as live:
        yield live


def _header(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_gias_publishes_a_recent_file_with_the_columns_read(session):
    config = load_config()
    for back in range(config.gias_lookback_days):
        url = gias.file_url(config, date.today() - timedelta(days=back))
        answer = session.get(url, headers={"Range": "bytes=0-8191"}, timeout=TIMEOUT)
        if answer.status_code in (200, 206):
            break
    else:
        pytest.fail(f"no GIAS file in the last {config.gias_lookback_days} days at {config.url('gias')}")
    header = _header(answer.content.decode(gias.ENCODING))
    assert set(gias.REQUIRED_COLUMNS) <= set(header)


def test_ons_lookup_answers_one_feature_with_the_fields_read(session):
    config = load_config()
    service = config.service("lad_to_ca")
    answer = session.get(ons.service_url(config, "lad_to_ca"), timeout=TIMEOUT, params={
        "where": "1=1", "outFields": ",".join(service.fields.values()), "returnGeometry": "false",
        "resultRecordCount": 1, "f": "json"})
    answer.raise_for_status()
    (feature,) = answer.json()["features"]
    assert set(service.fields.values()) <= set(feature["attributes"])


def test_ons_boundaries_answer_geojson_for_one_lsoa(session):
    config = load_config()
    answer = session.get(ons.service_url(config, "lsoa_boundaries"), timeout=TIMEOUT, params={
        "where": "LSOA21CD IN ('E01008162')", "outFields": "LSOA21CD", "returnGeometry": "true", "outSR": 4326,
        "f": "geojson"})
    answer.raise_for_status()
    (feature,) = answer.json()["features"]
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_nomis_answers_children_of_one_lsoa(session):
    config = load_config()
    answer = session.get(nomis.data_url(config), timeout=TIMEOUT, params={**nomis._params(["E01008162"], 0),
                                                                          "c_age": nomis.AGE_0_15})
    answer.raise_for_status()
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert len(rows) == 1 and set(nomis.COLUMNS) <= set(rows[0]) and int(rows[0]["OBS_VALUE"]) > 0


def test_iod_file_7_has_the_headings_read(session):
    config = load_config()
    answer = session.get(config.url("iod"), headers={"Range": "bytes=0-8191"}, timeout=TIMEOUT)
    assert answer.status_code in (200, 206)
    header = _header(answer.content.decode("utf-8", errors="replace"))
    assert iod._layout_problem(header) is None
