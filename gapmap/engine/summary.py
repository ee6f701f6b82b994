"""Per-LA and per-CA summaries: places where provision sits, children where they live.

Children, demand and counts beyond a distance are summed over the LSOAs of the
LA where the children live (resident LA).  Sites, pupils and places are summed
in the LA where the provision sits (provider LA).  The ratio compares the two:
places in the LA per child (or estimated child in need) living in it; the
shortfall is the demand not matched by places in the same area.  Pooling LAs
into a combined authority can only shrink the total shortfall, which is the
case for shared provision.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from gapmap.settings import Settings, band_label

#: Per-kind LSOA columns (``{kind}_<name>``) summed into every area summary.
SUMMED = (
    "children_beyond", "children", "demand", "children_beyond_statutory", "need_beyond_threshold",
    "need_beyond_statutory",
)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """``numerator / denominator``, NaN where the denominator is 0 (documented as blank)."""
    return (numerator / denominator.where(denominator > 0)).astype("float64")


def _kind_sums(lsoa: pd.DataFrame, kind: str, settings: Settings, by: pd.Series) -> pd.DataFrame:
    columns = [f"{kind}_{name}" for name in SUMMED]
    columns += [f"{kind}_demand_beyond_{band_label(miles)}" for miles in settings.distance_bands_miles]
    demand = lsoa[f"{kind}_demand"]
    nearest = lsoa[f"{kind}_nearest_la"]
    outside = (nearest.notna() & ~nearest.isin(set(by.astype(str)))).fillna(False).astype(bool)
    extra = pd.DataFrame(
        {
            f"{kind}_demand_nearest_in_other_la": demand.where(lsoa[f"{kind}_cross_la"], 0),
            f"{kind}_demand_nearest_outside_area": demand.where(outside, 0),
            f"{kind}_accessible_places": demand * lsoa[f"{kind}_2sfca"].fillna(0),
        }
    )
    return pd.concat([lsoa[columns], extra], axis=1).groupby(by).sum()


def _places(provision: pd.DataFrame, kind: str) -> pd.DataFrame:
    rows = provision[provision["kind"].eq(kind).fillna(False).to_numpy(dtype=bool) & provision["analysed"].to_numpy()]
    rows = rows.assign(proxy_places=rows["places"].where(rows["places_proxy"], 0))
    grouped = rows.groupby("la_gss")
    return pd.DataFrame(
        {
            f"{kind}_sites": grouped.size(),
            f"{kind}_pupils": grouped["pupils"].sum(),
            f"{kind}_places": grouped["places"].sum(),
            f"{kind}_places_proxy": grouped["proxy_places"].sum(),
            f"{kind}_other_la_demand_nearest_here": grouped["nearest_demand_other_la"].sum(),
        }
    )


def _ratios(table: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Ratio, shortfall and share columns of one kind, from the summed columns of ``table``."""
    demand = table[f"{kind}_demand"]
    return pd.DataFrame(
        {
            f"{kind}_share_beyond": _ratio(table[f"{kind}_children_beyond"], table["children_0_15"]).round(4),
            f"{kind}_ratio": _ratio(table[f"{kind}_places"], demand).round(4),
            f"{kind}_shortfall": (demand - table[f"{kind}_places"]).clip(lower=0),
            f"{kind}_share_beyond_statutory": _ratio(table[f"{kind}_children_beyond_statutory"],
                                                     table[f"{kind}_children"]).round(4),
            f"{kind}_share_need_beyond_threshold": _ratio(table[f"{kind}_need_beyond_threshold"], demand).round(4),
            f"{kind}_share_need_beyond_statutory": _ratio(table[f"{kind}_need_beyond_statutory"], demand).round(4),
            f"{kind}_2sfca": _ratio(table[f"{kind}_accessible_places"], demand),
        }
    )


