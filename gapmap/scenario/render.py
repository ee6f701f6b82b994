"""Render a comparison: the change map (folium) and the scenario summary page (HTML)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import folium
import pandas as pd

from gapmap.labels import threshold_rule
from gapmap.model import KIND_LABELS
from gapmap.render.assets import inline_assets
from gapmap.render.geometry import web_geometries
from gapmap.render.layers import MapControls, page_of
from gapmap.render.maps import add_place_names, tile_layer
from gapmap.render.pages import Table, environment, render_page
from gapmap.scenario.html import scenario_table
from gapmap.scenario.naming import named, sites_table
from gapmap.scenario.metrics import ENGINE_METRICS, METRIC_LABELS
from gapmap.settings import METRES_PER_MILE

if TYPE_CHECKING:
    from gapmap.scenario.comparison import Comparison

#: Colour of each kind of LSOA change (ColorBrewer RdYlGn, readable with red-green colour-blindness by lightness).
CHANGE_COLOURS: dict[str, str] = {
    "gained": "#1a9850",
    "closer": "#a6d96a",
    "farther": "#fdae61",
    "lost": "#d73027",
}

#: Marker colour per site change.
SITE_COLOURS: dict[str, str] = {"added": "#1a9850", "closed": "#222222", "places changed": "#2c7fb8"}

#: Legend text of each kind of LSOA change and site change.
CHANGE_LABELS: dict[str, str] = {
    "gained": "Now within the threshold (gained reach)",
    "closer": "Closer, on the same side of the threshold",
    "farther": "Farther, on the same side of the threshold",
    "lost": "Now beyond the threshold (lost reach)",
}
SITE_LABELS: dict[str, str] = {
    "added": "School or setting added", "closed": "School or setting closed", "places changed": "Places changed",
}

_FIGURE_HEADINGS = {
    "sites": "Sites",
    "places": "Places",
    "need_beyond_threshold": "Estimated need beyond the threshold",
    "children_beyond": "All children 0-15 beyond (context)",
    "cross_la_children": "Nearest site in another LA",
    "served_for_other_las": "Nearest site for other LAs' children",
    "demand": "Estimated need",
    "ratio_2sfca": "2SFCA places per child",
    "shortfall": "Shortfall in places",
}


def _change_category(frame: pd.DataFrame, kind: str) -> pd.Series:
    reach = frame[f"{kind}_reach"]
    change = frame[f"{kind}_m_change"].fillna(0)
    category = pd.Series(None, index=frame.index, dtype=object)
    category[change < 0] = "closer"
    category[change > 0] = "farther"
    category[reach == "gained"] = "gained"
    category[reach == "lost"] = "lost"
    return category


def changed_kinds(comparison: Comparison) -> list[str]:
    """Kinds with any LSOA whose distance or reach changed."""
    return [k for k in comparison.scenario.settings.kinds if _change_category(comparison.lsoa, k).notna().any()]


def changes_map(comparison: Comparison, *, kind: str | None = None, tiles: str | None = "OpenStreetMap") -> folium.Map:
    """Build the change map: per kind, LSOAs that gained or lost reach or got closer or farther; changed sites.

    Parameters
    ----------
    comparison
        A scenario compared with its baseline.
    kind
        Show this kind only (default: every kind with a change).
    tiles
        Base map: a tile provider name (e.g. ``"OpenStreetMap"``) or URL template, or ``None``.

    Returns
    -------
    folium.Map
        The map, ready to ``save()`` or display in a notebook; it works offline (the base map needs internet).
    """
    results = comparison.scenario
    las = web_geometries(results.inputs.las[["la_gss", "la_name", "geometry"]], tolerance_m=50)
    bounds = las.total_bounds
    fmap = folium.Map(tiles=None, prefer_canvas=True, control_scale=True)
    title = f"{results.name}: what changes against the baseline ({results.inputs.name})"
    page_of(fmap).title = html.escape(title)
    fmap.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    if tiles:
        tile_layer(tiles).add_to(fmap)
    folium.GeoJson(
        las, name="Local authorities",
        style_function=lambda _: {"fill": False, "color": "#222222", "weight": 2},
        tooltip=folium.GeoJsonTooltip(fields=["la_name"], aliases=["LA"]),
    ).add_to(fmap)
    for name in [kind] if kind else changed_kinds(comparison):
        _add_lsoa_layer(fmap, comparison, name)
    _add_site_layer(fmap, comparison)
    add_place_names(fmap, las)
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    MapControls({"title": title, "summary": "index.html", "legend": _legend(),
                 "note": "Distances to the nearest provision in a straight line."}).add_to(fmap)
    inline_assets(fmap)  # works offline, from one file
    return fmap


def _add_lsoa_layer(fmap: folium.Map, comparison: Comparison, kind: str) -> None:
    lsoa = comparison.lsoa
    category = _change_category(lsoa, kind)
    changed = lsoa[category.notna().to_numpy()]
    if changed.empty:
        return
    layer = pd.DataFrame({
        "lsoa_name": changed["lsoa_name"],
        "children": changed["children_scenario"].round(0),
        "before_mi": (changed[f"{kind}_m_baseline"] / METRES_PER_MILE).round(1),
        "after_mi": (changed[f"{kind}_m_scenario"] / METRES_PER_MILE).round(1),
        "change": category[category.notna()],
        "change_text": category[category.notna()].map(CHANGE_LABELS),
    })
    shapes = web_geometries(changed[["geometry"]].join(layer), tolerance_m=25)
    counts = category.value_counts()
    label = KIND_LABELS[kind]
    folium.GeoJson(
        shapes,
        name=f"{label}: {counts.get('gained', 0)} LSOAs gained reach, {counts.get('lost', 0)} lost",
        style_function=lambda f: {"fillColor": CHANGE_COLOURS[f["properties"]["change"]], "color": "#666666",
                                  "weight": 0.3, "fillOpacity": 0.75},
        tooltip=folium.GeoJsonTooltip(
            fields=["lsoa_name", "children", "before_mi", "after_mi", "change_text"],
            aliases=["LSOA", "Children aged 0-15", "Miles to the nearest, baseline (straight line)",
                     "Miles to the nearest, scenario (straight line)", "Change"],
        ),
    ).add_to(fmap)


def _add_site_layer(fmap: folium.Map, comparison: Comparison) -> None:
    sites = comparison.sites
    if sites.empty:
        return
    group = folium.FeatureGroup(name=f"Changed sites ({len(sites)})")
    for row in sites.to_crs(4326).itertuples(index=False):
        label = (  # a tooltip, not a popup: folium's popups need jQuery, which the offline map does not load
            f"<b>{html.escape(str(row.name))}</b><br>{html.escape(KIND_LABELS.get(row.kind, row.kind))}: "
            f"{html.escape(row.change)}<br>places {_places(row.places_baseline)} &rarr; {_places(row.places_scenario)}"
        )
        folium.CircleMarker(
            location=[round(row.geometry.y, 5), round(row.geometry.x, 5)], radius=8,
            color=SITE_COLOURS[row.change], fill=True, fill_opacity=0.9, weight=2, tooltip=label,
        ).add_to(group)
    group.add_to(fmap)


def _places(value: float) -> str:
    return "none" if pd.isna(value) else f"{value:,.0f}"


def _legend() -> str:
    """The change map's legend: a title, what is measured, a swatch per LSOA change and a marker per site change."""
    areas = "".join(f'<li><span class="gapmap-swatch" style="background:{CHANGE_COLOURS[k]}"></span>'
                    f"{html.escape(label)}</li>" for k, label in CHANGE_LABELS.items())
    sites = "".join(f'<li><span class="gapmap-swatch gapmap-swatch-site" style="border-color:{SITE_COLOURS[k]}">'
                    f"</span>{html.escape(label)}</li>" for k, label in SITE_LABELS.items())
    return ("<h2>What the scenario changes</h2><p>Straight-line distance from each LSOA to the nearest provision, "
            f"scenario against baseline. Unchanged areas are not coloured.</p><ul>{areas}{sites}</ul>")


