"""Place names drawn on the maps as text, so that a map with no base tiles still says where it is.

Each local authority's name sits at the visual centre of its largest part (the
pole of inaccessibility, the inside point farthest from the edge), larger LAs
first: where labels collide on screen the map code moves or hides the later ones.
"""

from __future__ import annotations

import geopandas as gpd
import shapely
from shapely.ops import polylabel

#: Precision of the label point, in metres (EPSG:27700).
LABEL_TOLERANCE_M = 100.0


def _visual_centre(geometry: shapely.Geometry) -> shapely.Point:
    parts = list(getattr(geometry, "geoms", [geometry]))
    return polylabel(max(parts, key=lambda part: part.area), tolerance=LABEL_TOLERANCE_M)


def la_labels(las: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One label per LA: its name ``t``, kind ``s`` (``"la"``) and its visual centre (EPSG:4326).

    Parameters
    ----------
    las
        LA boundaries with ``la_name`` (any CRS).

    Returns
    -------
    geopandas.GeoDataFrame
        Largest LA first.
    """
    las = las.to_crs(27700)
    las = las.iloc[las.geometry.area.to_numpy().argsort()[::-1]]
    points = gpd.GeoSeries([_visual_centre(g) for g in las.geometry], crs=27700).to_crs(4326)
    return gpd.GeoDataFrame({"t": las["la_name"].astype(str).to_numpy(), "s": "la"},
                            geometry=points.to_numpy(), crs=4326)
