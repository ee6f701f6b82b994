"""Routed car times on an OpenStreetMap extract (``--roads FILE.osm.pbf``).

The extract is read once with ``osmium`` (pyosmium, the libosmium bindings)
into a directed road graph whose edge weights are free-flow minutes (the way's
``maxspeed`` where it is given in km/h or mph, else a speed by road type:
:data:`SPEEDS_KMH`); the graph is cached per extract, keyed by the file's
SHA-256, so a second build skips the parsing.  Times are shortest paths by
``scipy.sparse.csgraph.dijkstra`` from each site over the reversed graph, plus
a connector from each point to its nearest routable node at
:data:`CONNECTOR_KMH`.  No traffic, no turn costs: a lower bound on a taxi's
journey, like the reference times the estimated car time is calibrated on.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from gapmap.errors import InputError
from gapmap.sources.cache import default_cache_dir, sha256_of

#: Free-flow car speed by OSM ``highway`` value (km/h), used where a way has no usable ``maxspeed``:
#: UK national limits (motorway 70 mph, dual 70, single 60, built-up 30) discounted for junctions.
SPEEDS_KMH: dict[str, float] = {
    "motorway": 96.0, "motorway_link": 64.0, "trunk": 80.0, "trunk_link": 56.0,
    "primary": 64.0, "primary_link": 48.0, "secondary": 56.0, "secondary_link": 40.0,
    "tertiary": 48.0, "tertiary_link": 40.0, "unclassified": 40.0, "residential": 32.0,
    "living_street": 16.0, "service": 16.0, "road": 32.0,
}

#: Speed (km/h) of the straight connector from a point to its nearest routable node.
CONNECTOR_KMH = 20.0

#: Version of the cached graph layout (bump when the parsing changes).
GRAPH_VERSION = 1

_MAXSPEED = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph)?\s*$")


@dataclass(frozen=True)
class RoadGraph:
    """A directed road graph on British National Grid.

    Attributes
    ----------
    xy
        Node coordinates, ``(n, 2)`` EPSG:27700 metres.
    minutes
        Sparse ``(n, n)`` matrix of edge times (row: from, column: to).
    """

    xy: np.ndarray
    minutes: sparse.csr_matrix


def _speed(tags: dict[str, str]) -> float | None:
    """Car speed (km/h) of a way, or ``None`` if cars cannot use it."""
    highway = tags.get("highway")
    if highway not in SPEEDS_KMH or tags.get("access") in {"no", "private"} or tags.get("motor_vehicle") == "no" \
            or tags.get("motorcar") == "no" or tags.get("area") == "yes":
        return None
    match = _MAXSPEED.match(tags.get("maxspeed", ""))
    if match:
        value = float(match.group(1)) * (1.609344 if match.group(2) else 1.0)
        if value > 0:
            return min(value, SPEEDS_KMH[highway] * 1.25) if highway.startswith("motorway") else value * 0.85
    return SPEEDS_KMH[highway]


def _directions(tags: dict[str, str]) -> tuple[bool, bool]:
    """Whether cars may drive a way along (forward) and against (backward) its node order."""
    oneway = tags.get("oneway", "")
    if oneway == "-1":
        return False, True
    one_way = (oneway in {"yes", "true", "1"} or tags.get("junction") in {"roundabout", "circular"}
               or tags.get("highway") in {"motorway", "motorway_link"} and oneway != "no")
    return True, not one_way


def _haversine_m(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(a))


def read_road_graph(path: Path) -> RoadGraph:
    """Parse an ``.osm.pbf`` (or ``.osm``) extract into a :class:`RoadGraph` of its car roads.

    Raises
    ------
    InputError
        If the file cannot be read as OpenStreetMap data or has no car roads.
    """
    try:
        import osmium  # optional dependency (pip install "gapmap[roads]"), imported only when routing
    except ImportError:
        raise InputError("Routing on --roads needs the osmium package: pip install \"gapmap[roads]\".") from None

    ids: dict[int, int] = {}
    lon: list[float] = []
    lat: list[float] = []
    frm: list[int] = []
    to: list[int] = []
    speed: list[float] = []

    def node(ref: int, location: object) -> int:
        index = ids.get(ref)
        if index is None:
            index = ids[ref] = len(lon)
            lon.append(location.lon)  # type: ignore[attr-defined]
            lat.append(location.lat)  # type: ignore[attr-defined]
        return index

    try:
        for way in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations():
            if not isinstance(way, osmium.osm.Way):  # what way.is_way() tests, in a form mypy narrows
                continue
            tags = dict(way.tags)
            kmh = _speed(tags)
            if kmh is None:
                continue
            refs = [node(n.ref, n.location) for n in way.nodes if n.location.valid()]
            forward, backward = _directions(tags)
            for a, b in zip(refs[:-1], refs[1:]):
                if forward:
                    frm.append(a)
                    to.append(b)
                    speed.append(kmh)
                if backward:
                    frm.append(b)
                    to.append(a)
                    speed.append(kmh)
    except RuntimeError as error:
        raise InputError(f"The road network {path} could not be read as OpenStreetMap data ({error}); give an "
                         ".osm.pbf extract, e.g. from Geofabrik.") from None
    if not frm:
        raise InputError(f"The road network {path} has no roads a car can use; give an extract with highways.")
    lon_a, lat_a = np.asarray(lon), np.asarray(lat)
    f, t = np.asarray(frm), np.asarray(to)
    metres = _haversine_m(lon_a[f], lat_a[f], lon_a[t], lat_a[t])
    minutes = metres / (np.asarray(speed) * 1000.0 / 60.0)
    n = len(lon_a)
    graph = sparse.csr_matrix((np.maximum(minutes, 1e-6), (f, t)), shape=(n, n))
    x, y = Transformer.from_crs(4326, 27700, always_xy=True).transform(lon_a, lat_a)
    return RoadGraph(xy=np.column_stack([x, y]), minutes=graph)


def _cache_file(path: Path, cache_dir: Path | None) -> Path:
    return default_cache_dir(cache_dir) / "roads" / f"{sha256_of(path)}-v{GRAPH_VERSION}.npz"


def road_graph(path: str | Path, *, cache_dir: Path | None = None) -> RoadGraph:
    """The road graph of an extract, from the cache when this exact file (by SHA-256) was read before.

    Parameters
    ----------
    path
        An ``.osm.pbf`` extract.
    cache_dir
        Cache folder (default: :func:`gapmap.sources.cache.default_cache_dir`).

    Returns
    -------
    RoadGraph
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"The road network {path} does not exist; give the path of an .osm.pbf extract.")
    cached = _cache_file(path, cache_dir)
    if cached.is_file():
        try:
            with np.load(cached) as data:
                graph = sparse.csr_matrix((data["data"], data["indices"], data["indptr"]),
                                          shape=tuple(data["shape"]))
                return RoadGraph(xy=data["xy"], minutes=graph)
        except (OSError, ValueError, KeyError):
            cached.unlink(missing_ok=True)  # unreadable cache: parse the extract again
    graph = read_road_graph(path)
    cached.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=cached.parent, suffix=".partial.npz")
    os.close(handle)
    try:
        m = graph.minutes
        np.savez(partial, xy=graph.xy, data=m.data, indices=m.indices, indptr=m.indptr, shape=np.asarray(m.shape))
        os.replace(partial, cached)
    finally:
        Path(partial).unlink(missing_ok=True)
    return graph


