"""A corpus of malformed inputs, each sent through the command line it would arrive by.

Every case asserts the exact :mod:`gapmap.errors` class (``gapmap --debug``
re-raises it), that the plain command prints that one sentence and exits with
the class's code, that the message names the input, and that no output folder
and no cache entry was written.  The inputs are the embedded North East data
(and the Leeds fixtures served by :mod:`http_server`) damaged in one way each;
the few that are files by nature live in ``tests/fixtures/malformed`` (see its
README).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
import tempfile
import warnings
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from http_server import FIXTURES, serving

from gapmap.cli import main
from gapmap.errors import DataFileError, GapmapError, InputError, NetworkError, UnknownAreaError
from gapmap.inputs import StudyInputs
from gapmap.sources.embedded import embedded_path
from gapmap.sources import gias
from gapmap.sources.cache import Cache
from gapmap.sources.config import load_config
from gapmap.sources.http import Downloader
from gapmap.sources.live import lookups

MALFORMED = Path(__file__).resolve().parent / "fixtures" / "malformed"
SCHOOL_COLUMNS = ["provision_id", "urn", "name", "kind", "sector", "la_gss", "pupils", "easting", "northing"]

Maker = Callable[[Path, StudyInputs], Path]


def _invoke(args: list[str]) -> tuple[BaseException | None, object]:
    """Run ``gapmap --debug ARGS`` (the error itself) and ``gapmap ARGS`` (what a user sees)."""
    debug = CliRunner().invoke(main, ["--debug", *args])
    plain = CliRunner().invoke(main, args)
    return debug.exception, plain


def _assert_refused(args: list[str], error: type[GapmapError], match: str, names: str) -> None:
    raised, plain = _invoke(args)
    assert type(raised) is error, f"expected {error.__name__}, got {raised!r}"
    message = str(raised)
    assert re.search(match, message), message
    assert names in message, f"the message does not name {names}: {message}"
    assert plain.exit_code == error.exit_code
    assert plain.output == f"Error: {message}\n", "not one clear sentence"


# -- generated from the embedded North East data -------------------------------------------------


def _schools(inputs: StudyInputs) -> pd.DataFrame:
    """The embedded special schools as an analyst's own schools CSV table."""
    special = inputs.provision[inputs.provision["kind"] == "special"]
    table = pd.DataFrame(special.drop(columns="geometry")).assign(
        easting=special.geometry.x.round(), northing=special.geometry.y.round())
    return table[SCHOOL_COLUMNS].reset_index(drop=True)


def _population(inputs: StudyInputs) -> pd.DataFrame:
    return pd.DataFrame(inputs.lsoas[["lsoa_code", "children_0_15"]])


def _csv(tmp: Path, table: pd.DataFrame, name: str = "file.csv", **options: object) -> Path:
    path = tmp / name
    table.to_csv(path, index=False, **options)
    return path


def _text(tmp: Path, body: bytes, name: str) -> Path:
    path = tmp / name
    path.write_bytes(body)
    return path


def _edit(column: str, value: object, rows: slice | list[int] = slice(0, 1)) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def edit(table: pd.DataFrame) -> pd.DataFrame:
        table = table.astype({column: "object"}) if column in table.columns else table
        table.loc[table.index[rows], column] = value
        return table
    return edit


def schools(edit: Callable[[pd.DataFrame], pd.DataFrame], **options: object) -> Maker:
    return lambda tmp, inputs: _csv(tmp, edit(_schools(inputs)), "schools.csv", **options)


def population(edit: Callable[[pd.DataFrame], pd.DataFrame]) -> Maker:
    return lambda tmp, inputs: _csv(tmp, edit(_population(inputs)), "population.csv")


def copied(name: str) -> Maker:
    def make(tmp: Path, inputs: StudyInputs) -> Path:
        folder = tmp / "from" / "an" / "analyst"
        folder.mkdir(parents=True)
        return Path(shutil.copy(MALFORMED / name, folder / name))
    return make


