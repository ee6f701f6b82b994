"""Checks and index look-ups shared by the site-selection models (:mod:`cover`, :mod:`median`)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from numbers import Integral

import numpy as np
import pandas as pd

from gapmap.errors import InputError, shown

COST_COLUMNS = ("origin", "dest", "cost")


def check_demand(demand: pd.Series) -> pd.Series:
    """Return ``demand`` as floats after checking it is a Series of finite, non-negative weights.

    Raises
    ------
    InputError
        If ``demand`` is not a Series, has duplicate ids, or a weight is
        missing, negative or infinite.
    """
    if not isinstance(demand, pd.Series):
        raise InputError(f"demand must be a pandas Series of weights indexed by id, got {type(demand).__name__}.")
    if demand.index.has_duplicates:
        dupes = demand.index[demand.index.duplicated()].unique()[:5]
        raise InputError(f"demand has duplicate ids: {', '.join(map(str, dupes))}.")
    values = pd.to_numeric(demand, errors="coerce").astype("float64")
    bad = ~np.isfinite(values.to_numpy()) | (values.to_numpy() < 0)
    if bad.any():
        raise InputError(
            f"demand weights must be finite and non-negative; {int(bad.sum())} are not "
            f"(first: {shown(demand.index[bad][0])} = {shown(demand[bad].iloc[0])})."
        )
    return values


def check_sites(sites: Iterable[Hashable], name: str) -> list[Hashable]:
    """Return ``sites`` as a list after checking its ids are unique.

    Raises
    ------
    InputError
        If an id appears twice.
    """
    if isinstance(sites, (str, bytes)):
        raise InputError(f"{name} must be a sequence of site ids, got the single string {sites!r}.")
    listed = list(sites)
    index = pd.Index(listed, dtype=object)
    if index.has_duplicates:
        dupes = index[index.duplicated()].unique()[:5]
        raise InputError(f"{name} has duplicate site ids: {', '.join(map(str, dupes))}.")
    return listed


def check_p(p: int) -> int:
    """Return ``p`` after checking it is a non-negative whole number.

    Raises
    ------
    InputError
        If ``p`` is not an integer or is negative.
    """
    if isinstance(p, bool) or not isinstance(p, Integral) or p < 0:
        raise InputError(f"p (the number of new sites) must be a whole number >= 0, got {p!r}.")
    return int(p)


def check_costs(costs: pd.DataFrame) -> pd.DataFrame:
    """Return ``costs`` after checking it is a long ``origin, dest, cost`` table of non-negative costs.

    Raises
    ------
    InputError
        If a column is missing or a cost is missing or negative.
    """
    if not isinstance(costs, pd.DataFrame):
        raise InputError(f"costs must be a DataFrame with columns origin, dest, cost; got {type(costs).__name__}.")
    missing = [c for c in COST_COLUMNS if c not in costs.columns]
    if missing:
        raise InputError(f"costs lacks the column(s) {', '.join(missing)}; expected origin, dest, cost.")
    cost = pd.to_numeric(costs["cost"], errors="coerce").to_numpy(dtype="float64")
    if len(cost) and not (np.isfinite(cost) & (cost >= 0)).all():
        raise InputError("costs must be finite and non-negative in every row.")
    return costs


def positions(
    costs: pd.DataFrame, demand_ids: pd.Index, site_ids: list[Hashable]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions of each cost row's origin in ``demand_ids`` and destination in ``site_ids``.

    Rows whose origin or destination is not listed are dropped.

    Returns
    -------
    tuple of numpy.ndarray
        Demand positions, site positions and costs, one entry per kept row.
    """
    rows = demand_ids.get_indexer(pd.Index(costs["origin"], dtype=object))
    cols = pd.Index(site_ids, dtype=object).get_indexer(pd.Index(costs["dest"], dtype=object))
    keep = (rows >= 0) & (cols >= 0)
    cost = pd.to_numeric(costs["cost"]).to_numpy(dtype="float64")
    return rows[keep], cols[keep], cost[keep]


#: Relative tolerance within which a value meeting its bound is called optimal.
OPTIMALITY_TOLERANCE = 1e-9


def proven_optimal(value: float, bound: float) -> bool:
    """Whether ``value`` (a gain to maximise) meets the proven upper ``bound`` within :data:`OPTIMALITY_TOLERANCE`.

    Examples
    --------
    >>> proven_optimal(10.0, 10.0 + 1e-12), proven_optimal(9.0, 10.0)
    (True, False)
    """
    return bound - value <= OPTIMALITY_TOLERANCE * bound


def could_beat(solo_gains: np.ndarray, p: int, value: float) -> np.ndarray:
    """Positions of the sites that could be part of a choice of ``p`` sites worth more than ``value``.

    Gains are submodular, so a choice holding site :math:`j` is worth at most
    :math:`g_j` (its gain alone) plus the ``p - 1`` largest solo gains.
    Sites where that falls short of ``value`` (the greedy answer) can be left
    out of the exact model without losing an optimum.

    Examples
    --------
    >>> could_beat(np.array([5.0, 4.0, 1.0, 0.5]), 2, 8.0).tolist()
    [0, 1]
    """
    others = float(np.sort(solo_gains)[::-1][: max(p - 1, 0)].sum())  # the p - 1 largest, j's own possibly among them
    return np.flatnonzero(solo_gains + others >= value * (1 - OPTIMALITY_TOLERANCE))
