"""A local stand-in for the public services (GIAS, ONS ArcGIS, Nomis, IoD), serving the real fixtures.

:class:`FakeServices` runs a stdlib ``ThreadingHTTPServer`` on 127.0.0.1 in a
thread and answers like the real services: GIAS daily files with 404 for days
not published, ArcGIS ``query`` with ``where``/``resultOffset``/
``resultRecordCount`` paging and ``exceededTransferLimit``, Nomis CSV pages
with ``RecordOffset`` and ``RECORD_COUNT``.  Faults can be injected per path:
a 500 before success, a run of 429/5xx answers, a connection reset, an answer delayed past the
client's timeout, a body cut short (with or without ``Content-Length``), an empty 200, an HTML
page, a stalled download, a body trickled a byte at a time, a gzip body that inflates far beyond its
size, a ``Retry-After`` of any length, and ArcGIS pages answered empty (but "more remain") when
they ask for too many features.

:func:`leeds_services` loads it with the fixtures of ``tests/fixtures``
(provenance and vintages in ``tests/fixtures/SOURCES.md``).
"""

from __future__ import annotations

import gzip
import io
import json
import re
import socket
import struct
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qs, urlsplit

import geopandas as gpd
import pandas as pd

FIXTURES = Path(__file__).resolve().parent / "fixtures"
GIAS_FILE = FIXTURES / "gias_edubasealldata_leeds_383_2023-07.csv.gz"
TRAFFORD_FILE = FIXTURES / "trafford_lsoa21_mid2024_single_year_of_age.csv.gz"
IOD_PATH = "/iod/File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv"
NOMIS_COLUMNS = ["DATE", "GEOGRAPHY_CODE", "GEOGRAPHY_NAME", "C_AGE", "OBS_VALUE", "RECORD_COUNT"]


@dataclass
class Layer:
    """One ArcGIS feature service: features as (attributes, GeoJSON geometry or None)."""

    features: list[tuple[dict[str, object], dict | None]]
    max_records: int = 100


