"""Checks on study inputs before analysis: one clear error instead of a silent wrong figure."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gapmap.errors import InputError
from gapmap.inputs import StudyInputs
from gapmap.validate import ENGLAND_BOX


LSOA_COLUMNS = ("lsoa_code", "la_gss", "children_0_15", "centroid_easting", "centroid_northing")


def _first(ids: pd.Series, bad: np.ndarray) -> str:
    return ", ".join(map(str, ids[bad].head(5)))


def outside_england(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """True where a point is missing or outside :data:`gapmap.validate.ENGLAND_BOX`.

    Examples
    --------
    >>> outside_england(np.array([425_000.0, -1.6]), np.array([565_000.0, 54.9])).tolist()
    [False, True]
    """
    xmin, ymin, xmax, ymax = ENGLAND_BOX
    return ~((x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax))


def check_inputs(inputs: StudyInputs) -> None:
    """Raise if the inputs cannot give defined results.

    Parameters
    ----------
    inputs
        Study inputs.

    Raises
    ------
    InputError
        If an LSOA column is missing, an LSOA or LA code or provision id is
        duplicated, an LSOA lies in an LA missing from the LA table, a child
        count is missing or negative, or an LSOA centroid or provision point is
        missing or outside England.
    """
    lsoas = inputs.lsoas
    missing = [c for c in LSOA_COLUMNS if c not in lsoas.columns]
    if missing:
        raise InputError(f"The LSOA table lacks the column(s) {', '.join(missing)}.")
    codes = lsoas["lsoa_code"]
    if codes.duplicated().any():
        raise InputError(f"The LSOA table has duplicate LSOA codes: {_first(codes, codes.duplicated().to_numpy())}.")
    las = inputs.las["la_gss"]
    if las.duplicated().any():
        raise InputError(f"The LA table has duplicate LA codes: {_first(las, las.duplicated().to_numpy())}.")
    stray = ~lsoas["la_gss"].isin(las).to_numpy()
    if stray.any():
        raise InputError(f"LSOA(s) {_first(codes, stray)} lie in an LA that is not in the LA table.")
    children = pd.to_numeric(lsoas["children_0_15"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    bad = ~(children >= 0)
    if bad.any():
        raise InputError(f"children_0_15 must be a number >= 0 for every LSOA; it is not for {_first(codes, bad)}.")
    x = pd.to_numeric(lsoas["centroid_easting"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    y = pd.to_numeric(lsoas["centroid_northing"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    far = outside_england(x, y)
    if far.any():
        raise InputError(
            f"LSOA centroid(s) of {_first(codes, far)} are missing or outside England; centroids must be "
            "British National Grid (EPSG:27700) eastings and northings."
        )
    provision = inputs.provision
    ids = provision["provision_id"]
    if ids.duplicated().any():
        raise InputError(f"The provision table has duplicate provision ids: {_first(ids, ids.duplicated().to_numpy())}.")
    if len(provision):
        empty = provision.geometry.isna().to_numpy() | provision.geometry.is_empty.to_numpy()
        px = np.where(empty, np.nan, provision.geometry.x.where(~empty).to_numpy(dtype="float64"))
        py = np.where(empty, np.nan, provision.geometry.y.where(~empty).to_numpy(dtype="float64"))
        far = outside_england(px, py)
        if far.any():
            raise InputError(
                f"Provision {_first(ids, far)} has no location or lies outside England; locations must be "
                "British National Grid (EPSG:27700) points."
            )


def check_kinds_recorded(inputs: StudyInputs, kinds: tuple[str, ...]) -> None:
    """Refuse kinds of which the source has no record at all: no data is not a gap.

    A kind the source never records (the school census has no SEN unit or
    resourced provision flags) would otherwise show every child beyond every
    distance.

    Parameters
    ----------
    inputs
        Study inputs.
    kinds
        Kinds to analyse.

    Raises
    ------
    InputError
        Naming the kinds with no record in any sector and what to do.
    """
    recorded = set(inputs.provision["kind"].dropna().astype(str))
    absent = [k for k in kinds if k not in recorded]
    if absent:
        source = inputs.vintages.get("Schools", "the schools source")
        raise InputError(
            f"No data in this source for {', '.join(absent)}: {source} has no record of that provision in any "
            "sector, so a gap cannot be measured (it would show every child beyond every distance); leave "
            f"{', '.join(absent)} out of --kinds, or give a schools file that records it with --schools."
        )
