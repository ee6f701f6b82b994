"""Nearest suitable site per LSOA, age and need type, updated incrementally for sweeps: the engine's need figures.

The engine counts need beyond a distance from the nearest site that suits
each child: of the kind, serving the child's age and (where both sides know
it) the child's need type (:func:`gapmap.engine.metrics.nearest_by_need`).
:class:`NeedReach` keeps that nearest cost and site for every LSOA x age x
need type of the baseline.  After an edit, :func:`update_need` re-queries
only the groups whose nearest site closed (or changed the ages or needs it
serves), and for each added site takes the cheaper of the kept cost and the
cost to it, for the ages and need types it serves alone.  The figures
(:func:`need_columns`) are computed by the engine's own
:func:`gapmap.engine.metrics.need_beyond`, so they equal the engine's
``{kind}_need_beyond_threshold`` and ``{kind}_need_beyond_statutory``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from gapmap.engine.costs import CostBackend
from gapmap.engine.demand import KindDemand
from gapmap.engine.metrics import Sites, group_masks, need_beyond, need_groups, nearest_by_need
from gapmap.settings import Settings


@dataclass(frozen=True)
class NeedReach:
    """Nearest suitable site of one kind per LSOA, age and need type, and the demand in each.

    Attributes
    ----------
    ages
        The kind's ages.
    needs
        Need codes (``(None,)`` when demand is not split by need).
    demand
        The kind's demand (its ``demand.ages`` are ``ages``).
    by_group
        Demand, LSOAs x ages x needs.
    cost
        Cost to the nearest suitable site, same shape (NaN where none suits).
    position
        Its position in the kind's sites (-1 where none suits).
    """

    ages: np.ndarray
    needs: tuple[str | None, ...]
    demand: KindDemand
    by_group: np.ndarray
    cost: np.ndarray
    position: np.ndarray


def need_reach_of(backend: CostBackend, origins: pd.DataFrame, sites: Sites, demand: KindDemand) -> NeedReach:
    """Compute a kind's :class:`NeedReach` from scratch.

    Parameters
    ----------
    backend
        Cost backend.
    origins
        LSOA centroids.
    sites
        The kind's suitable sites.
    demand
        The kind's demand (:func:`gapmap.engine.demand.kind_demand`).

    Returns
    -------
    NeedReach
    """
    ages, needs, by_group = need_groups(demand)
    cost, position = nearest_by_need(backend, origins, sites, ages, needs)
    return NeedReach(ages, needs, demand, by_group, cost, position)


def _identity(table: pd.DataFrame, points: pd.DataFrame) -> pd.Index:
    """Site keys that change when a site moves or changes the ages or needs it serves."""
    parts = [table["provision_id"], points["x"], points["y"], table["age_low"], table["age_high"], table["needs"]]
    return pd.Index(["|".join(map(repr, values)) for values in zip(*(p.to_numpy(dtype=object) for p in parts))])


@lru_cache(maxsize=256)
def _suits(age_low: object, age_high: object, needs: object, ages: tuple[int, ...],
           groups: tuple[str | None, ...]) -> np.ndarray:
    """Ages x need types a site with these ages and needs suits (the engine's rule, cached: sweeps repeat them)."""
    row = pd.DataFrame({"age_low": pd.array([age_low], dtype="Int64"), "age_high": pd.array([age_high], dtype="Int64"),
                        "needs": pd.Series([needs], dtype=object)})
    return np.array(group_masks(row, np.asarray(ages), groups))[:, 0].reshape(len(ages), len(groups))


def update_need(base: NeedReach, old: Sites, new: Sites, *, backend: CostBackend, origins: pd.DataFrame,
                demand: KindDemand | None = None) -> NeedReach:
    """The kind's :class:`NeedReach` after its sites changed from ``old`` to ``new``, reusing the baseline's.

    Parameters
    ----------
    base
        NeedReach over ``old``.
    old, new
        The kind's suitable sites before and after the edits.
    backend, origins
        As for :func:`need_reach_of`.
    demand
        The edited demand, when the edits changed it (default: the baseline's).

    Returns
    -------
    NeedReach
        Equal in cost to ``need_reach_of(backend, origins, new, demand)`` (sites may differ between equally near ones).
    """
    if demand is not None and demand is not base.demand:
        _, _, by_group = need_groups(demand)
    else:
        demand, by_group = base.demand, base.by_group
    moved_to = _identity(new.table.reset_index(drop=True), new.points).get_indexer(
        _identity(old.table.reset_index(drop=True), old.points))  # new position of each kept site, -1 if gone
    had = base.position >= 0
    position = np.full(base.position.shape, -1, dtype=np.int64)
    position[had] = moved_to[base.position[had]]
    cost = np.where(position >= 0, base.cost, np.nan)
    n, ages, needs = cost.shape
    lost = had & (position < 0)
    if lost.any():
        masks = group_masks(new.table, base.ages, base.needs)  # (age, need) groups, age-major
        for g in np.flatnonzero(lost.reshape(n, -1).any(axis=0)):
            rows = np.flatnonzero(lost.reshape(n, -1)[:, g])
            a, k = divmod(int(g), needs)
            chosen = new.points[masks[g]]
            if not len(chosen):
                continue
            found = backend.nearest(origins.iloc[rows], chosen)
            cost[rows, a, k] = found["cost"].to_numpy(dtype="float64")
            position[rows, a, k] = new.points.index.get_indexer(pd.Index(found["dest"].to_numpy(dtype=object)))
    kept = np.zeros(len(new.points), dtype=bool)
    kept[moved_to[moved_to >= 0]] = True
    table = new.table
    for j in np.flatnonzero(~kept):
        served = _suits(table["age_low"].iloc[j], table["age_high"].iloc[j], table["needs"].iloc[j],
                        tuple(base.ages.tolist()), base.needs)
        if not served.any():
            continue
        found = backend.nearest(origins, new.points.iloc[[j]])
        to_site = found["cost"].to_numpy(dtype="float64")[:, None, None]
        better = served[None, :, :] & (np.isnan(cost) | (to_site < cost))
        cost = np.where(better, to_site, cost)
        position = np.where(better, j, position)
    return NeedReach(base.ages, base.needs, demand, by_group, cost, position)


def need_columns(kind: str, need: NeedReach, settings: Settings) -> dict[str, np.ndarray]:
    """The engine's need columns of one kind, per LSOA.

    Parameters
    ----------
    kind
        Provision kind.
    need
        Its :class:`NeedReach`.
    settings
        Threshold and walking-distance rules.

    Returns
    -------
    dict of str to numpy.ndarray
        ``{kind}_demand``, ``{kind}_need_beyond_threshold`` and ``{kind}_need_beyond_statutory``.
    """
    threshold, statutory = need_beyond(need.by_group, need.cost, threshold=settings.threshold(kind),
                                       statutory=settings.rule_set.distances(need.ages))
    return {f"{kind}_demand": need.demand.demand.sum(axis=1), f"{kind}_need_beyond_threshold": threshold,
            f"{kind}_need_beyond_statutory": statutory}
