"""Cost backends: how far a child is from a site, as an origin-destination table.

The metrics never compute distances themselves: they ask a backend for

* ``costs(origins, destinations, *, max_cost)``: the long table
  ``origin, dest, cost`` (metres) of every pair within ``max_cost``;
* ``nearest(origins, destinations)``: the cheapest destination per origin.

:class:`StraightLine` (the default) measures straight lines on British National
Grid, optionally times a circuity factor.  A road or walking network can be
plugged in without touching the metrics: write a class with those two methods
and a ``label``, or wrap a plain function with :class:`FunctionBackend`.

A backend's ``unit`` says what its costs are: ``"metres"`` (the default when a
backend does not say) or ``"minutes"`` (:class:`CarTime`, estimated car time;
:class:`gapmap.travel.routing.RoutedTime`, routed on a road network).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from gapmap.engine.distance import nearest, pairs_nearer, pairs_within
from gapmap.engine.fca import positions_in
from gapmap.errors import InputError
from gapmap.travel.model import CarTimeModel, default_model

#: A function backend: (origins, destinations, max_cost) -> long table origin, dest, cost.
CostFunction = Callable[[pd.DataFrame, pd.DataFrame, float], pd.DataFrame]


@runtime_checkable
class CostBackend(Protocol):
    """What the metrics need from a cost backend.

    ``origins`` and ``destinations`` are coordinates indexed by id with two
    columns, easting and northing (EPSG:27700 metres).  An optional ``unit``
    attribute gives the unit of the costs: ``"metres"`` or ``"minutes"`` (see
    :func:`cost_unit`).
    """

    @property
    def label(self) -> str:
        """How costs are measured, shown wherever the figures are, e.g. ``"straight line (EPSG:27700)"``.

        A read-only property here, so that a backend may compute it (:class:`CarTime`) or hold it as a
        field of a frozen dataclass (:class:`FunctionBackend`).
        """
        ...

    def costs(self, origins: pd.DataFrame, destinations: pd.DataFrame, *, max_cost: float) -> pd.DataFrame:
        """Every pair with cost <= ``max_cost``: columns ``origin``, ``dest``, ``cost`` (metres)."""

    def nearest(self, origins: pd.DataFrame, destinations: pd.DataFrame) -> pd.DataFrame:
        """Indexed like ``origins``: ``dest`` (null if none) and ``cost`` (NaN if none)."""


@dataclass(frozen=True)
class StraightLine:
    """Straight-line distance on British National Grid, times an optional circuity factor.

    Parameters
    ----------
    circuity
        Multiplier >= 1 applied to every straight line to approximate route
        length (1.0: plain straight line).

    Examples
    --------
    >>> o = pd.DataFrame({"x": [0.0], "y": [0.0]}, index=["a"])
    >>> d = pd.DataFrame({"x": [3.0], "y": [4.0]}, index=["s"])
    >>> StraightLine(circuity=1.2).nearest(o, d)
      dest  cost
    a    s   6.0
    """

    circuity: float = 1.0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.circuity) and self.circuity >= 1.0):
            raise InputError(f"The circuity factor must be a number >= 1.0, got {self.circuity!r}.")

    @property
    def label(self) -> str:
        """Describe the measure, e.g. ``"straight line x 1.3 circuity (EPSG:27700)"``."""
        if self.circuity == 1.0:
            return "straight line (EPSG:27700)"
        return f"straight line x {self.circuity:g} circuity (EPSG:27700)"

    def costs(self, origins: pd.DataFrame, destinations: pd.DataFrame, *, max_cost: float) -> pd.DataFrame:
        """Pairs within ``max_cost`` metres of circuity-scaled straight line (inclusive)."""
        table = pairs_within(origins, destinations, max_cost / self.circuity)
        if self.circuity != 1.0:
            table["cost"] = table["cost"].to_numpy() * self.circuity
            table = table[table["cost"].to_numpy() <= max_cost].reset_index(drop=True)
        return table

    def costs_below(self, origins: pd.DataFrame, destinations: pd.DataFrame, limits: np.ndarray) -> pd.DataFrame:
        """Pairs whose cost is below the origin's own limit (one per origin, metres), one radius query per origin."""
        return pairs_nearer(origins, destinations, limits, scale=self.circuity)

    def nearest(self, origins: pd.DataFrame, destinations: pd.DataFrame) -> pd.DataFrame:
        """Nearest destination by straight line; ``cost`` is the scaled distance."""
        found = nearest(origins, destinations)
        return pd.DataFrame({"dest": found["dest"], "cost": found["distance"].to_numpy() * self.circuity},
                            index=origins.index)


