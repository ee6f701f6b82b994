"""Supply: which provision serves which children, and how many places it has.

A provision serves a child only if its kind, its age range and (where both
sides know it) its SEN need types match the child.  Places are the capacity
where the source gives one; otherwise pupils on roll, flagged as a proxy
(the school census gives no capacity, so every census place figure is a proxy).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from gapmap.settings import Settings

PLACES_FROM_CAPACITY = "capacity"
PLACES_FROM_PUPILS = "pupils on roll (proxy: no capacity known)"
PLACES_UNKNOWN = "none known (counted as 0)"

AGES_STATUTORY = "statutory age range (GIAS)"
AGES_ON_ROLL = "ages with pupils on roll (observed, school census)"
AGES_UNKNOWN = "unknown (serves every age)"


def supply_of_kind(provision: gpd.GeoDataFrame, kind: str, settings: Settings) -> gpd.GeoDataFrame:
    """Provision of one kind from the sectors in ``settings``.

    Parameters
    ----------
    provision
        Canonical provision table.
    kind
        Provision kind.
    settings
        Analysis settings (sectors counted as supply).

    Returns
    -------
    geopandas.GeoDataFrame
        The matching rows, in ``provision_id`` order.
    """
    mask = (provision["kind"] == kind) & provision["sector"].isin(settings.sectors)
    return provision[mask.fillna(False).to_numpy()]


def places(provision: pd.DataFrame) -> pd.DataFrame:
    """Places of each provision and where the figure comes from.

    Parameters
    ----------
    provision
        Canonical provision table.

    Returns
    -------
    pandas.DataFrame
        Same index: ``places`` (capacity when it is known and above 0, else
        pupils on roll, else 0), ``places_source`` (one of the ``PLACES_*``
        labels) and ``places_proxy`` (True unless the figure is a capacity).

    Examples
    --------
    >>> table = pd.DataFrame({"capacity": pd.array([120, None, 0, None], dtype="Int64"),
    ...                       "pupils": pd.array([100, 80, 15, None], dtype="Int64")})
    >>> places(table)["places"].tolist()
    [120, 80, 15, 0]
    """
    capacity = pd.to_numeric(provision["capacity"], errors="coerce").astype("Float64")
    pupils = pd.to_numeric(provision["pupils"], errors="coerce").astype("Float64")
    from_capacity = (capacity > 0).fillna(False).to_numpy()
    from_pupils = ~from_capacity & pupils.notna().to_numpy()
    value = np.where(from_capacity, capacity.fillna(0).to_numpy(), np.where(from_pupils, pupils.fillna(0).to_numpy(), 0))
    source = np.where(from_capacity, PLACES_FROM_CAPACITY, np.where(from_pupils, PLACES_FROM_PUPILS, PLACES_UNKNOWN))
    return pd.DataFrame(
        {"places": value.astype("int64"), "places_source": source, "places_proxy": ~from_capacity},
        index=provision.index,
    )


def age_ranges(provision: pd.DataFrame) -> pd.DataFrame:
    """Ages each provision serves: statutory where known, else ages on roll, else unknown.

    Parameters
    ----------
    provision
        Canonical provision table.

    Returns
    -------
    pandas.DataFrame
        Same index: ``age_low``, ``age_high`` (``Int64``, null when unknown)
        and ``age_source`` (one of the ``AGES_*`` labels).
    """
    statutory = provision["statutory_low_age"].notna() & provision["statutory_high_age"].notna()
    on_roll = ~statutory & provision["age_low_on_roll"].notna() & provision["age_high_on_roll"].notna()
    low = provision["statutory_low_age"].where(statutory, provision["age_low_on_roll"].where(on_roll))
    high = provision["statutory_high_age"].where(statutory, provision["age_high_on_roll"].where(on_roll))
    source = np.where(statutory, AGES_STATUTORY, np.where(on_roll, AGES_ON_ROLL, AGES_UNKNOWN))
    return pd.DataFrame(
        {"age_low": low.astype("Int64"), "age_high": high.astype("Int64"), "age_source": source},
        index=provision.index,
    )


def serves_age(age_low: pd.Series, age_high: pd.Series, age: int) -> np.ndarray:
    """True where a provision's age range holds ``age`` (or is unknown)."""
    low = age_low.astype("Float64").fillna(-np.inf).to_numpy(dtype="float64")
    high = age_high.astype("Float64").fillna(np.inf).to_numpy(dtype="float64")
    return (low <= age) & (age <= high)


def serves_need(needs: pd.Series, need: str | None) -> np.ndarray:
    """True where a provision caters for ``need``, or its need types are unknown, or ``need`` is.

    Parameters
    ----------
    needs
        ``';'``-separated need codes per provision (null when unknown).
    need
        A need code, or ``None``/``"unknown"`` for a child whose need is not known.

    Returns
    -------
    numpy.ndarray
        Boolean per provision.

    Examples
    --------
    >>> serves_need(pd.Series(["ASD;SLCN", None, "SEMH"]), "ASD").tolist()
    [True, True, False]
    """
    if need is None or need == "unknown":
        return np.ones(len(needs), dtype=bool)
    known = needs.notna().to_numpy()
    listed = needs.fillna("").astype(str).str.split(";").map(lambda codes: need in codes).to_numpy(dtype=bool)
    return ~known | listed
