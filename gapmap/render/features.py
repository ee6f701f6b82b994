"""The tables a map draws, on EPSG:4326, each row with its escaped popup or tooltip HTML.

Geometries are simplified and reprojected once per build (:func:`web_base`) and
shared by every map.  The optional engine tables (flows, opportunities, clusters)
are drawn when present and recognisable; a missing table never stops a build.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from gapmap.engine._kind_data import ALL_NEEDS
from gapmap.engine.analysis import Results
from gapmap.render.geometry import web_geometries
from gapmap.render.la_map import LA_DECIMALS, LA_TOLERANCE_M, draws_las
from gapmap.render.metrics import kind_noun
from gapmap.render.popups import is_missing, provision_values, record_fields, short_provision_values, text
from gapmap.render.symbols import SPECIALIST_KINDS

#: Column names accepted for the resident LA, provider LA and children of a flow table.
FLOW_COLUMNS: dict[str, tuple[str, ...]] = {
    "resident": ("resident_la", "resident_la_gss", "from_la", "origin_la"),
    "provider": ("provider_la", "provider_la_gss", "to_la", "dest_la"),
    "children": ("children", "children_0_15", "count"),
}

#: Label of flows that count every child aged 0-15.
CHILDREN_0_15 = "children aged 0-15"

#: Label of flows that count the kind's (estimated) demand when the flow table does not say what it is.
ESTIMATED_CHILDREN = "estimated children (see method notes)"

#: Column names accepted for where an opportunity is: a site id matched to provision.
OPPORTUNITY_SITE_COLUMNS: tuple[str, ...] = ("urn", "site_urn", "provision_id", "site_id", "site")

#: Column names accepted for an opportunity's sentence.
EXPLANATION_COLUMNS: tuple[str, ...] = ("explanation", "description", "summary")


@dataclass(frozen=True)
class WebBase:
    """Geometries prepared once per build and shared by every map (EPSG:4326).

    Attributes
    ----------
    lsoa
        LSOAs simplified to 25 m, in the row order of ``results.lsoa``; ``None`` when the
        maps draw LAs instead (:func:`gapmap.render.la_map.draws_las`).
    las
        LA boundaries simplified to 50 m (on LA-level maps to
        :data:`~gapmap.render.la_map.LA_TOLERANCE_M`, coordinates rounded to
        :data:`~gapmap.render.la_map.LA_DECIMALS` places), with ``la_gss`` and ``la_name``.
    area
        The study area's outer boundary (the union of its LAs), one row, simplified as ``las``.
    provision
        Located provision of the analysed kinds (on LA-level maps the specialist kinds only), with popup
        title ``t``, values ``v`` (see :func:`gapmap.render.popups.provision_fields`; on LA-level maps
        :data:`~gapmap.render.popups.SHORT_PROVISION_FIELDS`) and search ``label``.
    la_names
        LA code -> name.
    la_points
        LA code -> a point inside the LA (EPSG:27700), where flow lines start and end.
    """

    lsoa: gpd.GeoDataFrame | None
    las: gpd.GeoDataFrame
    area: gpd.GeoDataFrame
    provision: gpd.GeoDataFrame
    la_names: dict[str, str]
    la_points: dict[str, shapely.Point]


def web_base(results: Results) -> WebBase:
    """Prepare the shared geometries of a study area's maps.

    Parameters
    ----------
    results
        Engine results.

    Returns
    -------
    WebBase
    """
    las = results.inputs.las
    la_names = dict(zip(las["la_gss"].astype(str), las["la_name"].astype(str)))
    area = gpd.GeoDataFrame({"name": [results.inputs.name]}, geometry=[las.union_all()], crs=las.crs)
    by_la = draws_las(results)
    tolerance, decimals = (LA_TOLERANCE_M, LA_DECIMALS) if by_la else (50.0, 5)
    return WebBase(
        lsoa=None if by_la else web_geometries(results.lsoa[["geometry"]], tolerance_m=25),
        las=web_geometries(las[["la_gss", "la_name", "geometry"]], tolerance_m=tolerance, decimals=decimals),
        area=web_geometries(area, tolerance_m=tolerance, decimals=decimals),
        provision=_provision(results, la_names, short=by_la),
        la_names=la_names,
        la_points={str(code): geom for code, geom in zip(las["la_gss"], las.geometry.representative_point())},
    )


def nearest_alternatives(provision: gpd.GeoDataFrame) -> pd.DataFrame:
    """Nearest other site of the same kind for every site (straight line, EPSG:27700).

    Parameters
    ----------
    provision
        Located provision.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``provision``: ``alternative_name`` and ``alternative_m``
        (NaN when the site is the only one of its kind).
    """
    out = pd.DataFrame({"alternative_name": pd.Series(pd.NA, index=provision.index, dtype="object"),
                        "alternative_m": np.nan}, index=provision.index)
    for _, group in provision.groupby("kind"):
        if len(group) < 2:
            continue
        xy = np.column_stack([group.geometry.x, group.geometry.y])
        distance, position = cKDTree(xy).query(xy, k=2)
        out.loc[group.index, "alternative_m"] = distance[:, 1]
        out.loc[group.index, "alternative_name"] = group["name"].astype(str).to_numpy()[position[:, 1]]
    return out


def _provision(results: Results, la_names: dict[str, str], *, short: bool) -> gpd.GeoDataFrame:
    """Located provision of the analysed kinds with popup values (``short``: specialist kinds, short popups)."""
    provision = results.provision
    located = provision[provision.geometry.notna() & ~provision.geometry.is_empty]
    kinds = [k for k in results.settings.kinds if k in SPECIALIST_KINDS] if short else results.settings.kinds
    located = located[located["kind"].isin(kinds)]
    alternatives = nearest_alternatives(located)
    values = [
        provision_values(record, la_name=la_names.get(str(record["la_gss"]), "unknown"),
                         alternative=None if pd.isna(alt_m) else (str(alt_name), float(alt_m)))
        for record, alt_name, alt_m in zip(located.drop(columns="geometry").to_dict("records"),
                                           alternatives["alternative_name"], alternatives["alternative_m"])
    ]
    if short:
        values = [short_provision_values(v) for v in values]
    out = web_geometries(located[["provision_id", "urn", "kind", "needs", "geometry"]], tolerance_m=0)
    titles = located["name"].astype("string").fillna("unnamed").tolist()
    labels = [f"{name} (URN {urn})" for name, urn in zip(titles, located["urn"].astype("string").fillna("none"))]
    return out.assign(t=titles, v=values, label=labels)


def _first(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    return next((name for name in names if name in frame.columns), None)


def flow_table(results: Results, kind: str) -> pd.DataFrame:
    """Children whose nearest provision of ``kind`` is in another LA, per (resident, provider) LA pair.

    Uses ``results.flows`` when the engine provides one with recognisable
    columns (:data:`FLOW_COLUMNS`; only its "all needs" rows when it has a
    ``need_type`` column, since per-need rows split them); otherwise sums
    ``children_0_15`` of the LSOAs whose nearest provision lies in another LA
    (``{kind}_cross_la``).

    Parameters
    ----------
    results
        Engine results.
    kind
        Provision kind.

    Returns
    -------
    pandas.DataFrame
        Columns ``resident_la``, ``provider_la`` (ONS codes), ``children``,
        ``basis`` (what ``children`` counts: see :func:`flow_basis`) and
        ``child_miles_saved`` (NaN when not computed), largest first; empty
        when there is no cross-LA flow.
    """
    flows = results.flows
    picked = {role: _first(flows, names) for role, names in FLOW_COLUMNS.items()} if flows is not None else {}
    if flows is not None and all(picked.values()):
        table = flows[flows["kind"] == kind] if "kind" in flows.columns else flows
        if "need_type" in table.columns:
            table = table[table["need_type"] == ALL_NEEDS]
        basis = flow_basis(results, kind, table, children=str(picked["children"]))
        table = table.rename(columns={picked["resident"]: "resident_la", picked["provider"]: "provider_la",
                                      picked["children"]: "children"})
    else:
        lsoa = results.lsoa
        cross = f"{kind}_cross_la"
        if cross not in lsoa.columns:
            return pd.DataFrame(columns=["resident_la", "provider_la", "children", "basis", "child_miles_saved"])
        table = lsoa[lsoa[cross].fillna(False).astype(bool)].rename(
            columns={"la_gss": "resident_la", f"{kind}_nearest_la": "provider_la", "children_0_15": "children"})
        basis = CHILDREN_0_15
    if "child_miles_saved" not in table.columns:
        table = table.assign(child_miles_saved=np.nan)
    table = table[["resident_la", "provider_la", "children", "child_miles_saved"]].astype(
        {"resident_la": str, "provider_la": str, "children": "float64", "child_miles_saved": "float64"})
    table = table.groupby(["resident_la", "provider_la"], as_index=False).sum(min_count=1)
    table = table[(table["children"] > 0) & (table["resident_la"] != table["provider_la"])].assign(basis=basis)
    order = table.sort_values(["children", "resident_la", "provider_la"], ascending=[False, True, True])
    return order.reset_index(drop=True)


def flow_basis(results: Results, kind: str, flows: pd.DataFrame, *, children: str = "children") -> str:
    """What the children of a flow table count, for labels.

    Parameters
    ----------
    results
        Engine results.
    kind
        Provision kind.
    flows
        The kind's rows of the flow table.
    children
        The flow table's column of children.

    Returns
    -------
    str
        The table's own ``demand_basis`` (its distinct values joined by
        ``"; "``); without one, :data:`CHILDREN_0_15` when ``children`` is
        ``children_0_15`` or the kind's demand is (no ``{kind}_demand``
        column), else :data:`ESTIMATED_CHILDREN`.
    """
    if "demand_basis" in flows.columns:
        given = flows["demand_basis"].dropna().astype(str).unique()
        if len(given):
            return "; ".join(given)
    if children == "children_0_15" or f"{kind}_demand" not in results.lsoa.columns:
        return CHILDREN_0_15
    return ESTIMATED_CHILDREN


def flow_lines(results: Results, kind: str, base: WebBase) -> gpd.GeoDataFrame | None:
    """Lines of each pair in :func:`flow_table`: from the crossing children to the sites they reach.

    The engine's flow geometry (the need-weighted centre of the children who
    cross, to each site they reach) is drawn where the flow table has it;
    otherwise a line joins the two LAs, offset to its right so that opposite
    flows do not overlap.  A line's
    ``weight`` in pixels grows with the number of children.  The map draws an
    arrowhead at its end.

    Parameters
    ----------
    results
        Engine results.
    kind
        Provision kind.
    base
        Shared geometries (LA points).

    Returns
    -------
    geopandas.GeoDataFrame or None
        Lines on EPSG:4326 with a sentence ``t`` and ``weight``; ``None`` when there is no flow.
    """
    table = flow_table(results, kind)
    table = table[table["resident_la"].isin(base.la_points) & table["provider_la"].isin(base.la_points)]
    if table.empty:
        return None
    xmin, ymin, xmax, ymax = results.inputs.las.total_bounds
    offset = 0.006 * float(np.hypot(xmax - xmin, ymax - ymin))
    label = kind_noun(kind)
    largest = float(table["children"].max())
    drawn = _engine_flow_lines(results, kind)
    lines, sentences, weights = [], [], []
    for row in table.itertuples(index=False):
        segments = drawn.get((row.resident_la, row.provider_la), [])
        if not segments:
            start = np.array(base.la_points[row.resident_la].coords[0])
            end = np.array(base.la_points[row.provider_la].coords[0])
            along = (end - start) / np.linalg.norm(end - start)
            right = np.array([along[1], -along[0]])
            segments = [shapely.LineString([start + right * offset + along * offset * 2,
                                            end + right * offset - along * offset * 2])]
        saved = "" if pd.isna(row.child_miles_saved) else f"; {row.child_miles_saved:,.0f} child-miles shorter"
        sentence = (f"About {row.children:,.0f} children in {base.la_names[row.resident_la]} live nearer "
                    f"(in a straight line) to a {label} in {base.la_names[row.provider_la]} than to one in "
                    f"their own LA{saved} (children counted: {row.basis})")
        lines += segments
        sentences += [sentence] * len(segments)
        weights += [round(1.5 + 6 * float(np.sqrt(row.children / largest)), 1)] * len(segments)
    frame = gpd.GeoDataFrame({"t": sentences, "weight": weights}, geometry=lines, crs=results.inputs.las.crs)
    return web_geometries(frame, tolerance_m=0)


def _engine_flow_lines(results: Results, kind: str) -> dict[tuple[str, str], list[shapely.LineString]]:
    """(resident LA, provider LA) -> the engine's flow segments (children's centre to each site), all-needs rows."""
    flows = results.flows
    if not isinstance(flows, gpd.GeoDataFrame) or not {"kind", "resident_la_gss", "provider_la_gss"} <= set(flows):
        return {}
    rows = flows[(flows["kind"] == kind) & flows.geometry.notna()]
    if "need_type" in rows.columns:
        rows = rows[rows["need_type"] == ALL_NEEDS]
    return {(str(a), str(b)): [part for part in getattr(geometry, "geoms", [geometry]) if part.length > 0]
            for a, b, geometry in zip(rows["resident_la_gss"], rows["provider_la_gss"], rows.geometry)}


def _located_opportunities(results: Results) -> gpd.GeoDataFrame | None:
    table = results.opportunities
    if table is None or len(table) == 0:
        return None
    if isinstance(table, gpd.GeoDataFrame) and table.crs is not None:
        located = table[table.geometry.notna() & ~table.geometry.is_empty]
        return located.to_crs(results.lsoa.crs) if len(located) else None
    site = _first(table, OPPORTUNITY_SITE_COLUMNS)
    if site is not None:
        provision = results.provision
        points = pd.concat([provision.set_index("urn").geometry, provision.set_index("provision_id").geometry])
        points = points[~points.index.duplicated()]
        geometry = table[site].astype("string").map(points)
    elif {"easting", "northing"} <= set(table.columns):
        geometry = gpd.points_from_xy(table["easting"], table["northing"])
    else:
        return None
    located = gpd.GeoDataFrame(pd.DataFrame(table).drop(columns="geometry", errors="ignore"),
                               geometry=gpd.GeoSeries(geometry, index=table.index), crs=results.lsoa.crs)
    located = located[located.geometry.notna() & ~located.geometry.is_empty]
    return located if len(located) else None


def opportunity_points(results: Results, kind: str | None = None) -> tuple[gpd.GeoDataFrame, list[str]] | None:
    """Ranked opportunities that have a location, with their explanation and fields as popup.

    Parameters
    ----------
    results
        Engine results; ``results.opportunities`` may be ``None``.
    kind
        Keep only opportunities of this kind (when the table has a ``kind`` column).

    Returns
    -------
    tuple of (geopandas.GeoDataFrame, list of str) or None
        Points (polygons drawn by their centre) on EPSG:4326 with title ``t``,
        sentence ``s``, values ``v`` and search ``label``, and the field labels;
        ``None`` when there is nothing to draw.
    """
    located = _located_opportunities(results)
    if located is None:
        return None
    if kind is not None and "kind" in located.columns:
        located = located[located["kind"] == kind]
    if located.empty:
        return None
    explanation = _first(located, EXPLANATION_COLUMNS)
    skip = (explanation, "easting", "northing") if explanation else ("easting", "northing")
    records = pd.DataFrame(located).drop(columns="geometry").to_dict("records")
    fields = record_fields(records[0], skip=skip)[0]
    titles = [
        f"Opportunity {text(record.get('rank', n))}" + ("" if is_missing(place) else f": {place}")
        for n, (record, place) in enumerate(((r, r.get("location_name")) for r in records), start=1)
    ]
    sentences = [text(record.get(explanation), missing="") if explanation else "" for record in records]
    points = located.geometry.where(located.geom_type == "Point", located.geometry.representative_point())
    frame = gpd.GeoDataFrame(
        {"t": titles, "s": sentences, "v": [record_fields(r, skip=skip)[1] for r in records],
         "label": [f"{t}: {s}" if s else t for t, s in zip(titles, sentences)]},
        geometry=points.to_numpy(), crs=located.crs)
    return web_geometries(frame, tolerance_m=0), fields


def cluster_areas(results: Results, kind: str | None = None) -> tuple[gpd.GeoDataFrame, list[str]] | None:
    """Border gap clusters (``results.clusters``) with a popup of their fields.

    Parameters
    ----------
    results
        Engine results; ``results.clusters`` may be ``None``.
    kind
        Keep only clusters of this kind (when the table has a ``kind`` column).

    Returns
    -------
    tuple of (geopandas.GeoDataFrame, list of str) or None
        Cluster outlines (lines) on EPSG:4326 with title ``t``, sentence ``s``
        and values ``v``, and the field labels; ``None`` when there is nothing to draw.
    """
    clusters = results.clusters
    if clusters is None or len(clusters) == 0 or not isinstance(clusters, gpd.GeoDataFrame) or clusters.crs is None:
        return None
    if kind is not None and "kind" in clusters.columns:
        clusters = clusters[clusters["kind"] == kind]
    clusters = clusters[clusters.geometry.notna() & ~clusters.geometry.is_empty]
    if clusters.empty:
        return None
    records = pd.DataFrame(clusters).drop(columns="geometry").to_dict("records")
    explanation = _first(clusters, EXPLANATION_COLUMNS)
    skip = (explanation,) if explanation else ()
    frame = gpd.GeoDataFrame(
        {"t": [f"Border gap cluster {n}" for n in range(1, len(records) + 1)],
         "s": [text(r.get(explanation), missing="") if explanation else "" for r in records],
         "v": [record_fields(r, skip=skip)[1] for r in records]},
        geometry=clusters.geometry.to_numpy(), crs=clusters.crs)
    outlines = web_geometries(frame.to_crs(results.lsoa.crs), tolerance_m=25)
    outlines["geometry"] = outlines.geometry.boundary  # an outline: the areas inside stay hoverable
    return outlines, record_fields(records[0], skip=skip)[0]