@dataclass(frozen=True)
class FunctionBackend:
    """Adapt a plain cost function (e.g. a routing engine call) to :class:`CostBackend`.

    Parameters
    ----------
    function
        ``function(origins, destinations, max_cost)`` returning the long table
        ``origin, dest, cost`` (metres) of pairs with cost <= ``max_cost``
        (``max_cost`` may be ``inf``: all pairs).
    label
        How the costs are measured, e.g. ``"walking route, OS Open Roads"``.
    """

    function: CostFunction
    label: str

    def costs(self, origins: pd.DataFrame, destinations: pd.DataFrame, *, max_cost: float) -> pd.DataFrame:
        """Call the function and keep the pairs within ``max_cost``."""
        table = self.function(origins, destinations, max_cost)
        missing = [c for c in ("origin", "dest", "cost") if c not in table.columns]
        if missing:
            raise InputError(f"The cost function {self.label!r} returned no column(s) {', '.join(missing)}.")
        return table[table["cost"].to_numpy(dtype="float64") <= max_cost].reset_index(drop=True)

    def nearest(self, origins: pd.DataFrame, destinations: pd.DataFrame) -> pd.DataFrame:
        """Cheapest destination per origin from the full cost table."""
        result = pd.DataFrame({"dest": pd.Series(pd.NA, index=origins.index, dtype="object"), "cost": np.nan},
                              index=origins.index)
        if len(origins) == 0 or len(destinations) == 0:
            return result
        table = self.costs(origins, destinations, max_cost=np.inf)
        best = table.sort_values("cost", kind="stable").drop_duplicates("origin").set_index("origin")
        result["dest"] = best["dest"].reindex(origins.index).astype("object")
        result["cost"] = best["cost"].reindex(origins.index).to_numpy(dtype="float64")
        return result


def as_backend(backend: CostBackend | CostFunction, *, label: str | None = None) -> CostBackend:
    """Return ``backend`` as a :class:`CostBackend`, wrapping a plain function.

    Parameters
    ----------
    backend
        A backend object, or a function as :class:`FunctionBackend` takes it.
    label
        Label for a wrapped function (default: the function's name).

    Returns
    -------
    CostBackend

    Raises
    ------
    InputError
        If ``backend`` is neither a backend nor callable.
    """
    if isinstance(backend, CostBackend):
        return backend
    if callable(backend):
        name: str = getattr(backend, "__name__", "user cost function")
        return FunctionBackend(backend, label or name)
    raise InputError(f"A cost backend must have costs() and nearest() methods or be a function, got {backend!r}.")


def coordinates(ids: pd.Series | pd.Index, easting: object, northing: object) -> pd.DataFrame:
    """Coordinates table as the backends take it: ``x``, ``y`` indexed by id.

    Parameters
    ----------
    ids
        Origin or destination ids.
    easting, northing
        Array-likes of EPSG:27700 metres, aligned with ``ids``.

    Returns
    -------
    pandas.DataFrame
    """
    return pd.DataFrame(
        {"x": np.asarray(easting, dtype="float64"), "y": np.asarray(northing, dtype="float64")},
        index=pd.Index(np.asarray(ids, dtype=object), dtype=object),
    )



def cost_unit(backend: CostBackend) -> str:
    """Unit of a backend's costs: its ``unit`` attribute, else ``"metres"``."""
    return str(getattr(backend, "unit", "metres"))


