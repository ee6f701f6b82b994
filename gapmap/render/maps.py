"""Interactive maps of a study area: one overview and one per provision kind.

Each map is one self-contained HTML file: Leaflet, its plugins and every data
layer are inlined, so it opens by double-click with no network (only the
optional base-map tiles need one).  Vector layers are drawn on a canvas, from
geometries simplified and rounded once per build (:func:`gapmap.render.features.web_base`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import xyzservices

from gapmap.engine.analysis import Results
from gapmap.errors import InputError
from gapmap.render.assets import inline_assets
from gapmap.render.features import WebBase, cluster_areas, flow_lines, opportunity_points, web_base
from gapmap.render.la_map import draws_las, la_command, la_fields, la_metrics, la_note
from gapmap.render.labels import la_labels
from gapmap.render.layers import DataLayer, JsonData, MapControls, RawHtml, feature_collection, page_of
from gapmap.render.metrics import NO_DATA_COLOUR, Metric, deprivation_metric, distance_metric, kind_metrics, kind_noun
from gapmap.render.popups import NEED_LABELS, SHORT_PROVISION_FIELDS, metric_texts, provision_fields, text
from gapmap.render.shared import SharedGeometry, joined_collection
from gapmap.render.symbols import KIND_SYMBOLS, OPPORTUNITY_SYMBOL, SPECIALIST_KINDS
from gapmap.render.together_layer import TOGETHER_SYMBOL, together_sites
from gapmap.settings import METRES_PER_MILE

#: Kinds with more sites than this are clustered at low zoom.
CLUSTER_ABOVE = 150

#: What the sites of each kind are called in layer names.
SITE_LABELS: dict[str, str] = {
    "special": "Special schools",
    "ap": "Alternative provision settings",
    "sen_unit": "SEN units",
    "resourced_provision": "Resourced provision bases",
    "mainstream_primary": "Mainstream primary schools",
    "mainstream_secondary": "Mainstream secondary schools",
    "mainstream_all_through": "Mainstream all-through schools",
    "mainstream_independent": "Independent mainstream schools",
    "nursery": "Nursery schools",
    "post16": "Post-16 providers",
}


@dataclass(frozen=True)
class MapPage:
    """One map of a study area and its files.

    Attributes
    ----------
    file
        HTML file name, e.g. ``"map-special.html"``.
    image
        PNG path relative to the output folder, e.g. ``"images/map-special.png"``.
    title
        Title shown on the map and the summary page.
    kind
        Provision kind, or ``None`` for the overview.
    """

    file: str
    image: str
    title: str
    kind: str | None


def map_pages(results: Results) -> list[MapPage]:
    """The maps of a study area: the overview (``map.html``), then one per analysed kind.

    Parameters
    ----------
    results
        Engine results.

    Returns
    -------
    list of MapPage
    """
    name = results.inputs.name
    pages = [MapPage("map.html", "images/map.png", f"{name}: overview", None)]
    for kind in results.settings.kinds:
        slug = kind.replace("_", "-")
        title = f"{name}: {kind_noun(kind)}"
        pages.append(MapPage(f"map-{slug}.html", f"images/map-{slug}.png", title, kind))
    return pages


def tile_layer(tiles: str) -> folium.TileLayer:
    """A base-map overlay from an xyzservices name (e.g. ``"OpenTopoMap"``) or a URL template.

    Parameters
    ----------
    tiles
        Provider name or ``https://.../{z}/{x}/{y}.png`` template.

    Returns
    -------
    folium.TileLayer

    Raises
    ------
    InputError
        If ``tiles`` is neither a known provider nor a URL template.
    """
    try:
        name = "OpenStreetMap Mapnik" if tiles.lower() == "openstreetmap" else tiles
        provider = xyzservices.providers.query_name(name)
    except ValueError:
        if "{z}" not in tiles or "{x}" not in tiles or "{y}" not in tiles:
            raise InputError(
                f"Unknown base map {tiles!r}: expected a tile provider name such as 'OpenStreetMap' or "
                "'OpenTopoMap', a URL template containing {z}, {x} and {y}, or 'none'."
            ) from None
        return folium.TileLayer(tiles, attr="Base map tiles", name="Base map (needs internet)", overlay=True)
    return folium.TileLayer(provider, name=f"Base map: {provider.name} (needs internet)", overlay=True)


def legend_html(metric: Metric, *, note: str, no_data: bool = True) -> str:
    """Legend of a choropleth: title with unit, a note, a swatch per class and (if ``no_data``) one for no value."""
    items = [
        f'<li><span class="gapmap-swatch" style="background:{colour}"></span>{html.escape(label)}</li>'
        for colour, label in zip(metric.colours, metric.class_labels())
    ]
    if no_data:
        items.append(f'<li><span class="gapmap-swatch" style="background:{NO_DATA_COLOUR}"></span>'
                     f"{html.escape(metric.no_data)}</li>")
    return (f"<h2>{html.escape(metric.label)} ({html.escape(metric.unit)})</h2>"
            f"<p>{html.escape(note)}</p><ul>{''.join(items)}</ul>")


def _metrics(results: Results, kind: str | None) -> list[Metric]:
    if kind is None:
        metrics = [distance_metric(k, results.settings) for k in results.settings.kinds]
    else:
        metrics = kind_metrics(results.lsoa, kind, results.settings)
    deprivation = deprivation_metric(results.lsoa)
    return [*metrics, deprivation] if deprivation is not None else metrics


def _lsoa_layers(fmap: folium.Map, results: Results, base: WebBase, metrics: list[Metric], shown: int,
                 shared: SharedGeometry | None) -> None:
    if base.lsoa is None:
        raise ValueError("These shared geometries hold no LSOAs (an LA-level base): make them from the same results.")
    lsoa = results.lsoa
    class_array = np.column_stack([m.classes(lsoa) for m in metrics])
    classes = class_array.tolist()
    columns = [
        lsoa["la_gss"].astype(str).map(base.la_names).fillna("unknown").tolist(),
        [text(v) for v in lsoa["children_0_15"]],
        *(metric_texts(lsoa, m) for m in metrics),
    ]
    titles = [f"{name} ({code})" for name, code in zip(lsoa["lsoa_name"].astype(str), lsoa["lsoa_code"].astype(str))]
    properties = [{"c": c, "t": t, "v": list(v)} for c, t, v in zip(classes, titles, zip(*columns))]
    data = JsonData(feature_collection(base.lsoa, properties) if shared is None
                    else joined_collection(shared, properties))
    data.add_to(fmap)
    fields = ["Local authority", "Children aged 0-15", *(m.label for m in metrics)]
    for index, metric in enumerate(metrics):
        note = "Darker = a worse gap."
        if metric.column.endswith("_straight_line_m"):
            note += " Measured in a straight line from the LSOA centre: walking routes are longer."
        DataLayer(
            "choropleth", data,
            {"metric": index, "colours": list(metric.colours), "noData": NO_DATA_COLOUR, "fields": fields,
             "legend": legend_html(metric, note=note, no_data=bool((class_array[:, index] < 0).any()))},
            name=metric.label, overlay=False, show=index == shown,
        ).add_to(fmap)


def _la_layers(fmap: folium.Map, results: Results, base: WebBase, kind: str | None, shown: int) -> JsonData:
    """The LA choropleth of an LA-level map (a base layer per metric); returns its data, which the boundaries reuse."""
    summary = pd.DataFrame(results.la_summary).set_index("la_gss")
    frame = summary.loc[base.las["la_gss"].astype(str)].reset_index()
    metrics = la_metrics(results, kind)
    class_array = np.column_stack([m.classes(frame) for m in metrics])
    fields, values = la_fields(results, kind, frame)
    rows = zip(class_array.tolist(), frame["la_name"].astype(str), frame["la_gss"].astype(str), values)
    properties = [{"c": c, "t": f"{name} ({code})", "s": f"{la_command(code)} maps its neighbourhoods (LSOAs)", "v": v}
                  for c, name, code, v in rows]
    data = JsonData(feature_collection(base.las, properties))
    data.add_to(fmap)
    for index, metric in enumerate(metrics):
        note = "Darker = a worse gap. Figures of each local authority, from its neighbourhoods (LSOAs) and sites."
        DataLayer(
            "choropleth", data,
            {"metric": index, "colours": list(metric.colours), "noData": NO_DATA_COLOUR, "fields": fields,
             "legend": legend_html(metric, note=note, no_data=bool((class_array[:, index] < 0).any())),
             "popupWidth": 460},
            name=metric.label, overlay=False, show=index == shown,
        ).add_to(fmap)
    return data


def _records(frame, columns: tuple[str, ...]) -> list[dict]:
    present = [c for c in columns if c in frame.columns]
    return frame[present].to_dict("records")


def _vectors(fmap: folium.Map, frame, *, name: str, style: dict, fields: list[str] | None = None,
             show: bool = True, interactive: bool = True, arrows: bool = False) -> None:
    data = JsonData(feature_collection(frame, _records(frame, ("t", "s", "v", "weight"))))
    data.add_to(fmap)
    DataLayer("vectors", data, {"style": style, "interactive": interactive, "fields": fields or [], "arrows": arrows},
              name=name, show=show).add_to(fmap)


def _points(fmap: folium.Map, frame, fields: list[str], *, name: str, symbol, show: bool, cluster: bool,
            z_index: int = 0) -> None:
    data = JsonData(feature_collection(frame, _records(frame, ("t", "s", "v", "label"))))
    data.add_to(fmap)
    DataLayer(
        "points", data,
        {"symbol": symbol.svg(), "size": symbol.size, "colour": symbol.colour, "cluster": cluster, "zIndex": z_index,
         "fields": fields},
        name=f"{name} ({len(frame):,})", symbol=symbol.svg(14), show=show,
    ).add_to(fmap)


def _provision_layers(fmap: folium.Map, results: Results, base: WebBase, kind: str | None, *, short: bool) -> None:
    provision = base.provision
    kinds = list(results.settings.kinds)
    if kind is not None:
        kinds.sort(key=lambda k: k != kind)
    for k in kinds:
        sites = provision[provision["kind"] == k]
        if sites.empty:
            continue
        shown = k == kind if kind is not None else k in SPECIALIST_KINDS and not short  # LA-level: the LAs first
        fields = list(SHORT_PROVISION_FIELDS) if short else provision_fields(k)
        _points(fmap, sites, fields, name=SITE_LABELS[k], symbol=KIND_SYMBOLS[k], show=shown,
                cluster=len(sites) > CLUSTER_ABOVE, z_index=1000 if k in SPECIALIST_KINDS else 0)
        if k == kind:
            _need_layers(fmap, sites, k, fields)


def _need_layers(fmap: folium.Map, sites, kind: str, fields: list[str]) -> None:
    codes = sites["needs"].dropna().astype(str).str.split(";").explode()
    for code in sorted(set(codes) - {""}):
        catering = sites[sites["needs"].fillna("").astype(str).str.split(";").apply(lambda c, code=code: code in c)]
        label = NEED_LABELS.get(code, code)
        _points(fmap, catering, fields, name=f"{SITE_LABELS[kind]} for {label} ({code})",
                symbol=KIND_SYMBOLS[kind],
                show=False, cluster=False)


def _optional_layers(fmap: folium.Map, results: Results, base: WebBase, kind: str | None, *, by_la: bool) -> None:
    shown = kind is not None and not by_la  # on an LA-level map, lines across the country would hide the LAs
    flow_kinds = [kind] if kind is not None else [k for k in results.settings.kinds if k in SPECIALIST_KINDS]
    for k in flow_kinds:
        clusters = cluster_areas(results, k)
        if clusters is not None:
            _vectors(fmap, clusters[0], fields=clusters[1], name=f"Border gap clusters: {kind_noun(k)}",
                     show=shown, style={"color": "#000000", "weight": 4, "dashArray": "1 7",
                                        "lineCap": "round", "fill": False})
        lines = flow_lines(results, k, base)
        if lines is not None:
            _vectors(fmap, lines, name=f"Children whose nearest {kind_noun(k)} is in another LA",
                     show=shown, arrows=True, style={"color": "#E69F00", "opacity": 0.85})
    planned = together_sites(results, kind)
    if planned is not None:
        _points(fmap, planned[0], planned[1], name="New sites, planning together", symbol=TOGETHER_SYMBOL,
                show=False, cluster=False, z_index=1500)
    opportunities = opportunity_points(results, kind)
    if opportunities is not None:
        _points(fmap, opportunities[0], opportunities[1], name="Shared-service opportunities",
                symbol=OPPORTUNITY_SYMBOL, show=True, cluster=False, z_index=2000)


def add_place_names(fmap: folium.Map, las: gpd.GeoDataFrame) -> None:
    """Add the "Place names" layer (LA names as text, shown when the map opens) to a gapmap map.

    Parameters
    ----------
    fmap
        A map whose page loads gapmap's map code (see :func:`~gapmap.render.assets.inline_assets`).
    las
        LA boundaries with ``la_name`` (EPSG:4326).
    """
    labels = la_labels(las)
    data = JsonData(feature_collection(labels, _records(labels, ("t", "s"))))
    data.add_to(fmap)
    DataLayer("labels", data, {}, name="Place names", show=True).add_to(fmap)


def study_map(
    results: Results,
    *,
    kind: str | None = None,
    tiles: str | None = "OpenStreetMap",
    title: str | None = None,
    summary: str | None = "index.html",
    base: WebBase | None = None,
    focus: str | None = None,
    shared: SharedGeometry | None = None,
) -> folium.Map:
    """Build one interactive map: the overview (``kind=None``) or the map of one provision kind.

    Parameters
    ----------
    results
        Engine results.
    kind
        Provision kind of the map, or ``None`` for the overview of every kind.
    tiles
        Base map (see :func:`tile_layer`), or ``None`` for none.
    title
        Title shown on the map (default: the study area and the kind).
    summary
        Relative link to the summary page, or ``None``.
    base
        Shared geometries from :func:`~gapmap.render.features.web_base` (computed when ``None``).
    focus
        On the overview, the kind whose distance colours the LSOAs when the map
        opens (default: the first specialist kind analysed).
    shared
        The build's shared LSOA geometry (:func:`~gapmap.render.shared.write_shared_geometry`,
        written from ``base.lsoa``): the map loads it from its folder instead of
        embedding the polygons.  ``None`` embeds them (one self-contained file).
        Unused on an LA-level map.

    Notes
    -----
    A study area of more than :data:`~gapmap.render.la_map.LA_MAP_ABOVE` LSOAs
    (England) is mapped by LA (:mod:`gapmap.render.la_map`): the LAs coloured by
    their summary figures, specialist sites only with short popups, and the
    title box saying so.

    Returns
    -------
    folium.Map
        A map ready to ``save()``: self-contained, or (with ``shared``) to be
        saved beside its shared geometry file.

    Raises
    ------
    InputError
        If ``kind`` or ``focus`` was not analysed, or ``tiles`` is unknown.
    """
    base = base or web_base(results)
    kinds = results.settings.kinds
    for wanted in (kind, focus):
        if wanted is not None and wanted not in kinds:
            raise InputError(f"No map for {wanted!r}: it was not analysed (analysed kinds: {', '.join(kinds)}).")
    title = title or f"{results.inputs.name}: {'overview' if kind is None else kind_noun(kind)}"
    xmin, ymin, xmax, ymax = base.las.total_bounds
    fmap = folium.Map(tiles=None, prefer_canvas=True, control_scale=True, zoom_snap=0.25, maxZoom=18)
    page_of(fmap).title = html.escape(title)
    fmap.fit_bounds([[ymin, xmin], [ymax, xmax]])
    if tiles is not None:
        tile_layer(tiles).add_to(fmap)

    by_la = draws_las(results)
    focus = focus or next((k for k in kinds if k in SPECIALIST_KINDS), kinds[0])
    shown = kinds.index(focus) if kind is None else 0
    boundaries = {"color": "#222222", "weight": 1.8, "dashArray": "5 3", "fill": False}
    if by_la:
        areas = _la_layers(fmap, results, base, kind, shown)
    else:
        _lsoa_layers(fmap, results, base, _metrics(results, kind), shown=shown, shared=shared)
    _vectors(fmap, base.area, name="Combined authority boundary", interactive=False,
             style={"color": "#000000", "weight": 3.5, "fill": False})
    if by_la:
        DataLayer("vectors", areas, {"style": boundaries, "interactive": False, "fields": [], "arrows": False},
                  name="Local authority boundaries").add_to(fmap)
    else:
        _vectors(fmap, base.las, name="Local authority boundaries", interactive=False, style=boundaries)
    _optional_layers(fmap, results, base, kind, by_la=by_la)
    _provision_layers(fmap, results, base, kind, short=by_la)
    add_place_names(fmap, base.las)
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    notes = [la_note(results, kind)] if by_la else []
    if kind is not None:
        notes.append(f"Threshold: {results.settings.threshold(kind) / METRES_PER_MILE:g} miles, straight line.")
    MapControls({"title": title, "summary": summary, "note": " ".join(notes),
                 "areas": "local authority" if by_la else "LSOA"}).add_to(fmap)
    inline_assets(fmap)
    header = page_of(fmap).header
    header.add_child(RawHtml('<meta name="generator" content="gapmap">'), name="gapmap_generator")
    if shared is not None and not by_la:
        header.add_child(RawHtml(f'<script src="{html.escape(shared.file)}"></script>'), name="gapmap_shared")
    return fmap


def overview_map(
    results: Results,
    *,
    tiles: str | None = "OpenStreetMap",
    kind: str | None = None,
    base: WebBase | None = None,
) -> folium.Map:
    """The overview map of every analysed kind (see :func:`study_map`).

    Parameters
    ----------
    results
        Engine results.
    tiles
        Base map, or ``None``.
    kind
        Kind whose distance colours the LSOAs when the map opens (default: the
        first specialist kind analysed); the others are a click away.
    base
        Shared geometries (computed when ``None``).

    Returns
    -------
    folium.Map
    """
    return study_map(results, kind=None, tiles=tiles, base=base, focus=kind)


def distance_band_counts(results: Results, kind: str, *, column: str = "children_0_15") -> pd.Series:
    """Children aged 0-15 (or another LSOA count) per straight-line distance band (miles) to ``kind``.

    Parameters
    ----------
    results
        Engine results.
    kind
        Provision kind.
    column
        LSOA column counted, e.g. ``"special_demand"`` for the estimated need.

    Returns
    -------
    pandas.Series
        Children per band label (the distance metric's class labels), in band
        order, then those with no provision of the kind at all.
    """
    metric = distance_metric(kind, results.settings)
    classes = metric.classes(results.lsoa)
    labels = [f"{label} miles" for label in metric.class_labels()]
    children = pd.to_numeric(results.lsoa[column], errors="coerce").fillna(0).to_numpy()
    whole = column == "children_0_15"
    counts = {label: children[classes == i].sum() for i, label in enumerate(labels)}
    if (classes < 0).any():
        counts[metric.no_data] = children[classes < 0].sum()
    series = pd.Series(counts, name=column)
    return series.astype(int) if whole else series
