"""Nearest suitable provision per LSOA, updated incrementally from the baseline for sweeps.

A sweep runs many small scenarios on one baseline.  Rather than recomputing
every LSOA's nearest site, :func:`update_reach` starts from the baseline's
nearest sites and only (a) re-queries the LSOAs whose nearest site closed or
moved, and (b) takes the cheaper of the current cost and the cost to the
nearest added site.  Sites, places and costs come from the engine's own
functions (:func:`gapmap.engine.pairs.suitable_sites` and the settings' cost
backend), so the LSOA figures match the engine's columns
``{kind}_nearest_la``, ``{kind}_cross_la`` and ``{kind}_children_beyond``.
The need figures (``{kind}_need_beyond_threshold`` and
``{kind}_need_beyond_statutory``, from the nearest site suiting each age and
need type) are kept and updated the same way by :mod:`gapmap.scenario.need_reach`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd
import shapely

from gapmap.engine.costs import CostBackend
from gapmap.engine.demand import SPECIALIST_KINDS, KindDemand, children_by_age, demand_uses_provision, kind_demand
from gapmap.engine.metrics import Sites
from gapmap.engine.pairs import cost_backend, lsoa_origins, provision_supply, suitable_sites
from gapmap.inputs import StudyInputs
from gapmap.scenario.need_reach import NeedReach, need_columns, need_reach_of, update_need
from gapmap.settings import Settings
from gapmap.vintage import resolve_ehcp_year


def supply_by_kind(inputs: StudyInputs, settings: Settings, kinds: tuple[str, ...] | None = None) -> dict[str, Sites]:
    """Suitable provision of each kind, as the engine selects it.

    Parameters
    ----------
    inputs
        Study inputs.
    settings
        Kinds, sectors and ages.
    kinds
        Only these kinds (default: every analysed kind).

    Returns
    -------
    dict of str to gapmap.engine.metrics.Sites
        Kind -> sites (``table`` with ``provision_id``, ``la_gss``, ``places``; ``points``).
    """
    provision = inputs.provision
    of_kind = provision["kind"].to_numpy(object)
    return {
        kind: suitable_sites(provision_supply(provision[of_kind == kind]), kind, settings)
        for kind in (settings.kinds if kinds is None else kinds)
    }


def row_keys(provision: pd.DataFrame) -> np.ndarray:
    """Hash every provision row (all columns and the point), to find the rows an edit changed."""
    points = provision.geometry.array
    columns = pd.DataFrame(provision.drop(columns=provision.geometry.name))
    return (pd.util.hash_pandas_object(columns, index=False).to_numpy()
            ^ pd.util.hash_array(shapely.get_x(points)) ^ (pd.util.hash_array(shapely.get_y(points)) << np.uint64(1)))


@dataclass(frozen=True)
class Nearest:
    """Nearest suitable site of one kind from every LSOA.

    Attributes
    ----------
    sites
        The suitable sites.
    position
        Position in ``sites`` of each LSOA's nearest site (-1 when there is none).
    cost
        Cost to it in metres, as the backend measures (NaN when there is none).
    need
        Nearest suitable site per LSOA, age and need type, and the demand in each.
    """

    sites: Sites
    position: np.ndarray
    cost: np.ndarray
    need: NeedReach

    @property
    def la(self) -> np.ndarray:
        """ONS code of the LA of each LSOA's nearest site (``None`` when there is none)."""
        out = np.full(len(self.position), None, dtype=object)
        found = self.position >= 0
        out[found] = self.sites.table["la_gss"].to_numpy(object)[self.position[found]]
        return out


@dataclass(frozen=True)
class Reach:
    """Nearest suitable site of each kind from every LSOA centroid.

    Attributes
    ----------
    origins
        LSOA centroids (``x``, ``y`` indexed by ``lsoa_code``), in the study's LSOA order.
    backend
        The cost backend.
    provision
        The provision table the sites were selected from.
    keys
        :func:`row_keys` of that table.
    by_kind
        Kind -> :class:`Nearest`.
    inputs, settings
        The inputs and settings the demand was estimated from.
    """

    origins: pd.DataFrame
    backend: CostBackend
    provision: pd.DataFrame
    keys: np.ndarray
    by_kind: dict[str, Nearest]
    inputs: StudyInputs
    settings: Settings