@dataclass(frozen=True)
class RoutedTime:
    """Cost backend: routed car minutes on an OpenStreetMap extract (see the module notes).

    Parameters
    ----------
    path
        The ``.osm.pbf`` extract.
    cache_dir
        Cache folder for the parsed graph.
    """

    path: Path
    cache_dir: Path | None = None
    unit: str = "minutes"
    _loaded: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    @property
    def graph(self) -> RoadGraph:
        """The road graph (read, or loaded from the cache, on first use)."""
        if "graph" not in self._loaded:
            self._loaded["graph"] = road_graph(self.path, cache_dir=self.cache_dir)
        return self._loaded["graph"]  # type: ignore[return-value]

    def _routable(self) -> tuple[np.ndarray, cKDTree]:
        """Nodes of the largest strongly connected part of the graph and their k-d tree."""
        if "routable" not in self._loaded:
            _, labels = connected_components(self.graph.minutes, directed=True, connection="strong")
            main = np.flatnonzero(labels == np.bincount(labels).argmax())
            self._loaded["routable"] = (main, cKDTree(self.graph.xy[main]))
        return self._loaded["routable"]  # type: ignore[return-value]

    @property
    def label(self) -> str:
        """``"routed car time on <file>"`` and the assumptions."""
        return (f"routed car time on the OpenStreetMap extract {Path(self.path).name} (free-flow speeds by road "
                f"type or maxspeed, no traffic, straight connector to the nearest road at {CONNECTOR_KMH:g} km/h)")

    def _snap(self, points: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Nearest node of the largest strongly connected part, and the connector minutes."""
        main, tree = self._routable()
        distance, position = tree.query(points[["x", "y"]].to_numpy(dtype="float64"), k=1)
        return main[position], distance / (CONNECTOR_KMH * 1000.0 / 60.0)

    def matrix(self, origins: pd.DataFrame, destinations: pd.DataFrame, *, max_cost: float = np.inf) -> np.ndarray:
        """Routed minutes ``(n_origins, n_destinations)``; ``inf`` beyond ``max_cost``."""
        out = np.full((len(origins), len(destinations)), np.inf)
        if len(origins) == 0 or len(destinations) == 0:
            return out
        o_node, o_extra = self._snap(origins)
        d_node, d_extra = self._snap(destinations)
        reverse = self.graph.minutes.T.tocsr()
        step = 16
        for start in range(0, len(destinations), step):
            nodes = d_node[start:start + step]
            limit = max_cost if np.isfinite(max_cost) else np.inf
            times = dijkstra(reverse, directed=True, indices=nodes, limit=limit)
            out[:, start:start + step] = (times[:, o_node] + d_extra[start:start + step, None]).T
        out += o_extra[:, None]
        return out

    def costs(self, origins: pd.DataFrame, destinations: pd.DataFrame, *, max_cost: float) -> pd.DataFrame:
        """Pairs within ``max_cost`` routed minutes (inclusive)."""
        minutes = self.matrix(origins, destinations, max_cost=max_cost)
        rows, cols = np.nonzero(minutes <= max_cost)
        return pd.DataFrame({
            "origin": pd.Categorical.from_codes(rows, categories=pd.Index(origins.index, dtype=object)),
            "dest": pd.Categorical.from_codes(cols, categories=pd.Index(destinations.index, dtype=object)),
            "cost": minutes[rows, cols],
        })

    def nearest(self, origins: pd.DataFrame, destinations: pd.DataFrame) -> pd.DataFrame:
        """Quickest destination per origin by routed time; null where none is reachable."""
        result = pd.DataFrame({"dest": pd.Series(pd.NA, index=origins.index, dtype="object"), "cost": np.nan},
                              index=origins.index)
        if len(origins) == 0 or len(destinations) == 0:
            return result
        minutes = self.matrix(origins, destinations)
        best = minutes.argmin(axis=1)
        cost = minutes[np.arange(len(origins)), best]
        reached = np.isfinite(cost)
        ids = np.asarray(destinations.index, dtype=object)
        result.loc[reached, "dest"] = ids[best[reached]]
        result.loc[reached, "cost"] = cost[reached]
        return result
