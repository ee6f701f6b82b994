"""Data dictionary entries for the alone / together comparison, the capacity-aware placement and cluster centres.

:mod:`gapmap.engine.dictionary` merges these into its definitions, so that
the columns are defined next to the code that makes them.
"""

from __future__ import annotations

from gapmap.engine.assignment import DEFAULT_REACH_M
from gapmap.engine.cluster_split import MAX_CLUSTER_AREA_KM2, MAX_CLUSTER_NEED
from gapmap.engine.shared_rank import SAME_TOWN_M, SHARED_PREFERENCE
from gapmap.settings import METRES_PER_MILE

_TEXT, _CODE, _YES_NO = "text", "code", "true/false"
_ESTIMATE = "children (estimate, fractional)"
_BASIS = "children (see demand_basis; fractional when estimated)"
_REACH = f"{DEFAULT_REACH_M / METRES_PER_MILE:g} miles, {{distance}}"
_PLANS = ("alone: each LA for its own children with its own provision and new sites only inside it; together: "
          "the combined authority for all its children with all its provision, new sites anywhere, the target "
          "still met in every LA; pooled: as together, with one target for the whole area instead")

#: Extra columns of existing tables.
EXTRA_COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "lsoa": {
        "{kind}_need_unmet": (_ESTIMATE, f"Of {{kind}}_demand, need left without a place in the capacity-aware "
                              f"placement (no site within {_REACH} has a place left); need placed (table "
                              "assignment) plus this equals {kind}_demand"),
    },
    "la_summary": {
        "{kind}_need_unmet": (_ESTIMATE, "{kind}_need_unmet of the LSOAs here (resident LA) added up"),
    },
    "clusters": {
        "centre_name": (_TEXT, "The school (any kind) nearest the cluster's need-weighted centre, with its LA: where "
                        "the cluster is"),
        "centre_easting": ("metres", "Easting of the need-weighted centre of the cluster's LSOA centroids "
                           "(EPSG:27700; plain centre when its demand is 0)"),
        "centre_northing": ("metres", "Northing of that centre (EPSG:27700)"),
        "area_km2": ("km²", f"Area of the cluster; clusters are split to at most {MAX_CLUSTER_AREA_KM2:g} km² and "
                     f"{MAX_CLUSTER_NEED:g} children of demand (or a single LSOA)"),
    },
    "opportunities": {
        "rank": ("rank", f"1 = best opportunity of the kind and plan: cover plan by children_brought_within, distance "
                 f"plan by child_miles_saved, a site serving two or more LAs counted {SHARED_PREFERENCE:.0%} larger "
                 "(shared sites first when benefits are comparable)"),
        "shared": (_YES_NO, "It brings children of two or more LAs within the threshold"),
        "merged_sites": ("sites", f"Chosen sites this row stands for: sites of one plan in the same LA within "
                         f"{SAME_TOWN_M / 1000:g} km of each other (the same town) are merged, their children, "
                         "child-miles, places and saving added up"),
        "why_shared": (_TEXT, "Why a shared site beats separate LA provision; blank for a site serving one LA"),
    },
    "provision": {
        "need_assigned": (_ESTIMATE, "Need placed here by the capacity-aware placement (never more than places); "
                          "blank for kinds not placed"),
    },
}

