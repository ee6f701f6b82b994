"""Interactive folium maps of a study area's results."""

from __future__ import annotations

import html

import branca.colormap as cm
import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from gapmap.engine.analysis import Results
from gapmap.model import KIND_LABELS
from gapmap.render.geometry import web_geometries
from gapmap.settings import METRES_PER_MILE

#: Marker colour per provision kind (Okabe-Ito palette, distinguishable with colour-blindness).
KIND_COLOURS: dict[str, str] = {
    "special": "#D55E00",
    "ap": "#CC79A7",
    "mainstream_primary": "#0072B2",
    "mainstream_secondary": "#009E73",
    "mainstream_all_through": "#56B4E9",
    "mainstream_independent": "#999999",
    "sen_unit": "#E69F00",
    "resourced_provision": "#F0E442",
    "nursery": "#BBBBBB",
    "post16": "#000000",
}

#: Distance bands (miles) for the choropleth.
DISTANCE_BANDS_MILES = [0, 1, 2, 3, 5, 10, 20]


def _popup_html(row: pd.Series) -> str:
    def cell(label: str, value: object) -> str:
        shown = "unknown" if value is None or (not isinstance(value, str) and pd.isna(value)) else value
        return f"<tr><th>{html.escape(label)}</th><td>{html.escape(str(shown))}</td></tr>"

    return (
        f"<b>{html.escape(str(row['name']))}</b><table>"
        + cell("URN", row["urn"])
        + cell("Kind", KIND_LABELS.get(row["kind"], row["kind"]))
        + cell("Type", row["establishment_type"])
        + cell("Sector", row["sector"])
        + cell("Pupils on roll", row["pupils"])
        + cell("Capacity", row["capacity"])
        + cell("Location", row["location_source"])
        + "</table>"
    )


def overview_map(results: Results, *, tiles: str | None = "OpenStreetMap", kind: str = "special") -> folium.Map:
    """Build the overview map: LA boundaries, an LSOA choropleth of distance, provision markers.

    Parameters
    ----------
    results
        Output of :func:`gapmap.engine.analyse`.
    tiles
        Base map tiles passed to folium (``None`` for no base map).
    kind
        Provision kind whose straight-line distance colours the LSOAs.

    Returns
    -------
    folium.Map
        The map, ready to ``save()``.
    """
    las = web_geometries(results.inputs.las[["la_gss", "la_name", "geometry"]], tolerance_m=50)
    bounds = las.total_bounds
    fmap = folium.Map(tiles=tiles, prefer_canvas=True, control_scale=True)
    fmap.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])

    column = f"{kind}_straight_line_m"
    lsoa = results.lsoa[["lsoa_code", "lsoa_name", "la_gss", "children_0_15", column, "geometry"]].copy()
    lsoa["miles"] = (lsoa[column] / METRES_PER_MILE).round(2)
    lsoa = web_geometries(lsoa.drop(columns=[column]), tolerance_m=25)
    colormap = cm.StepColormap(
        ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"],
        index=DISTANCE_BANDS_MILES,
        vmin=0,
        vmax=DISTANCE_BANDS_MILES[-1],
        caption=f"Straight-line distance to nearest {KIND_LABELS[kind].lower()} (miles)",
    )

    def style(feature: dict) -> dict:
        miles = feature["properties"]["miles"]
        colour = "#808080" if miles is None else colormap(min(miles, DISTANCE_BANDS_MILES[-1]))
        return {"fillColor": colour, "color": "#666666", "weight": 0.3, "fillOpacity": 0.7}

    folium.GeoJson(
        lsoa,
        name=f"Distance to nearest {KIND_LABELS[kind].lower()} (straight line)",
        style_function=style,
        tooltip=folium.GeoJsonTooltip(
            fields=["lsoa_name", "children_0_15", "miles"],
            aliases=["LSOA", "Children 0-15 (mid-2015)", "Straight-line miles"],
        ),
    ).add_to(fmap)
    colormap.add_to(fmap)

    folium.GeoJson(
        las,
        name="Local authorities",
        style_function=lambda _: {"fill": False, "color": "#222222", "weight": 2},
        tooltip=folium.GeoJsonTooltip(fields=["la_name"], aliases=["LA"]),
    ).add_to(fmap)

    provision = results.provision.to_crs(4326)
    for kind_name in results.settings.kinds:
        group = folium.FeatureGroup(name=f"{KIND_LABELS[kind_name]} ({(provision['kind'] == kind_name).sum()})")
        for _, row in provision[provision["kind"] == kind_name].iterrows():
            folium.CircleMarker(
                location=[round(row.geometry.y, 5), round(row.geometry.x, 5)],
                radius=5 if kind_name in ("special", "ap") else 3,
                color=KIND_COLOURS[kind_name],
                fill=True,
                fill_opacity=0.9,
                weight=1,
                popup=folium.Popup(_popup_html(row), max_width=320),
                tooltip=html.escape(str(row["name"])),
            ).add_to(group)
        group.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap


def distance_band_counts(results: Results, kind: str) -> pd.Series:
    """Children aged 0-15 per straight-line distance band (miles) to the nearest provision of ``kind``.

    Parameters
    ----------
    results
        Engine results.
    kind
        Provision kind.

    Returns
    -------
    pandas.Series
        Children per band label, in band order.
    """
    miles = results.lsoa[f"{kind}_straight_line_m"] / METRES_PER_MILE
    edges = [*DISTANCE_BANDS_MILES, np.inf]
    labels = [f"{a}-{b} mi" if np.isfinite(b) else f"{a}+ mi" for a, b in zip(edges[:-1], edges[1:])]
    bands = pd.cut(miles, edges, labels=labels, right=False)
    return results.lsoa.groupby(bands, observed=False)["children_0_15"].sum()