def _swapped(table: pd.DataFrame) -> pd.DataFrame:
    return table.assign(easting=table["northing"], northing=table["easting"])


def _degrees(table: pd.DataFrame) -> pd.DataFrame:
    points = gpd.GeoSeries(gpd.points_from_xy(table["easting"], table["northing"]), crs=27700).to_crs(4326)
    return table.assign(easting=points.x.round(5), northing=points.y.round(5))


def _in_wales(table: pd.DataFrame) -> pd.DataFrame:
    # every school moved to Cardiff (easting 318,000, northing 176,000) while keeping its North East LA
    return table.assign(easting=318_000.0 + table.index * 100, northing=176_000.0)


def _duplicate_urn(table: pd.DataFrame) -> pd.DataFrame:
    # a second special school under its own id but with the first school's URN
    table = table.copy()
    table.loc[1, ["provision_id", "urn"]] = ["OWN-2", table.loc[0, "urn"]]
    return table


def _semicolons(tmp: Path, inputs: StudyInputs) -> Path:
    return _csv(tmp, _schools(inputs), "schools.csv", sep=";")


def _utf16(tmp: Path, inputs: StudyInputs) -> Path:
    return _text(tmp, _schools(inputs).to_csv(index=False).encode("utf-16"), "schools.csv")


def _header_only(tmp: Path, inputs: StudyInputs) -> Path:
    return _csv(tmp, _schools(inputs).iloc[:0], "schools.csv")


def _empty(name: str) -> Maker:
    return lambda tmp, inputs: _text(tmp, b"", name)


def _geojson_in_metres(tmp: Path, inputs: StudyInputs) -> Path:
    """GeoJSON (longitude/latitude by definition) holding British National Grid metres."""
    table = _schools(inputs)
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [r.easting, r.northing]},
                 "properties": {c: getattr(r, c) for c in SCHOOL_COLUMNS[:6]}} for r in table.itertuples()]
    return _text(tmp, json.dumps({"type": "FeatureCollection", "features": features}).encode(), "schools.geojson")


def _spatial(inputs: StudyInputs) -> gpd.GeoDataFrame:
    special = inputs.provision[inputs.provision["kind"] == "special"]
    return special[["provision_id", "name", "kind", "sector", "la_gss", "geometry"]]


def _two_layers(tmp: Path, inputs: StudyInputs) -> Path:
    path = tmp / "schools.gpkg"
    frame = _spatial(inputs)
    frame.to_file(path, layer="special")
    frame.to_file(path, layer="special_2024")
    return path


def _no_crs(tmp: Path, inputs: StudyInputs) -> Path:
    path = tmp / "schools.gpkg"
    frame = _spatial(inputs)
    bare = gpd.GeoDataFrame(pd.DataFrame(frame.drop(columns="geometry")), geometry=list(frame.geometry), crs=None)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)
        bare.to_file(path)
    return path


def _school_polygons(tmp: Path, inputs: StudyInputs) -> Path:
    path = tmp / "schools.gpkg"
    frame = _spatial(inputs)
    frame.assign(geometry=frame.buffer(50)).to_file(path)
    return path


def _boundaries(edit: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame], name: str = "lsoas.gpkg") -> Maker:
    def make(tmp: Path, inputs: StudyInputs) -> Path:
        path = tmp / name
        frame = edit(gpd.GeoDataFrame(inputs.lsoas[["lsoa_code", "geometry"]]))
        if name.endswith(".csv"):
            pd.DataFrame(frame.drop(columns="geometry")).to_csv(path, index=False)
        else:
            frame.to_file(path)
        return path
    return make


