"""Bring your own data: schools, small-area boundaries and population from local files.

Formats, by file extension: CSV (``.csv``; points from ``easting``/``northing``
columns in British National Grid metres), GeoPackage (``.gpkg``), GeoJSON
(``.geojson``, ``.json``) and GeoParquet (``.parquet``).  Spatial files must
carry a CRS; they are reprojected to EPSG:27700.  Every error names the file,
the column and what was expected.

How each file changes a study's inputs (:func:`apply_user_files`):

* ``schools``: replaces the provision of the kinds the file contains (an LA's
  own list of resourced provision replaces GIAS's resourced provision; a full
  list replaces everything).
* ``population``: replaces ``children_0_15`` of every LSOA; each LSOA of the
  study must be in the file.
* ``boundaries``: replaces the LSOA polygons (and centroids, if the file has
  ``centroid_easting``/``centroid_northing``); each LSOA of the study must be in
  the file.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gapmap.errors import DataFileError, InputError
from gapmap.inputs import StudyInputs
from gapmap.model import CRS, PROVISION_COLUMNS, conform_provision

SPATIAL_SUFFIXES = (".gpkg", ".geojson", ".json", ".parquet")
#: British National Grid extent, metres (a point outside is not an easting/northing).
_BNG_X, _BNG_Y = (0, 700_000), (0, 1_300_000)

SCHOOL_COLUMNS = ["provision_id", "name", "kind", "sector", "la_gss"]
BOUNDARY_COLUMNS = ["lsoa_code"]
POPULATION_COLUMNS = ["lsoa_code", "children_0_15"]


def read_user_file(path: str | Path, *, points: bool) -> pd.DataFrame | gpd.GeoDataFrame:
    """Read a CSV, GeoPackage, GeoJSON or GeoParquet file.

    Parameters
    ----------
    path
        The file.
    points
        For a CSV, build point geometries from ``easting``/``northing`` (EPSG:27700).

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        Spatial files on EPSG:27700; a CSV without ``points`` as a plain table.

    Raises
    ------
    DataFileError
        If the file is missing, of an unknown format, unreadable or without a CRS.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"The file {path} does not exist.")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            table = pd.read_csv(path, dtype={"provision_id": "string", "urn": "string", "lsoa_code": "string",
                                             "la_code": "string", "la_gss": "string"})
            return _points(table, path) if points else table
        if suffix == ".parquet":
            frame = gpd.read_parquet(path)
        elif suffix in SPATIAL_SUFFIXES:
            frame = gpd.read_file(path)
        else:
            raise DataFileError(f"{path} has the extension {suffix!r}; expected one of .csv, .gpkg, .geojson, "
                                ".json or .parquet.")
    except DataFileError:
        raise
    except Exception as error:  # readers raise many kinds (pyogrio, pyarrow, pandas)
        raise DataFileError(f"Cannot read {path} ({error}).") from None
    if frame.crs is None:
        raise DataFileError(f"{path} has no coordinate reference system; expected one (EPSG:27700 or EPSG:4326).")
    return frame.to_crs(CRS)


def _points(table: pd.DataFrame, path: Path) -> gpd.GeoDataFrame:
    for column, (low, high) in (("easting", _BNG_X), ("northing", _BNG_Y)):
        if column not in table.columns:
            raise DataFileError(f"{path} lacks the column {column!r}; expected British National Grid "
                                "easting and northing in metres.")
        values = pd.to_numeric(table[column], errors="coerce")
        bad = ~values.between(low, high)
        if bad.any():
            raise DataFileError(f"{path}, column {column!r}: {int(bad.sum())} value(s) are not British National "
                                f"Grid metres between {low} and {high} (e.g. row {int(bad.idxmax()) + 2}).")
        table[column] = values
    geometry = gpd.points_from_xy(table["easting"], table["northing"], crs=CRS)
    return gpd.GeoDataFrame(table.drop(columns=["easting", "northing"]), geometry=geometry, crs=CRS)


