"""Per-LA, per-kind figures of one run, and their changes between a baseline and a scenario.

The need figures (``{kind}_need_beyond_threshold``, ``{kind}_need_beyond_statutory``,
``{kind}_demand``) and the reach figures (``{kind}_children_beyond``,
``{kind}_cross_la``, ``{kind}_nearest_la``) come from the engine's LSOA
columns and its suitable sites and places, so the full engine and the
incremental sweep (:mod:`gapmap.scenario.reach`) aggregate them with the same
code.  The engine's other figures (ratios, shortfall) are read from its LA
summary when it has them.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from gapmap.engine.metrics import Sites
from gapmap.settings import Settings

#: Need figures, per LA and kind, first in the output: what a planner acts on (summed from LSOA columns).
NEED_METRICS: tuple[str, ...] = ("need_beyond_threshold", "need_beyond_statutory", "demand")

#: Figures every run has, per LA and kind, in output order (after :data:`NEED_METRICS`).
REACH_METRICS: tuple[str, ...] = (
    "children", "sites", "places", "children_beyond", "share_beyond", "cross_la_children", "served_for_other_las",
)

#: Figures read from the engine's LA summary when it has them: name -> column pattern.
ENGINE_METRICS: dict[str, str] = {
    "ratio": "{kind}_ratio",
    "ratio_2sfca": "{kind}_2sfca",
    "shortfall": "{kind}_shortfall",
    "demand_nearest_in_other_la": "{kind}_demand_nearest_in_other_la",
    "other_la_demand_nearest_here": "{kind}_other_la_demand_nearest_here",
}

#: What each figure means (for summary pages and data dictionaries).
METRIC_LABELS: dict[str, str] = {
    "children": "children aged 0-15 living in the LA",
    "sites": "suitable sites of the kind in the LA (provider LA)",
    "places": "places in the LA: capacity where known, otherwise pupils on roll (proxy)",
    "children_beyond": "children aged 0-15 living in the LA whose nearest site is beyond the threshold",
    "share_beyond": "children beyond as a share of children",
    "cross_la_children": "children living in the LA whose nearest site is in another LA",
    "served_for_other_las": "children living in other LAs whose nearest site is in this LA",
    "demand": "estimated children needing the provision, living in the LA",
    "ratio": "places in the LA per estimated child in need living in it (engine)",
    "ratio_2sfca": "two-step floating catchment places per estimated child in need (engine)",
    "shortfall": "estimated need not matched by places in the LA (engine)",
    "need_beyond_threshold": "estimated children needing the provision who live more than the kind's flat "
                             "distance (the threshold) from the nearest site suiting their age and need",
    "need_beyond_statutory": "estimated children needing the provision who live beyond the walking distance for "
                             "their age (2 miles under 8, 3 miles 8-16) from the nearest site suiting their age "
                             "and need",
    "demand_nearest_in_other_la": "estimated need in the LA whose nearest site is in another LA (engine)",
    "other_la_demand_nearest_here": "estimated need in other LAs whose nearest site is in this LA (engine)",
}


def _codes(index: pd.Index, values: np.ndarray) -> np.ndarray:
    return index.get_indexer(pd.Index(values, dtype=object))


def _by_la(codes: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    known = codes >= 0
    return np.bincount(codes[known], weights=weights[known], minlength=size)


def la_metrics(
    *,
    las: pd.DataFrame,
    lsoa: pd.DataFrame,
    supply: Mapping[str, Sites],
    settings: Settings,
    summary: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Tidy per-LA, per-kind figures of one run.

    Parameters
    ----------
    las
        ``la_gss`` and ``la_name`` of every LA, in output order.
    lsoa
        One row per LSOA: ``la_gss``, ``children_0_15`` and, per kind,
        ``{kind}_children_beyond``, ``{kind}_cross_la``, ``{kind}_nearest_la``
        and, when it has them, the need columns of :data:`NEED_METRICS`.
    supply
        Kind -> suitable sites (:func:`gapmap.scenario.reach.supply_by_kind`).
    settings
        Kinds.
    summary
        The engine's LA summary, read for :data:`ENGINE_METRICS` when given.

    Returns
    -------
    pandas.DataFrame
        One row per (kind, LA), kinds in settings order: ``la_gss``,
        ``la_name``, ``kind``, the figures of :data:`NEED_METRICS` the LSOA
        table has, those of :data:`REACH_METRICS` (floats), then the engine
        figures the summary has.
    """
    index = pd.Index(las["la_gss"].astype(str).to_numpy(object))
    size = len(index)
    home = _codes(index, lsoa["la_gss"].to_numpy(object))
    values = lsoa["children_0_15"].to_numpy(float)
    children = _by_la(home, values, size)
    needs = [m for m in NEED_METRICS if all(f"{k}_{m}" in lsoa.columns for k in settings.kinds)]
    columns: dict[str, list[np.ndarray]] = {name: [] for name in ("kind", *needs, *REACH_METRICS)}
    for kind in settings.kinds:
        for metric in needs:
            columns[metric].append(_by_la(home, lsoa[f"{kind}_{metric}"].to_numpy(float), size))
        sites = supply[kind].table
        site_la = _codes(index, sites["la_gss"].to_numpy(object))
        cross = lsoa[f"{kind}_cross_la"].to_numpy(bool)
        beyond = _by_la(home, lsoa[f"{kind}_children_beyond"].to_numpy(float), size)
        provider = _codes(index, lsoa[f"{kind}_nearest_la"].to_numpy(object))
        columns["kind"].append(np.full(size, kind, dtype=object))
        columns["children"].append(children)
        columns["sites"].append(_by_la(site_la, np.ones(len(sites)), size))
        columns["places"].append(_by_la(site_la, sites["places"].to_numpy(float), size))
        columns["children_beyond"].append(beyond)
        columns["share_beyond"].append(np.divide(beyond, children, out=np.full(size, np.nan), where=children > 0))
        columns["cross_la_children"].append(_by_la(home, np.where(cross, values, 0.0), size))
        columns["served_for_other_las"].append(_by_la(provider[cross], values[cross], size))
    repeats = len(settings.kinds)
    out = pd.DataFrame({
        "la_gss": np.tile(index.to_numpy(), repeats),
        "la_name": np.tile(las["la_name"].astype(str).to_numpy(object), repeats),
        **{name: np.concatenate(parts) for name, parts in columns.items()},
    })
    if summary is not None:
        table = summary.assign(la_gss=summary["la_gss"].astype(str)).set_index("la_gss").reindex(index)
        for metric, pattern in ENGINE_METRICS.items():
            names = [pattern.format(kind=kind) for kind in settings.kinds]
            if all(name in table.columns for name in names):
                out[metric] = np.concatenate([pd.to_numeric(table[n], errors="coerce").to_numpy(float) for n in names])
    return out


