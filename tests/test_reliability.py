"""Rows that cannot be used are listed, never dropped; hostile text is escaped; HTTPS and archives are safe.

The malformed-input corpus (``test_malformed.py``) covers inputs that must be
refused; these tests cover inputs that are partly usable, the checks shared by
every loader (:mod:`gapmap.validate`), and the security properties of issue 8.
"""

from __future__ import annotations

import doctest
import gzip
import io
import re
import shutil
import ssl
import subprocess
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from http_server import FIXTURES, GIAS_FILE, serving

import gapmap
import gapmap.sources.areas
import gapmap.validate
from gapmap import prepare
from gapmap.cli import main
from gapmap.errors import DataFileError, NetworkError
from gapmap.sources import gias
from gapmap.sources.cache import Cache
from gapmap.sources.config import load_config
from gapmap.sources.embedded import load_embedded
from gapmap.sources.http import Downloader, csv_validator, make_session
from gapmap.sources.user_files import apply_user_files, read_schools
from gapmap.validate import code_problem, distance_outside_la, exclude_misplaced, location_hint

HOSTILE = '<script>alert("gapmap")</script> & <img src=x onerror=alert(1)> Academy'
LEEDS = {"383": "E08000035"}
GAPMAP = Path(gapmap.__file__).resolve().parent


@pytest.fixture(scope="module")
def leeds_polygon() -> gpd.GeoDataFrame:
    return gpd.read_file(FIXTURES / "leeds_lad_2025.geojson").to_crs(27700).assign(la_gss="E08000035")


def _special_schools(inputs) -> pd.DataFrame:
    """The embedded special schools as an analyst's own schools table."""
    special = inputs.provision[inputs.provision["kind"] == "special"]
    table = pd.DataFrame(special.drop(columns="geometry")).assign(
        easting=special.geometry.x.round(), northing=special.geometry.y.round()
    )[["provision_id", "urn", "name", "kind", "sector", "la_gss", "pupils", "easting", "northing"]]
    return table.reset_index(drop=True)


# -- a build with partly unusable rows and a hostile name -----------------------------------------


def test_unusable_schools_are_listed_and_counted_and_names_are_escaped(tmp_path, ne_inputs):
    table = _special_schools(ne_inputs)
    table.loc[0, "name"] = HOSTILE
    table.loc[1, ["easting", "northing"]] = [318_000, 176_000]  # Cardiff, for a North East LA
    table.loc[2, ["easting", "northing"]] = [None, None]
    (tmp_path / "schools.csv").write_bytes(b"\xef\xbb\xbf" + table.to_csv(index=False).encode())  # Excel's BOM
    out = tmp_path / "maps"
    result = CliRunner().invoke(main, ["build", "--out", str(out), "--tiles", "none", "--kinds", "special",
                                       "--schools", str(tmp_path / "schools.csv")])
    assert result.exit_code == 0, result.output
    folder = out / "north-east"

    excluded = pd.read_csv(folder / "tables" / "excluded.csv", dtype=str).set_index("record_id")
    expected = len(load_embedded("north-east").excluded) + 2  # the default build's own excluded rows, and two more
    assert len(excluded) == expected
    assert excluded.loc[table.loc[1, "provision_id"], "reason"].startswith("located ")
    assert "km outside its LA" in excluded.loc[table.loc[1, "provision_id"], "reason"]
    assert excluded.loc[table.loc[2, "provision_id"], "reason"] == "no location: easting/northing empty"
    provision = pd.read_csv(folder / "tables" / "provision.csv", dtype=str)
    assert not provision["provision_id"].isin(table.loc[[1, 2], "provision_id"]).any()
    assert HOSTILE in set(provision["name"])  # the CSV keeps the name as it was given

    index = (folder / "index.html").read_text(encoding="utf-8")
    assert re.search(rf"{expected:,} source row\(s\) could not be used", index)
    for page in folder.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html and "<img src=x" not in html, page.name
    maps = [p.read_text(encoding="utf-8") for p in folder.glob("map*.html")]
    assert any("\\u003cscript\\u003ealert" in html or "&lt;script&gt;alert" in html for html in maps)


def test_a_school_in_wales_among_good_ones_is_excluded_not_fatal(tmp_path, ne_inputs):
    table = _special_schools(ne_inputs)
    table.loc[4, ["easting", "northing"]] = [318_000, 176_000]
    table.to_csv(tmp_path / "schools.csv", index=False)
    out = apply_user_files(ne_inputs, schools=tmp_path / "schools.csv")
    assert table.loc[4, "provision_id"] not in set(out.provision["provision_id"])
    assert (out.provision["kind"] == "special").sum() == len(table) - 1
    reason = out.excluded.set_index("record_id").loc[table.loc[4, "provision_id"], "reason"]
    assert re.fullmatch(r"located \d+\.\d km outside its LA E0\d{7}: check its easting/northing", reason)


