"""Shared opportunities ranked by shared benefit: near-duplicate sites merged, multi-LA sites preferred.

Within each kind and plan of the opportunities table:

* **merged**: chosen sites in the same LA within :data:`SAME_TOWN_M` of each
  other (the same town, as far as a straight line can tell) become one
  opportunity; their children, child-miles, places and saving add up (each
  child is credited to one site, so nothing is counted twice);
* **ranked**: by the plan's benefit (children brought within the threshold,
  or child-miles saved), with a site serving two or more LAs ranked as if
  :data:`SHARED_PREFERENCE` larger: when benefits are comparable, the shared
  site comes first;
* **explained**: a shared site says why it beats separate LA provision: LAs
  planning separately would each need a site of their own to reach the same
  children, since a site in one LA is not theirs to use.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from gapmap.engine._kind_data import count_text, join_and

#: Chosen sites of one kind and plan this close (metres, straight line), in the same LA, are merged.
SAME_TOWN_M = 3000.0

#: How much larger a shared (multi-LA) site's benefit counts when ranking: "comparable" benefit.
SHARED_PREFERENCE = 0.10

#: Columns that add up when sites merge.
_SUMMED = ("children_brought_within", "children_nearest", "child_miles_saved", "estimated_places",
           "indicative_annual_saving_gbp")

_COUNT = re.compile(r"^(?P<name>.+?) (?P<count>[0-9][0-9,]*(?:\.[0-9]+)?)$")


def rank_by_shared_benefit(table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Merge near-duplicate opportunities, rank by shared benefit and say why shared sites beat separate ones.

    Parameters
    ----------
    table
        The opportunities table (:func:`gapmap.engine.opportunities.site_opportunities`).

    Returns
    -------
    geopandas.GeoDataFrame
        The same columns plus ``shared`` (serves two or more LAs),
        ``merged_sites`` (how many chosen sites the row stands for) and
        ``why_shared``; ``rank`` renumbered within each kind and plan.
    """
    if table.empty:
        return table.assign(shared=pd.Series(dtype=bool), merged_sites=pd.Series(dtype="int64"),
                            why_shared=pd.Series(dtype=object))
    parts = [_plan(group) for _, group in table.groupby(["kind", "objective"], sort=False)]
    ranked = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(ranked, geometry="geometry", crs=table.crs)


def _plan(group: gpd.GeoDataFrame) -> pd.DataFrame:
    group = group.reset_index(drop=True)
    xy = np.column_stack([group.geometry.x.to_numpy(), group.geometry.y.to_numpy()])
    pairs = cKDTree(xy).query_pairs(SAME_TOWN_M, output_type="ndarray")
    la = group["location_la_gss"].astype(str).to_numpy()
    pairs = pairs[la[pairs[:, 0]] == la[pairs[:, 1]]] if len(pairs) else pairs
    graph = sparse.coo_array((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(group), len(group)))
    _, labels = connected_components(graph, directed=False)
    rows = [_merge(group.iloc[np.flatnonzero(labels == label)]) for label in np.unique(labels)]
    frame = pd.DataFrame(rows)
    cover = str(frame["objective"].iloc[0]).startswith("most children")
    benefit = frame["children_brought_within" if cover else "child_miles_saved"].fillna(0).to_numpy()
    score = benefit * np.where(frame["shared"].to_numpy(dtype=bool), 1 + SHARED_PREFERENCE, 1.0)
    order = np.lexsort((frame["rank"].to_numpy(), -score))
    frame = frame.iloc[order].reset_index(drop=True)
    frame["rank"] = np.arange(1, len(frame) + 1)
    return frame


def _merge(rows: gpd.GeoDataFrame) -> dict[str, object]:
    """One opportunity standing for ``rows`` (sites of one town), the best-ranked first."""
    rows = rows.sort_values("rank", kind="stable")
    first = rows.iloc[0].to_dict()
    counts = _counts(rows["children_by_la"])
    merged = dict(first)
    for column in _SUMMED:
        if column in rows.columns:
            merged[column] = rows[column].sum(min_count=1)
    if len(rows) > 1:
        merged["location"] = "; ".join(rows["location"].astype(str))
        merged["location_name"] = "; ".join(rows["location_name"].astype(str))
        merged["explanation"] = (f"{len(rows)} chosen sites in the same town (within {SAME_TOWN_M / 1000:g} km) "
                                 "merged into one opportunity: " + " ".join(rows["explanation"].astype(str)))
        merged["las_served"] = "; ".join(counts)
        merged["children_by_la"] = "; ".join(f"{name} {count_text(value)}" for name, value in counts.items())
    merged["shared"] = len(counts) >= 2
    merged["merged_sites"] = len(rows)
    merged["why_shared"] = (
        f"One site reaches children in {join_and(list(counts))}; planning separately, each of these "
        f"{len(counts)} LAs would need a site of its own to reach them, since a site in one LA is not the "
        "others' to use." if len(counts) >= 2 else "")
    return merged


def _counts(texts: pd.Series) -> dict[str, float]:
    """Add up ``'<LA name> <count>; ...'`` texts per LA, largest first."""
    total: dict[str, float] = {}
    for text in texts.dropna().astype(str):
        for part in filter(None, (p.strip() for p in text.split(";"))):
            match = _COUNT.match(part)
            if match:
                name = match.group("name")
                total[name] = total.get(name, 0.0) + float(match.group("count").replace(",", ""))
    return dict(sorted(total.items(), key=lambda item: -item[1]))