#: Columns of :func:`_totals_table` shown with a sign.
_SIGNED_TOTALS = ("Estimated need beyond, change", "All children 0-15 beyond (context), change", "Nearest in another LA, change", "Sites, change", "Places, change")


def _totals_table(comparison: Comparison) -> pd.DataFrame:
    totals = comparison.totals().set_index("kind")
    reach = comparison.lsoa
    rows = []
    for kind in totals.index:
        row = totals.loc[kind]
        need = {}
        if "need_beyond_threshold_change" in row.index and pd.notna(row["need_beyond_threshold_change"]):
            need = {"Estimated need beyond, baseline": row["need_beyond_threshold_baseline"],
                    "Estimated need beyond, scenario": row["need_beyond_threshold_scenario"],
                    "Estimated need beyond, change": row["need_beyond_threshold_change"]}
        rows.append({
            "Provision": f"{KIND_LABELS[kind]} ({threshold_rule(comparison.scenario.settings, kind)})",
            **need,
            "All children 0-15 beyond (context), baseline": row["children_beyond_baseline"],
            "All children 0-15 beyond (context), scenario": row["children_beyond_scenario"],
            "All children 0-15 beyond (context), change": row["children_beyond_change"],
            "LSOAs gained reach": int((reach[f"{kind}_reach"] == "gained").sum()),
            "LSOAs lost reach": int((reach[f"{kind}_reach"] == "lost").sum()),
            "Nearest in another LA, change": row["cross_la_children_change"],
            "Sites, change": row["sites_change"],
            "Places, change": row["places_change"],
        })
    return pd.DataFrame(rows)


