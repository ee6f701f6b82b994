"""Choose the journey-time backend from the command-line words: ``--cost time``, ``--roads FILE``."""

from __future__ import annotations

from pathlib import Path

from gapmap.engine.costs import CarTime, CostBackend


def journey_backend(cost: str, roads: Path | None = None) -> CostBackend | None:
    """The backend in minutes a build asks for, or ``None`` for distances only.

    Parameters
    ----------
    cost
        ``"distance"`` or ``"time"``.
    roads
        An OpenStreetMap extract: routed times on it (implies ``"time"``).

    Returns
    -------
    CostBackend or None
        :class:`gapmap.travel.routing.RoutedTime` with ``roads``, else
        :class:`gapmap.engine.costs.CarTime` for ``"time"``, else ``None``.
    """
    if roads is not None:
        from gapmap.travel.routing import RoutedTime

        backend = RoutedTime(Path(roads))
        backend.graph  # read (or load from the cache) now, so a bad file fails before the analysis
        return backend
    return CarTime() if cost == "time" else None
