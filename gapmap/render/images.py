"""Static PNG maps for reports and slide decks (matplotlib, no browser needed).

Each PNG shows what its interactive map opens with: the LSOA choropleth of
straight-line distance to the nearest provision of the map's kind, LA and
combined authority boundaries, and the sites, with a legend and the units.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from textwrap import wrap

import geopandas as gpd
import numpy as np
from matplotlib.artist import Artist
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.path import Path as MplPath

from gapmap.engine.analysis import Results
from gapmap.model import KIND_LABELS
from gapmap.render.metrics import NO_DATA_COLOUR, distance_metric
from gapmap.render.symbols import KIND_SYMBOLS, SPECIALIST_KINDS

#: Output size: inches and dots per inch.
FIGSIZE = (10.0, 8.0)
DPI = 110

ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right 2025; Contains National Statistics data "
    "© Crown copyright and database right 2025; OGL v3."
)


def _paths(geometries: gpd.GeoSeries) -> list[MplPath]:
    """One compound path per (multi)polygon, holes included (faster than geopandas' patches)."""
    paths = []
    for geometry in geometries:
        rings = [
            MplPath(np.asarray(ring.coords)[:, :2], closed=True)
            for polygon in getattr(geometry, "geoms", [geometry])
            for ring in (polygon.exterior, *polygon.interiors)
        ]
        paths.append(MplPath.make_compound_path(*rings))
    return paths


@dataclass(frozen=True)
class PngBase:
    """What every PNG of a study area draws, prepared once per build (EPSG:27700).

    Attributes
    ----------
    lsoa_paths
        One compound path per LSOA, in the row order of ``results.lsoa``.
    la_lines
        LA boundaries.
    area_lines
        The study area's outer boundary (the dissolved LAs).
    provision
        Located provision.
    """

    lsoa_paths: list[MplPath]
    la_lines: gpd.GeoSeries
    area_lines: gpd.GeoSeries
    provision: gpd.GeoDataFrame


def png_base(results: Results) -> PngBase:
    """Prepare the geometries shared by every PNG of a study area (see :func:`map_png`)."""
    las = results.inputs.las
    provision = results.provision[results.provision.geometry.notna() & ~results.provision.geometry.is_empty]
    return PngBase(_paths(results.lsoa.geometry), las.boundary, las.dissolve().boundary, provision)


def map_png(results: Results, path: Path, *, kind: str | None, title: str, base: PngBase | None = None) -> None:
    """Draw the static map of ``kind`` (or the overview when ``None``) into a PNG file.

    Parameters
    ----------
    results
        Engine results.
    path
        PNG file to write.
    kind
        Provision kind, or ``None`` for the overview (the first specialist kind
        analysed colours the LSOAs; every specialist kind's sites are drawn).
    title
        Title printed on the image.
    base
        Shared geometries from :func:`png_base` (computed when ``None``).
    """
    base = base or png_base(results)
    kinds = results.settings.kinds
    focus = kind or next((k for k in kinds if k in SPECIALIST_KINDS), kinds[0])
    site_kinds = [kind] if kind is not None else [k for k in kinds if k in SPECIALIST_KINDS] or [focus]
    metric = distance_metric(focus, results.settings)
    classes = metric.classes(results.lsoa)
    colours = np.array([*metric.colours, NO_DATA_COLOUR])[classes]

    figure = Figure(figsize=FIGSIZE, dpi=DPI)
    axes = figure.add_axes((0.01, 0.06, 0.6, 0.84))
    axes.add_collection(PathCollection(base.lsoa_paths, facecolors=colours, edgecolors="#8a8a8a", linewidths=0.15))
    base.la_lines.plot(ax=axes, color="#222222", linewidth=0.9, linestyle=(0, (4, 2)))
    base.area_lines.plot(ax=axes, color="#000000", linewidth=1.6)
    provision = base.provision
    handles: list[Artist] = []
    for site_kind in site_kinds:
        symbol = KIND_SYMBOLS[site_kind]
        sites = provision[provision["kind"] == site_kind]
        size = 28 if site_kind in SPECIALIST_KINDS else 8
        axes.scatter(sites.geometry.x, sites.geometry.y, s=size, marker=symbol.matplotlib_marker,
                     c=symbol.colour, edgecolors="#1a1a1a", linewidths=0.6, zorder=3)
        handles.append(Line2D([], [], linestyle="none", marker=symbol.matplotlib_marker, markersize=7,
                              markerfacecolor=symbol.colour, markeredgecolor="#1a1a1a",
                              label=f"{KIND_LABELS[site_kind]} ({len(sites):,})"))
    handles += [Patch(facecolor=c, edgecolor="#555555", label=f"{label} miles")
                for c, label in zip(metric.colours, metric.class_labels())]
    if (classes < 0).any():
        handles.append(Patch(facecolor=NO_DATA_COLOUR, edgecolor="#555555", label=metric.no_data))
    axes.legend(handles=handles, loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=9, frameon=False,
                title_fontsize=9.5, alignment="left",
                title="\n".join(wrap(f"{metric.label} (miles; darker = farther)", 34)))
    axes.set_axis_off()
    axes.set_aspect("equal")
    figure.text(0.02, 0.965, title, fontsize=13, fontweight="bold", va="top")
    figure.text(0.02, 0.925, "Straight-line distance from each LSOA centre; walking routes are longer.",
                fontsize=9, va="top", color="#333333")
    figure.text(0.02, 0.02, ATTRIBUTION, fontsize=6.5, color="#555555", wrap=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI)
