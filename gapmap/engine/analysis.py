"""The gap analysis: demand, supply, distances and floating catchments per LSOA, site, LA and CA.

Distances are straight lines on British National Grid (EPSG:27700) from the
LSOA centroid to the provision's location unless the settings name a circuity
factor or another cost backend: shorter than the statutory walking route, so
counts of children beyond a distance are lower bounds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from gapmap.engine.costs import CostBackend
from gapmap.engine.demand import SPECIALIST_KINDS, KindDemand, children_by_age, kind_demand
from gapmap.engine.journeys import journey_metrics, journey_note, journey_sums
from gapmap.engine.metrics import KindMetrics, kind_metrics
from gapmap.engine.pairs import (
    cost_backend,
    journey_backend,
    lsoa_origins,
    provision_supply,
    suitable_sites,
)
from gapmap.engine.summary import area_summary, la_summary
from gapmap.engine.validate import check_inputs, check_kinds_recorded
from gapmap.inputs import StudyInputs
from gapmap.labels import sectors_note
from gapmap.settings import Settings
from gapmap.vintage import resolve_ehcp_year, vintage_table, vintage_warnings

DISTANCE_METHOD = (
    "straight line between the LSOA centroid and the school's location (its GIAS point, or its postcode centroid: "
    "see School locations in the data years), EPSG:27700"
)

#: Per-site metric columns added to the provision table.
SITE_COLUMNS = ("catchment_demand", "catchment_ratio", "nearest_demand", "nearest_demand_other_la")


@dataclass(frozen=True)
class KindPart:
    """One kind's share of an analysis, kept so that a what-if leaving the kind's provision alone reuses it.

    Attributes
    ----------
    metrics
        The kind's LSOA, site and need metrics.
    journeys
        Its journey-time LSOA columns, when journey times are computed.
    method
        The demand method note.
    demand
        The kind's demand per LSOA and age.
    """

    metrics: KindMetrics
    journeys: pd.DataFrame | None
    method: str
    demand: KindDemand


@dataclass(frozen=True)
class Results:
    """Outputs of :func:`analyse`.

    Attributes
    ----------
    inputs
        The study inputs analysed.
    settings
        The settings used.
    lsoa
        One row per LSOA: children and, per kind, demand, nearest suitable
        provision, distances, counts beyond distances and floating-catchment
        ratios (polygons, EPSG:27700).
    provision
        All provision with places, ages served and per-site metrics (points, EPSG:27700).
    la_summary
        One row per LA (polygons, EPSG:27700).
    flows
        Cross-LA dependence (resident LA -> provider LA) per kind, when computed.
    opportunities
        Ranked shared-service opportunities, when computed.
    clusters
        Border gap clusters (LSOAs beyond threshold spanning LAs), when computed.
    notes
        Method notes shown wherever the figures are (proxies used, assumptions).
    ca_summary
        One row per combined authority (or the whole study area): LA figures pooled.
    need_access
        One row per LSOA, kind and SEN need type, when demand is split by need.
    forecast
        Observed and projected need per LA, kind and year against today's
        places (:mod:`gapmap.engine.projection`), when computed.
    forecast_ca
        The same pooled per combined authority, when computed.
    collaboration
        Alone or together: new sites and need reached per kind and plan, when computed.
    collaboration_sites
        The new sites of each alone / together plan, when computed.
    assignment
        Capacity-aware placement of need: one row per LSOA, kind and site, when computed.
    vintages
        Each input, its source and date (:func:`gapmap.vintage.vintage_table`).
    sectors
        Specialist figures under each cumulative sector set, when computed
        (:func:`gapmap.engine.sectors.sector_table`).
    parts
        Each kind's :class:`KindPart`, for :func:`analyse`'s ``reuse``.
    """

    inputs: StudyInputs
    settings: Settings
    lsoa: gpd.GeoDataFrame
    provision: gpd.GeoDataFrame
    la_summary: gpd.GeoDataFrame
    flows: pd.DataFrame | None = None
    opportunities: pd.DataFrame | None = None
    clusters: gpd.GeoDataFrame | None = None
    notes: tuple[str, ...] = ()
    ca_summary: pd.DataFrame | None = None
    need_access: pd.DataFrame | None = None
    forecast: pd.DataFrame | None = None
    forecast_ca: pd.DataFrame | None = None
    collaboration: pd.DataFrame | None = None
    collaboration_sites: gpd.GeoDataFrame | None = None
    assignment: pd.DataFrame | None = None
    vintages: pd.DataFrame | None = None
    sectors: pd.DataFrame | None = None
    parts: Mapping[str, KindPart] = field(default_factory=dict, repr=False, compare=False)


def _method_notes(settings: Settings, label: str) -> list[str]:
    rules = settings.rule_set
    catchments = ", ".join(f"{k} {settings.catchment(k):,.0f} m" for k in settings.kinds)
    weights = ", ".join(f"{w:g}" for w in settings.step_weights)
    return [
        f"Distances: {label}, from the LSOA centroid to the provision's point; "
        "the statutory walking route is longer, so counts of children beyond a distance are lower bounds.",
        f"Walking distances by age: {rules.describe()}",
        f"Floating catchments (2SFCA, Luo and Wang 2003): places per child within {catchments}. Enhanced 2SFCA "
        f"(Luo and Qi 2009): weights {weights} over equal-width zones of the catchment, in both steps. Gaussian "
        f"2SFCA: weight exp(-d^2 / 2 sigma^2) with sigma = {settings.gaussian_sigma_share:g} x catchment. "
        "Blank where no provision lies within the catchment. Computed per kind over all its ages and need types.",
    ]


def _supply_notes(provision: pd.DataFrame, settings: Settings) -> list[str]:
    analysed = provision["analysed"].to_numpy(dtype=bool)
    kind = provision["kind"].to_numpy(dtype=object)
    proxy = int(provision["places_proxy"].to_numpy(dtype=bool)[analysed].sum())
    notes = []
    if proxy:
        notes.append(
            f"Places: {proxy} of {int(analysed.sum())} sites analysed have no capacity in the source, so their places "
            "are pupils on roll (a proxy: a full school's roll equals its capacity, a school with spare places has "
            "fewer pupils than places); columns *_places_proxy flag or count them."
        )
    of_kinds = np.isin(kind, list(settings.kinds))
    in_sectors = np.isin(provision["sector"].to_numpy(dtype=object), list(settings.sectors))
    outside = of_kinds & in_sectors & ~analysed
    if outside.any():
        rows = provision[outside]
        listed = "; ".join(f"{r.name} ({r.kind}, ages {r.age_low}-{r.age_high})" for r in rows.head(5).itertuples())
        notes.append(f"{len(rows)} site(s) serve none of the ages their kind is analysed for and are not counted "
                     f"as supply: {listed}{'; ...' if len(rows) > 5 else ''}.")
    ages = pd.Series(provision["age_source"].to_numpy(dtype=object)[analysed], dtype=object).value_counts()
    if len(ages):
        notes.append("Ages served: " + "; ".join(f"{n} sites: {source}" for source, n in ages.items()) + ".")
    if not provision["needs"].notna().to_numpy(dtype=bool)[analysed].any():
        notes.append("SEN need types of provision are unknown in the source: every site of a kind is counted "
                     "as suitable for every need.")
    present = set(kind[analysed].tolist())
    missing = [k for k in settings.kinds if k not in present]
    if missing:
        notes.append(f"No located provision of kind(s) {', '.join(missing)}: every child is counted beyond every "
                     "distance, LSOA floating-catchment ratios are blank and LA place ratios are 0.")
    return notes


def _empty_la_notes(summary: pd.DataFrame, settings: Settings) -> list[str]:
    notes = []
    for kind in settings.kinds:
        empty = summary.loc[summary[f"{kind}_demand"] <= 0, "la_name"].tolist()
        if empty:
            notes.append(f"{kind}: {', '.join(map(str, empty))} has no demand, so its ratio and shares are blank.")
    return notes


def provision_table(provision: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The provision table of the results before the kinds are analysed: places and ages, no site marked."""
    table = provision_supply(provision)
    table["analysed"] = False
    for column in SITE_COLUMNS:
        table[column] = np.nan
    return gpd.GeoDataFrame(table, geometry="geometry", crs=provision.crs)


