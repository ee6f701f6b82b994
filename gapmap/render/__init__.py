"""Renderers: interactive maps, static images and the summary page.

The names below are imported on first use: folium, matplotlib and Jinja2 load
only when something is drawn, not with ``import gapmap.render.<module>``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

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


def __getattr__(name: str) -> object:
    """Import a public name from its module on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module 'gapmap.render' has no attribute {name!r}")
    return getattr(import_module(f"gapmap.render.{_HOMES[name]}"), name)
