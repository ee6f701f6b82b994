r"""Site opportunities: where new specialist provision would reach the most children, ranked and explained.

For each specialist kind, the existing sites stay open and up to ``p`` new
sites are chosen from a candidate set (host schools or a grid) in two plans:

* **most children within the threshold**: the maximal covering location
  problem (:func:`gapmap.engine.cover.max_cover`, exact with HiGHS);
* **least total distance**: the p-median with fixed sites
  (:func:`gapmap.engine.median.p_median`), distances capped at the farthest
  LSOA's distance to existing provision;
* with a journey-time backend (``--cost time`` or ``--roads``), **most
  children within the journey norm**: the maximal covering problem on journey
  time, within :data:`~gapmap.engine.journeys.CATCHMENT_MIN` minutes (the
  primary-age norm, the stricter of the two), as the floating catchments on
  time use.

Each chosen site becomes one row.  Every LSOA is assigned to its nearest open
site once the plan's sites are open (:math:`b_i` before, :math:`d_i` after);
a new site is credited with the demand :math:`w_i` it brings within the
threshold :math:`r` (:math:`b_i > r \ge d_i`) and with the child-miles it saves,
:math:`\sum_i w_i (b_i - d_i) / 1609.344` over LSOAs assigned to it, so rows
add up to the plan's totals.  Its estimated places count only that need newly
brought within reach, never need already within reach of existing provision.
Host schools must serve some of the kind's ages and reach only the need in
the ages they serve (:mod:`gapmap.engine.site_ages`), and an alternative provision
site must newly bring at least ``min_ap_children`` children within reach (a
plan's smaller sites are dropped, with a note saying so).  An indicative annual transport saving is shown
only when the user sets a cost per pupil-mile (child-miles saved x 2 journeys
x :data:`SCHOOL_DAYS_PER_YEAR` days x cost) or per pupil (children brought
within the threshold x cost).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from numbers import Integral
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from gapmap.engine._kind_data import (
    ALL_NEEDS, SPECIALIST_KINDS, Demand, count_text, existing_sites, kind_demand, la_names, list_las, origins,
    provision_noun, row_figure,
)
from gapmap.engine.analysis import Results
from gapmap.engine.candidates import DEFAULT_GRID_M, candidate_sites
from gapmap.engine.costs import CostBackend, StraightLine
from gapmap.engine.demand import children_by_age
from gapmap.engine.cover import DEFAULT_TIME_LIMIT_S, CoverResult, max_cover
from gapmap.engine.median import MedianResult, p_median
from gapmap.engine.journeys import CATCHMENT_MIN
from gapmap.engine.pairs import cost_backend, journey_backend
from gapmap.engine.site_ages import AgeBands, age_bands
from gapmap.errors import InputError
from gapmap.model import CRS
from gapmap.options import CANDIDATE_SETS, MIN_AP_CHILDREN, CandidateSet
from gapmap.settings import METRES_PER_MILE

#: School days in a year, for the per-pupil-mile transport saving.
SCHOOL_DAYS_PER_YEAR = 190

#: Plans, in output order: objective key -> how the outputs name it.
OBJECTIVES: dict[str, str] = {
    "cover": "most children within the threshold (maximal covering)",
    "distance": "least total distance (p-median)",
    "time": f"most children within {CATCHMENT_MIN:g} minutes' journey (maximal covering on journey time)",
}

#: Columns of the opportunities table, in order (then ``threshold_minutes`` and ``child_minutes_saved``
#: with a journey-time backend, ``indicative_annual_saving_gbp`` and ``saving_basis`` when a transport
#: cost is set, and point ``geometry``).
OPPORTUNITY_COLUMNS = [
    "kind", "objective", "rank", "need_type", "location", "location_name", "location_type", "location_la_gss",
    "location_la_name", "las_served", "children_by_la", "children_brought_within", "children_nearest",
    "child_miles_saved", "estimated_places", "threshold_miles", "demand_basis", "plan_children_within",
    "plan_gap", "solver", "explanation",
]


#: Columns added with a journey-time backend.
TIME_COLUMNS = ("threshold_minutes", "child_minutes_saved")


@dataclass(frozen=True)
class OpportunityOptions:
    """How site opportunities are searched for.

    Attributes
    ----------
    sites
        Most new sites per kind and plan (0: no site search).
    candidates
        ``"schools"`` (state-funded schools that could host the provision) or
        ``"grid"`` (cell centres of a regular grid over the study area).
    grid_m
        Grid spacing in metres, for ``candidates="grid"``.
    kinds
        Kinds to search; default the specialist kinds among those analysed.
    cost_per_pupil_mile
        Transport cost per pupil-mile (GBP) for the indicative saving; at most
        one of this and ``cost_per_pupil``.
    cost_per_pupil
        Annual transport cost per pupil (GBP) for the indicative saving.
    median_method
        ``"greedy"`` (default: fast, with a proven gap) or ``"exact"`` for the p-median plan.
    time_limit_s
        Limit on each exact solve, seconds.
    min_ap_children
        Fewest children an alternative provision site must newly bring within
        the threshold to be proposed (default :data:`MIN_AP_CHILDREN`): AP is
        a group setting, and a site "for about 1 child" is not a plan.
    """

    sites: int = 3
    candidates: CandidateSet = "schools"
    grid_m: float = DEFAULT_GRID_M
    kinds: tuple[str, ...] | None = None
    cost_per_pupil_mile: float | None = None
    cost_per_pupil: float | None = None
    median_method: Literal["exact", "greedy"] = "greedy"
    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    min_ap_children: float = MIN_AP_CHILDREN

    def __post_init__(self) -> None:
        """Check the options; raise :class:`~gapmap.errors.InputError` naming the bad one."""
        if isinstance(self.sites, bool) or not isinstance(self.sites, Integral) or self.sites < 0:
            raise InputError(f"The number of new sites must be a whole number >= 0, got {self.sites!r}.")
        if self.candidates not in CANDIDATE_SETS:
            raise InputError(f"Unknown candidate set {self.candidates!r}; choose from {', '.join(CANDIDATE_SETS)}.")
        if self.cost_per_pupil_mile is not None and self.cost_per_pupil is not None:
            raise InputError("Set a transport cost per pupil-mile or per pupil, not both.")
        for name in ("cost_per_pupil_mile", "cost_per_pupil"):
            value = getattr(self, name)
            if value is not None and not (np.isfinite(value) and value > 0):
                raise InputError(f"{name} must be a positive number of pounds, got {value!r}.")
        if isinstance(self.min_ap_children, bool) or not (np.isfinite(self.min_ap_children)
                                                          and self.min_ap_children >= 0):
            raise InputError(f"The fewest children for an AP site must be a number >= 0, got {self.min_ap_children!r}.")
        if self.median_method not in ("exact", "greedy"):
            raise InputError(f"median_method must be 'exact' or 'greedy', got {self.median_method!r}.")


@dataclass(frozen=True)
class Opportunities:
    """The answer of :func:`site_opportunities`.

    Attributes
    ----------
    table
        One row per chosen site (see :func:`site_opportunities`).
    notes
        Method notes: demand used, candidates, solver answers and gaps, saving basis.
    """

    table: gpd.GeoDataFrame
    notes: tuple[str, ...]


def site_opportunities(results: Results, options: OpportunityOptions | None = None) -> Opportunities:
    """Ranked, explained opportunities for new specialist provision.

    Parameters
    ----------
    results
        Gap analysis results.
    options
        Number of sites, candidates, kinds and transport cost (defaults apply when ``None``).

    Returns
    -------
    Opportunities
        ``table``: one row per chosen site, columns :data:`OPPORTUNITY_COLUMNS`
        (plus the saving columns when a cost is set), point geometry
        (EPSG:27700); ordered by kind, plan (``objective``) and ``rank``
        (cover plan: children brought within the threshold, largest first;
        distance plan: child-miles saved).  ``children_*`` count the kind's
        demand (see ``demand_basis``); ``estimated_places`` (need the site newly
        brings within the threshold, rounded) only when demand is an estimate of need; ``plan_gap`` is
        the proven optimality gap of the plan.

    Raises
    ------
    InputError
        If a kind is not analysed in ``results``.
    """
    options = options or OpportunityOptions()
    kinds = options.kinds
    if kinds is None:
        kinds = tuple(k for k in results.settings.kinds if k in SPECIALIST_KINDS)
    unknown = [k for k in kinds if k not in results.settings.kinds]
    if unknown:
        raise InputError(f"Site opportunities for {', '.join(unknown)}: not analysed; analysed kinds are "
                         f"{', '.join(results.settings.kinds)}.")
    rows: list[dict[str, object]] = []
    notes: list[str] = []
    if options.sites == 0:
        notes.append("Site opportunities: not searched (0 new sites requested).")
    else:
        for kind in kinds:
            kind_rows, kind_notes = _kind_opportunities(results, kind, options)
            rows += kind_rows
            notes += kind_notes
    costed = options.cost_per_pupil_mile is not None or options.cost_per_pupil is not None
    if costed:
        notes.append(f"Indicative annual transport saving: {_saving_basis(options)}. An order of magnitude from a "
                     "user-set cost, not a budget; it applies to the demand counted (see demand_basis).")
    timed = journey_backend(results.settings) is not None
    columns = (OPPORTUNITY_COLUMNS + (list(TIME_COLUMNS) if timed else [])
               + (["indicative_annual_saving_gbp", "saving_basis"] if costed else []))
    table = pd.DataFrame(rows, columns=[*columns, "x", "y"])
    geometry = gpd.points_from_xy(table["x"].astype("float64"), table["y"].astype("float64"), crs=CRS)
    return Opportunities(gpd.GeoDataFrame(table[columns], geometry=geometry, crs=CRS), tuple(notes))


def _kind_opportunities(
    results: Results, kind: str, options: OpportunityOptions
) -> tuple[list[dict[str, object]], list[str]]:
    """Both plans for one kind: their rows and notes."""
    demand = kind_demand(results, kind)
    fixed = existing_sites(results, kind)
    candidates, described = candidate_sites(results.provision, results.inputs.las, kind,
                                            candidates=options.candidates, grid_m=options.grid_m,
                                            exclude=fixed.index, ages=results.settings.age_range(kind))
    radius = results.settings.threshold(kind)
    miles = radius / METRES_PER_MILE
    backend = cost_backend(results.settings)
    points = origins(results)
    ages = results.settings.age_range(kind)  # a host reaches only the need in the ages it serves
    bands = age_bands(candidates, ages, demand.weights, children_by_age(results.inputs.lsoas).of(ages, kind=kind))
    base_cost, fixed_pairs = _existing_nearest(backend, points, fixed)
    site_ids = list(candidates.index)
    notes = [f"Site opportunities, {kind}: demand is {demand.description}; the {len(fixed)} existing sites stay "
             f"open; up to {options.sites} new sites are chosen from {len(site_ids)} candidates ({described}), "
             f"measured as {backend.label}."]

    near = backend.costs(points, candidates[["x", "y"]], max_cost=radius)
    weights, pairs = bands.problem(near, fixed_pairs[fixed_pairs["cost"] <= radius])
    cover = max_cover(weights, site_ids, pairs, radius=radius, p=options.sites, fixed=list(fixed.index),
                      time_limit=options.time_limit_s)
    notes.append(f"Site opportunities, {kind}, {OBJECTIVES['cover']} within {miles:g} miles: {cover.message} "
                 f"Proven gap {cover.gap:.2%}.")

    cap = float(np.nanmax(base_cost)) if np.isfinite(base_cost).any() else _diagonal(points)
    baseline = np.where(np.isfinite(base_cost), np.minimum(base_cost, cap), cap)
    nearer = _pairs_nearer(backend, points, candidates[["x", "y"]], baseline)
    weights, pairs = bands.problem(nearer, fixed_pairs)
    median = p_median(weights, site_ids, pairs, p=options.sites, fixed=list(fixed.index), max_cost=cap,
                      method=options.median_method, time_limit=options.time_limit_s)
    notes.append(f"Site opportunities, {kind}, {OBJECTIVES['distance']}, each child's distance capped at "
                 f"{cap / METRES_PER_MILE:.1f} miles: {median.message} Proven gap {median.gap:.2%}.")

    context = _Context(results, kind, demand, candidates, base_cost, radius, backend, points, options, bands)
    fewest = options.min_ap_children if kind == "ap" else 0.0
    plans: list[tuple[_Context, str, CoverResult | MedianResult]] = [
        (context, "cover", cover), (context, "distance", median)]
    journeys = journey_backend(results.settings)
    if journeys is not None:
        timed, plan, note = _time_plan(context, journeys, fixed)
        plans.append((timed, "time", plan))
        notes.append(note)
    rows: list[dict[str, object]] = []
    for plan_context, objective, answer in plans:
        plan_rows, dropped = _qualifying_rows(plan_context, answer.sites, objective, answer.gap, answer.method, fewest)
        rows += plan_rows
        notes += [dropped] if dropped else []
    return rows, notes


def _time_plan(context: _Context, journeys: CostBackend, fixed: pd.DataFrame) -> tuple[_Context, CoverResult, str]:
    """The maximal covering plan on journey time: its context (costs in minutes), answer and note."""
    points, candidates, options = context.points, context.candidates, context.options
    base_cost, fixed_pairs = _existing_nearest(journeys, points, fixed)
    fixed_pairs = fixed_pairs[fixed_pairs["cost"].to_numpy() <= CATCHMENT_MIN]
    near = journeys.costs(points, candidates[["x", "y"]], max_cost=CATCHMENT_MIN)
    weights, pairs = context.bands.problem(near, fixed_pairs)
    cover = max_cover(weights, list(candidates.index), pairs, radius=CATCHMENT_MIN, p=options.sites,
                      fixed=list(fixed.index), time_limit=options.time_limit_s)
    note = (f"Site opportunities, {context.kind}, {OBJECTIVES['time']}, measured as {journeys.label}: "
            f"{cover.message} Proven gap {cover.gap:.2%}.")
    return replace(context, base_cost=base_cost, radius=CATCHMENT_MIN, backend=journeys), cover, note


def _existing_nearest(backend: CostBackend, points: pd.DataFrame, fixed: pd.DataFrame
                      ) -> tuple[np.ndarray, pd.DataFrame]:
    """Each origin's cost to its nearest existing site (NaN if none), and those pairs (``origin, dest, cost``)."""
    base = backend.nearest(points, fixed[["x", "y"]]) if len(fixed) else pd.DataFrame(
        {"dest": pd.Series(pd.NA, index=points.index, dtype="object"), "cost": np.nan}, index=points.index)
    base_cost = base["cost"].to_numpy(dtype="float64")
    pairs = pd.DataFrame({"origin": points.index, "dest": base["dest"].to_numpy(dtype=object), "cost": base_cost})
    return base_cost, pairs[np.isfinite(base_cost)]


