"""Distance-decay weights for floating catchments: small vectorised factories.

Each factory returns a function that maps an array of costs (metres) to an
array of weights, so a catchment of a million pairs is weighted in one call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from gapmap.errors import InputError

#: A distance-decay weight: costs (metres) -> weights, element-wise.
WeightFunction = Callable[[np.ndarray], np.ndarray]


def check_steps(steps: Mapping[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Validate a step mapping and return its bounds and weights, sorted by bound.

    Parameters
    ----------
    steps
        Upper bound of each zone (metres, inclusive) -> weight of that zone.

    Returns
    -------
    bounds, weights : numpy.ndarray
        Ascending bounds and their weights.

    Raises
    ------
    InputError
        If there are no steps, a bound is not a positive finite number, or a
        weight is negative or not finite.
    """
    if not isinstance(steps, Mapping) or not steps:
        raise InputError(f"steps must be a non-empty mapping of upper bound (metres) -> weight, got {steps!r}.")
    bounds = np.asarray(sorted(steps), dtype="float64")
    weights = np.asarray([steps[b] for b in sorted(steps)], dtype="float64")
    if not (np.isfinite(bounds).all() and (bounds > 0).all()):
        raise InputError(f"Every step bound must be a positive finite number of metres, got {sorted(steps)}.")
    if not (np.isfinite(weights).all() and (weights >= 0).all()):
        raise InputError(f"Every step weight must be a finite number >= 0, got {weights.tolist()}.")
    return bounds, weights


def step_weights(steps: Mapping[float, float]) -> WeightFunction:
    """Step distance decay: the weight of the first zone whose upper bound holds the cost.

    Parameters
    ----------
    steps
        Upper bound of each zone (metres, inclusive) -> weight, e.g.
        ``{1500: 1.0, 3000: 0.68, 5000: 0.22}``.

    Returns
    -------
    callable
        Costs -> weights; 0 beyond the largest bound.

    Examples
    --------
    >>> f = step_weights({1500: 1.0, 3000: 0.68, 5000: 0.22})
    >>> f(np.array([0.0, 1500.0, 1500.5, 5000.0, 5001.0])).tolist()
    [1.0, 1.0, 0.68, 0.22, 0.0]
    """
    bounds, weights = check_steps(steps)
    table = np.append(weights, 0.0)

    def weight(costs: np.ndarray) -> np.ndarray:
        return table[np.searchsorted(bounds, np.asarray(costs, dtype="float64"), side="left")]

    return weight


def gaussian(sigma: float) -> WeightFunction:
    """Gaussian distance decay ``exp(-cost**2 / (2 * sigma**2))``, 1 at zero cost.

    This is the same function as PySAL ``access.weights.gaussian``.

    Parameters
    ----------
    sigma
        Width in metres.

    Returns
    -------
    callable
        Costs -> weights in (0, 1].

    Raises
    ------
    InputError
        If ``sigma`` is not a positive finite number.

    Examples
    --------
    >>> round(float(gaussian(1000.0)(np.array([1000.0]))[0]), 4)
    0.6065
    """
    if not (np.isfinite(sigma) and sigma > 0):
        raise InputError(f"The gaussian width sigma must be a positive number of metres, got {sigma!r}.")
    scale = 2.0 * float(sigma) ** 2

    def weight(costs: np.ndarray) -> np.ndarray:
        costs = np.asarray(costs, dtype="float64")
        return np.exp(-(costs * costs) / scale)

    return weight