def _lost(comparison: Comparison) -> list[dict[str, str]]:
    lost = comparison.by_la[comparison.by_la["loses_provision"]]
    return [{"la_name": r.la_name, "provision": KIND_LABELS[r.kind].lower()} for r in lost.itertuples(index=False)]


def headline_table(comparison: Comparison) -> str:
    """Short HTML for notebooks: totals per kind and LAs left without provision.

    Parameters
    ----------
    comparison
        A scenario compared with its baseline.

    Returns
    -------
    str
        An HTML fragment.
    """
    macros = environment().get_template("_scenario.html").module
    return str(macros.headline(  # type: ignore[attr-defined]
        f"{comparison.scenario.name} vs {comparison.baseline.name}",
        scenario_table(_totals_table(comparison), signed=_SIGNED_TOTALS), _lost(comparison),
    ))


def _la_table(comparison: Comparison, kind: str) -> Table:
    rows = comparison.by_la[comparison.by_la["kind"] == kind].sort_values("la_name")
    table = pd.DataFrame({"Local authority": rows["la_name"], "Children 0-15": rows["children_scenario"]})
    signed, digits = [], {}
    for figure, heading in _FIGURE_HEADINGS.items():
        if f"{figure}_change" not in rows.columns:
            continue
        places = 3 if figure == "ratio_2sfca" else 0
        for side in ("baseline", "scenario", "change"):
            column = f"{heading}, {side}"
            table[column] = rows[f"{figure}_{side}"].to_numpy()
            digits[column] = places
        signed.append(f"{heading}, change")
    return scenario_table(table, signed=tuple(signed), digits=digits)


def summary_page(comparison: Comparison, *, map_file: str | None = "map.html") -> str:
    """Render the scenario summary page as a self-contained HTML document.

    Parameters
    ----------
    comparison
        A scenario compared with its baseline.
    map_file
        Relative link to the change map (``None`` for no link).

    Returns
    -------
    str
        The HTML document.
    """
    scenario, baseline = comparison.scenario, comparison.baseline
    settings = scenario.settings
    thresholds = [
        f"{KIND_LABELS[k]}: {settings.threshold(k) / METRES_PER_MILE:.3g} miles"
        + (f" (baseline {baseline.settings.threshold(k) / METRES_PER_MILE:.3g})"
           if settings.threshold(k) != baseline.settings.threshold(k) else "")
        for k in settings.kinds
    ]
    sites = sites_table(comparison.sites, scenario.inputs)
    return render_page(
        "scenario.html",
        title=f"gapmap scenario: {scenario.name} ({scenario.inputs.name})",
        map_file=map_file,
        scenario_name=scenario.name,
        edits=[named(e.describe(), baseline.inputs) for e in scenario.edits],
        lost=_lost(comparison),
        totals=scenario_table(_totals_table(comparison), signed=_SIGNED_TOTALS),
        per_kind=[{"heading": KIND_LABELS[k], "table": _la_table(comparison, k)} for k in settings.kinds],
        sites=scenario_table(sites) if len(sites) else None,
        thresholds=thresholds,
        figures=[(_FIGURE_HEADINGS.get(m, m), text) for m, text in METRIC_LABELS.items()
                 if m not in ENGINE_METRICS or f"{m}_change" in comparison.by_la.columns],
        notes=list(comparison.notes),
    )