def _query(backend: CostBackend, origins: pd.DataFrame, points: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    found = backend.nearest(origins, points)
    position = points.index.get_indexer(pd.Index(found["dest"].to_numpy(object)))
    return position, found["cost"].to_numpy(float)


def _demands(inputs: StudyInputs, settings: Settings, kinds: tuple[str, ...]) -> dict[str, KindDemand]:
    """Each kind's demand, from the EHC plan year that :func:`gapmap.engine.analyse` would use."""
    if settings.specialist_demand == "ehcp" and any(k in SPECIALIST_KINDS for k in settings.kinds):
        year, _ = resolve_ehcp_year(settings.ehcp_year, inputs)
        settings = replace(settings, ehcp_year=year) if year is not None else settings
    children = children_by_age(inputs.lsoas)
    return {kind: kind_demand(inputs, kind, settings, children) for kind in kinds}


def reach_of(inputs: StudyInputs, settings: Settings) -> Reach:
    """Compute the nearest suitable site of every analysed kind from every LSOA, from scratch.

    Parameters
    ----------
    inputs
        Study inputs.
    settings
        Kinds, sectors, ages and cost backend.

    Returns
    -------
    Reach
        The nearest sites.
    """
    origins, backend = lsoa_origins(inputs.lsoas), cost_backend(settings)
    demands = _demands(inputs, settings, settings.kinds)
    by_kind = {
        kind: Nearest(sites, *_query(backend, origins, sites.points),
                      need_reach_of(backend, origins, sites, demands[kind]))
        for kind, sites in supply_by_kind(inputs, settings).items()
    }
    return Reach(origins=origins, backend=backend, provision=inputs.provision, keys=row_keys(inputs.provision),
                 by_kind=by_kind, inputs=inputs, settings=settings)


def _update(base: Nearest, reach: Reach, sites: Sites, demand: KindDemand | None) -> Nearest:
    old, new = base.sites.points, sites.points
    moved_to = new.index.get_indexer(old.index)  # new position of each baseline site, -1 if gone
    kept = moved_to >= 0
    kept[kept] = (new.to_numpy()[moved_to[kept]] == old.to_numpy()[kept]).all(axis=1)  # moved = gone + added
    moved_to[~kept] = -1
    had = base.position >= 0
    position = np.full(len(base.position), -1)
    position[had] = moved_to[base.position[had]]
    cost = np.where(position >= 0, base.cost, np.nan)
    lost = np.flatnonzero(had & (position < 0))
    if len(lost):
        position[lost], cost[lost] = _query(reach.backend, reach.origins.iloc[lost], new)
    added = np.setdiff1d(np.arange(len(new)), moved_to[kept], assume_unique=True)
    if len(added):
        found, closest = _query(reach.backend, reach.origins, new.iloc[added])
        better = (found >= 0) & (np.isnan(cost) | (closest < cost))
        position[better] = added[found[better]]
        cost[better] = closest[better]
    need = base.need if sites is base.sites and demand is None else update_need(
        base.need, base.sites, sites, backend=reach.backend, origins=reach.origins, demand=demand)
    return Nearest(sites, position, cost, need)


def update_reach(base: Reach, inputs: StudyInputs, settings: Settings) -> Reach:
    """Nearest suitable sites after edits, reusing the baseline's.

    Parameters
    ----------
    base
        Reach of the baseline (same LSOAs, kinds, sectors and backend).
    inputs
        The edited inputs.
    settings
        The edited settings.

    Returns
    -------
    Reach
        Equal to ``reach_of(inputs, settings)`` (up to ties between equally near sites).
    """
    supply = {kind: nearest.sites for kind, nearest in base.by_kind.items()}
    keys = base.keys
    if inputs.provision is not base.provision:  # re-select the sites of the kinds whose rows changed
        keys = row_keys(inputs.provision)
        changed = np.concatenate([
            inputs.provision["kind"].to_numpy(object)[~np.isin(keys, base.keys)],
            base.provision["kind"].to_numpy(object)[~np.isin(base.keys, keys)],
        ])
        supply.update(supply_by_kind(inputs, settings, tuple(k for k in settings.kinds if k in set(changed))))
    else:
        changed = np.array([], dtype=object)
    same_need = settings == base.settings and all(  # the need is the baseline's unless its inputs changed
        getattr(inputs, f.name) is getattr(base.inputs, f.name) for f in fields(inputs) if f.name != "provision")
    redo = tuple(k for k in settings.kinds
                 if not same_need or (demand_uses_provision(k, settings) and k in set(changed)))
    demands = _demands(inputs, settings, redo) if redo else {}
    by_kind = {kind: _update(base.by_kind[kind], base, supply[kind], demands.get(kind)) for kind in settings.kinds}
    return replace(base, provision=inputs.provision, keys=keys, by_kind=by_kind)


def lsoa_table(reach: Reach, inputs: StudyInputs, settings: Settings) -> pd.DataFrame:
    """Build the engine's LSOA columns that :func:`gapmap.scenario.metrics.la_metrics` reads.

    Parameters
    ----------
    reach
        Nearest sites.
    inputs
        Inputs whose LSOA children and LA are used (same LSOA order as ``reach``).
    settings
        Thresholds.

    Returns
    -------
    pandas.DataFrame
        ``la_gss``, ``children_0_15`` and, per kind, ``{kind}_nearest_la``,
        ``{kind}_cross_la``, ``{kind}_beyond``, ``{kind}_children_beyond``,
        ``{kind}_demand``, ``{kind}_need_beyond_threshold`` and ``{kind}_need_beyond_statutory``.
    """
    home = inputs.lsoas["la_gss"].to_numpy(object)
    children = inputs.lsoas["children_0_15"].to_numpy(float)
    columns: dict[str, np.ndarray] = {"la_gss": home, "children_0_15": children}
    for kind in settings.kinds:
        found = reach.by_kind[kind]
        beyond = ~(found.cost <= settings.threshold(kind))  # no site at all counts as beyond
        nearest_la = found.la
        columns[f"{kind}_nearest_la"] = nearest_la
        columns[f"{kind}_cross_la"] = (found.position >= 0) & (nearest_la != home)
        columns[f"{kind}_beyond"] = beyond
        columns[f"{kind}_children_beyond"] = np.where(beyond, children, 0.0)
        columns.update(need_columns(kind, found.need, settings))
    return pd.DataFrame(columns)