def _collapsed_first(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The first LSOA's ring folded onto a line (zero area): no repair can give it an area."""
    frame = frame.copy()
    x, y = frame.geometry.iloc[0].representative_point().coords[0]
    frame.loc[frame.index[0], "geometry"] = shapely.Polygon([(x, y), (x + 100, y + 100), (x + 200, y + 200)])
    return frame


def _gias_layout(edit: Callable[[pd.DataFrame], pd.DataFrame]) -> Maker:
    """Three real Leeds rows in the GIAS all-establishment layout (open), edited."""
    def make(tmp: Path, inputs: StudyInputs) -> Path:
        table = pd.read_csv(MALFORMED / "schools_gias_all_closed.csv", encoding="cp1252", dtype=str)
        table["EstablishmentStatus (name)"] = "Open"
        return _csv(tmp, edit(table), "edubasealldata.csv", encoding="cp1252")
    return make


def _boundaries_without_layer(tmp: Path, inputs: StudyInputs) -> Path:
    path = _boundaries(lambda f: f.iloc[:2])(tmp, inputs)
    with sqlite3.connect(path) as db:
        (table,) = db.execute("SELECT table_name FROM gpkg_contents").fetchone()
        for statement in (f'DROP TABLE "{table}"', "DELETE FROM gpkg_contents", "DELETE FROM gpkg_geometry_columns"):
            db.execute(statement)
    return path


FILE_CASES = [
    # -- schools: the file itself
    pytest.param("--schools", copied("schools_truncated.csv"), DataFileError, "Cannot read .* as CSV",
                 id="schools-csv-truncated-inside-a-quote"),
    pytest.param("--schools", copied("schools_cp1252.csv"), DataFileError, r"not UTF-8 text \(byte 0x92",
                 id="schools-csv-windows-1252"),
    pytest.param("--schools", _utf16, DataFileError, "not UTF-8 text", id="schools-csv-utf-16"),
    pytest.param("--schools", _semicolons, DataFileError, "not separated by commas", id="schools-csv-semicolons"),
    pytest.param("--schools", _empty("schools.csv"), DataFileError, r"is empty \(0 bytes\)", id="schools-empty-file"),
    pytest.param("--schools", _header_only, DataFileError, "header but no rows", id="schools-header-only"),
    pytest.param("--schools", copied("schools_truncated.geojson"), DataFileError, "Cannot read",
                 id="schools-geojson-truncated"),
    pytest.param("--schools", _two_layers, DataFileError, r"holds 2 layers \(special, special_2024\)",
                 id="schools-gpkg-two-layers"),
    pytest.param("--schools", _no_crs, DataFileError, "no coordinate reference system", id="schools-gpkg-without-crs"),
    pytest.param("--schools", _school_polygons, DataFileError, "needs a point location", id="schools-polygons"),
    pytest.param("--schools", copied("schools_path_traversal.zip"), DataFileError, "extension '.zip'",
                 id="schools-zip-with-path-traversal"),
    pytest.param("--schools", _empty("schools.xlsx"), DataFileError, "extension '.xlsx'", id="schools-excel-file"),
    # -- schools: columns and values
    pytest.param("--schools", schools(lambda t: t.drop(columns="kind")), DataFileError, "lacks the column.*kind",
                 id="schools-missing-kind-column"),
    pytest.param("--schools", schools(lambda t: t.drop(columns="northing")), DataFileError,
                 "lacks the column 'northing'", id="schools-missing-northing-column"),
    pytest.param("--schools", schools(_swapped), DataFileError, "easting and northing look swapped",
                 id="schools-easting-northing-swapped"),
    pytest.param("--schools", schools(_degrees), DataFileError, "look like longitude/latitude",
                 id="schools-lat-lon-as-easting-northing"),
    pytest.param("--schools", schools(_edit("easting", 912_000)), DataFileError, "outside Great Britain.*row 2",
                 id="schools-easting-off-the-grid"),
    pytest.param("--schools", schools(_in_wales), DataFileError,
                 "None of the .* lies in England in or near its own LA", id="schools-all-located-in-wales"),
    pytest.param("--schools", schools(_edit("northing", "NZ 27 64")), DataFileError, "'northing'.*not numbers",
                 id="schools-grid-reference-as-northing"),
    pytest.param("--schools", schools(lambda t: pd.concat([t, t.iloc[[3]]])), DataFileError,
                 "'provision_id'.*appears more than once", id="schools-duplicate-provision-id"),
    pytest.param("--schools", schools(_duplicate_urn), DataFileError, "'urn', 'kind'.*appears more than once",
                 id="schools-duplicate-urn"),
    pytest.param("--schools", schools(_edit("urn", "10842B")), DataFileError, "'urn'.*'10842B' is not a URN",
                 id="schools-urn-with-a-letter"),
    pytest.param("--schools", schools(_edit("la_gss", "W06000015")), DataFileError,
                 "W06000015 is a Welsh code: gapmap covers England only", id="schools-welsh-la-code"),
    pytest.param("--schools", schools(_edit("la_gss", "S12000036")), DataFileError,
                 "S12000036 is a Scottish code: gapmap covers England only", id="schools-scottish-la-code"),
    pytest.param("--schools", schools(_edit("la_gss", "391")), DataFileError, "'391' is not an English LA code",
                 id="schools-dfe-code-as-la-gss"),
    pytest.param("--schools", schools(_edit("kind", "special school")), DataFileError, "unknown provision kind",
                 id="schools-unknown-kind"),
    pytest.param("--schools", schools(_edit("sector", "private")), DataFileError, "unknown provision sector",
                 id="schools-unknown-sector"),
    pytest.param("--schools", schools(_edit("name", None)), DataFileError, "'name': 1 empty value",
                 id="schools-empty-name"),
    pytest.param("--schools", schools(_edit("pupils", 10**15)), DataFileError, "'pupils'.*whole numbers from 0 to",
                 id="schools-enormous-pupil-count"),
    pytest.param("--schools", schools(lambda t: t.assign(capacity="forty")), DataFileError,
                 "'capacity'.*'forty'", id="schools-non-numeric-capacity"),
    pytest.param("--schools", schools(lambda t: t.assign(capacity=-12)), DataFileError, "'capacity'.*'?-12",
                 id="schools-negative-capacity"),
    pytest.param("--schools", _geojson_in_metres, DataFileError, "says its coordinates are longitude/latitude",
                 id="schools-geojson-holding-metres"),
    pytest.param("--schools", lambda tmp, inputs: tmp / "missing.csv", DataFileError, "does not exist",
                 id="schools-missing-file"),
    pytest.param("--schools", schools(lambda t: t.assign(statutory_low_age=11, statutory_high_age=4)),
                 DataFileError, r"youngest age above the oldest \(e\.g\. row 2: 11 > 4\)", id="schools-ages-reversed"),
    pytest.param("--schools", schools(lambda t: t.assign(capacity=-40)), DataFileError, r"\(e\.g\. -40 in row 2\)",
                 id="schools-negative-capacity-printed-plainly"),
    pytest.param("--schools", copied("schools_gias_all_closed.csv"), DataFileError, "lists no open establishment",
                 id="schools-gias-layout-nothing-open"),
    pytest.param("--schools", _gias_layout(lambda t: t.drop(columns="SenUnitCapacity")), DataFileError,
                 r"lacks the column\(s\) SenUnitCapacity; expected the GIAS", id="schools-gias-layout-missing-column"),
    # -- boundaries
    pytest.param("--boundaries", _boundaries(lambda f: f, "lsoas.csv"), DataFileError, "holds no geometries",
                 id="boundaries-csv-without-geometry"),
    pytest.param("--boundaries", _boundaries(lambda f: f.assign(geometry=f.centroid)), DataFileError,
                 "polygons only", id="boundaries-points"),
    pytest.param("--boundaries", _boundaries(lambda f: pd.concat([f, f.iloc[[5]]])), DataFileError,
                 "appears more than once", id="boundaries-duplicate-lsoa"),
    pytest.param("--boundaries", _boundaries(_edit("lsoa_code", "W01001552")), DataFileError,
                 "Welsh code: gapmap covers England only", id="boundaries-welsh-lsoa"),
    pytest.param("--boundaries", _boundaries(lambda f: f.iloc[10:]), InputError, "no row for 10 of the 1240 LSOAs",
                 id="boundaries-missing-lsoas"),
    pytest.param("--boundaries", _boundaries(lambda f: f.to_crs(4326).set_crs(27700, allow_override=True)),
                 DataFileError, "look like longitude/latitude", id="boundaries-degrees-labelled-metres"),
    pytest.param("--boundaries", _boundaries(lambda f: f.translate(xoff=150_000).to_frame("geometry").assign(
        lsoa_code=f["lsoa_code"])), DataFileError, "1240 of the 1240 LSOA polygons .* lie outside their LA",
                 id="boundaries-shifted-150-km"),
    pytest.param("--boundaries", _boundaries_without_layer, DataFileError, "Cannot read .*not recognized",
                 id="boundaries-gpkg-without-the-layer"),
    pytest.param("--boundaries", _boundaries(_collapsed_first), DataFileError, "collapse to lines when repaired",
                 id="boundaries-polygon-without-area"),
    # -- population
    pytest.param("--population", population(_edit("children_0_15", -4)), DataFileError,
                 "'children_0_15'.*whole numbers from 0", id="population-negative-children"),
    pytest.param("--population", population(_edit("children_0_15", "n/a")), DataFileError, "'n/a'",
                 id="population-non-numeric-children"),
    pytest.param("--population", population(_edit("children_0_15", 2.5)), DataFileError, "'children_0_15'",
                 id="population-fractional-children"),
    pytest.param("--population", population(_edit("children_0_15", 9_999_999_999)), DataFileError,
                 "whole numbers from 0 to 20,000", id="population-enormous-value"),
    pytest.param("--population", population(_edit("children_0_15", None)), DataFileError, "1 empty value",
                 id="population-empty-count"),
    pytest.param("--population", population(lambda t: pd.concat([t, t.iloc[[0]]])), DataFileError,
                 "appears more than once", id="population-duplicate-lsoa"),
    pytest.param("--population", population(lambda t: t.iloc[1:]), InputError, "no row for 1 of the 1240 LSOAs",
                 id="population-missing-lsoa"),
    pytest.param("--population", population(_edit("lsoa_code", "S01006506")), DataFileError,
                 "Scottish code: gapmap covers England only", id="population-scottish-data-zone"),
    pytest.param("--population", population(lambda t: t.rename(columns={"children_0_15": "children"})),
                 DataFileError, "lacks the column.*children_0_15", id="population-renamed-column"),
]


@pytest.mark.parametrize("option, make, error, match", FILE_CASES)
def test_malformed_user_file_is_refused(tmp_path, monkeypatch, ne_inputs, option, make, error, match):
    monkeypatch.setattr("gapmap.sources.embedded.load_embedded", lambda *args, **kwargs: ne_inputs)
    monkeypatch.setenv("GAPMAP_CACHE_DIR", str(tmp_path / "cache"))
    path = make(tmp_path, ne_inputs)
    out = tmp_path / "maps"
    _assert_refused(["build", "--out", str(out), "--tiles", "none", option, str(path)], error, match, path.name)
    assert not out.exists()
    assert not (tmp_path / "cache").exists()
    assert not list(tmp_path.rglob("gapmap-traversal-check.csv"))


# -- --data: a study-area GeoPackage -------------------------------------------------------------


def _gpkg(*statements: str) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = Path(shutil.copy(embedded_path(), tmp / "area.gpkg"))
        with sqlite3.connect(path) as db:
            triggers = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]
            for statement in [*(f'DROP TRIGGER "{name}"' for name in triggers), *statements]:
                db.execute(statement)
        return path
    return make