def diff_metrics(baseline: pd.DataFrame, scenario: pd.DataFrame) -> pd.DataFrame:
    """Set two outputs of :func:`la_metrics` side by side.

    Parameters
    ----------
    baseline, scenario
        Per-LA, per-kind figures of the baseline and of the scenario.

    Returns
    -------
    pandas.DataFrame
        One row per (kind, LA) of the baseline: ``la_gss``, ``la_name``,
        ``kind``; for every figure in both, ``{figure}_baseline``,
        ``{figure}_scenario`` and ``{figure}_change``; ``without_provision``
        (no site of the kind in the LA in the scenario) and
        ``loses_provision`` (it had one in the baseline).

    Examples
    --------
    >>> base = pd.DataFrame({"la_gss": ["E1"], "la_name": ["A"], "kind": ["ap"], "sites": [1.0]})
    >>> diff_metrics(base, base.assign(sites=0.0)).iloc[0].to_dict()
    {'la_gss': 'E1', 'la_name': 'A', 'kind': 'ap', 'sites_baseline': 1.0, 'sites_scenario': 0.0, \
'sites_change': -1.0, 'without_provision': True, 'loses_provision': True}
    """
    keys = ["la_gss", "la_name", "kind"]
    if not (len(baseline) == len(scenario) and (baseline[keys].to_numpy() == scenario[keys].to_numpy()).all()):
        scenario = baseline[keys].merge(scenario, on=keys, how="left")
    columns: dict[str, np.ndarray] = {k: baseline[k].to_numpy() for k in keys}
    for metric in (c for c in baseline.columns if c not in keys and c in scenario.columns):
        before, after = baseline[metric].to_numpy(float), scenario[metric].to_numpy(float)
        columns.update({f"{metric}_baseline": before, f"{metric}_scenario": after, f"{metric}_change": after - before})
    columns["without_provision"] = columns["sites_scenario"] == 0
    columns["loses_provision"] = (columns["sites_baseline"] > 0) & columns["without_provision"]
    return pd.DataFrame(columns)
