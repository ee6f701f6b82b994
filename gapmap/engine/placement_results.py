"""Attach the capacity-aware placement to Results: the ``assignment`` table and the unmet-need columns."""

from __future__ import annotations

from dataclasses import replace

from gapmap.engine.analysis import Results
from gapmap.engine.assignment import DEFAULT_REACH_M, assign_need


def with_placement(results: Results, *, reach_m: float = DEFAULT_REACH_M) -> Results:
    """Results with each specialist kind's need placed within the places (see :func:`.assignment.assign_need`).

    Parameters
    ----------
    results
        Gap analysis results.
    reach_m
        Farthest a child is placed.

    Returns
    -------
    Results
        A copy with ``assignment``; ``lsoa`` and ``la_summary`` gain
        ``{kind}_need_unmet`` (so that need placed plus unmet equals
        ``{kind}_demand`` per LSOA), ``provision`` gains ``need_assigned``,
        and the placement notes are appended to ``notes``.
    """
    placed = assign_need(results, reach_m=reach_m)
    if placed.table.empty and placed.unmet.empty:
        return results
    lsoa = results.lsoa.copy()
    for column in placed.unmet.columns:
        lsoa[column] = placed.unmet[column].to_numpy()
    provision = results.provision.assign(need_assigned=placed.assigned)
    la_unmet = placed.la_unmet.reindex(results.la_summary["la_gss"].astype(str)).fillna(0.0)
    summary = results.la_summary.copy()
    for column in la_unmet.columns:
        summary[column] = la_unmet[column].to_numpy()
    return replace(results, lsoa=lsoa, provision=provision, la_summary=summary, assignment=placed.table,
                   notes=(*results.notes, *placed.notes))
