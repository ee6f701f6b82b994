"""Candidate sites for new provision: existing schools that could host it, or a regular grid."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gapmap.engine.supply import age_ranges
from gapmap.errors import InputError


#: Kinds of state-funded school that could host new provision of another kind
#: (an SEN unit, resourced provision or a satellite of a special school or AP).
HOST_KINDS: tuple[str, ...] = (
    "mainstream_primary", "mainstream_secondary", "mainstream_all_through", "special", "ap", "sen_unit",
    "resourced_provision",
)

#: Default spacing of the grid candidates, metres.
DEFAULT_GRID_M = 2000.0

#: Smallest grid spacing (grid cells are named by 6-figure, 100 m grid references).
MIN_GRID_M = 200.0

_LETTERS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"  # the OS grid skips I


def outside_study_area(provision: pd.DataFrame) -> np.ndarray:
    """Rows that sit outside the study area (neighbouring supply, ``outside_area``): never a host for new provision."""
    if "outside_area" not in provision.columns:
        return np.zeros(len(provision), dtype=bool)
    return provision["outside_area"].astype("boolean").fillna(False).to_numpy(dtype=bool)


def school_candidates(provision: gpd.GeoDataFrame, kind: str, ages: range | None = None) -> pd.DataFrame:
    """State-funded schools in the study area that could host new provision of ``kind``.

    Parameters
    ----------
    provision
        Canonical provision table (points, EPSG:27700).
    kind
        Kind of the new provision: its own sites are excluded (they are already open).
    ages
        Ages the new provision serves: a school qualifies only when it serves at
        least one of them (statutory ages, else ages on roll; the rule the gap
        analysis applies to existing sites), and a school whose ages are unknown
        does not.  ``None``: any ages.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``site_id`` (the ``provision_id``), in ``provision_id``
        order: ``name``, ``la_gss``, ``candidate_type`` (e.g. ``"host school
        (mainstream_primary)"``), ``reference`` (``"URN 123456"``), ``age_low``
        and ``age_high`` (the ages it serves, NaN when unknown), ``x``, ``y``.
    """
    host = (
        provision["kind"].isin([k for k in HOST_KINDS if k != kind]).fillna(False).to_numpy(dtype=bool)
        & (provision["sector"] == "state-funded").fillna(False).to_numpy(dtype=bool)
        & ~provision.geometry.is_empty.to_numpy()
        & provision.geometry.notna().to_numpy()
        & ~outside_study_area(provision)
    )
    served = age_ranges(provision)
    low = served["age_low"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    high = served["age_high"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    if ages is not None:
        host &= (low <= ages.stop - 1) & (high >= ages.start)  # unknown ages (NaN) never qualify
    rows = provision.assign(age_low=low, age_high=high)[host].sort_values("provision_id", kind="stable")
    return pd.DataFrame(
        {
            "name": rows["name"].astype(str).to_numpy(dtype=object),
            "la_gss": rows["la_gss"].astype(str).to_numpy(dtype=object),
            "candidate_type": [f"host school ({k})" for k in rows["kind"].astype(str)],
            "reference": [f"URN {u}" for u in rows["urn"].astype(str)],
            "age_low": rows["age_low"].to_numpy(dtype="float64"),
            "age_high": rows["age_high"].to_numpy(dtype="float64"),
            "x": rows.geometry.x.to_numpy(dtype="float64"),
            "y": rows.geometry.y.to_numpy(dtype="float64"),
        },
        index=pd.Index(rows["provision_id"].astype(str).to_numpy(dtype=object), name="site_id"),
    )


def grid_candidates(las: gpd.GeoDataFrame, *, spacing_m: float = DEFAULT_GRID_M) -> pd.DataFrame:
    """Centres of a regular grid (aligned to the national grid) that fall inside the study's LAs.

    Parameters
    ----------
    las
        LA polygons (``la_gss``, EPSG:27700).
    spacing_m
        Cell size, metres (at least :data:`MIN_GRID_M`).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``site_id``, the 6-figure OS grid reference of the cell
        centre (e.g. ``"NZ 250 650"``), west to east within south to north:
        ``name`` (``"2 km grid cell"``), ``la_gss``, ``candidate_type``,
        ``reference`` (``"grid reference NZ 250 650"``), ``age_low`` and
        ``age_high`` (NaN: a new site there can serve any age), ``x``, ``y``.

    Raises
    ------
    InputError
        If ``spacing_m`` is below :data:`MIN_GRID_M`.
    """
    if not spacing_m >= MIN_GRID_M:
        raise InputError(f"The grid spacing must be at least {MIN_GRID_M:g} m, got {spacing_m!r}.")
    minx, miny, maxx, maxy = las.total_bounds
    xs = (np.floor(minx / spacing_m) + 0.5 + np.arange(int(np.ceil((maxx - minx) / spacing_m)) + 1)) * spacing_m
    ys = (np.floor(miny / spacing_m) + 0.5 + np.arange(int(np.ceil((maxy - miny) / spacing_m)) + 1)) * spacing_m
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    points = shapely.points(gx, gy)
    polygons = las.geometry.to_numpy()
    inside, which = shapely.STRtree(polygons).query(points, predicate="within")
    first = pd.Series(which, index=inside).groupby(level=0).min()  # a point on a shared boundary goes to one LA
    keep = first.index.to_numpy()
    la = las["la_gss"].astype(str).to_numpy(dtype=object)[first.to_numpy()]
    label = f"{spacing_m / 1000:g} km grid cell"
    refs = [os_grid_reference(x, y) for x, y in zip(gx[keep], gy[keep])]
    return pd.DataFrame(
        {"name": label, "la_gss": la, "candidate_type": label, "reference": [f"grid reference {r}" for r in refs],
         "age_low": np.nan, "age_high": np.nan, "x": gx[keep], "y": gy[keep]},
        index=pd.Index(refs, name="site_id", dtype=object),
    )


def os_grid_reference(easting: float, northing: float) -> str:
    """6-figure Ordnance Survey grid reference (100 m) of a British National Grid point.

    Parameters
    ----------
    easting, northing
        EPSG:27700 metres, within the national grid (0-700 km E, 0-1300 km N).

    Returns
    -------
    str
        E.g. ``"NZ 250 650"``.

    Raises
    ------
    InputError
        If the point lies outside the national grid.

    Examples
    --------
    >>> os_grid_reference(425000, 565000), os_grid_reference(400100, 600950)
    ('NZ 250 650', 'NU 001 009')
    """
    if not (0 <= easting < 700_000 and 0 <= northing < 1_300_000):
        raise InputError(f"({easting}, {northing}) lies outside the British National Grid.")
    e100, n100 = int(easting // 100_000), int(northing // 100_000)
    first = (19 - n100) - (19 - n100) % 5 + (e100 + 10) // 5
    second = ((19 - n100) * 5) % 25 + e100 % 5
    east, north = int(easting % 100_000) // 100, int(northing % 100_000) // 100
    return f"{_LETTERS[first]}{_LETTERS[second]} {east:03d} {north:03d}"


def candidate_sites(
    provision: gpd.GeoDataFrame, las: gpd.GeoDataFrame, kind: str, *, candidates: str, grid_m: float,
    exclude: pd.Index, ages: range | None = None,
) -> tuple[pd.DataFrame, str]:
    """The candidate set a site search for ``kind`` chooses from, and how the outputs describe it.

    Parameters
    ----------
    provision
        Canonical provision table (for ``candidates="schools"``).
    las
        LA polygons (for ``candidates="grid"``).
    kind
        Kind of the new provision.
    candidates
        ``"schools"`` (:func:`school_candidates`) or ``"grid"`` (:func:`grid_candidates`).
    grid_m
        Grid spacing, metres.
    exclude
        Site ids already open (existing provision of the kind): never candidates.
    ages
        Ages the new provision serves (host schools must serve one of them; see :func:`school_candidates`).

    Returns
    -------
    table : pandas.DataFrame
        As :func:`school_candidates` or :func:`grid_candidates` return.
    described : str
        E.g. ``"state-funded schools that could host it"``.
    """
    if candidates == "schools":
        table = school_candidates(provision, kind, ages)
        described = "state-funded schools that could host it" + (
            f" and serve some of the ages {ages.start}-{ages.stop - 1}" if ages is not None else "")
    else:
        table = grid_candidates(las, spacing_m=grid_m)
        described = f"centres of a {grid_m / 1000:g} km grid over the study area"
    return table[~table.index.isin(exclude)], described