def ehcp_year_of(inputs: StudyInputs, settings: Settings) -> tuple[Settings, int | None, str]:
    """The EHC plan year the analysis uses, when its demand counts plans.

    Parameters
    ----------
    inputs, settings
        As for :func:`analyse`.

    Returns
    -------
    settings : Settings
        With ``ehcp_year`` resolved to the year used (unchanged when plans are not used).
    year : int or None
        The year, ``None`` when plans are not used.
    note : str
        The method note on the year chosen (may be empty).
    """
    uses_plans = settings.specialist_demand == "ehcp" and any(k in SPECIALIST_KINDS for k in settings.kinds)
    year, note = resolve_ehcp_year(settings.ehcp_year, inputs) if uses_plans else (None, "")
    return (replace(settings, ehcp_year=year) if year is not None else settings), year, note


def mark_sites(provision: pd.DataFrame, parts: Mapping[str, KindPart]) -> None:
    """Set ``analysed`` and the per-site metric columns of the provision table from each kind's sites, in place.

    Parameters
    ----------
    provision
        The provision table (one row per ``provision_id``).
    parts
        Each analysed kind's part.
    """
    sites = [part.metrics.sites for part in parts.values()]
    table = pd.concat(sites) if len(sites) > 1 else sites[0] if sites else pd.DataFrame(columns=list(SITE_COLUMNS))
    at = pd.Index(table.index.astype(str), dtype=object).get_indexer(
        pd.Index(provision["provision_id"].astype(str).to_numpy(dtype=object)))
    found = at >= 0
    provision["analysed"] = found
    for column in SITE_COLUMNS:
        values = np.full(len(at), np.nan)
        values[found] = table[column].to_numpy(dtype="float64")[at[found]]  # no site of a kind: all NaN
        provision[column] = values


