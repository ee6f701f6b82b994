"""Map symbols: one colour and one shape per provision kind, the same on web maps and PNGs.

Colours are the Okabe-Ito palette (distinguishable with the common colour-vision
deficiencies); shapes differ too, so a kind never depends on colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Symbol:
    """How a kind of point is drawn.

    Attributes
    ----------
    colour
        Fill colour.
    shape
        One of ``circle``, ``square``, ``diamond``, ``triangle``,
        ``triangle_down``, ``hexagon``, ``star``.
    size
        Size on web maps, in pixels.
    """

    colour: str
    shape: str
    size: int

    def svg(self, size: int | None = None) -> str:
        """Inline SVG of the symbol (fixed markup, no data in it)."""
        px = size or self.size
        return (
            f'<svg class="gapmap-symbol" width="{px}" height="{px}" viewBox="0 0 20 20" aria-hidden="true">'
            f'<path d="{_PATHS[self.shape]}" fill="{self.colour}" stroke="#1a1a1a" stroke-width="1.6" '
            'stroke-linejoin="round"/></svg>'
        )

    @property
    def matplotlib_marker(self) -> str:
        """The matching matplotlib marker code."""
        return _MATPLOTLIB[self.shape]


_PATHS: dict[str, str] = {
    "circle": "M10 2a8 8 0 1 0 0.001 0Z",
    "square": "M3 3H17V17H3Z",
    "diamond": "M10 1L19 10L10 19L1 10Z",
    "triangle": "M10 2L18.5 17.5H1.5Z",
    "triangle_down": "M10 18L18.5 2.5H1.5Z",
    "hexagon": "M10 1.5L17.5 5.75V14.25L10 18.5L2.5 14.25V5.75Z",
    "star": "M10 1l2.6 6 6.4.5-4.9 4.2 1.5 6.3L10 14.6 4.4 18l1.5-6.3L1 7.5l6.4-.5Z",
}

_MATPLOTLIB: dict[str, str] = {
    "circle": "o", "square": "s", "diamond": "D", "triangle": "^", "triangle_down": "v", "hexagon": "h", "star": "*",
}

#: Symbol of each provision kind.
KIND_SYMBOLS: dict[str, Symbol] = {
    "special": Symbol("#D55E00", "square", 16),
    "ap": Symbol("#CC79A7", "diamond", 16),
    "sen_unit": Symbol("#E69F00", "triangle_down", 15),
    "resourced_provision": Symbol("#F0E442", "hexagon", 15),
    "mainstream_primary": Symbol("#0072B2", "circle", 11),
    "mainstream_secondary": Symbol("#009E73", "triangle", 13),
    "mainstream_all_through": Symbol("#56B4E9", "hexagon", 13),
    "mainstream_independent": Symbol("#999999", "circle", 11),
    "nursery": Symbol("#FFFFFF", "circle", 9),
    "post16": Symbol("#000000", "circle", 11),
}

#: Symbol of a shared-service opportunity.
OPPORTUNITY_SYMBOL = Symbol("#FFFFFF", "star", 22)

#: Kinds that are always drawn one by one; denser kinds are clustered.
SPECIALIST_KINDS: frozenset[str] = frozenset({"special", "ap", "sen_unit", "resourced_provision"})
