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
from gapmap.engine.metrics import Sites, group_masks, kind_groups, need_beyond, need_groups, nearest_by_need
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


def site_moves(old: Sites, new: Sites) -> np.ndarray:
    """Position in ``new`` of each site of ``old`` (-1 where it closed, moved or changed the ages or needs it serves).

    Parameters
    ----------
    old, new
        A kind's suitable sites before and after edits.

    Returns
    -------
    numpy.ndarray
        One position per site of ``old``; places may differ between the two.
    """
    return _identity(new.table.reset_index(drop=True), new.points).get_indexer(
        _identity(old.table.reset_index(drop=True), old.points))


def _masks(table: pd.DataFrame, ages: np.ndarray, needs: tuple[str | None, ...], whole: bool) -> list[np.ndarray]:
    return (kind_groups if whole else group_masks)(table, ages, needs)


@lru_cache(maxsize=256)
def _suits(age_low: object, age_high: object, needs: object, ages: tuple[int, ...],
           groups: tuple[str | None, ...], whole: bool) -> np.ndarray:
    """Groups a site with these ages and needs suits (the engine's rule, cached: sweeps repeat them)."""
    row = pd.DataFrame({"age_low": pd.array([age_low], dtype="Int64"), "age_high": pd.array([age_high], dtype="Int64"),
                        "needs": pd.Series([needs], dtype=object)})
    return np.array(_masks(row, np.asarray(ages), groups, whole))[:, 0]


def update_nearest(cost: np.ndarray, position: np.ndarray, old: Sites, new: Sites, *, ages: np.ndarray,
                   needs: tuple[str | None, ...], whole: bool, backend: CostBackend,
                   origins: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Nearest suitable site per LSOA and group after a kind's sites changed from ``old`` to ``new``.

    Groups whose nearest site closed are re-queried (once per distinct set of
    suitable sites, over the LSOAs that lost theirs); each added site is
    measured once and taken where it is nearer, in the groups it suits.

    Parameters
    ----------
    cost, position
        Nearest cost and position in ``old`` per LSOA and group (LSOAs x groups).
    old, new
        The kind's suitable sites before and after the edits.
    ages, needs
        The kind's ages and need types (:func:`gapmap.engine.metrics.need_groups`).
    whole
        ``True`` for the groups of :func:`gapmap.engine.metrics.kind_groups`
        (any age, each age, each age and need type); ``False`` for the age and
        need type groups of :func:`gapmap.engine.metrics.group_masks` alone.
    backend, origins
        Cost backend and LSOA centroids.

    Returns
    -------
    cost, position : numpy.ndarray
        Over ``new``; equal in cost to measuring ``new`` from scratch (the site
        may differ between equally near ones).
    """
    moved_to = site_moves(old, new)
    had = position >= 0
    position_new = np.full(position.shape, -1, dtype=np.int64)
    position_new[had] = moved_to[position[had]]
    cost = np.where(position_new >= 0, cost, np.nan)
    lost = had & (position_new < 0)
    if lost.any():
        masks = _masks(new.table, ages, needs, whole)
        by_mask: dict[bytes, list[int]] = {}
        for group in np.flatnonzero(lost.any(axis=0)).tolist():
            by_mask.setdefault(np.packbits(masks[group]).tobytes(), []).append(group)
        for groups in by_mask.values():
            chosen = new.points[masks[groups[0]]]
            if not len(chosen):
                continue
            rows = np.flatnonzero(lost[:, groups].any(axis=1))
            found = backend.nearest(origins.iloc[rows], chosen)
            found_cost = found["cost"].to_numpy(dtype="float64")
            found_at = new.points.index.get_indexer(pd.Index(found["dest"].to_numpy(dtype=object)))
            for g in groups:
                take = lost[rows, g]
                cost[rows[take], g], position_new[rows[take], g] = found_cost[take], found_at[take]
    kept = np.zeros(len(new.points), dtype=bool)
    kept[moved_to[moved_to >= 0]] = True
    table = new.table
    for j in np.flatnonzero(~kept):
        served = _suits(table["age_low"].iloc[j], table["age_high"].iloc[j], table["needs"].iloc[j],
                        tuple(ages.tolist()), needs, whole)
        if not served.any():
            continue
        to_site = backend.nearest(origins, new.points.iloc[[j]])["cost"].to_numpy(dtype="float64")[:, None]
        better = served[None, :] & (np.isnan(cost) | (to_site < cost))
        cost = np.where(better, to_site, cost)
        position_new = np.where(better, j, position_new)
    return cost, position_new


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
    shape = base.cost.shape
    cost, position = update_nearest(base.cost.reshape(shape[0], -1), base.position.reshape(shape[0], -1), old, new,
                                    ages=base.ages, needs=base.needs, whole=False, backend=backend, origins=origins)
    return NeedReach(base.ages, base.needs, demand, by_group, cost.reshape(shape), position.reshape(shape))


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
