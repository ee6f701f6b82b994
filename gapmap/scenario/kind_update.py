"""One kind's nearest sites and catchment pairs after an edit, updated from the baseline's instead of measured again.

An edit that opens, closes or expands a few sites of a kind leaves most of its
:class:`gapmap.engine.metrics.KindReach` as it was: the nearest site of each
LSOA and group stays unless it closed (those are re-queried) or an added site
is nearer (each added site is measured once), the same update as the need
figures of sweeps (:func:`gapmap.scenario.need_reach.update_nearest`); and the
pairs within the catchment are the baseline's, less those of closed sites,
plus those of added sites.  The floating catchments are then the engine's own
arithmetic over those pairs (:func:`gapmap.engine.metrics.kind_metrics`), so
every figure equals a full analysis (sums over pairs in another order: equal to
rounding, about 1e-15).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gapmap.engine.costs import CostBackend
from gapmap.engine.demand import KindDemand
from gapmap.engine.fca import positions_in
from gapmap.engine.metrics import KindReach, Sites, need_groups
from gapmap.scenario.need_reach import site_moves, update_nearest


def update_kind_reach(base: KindReach, new: Sites, *, demand: KindDemand, catchment: float, backend: CostBackend,
                      origins: pd.DataFrame) -> KindReach:
    """A kind's :class:`~gapmap.engine.metrics.KindReach` over its edited sites, from the baseline's.

    Parameters
    ----------
    base
        The baseline's reach of the kind (same LSOAs, settings and backend).
    new
        The kind's suitable sites after the edits.
    demand
        The kind's demand (its ages and need types name the groups).
    catchment
        The kind's floating-catchment size, metres.
    backend, origins
        Cost backend and LSOA centroids, as the baseline used.

    Returns
    -------
    KindReach
        Equal to ``kind_reach(backend, origins, new, demand, catchment)`` up to
        the order of the pairs (and the site chosen between equally near ones).

    Examples
    --------
    >>> import gapmap
    >>> from gapmap.engine.metrics import kind_reach
    >>> from gapmap.engine.pairs import cost_backend, lsoa_origins
    >>> from gapmap.scenario.reach import supply_by_kind
    >>> study = gapmap.Study.load("north-east")
    >>> scn = study.scenario("open").add_provision(postcode="NE8 2XD", kind="special", places=40)
    >>> part = study.run().results.parts["special"]
    >>> new = supply_by_kind(scn.inputs, scn.settings, ("special",))["special"]
    >>> origins, backend = lsoa_origins(scn.inputs.lsoas), cost_backend(scn.settings)
    >>> catchment = scn.settings.catchment("special")
    >>> quick = update_kind_reach(part.metrics.reach, new, demand=part.demand, catchment=catchment,
    ...                           backend=backend, origins=origins)
    >>> full = kind_reach(backend, origins, new, part.demand, catchment)
    >>> bool(np.allclose(quick.cost, full.cost, equal_nan=True)), len(quick.pair_cost) == len(full.pair_cost)
    (True, True)
    """
    ages, needs, _ = need_groups(demand)
    cost, position = update_nearest(base.cost, base.position, base.sites, new, ages=ages, needs=needs, whole=True,
                                    backend=backend, origins=origins)
    moved_to = site_moves(base.sites, new)
    kept = moved_to[base.pair_site] >= 0
    origin, site, pair_cost = base.pair_origin[kept], moved_to[base.pair_site[kept]], base.pair_cost[kept]
    added = np.setdiff1d(np.arange(len(new.points)), moved_to[moved_to >= 0])
    if len(added):
        pairs = backend.costs(origins, new.points.iloc[added], max_cost=catchment)
        o = positions_in(origins.index, pairs["origin"])
        j = positions_in(new.points.index, pairs["dest"])
        known = (o >= 0) & (j >= 0)
        origin = np.concatenate([origin, o[known]])
        site = np.concatenate([site, j[known]])
        pair_cost = np.concatenate([pair_cost, pairs["cost"].to_numpy(dtype="float64")[known]])
    return KindReach(new, cost, position, origin, site, pair_cost)