def _bytes(body: Callable[[], bytes], name: str = "area.gpkg") -> Callable[[Path], Path]:
    return lambda tmp: _text(tmp, body(), name)


DATA_CASES = [
    pytest.param(_bytes(lambda: b"this is not a geopackage\n" * 100), "damaged or not a gapmap GeoPackage",
                 id="data-not-a-geopackage"),
    pytest.param(_bytes(lambda: embedded_path().read_bytes()[:150_000]), "damaged or not a gapmap GeoPackage",
                 id="data-truncated"),
    pytest.param(_gpkg("DROP TABLE lsoa", "DELETE FROM gpkg_contents WHERE table_name = 'lsoa'",
                       "DELETE FROM gpkg_geometry_columns WHERE table_name = 'lsoa'"), "layer 'lsoa'",
                 id="data-without-the-lsoa-layer"),
    pytest.param(_gpkg("ALTER TABLE la DROP COLUMN la_code"), "lacks the column.*la_code",
                 id="data-layer-lacks-column"),
    pytest.param(_gpkg("UPDATE lsoa SET lsoa_code = 'W01000001' WHERE fid = 1"), "Welsh code: gapmap covers England",
                 id="data-welsh-lsoa-code"),
    pytest.param(_gpkg("UPDATE lsoa SET children_0_15 = -7 WHERE fid = 3"), "'children_0_15'.*-7",
                 id="data-negative-children"),
    pytest.param(_gpkg("UPDATE lsoa SET centroid_easting = -1.61, centroid_northing = 54.97 WHERE fid = 2"),
                 "centroid.*not British National Grid", id="data-centroid-in-degrees"),
    pytest.param(_gpkg("UPDATE lsoa SET lsoa_code = (SELECT lsoa_code FROM lsoa WHERE fid = 1) WHERE fid = 2"),
                 "appears more than once", id="data-duplicate-lsoa"),
    pytest.param(lambda tmp: Path(shutil.copy(MALFORMED / "schools_path_traversal.zip", tmp / "area.zip")),
                 "damaged or not a gapmap GeoPackage", id="data-zip-with-path-traversal"),
]