def opening_notes(vintages: pd.DataFrame, settings: Settings, year_note: str, label: str) -> list[str]:
    """The method notes that come before the kinds': input dates, sectors, EHC plan year, distances and catchments.

    Parameters
    ----------
    vintages
        :func:`gapmap.vintage.vintage_table` of the inputs.
    settings
        The settings (EHC plan year resolved).
    year_note
        The note on the EHC plan year chosen (may be empty).
    label
        How costs are measured (the cost backend's label).

    Returns
    -------
    list of str
    """
    return [*vintage_warnings(vintages), sectors_note(settings.sectors),
            *([year_note] if year_note else []), *_method_notes(settings, label)]


def closing_notes(provision: pd.DataFrame, summary: pd.DataFrame, settings: Settings,
                  journeys: CostBackend | None) -> list[str]:
    """The notes that come after the kinds': places and ages of the supply, journey times, empty LAs, ratios.

    Parameters
    ----------
    provision
        The provision table with ``analysed`` set (:func:`mark_sites`).
    summary
        The LA summary.
    settings
        The settings (EHC plan year resolved).
    journeys
        The journey-time backend, if any.

    Returns
    -------
    list of str
    """
    notes = _supply_notes(provision, settings)
    if journeys is not None:
        notes.append(journey_note(journeys))
    notes += _empty_la_notes(summary, settings)
    if any(k in SPECIALIST_KINDS for k in settings.kinds) and settings.specialist_demand == "ehcp":
        notes.append("Specialist ratios compare places where provision sits (provider LA) with estimated need where "
                     "children live (resident LA); pooled across the combined authority in ca_summary.")
    return notes