def _qualifying_rows(context: _Context, sites: tuple[object, ...], objective: str, gap: float, method: str,
                     fewest: float) -> tuple[list[dict[str, object]], str | None]:
    """Rows of a plan's sites that each newly bring at least ``fewest`` children within the threshold.

    A site below ``fewest`` is dropped and the rest re-assigned (a dropped
    site's children may move to a kept one), until every kept site qualifies.
    Returns the rows and, when sites were dropped, a sentence saying why.
    """
    rows = context.rows(sites, objective, gap, method)
    dropped: list[dict[str, object]] = []
    while rows and (small := [r for r in rows if row_figure(r, "children_brought_within") < fewest]):
        dropped += small
        kept = {r["location"] for r in rows} - {r["location"] for r in small}
        rows = context.rows(tuple(s for s in sites if s in kept), objective, gap, method)
    if not dropped:
        return rows, None
    best = max(row_figure(r, "children_brought_within") for r in dropped)
    what = "no site qualifies" if not rows else (
        f"{len(dropped)} of the plan's {len(sites)} sites {'does' if len(dropped) == 1 else 'do'} not qualify")
    return rows, (f"Site opportunities, {context.kind}, {OBJECTIVES[objective]}: {what}: a site is proposed only "
                  f"when it newly brings at least {fewest:g} {context.demand.noun} within "
                  f"{context.threshold_text} (set with --min-ap-children or min_ap_children), and the best left "
                  f"out would bring {_few(best)}.")