# -- GIAS rows that cannot be used ------------------------------------------------------------------


def _gias_table() -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(gzip.decompress(GIAS_FILE.read_bytes())), encoding="cp1252", dtype=str,
                       keep_default_na=False)


def _serve_gias(services, table: pd.DataFrame) -> None:
    services.gias_body = table.to_csv(index=False).encode("cp1252")


def test_gias_rows_with_bad_urns_or_locations_are_excluded_with_reasons(monkeypatch, tmp_path, leeds_polygon):
    table = _gias_table()
    row = {urn: table.index[table["URN"] == urn][0] for urn in ("107809", "107810", "107813", "107817", "108058")}
    table.loc[row["107809"], ["Easting", "Northing"]] = ["-1.6870", "53.8720"]  # longitude/latitude
    table.loc[row["107810"], "URN"] = "1078IO"  # letters typed for digits
    table.loc[row["108058"], ["Easting", "Northing"]] = ["318000", "176000"]  # Cardiff, host of resourced provision
    table.loc[row["107817"], ["Easting", "Northing"]] = ["", ""]
    table = pd.concat([table, table.loc[[row["107813"]]].assign(EstablishmentName="Scholes (Elmet) again")])
    with serving(monkeypatch) as services:
        _serve_gias(services, table)
        provision, excluded, _ = gias.load_gias(Downloader(Cache(tmp_path)), load_config(), la_gss=LEEDS,
                                                las=leeds_polygon)
    reasons = excluded.set_index("record_id")["reason"]
    assert reasons["107809"].startswith("location not on British National Grid in Great Britain")
    assert reasons["1078IO"] == "bad URN: '1078IO' is not a URN (digits, e.g. 108519)"
    assert reasons["107817"] == "no location: GIAS gives no Easting/Northing"
    assert reasons["107813"] == "URN 107813 appears again: the first row with it is used"
    assert re.match(r"located \d+\.\d km outside its LA E08000035", reasons["108058"])
    assert re.match(r"located \d+\.\d km outside its LA E08000035", reasons["108058-RP"])
    ids = set(provision["provision_id"])
    assert not ids & {"107809", "1078IO", "107817", "108058", "108058-RP"}
    assert "107813" in ids  # the first row of the repeated URN is used
    assert provision.loc[provision["provision_id"] == "107813", "name"].item() == "Scholes (Elmet) Primary School"


def test_gias_file_entirely_in_degrees_is_an_error(monkeypatch, tmp_path, leeds_polygon):
    table = _gias_table()
    points = gpd.GeoSeries(gpd.points_from_xy(pd.to_numeric(table["Easting"], errors="coerce"),
                                              pd.to_numeric(table["Northing"], errors="coerce")), crs=27700)
    degrees = points.to_crs(4326)
    table["Easting"], table["Northing"] = degrees.x.round(5).astype(str), degrees.y.round(5).astype(str)
    with serving(monkeypatch) as services:
        _serve_gias(services, table)
        with pytest.raises(NetworkError, match="none located in Great Britain .*nothing was cached"):
            gias.load_gias(Downloader(Cache(tmp_path)), load_config(), la_gss=LEEDS, las=leeds_polygon)
    assert not list(tmp_path.glob("*.data"))  # refused before caching: the next run downloads again


# -- shared validators --------------------------------------------------------------------------------


def test_validator_doctests():
    for module in (gapmap.validate, gapmap.sources.areas):
        assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0, module.__name__


@pytest.mark.parametrize("code, kind, problem", [
    ("108519", "urn", None),
    ("10851A", "urn", "'10851A' is not a URN"),
    ("E01008162", "lsoa", None),
    ("e01008162", "lsoa", "'e01008162' is not an English LSOA code"),
    ("W01001552", "lsoa", "W01001552 is a Welsh code: gapmap covers England only"),
    ("E07000026", "la", None),
    ("E11000007", "la", "'E11000007' is not an English LA code"),
    ("S12000036", "la", "S12000036 is a Scottish code"),
    ("N09000003", "la", "N09000003 is a Northern Irish code"),
    ("391", "dfe_la", None),
    ("3910", "dfe_la", "'3910' is not a DfE LA code"),
    ("E47000014", "ca", None),
    (None, "lsoa", "empty: expected an English LSOA code"),
])
def test_code_formats(code, kind, problem):
    found = code_problem(code, kind)
    assert found == problem if problem is None else found.startswith(problem)


def test_location_hint_recognises_swapped_and_degree_coordinates(ne_inputs):
    special = ne_inputs.provision[ne_inputs.provision["kind"] == "special"]
    swapped = gpd.GeoSeries(gpd.points_from_xy(special.geometry.y, special.geometry.x), index=special.index, crs=27700)
    assert location_hint(swapped, special["la_gss"], ne_inputs.las) == "the easting and northing look swapped"
    degrees = special.geometry.to_crs(4326).set_crs(27700, allow_override=True)
    assert "longitude/latitude" in location_hint(degrees, special["la_gss"], ne_inputs.las)
    assert distance_outside_la(special.geometry, special["la_gss"], ne_inputs.las).max() == 0
    with pytest.raises(DataFileError, match="look swapped"):
        exclude_misplaced(special.set_geometry(swapped), ne_inputs.las, source_name="test")


