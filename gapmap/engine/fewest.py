r"""Fewest new sites that bring a target amount of demand within reach in every group (partial set covering).

Demand points :math:`i` (weights :math:`w_i`) belong to groups :math:`g` (LAs)
with targets :math:`T_g`; existing sites stay open and cover :math:`F_g` of
group :math:`g`.  With coverage sets :math:`N_i` as in
:mod:`gapmap.engine.cover` (a cost equal to the radius counts as covered),
the model is

.. math::

   \min \sum_j x_j
   \quad\text{s.t.}\quad
   \sum_{i \in g} w_i y_i \ge T_g - F_g \;\forall g,\qquad
   y_i \le \sum_{j \in N_i} x_j \;\forall i,\qquad
   x_j \in \{0, 1\},\; 0 \le y_i \le 1 .

A target no choice of candidates can meet is lowered to the most the
candidates can reach (and reported as not reached).  Solved with HiGHS,
keeping the greedy answer when a solve stopped by its time limit found none
better; the proven lower bound on the number of sites is reported.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from gapmap.engine import _milp
from gapmap.engine._site_inputs import check_costs, check_demand, check_sites, positions
from gapmap.engine.cover import DEFAULT_TIME_LIMIT_S
from gapmap.errors import InputError

#: Demand (children) by which a group may fall short of its target and still count as reaching it.
TOLERANCE = 1e-6


@dataclass(frozen=True)
class FewestResult:
    """The answer of :func:`fewest_sites`.

    Attributes
    ----------
    sites
        Chosen new sites, in candidate order.
    covered
        Demand within reach per group with the existing and chosen sites open.
    fixed_covered
        Demand within reach of the existing sites alone, per group.
    best_possible
        Demand within reach per group if every candidate were opened.
    reached
        Per group, whether ``covered`` reaches its target (a target out of
        reach of every candidate is replaced by ``best_possible``).
    lower_bound
        Proven fewest sites (``len(sites)`` when proven optimal).
    message
        One sentence on how the answer was reached.
    """

    sites: tuple[Hashable, ...]
    covered: pd.Series
    fixed_covered: pd.Series
    best_possible: pd.Series
    reached: pd.Series
    lower_bound: int
    message: str

    @property
    def optimal(self) -> bool:
        """Whether the number of sites is proven the fewest."""
        return self.lower_bound >= len(self.sites)


def fewest_sites(
    demand: pd.Series,
    candidates: Sequence[Hashable],
    costs: pd.DataFrame,
    *,
    radius: float,
    targets: Mapping[Hashable, float],
    groups: pd.Series | None = None,
    fixed: Iterable[Hashable] = (),
    time_limit: float | None = DEFAULT_TIME_LIMIT_S,
) -> FewestResult:
    """Choose the fewest new sites that bring each group's target demand within ``radius``.

    Parameters
    ----------
    demand
        Demand weight indexed by demand id.
    candidates
        Candidate site ids.
    costs
        Long table ``origin``, ``dest``, ``cost`` (fixed sites' pairs included).
    radius
        Largest cost at which a site covers a demand point (inclusive).
    targets
        Group -> demand to bring within reach, existing sites' coverage included.
    groups
        Group of each demand id (same index as ``demand``); default one group
        ``"all"`` for every demand point.
    fixed
        Existing sites, counted as open.
    time_limit
        Seconds allowed for the exact solve.

    Returns
    -------
    FewestResult

    Raises
    ------
    InputError
        If a target is not a non-negative number, a demand id has no group or
        a group no target, or another argument is malformed.

    Examples
    --------
    >>> demand = pd.Series({"a": 10.0, "b": 5.0, "c": 1.0})
    >>> costs = pd.DataFrame({"origin": ["a", "b", "c", "c"], "dest": ["s1", "s2", "s2", "s3"],
    ...                       "cost": [1.0, 1.0, 1.0, 1.0]})
    >>> result = fewest_sites(demand, ["s1", "s2", "s3"], costs, radius=2.0, targets={"all": 15.0})
    >>> result.sites, float(result.covered["all"]), result.optimal
    (('s1', 's2'), 16.0, True)
    """
    weights = check_demand(demand)
    candidate_ids = check_sites(candidates, "candidates")
    fixed_ids = check_sites(fixed, "fixed")
    costs = check_costs(costs)
    if not np.isfinite(radius) or radius < 0:
        raise InputError(f"radius must be a non-negative number, got {radius!r}.")
    group = (pd.Series("all", index=weights.index, dtype=object) if groups is None
             else pd.Series(groups, dtype=object).reindex(weights.index))
    names = list(targets)
    if group.isna().any() or not group.isin(names).all():
        raise InputError("Every demand id needs a group, and every group a target.")
    goal = pd.Series({g: float(t) for g, t in targets.items()}, dtype="float64")
    if not (np.isfinite(goal.to_numpy()) & (goal.to_numpy() >= 0)).all():
        raise InputError(f"Targets must be non-negative numbers, got {dict(targets)!r}.")

    within = costs[pd.to_numeric(costs["cost"]) <= radius]
    w_all = weights.to_numpy()
    g_all = pd.Index(names, dtype=object).get_indexer(pd.Index(group.to_numpy(), dtype=object))
    rows, _, _ = positions(within, weights.index, fixed_ids)
    done = np.zeros(len(w_all), dtype=bool)
    done[rows] = True
    fixed_covered = np.bincount(g_all[done], weights=w_all[done], minlength=len(names))
    fixed_set = set(fixed_ids)
    free = [c for c in candidate_ids if c not in fixed_set]
    open_rows = np.flatnonzero(~done & (w_all > 0))
    rows, cols, _ = positions(within, weights.index[open_rows], free)
    coverage = sparse.csc_array((np.ones(len(rows)), (rows, cols)), shape=(len(open_rows), len(free)))
    coverage.sum_duplicates()
    coverage.data[:] = 1.0
    reachable = np.asarray(coverage.sum(axis=1)).ravel() > 0
    useful = np.flatnonzero(np.asarray(coverage.sum(axis=0)).ravel() > 0)
    coverage = sparse.csc_array(coverage[reachable][:, useful])
    w, g = w_all[open_rows][reachable], g_all[open_rows][reachable]
    coverage, w, g = _merge_rows(coverage, w, g)
    kept = _undominated(coverage)
    coverage, useful = sparse.csc_array(coverage[:, kept]), useful[kept]
    best = fixed_covered + np.bincount(g, weights=w, minlength=len(names))
    aim = np.minimum(goal.to_numpy(), best)
    need = np.maximum(aim - fixed_covered - TOLERANCE, 0.0)

    def group_cover(columns: np.ndarray) -> np.ndarray:
        hit = np.asarray(coverage[:, columns].sum(axis=1)).ravel() > 0 if len(columns) else np.zeros(len(w), bool)
        return np.bincount(g[hit], weights=w[hit], minlength=len(names))

    greedy = _greedy(coverage, w, g, need)
    if not need.any():
        chosen, lower, message = greedy, 0, "The existing sites already reach every target: no new site is needed."
    else:
        everything = goal.to_numpy() >= best - TOLERANCE  # groups whose every coverable child must be reached
        outcome = _solve(coverage, w, g, need, everything[g], most=len(greedy), time_limit=time_limit)
        chosen = np.flatnonzero(outcome.x[: len(useful)] > 0.5)
        proven = -outcome.bound  # HiGHS's bound on the maximum of -(sites); infinite when it proved nothing
        lower = max(int(np.ceil(proven - 1e-6)), 1) if np.isfinite(proven) else 1
        message = (f"HiGHS proved {len(chosen)} new sites the fewest ({outcome.status})." if outcome.optimal else
                   f"HiGHS stopped ({outcome.status}) with {len(chosen)} new sites; at least {lower} are proven "
                   "needed.")
        if not outcome.optimal and (len(chosen) > len(greedy) or (group_cover(chosen) < need).any()):
            chosen, message = greedy, message + f" The greedy answer ({len(greedy)} sites) is kept."
    covered = fixed_covered + group_cover(chosen)
    index = pd.Index(names, dtype=object)
    return FewestResult(
        sites=tuple(free[useful[j]] for j in sorted(chosen)),
        covered=pd.Series(covered, index=index),
        fixed_covered=pd.Series(fixed_covered, index=index),
        best_possible=pd.Series(best, index=index),
        reached=pd.Series(covered >= goal.to_numpy() - 2 * TOLERANCE, index=index),
        lower_bound=min(lower, len(chosen)),
        message=message,
    )


def _merge_rows(coverage: sparse.csc_array, w: np.ndarray, g: np.ndarray
                ) -> tuple[sparse.csc_array, np.ndarray, np.ndarray]:
    """Merge demand points of one group covered by exactly the same candidates (their weights add up)."""
    csr = sparse.csr_array(coverage)
    csr.sort_indices()
    label = np.empty(csr.shape[0], dtype=np.int64)
    first: dict[tuple[int, bytes], int] = {}
    for i in range(csr.shape[0]):
        key = (int(g[i]), csr.indices[csr.indptr[i]:csr.indptr[i + 1]].tobytes())
        label[i] = first.setdefault(key, len(first))
    starts = np.unique(label, return_index=True)[1]  # the first row of each label, in label order
    merged_w = np.bincount(label, weights=w, minlength=len(first))
    return sparse.csc_array(csr[starts]), merged_w, g[starts]


def _undominated(coverage: sparse.csc_array) -> np.ndarray:
    """Columns whose coverage no other column contains (of equal ones, the first): a fewest-sites
    answer never needs the others, since swapping one for the column containing it keeps it feasible."""
    cover = sparse.csc_array(coverage, dtype=np.float64)
    size = np.asarray(cover.sum(axis=0)).ravel()
    overlap = sparse.csr_array(cover.T @ cover)
    overlap.setdiag(0)
    overlap.eliminate_zeros()
    rows = np.repeat(np.arange(overlap.shape[0]), np.diff(overlap.indptr))
    cols = overlap.indices
    contained = overlap.data >= size[rows] - 0.5  # column `rows` lies inside column `cols`
    bigger = (size[cols] > size[rows] + 0.5) | (cols < rows)
    dominated = np.unique(rows[contained & bigger])
    return np.setdiff1d(np.arange(coverage.shape[1]), dominated)


def _greedy(coverage: sparse.csc_array, w: np.ndarray, g: np.ndarray, need: np.ndarray) -> np.ndarray:
    """Open, while some group is short, the column adding the most still-needed weight (first on ties)."""
    rows_by_col = sparse.csr_array(coverage.T)
    uncovered = np.ones(len(w), dtype=bool)
    short = need.copy()
    chosen: list[int] = []
    while (short > 0).any():
        useful_w = np.where(uncovered & (short[g] > 0), w, 0.0)
        gain = rows_by_col @ useful_w
        if not len(gain) or gain.max() <= 0:
            break
        best = int(np.argmax(gain))
        rows = coverage.indices[coverage.indptr[best] : coverage.indptr[best + 1]]
        newly = rows[uncovered[rows]]
        short -= np.bincount(g[newly], weights=w[newly], minlength=len(short))
        uncovered[newly] = False
        chosen.append(best)
    return np.asarray(sorted(chosen), dtype=np.int64)


def _solve(coverage: sparse.csc_array, w: np.ndarray, g: np.ndarray, need: np.ndarray, must: np.ndarray, *,
           most: int, time_limit: float | None) -> _milp.MilpOutcome:
    r"""Build the model (columns: x per candidate, then y per demand point) and solve it with HiGHS.

    Demand points flagged in ``must`` (those of groups that must reach every
    coverable child) get the plain covering row :math:`\sum_{j \in N_i} x_j \ge 1`
    instead of counting towards their group's target: a target equal to the
    whole coverable demand leaves no slack, and HiGHS 1.16 then declared
    feasible models infeasible.  The greedy answer's size ``most`` enters as
    the valid row :math:`\sum_j x_j \le` ``most``, which prunes the search;
    the greedy answer itself is not passed as a start: HiGHS 1.16 was seen to
    return such a start as "Optimal" when a solution with one site fewer existed.
    """
    n_demand, n_sites = coverage.shape
    counted = ~must
    groups = sparse.csc_array((-w[counted], (g[counted], np.flatnonzero(counted))), shape=(len(need), n_demand))
    covering = sparse.csc_array(-coverage[np.flatnonzero(must)])
    matrix = sparse.vstack(
        [
            sparse.hstack([-coverage, sparse.identity(n_demand, format="csc")]),
            sparse.hstack([sparse.csc_array((len(need), n_sites)), groups]),
            sparse.hstack([covering, sparse.csc_array((covering.shape[0], n_demand))]),
            sparse.hstack([np.ones((1, n_sites)), sparse.csc_array((1, n_demand))]),
        ],
        format="csc",
    )
    group_need = np.where(np.bincount(g[must], minlength=len(need)) > 0, 0.0, need)
    cost = np.concatenate([-np.ones(n_sites), np.zeros(n_demand)])
    row_upper = np.concatenate([np.zeros(n_demand), -group_need, -np.ones(covering.shape[0]), [most]])
    mask = np.concatenate([np.ones(n_sites, dtype=bool), np.zeros(n_demand, dtype=bool)])
    return _milp.maximise(cost, matrix, row_upper, np.ones(n_sites + n_demand), mask, time_limit=time_limit)
