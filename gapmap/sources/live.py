"""Any English combined authority or set of LAs, assembled from the live public sources.

:func:`load_live` resolves the area, then fetches (through the cache) the ONS
boundaries and lookups, the Nomis population estimates, the IoD2025 File 7
and the GIAS establishments, and returns the same
:class:`~gapmap.inputs.StudyInputs` as the embedded North East area.
:func:`fetch_live` does the same downloads and reports what it fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gapmap.errors import DataFileError, InputError
from gapmap.inputs import StudyInputs
from gapmap.model import CRS
from gapmap.sources import gias, iod, nomis, ons
from gapmap.sources.areas import Lookups, StudyArea, check_area_codes, resolve_area
from gapmap.sources.cache import Cache, default_cache_dir
from gapmap.sources.config import SourceConfig, load_config
from gapmap.sources.http import Downloader

#: Columns of the LSOA table, in order; single years of age and deprivation columns
#: are left out when the source does not publish them.
LSOA_COLUMNS = [
    "lsoa_code", "lsoa_name", "la_gss", "lad_gss", "children_0_15", *iod.COLUMNS,
    "centroid_easting", "centroid_northing", *nomis.AGE_COLUMNS, "geometry",
]


@dataclass(frozen=True)
class Assembled:
    """A study area's inputs and what each dataset contributed.

    Attributes
    ----------
    inputs
        The study inputs.
    rows
        Dataset label (as in the downloader's ``fetched`` list) -> rows used.
    vintages
        Dataset label -> vintage (file date, service name, estimate year).
    """

    inputs: StudyInputs
    rows: dict[str, int]
    vintages: dict[str, str]


def downloader_for(*, cache_dir: str | Path | None = None, offline: bool = False, refresh: bool = False) -> Downloader:
    """Return a downloader on the cache folder (``cache_dir``, ``GAPMAP_CACHE_DIR`` or the user cache dir).

    Raises
    ------
    InputError
        If both ``offline`` and ``refresh`` are asked for.
    """
    if offline and refresh:
        raise InputError("--offline and --refresh contradict each other: refreshing needs the network.")
    return Downloader(Cache(default_cache_dir(cache_dir)), offline=offline, refresh=refresh)


def lookups(downloader: Downloader, config: SourceConfig) -> Lookups:
    """Fetch the ONS lookups that area resolution needs (small attribute tables)."""
    return Lookups(
        lads=ons.england_lads(downloader, config),
        lad_to_ca=ons.lad_to_ca(downloader, config),
        lad_to_county=ons.lad_to_county(downloader, config),
    )


def _lsoas(downloader: Downloader, config: SourceConfig, area: StudyArea) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    lookup = ons.lsoas_in_lads(downloader, config, area.lad_codes)
    codes = list(lookup["lsoa"])
    bounds = ons.lsoa_boundaries(downloader, config, codes)
    centroids = ons.lsoa_centroids(downloader, config, codes)
    population, population_vintage = nomis.children_by_lsoa(downloader, config, codes)
    deprivation, deprivation_vintage = iod.deprivation_by_lsoa(downloader, config, codes)
    table = (
        bounds.merge(lookup, on="lsoa", validate="1:1")
        .merge(centroids, on="lsoa", validate="1:1")
        .merge(population, on="lsoa", validate="1:1")
        .merge(deprivation, on="lsoa", validate="1:1")
        .rename(columns={"lsoa": "lsoa_code", "lad": "lad_gss"})
    )
    table["la_gss"] = table["lad_gss"].map(area.education_la_of).astype("string")
    unpublished = [c for c in iod.COLUMNS if table[c].isna().all()]  # optional: absent rather than all null
    columns = [c for c in LSOA_COLUMNS if c in table.columns and c not in unpublished]
    lsoas = gpd.GeoDataFrame(table[columns], geometry="geometry", crs=CRS)
    vintages = {
        "LSOA boundaries": f"ONS {config.service('lsoa_boundaries').service}",
        "LSOA centroids": f"ONS {config.service('lsoa_centroids').service} (population-weighted)",
        "Children aged 0-15": f"ONS small-area population estimates via Nomis {nomis.DATASET}, {population_vintage}",
        "Deprivation": f"MHCLG English Indices of Deprivation, {deprivation_vintage}",
    }
    return lsoas.sort_values("lsoa_code").reset_index(drop=True), vintages


def _las(downloader: Downloader, config: SourceConfig, area: StudyArea) -> gpd.GeoDataFrame:
    lads = ons.lad_boundaries(downloader, config, area.lad_codes)
    lads["la_gss"] = lads["lad"].map(area.education_la_of)
    las = lads[["la_gss", "geometry"]].dissolve(by="la_gss").reset_index()
    names = pd.DataFrame(
        [(la.la_gss, la.la_name, la.la_code) for la in area.las], columns=["la_gss", "la_name", "la_code"]
    )
    las = las.merge(names, on="la_gss", validate="1:1")
    las["ca_code"], las["ca_name"] = area.ca_code, area.ca_name
    columns = ["la_gss", "la_name", "la_code", "ca_code", "ca_name"]
    for column in columns:
        las[column] = las[column].astype("string")
    las = gpd.GeoDataFrame(las[[*columns, "geometry"]], geometry="geometry", crs=CRS)
    return las.sort_values("la_gss").reset_index(drop=True)


def assemble(
    downloader: Downloader,
    *,
    ca: str | None = None,
    la: str | list[str] | None = None,
    config: SourceConfig | None = None,
) -> Assembled:
    """Resolve an area and assemble its study inputs from the live sources.

    Parameters
    ----------
    downloader
        Cache-aware downloader (offline or not).
    ca, la
        The area: see :func:`gapmap.sources.areas.resolve_area`.
    config
        Source configuration (default :func:`~gapmap.sources.config.load_config`).

    Returns
    -------
    Assembled
        The inputs and the rows each dataset contributed.
    """
    check_area_codes(ca=ca, la=la)
    config = config or load_config()
    try:
        tables = lookups(downloader, config)
    except DataFileError as error:
        if not downloader.offline:
            raise
        option = f"--ca {ca}" if ca else f"--la {la if isinstance(la, str) else ','.join(la or [])}"
        raise DataFileError(
            f"Offline, the area {option.split(' ', 1)[1]!r} cannot be checked: the ONS lookups of areas (from "
            f"{config.url('ons')}) are not in the cache {downloader.cache.root}; run `gapmap fetch {option}` with a network connection first."
        ) from error
    area = resolve_area(tables, ca=ca, la=la)
    las = _las(downloader, config, area)
    lsoas, vintages = _lsoas(downloader, config, area)
    provision, excluded, schools_vintage = gias.load_gias(
        downloader, config, la_gss={la.la_code: la.la_gss for la in area.las}, las=las
    )
    inputs = StudyInputs(
        name=area.name,
        slug=area.slug,
        las=las,
        lsoas=lsoas,
        provision=provision,
        excluded=excluded,
        vintages={
            "Schools": schools_vintage,
            "School locations": gias.LOCATION_LABEL,
            "LA boundaries": f"ONS {config.service('lad_boundaries').service}",
            **vintages,
        },
    )
    ons_rows = {
        "lad_boundaries": len(tables.lads), "lad_to_ca": len(tables.lad_to_ca),
        "lad_to_county": len(tables.lad_to_county), "lsoa_to_lad": len(lsoas),
        "lsoa_boundaries": len(lsoas), "lsoa_centroids": len(lsoas),
    }
    rows = {
        gias.LABEL: len(provision),
        **{f"ONS {config.service(role).service}": n for role, n in ons_rows.items()},
        "Nomis population estimates": len(lsoas),
        iod.LABEL: int(lsoas[[c for c in iod.COLUMNS if c in lsoas.columns]].notna().any(axis=1).sum()),
    }
    labels = {
        gias.LABEL: schools_vintage,
        **{f"ONS {config.service(role).service}": config.service(role).service for role in ons_rows},
        "Nomis population estimates": inputs.vintages["Children aged 0-15"],
        iod.LABEL: inputs.vintages["Deprivation"],
    }
    return Assembled(inputs, rows, labels)


def load_live(
    ca: str | None = None,
    la: str | list[str] | None = None,
    *,
    cache_dir: str | Path | None = None,
    offline: bool = False,
    refresh: bool = False,
) -> StudyInputs:
    """Load a combined authority or a set of LAs from the live public sources, through the cache.

    Parameters
    ----------
    ca
        Combined authority code (``E47...``) or name.
    la
        LA codes or names (ONS E06/E07/E08/E09/E10, DfE 3-digit), a list or a
        comma-separated string.
    cache_dir
        Cache folder (default ``GAPMAP_CACHE_DIR`` or the platform user cache dir).
    offline
        Use only the cache; fail naming the first missing download.
    refresh
        Download everything again.

    Returns
    -------
    StudyInputs
        LAs (polygons), LSOA 2021 (boundaries, population-weighted centroids,
        children aged 0-15, IMD/IDACI), canonical provision from GIAS, excluded rows, vintages.

    Raises
    ------
    gapmap.errors.GapmapError
        ``UnknownAreaError`` for an unknown area, ``NetworkError`` when a download
        fails, ``DataFileError`` when offline data are missing or a source has the
        wrong layout.
    """
    downloader = downloader_for(cache_dir=cache_dir, offline=offline, refresh=refresh)
    return assemble(downloader, ca=ca, la=la).inputs


def fetch_live(
    ca: str | None = None,
    la: str | list[str] | None = None,
    *,
    cache_dir: str | Path | None = None,
    refresh: bool = False,
) -> pd.DataFrame:
    """Download and cache everything a build of the area needs, and report it.

    Parameters
    ----------
    ca, la
        The area, as for :func:`load_live`.
    cache_dir
        Cache folder.
    refresh
        Download everything again.

    Returns
    -------
    pandas.DataFrame
        One row per dataset: ``dataset``, ``rows`` used, ``vintage``, ``files``,
        ``downloaded`` (files fetched now rather than found in the cache) and ``bytes``.
    """
    downloader = downloader_for(cache_dir=cache_dir, refresh=refresh)
    assembled = assemble(downloader, ca=ca, la=la)
    fetched = pd.DataFrame(
        [(f.label, f.size, not f.from_cache) for f in downloader.fetched], columns=["dataset", "bytes", "downloaded"]
    )
    report = fetched.groupby("dataset", sort=False).agg(
        files=("bytes", "size"), downloaded=("downloaded", "sum"), bytes=("bytes", "sum")
    ).reset_index()
    report["rows"] = report["dataset"].map(assembled.rows).astype("Int64")
    report["vintage"] = report["dataset"].map(assembled.vintages).astype("string")
    return report[["dataset", "rows", "vintage", "files", "downloaded", "bytes"]]
