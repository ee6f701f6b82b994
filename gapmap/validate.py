"""Checks shared by every loader: code formats, coordinate ranges and locations.

The checks return *what is wrong* (a reason per value, or a phrase for a
whole column) rather than raising, so that each loader can decide whether a
problem makes the whole input unusable (an error naming the file) or only some
rows (listed in ``excluded`` with the reason).  :func:`exclude_misplaced`
applies the location checks to a provision table, as every loader does.

Codes
    URN: digits.  LSOA: ``E01`` + 6 digits.  Education authority (ONS):
    ``E06``/``E07``/``E08``/``E09``/``E10`` + 6 digits.  DfE LA: 3 digits.
    Combined authority: ``E47`` + 6 digits.  Codes from Wales (``W``),
    Scotland (``S``) and Northern Ireland (``N``) are recognised and rejected
    with a reason saying that gapmap covers England.

Coordinates
    British National Grid (EPSG:27700) metres: easting 0..700,000, northing
    0..1,300,000.  Longitude/latitude written as easting/northing are
    recognised by their size; swapped easting/northing by where the swapped
    points fall (see :func:`location_hint`).
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gapmap.errors import DataFileError
from gapmap.inputs import EXCLUDED_COLUMNS

#: British National Grid extent, metres: a point outside is not an easting/northing in Great Britain.
BNG_EASTING = (0.0, 700_000.0)
BNG_NORTHING = (0.0, 1_300_000.0)

#: A box around England on British National Grid (metres): xmin, ymin, xmax, ymax (Isles of Scilly to
#: Berwick-upon-Tweed, Land's End to Lowestoft).  A point outside it is certainly not in England; a
#: point inside it may still be in Wales or Scotland (see :func:`distance_outside_la`).
ENGLAND_BOX = (82_000.0, 5_000.0, 656_000.0, 658_000.0)

#: How far (metres) a school may lie outside the polygon of its own LA before it is taken to be misplaced:
#: generalised boundaries and postcode centroids put a few schools near a border a little outside.
LA_TOLERANCE_M = 2_000.0

#: Largest plausible count of pupils or places at one establishment, and of children in one LSOA;
#: larger values are typing or unit errors (the largest English schools have about 4,000 pupils).
MAX_SCHOOL_COUNT = 20_000
MAX_LSOA_CHILDREN = 20_000
#: Oldest plausible statutory age or age on roll at a school (special schools and post-16 serve up to 25).
MAX_AGE = 25

#: Code kind -> (pattern, description for messages).
CODE_FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    "urn": (re.compile(r"\d{1,9}"), "a URN (digits, e.g. 108519)"),
    "lsoa": (re.compile(r"E01\d{6}"), "an English LSOA code (E01 and six digits, e.g. E01008162)"),
    "la": (re.compile(r"E(?:06|07|08|09|10)\d{6}"),
           "an English LA code (E06, E07, E08, E09 or E10 and six digits, e.g. E08000021)"),
    "dfe_la": (re.compile(r"\d{3}"), "a DfE LA code (three digits, e.g. 391)"),
    "ca": (re.compile(r"E47\d{6}"), "a combined authority code (E47 and six digits, e.g. E47000014)"),
}

_NATIONS = {"W": "Welsh", "S": "Scottish", "N": "Northern Irish"}
#: Any GSS (ONS) area code: a nation letter and eight digits.
GSS_CODE = re.compile(r"[EWSNK]\d{8}")


def devolved_nation(code: str) -> str | None:
    """Return ``"Welsh"``, ``"Scottish"`` or ``"Northern Irish"`` for a GSS code of that nation, else ``None``.

    Examples
    --------
    >>> devolved_nation("W06000015"), devolved_nation("E08000021")
    ('Welsh', None)
    """
    code = code.strip().upper()
    return _NATIONS.get(code[:1]) if GSS_CODE.fullmatch(code) else None


def code_problem(code: object, kind: str) -> str | None:
    """Return why ``code`` is not a valid code of ``kind``, or ``None`` when it is.

    Parameters
    ----------
    code
        The value as read (text, a number or null).
    kind
        A key of :data:`CODE_FORMATS`: ``"urn"``, ``"lsoa"``, ``"la"``, ``"dfe_la"`` or ``"ca"``.

    Returns
    -------
    str or None
        A phrase such as ``"W01000001 is a Welsh code: gapmap covers England only"``.

    Examples
    --------
    >>> code_problem("E01008162", "lsoa") is None
    True
    >>> code_problem("S01006506", "lsoa")
    'S01006506 is a Scottish code: gapmap covers England only'
    >>> code_problem("E0100816", "lsoa")
    "'E0100816' is not an English LSOA code (E01 and six digits, e.g. E01008162)"
    """
    pattern, description = CODE_FORMATS[kind]
    if code is None or code is pd.NA or (isinstance(code, float) and np.isnan(code)):
        return f"empty: expected {description}"
    text = str(code).strip()
    if pattern.fullmatch(text):
        return None
    nation = devolved_nation(text)
    if nation is not None:
        return f"{text} is a {nation} code: gapmap covers England only"
    return f"{text!r} is not {description}"


def code_problems(values: pd.Series, kind: str) -> pd.Series:
    """Return the reason each value is not a valid code of ``kind`` (null where it is valid).

    Parameters
    ----------
    values
        Codes, one per row.
    kind
        A key of :data:`CODE_FORMATS`.

    Returns
    -------
    pandas.Series
        Strings, null for valid codes, on the index of ``values``.
    """
    unique = pd.unique(values.astype("object"))
    reasons = {value: code_problem(value, kind) for value in unique if not pd.isna(value)}
    mapped = values.astype("object").map(lambda v: code_problem(v, kind) if pd.isna(v) else reasons[v])
    return mapped.astype("string")


def in_great_britain(easting: pd.Series, northing: pd.Series) -> pd.Series:
    """Return whether each point is a finite easting/northing inside the British National Grid extent."""
    x = pd.to_numeric(easting, errors="coerce").astype("float64")
    y = pd.to_numeric(northing, errors="coerce").astype("float64")
    inside = x.between(*BNG_EASTING) & y.between(*BNG_NORTHING)
    return inside.fillna(False).astype(bool)


def looks_like_degrees(easting: pd.Series, northing: pd.Series) -> bool:
    """Return whether all given points look like longitude/latitude rather than metres.

    Every point of Great Britain written as longitude/latitude has a longitude
    between -9 and 2 and a latitude between 49 and 61, so a file whose
    "eastings" and "northings" all fall in those ranges is in degrees.

    Examples
    --------
    >>> looks_like_degrees(pd.Series([-1.61, 0.12]), pd.Series([54.97, 51.5]))
    True
    >>> looks_like_degrees(pd.Series([424_000.0]), pd.Series([564_000.0]))
    False
    """
    x = pd.to_numeric(easting, errors="coerce").dropna()
    y = pd.to_numeric(northing, errors="coerce").dropna()
    return bool(len(x) and len(y) and x.between(-9, 2).all() and y.between(49, 61).all())


def outside_england_box(points: gpd.GeoSeries) -> pd.Series:
    """Return whether each point lies outside :data:`ENGLAND_BOX` (missing points are not outside).

    Examples
    --------
    >>> outside_england_box(gpd.GeoSeries(gpd.points_from_xy([425_000, 260_000], [565_000, 665_000]))).tolist()
    [False, True]
    """
    xmin, ymin, xmax, ymax = ENGLAND_BOX
    located = points.notna() & ~points.is_empty
    x, y = points.x.where(located), points.y.where(located)
    inside = x.between(xmin, xmax) & y.between(ymin, ymax)
    return (located & ~inside).astype(bool)


def distance_outside_la(points: gpd.GeoSeries, la_gss: pd.Series, las: gpd.GeoDataFrame) -> pd.Series:
    """Return how far (metres) each point lies outside the polygon of its own LA.

    Parameters
    ----------
    points
        Point locations on the CRS of ``las``.
    la_gss
        Each point's education authority code, aligned with ``points``.
    las
        LA polygons with ``la_gss``.

    Returns
    -------
    pandas.Series
        0 inside, the distance outside, and null where the LA is not one of
        ``las`` (a neighbouring LA: nothing to check against) or the point is missing.
    """
    polygons = las.set_index(las["la_gss"].astype(str)).geometry
    codes = la_gss.astype("string").reindex(points.index)
    known = codes.isin(polygons.index).fillna(False).astype(bool) & points.notna() & ~points.is_empty
    distance = pd.Series(np.nan, index=points.index, dtype="float64")
    if known.any():
        own = gpd.GeoSeries(polygons.loc[codes[known].astype(str)].to_numpy(), index=points.index[known],
                            crs=points.crs)
        distance[known] = points[known].distance(own, align=True).to_numpy()
    return distance


def location_hint(points: gpd.GeoSeries, la_gss: pd.Series, las: gpd.GeoDataFrame) -> str:
    """Say what is probably wrong with points that lie outside their own LAs.

    Returns
    -------
    str
        A phrase to end an error message: the easting and northing look
        swapped, or look like longitude/latitude, or a request to check the
        coordinate reference system.
    """
    if looks_like_degrees(points.x, points.y):
        return "they look like longitude/latitude in degrees, not British National Grid metres"
    swapped = gpd.GeoSeries(gpd.points_from_xy(points.y, points.x), index=points.index, crs=points.crs)
    outside = distance_outside_la(swapped, la_gss, las)
    if outside.notna().any() and (outside.dropna() <= LA_TOLERANCE_M).mean() > 0.5:
        return "the easting and northing look swapped"
    return "check that they are British National Grid (EPSG:27700) metres"


def exclude_misplaced(
    provision: gpd.GeoDataFrame, las: gpd.GeoDataFrame, *, source_name: str
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Move establishments lying outside England, or well outside their own LA, out of ``provision``.

    A school recorded for an LA of the study but located more than
    :data:`LA_TOLERANCE_M` outside that LA's polygon (in Wales, Scotland or the
    sea, say) has a wrong location: it is excluded, with the reason, rather
    than measured from the wrong place.  Each row is checked on its own, so
    one school with its easting and northing swapped is excluded (and its
    reason says they look swapped) even when every other row is right.  Establishments of other LAs are
    checked only against :data:`ENGLAND_BOX`.

    Parameters
    ----------
    provision
        Canonical provision (EPSG:27700).
    las
        The study's LA polygons with ``la_gss``, on the same CRS.
    source_name
        Name of the input, for ``excluded`` and messages.

    Returns
    -------
    provision : geopandas.GeoDataFrame
        The establishments kept.
    excluded : pandas.DataFrame
        Those moved out (:data:`gapmap.inputs.EXCLUDED_COLUMNS`).

    Raises
    ------
    DataFileError
        If every establishment is misplaced: the whole input has wrong
        coordinates, and the message says how they look wrong.
    """
    points = provision.geometry
    outside = distance_outside_la(points, provision["la_gss"], las)
    abroad = outside_england_box(points)
    off_la = (outside > LA_TOLERANCE_M).fillna(False).astype(bool)
    bad = off_la | abroad
    if len(bad) and bad.all():
        hint = location_hint(points, provision["la_gss"], las)
        raise DataFileError(
            f"None of the {len(bad)} schools of {source_name} lies in England in or near its own LA "
            f"(column 'la_gss'): {hint}."
        )
    swapped = gpd.GeoSeries(gpd.points_from_xy(points.y, points.x), index=points.index, crs=points.crs)
    fits_swapped = (distance_outside_la(swapped, provision["la_gss"], las) <= LA_TOLERANCE_M).fillna(False)
    la_reason = ("located " + (outside / 1000).round(1).astype(str) + " km outside its LA " +
                 provision["la_gss"].astype(str) + ": check its easting/northing").where(
        ~fits_swapped, "easting and northing look swapped (swapped back, the point lies in its LA " +
        provision["la_gss"].astype(str) + "): check its easting/northing")
    box_reason = "located outside England (easting " + points.x.round().astype(str) + ", northing " + \
        points.y.round().astype(str) + "): check its easting/northing"
    excluded = pd.DataFrame({"source": source_name, "record_id": provision["provision_id"],
                             "name": provision["name"], "reason": la_reason.where(off_la, box_reason)})
    return provision[~bad].reset_index(drop=True), excluded.loc[bad, EXCLUDED_COLUMNS].reset_index(drop=True)


