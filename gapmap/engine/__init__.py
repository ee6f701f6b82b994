"""The spatial engine: distances, access metrics and summaries on EPSG:27700."""

from gapmap.engine.analysis import Results, analyse
from gapmap.engine.costs import CostBackend, FunctionBackend, StraightLine
from gapmap.engine.cover import max_cover
from gapmap.engine.distance import nearest, pairs_within
from gapmap.engine.fca import enhanced_two_step_fca, two_step_fca
from gapmap.engine.pairs import kind_costs
from gapmap.engine.weights import gaussian, step_weights

__all__ = [
    "CostBackend",
    "FunctionBackend",
    "Results",
    "StraightLine",
    "analyse",
    "enhanced_two_step_fca",
    "gaussian",
    "kind_costs",
    "max_cover",
    "nearest",
    "pairs_within",
    "step_weights",
    "two_step_fca",
]
