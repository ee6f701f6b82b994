"""Two-step floating catchment area (2SFCA) place-to-child ratios, vectorised.

For demand ``d_i`` at origins, places ``s_j`` at sites and pairs ``(i, j)`` with
cost ``c_ij`` within the catchment ``c_ij <= max_cost`` and weight
``w_ij = f(c_ij)`` (1 for plain 2SFCA):

* step 1, each site's ratio of places to the demand in its catchment:
  ``R_j = s_j / sum_i w_ij d_i``;
* step 2, each origin's score: ``A_i = sum_j w_ij R_j``.

The weight applies in both steps (Luo and Qi 2009, enhanced 2SFCA).  An origin
with no site in its catchment scores NaN (not 0).  A site whose catchment holds
no demand serves no child: its ``R_j`` is 0.  Hence
``sum_i d_i A_i == sum of s_j over sites that some demand can reach``.

The arithmetic is two ``numpy.bincount`` passes over the pairs: no Python loop
over pairs, and the results equal PySAL ``access`` (``two_stage_fca``,
``enhanced_two_stage_fca``) on the same inputs.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from gapmap.engine.weights import WeightFunction, check_steps, step_weights
from gapmap.errors import InputError, shown

COST_COLUMNS = ("origin", "dest", "cost")


def _check_values(values: pd.Series, name: str) -> np.ndarray:
    if not isinstance(values, pd.Series):
        raise InputError(f"{name} must be a pandas Series indexed by id, got {type(values).__name__}.")
    if not values.index.is_unique:
        dupes = values.index[values.index.duplicated()].unique()[:5]
        raise InputError(f"{name} has duplicate ids: {', '.join(map(str, dupes))}.")
    array = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    bad = ~(np.isfinite(array) & (array >= 0))
    if bad.any():
        raise InputError(
            f"{name} must be finite numbers >= 0; {bad.sum()} are not (first: id {shown(values.index[bad][0])} = "
            f"{shown(values.iloc[np.flatnonzero(bad)[0]])})."
        )
    return array


def _check_costs(costs: pd.DataFrame) -> np.ndarray:
    if not isinstance(costs, pd.DataFrame):
        raise InputError(f"costs must be a DataFrame with columns origin, dest, cost; got {type(costs).__name__}.")
    missing = [c for c in COST_COLUMNS if c not in costs.columns]
    if missing:
        raise InputError(f"costs lacks the column(s) {', '.join(missing)}; expected origin, dest, cost.")
    column = costs["cost"]
    if column.dtype == np.float64:
        cost = column.to_numpy()
    else:
        cost = pd.to_numeric(column, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    bad = ~(cost >= 0)
    if bad.any():
        raise InputError(f"costs must be numbers >= 0; {bad.sum()} are not (first at row {np.flatnonzero(bad)[0]}).")
    return cost


def positions_in(index: pd.Index, values: pd.Series) -> np.ndarray:
    """Position in ``index`` of each value (-1 where absent); fast for categorical columns.

    Examples
    --------
    >>> positions_in(pd.Index(["a", "b"]), pd.Series(["b", "c", "a"], dtype="category")).tolist()
    [1, -1, 0]
    """
    index = pd.Index(index, dtype=object)  # hashing Python objects beats converting to a string array
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = pd.Index(values.cat.categories, dtype=object)
        codes = values.cat.codes.to_numpy()
        if len(categories) == len(index) and np.array_equal(categories.to_numpy(), index.to_numpy()):
            return codes.astype(np.intp, copy=False)  # the usual case (cost tables built on the same ids): no hashing
        lookup = np.append(index.get_indexer(categories), -1)
        return lookup[codes]
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    return np.append(index.get_indexer(pd.Index(uniques, dtype=object)), -1)[codes]


def _inside(origin: np.ndarray, dest: np.ndarray, cost: np.ndarray,
            max_cost: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs within ``max_cost`` whose origin and destination are known (no copy when all are)."""
    keep = (cost <= max_cost) & (origin >= 0) & (dest >= 0)
    if keep.all():
        return origin, dest, cost
    return origin[keep], dest[keep], cost[keep]


