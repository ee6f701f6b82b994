"""The spatial engine: distances, access metrics and summaries on EPSG:27700."""

from gapmap.engine.analysis import Results, analyse
from gapmap.engine.distance import nearest, pairs_within

__all__ = ["Results", "analyse", "nearest", "pairs_within"]