def _few(count: float) -> str:
    """A small count in words: ``"none"``, ``"fewer than 1"``, ``"about 3"``."""
    if count <= 0:
        return "none"
    return "fewer than 1" if count < 0.5 else f"about {count:,.0f}"


def _pairs_nearer(backend: CostBackend, points: pd.DataFrame, sites: pd.DataFrame, baseline: np.ndarray,
                  *, batches: int = 8) -> pd.DataFrame:
    """Pairs with cost below the origin's ``baseline``: the only ones a new site can improve.

    Straight lines: one radius query per origin, up to its own baseline.  Other
    backends: origins are queried in batches of similar baseline, each up to
    its largest, so that the few far-flung LSOAs do not make every LSOA list
    every site.
    """
    if isinstance(backend, StraightLine):
        return backend.costs_below(points, sites, baseline)
    order = np.argsort(baseline, kind="stable")
    tables = []
    for chunk in np.array_split(order, min(batches, len(order))):
        if not len(chunk):
            continue
        table = backend.costs(points.iloc[chunk], sites, max_cost=float(baseline[chunk].max()))
        limit = baseline[points.index.get_indexer(table["origin"].to_numpy(dtype=object))]
        tables.append(table[table["cost"].to_numpy(dtype="float64") < limit])
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame({"origin": [], "dest": [], "cost": []})