def _require(frame: pd.DataFrame, columns: list[str], path: Path, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataFileError(f"{path} lacks the column(s) {', '.join(missing)}; expected {what} with the columns "
                            f"{', '.join(columns)}.")


def _whole_numbers(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = frame[column].notna() & (values.isna() | (values < 0) | (values % 1 != 0))
    if bad.any():
        raise DataFileError(f"{path}, column {column!r}: {int(bad.sum())} value(s) are not whole numbers >= 0 "
                            f"(e.g. {frame.loc[bad, column].iloc[0]!r}).")
    return values.astype("Int64")


def read_schools(path: str | Path) -> gpd.GeoDataFrame:
    """Read a schools file into the canonical provision table.

    Required columns: ``provision_id``, ``name``, ``kind``, ``sector``,
    ``la_gss`` and a point location (``easting``/``northing`` in a CSV).  Any
    other column of :data:`gapmap.model.PROVISION_COLUMNS` is read when present.

    Raises
    ------
    DataFileError
        If a column is missing or a count is not a whole number.
    InputError
        If a kind or sector is unknown or an id repeats.
    """
    path = Path(path)
    frame = read_user_file(path, points=True)
    _require(frame, SCHOOL_COLUMNS, path, "a schools file")
    if not (frame.geom_type == "Point").all():
        raise DataFileError(f"{path}: every school needs a point location; found {sorted(set(frame.geom_type))}.")
    frame = frame.copy()
    for column, dtype in PROVISION_COLUMNS.items():
        if column not in frame.columns:
            frame[column] = pd.NA
        elif dtype == "Int64":
            frame[column] = _whole_numbers(frame, column, path)
    frame["urn"] = frame["urn"].fillna(frame["provision_id"])
    frame["source"] = frame["source"].fillna(path.name)
    frame["location_source"] = frame["location_source"].fillna(f"{path.name} coordinates")
    return conform_provision(frame, source_name=str(path))


def read_boundaries(path: str | Path) -> gpd.GeoDataFrame:
    """Read small-area polygons: ``lsoa_code``, optional ``centroid_easting``/``centroid_northing``.

    Raises
    ------
    DataFileError
        If the file is not spatial, lacks ``lsoa_code``, repeats a code or has non-polygons.
    """
    path = Path(path)
    frame = read_user_file(path, points=False)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise DataFileError(f"{path} holds no geometries; expected LSOA polygons in a GeoPackage, GeoJSON or "
                            "GeoParquet file.")
    _require(frame, BOUNDARY_COLUMNS, path, "LSOA boundaries")
    if not frame.geom_type.isin(["Polygon", "MultiPolygon"]).all():
        raise DataFileError(f"{path}: expected polygons only; found {sorted(set(frame.geom_type))}.")
    frame["lsoa_code"] = frame["lsoa_code"].astype("string")
    dupes = frame["lsoa_code"][frame["lsoa_code"].duplicated()]
    if len(dupes):
        raise DataFileError(f"{path}, column 'lsoa_code': {dupes.iloc[0]} appears more than once.")
    keep = [c for c in ("lsoa_code", "centroid_easting", "centroid_northing") if c in frame.columns]
    return frame[[*keep, "geometry"]]


def read_population(path: str | Path) -> pd.DataFrame:
    """Read children aged 0-15 per LSOA: ``lsoa_code``, ``children_0_15`` (whole numbers >= 0).

    Raises
    ------
    DataFileError
        If a column is missing, a count is not a whole number or a code repeats.
    """
    path = Path(path)
    frame = pd.DataFrame(read_user_file(path, points=False)).drop(columns="geometry", errors="ignore")
    _require(frame, POPULATION_COLUMNS, path, "a population file")
    frame["lsoa_code"] = frame["lsoa_code"].astype("string")
    frame["children_0_15"] = _whole_numbers(frame, "children_0_15", path)
    if frame["children_0_15"].isna().any():
        raise DataFileError(f"{path}, column 'children_0_15': {int(frame['children_0_15'].isna().sum())} empty "
                            "value(s); expected a count for every LSOA.")
    dupes = frame["lsoa_code"][frame["lsoa_code"].duplicated()]
    if len(dupes):
        raise DataFileError(f"{path}, column 'lsoa_code': {dupes.iloc[0]} appears more than once.")
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
        A new inputs object; ``vintages`` names the files used.
    """
    provision, lsoas, vintages = inputs.provision, inputs.lsoas.copy(), dict(inputs.vintages)
    if schools is not None:
        own = read_schools(schools)
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
    if boundaries is not None:
        table = _covering(read_boundaries(boundaries), inputs, Path(boundaries))
        for column in ("centroid_easting", "centroid_northing"):
            if column in table.columns:
                lsoas[column] = lsoas["lsoa_code"].map(table[column]).astype("float64")
        lsoas["geometry"] = gpd.GeoSeries(lsoas["lsoa_code"].map(table.geometry).to_numpy(), crs=CRS,
                                          index=lsoas.index)
        vintages["LSOA boundaries"] = Path(boundaries).name
    return replace(inputs, provision=provision, lsoas=lsoas, vintages=vintages)
