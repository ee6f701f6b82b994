"""The embedded study areas shipped as package data, and study-area GeoPackages (``--data FILE``).

The default study area, the North East Combined Authority, is read from the
embedded national data (:mod:`gapmap.sources.national`).  ``north-east.gpkg``
is the same area in the study-area GeoPackage layout that ``--data FILE``
reads (layers :data:`REQUIRED_LAYERS`), with the January 2023 school census as
its supply.
"""

from __future__ import annotations

import os
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from gapmap.errors import DataFileError, UnknownAreaError, shown
from gapmap.inputs import StudyInputs
from gapmap.sources.census import provision_from_census
from gapmap.validate import MAX_LSOA_CHILDREN, code_problems, exclude_misplaced, in_great_britain

#: Embedded study areas: slug -> (display name, GeoPackage file name in the ``--data`` layout).
EMBEDDED_AREAS: dict[str, tuple[str, str]] = {
    "north-east": ("North East Combined Authority (E47000014)", "north-east.gpkg"),
}

#: Combined authority of each embedded study area in the national data.
EMBEDDED_CAS = {"north-east": "E47000014"}

#: Layers each embedded GeoPackage must hold, with the columns the loaders read.
REQUIRED_LAYERS: dict[str, list[str]] = {
    "la": ["la_gss", "la_name", "la_code", "ca_code", "ca_name"],
    "lsoa": ["lsoa_code", "lsoa_name", "la_gss", "children_0_15", "centroid_easting", "centroid_northing"],
    "schools_census": ["urn", "school_name", "typeofestablishment_name", "phase_type_grouping"],
    "ehcp_caseload": ["time_period", "la_gss", "ehcplans", "special_total", "ap_pru_total"],
    "ehcp_needs": ["time_period", "la_gss", "ehc_plans", "number_asd", "number_semh", "number_slcn"],
    "ehcp_england": ["time_period", "la_gss", "special_total", "ap_pru_total"],
}

#: Layers read when the GeoPackage has them (older files lack them).
OPTIONAL_LAYERS = ("ehcp_england",)

VINTAGES = {
    "Schools": "DfE school census, January 2023 (Schools, pupils and their characteristics 2022/23)",
    "School locations": "Postcode centroids, OS Code-Point Open, April 2025",
    "LA boundaries": "ONS Local Authority Districts, May 2024",
    "LSOA boundaries": "ONS LSOA (December 2011), super-generalised clipped",
    "LSOA centroids": "ONS LSOA 2011 area centroids (not population-weighted)",
    "Children aged 0-15": "MHCLG English Indices of Deprivation 2019, File 6 population denominators, mid-2015",
    "Deprivation": "MHCLG English Indices of Deprivation 2019 (IMD, IDACI)",
    "EHC plans": "DfE Education, health and care plans, 2025 release (SEN2), January 2019 to January 2025",
}

#: The date each input's figures refer to: census day 19 January 2023, the mid-2015 population estimate.
#: The EHC plan year used is chosen by the analysis (matched to the schools' date by default).
DATES = {
    "Schools": date(2023, 1, 19),
    "Children aged 0-15": date(2015, 6, 30),
}


def embedded_path(slug: str = "north-east") -> Path:
    """Return the path of an embedded study area's GeoPackage.

    ``GAPMAP_EMBEDDED_DIR`` overrides the folder (useful for a rebuilt ``data/``).

    Parameters
    ----------
    slug
        Embedded study area name; see :data:`EMBEDDED_AREAS`.

    Returns
    -------
    pathlib.Path
        The GeoPackage path (not checked for existence).

    Raises
    ------
    UnknownAreaError
        If ``slug`` is not an embedded study area.
    """
    if slug not in EMBEDDED_AREAS:
        raise UnknownAreaError(
            f"No embedded study area called {slug!r}; the embedded areas are: {', '.join(EMBEDDED_AREAS)}."
        )
    return embedded_file(EMBEDDED_AREAS[slug][1])


