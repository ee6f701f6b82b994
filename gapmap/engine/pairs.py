"""Origins, suitable sites and their cost tables: the inputs of every metric, reusable on their own.

Scenario and site-selection code can call :func:`kind_costs` to get the same
baseline LSOA -> provision costs the analysis uses instead of recomputing them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gapmap.engine.costs import CostBackend, StraightLine, as_backend, coordinates
from gapmap.engine.metrics import Sites
from gapmap.engine.supply import age_ranges, places, serves_age, supply_of_kind
from gapmap.inputs import StudyInputs
from gapmap.settings import Settings


def cost_backend(settings: Settings) -> CostBackend:
    """The backend ``settings`` asks for: its ``cost_backend``, else straight lines x ``circuity``."""
    if settings.cost_backend is not None:
        return as_backend(settings.cost_backend)
    return StraightLine(circuity=float(settings.circuity))


def journey_backend(settings: Settings) -> CostBackend | None:
    """The journey-time backend (minutes) ``settings`` asks for, or ``None`` for no journey-time outputs."""
    return None if settings.journey_backend is None else as_backend(settings.journey_backend)


def lsoa_origins(lsoas: pd.DataFrame) -> pd.DataFrame:
    """LSOA centroids as the backends take them: ``x``, ``y`` indexed by ``lsoa_code``."""
    return coordinates(lsoas["lsoa_code"], lsoas["centroid_easting"], lsoas["centroid_northing"])


def provision_supply(provision: pd.DataFrame) -> pd.DataFrame:
    """The provision table with ``places``, ``places_source``, ``places_proxy``, ``age_low``, ``age_high``, ``age_source``."""
    return pd.concat([provision, places(provision), age_ranges(provision)], axis=1)


def suitable_sites(supply: pd.DataFrame, kind: str, settings: Settings) -> Sites:
    """Provision of ``kind`` in the analysed sectors that serves at least one of the kind's ages.

    Parameters
    ----------
    supply
        Output of :func:`provision_supply`.
    kind
        Provision kind.
    settings
        Sectors and ages.

    Returns
    -------
    Sites
    """
    rows = supply_of_kind(supply, kind, settings)
    ages = settings.age_range(kind)
    serves = np.zeros(len(rows), dtype=bool)
    for age in ages:
        serves |= serves_age(rows["age_low"], rows["age_high"], age)
    rows = rows[serves]
    table = pd.DataFrame(
        {
            "provision_id": rows["provision_id"].astype(str).to_numpy(),
            "la_gss": rows["la_gss"].to_numpy(),
            "places": rows["places"].to_numpy(),
            "places_proxy": rows["places_proxy"].to_numpy(dtype=bool),
            "age_low": rows["age_low"].to_numpy(),
            "age_high": rows["age_high"].to_numpy(),
            "needs": rows["needs"].to_numpy(),
        }
    )
    table["age_low"] = table["age_low"].astype("Int64")
    table["age_high"] = table["age_high"].astype("Int64")
    table["needs"] = table["needs"].astype("string")
    points = coordinates(table["provision_id"], rows.geometry.x.to_numpy(), rows.geometry.y.to_numpy())
    return Sites(table=table, points=points)


def kind_costs(
    inputs: StudyInputs, kind: str, *, settings: Settings | None = None, max_cost: float | None = None
) -> pd.DataFrame:
    """Baseline cost table from every LSOA to every suitable provision of one kind.

    Parameters
    ----------
    inputs
        Study inputs.
    kind
        Provision kind.
    settings
        Sectors, ages, catchment and cost backend (defaults apply when ``None``).
    max_cost
        Largest cost kept, metres; default the kind's catchment; ``numpy.inf``
        for every pair.

    Returns
    -------
    pandas.DataFrame
        Long table ``origin`` (LSOA code), ``dest`` (``provision_id``), ``cost``
        (metres, measured as the settings' backend says: straight line by default).
    """
    settings = settings or Settings()
    sites = suitable_sites(provision_supply(inputs.provision), kind, settings)
    limit = settings.catchment(kind) if max_cost is None else float(max_cost)
    return cost_backend(settings).costs(lsoa_origins(inputs.lsoas), sites.points, max_cost=limit)