@dataclass
class FakeServices:
    """State and behaviour of the local services; see the module docstring."""

    gias_body: bytes = b""
    ons: dict[str, Layer] = field(default_factory=dict)
    nomis: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=NOMIS_COLUMNS[:-1]))
    nomis_page_rows: int = 25_000
    iod_body: bytes = b""
    fail_once: set[str] = field(default_factory=set)  # path prefixes answered 500 once
    truncate_once: set[str] = field(default_factory=set)  # path prefixes whose body is cut short once
    empty_once: set[str] = field(default_factory=set)  # path prefixes answered 200 with an empty body once
    html_once: set[str] = field(default_factory=set)  # path prefixes answered 200 with an HTML page once
    stall: set[str] = field(default_factory=set)  # path prefixes that send half the body, then hang
    statuses: dict[str, list[int]] = field(default_factory=dict)  # prefix -> statuses answered first, in order
    reset: dict[str, int] = field(default_factory=dict)  # prefix -> connections to reset before any answer
    delay: dict[str, int] = field(default_factory=dict)  # prefix -> answers held back for delay_s first
    delay_s: float = 2.0
    unframed_truncate_once: set[str] = field(default_factory=set)  # half the body, no Content-Length, close
    retry_after: str = "0"  # Retry-After sent with the queued statuses
    trickle: set[str] = field(default_factory=set)  # path prefixes whose body is sent a byte every trickle_s
    trickle_s: float = 0.05
    gzip_bomb: dict[str, int] = field(default_factory=dict)  # prefix -> zero bytes sent gzip-encoded instead
    arcgis_most_records: dict[str, int] = field(default_factory=dict)  # service -> larger pages come back empty
    requests: list[str] = field(default_factory=list)
    half_sent: threading.Event = field(default_factory=threading.Event)

    def start(self) -> str:
        """Serve on a free port of 127.0.0.1; return the base URL."""
        services = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (stdlib name)
                services.handle(self)

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that gave up (timeout, reset) is an expected fault here

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)
        self._thread.start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        """Stop serving and close the port."""
        self._server.shutdown()
        self._server.server_close()

    def urls(self, base: str) -> dict[str, str]:
        """The ``GAPMAP_*_URL`` environment for this server."""
        return {
            "GAPMAP_GIAS_URL": f"{base}/gias/",
            "GAPMAP_ONS_URL": f"{base}/ons/",
            "GAPMAP_NOMIS_URL": f"{base}/nomis/",
            "GAPMAP_IOD_URL": f"{base}{IOD_PATH}",
        }

    # -- routing -------------------------------------------------------------------------------

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        self.requests.append(request.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        path = parts.path
        faults = {
            "fail": (self.fail_once, 500, b"<html>Internal Server Error</html>"),
            "empty": (self.empty_once, 200, b""),
            "html": (self.html_once, 200, b"<!DOCTYPE html><html><body>Service unavailable</body></html>"),
        }
        for prefixes, status, body in faults.values():
            hit = next((p for p in prefixes if path.startswith(p)), None)
            if hit is not None:
                prefixes.discard(hit)
                return self._send(request, status, body, "text/html")
        if _take(self.reset, path):
            request.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            request.connection.close()  # linger 0: the client sees a reset (RST), not an answer
            request.close_connection = True
            return None
        if _take(self.delay, path):
            time.sleep(self.delay_s)
        queued = next((q for p, q in self.statuses.items() if path.startswith(p) and q), None)
        if queued:
            status = queued.pop(0)
            return self._send(request, status, f"<html>HTTP {status}</html>".encode(), "text/html",
                              headers={"Retry-After": self.retry_after})
        bomb = next((n for p, n in self.gzip_bomb.items() if path.startswith(p)), None)
        if bomb is not None:
            return self._send(request, 200, gzip.compress(b"0" * bomb), "text/csv",
                              headers={"Content-Encoding": "gzip"})
        if match := re.fullmatch(r"/gias/edubasealldata(\d{8})\.csv", path):
            published = date(int(match[1][:4]), int(match[1][4:6]), int(match[1][6:]))
            if published >= date.today():  # today's file is "not published yet"
                return self._send(request, 404, b"<html>Not found</html>", "text/html")
            return self._send(request, 200, self.gias_body, "text/csv")
        if match := re.fullmatch(r"/ons/([^/]+)/FeatureServer/0/query", path):
            return self._send(request, 200, self._arcgis(match[1], query), "application/json")
        if path == "/nomis/dataset/NM_2014_1.data.csv":
            return self._send(request, 200, self._nomis(query), "text/csv")
        if path == IOD_PATH:
            return self._send(request, 200, self.iod_body, "text/csv")
        return self._send(request, 404, b"<html>Not found</html>", "text/html")

    def _send(self, request: BaseHTTPRequestHandler, status: int, body: bytes, kind: str,
              headers: dict[str, str] | None = None) -> None:
        path = urlsplit(request.path).path
        truncate = next((p for p in self.truncate_once if path.startswith(p)), None)
        unframed = next((p for p in self.unframed_truncate_once if path.startswith(p)), None)
        stall = any(path.startswith(p) for p in self.stall)
        request.send_response(status)
        request.send_header("Content-Type", kind)
        if unframed is None:
            request.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.send_header("Connection", "close")
        request.end_headers()
        if any(path.startswith(p) for p in self.trickle):
            for index in range(len(body)):
                request.wfile.write(body[index:index + 1])
                request.wfile.flush()
                time.sleep(self.trickle_s)
            return
        if truncate is not None or unframed is not None or stall:
            self.truncate_once.discard(truncate)
            self.unframed_truncate_once.discard(unframed)
            request.wfile.write(body[: len(body) // 2])
            request.wfile.flush()
            self.half_sent.set()
            if stall:
                time.sleep(30)
            request.close_connection = True
            return
        request.wfile.write(body)

    # -- ArcGIS --------------------------------------------------------------------------------

    def _arcgis(self, service: str, query: dict[str, str]) -> bytes:
        if service not in self.ons:
            return json.dumps({"error": {"code": 400, "message": f"Invalid URL: no service {service}"}}).encode()
        rows = [f for f in self.ons[service].features if _where(query.get("where", "1=1"), f[0])]
        order = query.get("orderByFields")
        if order:
            rows.sort(key=lambda f: str(f[0].get(order)))
        offset = int(query.get("resultOffset", 0))
        count = min(int(query.get("resultRecordCount", 10**9)), self.ons[service].max_records)
        page = rows[offset: offset + count]
        exceeded = offset + len(page) < len(rows)
        if count > self.arcgis_most_records.get(service, count) and page:
            page, exceeded = [], True  # "exceeded the transfer limit" with nothing sent, as ArcGIS may answer
        fields = query.get("outFields", "*")
        keep = None if fields == "*" else fields.split(",")

        def attributes(values: dict[str, object]) -> dict[str, object]:
            return {k: v for k, v in values.items() if keep is None or k in keep}

        if query.get("f") == "geojson":
            body = {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": attributes(a), "geometry": g} for a, g in page],
                "properties": {"exceededTransferLimit": True} if exceeded else {},
            }
        else:
            body = {"features": [{"attributes": attributes(a)} for a, _ in page]}
            if exceeded:
                body["exceededTransferLimit"] = True
        return json.dumps(body).encode()

    # -- Nomis ---------------------------------------------------------------------------------

    def _nomis(self, query: dict[str, str]) -> bytes:
        codes = query.get("geography", "").split(",")
        ages = [int(a) for a in query.get("c_age", "").split(",") if a]
        rows = self.nomis[self.nomis["GEOGRAPHY_CODE"].isin(codes) & self.nomis["C_AGE"].isin(ages)]
        rows = rows.sort_values(["GEOGRAPHY_CODE", "C_AGE"]).assign(RECORD_COUNT=len(rows))
        offset = int(query.get("RecordOffset", 0))
        out = io.StringIO()
        rows.iloc[offset: offset + self.nomis_page_rows][NOMIS_COLUMNS].to_csv(out, index=False, quoting=2)
        return out.getvalue().encode()


def _take(counts: dict[str, int], path: str) -> bool:
    """Whether ``path`` has a fault left in ``counts`` (prefix -> times); use one up if so."""
    hit = next((p for p, n in counts.items() if path.startswith(p) and n > 0), None)
    if hit is not None:
        counts[hit] -= 1
    return hit is not None


def _where(clause: str, attributes: dict[str, object]) -> bool:
    """The subset of ArcGIS SQL the loaders send: ``1=1``, ``F IN ('a', 'b')``, ``F LIKE 'E0%'``."""
    if clause.strip() == "1=1":
        return True
    if match := re.fullmatch(r"\s*(\w+) IN \((.*)\)\s*", clause):
        return str(attributes.get(match[1])) in re.findall(r"'([^']*)'", match[2])
    if match := re.fullmatch(r"\s*(\w+) LIKE '([^%']*)%'\s*", clause):
        return str(attributes.get(match[1], "")).startswith(match[2])
    raise ValueError(f"unsupported where clause {clause!r}")


# -- the Leeds and Trafford fixtures -------------------------------------------------------------


def _geojson_features(frame: gpd.GeoDataFrame) -> list[dict]:
    return [f["geometry"] for f in json.loads(frame.to_json(drop_id=True))["features"]]


@lru_cache(maxsize=1)
def ons_layers() -> dict[str, Layer]:
    """The ONS services, under the default service names, cut from the real fixtures (see SOURCES.md)."""
    lads = pd.read_csv(FIXTURES / "ons_lads_england_2025.csv")
    leeds = gpd.read_file(FIXTURES / "leeds_lad_2025.geojson")
    leeds_geometry = _geojson_features(leeds)[0]
    cauth = pd.read_csv(FIXTURES / "ons_lad_cauth_2025_derived.csv")
    county = pd.read_csv(FIXTURES / "ons_lad_county_2025_derived.csv")
    lsoas = gpd.read_file(f"/vsigzip/{FIXTURES / 'leeds_lsoa11_bsc.geojson.gz'}")
    centroids = pd.read_csv(FIXTURES / "leeds_lsoa11_centroids.csv")
    points = gpd.GeoDataFrame(centroids, geometry=gpd.points_from_xy(centroids["LONG"], centroids["LAT"]), crs=4326)
    return {
        "Local_Authority_Districts_May_2025_Boundaries_UK_BGC": Layer([
            ({"LAD25CD": c, "LAD25NM": n}, leeds_geometry if c == "E08000035" else None)
            for c, n in zip(lads["areacd"], lads["areanm"])
        ], max_records=2000),
        "LAD25_CAUTH25_EN_LU": Layer([
            ({"LAD25CD": r.areacd_lad, "LAD25NM": r.areanm_lad, "CAUTH25CD": r.areacd_parent,
              "CAUTH25NM": r.areanm_parent}, None) for r in cauth.itertuples()
        ], max_records=50),
        "LAD25_CTYUA25_UK_LU_v2": Layer([
            ({"LAD25CD": r.areacd_lad, "LAD25NM": r.areanm_lad, "CTYUA25CD": r.areacd_parent,
              "CTYUA25NM": r.areanm_parent}, None) for r in county.itertuples()
        ], max_records=2000),
        "LSOA21_WD25_LAD25_EW_LU_v2": Layer([
            ({"LSOA21CD": c, "LSOA21NM": n, "LAD25CD": "E08000035"}, None)
            for c, n in zip(lsoas["LSOA11CD"], lsoas["LSOA11NM"])
        ], max_records=1000),
        "Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BGC_V5": Layer([
            ({"LSOA21CD": c}, g) for c, g in zip(lsoas["LSOA11CD"], _geojson_features(lsoas))
        ], max_records=100),
        "LLSOA_Dec_2021_PWC_for_England_and_Wales_2022": Layer([
            ({"LSOA21CD": c}, g) for c, g in zip(points["LSOA11CD"], _geojson_features(points))
        ], max_records=200),
    }


@lru_cache(maxsize=1)
def nomis_rows() -> pd.DataFrame:
    """Nomis NM_2014_1 rows: real Leeds children 0-15 (mid-2015, LSOA 2011) and Trafford by age (mid-2024)."""
    leeds = pd.read_csv(FIXTURES / "leeds_children_0_15_mid2015_iod2019_file6.csv")
    leeds = pd.DataFrame({
        "DATE": "2015", "GEOGRAPHY_CODE": leeds["LSOA code (2011)"], "GEOGRAPHY_NAME": leeds["LSOA name (2011)"],
        "C_AGE": 201, "OBS_VALUE": leeds["Dependent Children aged 0-15: mid 2015 (excluding prisoners)"],
    })
    trafford = pd.read_csv(TRAFFORD_FILE)
    trafford = trafford[trafford["sex"] == "Persons"]
    ages = {"aged_0_to_15": 201, **{str(age): 101 + age for age in range(16)}}
    long = trafford.melt(id_vars=["area_code", "area_name"], value_vars=list(ages), var_name="age",
                         value_name="OBS_VALUE")
    trafford_rows = pd.DataFrame({
        "DATE": "2024", "GEOGRAPHY_CODE": long["area_code"], "GEOGRAPHY_NAME": long["area_name"],
        "C_AGE": long["age"].map(ages), "OBS_VALUE": long["OBS_VALUE"],
    })
    return pd.concat([leeds, trafford_rows], ignore_index=True)


@lru_cache(maxsize=1)
def iod_body() -> bytes:
    """IoD2019 values for the Leeds LSOAs (2011) under the IoD2025 File 7 headings.

    The IDACI score is in neither source file: its column is served empty.
    """
    table = pd.read_csv(FIXTURES / "leeds_iod2019_lsoa11.csv")
    idaci = "Income Deprivation Affecting Children Index (IDACI)"
    out = pd.DataFrame({
        "LSOA code (2021)": table["LSOA code (2011)"],
        "LSOA name (2021)": table["LSOA name (2011)"],
        "Local Authority District code (2024)": table["Local Authority District code (2019)"],
        "Local Authority District name (2024)": table["Local Authority District name (2019)"],
        "Index of Multiple Deprivation (IMD) Score": table["overall_local_score"],
        "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)": table.iloc[:, 4],
        "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)": table.iloc[:, 5],
        f"{idaci} Score (rate)": "",
        f"{idaci} Rank (where 1 is most deprived)": table.iloc[:, 6],
        f"{idaci} Decile (where 1 is most deprived 10% of LSOAs)": table.iloc[:, 7],
    })
    return out.to_csv(index=False).encode("utf-8")


def leeds_services() -> FakeServices:
    """A :class:`FakeServices` serving the Leeds GIAS extract and matching boundaries, population and IoD."""
    return FakeServices(
        gias_body=gzip.decompress(GIAS_FILE.read_bytes()),
        ons=ons_layers(),
        nomis=nomis_rows().copy(),
        nomis_page_rows=1000,
        iod_body=iod_body(),
    )


@contextmanager
def serving(monkeypatch, services: FakeServices | None = None) -> Iterator[FakeServices]:
    """Run ``services`` (default :func:`leeds_services`) with the ``GAPMAP_*_URL`` variables pointing at it."""
    services = services or leeds_services()
    base = services.start()
    for name, value in services.urls(base).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GAPMAP_CONFIG", raising=False)
    try:
        yield services
    finally:
        services.stop()