def analyse(inputs: StudyInputs, settings: Settings | None = None, *,
            reuse: Mapping[str, KindPart] | None = None, demands: Mapping[str, KindDemand] | None = None) -> Results:
    """Run the gap analysis on one study area.

    Parameters
    ----------
    inputs
        Study inputs (see :func:`gapmap.sources.embedded.load_embedded`).
    settings
        Analysis settings; defaults to :class:`~gapmap.settings.Settings`.
    reuse
        Kind -> part of an earlier analysis (its ``parts``) of the same LSOAs,
        need and settings whose provision of that kind was the same: taken as
        it is instead of being recomputed (see :mod:`gapmap.scenario.incremental`).
    demands
        Kind -> demand of an earlier analysis of the same LSOAs, need and
        settings, for kinds whose demand does not depend on the provision
        (see :func:`gapmap.engine.demand.demand_uses_provision`).

    Returns
    -------
    Results
        LSOA, provision, LA and CA tables and the method notes.

    Raises
    ------
    InputError
        If the inputs cannot give defined results (see
        :func:`gapmap.engine.validate.check_inputs`), or EHC plan figures are
        missing for an LA (see :func:`gapmap.engine.demand.ehcp_caseload`).
    """
    settings = settings or Settings()
    check_inputs(inputs)
    check_kinds_recorded(inputs, settings.kinds)
    settings, year, year_note = ehcp_year_of(inputs, settings)
    vintages = vintage_table(inputs, year)
    backend, journeys = cost_backend(settings), journey_backend(settings)
    lsoas = inputs.lsoas
    origins = lsoa_origins(lsoas)
    resident = lsoas["la_gss"].astype(str).to_numpy(dtype=object)
    children_0_15 = lsoas["children_0_15"].to_numpy()
    children = children_by_age(lsoas)
    provision = provision_table(inputs.provision)
    keep = ["lsoa_code", "lsoa_name", "la_gss", "children_0_15",
            *[c for c in ("imd_decile", "idaci_decile") if c in lsoas.columns]]
    columns = [lsoas[keep].reset_index(drop=True)]
    notes = opening_notes(vintages, settings, year_note, backend.label)
    need_tables, parts = [], {}
    for kind in settings.kinds:
        part = (reuse or {}).get(kind)
        if part is None:
            sites = suitable_sites(provision, kind, settings)
            demand = (demands or {}).get(kind) or kind_demand(inputs, kind, settings, children)
            part = KindPart(
                metrics=kind_metrics(kind, origins=origins, lsoa_la=resident, children_0_15=children_0_15,
                                     sites=sites, demand=demand, settings=settings, backend=backend),
                journeys=None if journeys is None else journey_metrics(
                    kind, origins=origins, sites=sites, demand=demand, backend=journeys).reset_index(drop=True),
                method=demand.method,
                demand=demand,
            )
        parts[kind], metrics = part, part.metrics
        columns.append(metrics.lsoa.reset_index(drop=True))
        if part.journeys is not None:
            columns.append(part.journeys)
        notes.append(part.method)
        if metrics.needs is not None:
            need_tables.append(metrics.needs)
    mark_sites(provision, parts)
    lsoa = gpd.GeoDataFrame(pd.concat(columns, axis=1), geometry=lsoas.geometry.reset_index(drop=True),
                            crs=lsoas.crs)
    summary = la_summary(inputs.las, lsoa, provision, settings)
    if journeys is not None:
        summary = journey_sums(summary, lsoa, settings.kinds)
    notes += closing_notes(provision, summary, settings, journeys)
    return Results(
        inputs=inputs,
        settings=settings,
        lsoa=lsoa,
        provision=provision,
        la_summary=summary,
        notes=tuple(notes),
        ca_summary=area_summary(inputs.las, summary, settings, name=inputs.name),
        need_access=pd.concat(need_tables, ignore_index=True) if need_tables else None,
        vintages=vintages,
        parts=parts,
    )
