"""Bring your own data: schools, small-area boundaries and population from local files.

Formats, by file extension: CSV (``.csv``; points from ``easting``/``northing``
columns in British National Grid metres), GeoPackage (``.gpkg``), GeoJSON
(``.geojson``, ``.json``) and GeoParquet (``.parquet``).  Column names are
matched without regard to case (``Easting`` is ``easting``).  A CSV is UTF-8 and
comma-separated; a GeoPackage holds one layer; spatial files must carry a CRS
and are reprojected to EPSG:27700.  Codes, counts and coordinates are checked
(:mod:`gapmap.validate`): every error names the file, the column, a row and
what was expected.  Schools without a location, or located well outside their
own LA, are not used and are listed in ``excluded`` with the reason.

How each file changes a study's inputs (:func:`apply_user_files`):

* ``schools``: replaces the provision of the kinds the file contains (an LA's
  own list of resourced provision replaces GIAS's resourced provision; a full
  list replaces everything).  Two layouts are read: gapmap's own
  (:data:`SCHOOL_COLUMNS` and a point location) and a GIAS "all establishment
  data" CSV as downloaded (:data:`gapmap.sources.gias.REQUIRED_COLUMNS`), whose
  open establishments are classified as the live GIAS source classifies them.
* ``population``: replaces ``children_0_15`` of every LSOA; each LSOA of the
  study must be in the file.
* ``boundaries``: replaces the LSOA polygons (and centroids, if the file has
  ``centroid_easting``/``centroid_northing``); each LSOA of the study must be in
  the file.  Invalid polygons (self-intersecting rings) are repaired with
  shapely's ``make_valid``, and the LSOA boundaries' vintage says how many.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from gapmap.errors import DataFileError, InputError, shown
from gapmap.inputs import EXCLUDED_COLUMNS, StudyInputs
from gapmap.model import CRS, KINDS, PROVISION_COLUMNS, SECTORS, conform_provision
from gapmap.sources import gias
from gapmap.sources.dfe_la_codes import DFE_LA_CODES
from gapmap.validate import (
    BNG_EASTING, BNG_NORTHING, LA_TOLERANCE_M, MAX_AGE, MAX_LSOA_CHILDREN, MAX_SCHOOL_COUNT, code_problems,
    distance_outside_la, exclude_misplaced, in_great_britain, location_hint, looks_like_degrees, repair_polygons,
)

SPATIAL_SUFFIXES = (".gpkg", ".geojson", ".json", ".parquet")

SCHOOL_COLUMNS = ["provision_id", "name", "kind", "sector", "la_gss"]
BOUNDARY_COLUMNS = ["lsoa_code"]
POPULATION_COLUMNS = ["lsoa_code", "children_0_15"]
#: Largest plausible value of each whole-number column of a schools file.
_SCHOOL_MAXIMA = {"pupils": MAX_SCHOOL_COUNT, "capacity": MAX_SCHOOL_COUNT, "statutory_low_age": MAX_AGE,
                  "statutory_high_age": MAX_AGE, "age_low_on_roll": MAX_AGE, "age_high_on_roll": MAX_AGE}
_TEXT_COLUMNS = {"provision_id": "string", "urn": "string", "lsoa_code": "string", "la_code": "string",
                 "la_gss": "string"}
#: Column names gapmap reads from user files, matched without regard to case.
KNOWN_COLUMNS = (*PROVISION_COLUMNS, "easting", "northing", "lsoa_code", "children_0_15", "centroid_easting",
                 "centroid_northing")
#: Columns that mark a CSV as GIAS "all establishment data" rather than gapmap's own schools layout.
_GIAS_MARKERS = ("URN", "EstablishmentName", "TypeOfEstablishment (name)", "EstablishmentStatus (name)", "Easting")


def _canonical_names(columns: pd.Index) -> dict[str, str]:
    """Column -> gapmap's name for it, for columns that differ from a known name only in case or spaces."""
    known = {name.lower(): name for name in KNOWN_COLUMNS}
    present = set(columns)
    renames = {}
    for column in columns:
        name = known.get(str(column).strip().lower())
        if name is not None and name != column and name not in present:
            renames[column] = name
    return renames


