"""A thin, deterministic wrapper over the HiGHS MILP solver (``highspy``) for the site-selection models.

``highspy`` is imported on the first solve, not with this module, and its
start-up banner (which HiGHS writes straight to the process's standard output
when the first solver is made) is discarded: gapmap's standard output carries
only what gapmap prints.
"""

from __future__ import annotations

import ctypes
import os
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
from scipy import sparse

#: Absolute gap at which HiGHS stops and calls a solution optimal (weights are
#: children, so 1e-6 of a child is far below anything reported).
MIP_ABS_GAP = 1e-6


@dataclass(frozen=True)
class MilpOutcome:
    """What HiGHS returned for one maximisation.

    Attributes
    ----------
    x
        Column values of the best solution found.
    objective
        Objective value of ``x``.
    bound
        Proven upper bound on the optimum (the LP value for a relaxation).
    optimal
        Whether HiGHS proved ``x`` optimal (within :data:`MIP_ABS_GAP`).
    status
        HiGHS model status, in words.
    """

    x: np.ndarray
    objective: float
    bound: float
    optimal: bool
    status: str


_BANNER_SHOWN = False


def _flush_c_stdout() -> None:
    """Flush the C library's output buffers (where available)."""
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError, TypeError):  # e.g. Windows, where CDLL(None) is not the C library
        pass


def new_solver() -> tuple[ModuleType, Any]:
    """``(highspy, solver)``: a quiet HiGHS solver with a fixed seed; the process's first is made with stdout muted."""
    highspy, highs = _made_solver()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("random_seed", 0)
    return highspy, highs


def _made_solver() -> tuple[ModuleType, Any]:
    """``(highspy, highspy.Highs())``, muting standard output for the first solver of the process."""
    global _BANNER_SHOWN
    import highspy

    if _BANNER_SHOWN:
        return highspy, highspy.Highs()
    sys.stdout.flush()
    _flush_c_stdout()
    try:
        saved = os.dup(1)
    except OSError:  # no standard output to protect
        return highspy, highspy.Highs()
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 1)
            try:
                highs = highspy.Highs()
            finally:
                _flush_c_stdout()  # the banner may still sit in the C library's buffer
                os.dup2(saved, 1)
    finally:
        os.close(saved)
    _BANNER_SHOWN = True
    return highspy, highs


def lp_model(highspy: ModuleType, cost: np.ndarray, matrix: sparse.csc_array, row_upper: np.ndarray,
             col_upper: np.ndarray) -> Any:
    r"""The HiGHS model of :math:`\max c^\top x` s.t. :math:`Ax \le u`, :math:`0 \le x \le \bar x` (continuous).

    Parameters
    ----------
    highspy
        The ``highspy`` module (from :func:`new_solver`).
    cost, matrix, row_upper, col_upper
        As for :func:`maximise`.

    Returns
    -------
    highspy.HighsLp
        The model, for ``Highs.passModel``.
    """
    n_row, n_col = matrix.shape
    csc = sparse.csc_array(matrix)
    csc.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_col, n_row
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.asarray(cost, dtype=np.float64)
    lp.col_lower_ = np.zeros(n_col)
    lp.col_upper_ = np.asarray(col_upper, dtype=np.float64)
    lp.row_lower_ = np.full(n_row, -highspy.kHighsInf)
    lp.row_upper_ = np.asarray(row_upper, dtype=np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n_col, n_row
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(np.float64)
    return lp


def maximise(
    cost: np.ndarray,
    matrix: sparse.csc_array,
    row_upper: np.ndarray,
    col_upper: np.ndarray,
    integer: np.ndarray,
    *,
    start: np.ndarray | None = None,
    time_limit: float | None = None,
) -> MilpOutcome:
    r"""Solve :math:`\max c^\top x` s.t. :math:`Ax \le u`, :math:`0 \le x \le \bar x`, some :math:`x` integer.

    HiGHS runs single-threaded with a fixed random seed, so the same model
    gives the same solution on every run.

    Parameters
    ----------
    cost
        Objective coefficients :math:`c`, one per column.
    matrix
        Constraint matrix :math:`A` (rows x columns).
    row_upper
        Row upper bounds :math:`u` (rows have no lower bound).
    col_upper
        Column upper bounds :math:`\bar x` (all lower bounds are 0).
    integer
        Boolean mask of integer columns; all ``False`` solves the LP relaxation.
    start
        A feasible solution to start from (ignored for an LP).
    time_limit
        Seconds after which HiGHS stops with its best solution and bound.

    Returns
    -------
    MilpOutcome
        The best solution, its value and the proven bound.
    """
    highspy, highs = new_solver()
    lp = lp_model(highspy, cost, matrix, row_upper, col_upper)
    is_mip = bool(np.any(integer))
    if is_mip:
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer]
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("mip_abs_gap", MIP_ABS_GAP)
    if time_limit is not None:
        highs.setOptionValue("time_limit", float(time_limit))
    highs.passModel(lp)
    if is_mip and start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = np.asarray(start, dtype=np.float64)
        solution.value_valid = True
        highs.setSolution(solution)
    highs.run()
    status = highs.getModelStatus()
    info = highs.getInfo()
    x = np.asarray(highs.getSolution().col_value, dtype=np.float64)
    n_col = matrix.shape[1]
    if len(x) != n_col:  # no feasible solution was found before the limit
        x = np.asarray(start if start is not None else np.zeros(n_col), dtype=np.float64)
    objective = float(np.dot(cost, x))
    optimal = status == highspy.HighsModelStatus.kOptimal
    if is_mip:
        bound = objective if optimal else float(info.mip_dual_bound)
    else:
        bound = float(info.objective_function_value)
    return MilpOutcome(x=x, objective=objective, bound=max(bound, objective), optimal=optimal,
                       status=highs.modelStatusToString(status))
