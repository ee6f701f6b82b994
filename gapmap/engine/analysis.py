"""First-cut gap analysis: nearest provision per LSOA and kind, children beyond a threshold, LA summary.

Distances are straight lines on British National Grid (EPSG:27700) from the
LSOA centroid to the provision's location: shorter than the statutory walking
route, so counts of children beyond a threshold are lower bounds.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from gapmap.engine.distance import nearest
from gapmap.inputs import StudyInputs
from gapmap.settings import Settings

DISTANCE_METHOD = "straight line between LSOA centroid and school postcode centroid, EPSG:27700"


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
        One row per LSOA: demand and, per kind, nearest provision, distance and
        children beyond the threshold (polygons, EPSG:27700).
    provision
        The provision analysed (points, EPSG:27700).
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


def supply_of_kind(provision: gpd.GeoDataFrame, kind: str, settings: Settings) -> gpd.GeoDataFrame:
    """Provision of one kind from the sectors in ``settings``.

    Parameters
    ----------
    provision
        Canonical provision table.
    kind
        Provision kind.
    settings
        Analysis settings (sectors counted as supply).

    Returns
    -------
    geopandas.GeoDataFrame
        The matching rows, in ``provision_id`` order.
    """
    mask = (provision["kind"] == kind) & provision["sector"].isin(settings.sectors)
    return provision[mask.fillna(False)]


def lsoa_nearest(inputs: StudyInputs, settings: Settings) -> gpd.GeoDataFrame:
    """Nearest provision of each kind from every LSOA centroid.

    Parameters
    ----------
    inputs
        Study inputs.
    settings
        Kinds, thresholds and sectors.

    Returns
    -------
    geopandas.GeoDataFrame
        The LSOA table with, per kind ``k``: ``k_nearest_id``, ``k_nearest_la``
        (ONS code of the education LA of that provision), ``k_cross_la``
        (nearest lies in another LA), ``k_straight_line_m``, ``k_beyond``
        (distance > threshold, or no provision at all) and ``k_children_beyond``.
    """
    lsoas = inputs.lsoas
    out = lsoas[["lsoa_code", "lsoa_name", "la_gss", "children_0_15", *_optional(lsoas), "geometry"]].copy()
    origins = lsoas.set_index("lsoa_code")[["centroid_easting", "centroid_northing"]]
    for kind in settings.kinds:
        supply = supply_of_kind(inputs.provision, kind, settings)
        sites = pd.DataFrame(
            {"x": supply.geometry.x.to_numpy(), "y": supply.geometry.y.to_numpy()},
            index=supply["provision_id"].to_numpy(),
        )
        found = nearest(origins, sites)
        site_la = supply.set_index("provision_id")["la_gss"]
        nearest_la = found["dest"].map(site_la)
        distance = found["distance"].to_numpy()
        beyond = ~(distance <= settings.threshold(kind))  # NaN (no provision) counts as beyond
        out[f"{kind}_nearest_id"] = found["dest"].astype("string").to_numpy()
        out[f"{kind}_nearest_la"] = nearest_la.astype("string").to_numpy()
        out[f"{kind}_cross_la"] = (nearest_la.to_numpy() != out["la_gss"].to_numpy()) & found["dest"].notna().to_numpy()
        out[f"{kind}_straight_line_m"] = np.round(distance, 1)
        out[f"{kind}_beyond"] = beyond
        out[f"{kind}_children_beyond"] = np.where(beyond, out["children_0_15"].to_numpy(), 0)
    return out.reset_index(drop=True)


def _optional(lsoas: pd.DataFrame) -> list[str]:
    wanted = ["imd_decile", "idaci_decile"]
    return [c for c in wanted if c in lsoas.columns]


def la_summary(inputs: StudyInputs, lsoa: pd.DataFrame, settings: Settings) -> gpd.GeoDataFrame:
    """Per-LA figures: schools, pupils on roll, children and children beyond threshold per kind.

    Children are counted in the LA where they live (resident LA); sites and
    pupils in the LA where the provision sits (provider LA).

    Parameters
    ----------
    inputs
        Study inputs.
    lsoa
        Output of :func:`lsoa_nearest`.
    settings
        Kinds, thresholds and sectors.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per LA with polygon geometry.
    """
    las = inputs.las[["la_gss", "la_name", "la_code", "geometry"]].set_index("la_gss")
    grouped = lsoa.groupby("la_gss")
    table = pd.DataFrame(index=las.index)
    table["lsoas"] = grouped.size()
    table["children_0_15"] = grouped["children_0_15"].sum()
    provision = inputs.provision[inputs.provision["sector"].isin(settings.sectors)]
    table["sites"] = provision.groupby("la_gss").size()
    table["pupils_on_roll"] = provision.groupby("la_gss")["pupils"].sum()
    for kind in settings.kinds:
        supply = supply_of_kind(inputs.provision, kind, settings)
        table[f"{kind}_sites"] = supply.groupby("la_gss").size()
        table[f"{kind}_pupils"] = supply.groupby("la_gss")["pupils"].sum()
        table[f"{kind}_children_beyond"] = grouped[f"{kind}_children_beyond"].sum()
    table = table.fillna(0).astype("int64")
    for kind in settings.kinds:
        share = table[f"{kind}_children_beyond"] / table["children_0_15"].where(table["children_0_15"] > 0)
        table[f"{kind}_share_beyond"] = share.round(4)
    out = las.join(table).reset_index()
    return gpd.GeoDataFrame(out, geometry="geometry", crs=inputs.las.crs)


def analyse(inputs: StudyInputs, settings: Settings | None = None) -> Results:
    """Run the gap analysis on one study area.

    Parameters
    ----------
    inputs
        Study inputs (see :func:`gapmap.sources.embedded.load_embedded`).
    settings
        Analysis settings; defaults to :class:`~gapmap.settings.Settings`.

    Returns
    -------
    Results
        LSOA, provision and LA summary tables.
    """
    settings = settings or Settings()
    lsoa = lsoa_nearest(inputs, settings)
    summary = la_summary(inputs, lsoa, settings)
    return Results(inputs=inputs, settings=settings, lsoa=lsoa, provision=inputs.provision, la_summary=summary)