def test_schools_of_other_las_are_checked_only_to_be_in_england(ne_inputs):
    special = ne_inputs.provision[ne_inputs.provision["kind"] == "special"].head(3).reset_index(drop=True)
    elsewhere = special.assign(la_gss="E08000035")  # Leeds: not a North East LA, so no polygon to check against
    kept, excluded = exclude_misplaced(elsewhere, ne_inputs.las, source_name="test")
    assert len(kept) == 3 and excluded.empty
    elsewhere.loc[1, "geometry"] = shapely.Point(325_000, 673_000)  # Edinburgh
    kept, excluded = exclude_misplaced(elsewhere, ne_inputs.las, source_name="test")
    assert list(kept["provision_id"]) == list(special.loc[[0, 2], "provision_id"])
    assert excluded["reason"].tolist() == ["located outside England (easting 325000.0, northing 673000.0): check its "
                                           "easting/northing"]


# -- network security ------------------------------------------------------------------------------------


def test_https_certificates_are_verified(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a self-signed certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (stdlib name)
            self.send_response(200)
            self.send_header("Content-Length", "8")
            self.end_headers()
            self.wfile.write(b"a,b\n1,2\n")

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass  # the client refuses the handshake: expected

    server = Server(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    url = f"https://127.0.0.1:{server.server_address[1]}/data.csv"
    try:
        downloader = Downloader(Cache(tmp_path / "cache"), session=make_session(retries=1, backoff_factor=0),
                                timeout=(2.0, 2.0))
        with pytest.raises(NetworkError, match="HTTPS certificate could not be verified") as error:
            downloader.fetch(url, label="test file", validate=csv_validator(
                label="test file", url_hint=url, columns=["a"], encoding="utf-8"))
    finally:
        server.shutdown()
        server.server_close()
    assert url in str(error.value) and "verify=False" not in str(error.value)
    assert not list((tmp_path / "cache").glob("*.data"))
    assert make_session().verify is True


def test_no_code_turns_off_safety_checks():
    """No certificate checks switched off, no unsafe YAML, no archive extracted to disk, anywhere in gapmap."""
    unsafe = re.compile(r"verify\s*=\s*False|yaml\.(unsafe_)?load\((?![^)]*SafeLoader)|\.extractall\(|\.extract\(")
    found = [f"{path.relative_to(GAPMAP)}:{n}" for path in GAPMAP.rglob("*.py")
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if unsafe.search(line)]
    assert found == []


# -- archives --------------------------------------------------------------------------------------------


def test_sen2_zip_is_read_in_memory_by_member_name(tmp_path, ne_inputs):
    """The prepare step reads two named members; a path-traversal member is never written anywhere."""
    caseload = ne_inputs.ehcp.rename(columns={"la_gss": "new_la_code"}).assign(
        geographic_level="Local authority", breakdown_topic="All EHC plans")
    for column in prepare.CASELOAD_COLUMNS:
        caseload[column] = caseload.get(column, pd.Series(dtype="Int64"))
    needs = caseload[["time_period", "new_la_code", "la_name", "geographic_level", "breakdown_topic"]].assign(
        **{column: 1 for column in prepare.NEED_COLUMNS})
    shared = tmp_path / "a" / "b" / "shared"
    (shared / "send").mkdir(parents=True)
    with zipfile.ZipFile(shared / "send" / "ehcp_sen2_2025.zip", "w") as archive:
        archive.writestr("../../../../escaped.csv", "time_period\n202425\n")
        archive.writestr("/tmp/absolute-escape.csv", "time_period\n202425\n")
        archive.writestr("data/caseload.csv", caseload.to_csv(index=False))
        archive.writestr("data/sen_needs_all_plans.csv", needs.to_csv(index=False))
    before = set(tmp_path.rglob("*"))
    read_caseload, read_needs = prepare._sen2(shared)
    assert set(tmp_path.rglob("*")) == before
    assert not Path("/tmp/absolute-escape.csv").exists()
    assert sorted(read_caseload["la_gss"].unique()) == sorted(ne_inputs.ehcp["la_gss"].unique())
    assert len(read_needs) == len(read_caseload)


def test_user_files_are_never_unpacked(tmp_path):
    archive = tmp_path / "deep" / "schools.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("../escaped.csv", "provision_id\n1\n")
    with pytest.raises(DataFileError, match="extension '.zip'"):
        read_schools(archive)
    assert not (tmp_path / "escaped.csv").exists()