@pytest.mark.parametrize("make, match", DATA_CASES)
def test_malformed_study_area_file_is_refused(tmp_path, monkeypatch, make, match):
    monkeypatch.setenv("GAPMAP_CACHE_DIR", str(tmp_path / "cache"))
    path = make(tmp_path)
    out = tmp_path / "maps"
    _assert_refused(["build", "--out", str(out), "--tiles", "none", "--data", str(path)], DataFileError, match,
                    path.name)
    assert not out.exists()
    assert not (tmp_path / "cache").exists()
    assert not list(tmp_path.rglob("gapmap-traversal-check.csv"))


# -- --ca / --la ---------------------------------------------------------------------------------


def _listing(folder: Path) -> dict[str, bytes]:
    """Every file of a cache folder (entries and any partial download), with its bytes."""
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.exists() else {}


@pytest.fixture(scope="module")
def leeds():
    """The local services for Leeds, running for the module, and a cache of the ONS lookups.

    Yields the services, the ``GAPMAP_*_URL`` environment pointing at them and
    the cache folder (cache keys hold the server's address, so tests reuse this server).
    """
    with pytest.MonkeyPatch.context() as monkeypatch, serving(monkeypatch) as services:
        environment = {name: os.environ[name] for name in services.urls("")}
        cache = Path(tempfile.mkdtemp(prefix="gapmap-lookups-"))
        lookups(Downloader(Cache(cache)), load_config())
        yield services, environment, cache
    shutil.rmtree(cache)


