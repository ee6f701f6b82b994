"""Border gap clusters: contiguous LSOAs beyond the threshold for a kind that span two or more LAs.

LSOAs are adjacent when their polygons touch or lie within
:data:`ADJACENCY_TOLERANCE_M` of each other (generalised boundaries can leave
slivers between neighbours); a cluster is a connected component of the
adjacency graph restricted to LSOAs beyond the threshold.  A cluster that
crosses an LA boundary is a gap no single LA can close alone.  Large ones are
split into contiguous parts of bounded need and area
(:func:`gapmap.engine.cluster_split.split_cluster`), and the parts that still
cross a boundary are listed, each named after the school nearest its
need-weighted centre.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from gapmap.engine._kind_data import (
    Demand, count_text, join_and, kind_demand, la_names, list_las, origins, provision_noun, row_figure,
)
from gapmap.engine.analysis import Results
from gapmap.engine.cluster_split import split_cluster
from gapmap.model import CRS
from gapmap.settings import METRES_PER_MILE

#: Largest gap between two LSOA polygons that still counts as a shared boundary, metres.
ADJACENCY_TOLERANCE_M = 1.0

#: Columns of the cluster table, in order (plus polygon ``geometry``: the union of its LSOAs).
CLUSTER_COLUMNS = [
    "kind", "cluster", "la_count", "las", "lsoas", "children", "children_by_la", "demand_basis",
    "threshold_miles", "max_distance_m", "lsoa_codes", "centre_name", "centre_easting", "centre_northing", "area_km2",
    "explanation",
]


def lsoa_adjacency(polygons: gpd.GeoSeries, *, tolerance: float = ADJACENCY_TOLERANCE_M) -> sparse.csr_array:
    """Symmetric adjacency of polygons that touch or lie within ``tolerance`` metres.

    Parameters
    ----------
    polygons
        LSOA polygons (EPSG:27700).
    tolerance
        Largest gap, in metres, still counted as a shared boundary.

    Returns
    -------
    scipy.sparse.csr_array
        n x n boolean matrix, no self-loops.
    """
    geoms = polygons.to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=tolerance)
    keep = left != right
    n = len(geoms)
    return sparse.csr_array((np.ones(int(keep.sum()), dtype=bool), (left[keep], right[keep])), shape=(n, n))


def border_clusters(results: Results, *, adjacency: sparse.csr_array | None = None) -> gpd.GeoDataFrame:
    """Clusters of adjacent LSOAs beyond each kind's threshold that span two or more LAs.

    Parameters
    ----------
    results
        Gap analysis results (``{kind}_beyond`` per LSOA).
    adjacency
        LSOA adjacency in the row order of ``results.lsoa``; computed with
        :func:`lsoa_adjacency` when not given.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per cluster, columns :data:`CLUSTER_COLUMNS`: ``cluster``
        (``"{kind}-{n}"``, numbered by demand, largest first), ``las`` (names),
        ``children`` (the kind's demand, see ``demand_basis``) and
        ``children_by_la``, ``max_distance_m`` (farthest LSOA from the nearest
        provision; blank when there is none), ``lsoa_codes`` (``;``-separated),
        ``centre_name`` (the school nearest the need-weighted centre, with its
        LA), ``centre_easting``/``centre_northing``, ``area_km2``,
        ``explanation`` (one sentence); geometry the union of the LSOA
        polygons (EPSG:27700).  Each cluster is a contiguous part, within
        :data:`~gapmap.engine.cluster_split.MAX_CLUSTER_NEED` and
        :data:`~gapmap.engine.cluster_split.MAX_CLUSTER_AREA_KM2` (or a single
        LSOA), of a connected set of LSOAs beyond the threshold.
    """
    lsoa = results.lsoa
    if adjacency is None:
        adjacency = lsoa_adjacency(lsoa.geometry)
    rows = [row for kind in results.settings.kinds for row in _kind_clusters(results, kind, adjacency)]
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in CLUSTER_COLUMNS}, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
    table = pd.DataFrame(rows)
    return gpd.GeoDataFrame(table[CLUSTER_COLUMNS], geometry=table["geometry"].to_list(), crs=CRS)


def _kind_clusters(results: Results, kind: str, adjacency: sparse.csr_array) -> list[dict[str, object]]:
    lsoa = results.lsoa
    beyond = np.flatnonzero(lsoa[f"{kind}_beyond"].to_numpy(dtype=bool))
    if not len(beyond):
        return []
    demand = kind_demand(results, kind)
    _, labels = connected_components(adjacency[beyond][:, beyond], directed=False)
    names = la_names(results)
    la = lsoa["la_gss"].astype(str).to_numpy(dtype=object)[beyond]
    weights = demand.weights.to_numpy()[beyond]
    distance_column = f"{kind}_distance_m" if f"{kind}_distance_m" in lsoa.columns else f"{kind}_straight_line_m"
    distance = lsoa[distance_column].to_numpy(dtype="float64")[beyond]
    codes = lsoa["lsoa_code"].astype(str).to_numpy(dtype=object)[beyond]
    geometry = lsoa.geometry.to_numpy()[beyond]
    miles = results.settings.threshold(kind) / METRES_PER_MILE
    xy = origins(results).to_numpy(dtype="float64")[beyond]
    area = lsoa.geometry.area.to_numpy(dtype="float64")[beyond] / 1e6
    inner = adjacency[beyond][:, beyond]
    centres = _centre_names(results)
    found = []
    for label in np.unique(labels):
        component = np.flatnonzero(labels == label)
        if len(set(la[component])) < 2:
            continue
        for members in split_cluster(component, xy=xy, weights=weights, area_km2=area, adjacency=inner):
            if len(set(la[members])) < 2:
                continue
            found.append(_row(kind, members, la=la, weights=weights, distance=distance, codes=codes, area=area,
                              xy=xy, geometry=geometry, names=names, demand=demand, miles=miles, centres=centres))
    found.sort(key=lambda row: (-row_figure(row, "children"), str(row["lsoa_codes"])))
    for number, row in enumerate(found, start=1):
        row["cluster"] = f"{kind}-{number}"
    return found


def _centre_names(results: Results) -> tuple[cKDTree, np.ndarray, np.ndarray]:
    """A look-up of the located schools of every kind: tree of their points, names and LA codes."""
    provision = results.provision
    located = provision[provision.geometry.notna().to_numpy() & ~provision.geometry.is_empty.to_numpy()]
    points = np.column_stack([located.geometry.x.to_numpy(), located.geometry.y.to_numpy()])
    return (cKDTree(points), located["name"].astype(str).to_numpy(dtype=object),
            located["la_gss"].astype(str).to_numpy(dtype=object))


def _row(kind: str, members: np.ndarray, *, la: np.ndarray, weights: np.ndarray, distance: np.ndarray,
         codes: np.ndarray, area: np.ndarray, xy: np.ndarray, geometry: np.ndarray, names: dict[str, str],
         demand: Demand, miles: float, centres: tuple[cKDTree, np.ndarray, np.ndarray]) -> dict[str, object]:
    """One cluster row (numbered later)."""
    by_la = pd.Series(weights[members]).groupby(la[members]).sum().sort_values(ascending=False, kind="stable")
    counts = {names.get(code, code): value for code, value in by_la.items()}
    w = weights[members]
    centre = np.average(xy[members], axis=0, weights=w) if w.sum() > 0 else xy[members].mean(axis=0)
    tree, school_names, school_las = centres
    nearest = int(tree.query(centre)[1]) if tree.n > 0 else -1
    centre_name = (f"{school_names[nearest]} ({names.get(school_las[nearest], school_las[nearest])})"
                   if nearest >= 0 else "")
    around = f" around {centre_name}" if centre_name else ""
    return {
        "kind": kind,
        "la_count": len(by_la),
        "las": "; ".join(counts),
        "lsoas": len(members),
        "children": float(w.sum()),
        "children_by_la": "; ".join(f"{name} {count_text(value)}" for name, value in counts.items()),
        "demand_basis": demand.description,
        "threshold_miles": round(miles, 2),
        "max_distance_m": float(np.nanmax(distance[members])) if np.isfinite(distance[members]).any() else np.nan,
        "lsoa_codes": ";".join(sorted(codes[members])),
        "centre_name": centre_name,
        "centre_easting": round(float(centre[0]), 1),
        "centre_northing": round(float(centre[1]), 1),
        "area_km2": round(float(area[members].sum()), 2),
        "explanation": f"{len(members)} neighbouring LSOAs{around}, across {join_and(list(counts))}, "
                       f"with {list_las(counts, demand.noun)} lie more than {miles:g} miles from "
                       f"{provision_noun(kind)}: a gap no single LA can close alone.",
        "geometry": shapely.union_all(geometry[members]),
    }
