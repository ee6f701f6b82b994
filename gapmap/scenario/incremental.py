"""Run a scenario from its study's baseline: only the kinds whose provision an edit changed are recomputed.

Edits that open, close or expand provision change the provision table and
nothing else; every kind whose suitable sites they leave alone has exactly the
baseline's nearest sites, distances, floating catchments and need table.
:func:`run_from_baseline` hands those kinds' parts of the baseline analysis to
:func:`gapmap.engine.analyse`.  The edited kinds keep the baseline's demand
(unless the demand itself counts the provision) and their nearest sites and
catchment pairs are updated from the baseline's
(:mod:`gapmap.scenario.kind_update`) rather than measured again; the engine
then recomputes their metrics from those and every summary: the results equal
a full analysis of the edited inputs.  Edits that change the
LSOAs, the need or the settings (population, thresholds) fall back to the full
engine.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pandas as pd

from gapmap.engine import analyse
from gapmap.engine.analysis import KindPart, Results, provision_table
from gapmap.engine.demand import KindDemand, demand_uses_provision
from gapmap.engine.metrics import kind_metrics
from gapmap.engine.pairs import cost_backend, lsoa_origins, suitable_sites
from gapmap.inputs import StudyInputs
from gapmap.scenario.kind_update import update_kind_reach
from gapmap.scenario.patch import patched_results
from gapmap.scenario.reach import row_keys
from gapmap.settings import Settings


def changed_kinds(before: StudyInputs, after: StudyInputs) -> set[str]:
    """Kinds of the provision rows that differ (added, removed or changed) between two inputs.

    Parameters
    ----------
    before, after
        Inputs of the same study.

    Returns
    -------
    set of str
        The kinds whose rows differ; empty when the provision tables are the same.
    """
    if after.provision is before.provision:
        return set()
    old, new = row_keys(before.provision), row_keys(after.provision)
    kinds = np.concatenate([
        before.provision["kind"].to_numpy(object)[~np.isin(old, new)],
        after.provision["kind"].to_numpy(object)[~np.isin(new, old)],
    ])
    return {str(k) for k in kinds}


def only_provision_changed(base_inputs: StudyInputs, base_settings: Settings, inputs: StudyInputs,
                           settings: Settings) -> bool:
    """Whether edited inputs and settings differ from the baseline's in their provision table alone.

    Parameters
    ----------
    base_inputs, base_settings
        The study's inputs and settings.
    inputs, settings
        The scenario's edited inputs and settings.

    Returns
    -------
    bool
        ``True`` when every other input table is the baseline's own and the settings are equal.
    """
    return settings == base_settings and all(
        getattr(inputs, f.name) is getattr(base_inputs, f.name) for f in fields(inputs) if f.name != "provision"
    )


def run_from_baseline(baseline: Results, inputs: StudyInputs, settings: Settings) -> Results:
    """Analyse inputs whose provision alone was edited, reusing the baseline's parts of the unchanged kinds.

    Parameters
    ----------
    baseline
        The study's baseline analysis.
    inputs, settings
        The scenario's edited inputs and settings; :func:`only_provision_changed` must hold.

    Returns
    -------
    Results
        Equal to ``analyse(inputs, settings)``.

    Examples
    --------
    >>> import gapmap
    >>> study = gapmap.Study.load("north-east")
    >>> scn = study.scenario("bigger PRU").expand(urn=108565, places=+20)
    >>> sorted(changed_kinds(study.inputs, scn.inputs))
    ['ap']
    >>> result = run_from_baseline(study.run().results, scn.inputs, scn.settings)
    >>> int(result.la_summary["ap_places"].sum() - study.run().la_summary["ap_places"].sum())
    20
    """
    changed = changed_kinds(baseline.inputs, inputs)
    reuse = {kind: part for kind, part in baseline.parts.items() if kind not in changed}
    demands = {kind: part.demand for kind, part in baseline.parts.items()
               if kind in changed and not demand_uses_provision(kind, settings)}
    if settings.journey_backend is None and baseline.ca_summary is not None:
        provision = provision_table(inputs.provision)
        updated = _updated_parts(baseline, inputs, provision, demands)
        if set(updated) == changed:
            return patched_results(baseline, inputs, settings, updated, provision=provision)
        reuse |= updated
    return analyse(inputs, settings, reuse=reuse, demands=demands)


def _updated_parts(baseline: Results, inputs: StudyInputs, provision: pd.DataFrame,
                   demands: dict[str, KindDemand]) -> dict[str, KindPart]:
    """The parts of the edited kinds whose demand is the baseline's: nearest sites and catchments updated."""
    if not demands:
        return {}
    settings, lsoas = baseline.settings, inputs.lsoas  # the baseline's settings: its EHC plan year resolved
    origins, backend = lsoa_origins(lsoas), cost_backend(settings)
    resident = lsoas["la_gss"].astype(str).to_numpy(dtype=object)
    children_0_15 = lsoas["children_0_15"].to_numpy()
    sites = {kind: suitable_sites(provision, kind, settings) for kind in demands}
    parts = {}
    for kind, demand in demands.items():
        base = baseline.parts[kind].metrics.reach
        if base is None:
            continue
        reach = update_kind_reach(base, sites[kind], demand=demand,
                                  catchment=settings.catchment(kind), backend=backend, origins=origins)
        metrics = kind_metrics(kind, origins=origins, lsoa_la=resident, children_0_15=children_0_15,
                               sites=sites[kind], demand=demand, settings=settings, backend=backend, reach=reach)
        parts[kind] = KindPart(metrics=metrics, journeys=None, method=demand.method, demand=demand)
    return parts
