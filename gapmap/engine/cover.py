r"""Maximal covering location problem (MCLP): new sites that bring the most demand within reach.

Existing sites stay open (``fixed``); demand they already cover is counted
but plays no part in the choice.  For the rest, with demand weights
:math:`w_i`, candidate sites :math:`j` and coverage sets
:math:`N_i = \{j : c_{ij} \le r\}` (a cost equal to the radius counts as
covered), the model (Church and ReVelle 1974) is

.. math::

   \max \sum_i w_i y_i
   \quad\text{s.t.}\quad
   y_i \le \sum_{j \in N_i} x_j \;\forall i,\qquad
   \sum_j x_j \le p,\qquad
   x_j \in \{0, 1\},\; 0 \le y_i \le 1 .

It is solved exactly with HiGHS (started from the greedy answer), or by the
greedy heuristic alone, which reports a proven bound: the smaller of the LP
relaxation and the submodularity bound
:math:`f(S_k) + \sum_{\text{top } p} \Delta_j(S_k)` over its steps
(Nemhauser, Wolsey and Fisher 1978).
"""

from __future__ import annotations

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
from gapmap.errors import InputError

#: Default limit, in seconds, on one exact solve (it then returns its best answer and proven gap).
DEFAULT_TIME_LIMIT_S = 60.0


@dataclass(frozen=True)
class CoverResult:
    """The answer of :func:`max_cover`.

    Attributes
    ----------
    sites
        Chosen new sites, most valuable first: each adds the most demand not
        covered by the fixed sites and the sites before it (ties go to the
        candidate listed first).  Sites that would add nothing are left out,
        so there may be fewer than ``p``.
    covered
        Demand weight within the radius of an open site, fixed sites included.
    gains
        Weight each chosen site adds, in the order of ``sites``.
    fixed_covered
        Weight already covered by the fixed sites.
    bound
        Proven upper bound on ``covered`` for any choice of up to ``p`` sites.
    gap
        Proven relative optimality gap of the choice: (bound - covered) /
        (bound - fixed_covered), the share of the best possible *added*
        coverage that may be missed; 0.0 when proven optimal.
    method
        ``"exact"`` (HiGHS), ``"greedy"``, or ``"none"`` when there was nothing to choose.
    message
        One sentence on how the answer was reached, for the output notes.
    """

    sites: tuple[Hashable, ...]
    covered: float
    gains: tuple[float, ...]
    fixed_covered: float
    bound: float
    gap: float
    method: str
    message: str


