"""LSOA geometry written once per build, in a script every map of the folder loads.

The maps of a build draw the same LSOA polygons; embedding them in each page
repeated them (1.3 MB on each of the North East's 5 maps).  :func:`write_shared_geometry`
writes them once, as ``lsoa-geometry.js`` beside the maps, and each map carries
only its values and joins them to the shared geometry by row
(``gapmap.joinGeometry`` in ``static/gapmap.js``).  A ``<script src>`` works
from ``file://`` with no network, unlike ``fetch``.  The file carries a key (a
hash of its geometry): a map whose file is missing, or from another build,
draws no LSOA and says why in its title box.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import geopandas as gpd
import shapely

from gapmap.render.layers import script_json

#: File name of the shared LSOA geometry, beside the maps.
LSOA_GEOMETRY_FILE = "lsoa-geometry.js"


@dataclass(frozen=True)
class SharedGeometry:
    """The shared LSOA geometry of a build.

    Attributes
    ----------
    file
        File name relative to the maps, e.g. ``"lsoa-geometry.js"``.
    key
        Hash of the geometry text; a map joins only to the file with its key.
    count
        Number of geometries (one per LSOA, in the row order of ``results.lsoa``).
    """

    file: str
    key: str
    count: int


def geometry_script(frame: gpd.GeoDataFrame) -> tuple[str, SharedGeometry]:
    """The text of the shared geometry script of ``frame``'s geometries, and its description.

    Parameters
    ----------
    frame
        LSOA geometries on EPSG:4326, simplified for the web (``WebBase.lsoa``).

    Returns
    -------
    tuple of (str, SharedGeometry)
        Script text (it sets ``window.gapmapGeometry.lsoa``) and its file name, key and count.
    """
    geometries = "[" + ",".join(shapely.to_geojson(frame.geometry.array)) + "]"
    key = hashlib.sha256(geometries.encode("ascii")).hexdigest()[:16]
    text = (f'(window.gapmapGeometry = window.gapmapGeometry || {{}}).lsoa = {{"key":"{key}",'
            f'"geometries":{geometries}}};\n')
    return text, SharedGeometry(LSOA_GEOMETRY_FILE, key, len(frame))


def write_shared_geometry(frame: gpd.GeoDataFrame, folder: Path) -> SharedGeometry:
    """Write ``lsoa-geometry.js`` into ``folder`` (see :func:`geometry_script`).

    Parameters
    ----------
    frame
        LSOA geometries on EPSG:4326.
    folder
        Output folder of the maps (exists).

    Returns
    -------
    SharedGeometry
        What each map of the folder passes to :func:`~gapmap.render.maps.study_map` as ``shared``.
    """
    text, shared = geometry_script(frame)
    (folder / shared.file).write_text(text, encoding="ascii")
    return shared


def joined_collection(shared: SharedGeometry, properties: Sequence[dict[str, Any]]) -> str:
    """A JavaScript expression: a FeatureCollection of ``properties`` joined to the shared geometry.

    Parameters
    ----------
    shared
        The shared geometry the map loads.
    properties
        One mapping per LSOA, in the geometry's order.

    Returns
    -------
    str
        Script-safe text for :class:`~gapmap.render.layers.JsonData`.
    """
    if len(properties) != shared.count:
        raise ValueError(f"{len(properties)} LSOA rows for {shared.count} shared geometries.")
    features = ",".join(f'{{"type":"Feature","geometry":null,"properties":{script_json(p)}}}' for p in properties)
    return (f'gapmap.joinGeometry("lsoa", {script_json(shared.key)}, {script_json(shared.file)}, '
            f'{{"type":"FeatureCollection","features":[{features}]}})')
