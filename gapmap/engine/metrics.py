"""Per-kind metrics: nearest suitable provision, children beyond distances, floating catchments.

Everything is computed from a cost backend's answers (nearest destination and
within-catchment pairs), so a network backend changes distances without
touching this module.  "Suitable" means the provision's kind matches, its age
range holds the child's age and, when both sides know it, it caters for the
child's need type; nearest-suitable distances are found once per distinct set
of suitable sites, not per child.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gapmap.engine.costs import CostBackend
from gapmap.engine.demand import KindDemand
from gapmap.engine.fca import catchment_scores, positions_in
from gapmap.engine.supply import serves_age, serves_need
from gapmap.engine.weights import gaussian, step_weights
from gapmap.settings import METRES_PER_MILE, Settings, band_label


@dataclass(frozen=True)
class Sites:
    """Suitable provision of one kind, as the metrics take it.

    Attributes
    ----------
    table
        One row per site: ``provision_id``, ``la_gss``, ``places``,
        ``places_proxy``, ``age_low``, ``age_high``, ``needs``.
    points
        Coordinates ``x``, ``y`` indexed by ``provision_id`` (same order).
    """

    table: pd.DataFrame
    points: pd.DataFrame


@dataclass(frozen=True)
class KindMetrics:
    """Metrics of one kind.

    Attributes
    ----------
    lsoa
        Per-LSOA columns ``{kind}_...``, in LSOA order.
    sites
        Per-site columns, indexed by ``provision_id``.
    needs
        Long table per LSOA and need type, or ``None`` when demand is not split by need.
    """

    lsoa: pd.DataFrame
    sites: pd.DataFrame
    needs: pd.DataFrame | None
    reach: KindReach | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class KindReach:
    """What a kind's metrics are measured from: its nearest suitable sites and the pairs within its catchment.

    Kept with the metrics so that a what-if which changes a few sites updates
    them instead of measuring again (:mod:`gapmap.scenario.kind_update`).

    Attributes
    ----------
    sites
        The kind's suitable sites.
    cost, position
        Cost to, and position in ``sites`` of, the nearest suitable site per
        LSOA and group of :func:`kind_groups` (LSOAs x groups; NaN and -1 where none suits).
    pair_origin, pair_site, pair_cost
        LSOA position, site position and cost of each pair within the catchment.
    """

    sites: Sites
    cost: np.ndarray
    position: np.ndarray
    pair_origin: np.ndarray
    pair_site: np.ndarray
    pair_cost: np.ndarray


def _at(values: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """``values[pos]`` as an object array shaped like ``pos``, ``None`` where ``pos`` is -1 (no site).

    Examples
    --------
    >>> _at(np.array(["a", "b"], dtype=object), np.array([1, -1, 0]))
    array(['b', None, 'a'], dtype=object)
    """
    picked = np.full(pos.shape, None, dtype=object)
    found = pos >= 0
    picked[found] = values[pos[found]]
    return picked


def _nearest_by_group(
    backend: CostBackend, origins: pd.DataFrame, sites: Sites, masks: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest cost and site position per origin for each site mask; each distinct mask is queried once."""
    costs = np.full((len(origins), len(masks)), np.nan)
    positions = np.full((len(origins), len(masks)), -1, dtype=np.int64)
    done: dict[bytes, int] = {}
    for g, mask in enumerate(masks):
        key = np.packbits(mask).tobytes()
        if key in done:
            costs[:, g], positions[:, g] = costs[:, done[key]], positions[:, done[key]]
            continue
        done[key] = g
        chosen = sites.points[mask]
        if len(chosen):
            found = backend.nearest(origins, chosen)
            costs[:, g] = found["cost"].to_numpy(dtype="float64")
            pos = positions_in(sites.points.index, found["dest"])
            positions[:, g] = np.where(found["dest"].notna().to_numpy(), pos, -1)
    return costs, positions


