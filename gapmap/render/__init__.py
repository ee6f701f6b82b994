"""Renderers: interactive maps, static images and the summary page."""

from gapmap.render.maps import MapPage, map_pages, overview_map, study_map
from gapmap.render.publish import write_maps, write_report
from gapmap.render.report import summary_page

__all__ = ["MapPage", "map_pages", "overview_map", "study_map", "summary_page", "write_maps", "write_report"]
