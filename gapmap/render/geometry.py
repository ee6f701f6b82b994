"""Prepare geometries for web maps: simplify on EPSG:27700, then reproject and round."""

from __future__ import annotations

import geopandas as gpd
import shapely


def web_geometries(frame: gpd.GeoDataFrame, *, tolerance_m: float = 25.0, decimals: int = 5) -> gpd.GeoDataFrame:
    """Return a copy simplified (topology-preserving) and rounded for display on a web map.

    Parameters
    ----------
    frame
        Polygons or points on EPSG:27700.
    tolerance_m
        Douglas-Peucker tolerance in metres (0 keeps every vertex).
    decimals
        Decimal places kept in EPSG:4326 degrees (5 is about 1 m).

    Returns
    -------
    geopandas.GeoDataFrame
        The same rows on EPSG:4326.
    """
    out = frame.copy()
    if tolerance_m > 0:
        out["geometry"] = out.geometry.simplify(tolerance_m, preserve_topology=True)
    out = out.to_crs(4326)
    out["geometry"] = shapely.set_precision(out.geometry.array, 10.0**-decimals)
    return out