@pytest.fixture
def leeds_cache(leeds, tmp_path, monkeypatch):
    """A fresh copy of the lookups cache, with the environment pointing at the module's server."""
    services, environment, cache = leeds
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    services.requests.clear()
    return Path(shutil.copytree(cache, tmp_path / "cache"))


AREA_CASES = [
    pytest.param(["--la", "W06000015"], UnknownAreaError, "Welsh code, but gapmap covers England only",
                 id="la-welsh-code"),
    pytest.param(["--ca", "S12000036"], UnknownAreaError, "Scottish code, but gapmap covers England only",
                 id="ca-scottish-code"),
    pytest.param(["--la", "383,N09000003"], UnknownAreaError, "Northern Irish code", id="la-northern-irish-code"),
    pytest.param(["--la", "E0800035"], UnknownAreaError, "'E0800035' is not a valid code", id="la-code-too-short"),
    pytest.param(["--la", "E01011229"], UnknownAreaError, "the code of an LSOA, not of a local authority",
                 id="la-lsoa-code-given"),
    pytest.param(["--ca", "E08000035"], UnknownAreaError, "not a combined authority code.*use --la E08000035",
                 id="ca-la-code-given"),
    pytest.param(["--la", " , "], InputError, "needs at least one LA code", id="la-empty-list"),
    pytest.param(["--la", "E47000003"], InputError, "use --ca E47000003", id="la-ca-code-given"),
    pytest.param(["--la", "E08000099"], UnknownAreaError, "Unknown local authority code 'E08000099'",
                 id="la-unknown-english-code"),
    pytest.param(["--la", "999"], UnknownAreaError, "Unknown DfE LA code '999'", id="la-unknown-dfe-code"),
    pytest.param(["--ca", "E47000099"], UnknownAreaError, "Unknown combined authority 'E47000099'",
                 id="ca-unknown-code"),
    pytest.param(["--ca", "Greater Mancheste"], UnknownAreaError, "did you mean Greater Manchester",
                 id="ca-misspelt-name"),
]