def max_cover(
    demand: pd.Series,
    candidates: Sequence[Hashable],
    costs: pd.DataFrame,
    *,
    radius: float,
    p: int,
    fixed: Iterable[Hashable] = (),
    method: Literal["exact", "greedy"] = "exact",
    time_limit: float | None = DEFAULT_TIME_LIMIT_S,
) -> CoverResult:
    """Choose up to ``p`` new sites that cover the most demand within ``radius``.

    Parameters
    ----------
    demand
        Demand weight (e.g. children) indexed by demand id.
    candidates
        Candidate site ids; their order breaks ties.  A candidate that is also
        fixed is already open and is not chosen again.
    costs
        Long table ``origin`` (demand id), ``dest`` (site id), ``cost``; pairs
        not listed are out of reach.  It must list the fixed sites' pairs too.
    radius
        Largest cost at which a site covers a demand point (inclusive).
    p
        Most new sites to open.
    fixed
        Existing sites, counted as open.
    method
        ``"exact"``: HiGHS branch and bound, started from the greedy answer;
        ``"greedy"``: the greedy heuristic with its proven bound.
    time_limit
        Seconds allowed for the exact solve; if reached, the best answer found
        is returned with its proven gap.

    Returns
    -------
    CoverResult
        Chosen sites, covered weight, bound and gap.  With no candidates, no
        unserved demand, no candidate in reach of it, or ``p`` at least the
        number of useful candidates, the answer is exact and ``message`` says why.

    Raises
    ------
    InputError
        If an argument is malformed (see :mod:`gapmap.engine._site_inputs`),
        ``radius`` is not a non-negative number, or ``method`` is unknown.

    Examples
    --------
    >>> demand = pd.Series({"a": 10.0, "b": 5.0, "c": 1.0})
    >>> costs = pd.DataFrame({"origin": ["a", "b", "c", "c"], "dest": ["s1", "s2", "s2", "s3"],
    ...                       "cost": [1.0, 1.0, 1.0, 1.0]})
    >>> result = max_cover(demand, ["s1", "s2", "s3"], costs, radius=2.0, p=2)
    >>> result.sites, result.covered, result.gap
    (('s1', 's2'), 16.0, 0.0)
    """
    weights = check_demand(demand)
    candidate_ids = check_sites(candidates, "candidates")
    fixed_ids = check_sites(fixed, "fixed")
    p = check_p(p)
    costs = check_costs(costs)
    if not np.isfinite(radius) or radius < 0:
        raise InputError(f"radius must be a non-negative number, got {radius!r}.")
    if method not in ("exact", "greedy"):
        raise InputError(f"method must be 'exact' or 'greedy', got {method!r}.")

    within = costs[pd.to_numeric(costs["cost"]) <= radius]
    rows, _, _ = positions(within, weights.index, fixed_ids)
    open_demand = np.ones(len(weights), dtype=bool)
    open_demand[rows] = False
    w_all = weights.to_numpy()
    fixed_covered = float(w_all[~open_demand].sum())
    open_demand &= w_all > 0
    fixed_set = set(fixed_ids)
    free = [c for c in candidate_ids if c not in fixed_set]
    rows, cols, _ = positions(within, weights.index[open_demand], free)
    w = w_all[open_demand]
    coverage = sparse.csc_array((np.ones(len(rows)), (rows, cols)), shape=(len(w), len(free)))
    coverage.sum_duplicates()
    coverage.data[:] = 1.0
    useful = np.flatnonzero(np.asarray(coverage.sum(axis=0)).ravel() > 0)
    coverage = coverage[:, useful]
    useful_ids = [free[j] for j in useful]

    def done(chosen: np.ndarray, bound_added: float, how: str, message: str) -> CoverResult:
        order, gains = _greedy(coverage[:, chosen], w, len(chosen))[:2]
        added = float(sum(gains))
        bound_added = max(bound_added, added)
        gap = 0.0 if proven_optimal(added, bound_added) else (bound_added - added) / bound_added
        return CoverResult(
            sites=tuple(useful_ids[chosen[k]] for k in order),
            covered=fixed_covered + added,
            gains=tuple(gains),
            fixed_covered=fixed_covered,
            bound=fixed_covered + bound_added,
            gap=gap,
            method=how,
            message=message,
        )

    nothing = np.empty(0, dtype=np.int64)
    if not candidate_ids:
        return done(nothing, 0.0, "none", "No candidate sites were given, so no new site is chosen.")
    if not w.sum() > 0:
        return done(nothing, 0.0, "none",
                    "There is no unserved demand: the fixed sites already cover every demand point with weight.")
    if not useful_ids:
        return done(nothing, 0.0, "none",
                    f"None of the {len(free)} candidate sites lies within reach of unserved demand, so none is chosen.")
    if p == 0:
        return done(nothing, 0.0, "none", "p = 0: no new site is chosen.")
    if p >= len(useful_ids):
        return done(np.arange(len(useful_ids)), 0.0, "exact",
                    f"p = {p} is at least the {len(useful_ids)} candidate sites within reach of unserved demand: "
                    "all of them are chosen, which is optimal.")

    order, gains, greedy_bound = _greedy(coverage, w, p)
    greedy_x = np.zeros(len(useful_ids))
    greedy_x[order] = 1.0
    if method == "greedy":
        lp = _solve(coverage, w, p, integer=False)
        bound = min(greedy_bound, lp.bound)
        return done(np.asarray(order), bound, "greedy",
                    f"Greedy choice of {p} sites; proven bound from the LP relaxation and submodularity.")
    if proven_optimal(sum(gains), greedy_bound):
        return done(np.asarray(order), greedy_bound, "exact",
                    "Exact MCLP optimum: the greedy choice meets its submodularity bound, so no solver was needed.")
    keep = could_beat(np.asarray(coverage.T @ w), p, sum(gains))
    kept = f"{len(keep)} of the {len(useful_ids)} candidates could improve on the greedy choice"
    if len(keep) <= p:
        return done(keep, 0.0, "exact", f"Exact MCLP optimum: only {kept}, and all of them are chosen.")
    model = coverage[:, keep]
    rows = np.flatnonzero(np.diff(sparse.csr_array(model).indptr) > 0)
    relaxed = _solve(model[rows], w[rows], p, integer=False)
    if proven_optimal(sum(gains), relaxed.bound):
        return done(np.asarray(order), relaxed.bound, "exact", "Exact MCLP optimum: the greedy choice meets the LP "
                    f"relaxation's bound ({kept}), so no branch and bound was needed.")
    outcome = _solve(model[rows], w[rows], p, integer=True, start=greedy_x[keep], time_limit=time_limit)
    chosen = keep[outcome.x[: len(keep)] > 0.5]
    if outcome.optimal:
        return done(chosen, 0.0, "exact", f"Exact MCLP optimum proven by HiGHS ({outcome.status}; {kept}).")
    return done(chosen, min(outcome.bound, greedy_bound), "exact",
                f"HiGHS stopped ({outcome.status}; {kept}) before proving optimality; the best choice found is kept "
                "with its proven gap.")


