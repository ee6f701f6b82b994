"""Journey-time outputs: nearest suitable site by time, estimated children beyond the journey norms.

LAs plan home-to-school transport for children with SEND against journey
times, not miles: as a norm, at most **45 minutes** each way for primary-age
children and **75 minutes** for secondary-age (DfE home-to-school travel
guidance; see ``shared/DOMAIN.md``).  With a time backend (``unit ==
"minutes"``: :class:`gapmap.engine.costs.CarTime` or a routed network) every
kind gets, per LSOA, the quickest suitable site and the demand whose quickest
suitable site (kind, age and need matching) is beyond the norm for its age and
beyond each time band.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gapmap.engine.costs import CostBackend, cost_unit
from gapmap.engine.demand import KindDemand
from gapmap.engine.fca import catchment_scores, positions_in
from gapmap.engine.metrics import Sites, _nearest_by_group
from gapmap.engine.supply import serves_age, serves_need
from gapmap.errors import InputError

#: Journey norms by age (youngest, oldest, minutes each way): primary age 45, secondary age 75.
JOURNEY_NORMS_MIN: tuple[tuple[int, int, float], ...] = ((0, 10, 45.0), (11, 19, 75.0))

#: Time bands (minutes) for the ``{kind}_need_beyond_{b}min`` counts; 45 and 75 are the norms.
TIME_BANDS_MIN: tuple[float, ...] = (15.0, 30.0, 45.0, 60.0, 75.0)

#: Floating-catchment radius on time (minutes): places within the primary-age journey norm.
CATCHMENT_MIN = 45.0

#: Per-kind LSOA columns summed into the LA and CA summaries.
SUMMED = ("need_beyond_journey_norm", "children_beyond_journey_norm",
          *(f"need_beyond_{b:g}min" for b in TIME_BANDS_MIN))


def check_time_backend(backend: CostBackend) -> None:
    """Raise :class:`InputError` unless ``backend`` measures minutes."""
    if cost_unit(backend) != "minutes":
        raise InputError(f"The journey-time backend {backend.label!r} measures {cost_unit(backend)}, not minutes; "
                         "give a backend whose unit is minutes (e.g. gapmap.engine.costs.CarTime()).")


def journey_norms(ages: np.ndarray) -> np.ndarray:
    """Journey norm (minutes) at each age; NaN for ages no norm covers.

    Examples
    --------
    >>> journey_norms(np.array([4, 10, 11, 15])).tolist()
    [45.0, 45.0, 75.0, 75.0]
    """
    out = np.full(np.shape(ages), np.nan)
    for low, high, minutes in JOURNEY_NORMS_MIN:
        out[(ages >= low) & (ages <= high)] = minutes
    return out


def journey_metrics(kind: str, *, origins: pd.DataFrame, sites: Sites, demand: KindDemand,
                    backend: CostBackend) -> pd.DataFrame:
    """Journey-time columns of one kind for every LSOA.

    Parameters
    ----------
    kind
        Provision kind.
    origins
        LSOA centroids, ``x``, ``y`` indexed by ``lsoa_code``.
    sites
        Suitable provision of the kind.
    demand
        Demand of the kind per LSOA and age (and need shares).
    backend
        A backend measuring minutes.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``origins``: ``{kind}_nearest_by_time_id``,
        ``{kind}_journey_min`` (to the quickest site of the kind serving any of
        its ages; NaN when there is none), ``{kind}_need_beyond_journey_norm``,
        ``{kind}_children_beyond_journey_norm``, ``{kind}_need_beyond_{b}min``
        and ``{kind}_2sfca_45min`` (two-step floating catchment on time: places
        within :data:`CATCHMENT_MIN` minutes per child needing one).
        "No suitable site" counts as beyond every time.
    """
    check_time_backend(backend)
    table, n = sites.table, len(origins)
    ages = np.asarray(list(demand.ages))
    needs = demand.needs if demand.need_shares is not None else (None,)
    age_masks = [serves_age(table["age_low"], table["age_high"], int(a)) for a in ages]
    need_masks = [serves_need(table["needs"], need) for need in needs]
    groups = [np.ones(len(table), dtype=bool), *age_masks, *(a & m for a in age_masks for m in need_masks)]
    cost, pos = _nearest_by_group(backend, origins, sites, groups)
    age_cost = cost[:, 1:1 + len(ages)]
    need_cost = cost[:, 1 + len(ages):].reshape(n, len(ages), len(needs))
    shares = demand.need_shares if demand.need_shares is not None else np.ones((n, 1))
    by_group = demand.demand[:, :, None] * shares[:, None, :]
    norms = journey_norms(ages)
    ruled = np.isfinite(norms)
    need_out = ~(need_cost <= norms[None, :, None]) & ruled[None, :, None]
    age_out = ~(age_cost <= norms[None, :]) & ruled[None, :]
    site_ids = sites.points.index.to_numpy(dtype=object)
    found = pos[:, 0] >= 0
    out: dict[str, object] = {
        f"{kind}_nearest_by_time_id": pd.array(
            np.where(found, site_ids[np.maximum(pos[:, 0], 0)] if len(site_ids) else None, None), dtype="string"),
        f"{kind}_journey_min": np.round(cost[:, 0], 1),
        f"{kind}_need_beyond_journey_norm": (by_group * need_out).sum(axis=(1, 2)),
        f"{kind}_children_beyond_journey_norm": (demand.children * age_out).sum(axis=1),
    }
    for minutes in TIME_BANDS_MIN:
        out[f"{kind}_need_beyond_{minutes:g}min"] = (by_group * ~(need_cost <= minutes)).sum(axis=(1, 2))
    pairs = backend.costs(origins, sites.points, max_cost=CATCHMENT_MIN)
    o, j = positions_in(origins.index, pairs["origin"]), positions_in(sites.points.index, pairs["dest"])
    known = (o >= 0) & (j >= 0)
    _, out[f"{kind}_2sfca_{CATCHMENT_MIN:g}min"] = catchment_scores(
        demand.demand.sum(axis=1), table["places"].to_numpy(dtype="float64"), o[known], j[known], 1.0)
    return pd.DataFrame(out, index=origins.index)


def journey_sums(la_table: pd.DataFrame, lsoa: pd.DataFrame, kinds: tuple[str, ...]) -> pd.DataFrame:
    """``la_table`` with the journey-time counts of each kind summed over the LSOAs of each resident LA."""
    columns = [f"{kind}_{name}" for kind in kinds for name in SUMMED if f"{kind}_{name}" in lsoa.columns]
    if not columns:
        return la_table
    sums = lsoa.groupby("la_gss")[columns].sum()
    out = la_table.copy()
    out[columns] = sums.reindex(out["la_gss"]).fillna(0.0).to_numpy()
    return out


def journey_note(backend: CostBackend) -> str:
    """Method note for the journey-time figures, naming the measure and its error."""
    norms = "; ".join(f"ages {low}-{min(high, 16)}: {minutes:g} minutes" for low, high, minutes in JOURNEY_NORMS_MIN)
    return (f"Journey times: {backend.label}, from the LSOA centroid to the provision's point, one way. Journey "
            f"norms by age ({norms}: the 45-minute primary and 75-minute secondary norms LAs work to under the DfE "
            "home-to-school travel guidance); *_need_beyond_journey_norm counts estimated demand whose quickest "
            "suitable site is beyond the norm for its age, *_need_beyond_{b}min demand beyond b minutes whatever "
            "its age. No suitable site counts as beyond every time. "
            + getattr(backend, "validation_note", "")).strip()


#: Data dictionary entries (``{journey}``: the time backend's label with its error).
LSOA_DEFINITIONS: dict[str, tuple[str, str]] = {
    "{kind}_nearest_by_time_id": ("code", "provision_id of the quickest suitable {label} (serving at least one of the "
                                  "ages {ages}) by {journey}; blank when there is none"),
    "{kind}_journey_min": ("minutes (estimate)", "Journey time one way to that provision, {journey}; blank when "
                           "there is none"),
    f"{{kind}}_2sfca_{CATCHMENT_MIN:g}min": (
        "places per child", f"Two-step floating catchment on time: places within {CATCHMENT_MIN:g} minutes shared "
        f"among the demand within {CATCHMENT_MIN:g} minutes of each site, {{journey}}; blank when none is within reach"),
}
AREA_DEFINITIONS: dict[str, tuple[str, str]] = {
    "{kind}_need_beyond_journey_norm": (
        "children (estimate, fractional)", "Demand living here whose quickest {label} suitable for its age and need "
        "type is beyond the journey norm for its age (45 minutes aged 10 or under, 75 minutes aged 11 or over), "
        "{journey}"),
    "{kind}_children_beyond_journey_norm": (
        "children (estimated, fractional, when the source gives only ages 0-15 together)",
        "Children aged {ages} living here whose quickest {label} serving their age is beyond the journey norm for "
        "their age (45 / 75 minutes), {journey}"),
    **{f"{{kind}}_need_beyond_{b:g}min": (
        "children (estimate, fractional)", f"Demand living here whose quickest suitable {{label}} is more than {b:g} "
        "minutes away, {journey}") for b in TIME_BANDS_MIN},
}