def repair_polygons(geometry: gpd.GeoSeries) -> tuple[gpd.GeoSeries, int]:
    """Make invalid polygons valid (a self-intersecting "bow tie" becomes two triangles), keeping polygons only.

    Parameters
    ----------
    geometry
        Polygons; some may be invalid.

    Returns
    -------
    geometry : geopandas.GeoSeries
        The same polygons, each invalid one replaced by :func:`shapely.make_valid`'s
        polygonal part (lines and points that a repair may leave are dropped).
    repaired : int
        How many were invalid.

    Examples
    --------
    >>> bow_tie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    >>> fixed, count = repair_polygons(gpd.GeoSeries([bow_tie, shapely.box(0, 0, 1, 1)]))
    >>> count, bool(fixed.is_valid.all()), fixed.area.round(3).tolist()
    (1, True, [2.0, 1.0])
    """
    invalid = (geometry.notna() & ~geometry.is_valid).to_numpy()
    if not invalid.any():
        return geometry, 0

    def polygonal(shape: shapely.Geometry) -> shapely.Geometry:
        parts = [p for p in shapely.get_parts(shape) if p.geom_type in ("Polygon", "MultiPolygon")]
        return shapely.union_all(parts) if parts else shapely.Polygon()

    repaired = geometry.copy()
    repaired[invalid] = [polygonal(shapely.make_valid(g)) for g in geometry[invalid]]
    return repaired, int(invalid.sum())