def _greedy(coverage: sparse.csc_array, w: np.ndarray, p: int) -> tuple[list[int], list[float], float]:
    """Greedy MCLP: ``p`` times, open the column adding the most uncovered weight (first on ties).

    Returns the chosen columns in order, their gains (zero-gain steps are not
    taken) and the best submodularity bound on the optimum seen on the way.
    """
    rows_by_col = sparse.csr_array(coverage.T)
    uncovered = np.ones(len(w), dtype=bool)
    order: list[int] = []
    gains: list[float] = []
    bound = np.inf
    for step in range(p + 1):
        gain = rows_by_col @ np.where(uncovered, w, 0.0)
        top = np.sort(gain)[::-1][:p].sum() if len(gain) else 0.0
        bound = min(bound, sum(gains) + float(top))
        if step == p:
            break
        best = int(np.argmax(gain)) if len(gain) else 0
        if not len(gain) or gain[best] <= 0:
            break
        covered_rows = coverage.indices[coverage.indptr[best] : coverage.indptr[best + 1]]
        newly = covered_rows[uncovered[covered_rows]]
        order.append(best)
        gains.append(float(w[newly].sum()))
        uncovered[newly] = False
    return order, gains, float(bound)


def _solve(
    coverage: sparse.csc_array,
    w: np.ndarray,
    p: int,
    *,
    integer: bool,
    start: np.ndarray | None = None,
    time_limit: float | None = None,
) -> _milp.MilpOutcome:
    """Build the MCLP (columns: x per candidate, then y per demand point) and solve it with HiGHS."""
    n_demand, n_sites = coverage.shape
    matrix = sparse.vstack(
        [
            sparse.hstack([-coverage, sparse.identity(n_demand, format="csc")]),
            sparse.hstack([np.ones((1, n_sites)), sparse.csc_array((1, n_demand))]),
        ],
        format="csc",
    )
    cost = np.concatenate([np.zeros(n_sites), w])
    row_upper = np.concatenate([np.zeros(n_demand), [p]])
    mask = np.concatenate([np.full(n_sites, integer), np.zeros(n_demand, dtype=bool)])
    if start is not None:
        covered = (coverage @ start) > 0
        start = np.concatenate([start, covered.astype(np.float64)])
    return _milp.maximise(cost, matrix, row_upper, np.ones(n_sites + n_demand), mask, start=start,
                          time_limit=time_limit)