@dataclass(frozen=True)
class CarTime:
    """Estimated car minutes from :mod:`gapmap.travel` (a calibrated model, no road network needed).

    Parameters
    ----------
    model
        The car time model; default the one shipped with gapmap.

    Examples
    --------
    >>> o = pd.DataFrame({"x": [424_900.0], "y": [564_300.0]}, index=["newcastle"])
    >>> d = pd.DataFrame({"x": [427_300.0, 424_000.0], "y": [542_300.0, 565_000.0]}, index=["durham", "near"])
    >>> CarTime().nearest(o, d)["dest"].tolist()
    ['near']
    """

    model: CarTimeModel = field(default_factory=default_model)
    unit: str = "minutes"

    @property
    def label(self) -> str:
        """``"estimated car time (...)"`` with the model's held-out error."""
        v = self.model.validation
        if not v:
            return "estimated car time (model without a measured error)"
        return (f"estimated car time (gapmap model calibrated on OpenStreetMap-routed car times without traffic; "
                f"held-out error median {v['all_median_abs_min']:.1f} min, 90th percentile "
                f"{v['all_p90_abs_min']:.1f} min; urban {v['urban_median_abs_min']:.1f}/{v['urban_p90_abs_min']:.1f}, "
                f"rural {v['rural_median_abs_min']:.1f}/{v['rural_p90_abs_min']:.1f} min)")

    @property
    def validation_note(self) -> str:
        """How the error in :attr:`label` was measured (see ``benchmarks/travel_validation.md``)."""
        v = self.model.validation
        if "method" not in v:
            return ""
        return (f"Estimated car time error measured by {v['method']}, against {v['reference']}; {v['urban_proxy']} "
                "(benchmarks/travel_validation.md).")

    def _minutes(self, origins: pd.DataFrame, destinations: pd.DataFrame, rows: np.ndarray,
                 cols: np.ndarray) -> np.ndarray:
        o = origins[["x", "y"]].to_numpy(dtype="float64")[rows]
        d = destinations[["x", "y"]].to_numpy(dtype="float64")[cols]
        return self.model.pair_minutes(o, d)

    def costs(self, origins: pd.DataFrame, destinations: pd.DataFrame, *, max_cost: float) -> pd.DataFrame:
        """Pairs within ``max_cost`` estimated car minutes (inclusive); ``cost`` in minutes."""
        table = pairs_within(origins, destinations, float(self.model.reach_m(max_cost)))
        if len(table) == 0:
            return table
        rows = positions_in(origins.index, table["origin"])
        cols = positions_in(destinations.index, table["dest"])
        table["cost"] = self._minutes(origins, destinations, rows, cols)
        return table[table["cost"].to_numpy() <= max_cost].reset_index(drop=True)

    def nearest(self, origins: pd.DataFrame, destinations: pd.DataFrame) -> pd.DataFrame:
        """Quickest destination per origin by estimated car time (exact under the model).

        The straight-line nearest site bounds each origin's best time; every
        site that could beat it lies within :meth:`CarTimeModel.reach_m` of
        that bound, so only those are timed.
        """
        result = pd.DataFrame({"dest": pd.Series(pd.NA, index=origins.index, dtype="object"), "cost": np.nan},
                              index=origins.index)
        if len(origins) == 0 or len(destinations) == 0:
            return result
        o = origins[["x", "y"]].to_numpy(dtype="float64")
        d = destinations[["x", "y"]].to_numpy(dtype="float64")
        tree = cKDTree(d)
        _, first = tree.query(o, k=1)
        bound = self.model.pair_minutes(o, d[first])
        found = tree.query_ball_point(o, r=self.model.reach_m(bound + 1e-6))
        rows = np.repeat(np.arange(len(o)), [len(f) for f in found])
        cols = np.concatenate([np.asarray(f, dtype=np.int64) for f in found])
        minutes = self.model.pair_minutes(o[rows], d[cols])
        order = np.lexsort((cols, minutes, rows))
        rows, cols, minutes = rows[order], cols[order], minutes[order]
        first_of = np.r_[True, rows[1:] != rows[:-1]]
        best_rows, best_cols = rows[first_of], cols[first_of]
        ids = np.asarray(destinations.index, dtype=object)
        result.iloc[best_rows, 0] = ids[best_cols]
        result.iloc[best_rows, 1] = minutes[first_of]
        return result
