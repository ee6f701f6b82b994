"""The data dictionary (``tables/README.md``): every column of every table, its unit and meaning.

Definitions are written once here, as patterns over ``{kind}`` and ``{band}``,
and filled in with the settings of the build (ages, thresholds, rule set,
catchments, distance method), so the dictionary always describes the figures
beside it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gapmap.engine._kind_data import ALL_NEEDS
from gapmap.engine.analysis import Results
from gapmap.engine.clusters import ADJACENCY_TOLERANCE_M
from gapmap.engine.journeys import AREA_DEFINITIONS, LSOA_DEFINITIONS
from gapmap.engine.transport import DEFINITIONS as TRANSPORT_DEFINITIONS
from gapmap.engine.opportunities import OBJECTIVES
from gapmap.engine import together_columns
from gapmap.engine.pairs import cost_backend, journey_backend
from gapmap.labels import sectors_label, threshold_rule, walking_rule
from gapmap.model import KIND_LABELS, KINDS
from gapmap.settings import METRES_PER_MILE, Settings
from gapmap.vintage import vintage_warnings

YES_NO = "true/false"
CHILDREN = "children"
ESTIMATE = "children (estimate, fractional)"
BASIS = "children (see demand_basis; fractional when estimated)"
AGED = "children (estimated, fractional, when the source gives only ages 0-15 together)"
CODE = "code"
TEXT = "text"

#: Columns shared by several tables.
_AREA = {
    "la_gss": (CODE, "ONS code of the education authority (LA)"),
    "la_name": (TEXT, "Name of the LA"),
    "la_code": (CODE, "DfE 3-digit code of the LA"),
    "lsoas": ("LSOAs", "Number of LSOAs"),
    "children_0_15": (CHILDREN, "Children aged 0-15 living here (population source: see the summary page)"),
    "sites": ("sites", "Provision of every kind in the analysed sectors that sits here"),
    "pupils_on_roll": ("pupils", "Pupils on roll at those sites"),
}

#: Columns of the forecast tables (see gapmap.engine.forecast for the method).
_FORECAST_COMMON = {
    "kind": (TEXT, "Specialist provision kind: special (special schools of every sector), ap (alternative "
             "provision), sen_unit, resourced_provision, as SEN2 counts the setting a plan names"),
    "year": ("calendar year", "Year of the January count (2025 for 2024/25)"),
    "observed": (YES_NO, "true: the DfE SEN2 count of EHC plans; false: projected (an estimate)"),
    "need": ("EHC plans", "EHC plans placed in the kind (observed), or the projected number (estimate, fractional)"),
    "lower": ("EHC plans (estimate)", "Lower end of the 80% band of the projection (10th percentile of the "
              "back-test's errors); equal to need for observed years"),
    "upper": ("EHC plans (estimate)", "Upper end of the 80% band (90th percentile of the back-test's errors); "
              "equal to need for observed years"),
    "places": ("places", "Places of the kind today in the analysed sectors (capacity, else pupils on roll), "
               "where the provision sits; blank when the kind is not analysed or the source has no such provision"),
    "places_needed": ("places (estimate)", "need - places: more places needed than today's (negative: places to "
                      "spare); blank without places"),
}
_FORECAST = {
    "forecast": {
        "la_gss": (CODE, "ONS code of the LA responsible for the plans (resident LA)"),
        "la_name": (TEXT, "Name of the LA"),
        **_FORECAST_COMMON,
        "first_year_over": ("calendar year", "First year, from the latest count to the horizon, in which need "
                            "exceeds today's places in the LA; blank when it does not (or without places)"),
    },
    "forecast_ca": {
        "ca_code": (CODE, "ONS code of the combined authority (blank when the study area is not one)"),
        "ca_name": (TEXT, "Name of the combined authority or study area"),
        **_FORECAST_COMMON,
        "lower": ("EHC plans (estimate)", "The LAs' lower ends added up (as if their errors moved together: wider "
                  "than a pooled band)"),
        "upper": ("EHC plans (estimate)", "The LAs' upper ends added up (likewise)"),
        "places_needed": ("places (estimate)", "need - places pooled over the LAs (negative: places to spare "
                          "across the area); blank without places"),
        "las_over": ("LAs", "LAs whose need exceeds their own places that year"),
    },
}

#: Per-kind columns of the LA and CA summaries.
_AREA_KIND = {
    "{kind}_sites": ("sites", "Suitable {label} provision that sits here (provider LA) and counts as supply"),
    "{kind}_pupils": ("pupils", "Pupils on roll at those sites"),
    "{kind}_places": ("places", "Places at those sites: capacity where known, else pupils on roll (proxy)"),
    "{kind}_places_proxy": ("places", "How many of those places are pupils on roll standing in for an unknown capacity"),
    "{kind}_other_la_demand_nearest_here": (ESTIMATE, "Demand living in other LAs whose nearest suitable {label} sits here"),
    "{kind}_children_beyond": (CHILDREN, "Context, not need: all children aged 0-15 living here who live "
                               "{threshold_rule} from the nearest {label} (supply: {sectors})"),
    "{kind}_share_beyond": ("share 0-1", "{kind}_children_beyond / children_0_15; blank when there are no children"),
    "{kind}_children": (AGED, "Children aged {ages} living here (resident LA)"),
    "{kind}_demand": (ESTIMATE, "{demand} living here (resident LA)"),
    "{kind}_children_beyond_statutory": (AGED, "Children aged {ages} living here beyond the walking distance for "
                                         "their age ({rules}) from the nearest {label} serving their age"),
    "{kind}_share_beyond_statutory": ("share 0-1", "{kind}_children_beyond_statutory / {kind}_children; blank "
                                      "when there are no such children"),
    "{kind}_need_beyond_threshold": (ESTIMATE, "Headline. {demand} living here who live {threshold_rule} from the "
                                     "nearest {label} suitable for their age and need type (supply: {sectors})"),
    "{kind}_need_beyond_statutory": (ESTIMATE, "Headline. {demand} living here who live {walking_rule} (rule set "
                                     "{rules}) from the nearest {label} suitable for their age and need type "
                                     "(supply: {sectors})"),
    "{kind}_share_need_beyond_threshold": ("share 0-1", "{kind}_need_beyond_threshold / {kind}_demand; blank when "
                                           "demand is 0"),
    "{kind}_share_need_beyond_statutory": ("share 0-1", "{kind}_need_beyond_statutory / {kind}_demand; blank when "
                                           "demand is 0"),
    "{kind}_demand_beyond_{band}": (ESTIMATE, "Demand living here whose nearest suitable {label} is farther than "
                                    "{band_miles} ({distance})"),
    "{kind}_demand_nearest_in_other_la": (ESTIMATE, "Demand living here whose nearest suitable {label} sits in "
                                          "another LA"),
    "{kind}_demand_nearest_outside_area": (ESTIMATE, "Demand living here whose nearest suitable {label} sits "
                                           "outside the study area (neighbouring supply, cross-boundary reliance)"),
    "{kind}_accessible_places": ("places", "Sum over the LSOAs here of demand x {kind}_2sfca: the places the "
                                 "floating catchments allot to children living here"),
    "{kind}_ratio": ("places per child", "{kind}_places (provider LA) / {kind}_demand (resident LA); blank when "
                     "demand is 0"),
    "{kind}_shortfall": ("places", "max(0, {kind}_demand - {kind}_places): demand living here not matched by places "
                         "sitting here"),
    "{kind}_2sfca": ("places per child", "{kind}_accessible_places / {kind}_demand (children with no provision in "
                     "reach count as 0); blank when demand is 0"),
}

DEFINITIONS: dict[str, dict[str, tuple[str, str]]] = {
    "lsoa": {
        "lsoa_code": (CODE, "LSOA code (ONS)"),
        "lsoa_name": (TEXT, "LSOA name"),
        "la_gss": (CODE, "ONS code of the LA where the children live (resident LA)"),
        "children_0_15": _AREA["children_0_15"],
        "imd_decile": ("decile 1-10", "Index of Multiple Deprivation decile (1 = most deprived 10% of LSOAs)"),
        "idaci_decile": ("decile 1-10", "Income Deprivation Affecting Children Index decile (1 = most deprived 10%)"),
        "{kind}_nearest_id": (CODE, "provision_id of the nearest suitable {label} (right kind and sector, serving "
                              "at least one of the ages {ages}); blank when there is none"),
        "{kind}_nearest_la": (CODE, "ONS code of the LA where that provision sits (provider LA)"),
        "{kind}_cross_la": (YES_NO, "The nearest suitable {label} sits in another LA than the LSOA"),
        "{kind}_straight_line_m": ("metres", "Straight line (EPSG:27700) from the LSOA centroid to the nearest "
                                   "suitable {label}; blank when there is none"),
        "{kind}_distance_m": ("metres", "Distance to the nearest suitable {label} used by every threshold and band: "
                              "{distance}; blank when there is none"),
        "{kind}_beyond": (YES_NO, "{kind}_distance_m is farther than {threshold}, or there is no {label}"),
        "{kind}_children_beyond": (CHILDREN, "children_0_15 when {kind}_beyond, else 0"),
        "{kind}_children": (AGED, "Children aged {ages}"),
        "{kind}_demand": (ESTIMATE, "{demand}"),
        "{kind}_children_beyond_statutory": _AREA_KIND["{kind}_children_beyond_statutory"],
        "{kind}_need_beyond_threshold": _AREA_KIND["{kind}_need_beyond_threshold"],
        "{kind}_need_beyond_statutory": _AREA_KIND["{kind}_need_beyond_statutory"],
        "{kind}_demand_beyond_{band}": _AREA_KIND["{kind}_demand_beyond_{band}"],
        "{kind}_catchment_sites": ("sites", "Suitable {label} provision within the catchment ({catchment})"),
        "{kind}_2sfca": ("places per child", "Two-step floating catchment ratio: places within {catchment} shared "
                         "among the demand within {catchment} of each site; blank when none is within reach"),
        "{kind}_e2sfca": ("places per child", "Enhanced 2SFCA: as {kind}_2sfca with step weights {steps} in both "
                          "steps; blank when none is within reach"),
        "{kind}_g2sfca": ("places per child", "Gaussian 2SFCA: as {kind}_2sfca with weight exp(-d^2 / 2 sigma^2), "
                          "sigma {sigma}, in both steps; blank when none is within reach"),
        "{kind}_places_proxy": (YES_NO, "Some provision within the catchment has pupils on roll standing in for an "
                                "unknown capacity, so the 2SFCA ratios rest on that proxy"),
    },
    "provision": {
        "provision_id": (CODE, "Unique id: the URN, or URN-SU / URN-RP for a SEN unit / resourced provision"),
        "urn": (CODE, "DfE unique reference number of the establishment"),
        "name": (TEXT, "Establishment name"),
        "la_code": (CODE, "DfE 3-digit code of the LA where it sits (provider LA)"),
        "la_gss": (CODE, "ONS code of the LA where it sits (provider LA)"),
        "kind": (TEXT, "Provision kind: " + ", ".join(KINDS)),
        "sector": (TEXT, "state-funded, non-maintained or independent"),
        "establishment_type": (TEXT, "Establishment type as the source names it"),
        "phase": (TEXT, "Phase of education or census phase grouping"),
        "statutory_low_age": ("years", "Youngest statutory age (GIAS); blank when the source has none"),
        "statutory_high_age": ("years", "Oldest statutory age (GIAS); blank when the source has none"),
        "age_low_on_roll": ("years", "Youngest age with pupils on roll (school census, observed)"),
        "age_high_on_roll": ("years", "Oldest age with pupils on roll (school census, observed)"),
        "pupils": ("pupils", "Pupils on roll"),
        "capacity": ("places", "Capacity from the source; blank when not given (the school census gives none)"),
        "needs": (TEXT, "SEN need types it caters for (GIAS SEN1-SEN13 codes, ';'-separated); blank when unknown"),
        "postcode": (TEXT, "Postcode"),
        "source": (TEXT, "Dataset and vintage of the record"),
        "location_source": (TEXT, "How the point was located; 'LSOA centroid (postcode terminated; ...)' marks a "
                                   "school placed at its LSOA's centroid because its postcode no longer exists"),
        "outside_area": (YES_NO, "Sits in an LA outside the study area, within the neighbouring-supply buffer, "
                         "and counts as supply for children near the boundary"),
        "places": ("places", "Places used as supply: capacity when known and above 0, else pupils on roll, else 0"),
        "places_source": (TEXT, "Where places comes from: capacity, pupils on roll (proxy) or none known"),
        "places_proxy": (YES_NO, "places is not a capacity (pupils on roll, or none known)"),
        "age_low": ("years", "Youngest age served: statutory where known, else youngest on roll; blank when unknown"),
        "age_high": ("years", "Oldest age served: statutory where known, else oldest on roll; blank when unknown"),
        "age_source": (TEXT, "Where age_low/age_high come from; unknown ranges serve every age"),
        "analysed": (YES_NO, "Counted as supply: an analysed kind and sector, serving at least one of its ages"),
        "catchment_demand": (ESTIMATE, "Demand within the kind's catchment of this site; blank when not analysed"),
        "catchment_ratio": ("places per child", "places / catchment_demand (the 2SFCA first step); blank when no "
                            "demand is within the catchment or the site is not analysed"),
        "nearest_demand": (ESTIMATE, "Demand for which this is the nearest suitable provision of its kind"),
        "nearest_demand_other_la": (ESTIMATE, "Of nearest_demand, the part living in another LA than this site's"),
        "easting": ("metres", "British National Grid easting (EPSG:27700)"),
        "northing": ("metres", "British National Grid northing (EPSG:27700)"),
    },
    "la_summary": {**{k: _AREA[k] for k in _AREA}, **_AREA_KIND},
    "ca_summary": {
        "ca_code": (CODE, "ONS code of the combined authority (blank when the study area is not one)"),
        "ca_name": (TEXT, "Name of the combined authority or study area"),
        "las": ("LAs", "Number of LAs pooled"),
        **{k: _AREA[k] for k in ("lsoas", "children_0_15", "sites", "pupils_on_roll")},
        **_AREA_KIND,
        "{kind}_shortfall_sum_of_las": ("places", "The LAs' own {kind}_shortfall added up (no pooling across LAs)"),
    },
    "need_access": {
        "lsoa_code": (CODE, "LSOA code (ONS)"),
        "la_gss": (CODE, "ONS code of the LA where the children live (resident LA)"),
        "kind": (TEXT, "Provision kind"),
        "need": (TEXT, "SEN primary-need code (unknown: need not recorded)"),
        "demand": (ESTIMATE, "Demand of this need type in the LSOA"),
        "need_beyond_statutory": (ESTIMATE, "Of it, {walking_rule} from provision suitable for its age and need "
                                  "type"),
        "nearest_id": (CODE, "provision_id of the nearest provision of the kind suitable for the need (any of the "
                       "kind's ages); blank when there is none"),
        "nearest_la": (CODE, "ONS code of the LA where it sits (provider LA)"),
        "cross_la": (YES_NO, "It sits in another LA than the LSOA"),
        "distance_m": ("metres", "Distance to it, {distance}; blank when there is none"),
    },
    "flows": {
        "kind": (TEXT, "Provision kind"),
        "need_type": (TEXT, f"\"{ALL_NEEDS}\" (the kind's whole demand), or an SEN primary-need code when provision "
                      "lists the need types it caters for (that need's demand and provision suitable for it; these "
                      "rows split the all-needs row, do not add them to it)"),
        "resident_la_gss": (CODE, "ONS code of the LA where the children live (resident LA)"),
        "resident_la_name": (TEXT, "Name of the resident LA"),
        "provider_la_gss": (CODE, "ONS code of the other LA where their nearest suitable provision sits (provider LA)"),
        "provider_la_name": (TEXT, "Name of the provider LA"),
        "lsoas": ("LSOAs", "LSOAs of the resident LA whose nearest suitable provision sits in the provider LA"),
        "children": (BASIS, "Demand living in those LSOAs: what it counts is in demand_basis"),
        "demand_basis": (TEXT, "What children counts: children aged 0-15, children of the ages the kind serves, or "
                         "an estimate of children needing the kind (from EHC plans)"),
        "resident_la_sites": ("sites", "Suitable provision of the kind (and need type) sitting in the resident LA; 0: "
                              "it has none, so every child there depends on another LA's"),
        "mean_distance_m": ("metres", "Mean distance, {distance}, from those LSOAs to their nearest suitable "
                            "provision in the provider LA, weighted by demand (plain mean when demand is 0)"),
        "own_la_mean_distance_m": ("metres", "Mean distance, {distance}, from those LSOAs to the nearest suitable "
                                   "provision in the resident LA, weighted likewise; blank when it has none"),
        "child_miles_saved": ("child-miles (one way)", "Sum over those LSOAs of demand x (own_la distance - "
                              "distance to the provider LA's provision) / 1609.344, distances {distance}: what "
                              "crossing the boundary saves over staying in the resident LA; blank when the "
                              "resident LA has none"),
    },
    "clusters": {
        "kind": (TEXT, "Provision kind"),
        "cluster": (CODE, "Cluster id, {{kind}}-{{n}}, numbered by children, largest first"),
        "la_count": ("LAs", "Number of LAs the cluster spans (2 or more)"),
        "las": (TEXT, "Names of those LAs, most children first ('; '-separated)"),
        "lsoas": ("LSOAs", f"Neighbouring LSOAs (touching, or within {ADJACENCY_TOLERANCE_M:g} m) each beyond "
                  "the kind's threshold, {distance}, from the nearest suitable provision, or with none"),
        "children": (BASIS, "Demand living in those LSOAs: what it counts is in demand_basis"),
        "children_by_la": (TEXT, "children per LA, '<LA name> <count>', '; '-separated"),
        "demand_basis": (TEXT, "What children counts: children aged 0-15, children of the ages the kind serves, or "
                         "an estimate of children needing the kind (from EHC plans)"),
        "threshold_miles": ("miles", "The kind's threshold, {distance}"),
        "max_distance_m": ("metres", "Distance, {distance}, from the cluster's farthest LSOA centroid to its nearest "
                           "suitable provision; blank when there is none"),
        "lsoa_codes": (CODE, "LSOA codes of the cluster (';'-separated)"),
        "explanation": (TEXT, "The cluster in one sentence"),
    },
    "opportunities": {
        "kind": (TEXT, "Specialist provision kind searched"),
        "objective": (TEXT, "Plan: " + "; or ".join(OBJECTIVES.values()) + " (with --cost time or --roads); "
                      "existing sites stay open in every plan"),
        "rank": ("rank", "1 = best new site of the kind and plan: cover plan by children_brought_within, distance "
                 "plan by child_miles_saved"),
        "need_type": (TEXT, f"\"{ALL_NEEDS}\": plans serve the kind's whole demand"),
        "location": (CODE, "Candidate id: provision_id of the host school, or 6-figure OS grid reference of the "
                     "grid cell"),
        "location_name": (TEXT, "Host school name, or the grid cell"),
        "location_type": (TEXT, "host school (its kind), or grid cell"),
        "location_la_gss": (CODE, "ONS code of the LA where the location sits"),
        "location_la_name": (TEXT, "Name of that LA"),
        "las_served": (TEXT, "LAs whose children it brings within the threshold, most first ('; '-separated)"),
        "children_by_la": (TEXT, "children_brought_within per LA, '<LA name> <count>', '; '-separated"),
        "children_brought_within": (BASIS, "Demand beyond the threshold, {distance}, from existing provision that "
                                    "this site brings within it, with the plan's sites open (see demand_basis)"),
        "children_nearest": (BASIS, "Demand for which this site would be the nearest open site, with the plan's "
                             "sites open (see demand_basis)"),
        "child_miles_saved": ("child-miles (one way)", "Sum over that demand of demand x (distance before - "
                              "distance after) / 1609.344, distances {distance}; blank when there is no existing "
                              "provision"),
        "estimated_places": ("places (estimate)", "children_brought_within rounded: need the site newly brings "
                             "within reach (need already within reach of existing provision is not counted); blank "
                             "unless demand is an estimate of children needing the kind (EHC plans)"),
        "threshold_miles": ("miles", "The kind's threshold, {distance}; blank for the journey-time plan"),
        "threshold_minutes": ("minutes", "Journey-time plan only: the journey norm it brings children within, "
                              "{journey}"),
        "child_minutes_saved": ("child-minutes (one way)", "Journey-time plan only: sum over the demand this site "
                                "would be nearest for of demand x (minutes before - minutes after), {journey}"),
        "demand_basis": (TEXT, "What the children_* columns count: children aged 0-15, children of the ages the kind "
                         "serves, or an estimate of children needing the kind (from EHC plans)"),
        "plan_children_within": (BASIS, "Demand within the threshold of an open site once all the plan's sites are "
                                 "open (the plan's total; see demand_basis)"),
        "plan_gap": ("share 0-1", "Proven optimality gap of the plan (0: optimal)"),
        "solver": (TEXT, "How the plan was solved: exact (HiGHS), greedy, or none (no candidates)"),
        "explanation": (TEXT, "The site in one sentence"),
        "indicative_annual_saving_gbp": ("GBP a year (indicative)", "Transport saving from the user-set cost (see "
                                         "saving_basis), rounded to GBP 100; an order of magnitude, not a budget"),
        "saving_basis": (TEXT, "How indicative_annual_saving_gbp is computed"),
        "easting": ("metres", "British National Grid easting of the location (EPSG:27700)"),
        "northing": ("metres", "British National Grid northing of the location (EPSG:27700)"),
    },
    **_FORECAST,
    "sectors": {
        "area": (TEXT, "combined authority (LA figures pooled) or local authority"),
        "area_code": (CODE, "ONS code of the area"),
        "area_name": (TEXT, "Name of the area"),
        "kind": (TEXT, "Specialist provision kind"),
        "threshold_rule": (TEXT, "The kind's flat distance rule behind need_beyond_threshold and children_beyond"),
        "sectors": (TEXT, "Supply counted: state-funded only, then + non-maintained, then + independent (cumulative)"),
        "counted": (YES_NO, "This is the supply set the build's other tables use (--sectors)"),
        "sites": ("sites", "Suitable sites of the kind in those sectors that sit here (provider LA)"),
        "places": ("places", "Their places: capacity where known, else pupils on roll (proxy)"),
        "demand": (ESTIMATE, "Estimated children needing the kind living here (the same in every set)"),
        "need_beyond_threshold": (ESTIMATE, "Headline. Of them, those who live beyond threshold_rule from the "
                                  "nearest suitable site in those sectors"),
        "need_beyond_statutory": (ESTIMATE, "Of them, those who live {walking_rule} from the nearest suitable site in "
                                  "those sectors"),
        "children_beyond": (CHILDREN, "Context, not need: all children aged 0-15 living here who live beyond "
                            "threshold_rule from the nearest site of the kind in those sectors"),
        "shortfall": ("places", "max(0, demand - places)"),
    },
    "vintages": {
        "input": (TEXT, "Input of the figures"),
        "source": (TEXT, "Dataset, edition and (for EHC plans) the year used"),
        "date": (TEXT, "The month its figures refer to; blank when the figures are not dated (boundaries, lookups)"),
        "reference_date": ("ISO date", "The same as a date, for sorting and comparing"),
    },
    "excluded": {
        "source": (TEXT, "Input the row came from"),
        "record_id": (CODE, "Its id in that input (URN for schools)"),
        "name": (TEXT, "Its name"),
        "reason": (TEXT, "Why it was not used"),
    },
}

for _table, _extra in together_columns.EXTRA_COLUMNS.items():
    DEFINITIONS[_table].update(_extra)
DEFINITIONS.update(together_columns.DEFINITIONS)
for _table, _extra in (("lsoa", {**LSOA_DEFINITIONS, **AREA_DEFINITIONS}),
                       ("la_summary", {**AREA_DEFINITIONS, **TRANSPORT_DEFINITIONS}), ("ca_summary", AREA_DEFINITIONS)):
    DEFINITIONS[_table].update(_extra)

TABLE_TITLES = {
    "lsoa": "lsoa.csv (GeoPackage layer `lsoa`): one row per LSOA",
    "provision": "provision.csv (GeoPackage layer `provision`): one row per school, unit or resourced provision",
    "la_summary": "la_summary.csv (GeoPackage layer `la_summary`): one row per local authority",
    "ca_summary": "ca_summary.csv (GeoPackage layer `ca_summary`): one row per combined authority (LA figures pooled)",
    "need_access": "need_access.parquet (Parquet, the largest table, so not in the GeoPackage or a CSV; read it with "
                   "pandas.read_parquet, or open it in QGIS): one row per LSOA, kind and SEN need type",
    "flows": "flows.csv (GeoPackage layer `flows`, lines between LA centroids): one row per kind, need type, "
             "resident LA and provider LA where children's nearest suitable provision sits in another LA",
    "clusters": "clusters.csv (GeoPackage layer `clusters`, polygons): one row per border gap cluster, "
                "neighbouring LSOAs beyond the threshold that span two or more LAs",
    "opportunities": "opportunities.csv (GeoPackage layer `opportunities`, points): one row per new site chosen "
                     "by a plan",
    "forecast": "forecast.csv (GeoPackage layer `forecast`): one row per LA, specialist kind and year, EHC plans "
                "observed and projected against today's places",
    "forecast_ca": "forecast_ca.csv (GeoPackage layer `forecast_ca`): the forecast pooled per combined authority, "
                   "kind and year",
    "sectors": "sectors.csv (GeoPackage layer `sectors`): the specialist figures under each cumulative supply "
               "definition, per combined authority and LA",
    "vintages": "vintages.csv (GeoPackage layer `vintages`, also in every layer's metadata): each input and its date",
    "excluded": "excluded.csv: source rows that could not be used",
    **together_columns.TITLES,
}


def _miles(metres: float) -> str:
    miles = metres / METRES_PER_MILE
    return f"{miles:g} mile" if miles == 1 else f"{miles:g} miles"


def _demand_text(kind: str, settings: Settings, results: Results) -> str:
    low, high = settings.ages[kind]
    estimated = [n for n in results.notes if n.startswith(f"{kind} demand: estimated")]
    if estimated:
        label = KIND_LABELS[kind].lower()
        return f"Estimated children aged {low}-{high} needing a place at {label} (see the method notes)"
    return f"Children aged {low}-{high} (the demand behind the ratios)"


def _fill(template: str, kind: str, band: str | None, settings: Settings, results: Results, distance: str) -> str:
    low, high = settings.ages[kind]
    steps = ", ".join(f"{w:g} to {b:,.0f} m" for b, w in settings.steps(kind).items())
    band_miles = _miles(float(band[:-2].replace("p", ".")) * METRES_PER_MILE) if band else ""
    return template.format(
        kind=kind, label=KIND_LABELS[kind].lower(), ages=f"{low}-{high}", threshold=_miles(settings.threshold(kind)),
        rules=settings.rule_set.name, catchment=f"{settings.catchment(kind):,.0f} m", steps=steps,
        sigma=f"{settings.gaussian_sigma(kind):,.0f} m", distance=distance, band=band or "", band_miles=band_miles,
        demand=_demand_text(kind, settings, results), threshold_rule=threshold_rule(settings, kind),
        walking_rule=walking_rule(settings), sectors=sectors_label(settings.sectors),
        journey=getattr(journey_backend(settings), "label", "no journey-time backend"),
    )


def _pattern(name: str) -> re.Pattern[str]:
    kinds = "|".join(sorted(KINDS, key=len, reverse=True))
    regex = re.escape(name).replace(r"\{kind\}", f"(?P<kind>{kinds})").replace(r"\{band\}", r"(?P<band>[0-9p]+mi)")
    return re.compile(f"^{regex}$")


def describe(table: str, column: str, results: Results) -> tuple[str, str] | None:
    """Unit and definition of one column, or ``None`` if the dictionary does not define it.

    Parameters
    ----------
    table
        Table name (a key of :data:`DEFINITIONS`).
    column
        Column name.
    results
        The results the table comes from (settings fill in the definitions).

    Returns
    -------
    tuple of (str, str) or None
    """
    settings = results.settings
    distance = cost_backend(settings).label
    for name, (unit, text) in DEFINITIONS[table].items():
        match = _pattern(name).match(column)
        if match:
            kind = match.groupdict().get("kind")
            if kind is None:
                return unit, text.format(distance=distance, walking_rule=walking_rule(settings),
                                         journey=getattr(journey_backend(settings), "label", "no journey-time backend"))
            if kind not in settings.kinds:
                return None
            return unit, _fill(text, kind, match.groupdict().get("band"), settings, results, distance)
    return None


def _columns(frame: pd.DataFrame) -> list[str]:
    columns = [c for c in frame.columns if c != "geometry"]
    if "geometry" in frame.columns:
        geometry = gpd.GeoSeries(frame["geometry"])
        if len(geometry) and (geometry.geom_type == "Point").all():
            columns += ["easting", "northing"]
    return columns


def _vintage_lines(results: Results) -> list[str]:
    """The data years as a Markdown table (each input, its source and date), with any mismatch warnings."""
    if results.vintages is None or results.vintages.empty:
        return []
    rows = [f"| {r.input} | {r.source} | {r.date or 'not dated'} |" for r in results.vintages.itertuples()]
    warnings = [f"- **Warning:** {w}" for w in vintage_warnings(results.vintages)]
    return ["", "## Data years", "", "| input | source | date |", "|---|---|---|", *rows,
            *([""] + warnings if warnings else [])]


def data_dictionary(results: Results, tables: Mapping[str, pd.DataFrame] | None = None) -> str:
    """The data dictionary as Markdown: method notes, then one table of columns per output table.

    Parameters
    ----------
    results
        Engine results.
    tables
        Table name -> table as written; default the ``lsoa``, ``provision``,
        ``la_summary`` and ``excluded`` tables that every build writes.

    Returns
    -------
    str
        Markdown; a column the dictionary does not define is listed as "not defined".
    """
    if tables is None:
        tables = {"lsoa": results.lsoa, "provision": results.provision, "la_summary": results.la_summary,
                  "excluded": results.inputs.excluded}
    lines = [
        f"# Data dictionary: {results.inputs.name}",
        "",
        "Every column of every table, with its unit. Blank cells are explained in the definitions; "
        "\"estimate\" marks figures that are modelled, not counted.",
        "",
        "## Method notes",
        "",
        *[f"- {note}" for note in results.notes],
        *_vintage_lines(results),
    ]
    for table, frame in tables.items():
        lines += ["", f"## {TABLE_TITLES[table]}", "", "| column | unit | definition |", "|---|---|---|"]
        for column in _columns(frame):
            found = describe(table, column, results)
            unit, text = found if found else ("", "not defined")
            lines.append(f"| `{column}` | {unit} | {text} |")
    return "\n".join(lines) + "\n"


def write_data_dictionary(results: Results, path: Path, tables: Mapping[str, pd.DataFrame] | None = None) -> None:
    """Write :func:`data_dictionary` to ``path`` (UTF-8).

    Parameters
    ----------
    results
        Engine results.
    path
        Output file, normally ``tables/README.md``.
    tables
        As in :func:`data_dictionary`.
    """
    Path(path).write_text(data_dictionary(results, tables), encoding="utf-8")
