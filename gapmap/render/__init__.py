"""Renderers: interactive maps, static images and the summary page.

The names below are imported on first use: folium, matplotlib and Jinja2 load
only when something is drawn, not with ``import gapmap.render.<module>``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gapmap._lazy import lazy_names

if TYPE_CHECKING:
    from gapmap.render.maps import MapPage, map_pages, overview_map, study_map
    from gapmap.render.publish import write_maps, write_report
    from gapmap.render.report import summary_page

#: Public name -> the module that defines it.
_HOMES = {
    "MapPage": "maps",
    "map_pages": "maps",
    "overview_map": "maps",
    "study_map": "maps",
    "summary_page": "report",
    "write_maps": "publish",
    "write_report": "publish",
}

__all__ = sorted(_HOMES)

__getattr__ = lazy_names(__name__, _HOMES)
