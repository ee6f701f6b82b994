r"""Cross-boundary dependence: children whose nearest suitable provision lies in another LA.

For each kind (and SEN need type, where the provision's need types are
known), LSOA :math:`i` in resident LA :math:`a` with demand :math:`w_i`,
nearest suitable site at cost :math:`d_i` in provider LA :math:`b \ne a`, and
nearest suitable site *within* :math:`a` at cost :math:`o_i` adds to the flow
:math:`a \to b`:

.. math::

   \text{children}_{ab} = \sum_i w_i,\qquad
   \text{child-miles saved}_{ab} = \sum_i w_i (o_i - d_i) / 1609.344,

the distance that crossing the boundary saves over staying in the home LA
(blank when :math:`a` has no suitable site of the kind).  These are the
placements a shared service would formalise: the provider LA funds the place,
the resident LA pays the top-up.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, MultiLineString

from gapmap.engine._kind_data import (
    ALL_NEEDS, existing_sites, kind_demand, la_names, origins, provision_noun,
)
from gapmap.engine.analysis import Results
from gapmap.engine.pairs import cost_backend
from gapmap.engine.supply import serves_need
from gapmap.model import CRS
from gapmap.settings import METRES_PER_MILE

#: Columns of the flow table, in order (plus ``geometry``: a line from the resident to the provider LA centroid).
FLOW_COLUMNS = [
    "kind", "need_type", "resident_la_gss", "resident_la_name", "provider_la_gss", "provider_la_name", "lsoas",
    "children", "demand_basis", "resident_la_sites", "mean_distance_m", "own_la_mean_distance_m",
    "child_miles_saved",
]


def cross_la_flows(results: Results) -> gpd.GeoDataFrame:
    """Flow table of cross-LA dependence per kind, need type, resident LA and provider LA.

    Parameters
    ----------
    results
        Gap analysis results.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per (kind, need type, resident LA, provider LA) with children whose
        nearest suitable provision lies in the provider LA: columns
        :data:`FLOW_COLUMNS`; ``need_type`` is ``"all needs"`` unless the provision
        lists need types; ``children`` is the kind's demand (see
        ``demand_basis``); ``resident_la_sites`` (0: the resident LA has no
        provision of the kind at all); distances in the analysis' cost
        measure; geometry (EPSG:27700): lines from the need-weighted centre of
        the children who cross (plain centre when their demand is 0) to each
        site they reach, one LineString per site in a MultiLineString.
        Sorted by kind, need, then children (largest first).
    """
    frames = [_kind_flows(results, kind) for kind in results.settings.kinds]
    table = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else None
    if table is None:
        return gpd.GeoDataFrame({c: [] for c in FLOW_COLUMNS}, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
    return gpd.GeoDataFrame(table[FLOW_COLUMNS], geometry=table["geometry"].to_list(), crs=CRS)


def flow_notes(results: Results) -> list[str]:
    """Sentences naming the LAs with no provision of a kind at all.

    Parameters
    ----------
    results
        Gap analysis results.

    Returns
    -------
    list of str
    """
    names = la_names(results)
    notes = []
    for kind in results.settings.kinds:
        sites = existing_sites(results, kind)
        if not len(sites):
            notes.append(f"Cross-LA flows, {kind}: no located {provision_noun(kind)} in the study area, so no flows.")
            continue
        missing = [name for code, name in names.items() if code not in set(sites["la_gss"])]
        if missing:
            notes.append(f"Cross-LA flows, {kind}: {', '.join(missing)} {'has' if len(missing) == 1 else 'have'} "
                         f"no {provision_noun(kind)}, so every child there depends on another LA's.")
    return notes


def _kind_flows(results: Results, kind: str) -> pd.DataFrame:
    """Flow rows of one kind: all needs, then each need type when provision lists need types."""
    lsoa = results.lsoa
    demand = kind_demand(results, kind)
    sites = existing_sites(results, kind)
    if not len(sites):
        return pd.DataFrame(columns=FLOW_COLUMNS)
    distance_column = f"{kind}_distance_m" if f"{kind}_distance_m" in lsoa.columns else f"{kind}_straight_line_m"
    resident = lsoa["la_gss"].astype(str).to_numpy(dtype=object)
    base = pd.DataFrame({
        "need_type": ALL_NEEDS,
        "lsoa_code": demand.weights.index,
        "resident": resident,
        "provider": lsoa[f"{kind}_nearest_la"].astype(object).to_numpy(),
        "cross": lsoa[f"{kind}_cross_la"].to_numpy(dtype=bool),
        "weight": demand.weights.to_numpy(),
        "distance": lsoa[distance_column].to_numpy(dtype="float64"),
        "site": lsoa[f"{kind}_nearest_id"].astype(object).to_numpy(),
    })
    parts = [_with_own_distance(results, base, sites, None)]
    if results.need_access is not None and sites["needs"].notna().any():
        rows = results.need_access[results.need_access["kind"] == kind]
        for need, group in rows.groupby("need", sort=True):
            frame = pd.DataFrame({
                "need_type": need,
                "lsoa_code": group["lsoa_code"].astype(str).to_numpy(dtype=object),
                "resident": group["la_gss"].astype(str).to_numpy(dtype=object),
                "provider": group["nearest_la"].astype(object).to_numpy(),
                "cross": group["cross_la"].to_numpy(dtype=bool),
                "weight": group["demand"].to_numpy(dtype="float64"),
                "distance": group["distance_m"].to_numpy(dtype="float64"),
                "site": group["nearest_id"].astype(object).to_numpy(),
            })
            parts.append(_with_own_distance(results, frame, sites, str(need)))
    frame = pd.concat(parts, ignore_index=True)
    table = _aggregate(frame, results)
    table["geometry"] = _lines(frame, table, origins(results), sites)
    table.insert(0, "kind", kind)
    table["demand_basis"] = demand.description
    return table


def _lines(frame: pd.DataFrame, table: pd.DataFrame, points: pd.DataFrame, sites: pd.DataFrame) -> list[object]:
    """Per flow row: lines from the need-weighted centre of its crossing LSOAs to each site they reach."""
    cross = frame[frame["cross"].to_numpy(dtype=bool) & frame["provider"].notna().to_numpy()]
    xy = points.loc[cross["lsoa_code"].to_numpy(dtype=object), ["x", "y"]].to_numpy(dtype="float64")
    groups = cross.groupby(["need_type", "resident", cross["provider"].astype(str)], sort=False).indices
    weights = cross["weight"].to_numpy(dtype="float64")
    reached_sites = cross["site"].to_numpy(dtype=object)
    site_xy = dict(zip(sites.index, zip(sites["x"].to_numpy(dtype="float64").tolist(),
                                        sites["y"].to_numpy(dtype="float64").tolist())))
    lines: list[object] = []
    for need, resident, provider in zip(table["need_type"], table["resident_la_gss"], table["provider_la_gss"]):
        rows = groups[(need, resident, provider)]
        w = weights[rows]
        centre = (np.average(xy[rows], axis=0, weights=w) if w.sum() > 0 else xy[rows].mean(axis=0)).tolist()
        reached = sorted(s for s in set(reached_sites[rows].tolist()) if s in site_xy)
        segments = [LineString([centre, site_xy[s]]) for s in reached]
        lines.append(MultiLineString(segments) if segments else None)
    return lines


def _with_own_distance(results: Results, frame: pd.DataFrame, sites: pd.DataFrame, need: str | None) -> pd.DataFrame:
    """Add ``own`` (for rows that cross: cost to the nearest suitable site in the resident LA; NaN if none or no
    crossing) and ``own_sites``."""
    suitable = sites[serves_need(sites["needs"], need)] if need is not None else sites
    points = origins(results)
    backend = cost_backend(results.settings)
    own = np.full(len(frame), np.nan)
    own_sites = np.zeros(len(frame), dtype=np.int64)
    crosses = frame["cross"].to_numpy(dtype=bool)
    at = points.index.get_indexer(frame["lsoa_code"].to_numpy(dtype=object))
    by_la = suitable.groupby(suitable["la_gss"].astype(str).to_numpy(dtype=object), sort=False).indices
    for code, where in frame.groupby("resident", sort=True).indices.items():
        mine = by_la.get(code, ())
        own_sites[where] = len(mine)
        where = where[crosses[where]]  # only the children who cross are compared with their own LA's sites
        if len(mine) and len(where):
            found = backend.nearest(points.iloc[at[where]], suitable.iloc[mine][["x", "y"]])
            own[where] = found["cost"].to_numpy(dtype="float64")
    return frame.assign(own=own, own_sites=own_sites)


def _aggregate(frame: pd.DataFrame, results: Results) -> pd.DataFrame:
    """Sum the cross-LA rows per need, resident LA and provider LA."""
    cross = frame[frame["cross"] & frame["provider"].notna()].copy()
    w = cross["weight"].to_numpy()
    cross["w_distance"] = w * cross["distance"].to_numpy()
    cross["w_own"] = w * cross["own"].to_numpy()
    cross["saved"] = w * (cross["own"].to_numpy() - cross["distance"].to_numpy()) / METRES_PER_MILE
    cross["provider"] = cross["provider"].astype(str)
    order = {ALL_NEEDS: ""}
    grouped = cross.groupby(["need_type", "resident", "provider"], sort=False)
    table = grouped.agg(
        lsoas=("lsoa_code", "size"),
        children=("weight", "sum"),
        resident_la_sites=("own_sites", "first"),
        w_distance=("w_distance", "sum"),
        w_own=("w_own", "sum"),
        saved=("saved", lambda s: s.sum(min_count=1)),
        mean_distance_plain=("distance", "mean"),
        mean_own_plain=("own", "mean"),
    ).reset_index()
    has_weight = table["children"].to_numpy() > 0
    children = np.where(has_weight, table["children"].to_numpy(), 1.0)
    mean = np.where(has_weight, table["w_distance"] / children, table["mean_distance_plain"])
    table["mean_distance_m"] = mean.round(1)
    own_mean = np.where(has_weight, table["w_own"] / children, table["mean_own_plain"])
    table["own_la_mean_distance_m"] = np.where(table["resident_la_sites"] > 0, own_mean, np.nan).round(1)
    table["child_miles_saved"] = np.where(table["resident_la_sites"] > 0, table["saved"], np.nan)
    names = la_names(results)
    table["resident_la_gss"] = table["resident"]
    table["provider_la_gss"] = table["provider"]
    table["resident_la_name"] = table["resident"].map(lambda c: names.get(c, c))
    table["provider_la_name"] = table["provider"].map(lambda c: names.get(c, c))
    table["need_order"] = table["need_type"].map(lambda n: order.get(n, n))
    table = table.sort_values(["need_order", "children", "resident", "provider"], ascending=[True, False, True, True],
                              kind="stable")
    return table[[c for c in FLOW_COLUMNS if c not in ("kind", "demand_basis")]].reset_index(drop=True)
