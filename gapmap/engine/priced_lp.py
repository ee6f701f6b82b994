r"""The transportation LP of capacity-aware placement, solved by pricing out the pairs it does not need.

The LP (see :mod:`gapmap.engine.assignment`) is

.. math::

   \max \sum_p g_p x_p
   \quad\text{s.t.}\quad
   \sum_{p \ni i} x_p \le w_i \;\forall \text{ origins } i,\qquad
   \sum_{p \ni j} x_p \le q_j \;\forall \text{ sites } j,\qquad x \ge 0,

with one column per origin-site pair :math:`p = (i, j)` within reach: about
two million for England's special schools, of which an optimal placement uses
a few per origin.  So the LP is first solved on each origin's :data:`FIRST`
best pairs (highest gain, ties by site then pair order).  The row prices of
that solution, :math:`y_i` for the need rows and :math:`y_j` for the places
rows, give every omitted pair's reduced cost :math:`g_p - y_i - y_j`; a pair
with a positive one (above the dual feasibility tolerance) would raise the
objective, so every such pair is added and the LP re-solved from its last
basis.  When no omitted pair prices positive, the prices are dual feasible
for the full LP, which is the optimality condition HiGHS itself applies to the
columns it holds: the solution is optimal for the full LP.

**The same answer as the full LP.**  The optimal objective is unique, so it
is equal (to the solver's tolerance); with the gains of the placement LP
(a large constant less the distance) that makes the need placed and its
total distance equal too.  Where the optimum is unique the flows are the same
(so are each origin's unmet need and each site's need); where pairs tie (two
origins equally far from a site with too few places for both), the full LP
and the priced one may pick different optima of equal objective.  Either way
the answer is deterministic: HiGHS runs with a fixed seed, and the columns
are chosen and ordered by rules that depend only on the inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from gapmap.engine import _milp

#: Pairs per origin in the first LP (each origin's best by gain).
FIRST = 5

#: Reduced cost above which an omitted pair enters the LP: HiGHS's default dual feasibility tolerance, set on the
#: solver too, so the omitted pairs meet the optimality test the solver applies to the pairs it holds.
DUAL_TOLERANCE = 1e-7


@dataclass(frozen=True)
class PricedOutcome:
    """What :func:`maximise_transport` returned.

    Attributes
    ----------
    x
        Flow per pair, in the order of the input pairs (0 for pairs never in the LP).
    objective
        Objective value of ``x``.
    rounds
        LP solves (1 when the first pairs were enough).
    columns
        Pairs in the last LP.
    """

    x: np.ndarray
    objective: float
    rounds: int
    columns: int


def pair_matrix(rows: np.ndarray, cols: np.ndarray, n_origins: int, n_sites: int) -> sparse.csc_array:
    """The constraint matrix: column ``p`` has a 1 in need row ``rows[p]`` and in places row ``n_origins + cols[p]``.

    Parameters
    ----------
    rows, cols
        Origin and site position of each pair.
    n_origins, n_sites
        Numbers of origins and sites.

    Returns
    -------
    scipy.sparse.csc_array
        ``(n_origins + n_sites) x len(rows)``.
    """
    index = np.empty(2 * len(rows), dtype=np.int32)
    index[0::2], index[1::2] = rows, n_origins + np.asarray(cols)
    start = np.arange(0, 2 * len(rows) + 1, 2, dtype=np.int32)
    return sparse.csc_array((np.ones(2 * len(rows)), index, start), shape=(n_origins + n_sites, len(rows)))


def first_pairs(rows: np.ndarray, cols: np.ndarray, gain: np.ndarray, first: int = FIRST) -> np.ndarray:
    """Mask of each origin's ``first`` best pairs: highest gain, ties by site position, then pair order.

    Parameters
    ----------
    rows, cols
        Origin and site position of each pair.
    gain
        Objective coefficient of each pair.
    first
        Pairs kept per origin.

    Returns
    -------
    numpy.ndarray
        Boolean, one per pair.

    Examples
    --------
    >>> first_pairs(np.array([0, 0, 0, 1]), np.array([2, 1, 0, 0]), np.array([1.0, 3.0, 3.0, 0.5]), 2).tolist()
    [False, True, True, True]
    """
    order = np.lexsort((np.arange(len(rows)), cols, -gain, rows))
    sorted_rows = rows[order]
    rank = np.empty(len(rows), dtype=np.int64)
    rank[order] = np.arange(len(rows)) - np.searchsorted(sorted_rows, sorted_rows, side="left")
    return rank < first


def maximise_transport(rows: np.ndarray, cols: np.ndarray, gain: np.ndarray, need: np.ndarray, places: np.ndarray,
                       *, first: int = FIRST) -> PricedOutcome:
    """Solve the transportation LP (module notes) on as few pairs as its optimum needs.

    Parameters
    ----------
    rows, cols
        Origin position (into ``need``) and site position (into ``places``) of each pair.
    gain
        Objective coefficient of each pair.
    need
        Need per origin (row upper bounds).
    places
        Places per site (row upper bounds).
    first
        Pairs per origin in the first LP.

    Returns
    -------
    PricedOutcome
        An optimal flow for the full LP.

    Raises
    ------
    RuntimeError
        If HiGHS does not report an optimal solution (the LP is always feasible and bounded).

    Examples
    --------
    Origin 0 prefers site 0, but origin 1 reaches only site 0 and site 0 has one place: with one pair per origin
    in the first LP, pricing brings in origin 0's second pair.

    >>> found = maximise_transport(np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([10.0, 9.0, 10.0]),
    ...                            np.array([1.0, 1.0]), np.array([1.0, 1.0]), first=1)
    >>> np.flatnonzero(found.x).tolist(), found.objective, found.rounds
    ([1, 2], 19.0, 2)
    """
    n_origins = len(need)
    bounds = np.concatenate([need, places]).astype(np.float64)
    held = np.flatnonzero(first_pairs(rows, cols, gain, first))
    in_lp = np.zeros(len(rows), dtype=bool)
    in_lp[held] = True
    highspy, highs = _milp.new_solver()
    highs.setOptionValue("dual_feasibility_tolerance", DUAL_TOLERANCE)
    highs.passModel(_milp.lp_model(highspy, gain[held], pair_matrix(rows[held], cols[held], n_origins, len(places)),
                                   bounds, np.full(len(held), np.inf)))
    rounds = 0
    while True:
        highs.run()
        rounds += 1
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            status = highs.modelStatusToString(highs.getModelStatus())
            raise RuntimeError(f"HiGHS did not solve the placement LP: {status}")
        price = np.asarray(highs.getSolution().row_dual, dtype=np.float64)
        reduced = gain - price[rows] - price[n_origins + cols]
        enter = np.flatnonzero(~in_lp & (reduced > DUAL_TOLERANCE))
        if not len(enter):
            break
        added = pair_matrix(rows[enter], cols[enter], n_origins, len(places))
        highs.addCols(len(enter), gain[enter], np.zeros(len(enter)), np.full(len(enter), np.inf), added.nnz,
                      added.indptr[:-1], added.indices, added.data)
        held = np.concatenate([held, enter])
        in_lp[enter] = True
    x = np.zeros(len(rows))
    x[held] = np.asarray(highs.getSolution().col_value, dtype=np.float64)
    return PricedOutcome(x=x, objective=float(np.dot(gain, x)), rounds=rounds, columns=len(held))


def maximise_transport_full(rows: np.ndarray, cols: np.ndarray, gain: np.ndarray, need: np.ndarray,
                            places: np.ndarray) -> np.ndarray:
    """The same LP with every pair in one solve: the reference :func:`maximise_transport` is tested against.

    Parameters
    ----------
    rows, cols, gain, need, places
        As for :func:`maximise_transport`.

    Returns
    -------
    numpy.ndarray
        An optimal flow per pair.
    """
    matrix = pair_matrix(rows, cols, len(need), len(places))
    bounds = np.concatenate([need, places]).astype(np.float64)
    return _milp.maximise(gain, matrix, bounds, np.full(len(rows), np.inf), np.zeros(len(rows), dtype=bool)).x