def need_groups(demand: KindDemand) -> tuple[np.ndarray, tuple[str | None, ...], np.ndarray]:
    """The kind's ages, need types and demand per LSOA, age and need type (``by_group``).

    Parameters
    ----------
    demand
        Demand of the kind per LSOA and age (and need shares, when split by need).

    Returns
    -------
    ages : numpy.ndarray
        The kind's ages.
    needs : tuple
        Need codes, or ``(None,)`` when demand is not split by need.
    by_group : numpy.ndarray
        LSOAs x ages x needs.
    """
    ages = np.asarray(list(demand.ages))
    needs = demand.needs if demand.need_shares is not None else (None,)
    shares = demand.need_shares if demand.need_shares is not None else np.ones((demand.demand.shape[0], 1))
    return ages, needs, demand.demand[:, :, None] * shares[:, None, :]


def group_masks(table: pd.DataFrame, ages: np.ndarray, needs: tuple[str | None, ...]) -> list[np.ndarray]:
    """Which sites suit each (age, need type), age-major: the site masks of the need figures."""
    age_masks = [serves_age(table["age_low"], table["age_high"], int(a)) for a in ages]
    need_masks = [serves_need(table["needs"], need) for need in needs]
    return [a & m for a in age_masks for m in need_masks]


def kind_groups(table: pd.DataFrame, ages: np.ndarray, needs: tuple[str | None, ...]) -> list[np.ndarray]:
    """Site masks of a kind's nearest-site groups: any age it serves, then each age, then each (age, need type).

    Examples
    --------
    >>> table = pd.DataFrame({"age_low": pd.array([4, 11], dtype="Int64"), "age_high": pd.array([11, 16], dtype="Int64"),
    ...                       "needs": pd.array(["ASD", None], dtype="string")})
    >>> [m.tolist() for m in kind_groups(table, np.array([5, 12]), ("ASD", "SEMH"))]
    [[True, True], [True, False], [False, True], [True, False], [False, False], [False, True], [False, True]]
    """
    age_masks = [serves_age(table["age_low"], table["age_high"], int(a)) for a in ages]
    return [np.ones(len(table), dtype=bool), *age_masks, *group_masks(table, ages, needs)]


def kind_reach(backend: CostBackend, origins: pd.DataFrame, sites: Sites, demand: KindDemand,
               catchment: float) -> KindReach:
    """Measure a kind's :class:`KindReach` from scratch.

    Parameters
    ----------
    backend
        Cost backend.
    origins
        LSOA centroids.
    sites
        The kind's suitable sites.
    demand
        The kind's demand (its ages and need types name the groups).
    catchment
        The kind's floating-catchment size, metres.

    Returns
    -------
    KindReach
    """
    ages, needs, _ = need_groups(demand)
    cost, position = _nearest_by_group(backend, origins, sites, kind_groups(sites.table, ages, needs))
    pairs = backend.costs(origins, sites.points, max_cost=catchment)
    o = positions_in(origins.index, pairs["origin"])
    j = positions_in(sites.points.index, pairs["dest"])
    known = (o >= 0) & (j >= 0)
    return KindReach(sites, cost, position, o[known], j[known], pairs["cost"].to_numpy(dtype="float64")[known])