@pytest.mark.parametrize("args, error, match", AREA_CASES)
def test_bad_area_is_refused_without_downloading(tmp_path, leeds, leeds_cache, args, error, match):
    """Codes that cannot be English fail before the cache is read; unknown ones fail from the cached lookups."""
    before = _listing(leeds_cache)
    out = tmp_path / "maps"
    _assert_refused(["build", "--out", str(out), "--offline", "--cache-dir", str(leeds_cache), *args], error, match,
                    args[1].split(",")[-1].strip())
    assert not out.exists()
    assert _listing(leeds_cache) == before
    assert leeds[0].requests == []


# -- GIAS from the local server ------------------------------------------------------------------


def _gias_path() -> str:
    return f"/gias/edubasealldata{date.today() - timedelta(days=1):%Y%m%d}.csv"


def _gias_body(edit: Callable[[bytes], bytes]) -> Callable[[object, bytes], None]:
    def damage(services, pristine: bytes) -> None:
        services.gias_body = edit(pristine)
    return damage


def _gias_edit(**values: str) -> Callable[[bytes], bytes]:
    def edit(pristine: bytes) -> bytes:
        table = pd.read_csv(io.BytesIO(pristine), encoding="cp1252", dtype=str, keep_default_na=False)
        return table.assign(**values).to_csv(index=False).encode("cp1252")
    return edit


def _without_column(pristine: bytes) -> bytes:
    table = pd.read_csv(io.BytesIO(pristine), encoding="cp1252", dtype=str, keep_default_na=False)
    return table.drop(columns="SenUnitCapacity").to_csv(index=False).encode("cp1252")


GIAS_CASES = [
    pytest.param(_gias_body(lambda _: b"<!DOCTYPE html><html><body>Maintenance</body></html>"),
                 "is a web page, not data", id="gias-html-maintenance-page"),
    pytest.param(_gias_body(_without_column), r"missing SenUnitCapacity\): the publisher may have changed its layout",
                 id="gias-changed-column-layout"),
    pytest.param(_gias_body(lambda body: body.split(b"\n", 1)[0] + b"\n"), "header but no rows",
                 id="gias-header-only"),
    pytest.param(_gias_body(lambda _: b""), "came back empty", id="gias-empty-body"),
    pytest.param(lambda services, _: services.unframed_truncate_once.add(_gias_path()),
                 "cut short", id="gias-truncated-without-length"),
    pytest.param(lambda services, _: services.truncate_once.add(_gias_path()), "cut short", id="gias-truncated"),
    pytest.param(_gias_body(_gias_edit(**{"EstablishmentStatus (name)": "Closed"})), "none located in Great Britain",
                 id="gias-every-establishment-closed"),
    pytest.param(_gias_body(_gias_edit(Easting="", Northing="")), "none located in Great Britain",
                 id="gias-coordinates-blank"),
    pytest.param(_gias_body(_gias_edit(Easting="0", Northing="0")), "none located in Great Britain",
                 id="gias-coordinates-zero"),
    pytest.param(_gias_body(_gias_edit(Easting="NaN", Northing="inf")), "none located in Great Britain",
                 id="gias-coordinates-nan-and-inf"),
]