def la_summary(
    las: gpd.GeoDataFrame, lsoa: pd.DataFrame, provision: pd.DataFrame, settings: Settings
) -> gpd.GeoDataFrame:
    """One row per LA: children (resident LA), places (provider LA), ratio, shortfall, counts beyond.

    Parameters
    ----------
    las
        The study's LAs (``la_gss``, ``la_name``, ``la_code``, polygons).
    lsoa
        The LSOA metrics table.
    provision
        The provision table with ``analysed``, ``places``, ``places_proxy`` and
        ``nearest_demand_other_la``.
    settings
        Kinds, sectors and distance bands.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per LA, polygons; column meanings in :mod:`gapmap.engine.dictionary`.
    """
    frame = las[["la_gss", "la_name", "la_code", "geometry"]].set_index("la_gss")
    by_la = lsoa["la_gss"]
    supply = provision[provision["sector"].isin(settings.sectors).to_numpy()]
    parts = [
        pd.DataFrame(
            {
                "lsoas": lsoa.groupby(by_la).size(),
                "children_0_15": lsoa.groupby(by_la)["children_0_15"].sum(),
                "sites": supply.groupby("la_gss").size(),
                "pupils_on_roll": supply.groupby("la_gss")["pupils"].sum(),
            }
        )
    ]
    counts = ["lsoas", "children_0_15", "sites", "pupils_on_roll"]
    for kind in settings.kinds:
        parts += [_places(provision, kind), _kind_sums(lsoa, kind, settings, by_la)]
        counts += [f"{kind}_{c}" for c in ("sites", "pupils", "places", "places_proxy", "children_beyond")]
    table = pd.concat(parts, axis=1).reindex(frame.index).fillna(0)
    table[counts] = table[counts].astype("int64")
    table = pd.concat([table, *(_ratios(table, kind) for kind in settings.kinds)], axis=1)
    out = frame.join(table).reset_index()
    return gpd.GeoDataFrame(out, geometry="geometry", crs=las.crs)


def area_summary(las: pd.DataFrame, la_table: pd.DataFrame, settings: Settings, *, name: str) -> pd.DataFrame:
    """Per combined authority (or the whole study area): LA figures pooled.

    Parameters
    ----------
    las
        The study's LAs; ``ca_code``/``ca_name`` columns group them (without
        them, all LAs form one area called ``name``).
    la_table
        Output of :func:`la_summary`.
    settings
        Kinds.
    name
        Name of the study area.

    Returns
    -------
    pandas.DataFrame
        One row per area: ``ca_code``, ``ca_name``, ``las``, the LA counts
        summed, ratios recomputed on the pooled figures, and
        ``{kind}_shortfall_sum_of_las`` (the LAs' own shortfalls added up).
    """
    table = pd.DataFrame(la_table.drop(columns="geometry"))
    if {"ca_code", "ca_name"} <= set(las.columns):
        ca = las.set_index("la_gss")[["ca_code", "ca_name"]].astype("string")
        table = table.join(ca, on="la_gss")
        table[["ca_code", "ca_name"]] = table[["ca_code", "ca_name"]].fillna("")
    else:
        table["ca_code"], table["ca_name"] = "", name
    keys = ["ca_code", "ca_name"]
    summed = [c for c in table.columns if c not in {"la_gss", "la_name", "la_code", *keys}
              and not c.endswith(("_ratio", "_share_beyond", "_share_beyond_statutory", "_share_need_beyond_threshold",
                                  "_share_need_beyond_statutory", "_2sfca", "_shortfall"))]
    pooled = table.groupby(keys)[summed].sum()
    pooled.insert(0, "las", table.groupby(keys).size())
    shortfalls = pd.DataFrame(
        {f"{kind}_shortfall_sum_of_las": table.groupby(keys)[f"{kind}_shortfall"].sum() for kind in settings.kinds}
    )
    pooled = pd.concat([pooled, *(_ratios(pooled, kind) for kind in settings.kinds), shortfalls], axis=1)
    return pooled.reset_index()
