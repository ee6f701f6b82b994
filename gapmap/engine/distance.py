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
    """
    origin_xy = _xy(origins)
    result = pd.DataFrame(
        {"dest": pd.Series(pd.NA, index=origins.index, dtype="object"), "distance": np.nan},
        index=origins.index,
    )
    if len(destinations) == 0 or len(origins) == 0:
        return result
    tree = cKDTree(_xy(destinations))
    distance, position = tree.query(origin_xy, k=1)
    result["dest"] = np.asarray(destinations.index, dtype=object)[position]
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
        Long cost table with columns ``origin``, ``dest``, ``cost`` (metres),
        sorted by origin then destination position.
    """
    columns = ["origin", "dest", "cost"]
    if len(origins) == 0 or len(destinations) == 0:
        return pd.DataFrame({c: [] for c in columns})
    origin_xy, dest_xy = _xy(origins), _xy(destinations)
    hits = cKDTree(dest_xy).query_ball_point(origin_xy, r=max_distance, return_sorted=True)
    lengths = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
    rows = np.repeat(np.arange(len(hits)), lengths)
    cols = np.concatenate([np.asarray(h, dtype=np.int64) for h in hits]) if lengths.sum() else np.empty(0, np.int64)
    costs = np.hypot(*(origin_xy[rows] - dest_xy[cols]).T)
    # query_ball_point works in floating point: enforce the inclusive limit exactly.
    keep = costs <= max_distance
    rows, cols, costs = rows[keep], cols[keep], costs[keep]
    return pd.DataFrame(
        {
            "origin": np.asarray(origins.index, dtype=object)[rows],
            "dest": np.asarray(destinations.index, dtype=object)[cols],
            "cost": costs,
        }
    )
