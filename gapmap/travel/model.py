"""Estimated car travel time between points in England from straight-line distance and place.

The model (fitted by :mod:`gapmap.travel.calibrate` on OpenStreetMap-routed car
times, see ``benchmarks/calibrate_travel.py``) is

.. math::

    t(o, d) = f(s) + A(o) + A(d) + s \\, \\bar S(o, d)

where :math:`s` is the straight-line distance in km, :math:`f` a piecewise-linear
function of it (one global curve: slower per km on short trips, faster on long
ones), :math:`A` an *access* surface (minutes to reach the main road network
from a place, positive where it is slow) and :math:`S` a *speed* surface
(minutes per km above or below the curve, high where roads detour or are slow),
averaged along the straight line as :math:`\\bar S`.
Both surfaces live on a coarse grid and are interpolated bilinearly, so the
parameters are a few thousand numbers shipped as package data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any

import numpy as np

#: Package data holding the fitted parameters.
PARAMETERS = "car_time_model.json"

#: Pairs computed at once by :meth:`CarTimeModel.pair_minutes` and :meth:`CarTimeModel.minutes` (bounds memory).
CHUNK_PAIRS = 1_000_000

#: Search radii from :meth:`CarTimeModel.reach_m` stop here (km).
REACH_LIMIT_KM = 1_500.0

#: The fastest a car can cover straight-line distance, km per minute: 70 mph, the national
#: speed limit on motorways, since a road is never shorter than the straight line. Every
#: estimate is at least the straight-line distance at this speed, which also bounds every
#: search radius (the surfaces are fitted on trips up to 60 km and can fall below it far
#: beyond).
LEGAL_KM_PER_MIN = 70 * 1.609344 / 60


def _xy(points: object, name: str) -> np.ndarray:
    array = np.asarray(points, dtype="float64")
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(f"{name} must be an (n, 2) array of British National Grid easting, northing; "
                         f"got shape {array.shape}.")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} has missing or infinite coordinates; give every point an easting and northing.")
    return array


@dataclass(frozen=True)
class Grid:
    """A regular grid of nodes on British National Grid.

    Attributes
    ----------
    x0, y0
        Easting and northing of node (0, 0), metres.
    cell_m
        Node spacing, metres.
    nx, ny
        Nodes along x and y.
    """

    x0: float
    y0: float
    cell_m: float
    nx: int
    ny: int

    def weights(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bilinear interpolation: node indices (k, 4) and weights (k, 4) of each point.

        Points outside the grid take the value at its nearest edge.
        """
        fx = np.clip((np.asarray(x, float) - self.x0) / self.cell_m, 0, self.nx - 1)
        fy = np.clip((np.asarray(y, float) - self.y0) / self.cell_m, 0, self.ny - 1)
        ix = np.minimum(fx.astype(np.int64), self.nx - 2)
        iy = np.minimum(fy.astype(np.int64), self.ny - 2)
        tx, ty = fx - ix, fy - iy
        node = iy * self.nx + ix
        index = np.stack([node, node + 1, node + self.nx, node + self.nx + 1], axis=1)
        weight = np.stack([(1 - tx) * (1 - ty), tx * (1 - ty), (1 - tx) * ty, tx * ty], axis=1)
        return index, weight

    def sample(self, values: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Bilinearly interpolated ``values`` (one per node, row-major) at the points."""
        index, weight = self.weights(x, y)
        return (values[index] * weight).sum(axis=1)


@dataclass(frozen=True)
class CarTimeModel:
    """Estimated car minutes from straight-line distance, an access surface and a speed surface.

    Attributes
    ----------
    knots_km
        Knots of the piecewise-linear distance curve (km).
    coefficients
        Intercept (minutes), slope (minutes per km) and one change of slope per knot.
    grid
        Grid of the surfaces; ``None`` for a model with distance terms only.
    access
        Access surface, minutes per node (row-major), or ``None``.
    speed
        Speed surface, minutes per km per node, or ``None``; a pair's minutes per
        km above the curve is its mean at ``speed_samples`` (fractions of the way
        from origin to destination).
    speed_samples
        Where along the straight line the speed surface is sampled.
    validation
        Held-out error summary (see ``benchmarks/travel_validation.md``):
        ``median_abs_min``, ``p90_abs_min`` overall and per setting.
    """

    knots_km: tuple[float, ...]
    coefficients: tuple[float, ...]
    grid: Grid | None = None
    access: np.ndarray | None = None
    speed: np.ndarray | None = None
    speed_samples: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)
    validation: dict[str, Any] = field(default_factory=dict)

    def curve(self, km: np.ndarray) -> np.ndarray:
        """The distance curve :math:`f(s)`, minutes."""
        km = np.asarray(km, dtype="float64")
        out = self.coefficients[0] + self.coefficients[1] * km
        for knot, change in zip(self.knots_km, self.coefficients[2:]):
            out = out + change * np.maximum(km - knot, 0.0)
        return out

    def _access(self, xy: np.ndarray) -> np.ndarray:
        if self.grid is None or self.access is None:
            return np.zeros(len(xy))
        return self.grid.sample(self.access, xy[:, 0], xy[:, 1])

    def _slowness(self, o: np.ndarray, d: np.ndarray) -> np.ndarray:
        """Mean of the speed surface along each straight line (minutes per km), aligned pairs."""
        if self.grid is None or self.speed is None:
            return np.zeros(len(o))
        total = np.zeros(len(o))
        for f in self.speed_samples:
            point = o + f * (d - o)
            total += self.grid.sample(self.speed, point[:, 0], point[:, 1])
        return total / len(self.speed_samples)

    def pair_minutes(self, origins: object, destinations: object) -> np.ndarray:
        """Estimated car minutes for aligned pairs: row ``k`` of ``origins`` to row ``k`` of ``destinations``."""
        o, d = _xy(origins, "origins"), _xy(destinations, "destinations")
        if len(o) != len(d):
            raise ValueError(f"origins and destinations must have the same number of rows, got {len(o)} and {len(d)}.")
        out = np.empty(len(o))
        for start in range(0, len(o), CHUNK_PAIRS):  # bounds the interpolation's temporaries
            po, pd_ = o[start:start + CHUNK_PAIRS], d[start:start + CHUNK_PAIRS]
            km = np.hypot(*(po - pd_).T) / 1000.0
            fitted = self.curve(km) + self._access(po) + self._access(pd_) + km * self._slowness(po, pd_)
            out[start:start + CHUNK_PAIRS] = np.maximum(fitted, km / LEGAL_KM_PER_MIN)
        return out

    def minutes(self, origins: object, destinations: object) -> np.ndarray:
        """Estimated car minutes for every origin-destination pair.

        Parameters
        ----------
        origins, destinations
            ``(n, 2)`` and ``(m, 2)`` arrays of easting, northing (EPSG:27700 metres).

        Returns
        -------
        numpy.ndarray
            ``(n, m)`` minutes.
        """
        o, d = _xy(origins, "origins"), _xy(destinations, "destinations")
        out = np.empty((len(o), len(d)))
        step = max(1, CHUNK_PAIRS // max(len(d), 1))
        for start in range(0, len(o), step):
            block = o[start:start + step]
            pairs_o = np.repeat(block, len(d), axis=0)
            pairs_d = np.tile(d, (len(block), 1))
            out[start:start + step] = self.pair_minutes(pairs_o, pairs_d).reshape(len(block), len(d))
        return out

    @cached_property
    def _lower_bound(self) -> tuple[np.ndarray, np.ndarray]:
        """Distances (km) and the least minutes any pair at that distance or farther could take."""
        lowest_access = 0.0 if self.access is None else float(self.access.min())
        lowest_speed = 0.0 if self.speed is None else float(self.speed.min())
        km = np.linspace(0.0, REACH_LIMIT_KM, int(REACH_LIMIT_KM * 100) + 1)
        bound = np.maximum(self.curve(km) + 2 * lowest_access + km * lowest_speed, km / LEGAL_KM_PER_MIN)
        return km, np.minimum.accumulate(bound[::-1])[::-1]

    def reach_m(self, minutes: float | np.ndarray) -> float | np.ndarray:
        """Largest straight line (metres) at which any pair could take ``minutes`` or less.

        A safe search radius: every pair farther apart takes longer than
        ``minutes`` whatever the surfaces say.  Capped at
        :data:`REACH_LIMIT_KM` (farther than any two points in Great Britain).

        Examples
        --------
        >>> model = CarTimeModel(knots_km=(), coefficients=(5.0, 1.0))  # 5 min + 1 min per km
        >>> round(model.reach_m(20.0))
        15010
        """
        km, bound = self._lower_bound
        position = np.searchsorted(bound, np.asarray(minutes, dtype="float64"), side="right")
        reach = km[np.minimum(position, len(km) - 1)] * 1000.0
        return float(reach) if np.ndim(reach) == 0 else reach

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready parameters (surfaces rounded to 0.001)."""
        out: dict[str, Any] = {"knots_km": list(self.knots_km),
                               "coefficients": [round(float(c), 6) for c in self.coefficients],
                               "speed_samples": list(self.speed_samples), "validation": self.validation}
        if self.grid is not None:
            out["grid"] = {"x0": self.grid.x0, "y0": self.grid.y0, "cell_m": self.grid.cell_m,
                           "nx": self.grid.nx, "ny": self.grid.ny}
            for name in ("access", "speed"):
                values = getattr(self, name)
                if values is not None:
                    out[name] = [round(float(v), 3) for v in values]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CarTimeModel":
        """Rebuild a model from :meth:`to_dict` output."""
        grid = Grid(**data["grid"]) if "grid" in data else None
        return cls(
            knots_km=tuple(float(k) for k in data["knots_km"]),
            coefficients=tuple(float(c) for c in data["coefficients"]),
            grid=grid,
            access=np.asarray(data["access"], dtype="float64") if "access" in data else None,
            speed=np.asarray(data["speed"], dtype="float64") if "speed" in data else None,
            speed_samples=tuple(float(f) for f in data.get("speed_samples", (0.0, 0.25, 0.5, 0.75, 1.0))),
            validation=dict(data.get("validation", {})),
        )


@lru_cache(maxsize=1)
def default_model() -> CarTimeModel:
    """The fitted model shipped with gapmap (``gapmap/travel/car_time_model.json``)."""
    text = resources.files("gapmap.travel").joinpath(PARAMETERS).read_text(encoding="utf-8")
    return CarTimeModel.from_dict(json.loads(text))


def car_minutes(origins: object, destinations: object) -> np.ndarray:
    """Estimated car minutes between every origin and destination in England.

    The model shipped with gapmap (see :class:`CarTimeModel`), calibrated on
    OpenStreetMap-routed car times without traffic; its held-out error is in
    ``default_model().validation`` and ``benchmarks/travel_validation.md``.

    Parameters
    ----------
    origins, destinations
        ``(n, 2)`` and ``(m, 2)`` arrays of British National Grid (EPSG:27700)
        easting, northing in metres.

    Returns
    -------
    numpy.ndarray
        ``(n_origins, n_destinations)`` estimated car minutes.

    Examples
    --------
    >>> newcastle, durham = [424_900, 564_300], [427_300, 542_300]
    >>> minutes = car_minutes([newcastle], [newcastle, durham])
    >>> minutes.shape
    (1, 2)
    >>> bool(10 < minutes[0, 1] < 40)
    True
    """
    return default_model().minutes(origins, destinations)