def embedded_file(filename: str) -> Path:
    """Return the path of one embedded data file (``GAPMAP_EMBEDDED_DIR`` overrides the folder).

    Parameters
    ----------
    filename
        File name in ``data/``, e.g. ``"england_lsoa.parquet"``.

    Returns
    -------
    pathlib.Path
        The path (not checked for existence).
    """
    override = os.environ.get("GAPMAP_EMBEDDED_DIR")
    if override:
        return Path(override) / filename
    try:
        return Path(str(resources.files("gapmap.embedded").joinpath(filename)))
    except ModuleNotFoundError:  # imported from a source checkout that is not installed
        return Path(__file__).resolve().parents[2] / "data" / filename


def _read_layer(path: Path, layer: str) -> gpd.GeoDataFrame | pd.DataFrame:
    try:
        frame = pyogrio.read_dataframe(path, layer=layer)
    except Exception as error:  # pyogrio raises several GDAL error types
        reason = str(error).rsplit(": ", 1)[-1].split(";")[0].strip() or type(error).__name__
        raise DataFileError(
            f"Cannot read layer {layer!r} of {path}: the file is damaged or not a gapmap GeoPackage "
            f"({reason}); reinstall gapmap or rebuild data/ with `python -m gapmap.prepare`."
        ) from None
    missing = [c for c in REQUIRED_LAYERS[layer] if c not in frame.columns]
    if missing:
        raise DataFileError(
            f"Layer {layer!r} of {path} lacks the column(s) {', '.join(missing)}; rebuild data/ "
            "with `python -m gapmap.prepare`."
        )
    if frame.empty:
        raise DataFileError(f"Layer {layer!r} of {path} is empty; rebuild data/ with `python -m gapmap.prepare`.")
    return frame


def _check_layers(path: Path, las: pd.DataFrame, lsoas: pd.DataFrame) -> None:
    """Raise if the LA or LSOA layer has a bad or repeated code, a centroid off the grid or a bad count."""

    def fail(layer: str, column: str, problem: str) -> DataFileError:
        return DataFileError(f"Layer {layer!r} of {path}, column {column!r}: {problem}; fix the file or rebuild "
                             "data/ with `python -m gapmap.prepare`.")

    for layer, frame, column, kind in (("la", las, "la_gss", "la"), ("lsoa", lsoas, "lsoa_code", "lsoa"),
                                       ("lsoa", lsoas, "la_gss", "la")):
        problems = code_problems(frame[column], kind).dropna()
        if len(problems):
            raise fail(layer, column, f"{len(problems)} bad code(s), e.g. {problems.iloc[0]}")
    for layer, frame, column in (("la", las, "la_gss"), ("lsoa", lsoas, "lsoa_code")):
        repeated = frame[column][frame[column].duplicated()]
        if len(repeated):
            raise fail(layer, column, f"{repeated.iloc[0]} appears more than once")
    outside = ~in_great_britain(lsoas["centroid_easting"], lsoas["centroid_northing"])
    if outside.any():
        raise fail("lsoa", "centroid_easting/centroid_northing",
                   f"{int(outside.sum())} centroid(s) are not British National Grid metres inside Great Britain")
    children = pd.to_numeric(lsoas["children_0_15"], errors="coerce")
    bad = ~children.between(0, MAX_LSOA_CHILDREN).fillna(False).astype(bool)
    if bad.any():
        raise fail("lsoa", "children_0_15", f"{int(bad.sum())} value(s) are not counts from 0 to "
                   f"{MAX_LSOA_CHILDREN:,}, e.g. {shown(lsoas.loc[bad, 'children_0_15'].iloc[0])}")


