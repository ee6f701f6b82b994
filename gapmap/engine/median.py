r"""p-median with fixed sites: new sites that cut the total demand-weighted distance the most.

Existing sites stay open (``fixed``).  Each demand point :math:`i` (weight
:math:`w_i`) travels to its nearest open site; with no open site in the cost
table it is charged the cap :math:`D` (``max_cost``).  Its baseline cost is
:math:`b_i = \min(D, \min_{f \in F} c_{if})`, and opening candidate
:math:`j` saves :math:`s_{ij} = w_i (b_i - c_{ij})` where :math:`c_{ij} < b_i`.
Minimising total distance is then the facility-location model

.. math::

   \max \sum_{(i,j)} s_{ij} z_{ij}
   \quad\text{s.t.}\quad
   \sum_j z_{ij} \le 1 \;\forall i,\qquad
   z_{ij} \le x_j \;\forall (i,j),\qquad
   \sum_j x_j \le p,\qquad
   x_j \in \{0, 1\},\; 0 \le z_{ij} \le 1,

and the total distance is :math:`\sum_i w_i b_i` minus the savings.  With no
fixed sites and a cost table listing every pair, this is the classic p-median
(ReVelle and Swain 1970).  Solved exactly with HiGHS (started from the greedy
answer), or greedily with a proven bound from the Lagrangian relaxation of
the assignment rows :math:`\sum_j z_{ij} \le 1` (multipliers
:math:`\lambda_i \ge 0`),

.. math::

   L(\lambda) = \sum_i \lambda_i + \max_{|S| \le p} \sum_{j \in S} \sum_i (s_{ij} - \lambda_i)^+ ,

minimised by subgradient steps from :math:`\lambda = 0` (any
:math:`\lambda \ge 0` gives a valid bound; its minimum equals the LP
relaxation bound), and by the submodularity bound of the greedy steps
(Nemhauser, Wolsey and Fisher 1978).
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse

from gapmap.engine import _milp
from gapmap.engine._site_inputs import (
    check_costs, check_demand, check_p, check_sites, could_beat, positions, proven_optimal,
)
from gapmap.engine.cover import DEFAULT_TIME_LIMIT_S
from gapmap.errors import InputError

#: Limit, in seconds, on the search for the greedy plan's Lagrangian bound (a
#: shorter search gives a valid, only looser, bound).
LAGRANGIAN_TIME_LIMIT_S = 5.0


@dataclass(frozen=True)
class MedianResult:
    """The answer of :func:`p_median`.

    Attributes
    ----------
    sites
        Chosen new sites, largest saving first (each saving counted after the
        fixed sites and the sites before it; ties go to the candidate listed
        first).  Sites that would save nothing are left out.
    cost
        Total demand-weighted distance with the fixed and chosen sites open.
    savings
        Reduction in ``cost`` each chosen site brings, in the order of ``sites``.
    baseline_cost
        Total demand-weighted distance with only the fixed sites open.
    bound
        Proven lower bound on ``cost`` for any choice of up to ``p`` sites.
    gap
        Proven relative optimality gap: (cost - bound) / (baseline_cost -
        bound), the share of the best possible saving that may be missed;
        0.0 when proven optimal.
    method
        ``"exact"`` (HiGHS), ``"greedy"``, or ``"none"`` when there was nothing to choose.
    message
        One sentence on how the answer was reached.
    """

    sites: tuple[Hashable, ...]
    cost: float
    savings: tuple[float, ...]
    baseline_cost: float
    bound: float
    gap: float
    method: str
    message: str


def p_median(
    demand: pd.Series,
    candidates: Sequence[Hashable],
    costs: pd.DataFrame,
    *,
    p: int,
    fixed: Iterable[Hashable] = (),
    max_cost: float | None = None,
    method: Literal["exact", "greedy"] = "exact",
    time_limit: float | None = DEFAULT_TIME_LIMIT_S,
) -> MedianResult:
    """Choose up to ``p`` new sites that minimise the total demand-weighted distance.

    Parameters
    ----------
    demand
        Demand weight indexed by demand id.
    candidates
        Candidate site ids; their order breaks ties.
    costs
        Long table ``origin``, ``dest``, ``cost``, covering the fixed sites too.
    p
        Most new sites to open.
    fixed
        Existing sites, counted as open.
    max_cost
        Cost charged to demand with no open site in ``costs`` (and the most any
        demand is charged); defaults to the largest cost in the table.
    method
        ``"exact"`` (HiGHS, started from the greedy answer) or ``"greedy"``.
    time_limit
        Seconds allowed for the exact solve.

    Returns
    -------
    MedianResult
        Chosen sites, total cost, bound and gap.

    Raises
    ------
    InputError
        If an argument is malformed, ``max_cost`` is negative, or ``method`` is unknown.

    Examples
    --------
    >>> demand = pd.Series({"a": 1.0, "b": 1.0})
    >>> costs = pd.DataFrame({"origin": ["a", "b", "a", "b"], "dest": ["old", "old", "new", "new"],
    ...                       "cost": [9.0, 9.0, 1.0, 3.0]})
    >>> result = p_median(demand, ["new"], costs, p=1, fixed=["old"])
    >>> result.sites, result.cost, result.baseline_cost
    (('new',), 4.0, 18.0)
    """
    weights = check_demand(demand)
    candidate_ids = check_sites(candidates, "candidates")
    fixed_ids = check_sites(fixed, "fixed")
    p = check_p(p)
    costs = check_costs(costs)
    if method not in ("exact", "greedy"):
        raise InputError(f"method must be 'exact' or 'greedy', got {method!r}.")
    cap = float(pd.to_numeric(costs["cost"]).max()) if max_cost is None and len(costs) else float(max_cost or 0.0)
    if not np.isfinite(cap) or cap < 0:
        raise InputError(f"max_cost must be a non-negative number, got {max_cost!r}.")

    w = weights.to_numpy()
    baseline = np.full(len(w), cap)
    rows, _, cost = positions(costs, weights.index, fixed_ids)
    np.minimum.at(baseline, rows, cost)
    fixed_set = set(fixed_ids)
    free = [c for c in candidate_ids if c not in fixed_set]
    rows, cols, cost = positions(costs, weights.index, free)
    keep = (cost < baseline[rows]) & (w[rows] > 0)
    rows, cols = rows[keep], cols[keep]
    saving = w[rows] * (baseline[rows] - cost[keep])
    useful = np.unique(cols)
    cols = np.searchsorted(useful, cols)
    useful_ids = [free[j] for j in useful]
    pairs = _Pairs(rows, cols, saving, len(w), len(useful_ids))
    baseline_cost = float(np.dot(w, baseline))

    def done(chosen: np.ndarray, bound_saving: float, how: str, message: str) -> MedianResult:
        order, gains, _ = pairs.restricted(chosen).greedy(len(chosen))
        saved = float(sum(gains))
        bound_saving = max(bound_saving, saved)
        return MedianResult(
            sites=tuple(useful_ids[chosen[k]] for k in order),
            cost=baseline_cost - saved,
            savings=tuple(gains),
            baseline_cost=baseline_cost,
            bound=baseline_cost - bound_saving,
            gap=0.0 if proven_optimal(saved, bound_saving) else (bound_saving - saved) / bound_saving,
            method=how,
            message=message,
        )

    nothing = np.empty(0, dtype=np.int64)
    if not candidate_ids:
        return done(nothing, 0.0, "none", "No candidate sites were given, so no new site is chosen.")
    if not useful_ids:
        return done(nothing, 0.0, "none", f"None of the {len(free)} candidate sites is nearer to any demand than "
                    "the open sites, so none is chosen.")
    if p == 0:
        return done(nothing, 0.0, "none", "p = 0: no new site is chosen.")
    if p >= len(useful_ids):
        return done(np.arange(len(useful_ids)), 0.0, "exact",
                    f"p = {p} is at least the {len(useful_ids)} candidate sites nearer to some demand than the open "
                    "sites: "
                    "all of them are chosen, which is optimal.")

    order, gains, greedy_bound = pairs.greedy(p)
    keep = could_beat(np.bincount(pairs.cols, weights=pairs.saving, minlength=pairs.n_sites), p, sum(gains))
    kept = f"{len(keep)} of the {len(useful_ids)} candidates could improve on the greedy choice"
    if method == "greedy":  # the bound of the candidates that could improve on it bounds every choice
        bound, stopped = pairs.restricted(keep).lagrangian_bound(p, lower=sum(gains),
                                                                 time_limit=LAGRANGIAN_TIME_LIMIT_S)
        limit = f", its search stopped at the {LAGRANGIAN_TIME_LIMIT_S:g} s limit" if stopped else ""
        return done(np.asarray(order), min(greedy_bound, bound), "greedy",
                    f"Greedy choice of {p} sites; proven bound from a Lagrangian relaxation ({kept}{limit}).")
    if proven_optimal(sum(gains), greedy_bound):
        return done(np.asarray(order), greedy_bound, "exact", "Exact p-median optimum: the greedy choice meets its "
                    "submodularity bound, so no solver was needed.")
    if len(keep) <= p:
        return done(keep, 0.0, "exact", f"Exact p-median optimum: only {kept}, and all of them are chosen.")
    start = [int(j) for j in np.searchsorted(keep, order)]
    outcome = pairs.restricted(keep).solve(p, integer=True, start=start, time_limit=time_limit)
    chosen = keep[outcome.x[: len(keep)] > 0.5]
    if outcome.optimal:
        return done(chosen, 0.0, "exact", f"Exact p-median optimum proven by HiGHS ({outcome.status}; {kept}).")
    return done(chosen, min(outcome.bound, greedy_bound), "exact",
                f"HiGHS stopped ({outcome.status}; {kept}) before proving optimality; the best choice found is kept "
                "with its proven gap.")


@dataclass(frozen=True)
class _Pairs:
    """Demand-site pairs where a site would save distance, with the saving of each."""

    rows: np.ndarray
    cols: np.ndarray
    saving: np.ndarray
    n_demand: int
    n_sites: int

    def restricted(self, chosen: np.ndarray) -> _Pairs:
        """Keep the pairs of the ``chosen`` sites only, renumbered 0..len(chosen)-1."""
        new_col = np.full(self.n_sites, -1)
        new_col[chosen] = np.arange(len(chosen))
        keep = new_col[self.cols] >= 0
        return _Pairs(self.rows[keep], new_col[self.cols[keep]], self.saving[keep], self.n_demand, len(chosen))

    def greedy(self, p: int) -> tuple[list[int], list[float], float]:
        """Open, ``p`` times, the site saving the most given those open (first on ties).

        Returns the chosen sites in order, their savings (zero-saving steps are
        not taken) and the best submodularity bound on the optimal saving.
        """
        best = np.zeros(self.n_demand)  # best saving so far per demand point
        order: list[int] = []
        gains: list[float] = []
        bound = np.inf
        for step in range(p + 1):
            excess = np.maximum(self.saving - best[self.rows], 0.0)
            gain = np.bincount(self.cols, weights=excess, minlength=self.n_sites)
            bound = min(bound, sum(gains) + float(np.sort(gain)[::-1][:p].sum()))
            if step == p or not len(gain) or gain.max() <= 0:
                break
            site = int(np.argmax(gain))
            mine = self.cols == site
            order.append(site)
            gains.append(float(gain[site]))
            np.maximum.at(best, self.rows[mine], self.saving[mine])
        return order, gains, float(bound)

    def lagrangian_bound(
        self, p: int, *, lower: float, iterations: int = 1000, time_limit: float | None = None
    ) -> tuple[float, bool]:
        r"""Smallest :math:`L(\lambda)` found by subgradient steps from :math:`\lambda = 0`.

        Polyak steps towards ``lower`` (a known saving), halved after 20 steps
        without improvement; stops once within 1e-6 of ``lower`` (the gap is
        closed), when the step is negligible, after ``iterations`` steps, or
        once ``time_limit`` seconds have passed.  Returns the bound and whether
        the time limit stopped the search (any :math:`\lambda` gives a valid
        bound, so a stopped search is only less tight).
        """
        deadline = None if time_limit is None else time.perf_counter() + time_limit
        by_site = np.argsort(self.cols, kind="stable")
        starts = np.searchsorted(self.cols[by_site], np.arange(self.n_sites + 1))
        lam = np.zeros(self.n_demand)
        bound, step, stalled = np.inf, 2.0, 0
        for _ in range(iterations):
            excess = np.maximum(self.saving - lam[self.rows], 0.0)
            rho = np.bincount(self.cols, weights=excess, minlength=self.n_sites)
            top = np.argpartition(-rho, p - 1)[:p] if p < self.n_sites else np.arange(self.n_sites)
            top = top[rho[top] > 0]
            value = float(lam.sum() + rho[top].sum())
            if value < bound:
                bound, stalled = value, 0
            else:
                stalled += 1
                if stalled == 20:
                    step, stalled = step / 2, 0
            if bound - lower <= 1e-6 * max(bound, 1.0) or step < 1e-4:
                break
            if deadline is not None and time.perf_counter() > deadline:
                return bound, True
            pairs = np.concatenate([by_site[starts[j] : starts[j + 1]] for j in top]) if len(top) else by_site[:0]
            pairs = pairs[excess[pairs] > 0]
            gradient = 1.0 - np.bincount(self.rows[pairs], minlength=self.n_demand)
            norm = float(np.dot(gradient, gradient))
            if norm == 0:
                break
            lam = np.maximum(lam - step * (value - lower) / norm * gradient, 0.0)
        return bound, False

    def solve(
        self, p: int, *, integer: bool, start: list[int] | None = None, time_limit: float | None = None
    ) -> _milp.MilpOutcome:
        """Build the savings model (columns: x per site, then z per pair) and solve it with HiGHS."""
        n_pairs, n_demand = len(self.rows), self.n_demand
        pair_index = np.arange(n_pairs)
        assign = sparse.csc_array((np.ones(n_pairs), (self.rows, pair_index)), shape=(n_demand, n_pairs))
        link = sparse.csc_array((-np.ones(n_pairs), (pair_index, self.cols)), shape=(n_pairs, self.n_sites))
        matrix = sparse.vstack(
            [
                sparse.hstack([sparse.csc_array((n_demand, self.n_sites)), assign]),
                sparse.hstack([link, sparse.identity(n_pairs, format="csc")]),
                sparse.hstack([np.ones((1, self.n_sites)), sparse.csc_array((1, n_pairs))]),
            ],
            format="csc",
        )
        cost = np.concatenate([np.zeros(self.n_sites), self.saving])
        row_upper = np.concatenate([np.ones(n_demand), np.zeros(n_pairs), [p]])
        mask = np.concatenate([np.full(self.n_sites, integer), np.zeros(n_pairs, dtype=bool)])
        x0 = None
        if start is not None:
            x0 = np.zeros(self.n_sites + n_pairs)
            x0[start] = 1.0
            x0[self.n_sites:] = _assignment(self.rows, self.saving, np.isin(self.cols, start))
        return _milp.maximise(cost, matrix, row_upper, np.ones(self.n_sites + n_pairs), mask,
                              start=x0, time_limit=time_limit)


def _assignment(rows: np.ndarray, saving: np.ndarray, open_pair: np.ndarray) -> np.ndarray:
    """1 for each demand point's best open pair (largest saving, first on ties), else 0."""
    z = np.zeros(len(rows))
    candidates = np.flatnonzero(open_pair)
    if not len(candidates):
        return z
    ranked = candidates[np.lexsort((candidates, -saving[candidates], rows[candidates]))]
    first = np.r_[True, rows[ranked][1:] != rows[ranked][:-1]]
    z[ranked[first]] = 1.0
    return z