@pytest.mark.parametrize("damage, match", GIAS_CASES)
def test_bad_gias_download_is_refused_and_not_cached(tmp_path, leeds, leeds_cache, damage, match):
    """The GIAS loader, as a build of Leeds calls it, against a damaged answer from the local server."""
    services = leeds[0]
    pristine = services.gias_body
    leeds_polygon = gpd.read_file(FIXTURES / "leeds_lad_2025.geojson").to_crs(27700).assign(la_gss="E08000035")
    cache = tmp_path / "gias-cache"
    try:
        damage(services, pristine)
        with pytest.raises(GapmapError) as raised:
            gias.load_gias(Downloader(Cache(cache)), load_config(), la_gss={"383": "E08000035"}, las=leeds_polygon)
    finally:
        services.gias_body = pristine
    assert type(raised.value) is NetworkError, repr(raised.value)
    assert re.search(match, str(raised.value)) and _gias_path() in str(raised.value), str(raised.value)
    assert _listing(cache) == {}


# -- scenario files: names that would become paths ------------------------------------------------


SCENARIO_CASES = [
    pytest.param("area: ../../x\ndata: area.gpkg\n", "'../../x' is not a valid folder name", id="scenario-area-climbs-out"),
    pytest.param("area: /tmp/elsewhere\n", "'/tmp/elsewhere' is not a valid folder name", id="scenario-area-absolute"),
    pytest.param("area: 'north-east/../../x'\n", "is not a valid folder name", id="scenario-area-hides-a-climb"),
    pytest.param("area: 'C:\\\\Users\\\\x'\n", "is not a valid folder name", id="scenario-area-windows-drive"),
]


@pytest.mark.parametrize("text, match", SCENARIO_CASES)
def test_scenario_file_naming_a_path_is_refused(tmp_path, monkeypatch, text, match):
    project = tmp_path / "a" / "b"
    project.mkdir(parents=True)
    monkeypatch.chdir(project)
    (project / "scenario.yaml").write_text(f"name: hostile\n{text}", encoding="utf-8")
    _assert_refused(["scenario", "run", "scenario.yaml", "--out", "maps", "--tiles", "none"], InputError, match,
                    "scenario.yaml")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a", "b", "scenario.yaml"]


# -- ArcGIS answers --------------------------------------------------------------------------------


def test_arcgis_answer_without_features_is_refused_and_not_cached(tmp_path, leeds):
    services = leeds[0]
    layer = services.ons["LAD25_CAUTH25_EN_LU"]
    kept, layer.features[:] = list(layer.features), []
    try:
        with pytest.raises(NetworkError, match="answered with no features") as raised:
            lookups(Downloader(Cache(tmp_path / "cache")), load_config())
    finally:
        layer.features[:] = kept
    assert "LAD25_CAUTH25_EN_LU" in str(raised.value)
    assert not list((tmp_path / "cache").glob("*.data")) or all(
        "CAUTH" not in p.with_suffix(".json").read_text() for p in (tmp_path / "cache").glob("*.data"))


def test_the_corpus_has_at_least_ninety_cases():
    cases = len(FILE_CASES) + len(DATA_CASES) + len(AREA_CASES) + len(GIAS_CASES) + len(SCENARIO_CASES) + 1
    assert cases >= 90
