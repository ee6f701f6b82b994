"""Renderers: interactive maps and the summary page."""

from gapmap.render.maps import overview_map
from gapmap.render.report import summary_page

__all__ = ["overview_map", "summary_page"]