def load_embedded(slug: str = "north-east", *, path: Path | None = None, **national: Any) -> StudyInputs:
    """Load an embedded study area, or a study-area GeoPackage, into :class:`~gapmap.inputs.StudyInputs`.

    Parameters
    ----------
    slug
        Embedded study area name (default ``"north-east"``), read from the
        embedded national data (GIAS May 2025 supply; see
        :func:`gapmap.sources.national.load_national`).
    path
        Read this study-area GeoPackage instead (layers :data:`REQUIRED_LAYERS`);
        the area's name and output folder then come from the file.
    **national
        Passed to :func:`gapmap.sources.national.load_national` (``supply``,
        ``buffer_miles``) for an embedded study area.

    Returns
    -------
    StudyInputs
        LAs, LSOAs with children aged 0-15, canonical provision and EHC plan caseload.

    Raises
    ------
    UnknownAreaError
        If ``slug`` is not an embedded study area.
    DataFileError
        If the file is missing, unreadable, lacks a layer or column, or has a
        bad code, count or centroid.  Schools located well outside their own LA
        are listed in ``excluded`` rather than used.
    """
    if path is not None:
        return load_geopackage(Path(path))
    if slug not in EMBEDDED_CAS:
        raise UnknownAreaError(
            f"No embedded study area called {slug!r}; the embedded areas are: {', '.join(EMBEDDED_CAS)} "
            "(any other area: --ca, --la or --england)."
        )
    from gapmap.sources.national import load_national  # national imports this module

    return load_national(ca=EMBEDDED_CAS[slug], name=EMBEDDED_AREAS[slug][0], slug=slug, **national)


def area_name_from_file(las: pd.DataFrame, path: Path) -> tuple[str, str]:
    """Display name and folder slug of a study-area GeoPackage, from its ``la`` layer.

    One combined authority in ``ca_code``/``ca_name`` names the area as the
    live loaders do (``"West Yorkshire (E47000003)"``, ``west-yorkshire``); else
    up to three LAs are named; else the file's name is used.

    Examples
    --------
    >>> las = pd.DataFrame({"la_gss": ["E08000035"], "la_name": ["Leeds"], "ca_code": [None], "ca_name": [None]})
    >>> area_name_from_file(las, Path("my-area.gpkg"))
    ('Leeds', 'leeds')
    """
    from gapmap.sources.areas import slugify

    if {"ca_code", "ca_name"} <= set(las.columns):
        cas = las[["ca_code", "ca_name"]].dropna().drop_duplicates()
        if len(cas) == 1 and str(cas.iloc[0, 1]).strip():
            code, name = str(cas.iloc[0, 0]), str(cas.iloc[0, 1])
            return (f"{name} ({code})" if code.strip() else name), slugify(name)
    names = sorted(las["la_name"].dropna().astype(str))
    if 0 < len(names) <= 3:
        return ", ".join(names), "-".join(slugify(n) for n in names)
    return path.stem, slugify(path.stem) or "study-area"


def load_geopackage(path: Path) -> StudyInputs:
    """Load a study-area GeoPackage (the ``--data FILE`` layout, :data:`REQUIRED_LAYERS`).

    Parameters
    ----------
    path
        The GeoPackage.

    Returns
    -------
    StudyInputs
        Named and foldered by the file (:func:`area_name_from_file`).

    Raises
    ------
    DataFileError
        As for :func:`load_embedded`.
    """
    if not path.is_file():
        raise DataFileError(
            f"The study-area data file {path} is missing; reinstall gapmap or rebuild data/ "
            "with `python -m gapmap.prepare`."
        )
    las = _read_layer(path, "la")
    lsoas = _read_layer(path, "lsoa")
    census = _read_layer(path, "schools_census")
    caseload = _read_layer(path, "ehcp_caseload")
    needs = _read_layer(path, "ehcp_needs")
    present = {str(name) for name, _ in pyogrio.list_layers(path)}
    optional = {name: pd.DataFrame(_read_layer(path, name)) for name in OPTIONAL_LAYERS if name in present}
    _check_layers(path, las, lsoas)
    source_name = f"{path.name} (layer schools_census)"
    provision, excluded = provision_from_census(census, source_name=source_name)
    provision, misplaced = exclude_misplaced(provision, las, source_name=source_name)
    if len(misplaced):
        excluded = pd.concat([excluded, misplaced], ignore_index=True)
    name, slug = area_name_from_file(las, path)
    return StudyInputs(
        name=name,
        slug=slug,
        las=las.sort_values("la_gss").reset_index(drop=True),
        lsoas=lsoas.sort_values("lsoa_code").reset_index(drop=True),
        provision=provision,
        ehcp=pd.DataFrame(caseload),
        ehcp_needs=pd.DataFrame(needs),
        ehcp_england=optional.get("ehcp_england", pd.DataFrame()),
        excluded=excluded,
        vintages=dict(VINTAGES),
        dates=dict(DATES),
    )
