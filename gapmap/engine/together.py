r"""Alone or together: what the LAs of a combined authority gain by planning specialist places jointly.

For each specialist kind, the same question is answered two ways:

* **alone**: each LA plans for its own children with its own existing
  provision, and may open new sites only inside its own boundary; a child
  counts as within reach only of a site in the LA where it lives;
* **together**: the combined authority plans for all its children with all
  its provision, and new sites may go anywhere in it.

Both plans must bring the same target share :math:`s` of the estimated need
within the kind's threshold :math:`r` (alone: :math:`s` of each LA's own
need; together: :math:`s` of the whole area's).  The fewest new sites are
found exactly (:func:`gapmap.engine.fewest.fewest_sites`, HiGHS).  The union of
the LAs' own answers is always a feasible joint answer (every site stays open
to every child), so planning together never needs more sites; the difference
is the value of planning together.  A third plan, **pooled**, sets one
target for the whole area instead of one per LA: it needs fewer sites still,
but may leave an LA's children short of the target.  For the same number of
new sites (the sum of the LAs' own answers), the most need the LAs can reach
(each keeping its own number of new sites, placed for the most need) is
compared with the most the combined authority can reach with them placed
anywhere (:func:`~gapmap.engine.cover.max_cover`, exact).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from gapmap.engine._kind_data import (
    ALL_NEEDS, SPECIALIST_KINDS, count_text, existing_sites, kind_demand, la_names, origins, provision_noun,
    row_figure,
)
from gapmap.engine.analysis import Results
from gapmap.engine.candidates import candidate_sites
from gapmap.engine.costs import CostBackend
from gapmap.engine.cover import max_cover
from gapmap.engine.fewest import FewestResult, fewest_sites
from gapmap.engine.opportunities import SCHOOL_DAYS_PER_YEAR, OpportunityOptions
from gapmap.engine.pairs import cost_backend, journey_backend
from gapmap.errors import InputError
from gapmap.model import CRS
from gapmap.options import DEFAULT_TARGET_SHARE
from gapmap.settings import METRES_PER_MILE

#: Default limit, seconds, on each exact solve.
DEFAULT_TIME_LIMIT_S = 30.0

#: Plans, in output order.
PLANS: tuple[str, ...] = ("alone", "together", "pooled")

#: Columns of the collaboration table, in order (then ``travel_minutes`` with a journey-time backend, and
#: ``transport_cost_gbp`` and ``cost_basis`` when a cost is set).
COLLABORATION_COLUMNS = [
    "kind", "need_type", "plan", "target_share", "threshold_miles", "need_total", "need_target", "new_sites",
    "new_sites_lower_bound", "new_sites_proven_fewest", "target_reached", "need_reached", "share_reached", "same_sites",
    "need_reached_same_sites", "travel_km", "need_without_site", "sites_by_la", "new_site_names", "solver",
    "demand_basis", "explanation",
]

#: Columns of the table of the plans' new sites (plus point ``geometry``).
SITE_COLUMNS = ["kind", "plan", "location", "location_name", "location_type", "location_la_gss", "location_la_name"]


@dataclass(frozen=True)
class CollaborationOptions:
    """How the alone and together plans are compared.

    Attributes
    ----------
    target_share
        Share of estimated need (0-1] both plans must bring within the threshold.
    time_limit_s
        Limit on each exact solve, seconds; past it the answer carries a proven lower bound.
    """

    target_share: float = DEFAULT_TARGET_SHARE
    time_limit_s: float = DEFAULT_TIME_LIMIT_S

    def __post_init__(self) -> None:
        """Check the options; raise :class:`~gapmap.errors.InputError` naming the bad one."""
        if not (isinstance(self.target_share, (int, float)) and 0 < self.target_share <= 1):
            raise InputError(f"The target share of need must be a number above 0 and at most 1, got "
                             f"{self.target_share!r}.")
        if not (isinstance(self.time_limit_s, (int, float)) and self.time_limit_s > 0):
            raise InputError(f"The solver time limit must be a positive number of seconds, got {self.time_limit_s!r}.")


@dataclass(frozen=True)
class Collaboration:
    """The answer of :func:`collaboration`.

    Attributes
    ----------
    table
        One row per kind and plan (columns :data:`COLLABORATION_COLUMNS`).
    sites
        The new sites of each plan (columns :data:`SITE_COLUMNS`, points, EPSG:27700).
    notes
        Method notes and the value of planning together, in words.
    """

    table: pd.DataFrame
    sites: gpd.GeoDataFrame
    notes: tuple[str, ...]


def collaboration(
    results: Results, options: OpportunityOptions | None = None, plan: CollaborationOptions | None = None
) -> Collaboration:
    """Compare each LA planning alone with the combined authority planning together, per specialist kind.

    Parameters
    ----------
    results
        Gap analysis results.
    options
        Candidate set and transport cost (those of the site search; defaults when ``None``).
    plan
        Target share and time limit (defaults when ``None``).

    Returns
    -------
    Collaboration
        ``table``: per kind, an ``alone`` and a ``together`` row at the same
        target: ``new_sites`` (alone: the sum of the LAs' fewest), ``need_reached``
        with them, ``need_reached_same_sites`` with ``same_sites`` new sites (the
        joint answer) and ``travel_km``, the need-weighted one-way distance to
        the nearest open site the plan allows (alone: in the child's own LA);
        with a journey-time backend also ``travel_minutes``, the need-weighted
        one-way time to the quickest such site.
    """
    options = options or OpportunityOptions()
    plan = plan or CollaborationOptions()
    kinds = options.kinds or tuple(k for k in results.settings.kinds if k in SPECIALIST_KINDS)
    rows: list[dict[str, object]] = []
    sites: list[dict[str, object]] = []
    notes = [f"Alone or together: each LA alone (its own children, its own provision, new sites only inside it) "
             f"and the combined authority together (all children, all provision, new sites anywhere) must each "
             f"bring {plan.target_share:.0%} of estimated need within the kind's threshold; fewest new sites found "
             "exactly with HiGHS (a proven lower bound where a solve hit its time limit of "
             f"{plan.time_limit_s:g} s)."]
    for kind in kinds:
        kind_rows, kind_sites, kind_notes = _Kind(results, kind, options, plan).compare()
        rows += kind_rows
        sites += kind_sites
        notes += kind_notes
    costed = options.cost_per_pupil_mile is not None or options.cost_per_pupil is not None
    timed = journey_backend(results.settings) is not None
    columns = (COLLABORATION_COLUMNS + (["travel_minutes"] if timed else [])
               + (["transport_cost_gbp", "cost_basis"] if costed else []))
    table = pd.DataFrame(rows, columns=columns)
    frame = pd.DataFrame(sites, columns=[*SITE_COLUMNS, "x", "y"])
    geometry = gpd.points_from_xy(frame["x"].astype("float64"), frame["y"].astype("float64"), crs=CRS)
    return Collaboration(table, gpd.GeoDataFrame(frame[SITE_COLUMNS], geometry=geometry, crs=CRS), tuple(notes))


@dataclass(frozen=True)
class _Plan:
    """One plan's answer: new sites per LA (alone) or for the area (together)."""

    answers: dict[str, FewestResult]
    open_sites: dict[str, pd.DataFrame]  # LA code (or "") -> open sites' x, y a child there may use


class _Kind:
    """The comparison for one kind: shared inputs, both plans, their rows."""

    def __init__(self, results: Results, kind: str, options: OpportunityOptions, plan: CollaborationOptions):
        self.results, self.kind, self.options, self.plan = results, kind, options, plan
        self.demand = kind_demand(results, kind)
        self.fixed = existing_sites(results, kind)
        self.candidates, _ = candidate_sites(results.provision, results.inputs.las, kind,
                                             candidates=options.candidates, grid_m=options.grid_m,
                                             exclude=self.fixed.index, ages=results.settings.age_range(kind))
        self.radius = results.settings.threshold(kind)
        self.backend: CostBackend = cost_backend(results.settings)
        self.journeys: CostBackend | None = journey_backend(results.settings)
        self.points = origins(results)
        self.la = pd.Series(results.lsoa["la_gss"].astype(str).to_numpy(dtype=object), index=self.points.index)
        everything = pd.concat([self.fixed[["x", "y"]], self.candidates[["x", "y"]]])
        self.pairs = self.backend.costs(self.points, everything, max_cost=self.radius)
        site_la = pd.concat([self.fixed["la_gss"], self.candidates["la_gss"]])
        self.names = la_names(results)
        self.codes = sorted(self.names)
        self.code_of = {code: k for k, code in enumerate(self.codes)}
        code_index = pd.Index(self.codes, dtype=object)

        def position(la_codes: object) -> np.ndarray:
            return code_index.get_indexer(pd.Index(np.asarray(la_codes, dtype=object), dtype=object))

        self.pair_origin_la = self.la.reindex(self.pairs["origin"].to_numpy(dtype=object)).to_numpy(dtype=object)
        self.pair_site_la = site_la.reindex(self.pairs["dest"].to_numpy(dtype=object)).to_numpy(dtype=object)
        pair_origin, pair_site = position(self.pair_origin_la), position(self.pair_site_la)
        n = len(self.codes)
        self.lsoa_rows = _Rows(position(self.la.to_numpy(dtype=object)), n)
        self.fixed_rows = _Rows(position(self.fixed["la_gss"].to_numpy(dtype=object)), n)
        self.candidate_rows = _Rows(position(self.candidates["la_gss"].to_numpy(dtype=object)), n)
        self.pair_rows = _Rows(np.where(pair_origin == pair_site, pair_origin, -1), n)  # both ends in the LA

    def _scope(self, la: str | None) -> tuple[pd.Series, pd.Series, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """Demand, its LA, existing sites, candidates and pairs of one LA alone (``la``) or the whole area."""
        if la is None:
            return self.demand.weights, self.la, self.fixed, self.candidates, self.pairs
        k = self.code_of[la]
        lsoas = self.lsoa_rows.of(k)
        return (self.demand.weights.iloc[lsoas], self.la.iloc[lsoas], self.fixed.iloc[self.fixed_rows.of(k)],
                self.candidates.iloc[self.candidate_rows.of(k)], self.pairs.iloc[self.pair_rows.of(k)])

    def _solve(self, la: str | None, *, pooled: bool = False) -> FewestResult:
        """Fewest sites for one LA alone (``la``), or the whole area with a target per LA or ``pooled``."""
        weights, groups, fixed, candidates, pairs = self._scope(la)
        if pooled:
            groups = pd.Series("all", index=weights.index, dtype=object)
        need = weights.groupby(groups.to_numpy()).sum()
        return fewest_sites(weights, list(candidates.index), pairs, radius=self.radius, groups=groups,
                            targets=(need * self.plan.target_share).to_dict(), fixed=list(fixed.index),
                            time_limit=self.plan.time_limit_s)

    def _most(self, la: str | None, sites: int) -> float:
        """Most need ``sites`` new sites bring within reach for one LA alone (``la``) or the whole area (exact)."""
        weights, _, fixed, candidates, pairs = self._scope(la)
        return max_cover(weights, list(candidates.index), pairs, radius=self.radius, p=sites, fixed=list(fixed.index),
                         time_limit=self.plan.time_limit_s).covered

    def compare(self) -> tuple[list[dict[str, object]], list[dict[str, object]], list[str]]:
        """The plans' rows, new sites and notes."""
        alone = {la: self._solve(la) for la in self.codes}
        answers = {"alone": list(alone.values()), "together": [self._solve(None)],
                   "pooled": [self._solve(None, pooled=True)]}
        same = sum(len(answer.sites) for answer in answers["alone"])
        alone_same = sum(self._most(la, len(answer.sites)) for la, answer in alone.items())
        together_same = self._most(None, same)
        same_reached = {"alone": alone_same, "together": together_same, "pooled": together_same}
        opened = {"alone": {la: self._open(self.fixed.iloc[self.fixed_rows.of(self.code_of[la])], alone[la].sites)
                            for la in self.codes}}
        opened.update({plan: {"": self._open(self.fixed, answers[plan][0].sites)} for plan in ("together", "pooled")})
        rows = [self._row(plan, answers[plan], same_reached[plan], same, self._travel(opened[plan], self.backend))
                for plan in PLANS]
        if self.journeys is not None:
            w = self.demand.weights.to_numpy()
            for row, plan in zip(rows, PLANS):
                minutes = self._travel(opened[plan], self.journeys)
                row["travel_minutes"] = float(np.dot(w[np.isfinite(minutes)], minutes[np.isfinite(minutes)]))
        sites = [self._site(plan, s) for plan in PLANS for answer in answers[plan] for s in answer.sites]
        return rows, sites, [planning_gain(rows[0], rows[1])]

    def _open(self, fixed: pd.DataFrame, new: tuple[object, ...]) -> pd.DataFrame:
        return pd.concat([fixed[["x", "y"]], self.candidates.loc[list(new), ["x", "y"]]])

    def _travel(self, open_sites: dict[str, pd.DataFrame], backend: CostBackend) -> np.ndarray:
        """Cost (``backend``'s unit) from each LSOA to the nearest open site it may use (NaN when it may use none)."""
        distance = np.full(len(self.points), np.nan)
        for la, sites in open_sites.items():
            rows = self.lsoa_rows.of(self.code_of[la]) if la else np.arange(len(self.points))
            if len(sites) and len(rows):
                found = backend.nearest(self.points.iloc[rows], sites)
                distance[rows] = found["cost"].to_numpy(dtype="float64")
        return distance

    def _row(self, plan: str, answers: list[FewestResult], same_reached: float, same: int,
             distance: np.ndarray) -> dict[str, object]:
        w = self.demand.weights.to_numpy()
        total = float(w.sum())
        reached = float(sum(a.covered.sum() for a in answers))
        new_sites = sum(len(a.sites) for a in answers)
        has_site = np.isfinite(distance)
        travel_km = float(np.dot(w[has_site], distance[has_site])) / 1000.0
        names = self.names
        if plan == "alone":
            by_la = "; ".join(f"{names[la]} {len(a.sites)}" for la, a in zip(self.codes, answers))
        else:
            counts = pd.Series([self.candidates.loc[s, "la_gss"] for s in answers[0].sites], dtype=object)
            per_la = counts.value_counts(sort=False).sort_index()
            by_la = "; ".join(f"{names.get(la, la)} {n}" for la, n in per_la.items())
        row: dict[str, object] = {
            "kind": self.kind,
            "need_type": ALL_NEEDS,
            "plan": plan,
            "target_share": self.plan.target_share,
            "threshold_miles": round(self.radius / METRES_PER_MILE, 2),
            "need_total": total,
            "need_target": self.plan.target_share * total,
            "new_sites": new_sites,
            "new_sites_lower_bound": sum(a.lower_bound for a in answers),
            "new_sites_proven_fewest": all(a.optimal for a in answers),
            "target_reached": all(a.reached.all() for a in answers),
            "need_reached": reached,
            "share_reached": reached / total if total > 0 else np.nan,
            "same_sites": same,
            "need_reached_same_sites": same_reached,
            "travel_km": travel_km,
            "need_without_site": float(w[~has_site].sum()),
            "sites_by_la": by_la,
            "new_site_names": "; ".join(str(self.candidates.loc[s, "name"]) for a in answers for s in a.sites),
            "solver": "exact (HiGHS)" if all(a.optimal for a in answers) else
                      f"HiGHS, time-limited: at least {sum(a.lower_bound for a in answers)} sites proven needed",
            "demand_basis": self.demand.description,
        }
        if self.options.cost_per_pupil_mile is not None:
            row["transport_cost_gbp"] = float(np.round(travel_km * 1000 / METRES_PER_MILE * 2 * SCHOOL_DAYS_PER_YEAR
                                                       * self.options.cost_per_pupil_mile, -2))
            row["cost_basis"] = (f"travel_km in miles x 2 journeys x {SCHOOL_DAYS_PER_YEAR} school days x "
                                 f"£{self.options.cost_per_pupil_mile:,.2f} per pupil-mile (set by the user)")
        elif self.options.cost_per_pupil is not None:
            row["transport_cost_gbp"] = float(np.round((total - reached) * self.options.cost_per_pupil, -2))
            row["cost_basis"] = (f"need beyond the threshold x £{self.options.cost_per_pupil:,.0f} per pupil per "
                                 "year (set by the user)")
        row["explanation"] = self._sentence(row, answers)
        return row

    def _sentence(self, row: dict[str, object], answers: list[FewestResult]) -> str:
        noun = provision_noun(self.kind)
        miles = f"{row['threshold_miles']:g} miles"
        who = {"alone": "Each LA planning alone", "together": "The combined authority planning together",
               "pooled": "The combined authority with one target for the whole area"}[str(row["plan"])]
        sites = int(str(row["new_sites"]))
        where = " in every LA" if row["plan"] != "pooled" else " across the area"
        aim = (f"{self.plan.target_share:.0%} of estimated need{where}" if row["target_reached"] else
               f"as much estimated need as its candidate sites can{where} (short of the target)")
        return (f"{who} needs {sites} new {noun} site{'s' if sites != 1 else ''} to bring {aim} within {miles} "
                f"(about {count_text(row_figure(row, 'need_reached'))} of {count_text(row_figure(row, 'need_total'))} "
                f"children).")

    def _site(self, plan: str, site: object) -> dict[str, object]:
        candidate = self.candidates.loc[site]
        names = self.names
        return {"kind": self.kind, "plan": plan, "location": site, "location_name": candidate["name"],
                "location_type": candidate["candidate_type"], "location_la_gss": candidate["la_gss"],
                "location_la_name": names.get(candidate["la_gss"], candidate["la_gss"]),
                "x": candidate["x"], "y": candidate["y"]}


class _Rows:
    """Row positions of a table grouped by a key (0 to ``n - 1``; -1: in no group), each group in table order."""

    def __init__(self, keys: np.ndarray, n: int):
        self.order = np.argsort(keys, kind="stable")
        self.bounds = np.searchsorted(keys[self.order], np.arange(n + 1))

    def of(self, k: int) -> np.ndarray:
        """Positions, ascending, of the rows with key ``k``."""
        return self.order[self.bounds[k] : self.bounds[k + 1]]


def planning_gain(alone: Mapping[str, object], together: Mapping[str, object]) -> str:
    """"What planning together gains" for one kind, in one sentence, from its ``alone`` and ``together`` rows.

    Parameters
    ----------
    alone, together
        Rows of the collaboration table (columns :data:`COLLABORATION_COLUMNS`).

    Returns
    -------
    str

    Examples
    --------
    >>> alone = {"kind": "special", "new_sites": 34, "need_reached_same_sites": 8165.5, "same_sites": 34,
    ...          "target_share": 0.95, "threshold_miles": 3.0}
    >>> print(planning_gain(alone, {**alone, "new_sites": 31, "need_reached_same_sites": 8264.0}))
    ... # doctest: +NORMALIZE_WHITESPACE
    What planning together gains, special school provision: 31 new sites instead of 34 (3 fewer) to bring 95% of
    estimated need in every LA within 3 miles; or, with the 34 new sites the LAs would open alone, about 98 more
    children within reach when they are placed together.
    """
    alone_sites, together_sites = int(str(alone["new_sites"])), int(str(together["new_sites"]))
    more = float(str(together["need_reached_same_sites"])) - float(str(alone["need_reached_same_sites"]))
    same = int(str(alone["same_sites"]))
    return (f"What planning together gains, {provision_noun(str(alone['kind']))}: {together_sites} new sites "
            f"instead of {alone_sites} ({alone_sites - together_sites} fewer) to bring "
            f"{float(str(alone['target_share'])):.0%} of estimated need in every LA within "
            f"{float(str(alone['threshold_miles'])):g} miles; or, with the {same} new sites the LAs would open alone, "
            f"about {count_text(max(round(more), 0))} more {'child' if round(more) == 1 else 'children'} within "
            "reach when they are placed together.")

