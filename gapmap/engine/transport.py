"""Indicative annual home-to-school transport cost per LA, only from a cost the user sets.

For each specialist kind, the estimated children needing a place are taken to
travel to the nearest suitable site of the kind, two journeys a day on
:data:`~gapmap.engine.opportunities.SCHOOL_DAYS_PER_YEAR` days:

* ``cost_per_pupil_mile`` (GBP): demand x distance to that site (miles, as the
  build measures distance: straight line by default, a lower bound on the road
  route) x 2 x school days x the cost;
* ``cost_per_pupil`` (GBP a year): demand x the cost.

Nothing is computed or shown without one of them: there is no default cost.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from gapmap.engine.analysis import Results
from gapmap.engine.demand import SPECIALIST_KINDS
from gapmap.engine.opportunities import SCHOOL_DAYS_PER_YEAR, OpportunityOptions
from gapmap.settings import METRES_PER_MILE


#: Data dictionary entry of the LA summary column.
DEFINITIONS: dict[str, tuple[str, str]] = {
    "{kind}_indicative_transport_cost_gbp": (
        "GBP a year (indicative)", "Indicative annual home-to-school transport cost of the {label} demand living "
        "here, from the user-set cost (see the method notes), rounded to GBP 1,000; an order of magnitude, not a "
        "budget"),
}


def cost_basis(options: OpportunityOptions) -> str | None:
    """One sentence: how the indicative cost is computed, or ``None`` when no cost is set."""
    if options.cost_per_pupil_mile is not None:
        return (f"estimated children needing a place x miles to the nearest suitable site x 2 journeys x "
                f"{SCHOOL_DAYS_PER_YEAR} school days x £{options.cost_per_pupil_mile:,.2f} per pupil-mile "
                "(cost_per_pupil_mile, set by the user)")
    if options.cost_per_pupil is not None:
        return (f"estimated children needing a place x £{options.cost_per_pupil:,.0f} per pupil per year "
                "(cost_per_pupil, set by the user)")
    return None


def transport_costs(lsoa: pd.DataFrame, kinds: tuple[str, ...], options: OpportunityOptions) -> pd.DataFrame | None:
    """Per resident LA and specialist kind: ``{kind}_indicative_transport_cost_gbp`` (rounded to GBP 1,000).

    Parameters
    ----------
    lsoa
        The LSOA metrics table (``la_gss``, ``{kind}_demand``, ``{kind}_distance_m``).
    kinds
        Analysed kinds; only specialist ones are costed.
    options
        The user's transport cost.

    Returns
    -------
    pandas.DataFrame or None
        Indexed by ``la_gss``; ``None`` when no cost is set.  Demand with no
        suitable site at all is left out of the cost (it has no journey).

    Examples
    --------
    >>> lsoa = pd.DataFrame({"la_gss": ["E1", "E1"], "special_demand": [2.0, 1.0],
    ...                      "special_distance_m": [1609.344, 3218.688]})
    >>> float(transport_costs(lsoa, ("special",), OpportunityOptions(cost_per_pupil_mile=1.0)).iloc[0, 0])
    2000.0
    """
    out = {}
    for kind in (k for k in kinds if k in SPECIALIST_KINDS):
        demand = lsoa[f"{kind}_demand"].to_numpy(dtype="float64")
        if options.cost_per_pupil_mile is not None:
            miles = lsoa[f"{kind}_distance_m"].to_numpy(dtype="float64") / METRES_PER_MILE
            cost = np.where(np.isfinite(miles), demand * miles, 0.0) * 2 * SCHOOL_DAYS_PER_YEAR \
                * options.cost_per_pupil_mile
        elif options.cost_per_pupil is not None:
            cost = demand * float(options.cost_per_pupil)
        else:
            return None  # no cost set (cost_basis is None)
        out[f"{kind}_indicative_transport_cost_gbp"] = pd.Series(cost).groupby(lsoa["la_gss"].to_numpy()).sum()
    return (pd.DataFrame(out) / 1000).round() * 1000 if out else None


def with_transport_costs(results: Results, options: OpportunityOptions | None) -> Results:
    """``results`` with the indicative cost columns in ``la_summary`` and a method note, when a cost is set."""
    options = options or OpportunityOptions()
    costs = transport_costs(results.lsoa, results.settings.kinds, options)
    if costs is None:
        return results
    summary = results.la_summary.copy()
    for column in costs.columns:
        summary[column] = costs[column].reindex(summary["la_gss"]).fillna(0.0).to_numpy()
    note = (f"Indicative annual transport cost per LA (*_indicative_transport_cost_gbp): {cost_basis(options)}; "
            "an order of magnitude for planning, not a budget: real SEND transport costs depend on routes, "
            "shared vehicles and escorts.")
    return replace(results, la_summary=summary, notes=(*results.notes, note))