def nearest_by_need(backend: CostBackend, origins: pd.DataFrame, sites: Sites, ages: np.ndarray,
                    needs: tuple[str | None, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Cost to, and position of, the nearest suitable site per LSOA, age and need type.

    Parameters
    ----------
    backend
        Cost backend.
    origins
        LSOA centroids.
    sites
        Provision of the kind.
    ages, needs
        As :func:`need_groups` returns.

    Returns
    -------
    cost, position : numpy.ndarray
        LSOAs x ages x needs (NaN and -1 where no site suits).
    """
    cost, pos = _nearest_by_group(backend, origins, sites, group_masks(sites.table, ages, needs))
    shape = (len(origins), len(ages), len(needs))
    return cost.reshape(shape), pos.reshape(shape)


def need_beyond(by_group: np.ndarray, need_cost: np.ndarray, *, threshold: float,
                statutory: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Need per LSOA beyond the kind's flat threshold, and beyond the walking distance for the child's age.

    Parameters
    ----------
    by_group
        Demand, LSOAs x ages x needs.
    need_cost
        Cost to the nearest suitable site, same shape (NaN: none, counted beyond).
    threshold
        The kind's flat distance, metres.
    statutory
        Walking distance per age, metres (not finite: no rule for that age, never counted).

    Returns
    -------
    threshold_need, statutory_need : numpy.ndarray
        Per LSOA (the engine's ``{kind}_need_beyond_threshold`` and ``{kind}_need_beyond_statutory``).
    """
    ruled = np.isfinite(statutory)
    need_out = ~(need_cost <= statutory[None, :, None]) & ruled[None, :, None]
    return (by_group * ~(need_cost <= threshold)).sum(axis=(1, 2)), (by_group * need_out).sum(axis=(1, 2))


def kind_metrics(
    kind: str,
    *,
    origins: pd.DataFrame,
    lsoa_la: np.ndarray,
    children_0_15: np.ndarray,
    sites: Sites,
    demand: KindDemand,
    settings: Settings,
    backend: CostBackend,
    reach: KindReach | None = None,
) -> KindMetrics:
    """Compute the metrics of one kind for every LSOA and site.

    Parameters
    ----------
    kind
        Provision kind.
    origins
        LSOA centroids, ``x``, ``y`` indexed by ``lsoa_code``.
    lsoa_la
        Resident LA of each LSOA.
    children_0_15
        Children aged 0-15 per LSOA.
    sites
        Provision of the kind that serves at least one of its ages.
    demand
        Demand of the kind per LSOA and age.
    settings
        Thresholds, rules, bands, catchments and decay.
    backend
        Cost backend.
    reach
        The kind's nearest sites and catchment pairs over ``sites``, when
        already known (default: measured with ``backend``, :func:`kind_reach`).

    Returns
    -------
    KindMetrics
    """
    n = len(origins)
    table = sites.table
    site_la = table["la_gss"].astype("string").fillna("").to_numpy(dtype=object)  # "" (unknown) counts as another LA
    out: dict[str, object] = {}

    # Nearest suitable provision: of the kind (any age it serves), then per age (and need type).
    ages, needs, by_group = need_groups(demand)
    reach = reach or kind_reach(backend, origins, sites, demand, settings.catchment(kind))
    group_cost, group_pos = reach.cost, reach.position
    cost, pos = group_cost[:, 0], group_pos[:, 0]
    age_cost = group_cost[:, 1 : 1 + len(ages)]
    need_cost = group_cost[:, 1 + len(ages) :].reshape(n, len(ages), len(needs))
    need_pos = group_pos[:, 1 + len(ages) :].reshape(n, len(ages), len(needs))

    found = pos >= 0
    site_ids = sites.points.index.to_numpy(dtype=object)
    ids = _at(site_ids, pos)
    nearest_la = _at(site_la, pos)
    cross = found & np.not_equal(nearest_la, lsoa_la).astype(bool)
    xy = origins[["x", "y"]].to_numpy()
    site_xy = sites.points[["x", "y"]].to_numpy()
    straight = np.full(n, np.nan)
    if found.any():
        straight[found] = np.hypot(*(xy[found] - site_xy[pos[found]]).T)
    beyond = ~(cost <= settings.threshold(kind))
    out[f"{kind}_nearest_id"] = pd.array(ids, dtype="string")
    out[f"{kind}_nearest_la"] = pd.array(nearest_la, dtype="string")
    out[f"{kind}_cross_la"] = cross
    out[f"{kind}_straight_line_m"] = np.round(straight, 1)
    out[f"{kind}_distance_m"] = np.round(cost, 1)
    out[f"{kind}_beyond"] = beyond
    out[f"{kind}_children_beyond"] = np.where(beyond, children_0_15, 0)

    statutory = settings.rule_set.distances(ages)
    ruled = np.isfinite(statutory)
    children_out = ~(age_cost <= statutory[None, :]) & ruled[None, :]
    need_out = ~(need_cost <= statutory[None, :, None]) & ruled[None, :, None]
    out[f"{kind}_children"] = demand.children.sum(axis=1)
    out[f"{kind}_demand"] = demand.demand.sum(axis=1)
    out[f"{kind}_children_beyond_statutory"] = (demand.children * children_out).sum(axis=1)
    out[f"{kind}_need_beyond_threshold"], out[f"{kind}_need_beyond_statutory"] = need_beyond(
        by_group, need_cost, threshold=settings.threshold(kind), statutory=statutory)
    for miles in settings.distance_bands_miles:
        far = ~(need_cost <= miles * METRES_PER_MILE)
        out[f"{kind}_demand_beyond_{band_label(miles)}"] = (by_group * far).sum(axis=(1, 2))

    # Floating catchments over the kind's places.
    total = demand.demand.sum(axis=1)
    places = table["places"].to_numpy(dtype="float64")
    o, j, c = reach.pair_origin, reach.pair_site, reach.pair_cost
    _, out[f"{kind}_2sfca"] = catchment_scores(total, places, o, j, 1.0)
    _, out[f"{kind}_e2sfca"] = catchment_scores(total, places, o, j, step_weights(settings.steps(kind))(c))
    _, out[f"{kind}_g2sfca"] = catchment_scores(total, places, o, j, gaussian(settings.gaussian_sigma(kind))(c))
    out[f"{kind}_catchment_sites"] = np.bincount(o, minlength=n)
    proxy = table["places_proxy"].to_numpy(dtype=bool)
    out[f"{kind}_places_proxy"] = np.bincount(o, weights=proxy[j].astype("float64"), minlength=n) > 0

    catchment_demand = np.bincount(j, weights=total[o], minlength=len(table))
    served = np.bincount(pos[found], weights=total[found], minlength=len(table))
    served_other = np.bincount(pos[found], weights=(total * cross)[found], minlength=len(table))
    site_out = pd.DataFrame(
        {
            "catchment_demand": catchment_demand,
            "catchment_ratio": np.divide(places, catchment_demand, out=np.full(len(table), np.nan),
                                         where=catchment_demand > 0),
            "nearest_demand": served,
            "nearest_demand_other_la": served_other,
        },
        index=sites.points.index,
    )
    need_table = None
    if demand.need_shares is not None:
        need_table = _need_table(kind, origins, lsoa_la, sites, by_group, need_out, need_cost, need_pos, demand.needs)
    return KindMetrics(pd.DataFrame(out, index=origins.index), site_out, need_table, reach)


def _need_table(
    kind: str,
    origins: pd.DataFrame,
    lsoa_la: np.ndarray,
    sites: Sites,
    by_group: np.ndarray,
    need_out: np.ndarray,
    need_cost: np.ndarray,
    need_pos: np.ndarray,
    needs: tuple[str, ...],
) -> pd.DataFrame:
    """LSOA x need rows: demand, nearest provision for that need (any age served), demand beyond statutory."""
    n, _, k = need_cost.shape
    filled = np.where(np.isnan(need_cost), np.inf, need_cost)
    best_age = filled.argmin(axis=1)  # n x k
    rows, cols = np.indices((n, k))
    cost = need_cost[rows, best_age, cols]
    pos = need_pos[rows, best_age, cols]
    ids = sites.points.index.to_numpy(dtype=object)
    site_la = sites.table["la_gss"].astype("string").fillna("").to_numpy(dtype=object)
    found = pos >= 0
    nearest_la = _at(site_la, pos)
    return pd.DataFrame(
        {
            "lsoa_code": np.repeat(origins.index.to_numpy(dtype=object), k),
            "la_gss": np.repeat(lsoa_la, k),
            "kind": kind,
            "need": np.tile(np.asarray(needs, dtype=object), n),
            "demand": by_group.sum(axis=1).ravel(),
            "need_beyond_statutory": (by_group * need_out).sum(axis=1).ravel(),
            "nearest_id": pd.array(_at(ids, pos).ravel(), dtype="string"),
            "nearest_la": pd.array(nearest_la.ravel(), dtype="string"),
            "cross_la": (found & np.not_equal(nearest_la, lsoa_la[:, None]).astype(bool)).ravel(),
            "distance_m": np.round(cost.ravel(), 1),
        }
    )
