"""Results of a study whose provision alone was edited, assembled from the baseline's: only the edited kinds redone.

:func:`gapmap.engine.analyse` builds every table from all kinds.  After an
edit to the provision of a few kinds, every other kind's LSOA columns, need
rows and LA and CA figures are the baseline's, so :func:`patched_results`
copies the baseline's tables and replaces the edited kinds' columns (and the
counts of sites), with the engine's own functions for each piece: the results
equal a full analysis of the edited inputs.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from gapmap.engine.analysis import KindPart, Results, closing_notes, ehcp_year_of, mark_sites, opening_notes
from gapmap.engine.analysis import provision_table
from gapmap.engine.pairs import cost_backend
from gapmap.engine.summary import updated_area_summary, updated_la_summary
from gapmap.engine.validate import check_inputs
from gapmap.inputs import StudyInputs
from gapmap.settings import Settings
from gapmap.vintage import vintage_table


def patched_results(baseline: Results, inputs: StudyInputs, settings: Settings,
                    parts: Mapping[str, KindPart], provision: pd.DataFrame | None = None) -> Results:
    """The analysis of edited inputs, from the baseline's and the edited kinds' new parts.

    Parameters
    ----------
    baseline
        The study's baseline analysis (no journey times).
    inputs, settings
        The scenario's inputs and settings: only the provision differs from the baseline's
        (:func:`gapmap.scenario.incremental.only_provision_changed`).
    parts
        The new part of each kind whose provision changed; the other kinds keep the baseline's.
    provision
        ``provision_table(inputs.provision)`` when already built (it is marked in place).

    Returns
    -------
    Results
        Equal to ``analyse(inputs, settings)``.
    """
    check_inputs(inputs)
    resolved, year, year_note = ehcp_year_of(inputs, settings)
    kinds = tuple(k for k in resolved.kinds if k in parts)
    every = {kind: parts.get(kind, baseline.parts[kind]) for kind in resolved.kinds}
    provision = provision_table(inputs.provision) if provision is None else provision
    mark_sites(provision, every)
    lsoa = baseline.lsoa.copy()
    for kind in kinds:
        for column, values in parts[kind].metrics.lsoa.items():
            lsoa[column] = values.values
    summary = updated_la_summary(baseline.la_summary, lsoa, provision, resolved, kinds)
    vintages = vintage_table(inputs, year)
    notes = [*opening_notes(vintages, resolved, year_note, cost_backend(resolved).label),
             *(part.method for part in every.values()), *closing_notes(provision, summary, resolved, None)]
    needs = [part.metrics.needs for part in every.values() if part.metrics.needs is not None]
    return Results(
        inputs=inputs,
        settings=resolved,
        lsoa=lsoa,
        provision=provision,
        la_summary=summary,
        notes=tuple(notes),
        ca_summary=updated_area_summary(baseline.ca_summary, inputs.las, summary, resolved, name=inputs.name,
                                        kinds=kinds),
        need_access=pd.concat(needs, ignore_index=True) if needs else None,
        vintages=vintages,
        parts=every,
    )
