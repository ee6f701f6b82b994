"""Straight-line distances on British National Grid with a k-d tree."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree


def _xy(points: pd.DataFrame | np.ndarray) -> np.ndarray:
    array = np.asarray(points, dtype="float64")
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(f"Expected an (n, 2) array of easting/northing, got shape {array.shape}.")
    return array


def nearest(origins: pd.DataFrame, destinations: pd.DataFrame) -> pd.DataFrame:
    """Nearest destination to each origin by straight-line distance (metres).

    Parameters
    ----------
    origins
        Origin coordinates indexed by origin id, two columns: easting, northing
        (EPSG:27700 metres).
    destinations
        Destination coordinates indexed by destination id, same layout.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``origins``, with ``dest`` (id of the nearest destination;
        ties go to the destination listed first) and ``distance`` (straight-line
        metres).  With no destinations, ``dest`` is null and ``distance`` NaN.

    Examples
    --------
    >>> o = pd.DataFrame({"x": [0.0, 10.0]}, index=["a", "b"]).assign(y=0.0)
    >>> d = pd.DataFrame({"x": [3.0, 9.0], "y": [4.0, 0.0]}, index=["s1", "s2"])
    >>> nearest(o, d)
      dest  distance
    a   s1       5.0
    b   s2       1.0
    >>> nearest(o, pd.DataFrame({"x": [9.0, 9.0], "y": [0.0, 0.0]}, index=["t1", "t2"]))["dest"].tolist()
    ['t1', 't1']
    """
    origin_xy = _xy(origins)
    result = pd.DataFrame(
        {"dest": pd.Series(pd.NA, index=origins.index, dtype="object"), "distance": np.nan},
        index=origins.index,
    )
    if len(destinations) == 0 or len(origins) == 0:
        return result
    # One tree node per distinct point, so that co-located destinations tie the same way whatever else is in
    # the tree (the k-d tree alone breaks ties by its structure): the first listed at that point wins.
    points, first = np.unique(_xy(destinations), axis=0, return_index=True)
    distance, position = cKDTree(points).query(origin_xy, k=1)
    position = first[position]
    result["dest"] = pd.Series(np.asarray(destinations.index, dtype=object)[position], index=origins.index, dtype=object)
    result["distance"] = distance
    return result


def pairs_within(origins: pd.DataFrame, destinations: pd.DataFrame, max_distance: float) -> pd.DataFrame:
    """All origin-destination pairs within ``max_distance`` metres (inclusive).

    Parameters
    ----------
    origins, destinations
        Coordinates indexed by id, two columns: easting, northing (metres).
    max_distance
        Largest straight-line distance kept, in metres.

    Returns
    -------
    pandas.DataFrame
        Long cost table with columns ``origin``, ``dest`` (categorical, the
        ids as categories in their given order, when the ids are unique) and
        ``cost`` (metres), sorted by origin then destination position.

    Examples
    --------
    >>> o = pd.DataFrame({"x": [0.0], "y": [0.0]}, index=["a"])
    >>> d = pd.DataFrame({"x": [3.0, 30.0], "y": [4.0, 0.0]}, index=["s1", "s2"])
    >>> pairs_within(o, d, 5.0)
      origin dest  cost
    0      a   s1   5.0
    """
    columns = ["origin", "dest", "cost"]
    if len(origins) == 0 or len(destinations) == 0:
        return pd.DataFrame({c: [] for c in columns})
    origin_xy, dest_xy = _xy(origins), _xy(destinations)
    # The k-d trees work in floating point: search a hair wider, then enforce the
    # inclusive limit exactly on the distances computed here.
    slack = max_distance * (1 + 1e-9) + 1e-6
    found = cKDTree(origin_xy).sparse_distance_matrix(cKDTree(dest_xy), slack, output_type="ndarray")
    order = np.lexsort((found["j"], found["i"]))
    rows, cols = found["i"][order], found["j"][order]
    costs = np.hypot(*(origin_xy[rows] - dest_xy[cols]).T)
    keep = costs <= max_distance
    rows, cols, costs = rows[keep], cols[keep], costs[keep]
    return pd.DataFrame({"origin": _ids(origins.index, rows), "dest": _ids(destinations.index, cols), "cost": costs})


def _ids(index: pd.Index, positions: np.ndarray) -> pd.Series:
    """Ids at ``positions``: categorical (the ids as categories, positions as codes) when the ids are unique."""
    if index.is_unique:
        return pd.Series(pd.Categorical.from_codes(positions, categories=pd.Index(index, dtype=object)))
    return pd.Series(np.asarray(index, dtype=object)[positions], dtype=object)


def pairs_nearer(
    origins: pd.DataFrame, destinations: pd.DataFrame, limits: np.ndarray, *, scale: float = 1.0
) -> pd.DataFrame:
    """Origin-destination pairs cheaper than each origin's own limit, one radius query per origin.

    Parameters
    ----------
    origins, destinations
        Coordinates indexed by id, two columns: easting, northing (metres).
    limits
        One limit per origin, metres; an origin keeps the destinations whose
        cost (straight-line distance x ``scale``) is below its limit (0 or
        NaN keeps none).
    scale
        Factor >= 1 applied to each distance to give its cost (a circuity factor).

    Returns
    -------
    pandas.DataFrame
        Long cost table ``origin``, ``dest`` (categorical as in
        :func:`pairs_within`) and ``cost``, sorted by origin then
        destination position.  Each origin lists only its own pairs, so an
        origin far from everything does not make the others list every site.

    Examples
    --------
    >>> o = pd.DataFrame({"x": [0.0, 10.0], "y": [0.0, 0.0]}, index=["a", "b"])
    >>> d = pd.DataFrame({"x": [3.0, 9.0], "y": [4.0, 0.0]}, index=["s1", "s2"])
    >>> pairs_nearer(o, d, np.array([5.5, 2.0]))
      origin dest  cost
    0      a   s1   5.0
    1      b   s2   1.0
    """
    columns = ["origin", "dest", "cost"]
    limits = np.asarray(limits, dtype="float64")
    if len(origins) == 0 or len(destinations) == 0:
        return pd.DataFrame({c: [] for c in columns})
    origin_xy, dest_xy = _xy(origins), _xy(destinations)
    # The k-d tree works in floating point: search a hair wider, then enforce the
    # strict limit exactly on the costs computed here.
    radius = np.where(np.isfinite(limits) & (limits > 0), limits / scale * (1 + 1e-9) + 1e-6, 0.0)
    found = cKDTree(dest_xy).query_ball_point(origin_xy, radius, return_sorted=True)
    counts = np.fromiter((len(f) for f in found), dtype=np.int64, count=len(found))
    rows = np.repeat(np.arange(len(origin_xy)), counts)
    cols = np.concatenate([np.asarray(f, dtype=np.int64) for f in found]) if counts.sum() else rows[:0]
    costs = np.hypot(*(origin_xy[rows] - dest_xy[cols]).T)
    if scale != 1.0:
        costs = costs * scale
    keep = costs < limits[rows]
    rows, cols, costs = rows[keep], cols[keep], costs[keep]
    return pd.DataFrame({"origin": _ids(origins.index, rows), "dest": _ids(destinations.index, cols), "cost": costs})