#: The new tables.
DEFINITIONS: dict[str, dict[str, tuple[str, str]]] = {
    "collaboration": {
        "kind": (_TEXT, "Specialist provision kind"),
        "need_type": (_TEXT, "\"all needs\": the kind's whole demand"),
        "plan": (_TEXT, _PLANS),
        "target_share": ("share 0-1", "Share of estimated need the plan must bring within the threshold (alone "
                         "and together: in every LA; pooled: across the area)"),
        "threshold_miles": ("miles", "The kind's threshold, {distance}"),
        "need_total": (_BASIS, "Demand of the kind in the study area (see demand_basis)"),
        "need_target": (_BASIS, "target_share x need_total"),
        "new_sites": ("sites", "Fewest new sites that meet the target (alone: the LAs' fewest added up)"),
        "new_sites_lower_bound": ("sites", "Proven fewest new sites any plan of this kind needs (equal to "
                                  "new_sites when proven optimal; lower when a solve stopped at its time limit)"),
        "new_sites_proven_fewest": (_YES_NO, "HiGHS proved new_sites the fewest (new_sites_lower_bound = new_sites)"),
        "target_reached": (_YES_NO, "Every target is met; false when no choice of candidates can meet one, and "
                           "the plan then reaches as much as its candidates can"),
        "need_reached": (_BASIS, "Demand within the threshold with the existing and the plan's new sites open (alone: "
                         "counting only sites in the child's own LA)"),
        "share_reached": ("share 0-1", "need_reached / need_total"),
        "same_sites": ("sites", "A common number of new sites for comparing plans: the alone plan's new_sites"),
        "need_reached_same_sites": (_BASIS, "Most demand within the threshold with same_sites new sites (exact): "
                                    "alone, each LA keeping its own number of new sites; together and pooled, "
                                    "placed anywhere"),
        "travel_km": ("child-km (one way)", "Sum over LSOAs of demand x distance, {distance}, to the nearest open "
                      "site the plan lets the child use (alone: in its own LA), / 1000"),
        "travel_minutes": ("child-minutes (one way)", "With --cost time or --roads: sum over LSOAs of demand x "
                           "journey time, {journey}, to the quickest open site the plan lets the child use"),
        "need_without_site": (_BASIS, "Demand with no open site it may use (left out of travel_km)"),
        "sites_by_la": (_TEXT, "New sites per LA where they sit, '<LA name> <count>', '; '-separated"),
        "new_site_names": (_TEXT, "Names of the new sites' locations, '; '-separated"),
        "solver": (_TEXT, "exact (HiGHS), or the proven lower bound when time-limited"),
        "demand_basis": (_TEXT, "What the need columns count: children of the ages the kind serves, or an estimate "
                         "of children needing the kind (from EHC plans)"),
        "explanation": (_TEXT, "The plan in one sentence"),
        "transport_cost_gbp": ("GBP a year (indicative)", "Transport cost from the user-set cost (see cost_basis), "
                               "rounded to GBP 100; an order of magnitude, not a budget"),
        "cost_basis": (_TEXT, "How transport_cost_gbp is computed"),
    },
    "collaboration_sites": {
        "kind": (_TEXT, "Specialist provision kind"),
        "plan": (_TEXT, _PLANS),
        "location": (_CODE, "Candidate id: provision_id of the host school, or 6-figure OS grid reference of the "
                     "grid cell"),
        "location_name": (_TEXT, "Host school name, or the grid cell"),
        "location_type": (_TEXT, "host school (its kind), or grid cell"),
        "location_la_gss": (_CODE, "ONS code of the LA where the location sits"),
        "location_la_name": (_TEXT, "Name of that LA"),
        "easting": ("metres", "British National Grid easting of the location (EPSG:27700)"),
        "northing": ("metres", "British National Grid northing of the location (EPSG:27700)"),
    },
    "assignment": {
        "kind": (_TEXT, "Specialist provision kind"),
        "lsoa_code": (_CODE, "LSOA where the children live"),
        "resident_la_gss": (_CODE, "ONS code of the LA where they live (resident LA)"),
        "provision_id": (_CODE, "Site where the capacity-aware placement puts them"),
        "provider_la_gss": (_CODE, "ONS code of the LA where that site sits (provider LA)"),
        "need_assigned": (_ESTIMATE, f"Need of the LSOA placed at the site: as much need as the places allow, "
                          f"within {_REACH}, at the least total distance; per LSOA, these rows plus "
                          "<kind>_need_unmet (table lsoa) add up to <kind>_demand"),
        "distance_m": ("metres", "Distance from the LSOA to the site, {distance}"),
        "cross_la": (_YES_NO, "The site sits in another LA than the LSOA"),
    },
}

#: Titles of the new tables.
TITLES = {
    "collaboration": "collaboration.csv (GeoPackage layer `collaboration`): one row per specialist kind and plan "
                     "(alone, together, pooled) at the same target: what planning together gains",
    "collaboration_sites": "collaboration_sites.csv (GeoPackage layer `collaboration_sites`, points): the new sites "
                           "of each plan",
    "assignment": "assignment.csv (GeoPackage layer `assignment`): one row per kind, LSOA and site where the "
                  "capacity-aware placement puts need",
}