def read_user_file(path: str | Path, *, points: bool) -> pd.DataFrame | gpd.GeoDataFrame:
    """Read a CSV, GeoPackage, GeoJSON or GeoParquet file.

    Parameters
    ----------
    path
        The file.  A CSV must be UTF-8 (a byte-order mark is fine) and
        comma-separated; only empty cells are missing values (``NA`` or
        ``n/a`` is text, and an error in a number column).  A GeoPackage must
        hold one layer.
    points
        For a CSV, build point geometries from ``easting``/``northing``
        (EPSG:27700); a row with either cell empty gets a null geometry.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        Spatial files on EPSG:27700; a CSV without ``points`` as a plain table.

    Raises
    ------
    DataFileError
        If the file is missing, empty, of an unknown format, unreadable, without
        a CRS, or has coordinates outside Great Britain.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"The file {path} does not exist.")
    suffix = path.suffix.lower()
    if suffix != ".csv" and suffix not in SPATIAL_SUFFIXES:
        raise DataFileError(f"{path} has the extension {suffix!r}; expected one of .csv, .gpkg, .geojson, "
                            ".json or .parquet.")
    if path.stat().st_size == 0:
        raise DataFileError(f"The file {path} is empty (0 bytes).")
    if suffix == ".csv":
        table = _read_csv(path)
        return _points(table, path) if points else table
    try:
        if suffix == ".parquet":
            frame = gpd.read_parquet(path)
        else:
            layers = pyogrio.list_layers(path)
            if len(layers) != 1:
                names = ", ".join(str(name) for name, _ in layers) or "none"
                raise DataFileError(f"{path} holds {len(layers)} layers ({names}); expected exactly one: save the "
                                    "layer you mean in a file of its own.")
            frame = gpd.read_file(path)
    except DataFileError:
        raise
    except Exception as error:  # readers raise many kinds (pyogrio, pyarrow, pandas)
        raise DataFileError(f"Cannot read {path} ({error}).") from None
    if frame.crs is None:
        raise DataFileError(f"{path} has no coordinate reference system; expected one (EPSG:27700 or EPSG:4326).")
    return _on_grid(frame.rename(columns=_canonical_names(frame.columns)), path)


def _read_csv(path: Path) -> pd.DataFrame:
    """A UTF-8, comma-separated CSV as a table with the code columns as text."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataFileError(
            f"{path} is not UTF-8 text (byte 0x{raw[error.start]:02x} at position {error.start}); save it as "
            "'CSV UTF-8' (in Excel: Save As, CSV UTF-8)."
        ) from None
    try:
        renames = _canonical_names(pd.read_csv(io.StringIO(text), nrows=0).columns)
        text_columns = {**{c: "string" for c, name in renames.items() if name in _TEXT_COLUMNS}, **_TEXT_COLUMNS}
        table = pd.read_csv(io.StringIO(text), dtype=text_columns, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        raise DataFileError(f"Cannot read {path} as CSV ({str(error).strip()}); is the file complete?") from None
    table = table.rename(columns=renames)
    if len(table.columns) == 1 and any(sep in str(table.columns[0]) for sep in (";", "\t", "|")):
        raise DataFileError(f"{path} has one column {table.columns[0]!r}: its values are not separated by commas; "
                            "save it as comma-separated CSV.")
    if table.empty:
        raise DataFileError(f"{path} has a header but no rows.")
    return table


def _on_grid(frame: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """``frame`` reprojected to EPSG:27700, checked to lie inside Great Britain."""
    if frame.empty:
        raise DataFileError(f"{path} has no rows.")
    located = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    bounds = located.bounds
    if frame.crs.is_geographic and not (bounds["minx"].ge(-180).all() and bounds["maxx"].le(180).all()
                                        and bounds["miny"].ge(-90).all() and bounds["maxy"].le(90).all()):
        raise DataFileError(f"{path} says its coordinates are longitude/latitude ({frame.crs.name}) but they are "
                            "not: set its CRS to what they are (British National Grid metres are EPSG:27700).")
    degrees = not frame.crs.is_geographic and looks_like_degrees(bounds["minx"], bounds["miny"])
    frame = frame.to_crs(CRS)
    bounds = frame.bounds.loc[located.index]
    inside = in_great_britain(bounds["minx"], bounds["miny"]) & in_great_britain(bounds["maxx"], bounds["maxy"])
    if not inside.all():
        hint = "they look like longitude/latitude: set the file's CRS to EPSG:4326" if degrees else \
            "check the file's CRS"
        raise DataFileError(f"{path}: {int((~inside).sum())} of {len(inside)} geometries lie outside Great Britain "
                            f"(British National Grid easting {BNG_EASTING[0]:.0f}-{BNG_EASTING[1]:.0f}, northing "
                            f"{BNG_NORTHING[0]:.0f}-{BNG_NORTHING[1]:.0f}); {hint}.")
    return frame


def _points(table: pd.DataFrame, path: Path) -> gpd.GeoDataFrame:
    values = {}
    for column in ("easting", "northing"):
        if column not in table.columns:
            raise DataFileError(f"{path} lacks the column {column!r}; expected British National Grid "
                                "easting and northing in metres.")
        values[column] = pd.to_numeric(table[column], errors="coerce")
        text = table[column].notna() & values[column].isna()
        if text.any():
            raise DataFileError(f"{path}, column {column!r}: {int(text.sum())} value(s) are not numbers (e.g. "
                                f"{shown(table.loc[text, column].iloc[0])} in row {int(text.idxmax()) + 2}).")
    easting, northing = values["easting"], values["northing"]
    located = easting.notna() & northing.notna()
    if not located.any():
        raise DataFileError(f"{path}: no row has both an easting and a northing.")
    if looks_like_degrees(easting[located], northing[located]):
        raise DataFileError(f"{path}, columns 'easting'/'northing': the values look like longitude/latitude in "
                            "degrees; give British National Grid (EPSG:27700) metres, or a GeoJSON/GeoPackage "
                            "file that states its CRS.")
    outside = located & ~in_great_britain(easting, northing)
    if outside.any():
        row = int(outside.idxmax())
        swapped = in_great_britain(northing[outside], easting[outside]).all()
        hint = "the easting and northing look swapped" if swapped else "expected British National Grid metres"
        raise DataFileError(
            f"{path}, columns 'easting'/'northing': {int(outside.sum())} point(s) lie outside Great Britain "
            f"(easting {BNG_EASTING[0]:.0f}-{BNG_EASTING[1]:.0f}, northing {BNG_NORTHING[0]:.0f}-"
            f"{BNG_NORTHING[1]:.0f}), e.g. row {row + 2}: {easting[row]}, {northing[row]}; {hint}."
        )
    geometry = gpd.GeoSeries(gpd.points_from_xy(easting, northing), index=table.index, crs=CRS).where(located, None)
    return gpd.GeoDataFrame(table.drop(columns=["easting", "northing"]), geometry=geometry, crs=CRS)


def _require(frame: pd.DataFrame, columns: list[str], path: Path, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataFileError(f"{path} lacks the column(s) {', '.join(missing)}; expected {what} with the columns "
                            f"{', '.join(columns)}.")


def _whole_numbers(frame: pd.DataFrame, column: str, path: Path, maximum: int) -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = frame[column].notna() & ~(values.between(0, maximum) & (values % 1 == 0)).fillna(False).astype(bool)
    if bad.any():
        raise DataFileError(f"{path}, column {column!r}: {int(bad.sum())} value(s) are not whole numbers from 0 "
                            f"to {maximum:,} (e.g. {shown(frame.loc[bad, column].iloc[0])} in row {int(bad.idxmax()) + 2}).")
    return values.astype("Int64")


def _check_codes(frame: pd.DataFrame, column: str, kind: str, path: Path) -> None:
    problems = code_problems(frame[column], kind)
    if problems.notna().any():
        row = int(problems.notna().idxmax())
        raise DataFileError(f"{path}, column {column!r}: {int(problems.notna().sum())} bad code(s), e.g. row "
                            f"{row + 2}: {problems[row]}.")


def _check_unique(frame: pd.DataFrame, columns: list[str], path: Path) -> None:
    repeated = frame[frame.duplicated(subset=columns, keep=False)]
    if len(repeated):
        value = ", ".join(str(repeated[c].iloc[0]) for c in columns)
        raise DataFileError(f"{path}, column(s) {', '.join(repr(c) for c in columns)}: {value} appears more than "
                            f"once (rows {', '.join(str(i + 2) for i in repeated.index[:5])}); keep one row each.")


def _is_gias_layout(path: Path) -> bool:
    """Whether a CSV's header has the GIAS "all establishment data" columns (any case)."""
    with open(path, "rb") as handle:
        first = handle.readline(1 << 16).decode("cp1252", errors="replace").lower()
    return path.suffix.lower() == ".csv" and all(marker.lower() in first for marker in _GIAS_MARKERS)


def _read_gias_file(path: Path) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """A GIAS all-establishments CSV (as downloaded, or re-saved as UTF-8) as canonical provision of every LA."""
    try:
        path.read_bytes().decode("utf-8-sig")
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = gias.ENCODING
    raw = gias.read_gias(path, la_codes=None, source_name=str(path), encoding=encoding)
    if raw.empty:
        raise DataFileError(f"{path} lists no open establishment (column 'EstablishmentStatus (name)'); expected "
                            f"some with the status {' or '.join(repr(s) for s in gias.OPEN_STATUSES)}.")
    la_gss = {code: gss for code, gss, _ in DFE_LA_CODES}
    return gias.provision_from_gias(raw, la_gss=la_gss, source_label=f"{path.name} (GIAS all establishment data)",
                                    source_name=path.name)


def read_schools_file(path: str | Path) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Read a schools file into the canonical provision table, and list the rows that cannot be used.

    Two layouts are read.  gapmap's own: required columns ``provision_id``,
    ``name``, ``kind``, ``sector``, ``la_gss`` and a point location
    (``easting``/``northing`` in a CSV), any other column of
    :data:`gapmap.model.PROVISION_COLUMNS` read when present; a row whose
    location is empty is listed as excluded, and every other problem is an
    error naming the file, the column and the row.  Or a GIAS "all
    establishment data" CSV (:data:`gapmap.sources.gias.REQUIRED_COLUMNS`),
    read as the live GIAS source reads it: open establishments only, rows that
    cannot be used listed as excluded with the reason.  Column names are
    matched without regard to case.

    Returns
    -------
    provision : geopandas.GeoDataFrame
        The located schools.
    excluded : pandas.DataFrame
        Rows without a location (:data:`gapmap.inputs.EXCLUDED_COLUMNS`).

    Raises
    ------
    DataFileError
        If a column is missing, a code is malformed or not English, an id
        repeats, a kind or sector is unknown, a count is not a plausible whole
        number, or a location is not in Great Britain.
    """
    path = Path(path)
    if path.is_file() and path.stat().st_size and _is_gias_layout(path):
        return _read_gias_file(path)
    frame = read_user_file(path, points=True)
    _require(frame, SCHOOL_COLUMNS, path, "a schools file (or a GIAS all establishment data CSV)")
    frame = frame.copy()
    for column in ("provision_id", "name", "kind", "sector"):
        frame[column] = frame[column].astype("string").str.strip()
        empty = frame[column].isna() | frame[column].eq("")
        if empty.any():
            raise DataFileError(f"{path}, column {column!r}: {int(empty.sum())} empty value(s), e.g. row "
                                f"{int(empty.idxmax()) + 2}; every school needs one.")
    _check_unique(frame, ["provision_id"], path)
    _check_codes(frame, "la_gss", "la", path)
    if "urn" in frame.columns:
        frame["urn"] = frame["urn"].astype("string").str.strip()
        named = frame[frame["urn"].notna()]
        _check_codes(named, "urn", "urn", path)
        _check_unique(named, ["urn", "kind"], path)
    for column, known in (("kind", KINDS), ("sector", SECTORS)):
        unknown = sorted(set(frame[column]) - set(known))
        if unknown:
            raise DataFileError(f"{path}, column {column!r}: unknown provision {column}(s) {unknown}; expected "
                                f"{', '.join(known)}.")
    located = frame.geometry.notna() & ~frame.geometry.is_empty
    if not (frame.geom_type[located] == "Point").all():
        raise DataFileError(f"{path}: every school needs a point location; found "
                            f"{sorted(set(frame.geom_type[located]))}.")
    excluded = pd.DataFrame({"source": path.name, "record_id": frame.loc[~located, "provision_id"],
                             "name": frame.loc[~located, "name"], "reason": "no location: easting/northing empty"})
    for column, dtype in PROVISION_COLUMNS.items():
        if column not in frame.columns:
            frame[column] = pd.NA
        elif dtype == "Int64":
            frame[column] = _whole_numbers(frame, column, path, _SCHOOL_MAXIMA[column])
    _check_age_order(frame, path)
    frame["urn"] = frame["urn"].fillna(frame["provision_id"])
    frame["source"] = frame["source"].fillna(path.name)
    frame["location_source"] = frame["location_source"].fillna(f"{path.name} coordinates")
    provision = conform_provision(frame[located], source_name=str(path))
    return provision, excluded[EXCLUDED_COLUMNS].reset_index(drop=True)


def _check_age_order(frame: pd.DataFrame, path: Path) -> None:
    for low, high in (("statutory_low_age", "statutory_high_age"), ("age_low_on_roll", "age_high_on_roll")):
        reversed_ages = (frame[low] > frame[high]).fillna(False).astype(bool)
        if reversed_ages.any():
            row = int(reversed_ages.idxmax())
            raise DataFileError(f"{path}, columns {low!r}/{high!r}: {int(reversed_ages.sum())} school(s) have the "
                                f"youngest age above the oldest (e.g. row {row + 2}: {shown(frame.loc[row, low])} > "
                                f"{shown(frame.loc[row, high])}); swap them or correct the ages.")


def read_schools(path: str | Path) -> gpd.GeoDataFrame:
    """Read the located schools of a schools file (see :func:`read_schools_file`).

    Returns
    -------
    geopandas.GeoDataFrame
        Canonical provision.

    Raises
    ------
    DataFileError
        As :func:`read_schools_file`.
    """
    return read_schools_file(path)[0]


def read_boundaries(path: str | Path) -> gpd.GeoDataFrame:
    """Read small-area polygons: ``lsoa_code``, optional ``centroid_easting``/``centroid_northing``.

    Invalid polygons (a self-intersecting ring, say) are repaired with
    :func:`gapmap.validate.repair_polygons`; ``attrs["repaired"]`` of the result
    says how many.

    Raises
    ------
    DataFileError
        If the file is not spatial, lacks ``lsoa_code``, has a code that is not an
        English LSOA code, repeats a code, or has non-polygons, empty polygons or
        centroids outside Great Britain.
    """
    path = Path(path)
    frame = read_user_file(path, points=False)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise DataFileError(f"{path} holds no geometries; expected LSOA polygons in a GeoPackage, GeoJSON or "
                            "GeoParquet file.")
    _require(frame, BOUNDARY_COLUMNS, path, "LSOA boundaries")
    if not frame.geom_type.isin(["Polygon", "MultiPolygon"]).all():
        raise DataFileError(f"{path}: expected polygons only; found {sorted(set(frame.geom_type.fillna('none')))}.")
    geometry, repaired = repair_polygons(frame.geometry)
    frame = frame.set_geometry(geometry)
    if (geometry.is_empty | geometry.isna()).any():
        raise DataFileError(f"{path}: {int((geometry.is_empty | geometry.isna()).sum())} polygon(s) are empty (or "
                            "collapse to lines when repaired); every LSOA needs an area.")
    frame["lsoa_code"] = frame["lsoa_code"].astype("string")
    _check_codes(frame, "lsoa_code", "lsoa", path)
    _check_unique(frame, ["lsoa_code"], path)
    keep = [c for c in ("lsoa_code", "centroid_easting", "centroid_northing") if c in frame.columns]
    if len(keep) == 3 and not in_great_britain(frame["centroid_easting"], frame["centroid_northing"]).all():
        raise DataFileError(f"{path}, columns 'centroid_easting'/'centroid_northing': some centroids are not "
                            "British National Grid metres inside Great Britain.")
    frame = frame[[*keep, "geometry"]]
    frame.attrs["repaired"] = repaired
    return frame


def read_population(path: str | Path) -> pd.DataFrame:
    """Read children aged 0-15 per LSOA: ``lsoa_code``, ``children_0_15`` (whole numbers >= 0).

    Raises
    ------
    DataFileError
        If a column is missing, a code is not an English LSOA code, a count is
        empty or not a plausible whole number, or a code repeats.
    """
    path = Path(path)
    frame = pd.DataFrame(read_user_file(path, points=False)).drop(columns="geometry", errors="ignore")
    _require(frame, POPULATION_COLUMNS, path, "a population file")
    frame["lsoa_code"] = frame["lsoa_code"].astype("string")
    _check_codes(frame, "lsoa_code", "lsoa", path)
    frame["children_0_15"] = _whole_numbers(frame, "children_0_15", path, MAX_LSOA_CHILDREN)
    if frame["children_0_15"].isna().any():
        raise DataFileError(f"{path}, column 'children_0_15': {int(frame['children_0_15'].isna().sum())} empty "
                            "value(s); expected a count for every LSOA.")
    _check_unique(frame, ["lsoa_code"], path)
    return frame[POPULATION_COLUMNS]


def _covering(table: pd.DataFrame, inputs: StudyInputs, path: Path) -> pd.DataFrame:
    """``table`` indexed by lsoa_code, checked to cover every LSOA of the study."""
    indexed = table.set_index("lsoa_code")
    missing = inputs.lsoas.loc[~inputs.lsoas["lsoa_code"].isin(indexed.index), "lsoa_code"]
    if len(missing):
        raise InputError(f"{path} has no row for {len(missing)} of the {len(inputs.lsoas)} LSOAs of "
                         f"{inputs.name} (column 'lsoa_code'), e.g. {', '.join(missing.iloc[:5])}.")
    return indexed


def apply_user_files(
    inputs: StudyInputs,
    *,
    schools: str | Path | None = None,
    boundaries: str | Path | None = None,
    population: str | Path | None = None,
) -> StudyInputs:
    """Return ``inputs`` with parts replaced by the user's files (see the module docstring).

    Parameters
    ----------
    inputs
        Study inputs from the embedded data or the live sources.
    schools, boundaries, population
        Local files; ``None`` keeps that part.

    Returns
    -------
    StudyInputs
        A new inputs object; ``vintages`` names the files used and ``excluded``
        adds the schools that could not be used (no location, or located well
        outside their own LA).

    Raises
    ------
    DataFileError
        If a file is malformed (see the readers), every school of the study's
        LAs lies outside its LA, or an LSOA polygon lies outside its LA.
    InputError
        If a population or boundaries file lacks an LSOA of the study.
    """
    provision, lsoas, vintages, dates = inputs.provision, inputs.lsoas.copy(), dict(inputs.vintages), dict(inputs.dates)
    excluded = [inputs.excluded]
    if schools is not None:
        own, unlocated = read_schools_file(schools)
        own, misplaced = exclude_misplaced(own, inputs.las, source_name=Path(schools).name)
        excluded += [unlocated, misplaced]
        kinds = sorted(set(own["kind"]))
        kept = provision[~provision["kind"].isin(kinds)]
        provision = conform_provision(
            pd.concat([kept, own], ignore_index=True), source_name=f"{inputs.name} with {schools}"
        )
        own_text = f"{', '.join(kinds)} from {Path(schools).name}"
        vintages["Schools"] = f"{vintages['Schools']}; {own_text}" if vintages.get("Schools") else own_text
    if population is not None:
        table = _covering(read_population(population), inputs, Path(population))
        lsoas["children_0_15"] = lsoas["lsoa_code"].map(table["children_0_15"]).astype("Int64")
        lsoas = lsoas.drop(columns=[c for c in lsoas.columns if c.startswith("age_")])
        vintages["Children aged 0-15"] = Path(population).name
        dates.pop("Children aged 0-15", None)  # a user's file carries no date
    if boundaries is not None:
        polygons = read_boundaries(boundaries)
        table = _covering(polygons, inputs, Path(boundaries))
        for column in ("centroid_easting", "centroid_northing"):
            if column in table.columns:
                lsoas[column] = lsoas["lsoa_code"].map(table[column]).astype("float64")
        lsoas["geometry"] = gpd.GeoSeries(lsoas["lsoa_code"].map(table.geometry).to_numpy(), crs=CRS,
                                          index=lsoas.index)
        _check_in_own_las(lsoas, inputs, Path(boundaries))
        repaired = polygons.attrs.get("repaired", 0)
        vintages["LSOA boundaries"] = Path(boundaries).name + (
            f" ({repaired} invalid polygon(s), e.g. self-intersecting, repaired with shapely make_valid)"
            if repaired else "")
    parts = [table for table in excluded if len(table)]
    excluded_rows = pd.concat(parts, ignore_index=True) if parts else inputs.excluded
    return replace(inputs, provision=provision, lsoas=lsoas, vintages=vintages, dates=dates, excluded=excluded_rows)


def _check_in_own_las(lsoas: gpd.GeoDataFrame, inputs: StudyInputs, path: Path) -> None:
    """Raise if a replaced LSOA polygon lies well outside the LA the study puts it in."""
    points = lsoas.geometry.representative_point()
    outside = distance_outside_la(points, lsoas["la_gss"], inputs.las) > LA_TOLERANCE_M
    if outside.any():
        hint = location_hint(points[outside], lsoas["la_gss"][outside], inputs.las)
        raise DataFileError(
            f"{path}: {int(outside.sum())} of the {len(lsoas)} LSOA polygons of {inputs.name} lie outside their LA "
            f"(e.g. {lsoas.loc[outside, 'lsoa_code'].iloc[0]}); {hint}."
        )
