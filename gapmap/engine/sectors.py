"""The headline figures under each cumulative supply definition: state-funded, + non-maintained, + independent.

Which places count changes the gap: independent special schools take children
out of it, but their places are bought one by one.  This stage re-runs the
analysis of the specialist kinds for every set in
:data:`gapmap.settings.SECTOR_SETS` and lays the figures side by side, per LA
and for the combined authority, so the effect of each addition is visible.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from gapmap.engine.analysis import Results, analyse
from gapmap.engine.demand import SPECIALIST_KINDS
from gapmap.labels import sectors_label, threshold_rule
from gapmap.settings import SECTOR_SETS

#: Per-kind summary columns (``{kind}_<name>``) carried into the sector table, in order.
FIGURES: tuple[str, ...] = (
    "sites", "places", "demand", "need_beyond_threshold", "need_beyond_statutory", "children_beyond", "shortfall",
)

#: Columns of the sector table.
SECTOR_COLUMNS = ["area", "area_code", "area_name", "kind", "threshold_rule", "sectors", "counted", *FIGURES]


def _rows(results: Results, kind: str) -> pd.DataFrame:
    settings = results.settings
    parts = []
    for level, table, code, name in (("combined authority", results.ca_summary, "ca_code", "ca_name"),
                                     ("local authority", results.la_summary, "la_gss", "la_name")):
        if table is None:
            continue
        frame = pd.DataFrame({
            "area": level,
            "area_code": table[code].astype(str).to_numpy(),
            "area_name": table[name].astype(str).to_numpy(),
            "kind": kind,
            "threshold_rule": threshold_rule(settings, kind),
            "sectors": sectors_label(settings.sectors),
            **{figure: pd.to_numeric(table[f"{kind}_{figure}"]).to_numpy(dtype="float64") for figure in FIGURES},
        })
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def sector_table(results: Results) -> pd.DataFrame:
    """The specialist kinds' figures under every cumulative sector set, per CA and LA.

    Parameters
    ----------
    results
        Results of the build (their own sector set is reused, not re-run).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SECTOR_COLUMNS`, one row per area, kind and sector set
        (CA rows first), sets narrowest first; ``counted`` marks the set the
        build's other figures use.  Empty when no specialist kind is analysed.
    """
    settings = results.settings
    kinds = tuple(k for k in settings.kinds if k in SPECIALIST_KINDS)
    if not kinds:
        return pd.DataFrame(columns=SECTOR_COLUMNS)
    parts = []
    for sectors in SECTOR_SETS:
        run = results if tuple(sectors) == tuple(settings.sectors) else analyse(
            results.inputs, replace(settings, kinds=kinds, sectors=sectors))
        for kind in kinds:
            parts.append(_rows(run, kind).assign(counted=tuple(sectors) == tuple(settings.sectors)))
    table = pd.concat(parts, ignore_index=True)[SECTOR_COLUMNS]
    order = {label: n for n, label in enumerate(sectors_label(s) for s in SECTOR_SETS)}
    table["_order"] = table["sectors"].map(order)
    table["_level"] = table["area"].ne("combined authority")
    table = table.sort_values(["kind", "_level", "area_name", "_order"], key=lambda c: c.map(
        {k: n for n, k in enumerate(kinds)}) if c.name == "kind" else c, kind="stable")
    return table.drop(columns=["_order", "_level"]).reset_index(drop=True)


def with_sector_sets(results: Results) -> Results:
    """``results`` with :attr:`~gapmap.engine.analysis.Results.sectors` filled by :func:`sector_table`."""
    return replace(results, sectors=sector_table(results))
