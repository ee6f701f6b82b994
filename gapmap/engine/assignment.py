r"""Capacity-aware placement: estimated need assigned to places, each site taking no more than its places.

For one kind, LSOA :math:`i` has need :math:`w_i`, site :math:`j` has
:math:`q_j` places, and a child may be placed at a site within the reach
:math:`R` (cost :math:`c_{ij} \le R`).  The transportation problem

.. math::

   \max \sum_{ij} f_{ij}
   \quad\text{s.t.}\quad
   \sum_j f_{ij} \le w_i \;\forall i,\qquad
   \sum_i f_{ij} \le q_j \;\forall j,\qquad f_{ij} \ge 0,

places as much need as the places allow; among the placements that do, it
takes the least total distance :math:`\sum c_{ij} f_{ij}`.  Both aims are one
LP, :math:`\max \sum_{ij} (M - c_{ij}) f_{ij}` with
:math:`M = (n_{\text{sites}} + 1) \max c_{ij}`: a path that places more need
visits each site at most once, so it costs at most :math:`n_{\text{sites}}
\max c` per child and always gains.  Solved with HiGHS, pricing in only the
pairs the optimum needs (:mod:`gapmap.engine.priced_lp`: the same optimum as
one LP over every pair, without building it).
Need left over, :math:`w_i - \sum_j f_{ij}`, is **unmet**: no place within
reach is left for it.  Nearest-site assignment, the gap analysis's rule,
sends all of :math:`w_i` to the nearest site whatever its places; the
outputs compare the two.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gapmap.engine._kind_data import SPECIALIST_KINDS, count_text, existing_sites, kind_demand, la_names, origins
from gapmap.engine._site_inputs import check_costs, check_demand
from gapmap.engine.analysis import Results
from gapmap.engine.pairs import cost_backend
from gapmap.engine.priced_lp import maximise_transport
from gapmap.errors import InputError
from gapmap.settings import METRES_PER_MILE

#: Default reach, metres: the farthest a child is placed (straight line unless the cost backend says otherwise).
#: 20 miles is a modelling choice, about the 75-minute secondary journey norm by car on rural roads.
DEFAULT_REACH_M = 20 * METRES_PER_MILE

#: Columns of the assignment table, in order.
ASSIGNMENT_COLUMNS = [
    "kind", "lsoa_code", "resident_la_gss", "provision_id", "provider_la_gss", "need_assigned", "distance_m",
    "cross_la",
]

#: Placements below this many children are dropped from the table (LP round-off).
_SMALLEST = 1e-9



@dataclass(frozen=True)
class Placement:
    """The answer of :func:`place_need`.

    Attributes
    ----------
    flows
        Long table ``origin``, ``dest``, ``need``, ``cost``: need placed per pair.
    unmet
        Need left without a place, per demand id.
    """

    flows: pd.DataFrame
    unmet: pd.Series


@dataclass(frozen=True)
class PlacementLP:
    """The placement LP of the module notes, as arrays.

    Attributes
    ----------
    need
        Need per demand id (the need rows' bounds, in row order).
    places
        Places per site id (the places rows' bounds, in row order).
    rows, cols
        Position in ``need`` and in ``places`` of each pair within reach.
    cost
        Cost of each pair.
    """

    need: pd.Series
    places: pd.Series
    rows: np.ndarray
    cols: np.ndarray
    cost: np.ndarray

    @property
    def gain(self) -> np.ndarray:
        """Objective coefficient per pair, :math:`M - c_{ij}` (module notes)."""
        reach = float(self.cost.max()) if len(self.cost) else 0.0
        weight = reach * (len(self.places) + 1) + 1.0  # any path adding need saves more than it can cost
        return weight - self.cost


def placement_lp(demand: pd.Series, places: pd.Series, costs: pd.DataFrame) -> PlacementLP:
    """The placement LP of checked inputs (pairs naming an unknown origin or site are left out).

    Parameters
    ----------
    demand
        Need per demand id.
    places
        Places per site id (non-negative).
    costs
        Long table ``origin``, ``dest``, ``cost`` of the pairs within reach.

    Returns
    -------
    PlacementLP

    Raises
    ------
    InputError
        If an argument is malformed.
    """
    w = check_demand(demand)
    q = check_demand(places.rename("places"))
    costs = check_costs(costs)
    rows = w.index.get_indexer(pd.Index(costs["origin"], dtype=object))
    cols = q.index.get_indexer(pd.Index(costs["dest"], dtype=object))
    keep = (rows >= 0) & (cols >= 0)
    cost = pd.to_numeric(costs["cost"]).to_numpy(dtype="float64")[keep]
    return PlacementLP(w, q, rows[keep], cols[keep], cost)


def place_need(demand: pd.Series, places: pd.Series, costs: pd.DataFrame) -> Placement:
    """Place the most need within the places, then at the least total distance.

    Parameters
    ----------
    demand
        Need per demand id.
    places
        Places per site id (non-negative).
    costs
        Long table ``origin``, ``dest``, ``cost`` of the pairs within reach.

    Returns
    -------
    Placement

    Raises
    ------
    InputError
        If an argument is malformed.

    Examples
    --------
    >>> demand = pd.Series({"a": 3.0, "b": 2.0})
    >>> places = pd.Series({"s": 4.0})
    >>> costs = pd.DataFrame({"origin": ["a", "b"], "dest": ["s", "s"], "cost": [5.0, 1.0]})
    >>> found = place_need(demand, places, costs)
    >>> found.flows["need"].round(3).tolist(), found.unmet.round(3).tolist()
    ([2.0, 2.0], [1.0, 0.0])
    """
    lp = placement_lp(demand, places, costs)
    x = maximise_transport(lp.rows, lp.cols, lp.gain, lp.need.to_numpy(), lp.places.to_numpy()).x
    x = np.where(x > _SMALLEST, x, 0.0)
    taken = np.bincount(lp.rows, weights=x, minlength=len(lp.need))
    flows = pd.DataFrame({"origin": lp.need.index[lp.rows], "dest": lp.places.index[lp.cols], "need": x,
                          "cost": lp.cost})
    flows = flows[flows["need"] > 0].reset_index(drop=True)
    return Placement(flows, pd.Series(np.maximum(lp.need.to_numpy() - taken, 0.0), index=lp.need.index))


@dataclass(frozen=True)
class Assignment:
    """The answer of :func:`assign_need`.

    Attributes
    ----------
    table
        One row per LSOA and site with need placed there (columns :data:`ASSIGNMENT_COLUMNS`).
    unmet
        ``{kind}_need_unmet`` per LSOA, in the row order of ``Results.lsoa``.
    assigned
        ``need_assigned`` per provision row (NaN for sites not of a placed kind).
    la_unmet
        ``{kind}_need_unmet`` per LA (index ``la_gss``).
    notes
        Method and comparison with nearest-site assignment.
    """

    table: pd.DataFrame
    unmet: pd.DataFrame
    assigned: pd.Series
    la_unmet: pd.DataFrame
    notes: tuple[str, ...]


def assign_need(results: Results, *, reach_m: float = DEFAULT_REACH_M, kinds: tuple[str, ...] | None = None
                ) -> Assignment:
    """Capacity-aware placement of each specialist kind's need (see :func:`place_need`).

    Parameters
    ----------
    results
        Gap analysis results.
    reach_m
        Farthest a child is placed, in the cost backend's units (metres by default).
    kinds
        Kinds to place; default the specialist kinds analysed.

    Returns
    -------
    Assignment

    Raises
    ------
    InputError
        If ``reach_m`` is not a positive number.
    """
    if not (np.isfinite(reach_m) and reach_m > 0):
        raise InputError(f"The placement reach must be a positive number of metres, got {reach_m!r}.")
    kinds = kinds or tuple(k for k in results.settings.kinds if k in SPECIALIST_KINDS)
    codes = results.lsoa["lsoa_code"].astype(str).to_numpy(dtype=object)
    provision_ids = results.provision["provision_id"].astype(str)
    tables, unmet, la_unmet = [], {}, {}
    assigned = pd.Series(np.nan, index=results.provision.index)
    notes = [f"Capacity-aware placement: each kind's estimated need is placed at sites within "
             f"{reach_m / METRES_PER_MILE:g} miles ({cost_backend(results.settings).label}; a modelling choice), no "
             "site taking more than its places (capacity, else pupils on roll), placing as much need as the places "
             "allow at the least total distance (HiGHS); need left over is unmet. Places count all the ages a site "
             "serves, need only the kind's ages."]
    for kind in kinds:
        table, kind_unmet, site_need, note = _kind(results, kind, reach_m)
        tables.append(table)
        unmet[f"{kind}_need_unmet"] = kind_unmet.reindex(codes).to_numpy()
        la_unmet[f"{kind}_need_unmet"] = kind_unmet.groupby(results.lsoa["la_gss"].astype(str).to_numpy()).sum()
        rows = provision_ids.isin(site_need.index).to_numpy()
        assigned[rows] = site_need.reindex(provision_ids[rows]).to_numpy()
        notes.append(note)
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=ASSIGNMENT_COLUMNS)
    return Assignment(table, pd.DataFrame(unmet, index=results.lsoa.index), assigned,
                      pd.DataFrame(la_unmet), tuple(notes))


def _kind(results: Results, kind: str, reach_m: float) -> tuple[pd.DataFrame, pd.Series, pd.Series, str]:
    """Placement of one kind: its table rows, unmet need per LSOA, need per site and a note."""
    demand = kind_demand(results, kind).weights
    sites = existing_sites(results, kind)
    provision = results.provision.set_index(results.provision["provision_id"].astype(str))
    places = provision["places"].reindex(sites.index).astype("float64").fillna(0.0)
    points = origins(results)
    pairs = cost_backend(results.settings).costs(points, sites[["x", "y"]], max_cost=reach_m)
    found = place_need(demand, places, pairs)
    la = pd.Series(results.lsoa["la_gss"].astype(str).to_numpy(dtype=object), index=demand.index)
    flows = found.flows
    table = pd.DataFrame({
        "kind": kind,
        "lsoa_code": flows["origin"].to_numpy(dtype=object),
        "resident_la_gss": la.reindex(flows["origin"]).to_numpy(dtype=object),
        "provision_id": flows["dest"].to_numpy(dtype=object),
        "provider_la_gss": sites["la_gss"].reindex(flows["dest"]).to_numpy(dtype=object),
        "need_assigned": flows["need"].to_numpy(dtype="float64"),
        "distance_m": flows["cost"].to_numpy(dtype="float64").round(1),
    })
    table["cross_la"] = table["resident_la_gss"] != table["provider_la_gss"]
    site_need = table.groupby("provision_id")["need_assigned"].sum().reindex(sites.index).fillna(0.0)
    return table[ASSIGNMENT_COLUMNS], found.unmet, site_need, _comparison(results, kind, demand, places, table,
                                                                           found.unmet)


def _comparison(results: Results, kind: str, demand: pd.Series, places: pd.Series, table: pd.DataFrame,
                unmet: pd.Series) -> str:
    """One sentence comparing capacity-aware placement with nearest-site assignment."""
    lsoa = results.lsoa
    nearest = pd.Series(demand.to_numpy(), index=lsoa[f"{kind}_nearest_id"].astype(object).to_numpy())
    load = nearest[nearest.index.notna()].groupby(level=0).sum().reindex(places.index).fillna(0.0)
    over = int((load > places + 1e-9).sum())
    crossing_nearest = float(demand.to_numpy()[lsoa[f"{kind}_cross_la"].to_numpy(dtype=bool)].sum())
    crossing = float(table.loc[table["cross_la"], "need_assigned"].sum())
    placed = float(table["need_assigned"].sum())
    mean = float(np.dot(table["need_assigned"], table["distance_m"]) / placed) if placed > 0 else np.nan
    distance = lsoa[f"{kind}_distance_m"].to_numpy(dtype="float64")
    known = np.isfinite(distance)
    w = demand.to_numpy()
    mean_nearest = float(np.dot(w[known], distance[known]) / w[known].sum()) if w[known].sum() > 0 else np.nan
    names = la_names(results)
    by_la = unmet.groupby(lsoa["la_gss"].astype(str).to_numpy()).sum().sort_values(ascending=False)
    listed = "; ".join(f"{names.get(c, c)} {count_text(v)}" for c, v in by_la.items() if v >= 0.05) or "none"
    return (f"Capacity-aware placement, {kind}: {count_text(placed)} of {count_text(float(w.sum()))} children placed "
            f"within the places, {count_text(float(unmet.sum()))} unmet (by LA: {listed}); {count_text(crossing)} "
            f"placed in another LA (nearest-site assignment: {count_text(crossing_nearest)}); mean distance "
            f"{mean / METRES_PER_MILE:.1f} miles (nearest site: {mean_nearest / METRES_PER_MILE:.1f}); nearest-site "
            f"assignment would put {over} of {len(places)} sites over their places.")