def _diagonal(points: pd.DataFrame) -> float:
    """Diagonal of the bounding box of ``points``: a cost no pair in the study area exceeds (straight line)."""
    return float(np.hypot(np.ptp(points["x"].to_numpy()), np.ptp(points["y"].to_numpy()))) + 1.0


def _saving_basis(options: OpportunityOptions) -> str:
    if options.cost_per_pupil_mile is not None:
        return (f"child-miles saved (one way) x 2 journeys x {SCHOOL_DAYS_PER_YEAR} school days x "
                f"£{options.cost_per_pupil_mile:,.2f} per pupil-mile (cost_per_pupil_mile, set by the user)")
    return (f"children brought within the threshold x £{options.cost_per_pupil:,.0f} per pupil per year "
            "(cost_per_pupil, set by the user)")


@dataclass(frozen=True)
class _Context:
    """Everything needed to turn one plan's chosen sites into table rows."""

    results: Results
    kind: str
    demand: Demand
    candidates: pd.DataFrame
    base_cost: np.ndarray
    radius: float
    backend: CostBackend
    points: pd.DataFrame
    options: OpportunityOptions
    bands: AgeBands

    @property
    def timed(self) -> bool:
        """Costs are journey minutes (the time plan), not metres."""
        return getattr(self.backend, "unit", "metres") == "minutes"

    @property
    def threshold_text(self) -> str:
        """The threshold as officers read it: ``"3 miles"`` or ``"45 minutes"``."""
        return f"{self.radius:g} minutes" if self.timed else f"{self.radius / METRES_PER_MILE:g} miles"

    def rows(self, sites: tuple[object, ...], objective: str, gap: float, method: str) -> list[dict[str, object]]:
        """One row per chosen site, ranked (see :func:`site_opportunities`)."""
        if not sites:
            return []
        w = self.bands.flat  # per LSOA and age band (:mod:`gapmap.engine.site_ages`)
        repeat = self.bands.count
        before = np.repeat(np.where(np.isfinite(self.base_cost), self.base_cost, np.inf), repeat)
        after, nearest = self.bands.nearest(self.backend, self.points, self.candidates.loc[list(sites), ["x", "y"]])
        takes = after < before
        dest = np.array(nearest, dtype=object)
        dest[~takes] = None
        brought = takes & (before > self.radius) & (after <= self.radius)
        saved = np.zeros(len(w))
        known = takes & np.isfinite(before)
        saved[known] = w[known] * (before[known] - after[known]) / (1.0 if self.timed else METRES_PER_MILE)
        la = np.repeat(self.results.lsoa["la_gss"].astype(str).to_numpy(dtype=object), repeat)
        within_after = float(w[np.fmin(before, after) <= self.radius].sum())
        names = la_names(self.results)
        rows = []
        for order, site in enumerate(sites):
            mine = dest == site
            by_la = (pd.Series(w[mine & brought]).groupby(la[mine & brought]).sum()
                     .sort_values(ascending=False, kind="stable"))
            by_la = by_la[by_la >= 0.05]
            counts = {names.get(code, code): float(value) for code, value in by_la.items()}
            rows.append(self._row(site, objective, counts, float(w[mine & brought].sum()), float(w[mine].sum()),
                                  float(saved[mine].sum()) if np.isfinite(self.base_cost).any() else np.nan,
                                  within_after, gap, method, order))
        key = ("children_brought_within", "child_miles_saved") if objective in ("cover", "time") else (
            "child_miles_saved", "children_brought_within")
        rows.sort(key=lambda r: (-np.nan_to_num(row_figure(r, key[0])), -np.nan_to_num(row_figure(r, key[1])), r["_order"]))
        for rank, row in enumerate(rows, start=1):
            row["rank"] = rank
            del row["_order"]
        return rows

    def _row(self, site: object, objective: str, counts: dict[str, float], brought: float, nearest: float,
             saved: float, within_after: float, gap: float, method: str, order: int) -> dict[str, object]:
        candidate = self.candidates.loc[site]
        names = la_names(self.results)
        la_name = names.get(candidate["la_gss"], candidate["la_gss"])
        places = float(np.round(brought)) if self.demand.estimated else np.nan
        row: dict[str, object] = {
            "kind": self.kind,
            "objective": OBJECTIVES[objective],
            "need_type": ALL_NEEDS,
            "location": site,
            "location_name": candidate["name"],
            "location_type": candidate["candidate_type"],
            "location_la_gss": candidate["la_gss"],
            "location_la_name": la_name,
            "las_served": "; ".join(counts),
            "children_by_la": "; ".join(f"{name} {count_text(value)}" for name, value in counts.items()),
            "children_brought_within": brought,
            "children_nearest": nearest,
            "child_miles_saved": np.nan if self.timed else saved,
            "estimated_places": places,
            "threshold_miles": np.nan if self.timed else round(self.radius / METRES_PER_MILE, 2),
            "demand_basis": self.demand.description,
            "plan_children_within": within_after,
            "plan_gap": gap,
            "solver": method,
            "x": candidate["x"],
            "y": candidate["y"],
            "_order": order,
        }
        if journey_backend(self.results.settings) is not None:
            row["threshold_minutes"] = self.radius if self.timed else np.nan
            row["child_minutes_saved"] = saved if self.timed else np.nan
        saving = None
        if self.options.cost_per_pupil_mile is not None:
            saving = np.nan if self.timed else saved * 2 * SCHOOL_DAYS_PER_YEAR * self.options.cost_per_pupil_mile
        elif self.options.cost_per_pupil is not None:
            saving = brought * self.options.cost_per_pupil
        if saving is not None:
            row["indicative_annual_saving_gbp"] = float(np.round(saving, -2)) if np.isfinite(saving) else np.nan
            row["saving_basis"] = _saving_basis(self.options)
        row["explanation"] = self._sentence(row, counts, la_name, saving)
        return row

    def _sentence(self, row: dict[str, object], counts: dict[str, float], la_name: str,
                  saving: float | None) -> str:
        """Write one sentence an officer can read: "New ... at X would bring 37 children in A and 21 in B ..."."""
        noun = provision_noun(self.kind)
        where = f"{row['location_name']} ({self.candidates.loc[row['location'], 'reference']}, {la_name})"
        what = f"New {noun}"
        places = row_figure(row, "estimated_places")
        if self.demand.estimated and places >= 1:
            what += f" for about {places:,.0f} {'child' if places == 1 else 'children'}"
        measure = self.backend.label.replace(" (EPSG:27700)", "")
        reach = f"bring {list_las(counts, self.demand.noun)} within {self.threshold_text} ({measure}) of {noun}"
        cost = f" (indicative saving £{saving:,.0f} a year)" if saving is not None and np.isfinite(saving) else ""
        if row["objective"] in (OBJECTIVES["cover"], OBJECTIVES["time"]):
            return f"{what} at {where} would {reach}{cost}."
        miles_saved = row_figure(row, "child_miles_saved")
        cut = (f"cut {miles_saved:,.0f} child-miles (one way) off journeys to the nearest {noun}"
               if np.isfinite(miles_saved) else f"be the nearest site for {count_text(row_figure(row, 'children_nearest'))} "
               f"{self.demand.noun}")
        return f"In the least-distance plan, {what[0].lower() + what[1:]} at {where} would {cut} and {reach}{cost}."
