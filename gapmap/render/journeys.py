"""The journey-time part of the summary page: estimated children needing a place beyond 45 and 75 minutes."""

from __future__ import annotations

from typing import Any

import pandas as pd

from gapmap.engine.analysis import Results
from gapmap.engine.pairs import journey_backend
from gapmap.labels import walking_rule
from gapmap.model import KIND_LABELS
from gapmap.render.pages import frame_table


def journey_table(results: Results) -> pd.DataFrame | None:
    """Per LA and kind: demand beyond the walking distance (straight line) next to demand beyond 45 / 75 minutes.

    Returns
    -------
    pandas.DataFrame or None
        ``None`` when the build has no journey-time backend.
    """
    summary = results.la_summary
    if journey_backend(results.settings) is None:
        return None
    columns = {"la_name": "Local authority"}
    for kind in results.settings.kinds:
        if f"{kind}_need_beyond_45min" not in summary.columns:
            continue
        label = KIND_LABELS[kind]
        columns[f"{kind}_demand"] = f"{label}: estimated children needing a place"
        columns[f"{kind}_need_beyond_statutory"] = f"{label}: {walking_rule(results.settings)}, straight line"
        columns[f"{kind}_need_beyond_45min"] = f"{label}: more than 45 minutes (estimated car time)"
        columns[f"{kind}_need_beyond_75min"] = f"{label}: more than 75 minutes (estimated car time)"
        columns[f"{kind}_need_beyond_journey_norm"] = f"{label}: beyond the 45/75-minute norm for their age"
    table = summary[list(columns)].rename(columns=columns).sort_values("Local authority")
    numbers = table.columns[1:]
    table[numbers] = table[numbers].round(0).astype("int64")
    return table


def journey_context(results: Results) -> dict[str, Any] | None:
    """The journey-time block of the summary page (``templates/_journeys.html``), or ``None`` without one."""
    backend = journey_backend(results.settings)
    table = journey_table(results)
    if backend is None or table is None:
        return None
    return {"measure": backend.label,
            "table": frame_table(table, footer=["All LAs", *table.iloc[:, 1:].sum().tolist()])}