def catchment_scores(
    demand: np.ndarray,
    supply: np.ndarray,
    origin: np.ndarray,
    dest: np.ndarray,
    weight: np.ndarray | float,
) -> tuple[np.ndarray, np.ndarray]:
    """The 2SFCA arithmetic on positions: site ratios and origin scores.

    Parameters
    ----------
    demand, supply
        Demand per origin position and places per site position.
    origin, dest
        Positions of each pair inside the catchment.
    weight
        Weight of each pair (or one weight for all).

    Returns
    -------
    site_ratio : numpy.ndarray
        ``R_j`` per site: places per weighted demand in the catchment; 0 where
        the catchment holds no demand.
    score : numpy.ndarray
        ``A_i`` per origin; NaN where no pair starts at the origin.
    """
    unweighted = np.isscalar(weight) and weight == 1.0
    pair_demand = demand[origin] if unweighted else weight * demand[origin]
    weighted_demand = np.bincount(dest, weights=pair_demand, minlength=len(supply)).astype("float64")
    site_ratio = np.divide(supply, weighted_demand, out=np.zeros(len(supply)), where=weighted_demand > 0)
    pair_ratio = site_ratio[dest] if unweighted else weight * site_ratio[dest]
    score = np.bincount(origin, weights=pair_ratio, minlength=len(demand)).astype("float64")
    reached = np.zeros(len(demand), dtype=bool)
    reached[origin] = True
    score[~reached] = np.nan
    return site_ratio, score


def two_step_fca(
    demand: pd.Series,
    supply: pd.Series,
    costs: pd.DataFrame,
    *,
    max_cost: float,
    weight: WeightFunction | None = None,
) -> pd.Series:
    """Two-step floating catchment area ratio (places per child) for each demand location.

    Parameters
    ----------
    demand
        Children (or estimated children in need) indexed by origin id.
    supply
        Places indexed by site id.
    costs
        Long cost table with columns ``origin``, ``dest``, ``cost`` (metres).
        Pairs whose origin is not in ``demand`` or whose destination is not in
        ``supply`` are ignored.
    max_cost
        Catchment size in metres; a pair with ``cost == max_cost`` is inside.
    weight
        Optional distance decay, costs -> weights (see
        :mod:`gapmap.engine.weights`), applied in both steps.

    Returns
    -------
    pandas.Series
        Score per demand id (``demand``'s index and order), NaN where no site is
        within ``max_cost``.

    Raises
    ------
    InputError
        If an id is duplicated, a demand, place or cost value is negative or
        missing, or ``costs`` lacks a column.

    Examples
    --------
    Two areas of 10 and 30 children share one site of 20 places:

    >>> demand = pd.Series({"a": 10.0, "b": 30.0})
    >>> supply = pd.Series({"s": 20.0})
    >>> costs = pd.DataFrame({"origin": ["a", "b"], "dest": ["s", "s"], "cost": [100.0, 900.0]})
    >>> two_step_fca(demand, supply, costs, max_cost=1000).tolist()
    [0.5, 0.5]
    >>> two_step_fca(demand, supply, costs, max_cost=500).tolist()
    [2.0, nan]
    """
    demand_values = _check_values(demand, "demand")
    supply_values = _check_values(supply, "supply")
    cost = _check_costs(costs)
    if not (max_cost >= 0):
        raise InputError(f"max_cost must be a number of metres >= 0, got {max_cost!r}.")
    origin = positions_in(demand.index, costs["origin"])
    dest = positions_in(supply.index, costs["dest"])
    origin, dest, cost = _inside(origin, dest, cost, max_cost)
    pair_weight = 1.0 if weight is None else np.asarray(weight(cost), dtype="float64")
    _, score = catchment_scores(demand_values, supply_values, origin, dest, pair_weight)
    return pd.Series(score, index=demand.index, name="2sfca")


def enhanced_two_step_fca(
    demand: pd.Series,
    supply: pd.Series,
    costs: pd.DataFrame,
    *,
    steps: Mapping[float, float],
) -> pd.Series:
    """Enhanced 2SFCA (Luo and Qi 2009): step distance-decay weights in both steps.

    Parameters
    ----------
    demand
        Children (or estimated children in need) indexed by origin id.
    supply
        Places indexed by site id.
    costs
        Long cost table with columns ``origin``, ``dest``, ``cost`` (metres).
    steps
        Upper bound of each zone (metres, inclusive) -> weight, e.g.
        ``{1500: 1.0, 3000: 0.68, 5000: 0.22}``; the largest bound is the catchment.

    Returns
    -------
    pandas.Series
        Score per demand id, NaN where no site lies within the largest bound.

    Raises
    ------
    InputError
        As :func:`two_step_fca`, or if ``steps`` is empty or has a bad bound or weight.

    Examples
    --------
    >>> demand = pd.Series({"a": 10.0, "b": 30.0})
    >>> supply = pd.Series({"s": 20.0})
    >>> costs = pd.DataFrame({"origin": ["a", "b"], "dest": ["s", "s"], "cost": [100.0, 900.0]})
    >>> enhanced_two_step_fca(demand, supply, costs, steps={500: 1.0, 1000: 0.5}).round(4).tolist()
    [0.8, 0.4]
    """
    bounds, _ = check_steps(steps)
    scores = two_step_fca(demand, supply, costs, max_cost=float(bounds[-1]), weight=step_weights(steps))
    return scores.rename("e2sfca")
