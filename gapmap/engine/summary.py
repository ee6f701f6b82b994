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
import numpy as np
import pandas as pd

from gapmap.settings import Settings, band_label

#: Per-kind LSOA columns (``{kind}_<name>``) summed into every area summary.
SUMMED = (
    "children_beyond", "children", "demand", "children_beyond_statutory", "need_beyond_threshold",
    "need_beyond_statutory",
)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator``, NaN where the denominator is 0 (documented as blank)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def _sums(positions: np.ndarray, size: int, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each column summed by position (``-1``: outside every group): one figure per group, 0 where it has none."""
    inside = positions >= 0
    where = positions[inside]
    return {name: np.bincount(where, weights=np.nan_to_num(values[inside].astype("float64")), minlength=size)
            for name, values in columns.items()}


def _kind_sums(lsoa: pd.DataFrame, kind: str, settings: Settings, las: set[str]) -> dict[str, np.ndarray]:
    """Per-LSOA columns of one kind to sum by resident LA."""
    columns = [f"{kind}_{name}" for name in SUMMED]
    columns += [f"{kind}_demand_beyond_{band_label(miles)}" for miles in settings.distance_bands_miles]
    demand = lsoa[f"{kind}_demand"].to_numpy(dtype="float64")
    nearest = lsoa[f"{kind}_nearest_la"]
    outside = (nearest.notna() & ~nearest.isin(las)).fillna(False).to_numpy(dtype=bool)
    values = {column: lsoa[column].to_numpy() for column in columns}
    values[f"{kind}_demand_nearest_in_other_la"] = np.where(lsoa[f"{kind}_cross_la"].to_numpy(dtype=bool), demand, 0)
    values[f"{kind}_demand_nearest_outside_area"] = np.where(outside, demand, 0)
    values[f"{kind}_accessible_places"] = demand * np.nan_to_num(lsoa[f"{kind}_2sfca"].to_numpy(dtype="float64"))
    return values


def _places(provision: pd.DataFrame, kind: str) -> dict[str, np.ndarray]:
    """Per-site columns of one kind to sum by the LA where the provision sits (0 for other rows)."""
    rows = provision["kind"].eq(kind).fillna(False).to_numpy(dtype=bool) & provision["analysed"].to_numpy(dtype=bool)
    places = provision["places"].to_numpy(dtype="float64")
    return {
        f"{kind}_sites": rows.astype("float64"),
        f"{kind}_pupils": np.where(rows, provision["pupils"].to_numpy(dtype="float64", na_value=0), 0),
        f"{kind}_places": np.where(rows, places, 0),
        f"{kind}_places_proxy": np.where(rows & provision["places_proxy"].to_numpy(dtype=bool), places, 0),
        f"{kind}_other_la_demand_nearest_here": np.where(
            rows, provision["nearest_demand_other_la"].to_numpy(dtype="float64"), 0),
    }


def _ratios(table: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Ratio, shortfall and share columns of one kind, from the summed columns of ``table``."""
    def column(name: str) -> np.ndarray:
        return table[name].to_numpy(dtype="float64")

    demand, places = column(f"{kind}_demand"), column(f"{kind}_places")
    return pd.DataFrame(
        {
            f"{kind}_share_beyond": _ratio(column(f"{kind}_children_beyond"), column("children_0_15")).round(4),
            f"{kind}_ratio": _ratio(places, demand).round(4),
            f"{kind}_shortfall": np.clip(demand - places, 0, None),
            f"{kind}_share_beyond_statutory": _ratio(column(f"{kind}_children_beyond_statutory"),
                                                     column(f"{kind}_children")).round(4),
            f"{kind}_share_need_beyond_threshold": _ratio(column(f"{kind}_need_beyond_threshold"), demand).round(4),
            f"{kind}_share_need_beyond_statutory": _ratio(column(f"{kind}_need_beyond_statutory"), demand).round(4),
            f"{kind}_2sfca": _ratio(column(f"{kind}_accessible_places"), demand),
        },
        index=table.index,
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
    out = frame.join(_la_table(frame.index, lsoa, provision, settings, settings.kinds)).reset_index()
    return gpd.GeoDataFrame(out, geometry="geometry", crs=las.crs)


def _la_table(la_index: pd.Index, lsoa: pd.DataFrame, provision: pd.DataFrame, settings: Settings,
              kinds: tuple[str, ...]) -> pd.DataFrame:
    """The LA summary's counts and the columns of ``kinds``, one row per LA of ``la_index``."""
    index = pd.Index(la_index.astype(str))
    resident = index.get_indexer(lsoa["la_gss"].astype(str))
    provider = index.get_indexer(provision["la_gss"].astype(str))
    supplied = provision["sector"].isin(settings.sectors).to_numpy(dtype=bool)
    by_resident = {"lsoas": np.ones(len(lsoa)), "children_0_15": lsoa["children_0_15"].to_numpy()}
    by_provider = {"sites": supplied.astype("float64"),
                   "pupils_on_roll": np.where(supplied, provision["pupils"].to_numpy(dtype="float64", na_value=0), 0)}
    counts = ["lsoas", "children_0_15", "sites", "pupils_on_roll"]
    order = list(counts)
    names = set(index)
    for kind in kinds:
        sites, resident_sums = _places(provision, kind), _kind_sums(lsoa, kind, settings, names)
        by_provider |= sites
        by_resident |= resident_sums
        order += [*sites, *resident_sums]
        counts += [f"{kind}_{c}" for c in ("sites", "pupils", "places", "places_proxy", "children_beyond")]
    sums = _sums(resident, len(index), by_resident) | _sums(provider, len(index), by_provider)
    table = pd.DataFrame({name: sums[name] for name in order}, index=la_index)
    table[counts] = table[counts].round().astype("int64")
    return pd.concat([table, *(_ratios(table, kind) for kind in kinds)], axis=1)


def updated_la_summary(base: gpd.GeoDataFrame, lsoa: pd.DataFrame, provision: pd.DataFrame, settings: Settings,
                       kinds: tuple[str, ...]) -> gpd.GeoDataFrame:
    """:func:`la_summary` after edits to the provision of ``kinds`` alone: their columns and the counts recomputed.

    Parameters
    ----------
    base
        The LA summary before the edits (same LAs, LSOAs and settings).
    lsoa, provision, settings
        As for :func:`la_summary`, after the edits.
    kinds
        The kinds whose provision changed.

    Returns
    -------
    geopandas.GeoDataFrame
        Equal to ``la_summary(las, lsoa, provision, settings)``.
    """
    table = _la_table(pd.Index(base["la_gss"]), lsoa, provision, settings, kinds)
    out = base.copy()
    for column in table.columns:
        out[column] = table[column].values
    return out


def area_summary(las: pd.DataFrame, la_table: pd.DataFrame, settings: Settings, *, name: str,
                 kinds: tuple[str, ...] | None = None) -> pd.DataFrame:
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
    kinds
        Only these kinds' columns (and the counts), from a ``la_table`` that
        holds them; default every kind of the settings.

    Returns
    -------
    pandas.DataFrame
        One row per area: ``ca_code``, ``ca_name``, ``las``, the LA counts
        summed, ratios recomputed on the pooled figures, and
        ``{kind}_shortfall_sum_of_las`` (the LAs' own shortfalls added up).
    """
    kinds = settings.kinds if kinds is None else kinds
    table = pd.DataFrame(la_table.drop(columns="geometry"))
    if kinds != settings.kinds:
        table = table[[c for c in table.columns if not c.startswith(tuple(f"{k}_" for k in settings.kinds))
                       or c.startswith(tuple(f"{k}_" for k in kinds))]]
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
    own = {f"{kind}_shortfall": f"{kind}_shortfall_sum_of_las" for kind in kinds}
    grouped = table.groupby(keys)
    sums = grouped[[*summed, *own]].sum()
    pooled = sums[summed]
    pooled.insert(0, "las", grouped.size())
    shortfalls = sums[list(own)].rename(columns=own)
    pooled = pd.concat([pooled, *(_ratios(pooled, kind) for kind in kinds), shortfalls], axis=1)
    return pooled.reset_index()


def updated_area_summary(base: pd.DataFrame, las: pd.DataFrame, la_table: pd.DataFrame, settings: Settings, *,
                         name: str, kinds: tuple[str, ...]) -> pd.DataFrame:
    """:func:`area_summary` after edits to the provision of ``kinds`` alone: their columns and the counts pooled again.

    Parameters
    ----------
    base
        The area summary before the edits.
    las, la_table, settings, name
        As for :func:`area_summary`, after the edits.
    kinds
        The kinds whose provision changed.

    Returns
    -------
    pandas.DataFrame
        Equal to ``area_summary(las, la_table, settings, name=name)``.
    """
    table = area_summary(las, la_table, settings, name=name, kinds=kinds)
    out = base.copy()
    for column in table.columns.drop(["ca_code", "ca_name"]):
        out[column] = table[column].values
    return out
