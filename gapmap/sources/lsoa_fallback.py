"""A located fallback for census establishments whose postcode is terminated: their LSOA's centroid.

The January 2023 school census is located by postcode (OS Code-Point Open,
April 2025); a school whose postcode has since been terminated has no point
and would be dropped (e.g. Dryden School, Gateshead, a special school with 57
pupils).  GIAS records each establishment's LSOA (2011), so such a school is
placed at its LSOA's area centroid instead, to within the LSOA (about 1,500
people, typically well under a mile across in towns), and flagged in the
``provision`` table's ``location_source`` and in the method notes.
"""

from __future__ import annotations

import pandas as pd

#: ``location_source`` of an establishment placed at its LSOA's centroid.
LSOA_FALLBACK_LABEL = ("LSOA centroid (postcode terminated; LSOA 2011 from GIAS May 2025, ONS area centroid): "
                       "located to within its LSOA")


def lsoa_fallback(rows: pd.DataFrame, gias: pd.DataFrame, lsoas: pd.DataFrame) -> pd.DataFrame:
    """Fill ``easting``/``northing`` of unlocated rows from their GIAS LSOA's centroid.

    Parameters
    ----------
    rows
        Census rows (``urn``, ``easting``, ``northing``; null where the postcode is terminated).
    gias
        GIAS establishments (``urn``, ``lsoa_code``).
    lsoas
        LSOAs (``lsoa_code``, ``centroid_easting``, ``centroid_northing``).

    Returns
    -------
    pandas.DataFrame
        ``rows`` with those coordinates filled where GIAS gives a known LSOA, and a boolean
        column ``lsoa_located`` marking them.

    Examples
    --------
    >>> rows = pd.DataFrame({"urn": [1, 2, 3], "easting": [10.0, None, None], "northing": [20.0, None, None]})
    >>> gias = pd.DataFrame({"urn": [2, 3], "lsoa_code": ["E01000001", None]})
    >>> lsoas = pd.DataFrame({"lsoa_code": ["E01000001"], "centroid_easting": [500.0], "centroid_northing": [600.0]})
    >>> lsoa_fallback(rows, gias, lsoas)[["easting", "northing", "lsoa_located"]].values.tolist()
    [[10.0, 20.0, False], [500.0, 600.0, True], [nan, nan, False]]
    """
    out = rows.copy()
    missing = (out["easting"].isna() | out["northing"].isna()).to_numpy()
    lsoa_of = gias.dropna(subset=["lsoa_code"]).drop_duplicates("urn").set_index("urn")["lsoa_code"]
    centroids = lsoas.drop_duplicates("lsoa_code").set_index("lsoa_code")[["centroid_easting", "centroid_northing"]]
    codes = out["urn"].map(lsoa_of)
    east = codes.map(centroids["centroid_easting"]).astype("float64")
    north = codes.map(centroids["centroid_northing"]).astype("float64")
    placed = missing & east.notna().to_numpy() & north.notna().to_numpy()
    out["easting"] = out["easting"].astype("float64").where(~placed, east)
    out["northing"] = out["northing"].astype("float64").where(~placed, north)
    out["lsoa_located"] = placed
    return out
