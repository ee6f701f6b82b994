"""ONS Open Geography Portal (ArcGIS REST feature services): LADs, lookups, LSOA 2021 boundaries and centroids.

Queries always carry a ``where`` clause on codes (``LAD25CD IN ('E08000035')``)
or a code prefix, never the whole country's boundaries, and page with
``resultOffset``/``resultRecordCount`` while the answer says
``exceededTransferLimit``, even on a page with no features (which ArcGIS may
send when a page would be too large: the same offset is asked again for half
as many features, so none is skipped).  A first page with no
feature is a bad answer (every query asks for areas that exist) and is never
cached.  Service and field names come from
:class:`gapmap.sources.config.SourceConfig`.  Every table returned is checked:
each code asked for must come back.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

import geopandas as gpd
import pandas as pd
from tqdm.auto import tqdm

from pathlib import Path

from gapmap.errors import DataFileError, InputError, NetworkError
from gapmap.model import CRS
from gapmap.sources.config import SourceConfig
from gapmap.sources.http import Downloader, Validator, from_the_cache, json_validator
from gapmap.validate import GSS_CODE


def service_url(config: SourceConfig, role: str) -> str:
    """Return the ``.../FeatureServer/0/query`` URL of the service used for ``role``."""
    base = config.url("ons").rstrip("/")
    return f"{base}/{config.service(role).service}/FeatureServer/0/query"


def _in_clause(field: str, codes: Iterable[str]) -> str:
    codes = list(codes)
    bad = [c for c in codes if not GSS_CODE.fullmatch(c)]
    if bad:
        raise InputError(f"Not a GSS area code: {bad[0]!r}; expected a letter and eight digits, e.g. E08000035.")
    return f"{field} IN ({', '.join(repr(c) for c in codes)})"


#: Most bytes one ArcGIS page may have (a page of 1,000 generalised LSOA polygons is a few MB).
MAX_PAGE_BYTES = 32 * 1024 * 1024
#: Pages in a row with no feature but ``exceededTransferLimit`` true before the answer is taken to be broken
#: (each asks for half as many features as the one before, so a 1,000-feature page gets down to 1).
MAX_EMPTY_PAGES = 16


def _page_validator(label: str, url: str, *, first: bool) -> Validator:
    """A JSON object without ``error``; the first page of a query must hold a feature, or say that more remain."""
    as_json = json_validator(label=label, url_hint=url)

    def validate(path: Path) -> None:
        as_json(path)
        page = json.loads(path.read_bytes())
        if first and not page.get("features") and not _exceeded(page):
            raise NetworkError(f"The {label} from {url} answered with no features for a query that must match "
                               "some; nothing was cached: try again later, or check the ONS service names in the "
                               "gapmap config file.")

    return validate


def _exceeded(page: dict[str, Any]) -> bool:
    properties = page.get("properties") or {}
    return bool(page.get("exceededTransferLimit") or properties.get("exceededTransferLimit"))


def query(
    downloader: Downloader, config: SourceConfig, role: str, *, where: str, geometry: bool
) -> gpd.GeoDataFrame | pd.DataFrame:
    """Run one ArcGIS query against the service for ``role``, paging until the transfer limit is not exceeded.

    Parameters
    ----------
    downloader
        Cache-aware downloader.
    config
        Source configuration (base URL, service and field names, page size).
    role
        Key of :data:`gapmap.sources.config.DEFAULT_ONS_SERVICES`.
    where
        SQL ``where`` clause.
    geometry
        Ask for GeoJSON features (EPSG:4326) rather than an attribute table.

    Returns
    -------
    geopandas.GeoDataFrame or pandas.DataFrame
        The configured fields of every matching feature; polygons are
        reprojected to EPSG:27700 and made valid.

    Raises
    ------
    DataFileError
        If the answer lacks a configured field.
    """
    service = config.service(role)
    url = service_url(config, role)
    label = f"ONS {service.service}"
    order = next(iter(service.fields.values()))
    features: list[dict[str, Any]] = []
    offset = empty = 0
    size = config.ons_page_size
    with tqdm(desc=label, unit=" page", disable=None, leave=False) as bar:
        while True:
            params = {
                "where": where,
                "outFields": ",".join(service.fields.values()),
                "returnGeometry": "true" if geometry else "false",
                "outSR": 4326,
                "orderByFields": order,
                "resultOffset": offset,
                "resultRecordCount": size,
                "f": "geojson" if geometry else "json",
            }
            fetched = downloader.fetch(url, params=params, label=label, max_bytes=MAX_PAGE_BYTES,
                                       validate=_page_validator(label, url, first=offset == 0))
            page = json.loads(fetched.path.read_bytes())
            batch = page.get("features") or []
            features.extend(batch)
            bar.update(1)
            if not _exceeded(page):
                break
            if batch:
                offset, empty = offset + len(batch), 0
                continue
            # no features, yet more remain: the server could not send this page (too large); ask for less
            empty += 1
            if empty >= MAX_EMPTY_PAGES:
                raise NetworkError(f"The {label} from {url} sent {empty} pages in a row with no features while "
                                   "saying more remain; try again later with --refresh.")
            if size > 1:
                size = max(1, size // 2)
            else:
                offset += 1
    if geometry:
        frame: pd.DataFrame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    else:
        frame = pd.DataFrame([f.get("attributes", {}) for f in features])
    missing = [f for f in service.fields.values() if f not in frame.columns]
    if features and missing:
        raise DataFileError(
            f"{label} has no field(s) {', '.join(missing)}; set the field names of ons_services.{role} "
            "in the gapmap config file, or run again with --refresh if the cached answer is out of date."
        )
    frame = frame.reindex(columns=[*service.fields.values(), *(["geometry"] if geometry else [])])
    frame = frame.rename(columns={v: k for k, v in service.fields.items()})
    if geometry:
        frame = gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326").to_crs(CRS)
        frame["geometry"] = frame.geometry.make_valid()
    for role_field in service.fields:
        frame[role_field] = frame[role_field].astype("string")
    return frame


def _by_codes(
    downloader: Downloader, config: SourceConfig, role: str, key: str, codes: list[str], *, geometry: bool
) -> gpd.GeoDataFrame | pd.DataFrame:
    """Query ``role`` for every code in ``codes`` (in batches) and check that each came back."""
    field = config.service(role).fields[key]
    step = config.ons_codes_per_query
    parts = [
        query(downloader, config, role, where=_in_clause(field, codes[i:i + step]), geometry=geometry)
        for i in range(0, len(codes), step)
    ]
    frame = pd.concat(parts, ignore_index=True).drop_duplicates(subset=[key])
    with from_the_cache():
        return _checked(frame, config, role, key, codes, geometry=geometry)


def _checked(
    frame: pd.DataFrame, config: SourceConfig, role: str, key: str, codes: list[str], *, geometry: bool
) -> gpd.GeoDataFrame | pd.DataFrame:
    """``frame`` sorted by ``key``, checked to hold every code asked for (with a geometry, if asked)."""
    missing = sorted(set(codes) - set(frame[key]))
    if missing:
        raise DataFileError(
            f"ONS {config.service(role).service} has no row for {len(missing)} code(s), e.g. "
            f"{', '.join(missing[:5])}; check the area codes or the service name in the gapmap config file."
        )
    if geometry:
        frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS)
        empty = sorted(frame.loc[frame.geometry.isna() | frame.geometry.is_empty, key])
        if empty:
            raise DataFileError(
                f"ONS {config.service(role).service} returned no geometry for {len(empty)} code(s), e.g. "
                f"{', '.join(empty[:5])}; try again with --refresh, or check the service name in the gapmap "
                "config file."
            )
    return frame.sort_values(key).reset_index(drop=True)


def england_lads(downloader: Downloader, config: SourceConfig) -> pd.DataFrame:
    """English local authority districts (codes and names, no geometry).

    Returns
    -------
    pandas.DataFrame
        ``lad``, ``lad_name``, one row per English LAD.
    """
    field = config.service("lad_boundaries").fields["lad"]
    frame = query(downloader, config, "lad_boundaries", where=f"{field} LIKE 'E0%'", geometry=False)
    return frame.drop_duplicates("lad").sort_values("lad").reset_index(drop=True)


def lad_to_ca(downloader: Downloader, config: SourceConfig) -> pd.DataFrame:
    """The LAD -> combined authority lookup for England.

    Returns
    -------
    pandas.DataFrame
        ``lad``, ``lad_name``, ``ca``, ``ca_name``.
    """
    frame = query(downloader, config, "lad_to_ca", where="1=1", geometry=False)
    return frame.sort_values(["ca", "lad"]).reset_index(drop=True)


def lad_to_county(downloader: Downloader, config: SourceConfig) -> pd.DataFrame:
    """Two-tier districts (E07) and their county education authority (E10).

    Only the rows whose parent is a county (E10) are asked for: the same ONS
    lookups also map districts to themselves (unitary authorities) or to
    metropolitan counties (E11), which do not run schools.

    Returns
    -------
    pandas.DataFrame
        ``lad``, ``lad_name``, ``county``, ``county_name``.
    """
    field = config.service("lad_to_county").fields["county"]
    frame = query(downloader, config, "lad_to_county", where=f"{field} LIKE 'E10%'", geometry=False)
    return frame.sort_values(["county", "lad"]).reset_index(drop=True)


def lad_boundaries(downloader: Downloader, config: SourceConfig, lad_codes: list[str]) -> gpd.GeoDataFrame:
    """LAD polygons for the given codes.

    Returns
    -------
    geopandas.GeoDataFrame
        ``lad``, ``lad_name``, polygon geometry on EPSG:27700.
    """
    return _by_codes(downloader, config, "lad_boundaries", "lad", lad_codes, geometry=True)


def lsoas_in_lads(downloader: Downloader, config: SourceConfig, lad_codes: list[str]) -> pd.DataFrame:
    """LSOA 2021 codes and names in the given LADs (best-fit lookup).

    Returns
    -------
    pandas.DataFrame
        ``lsoa``, ``lsoa_name``, ``lad``.

    Raises
    ------
    DataFileError
        If a LAD has no LSOA in the lookup.
    """
    field = config.service("lsoa_to_lad").fields["lad"]
    step = config.ons_codes_per_query
    parts = [
        query(downloader, config, "lsoa_to_lad", where=_in_clause(field, lad_codes[i:i + step]), geometry=False)
        for i in range(0, len(lad_codes), step)
    ]
    frame = pd.concat(parts, ignore_index=True).drop_duplicates("lsoa")
    empty = sorted(set(lad_codes) - set(frame["lad"]))
    if empty:
        raise DataFileError(
            f"ONS {config.service('lsoa_to_lad').service} lists no LSOA in {', '.join(empty)}; "
            "the lookup may use another LAD vintage: set ons_services.lsoa_to_lad in the gapmap config file, "
            "or run again with --refresh if the cached answer is out of date."
        )
    return frame.sort_values("lsoa").reset_index(drop=True)


def lsoa_boundaries(downloader: Downloader, config: SourceConfig, lsoa_codes: list[str]) -> gpd.GeoDataFrame:
    """LSOA 2021 polygons for the given codes.

    Returns
    -------
    geopandas.GeoDataFrame
        ``lsoa``, polygon geometry on EPSG:27700.
    """
    return _by_codes(downloader, config, "lsoa_boundaries", "lsoa", lsoa_codes, geometry=True)


def lsoa_centroids(downloader: Downloader, config: SourceConfig, lsoa_codes: list[str]) -> pd.DataFrame:
    """Population-weighted centroids of the given LSOAs, in British National Grid metres.

    Returns
    -------
    pandas.DataFrame
        ``lsoa``, ``centroid_easting``, ``centroid_northing``.
    """
    points = _by_codes(downloader, config, "lsoa_centroids", "lsoa", lsoa_codes, geometry=True)
    return pd.DataFrame(
        {
            "lsoa": points["lsoa"],
            "centroid_easting": points.geometry.x.round(1),
            "centroid_northing": points.geometry.y.round(1),
        }
    )
