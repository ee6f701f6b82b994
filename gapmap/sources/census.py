"""DfE school census (January 2023) rows located by Code-Point Open -> canonical provision."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from gapmap.errors import DataFileError, InputError
from gapmap.inputs import EXCLUDED_COLUMNS
from gapmap.model import CRS, classify, conform_provision, empty_provision

#: Census phase grouping -> the phase word :func:`gapmap.model.classify` expects.
_PHASE_FROM_GROUPING = {
    "State-funded primary": "Primary",
    "State-funded secondary": "Secondary",
    "State-funded nursery": "Nursery",
}

REQUIRED_COLUMNS = [
    "urn", "school_name", "old_la_code", "new_la_code", "phase_type_grouping",
    "typeofestablishment_name", "school_postcode", "headcount_pupils", "geometry",
]

SOURCE_LABEL = "DfE school census, January 2023"
LOCATION_LABEL = "postcode centroid (OS Code-Point Open, April 2025)"


def _int_or_na(value: float | None) -> object:
    return pd.NA if value is None or pd.isna(value) else int(value)


def provision_from_census(
    census: gpd.GeoDataFrame, *, source_name: str
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Map located school-census rows into the canonical provision table.

    Parameters
    ----------
    census
        Rows of the embedded ``schools_census`` layer: census columns and a
        point geometry on EPSG:27700 (null where the postcode was not found).
    source_name
        Name of the input, used in error messages.

    Returns
    -------
    provision : geopandas.GeoDataFrame
        Canonical provision (see :mod:`gapmap.model`).  The census gives no
        capacity and no statutory age range, so both are null.
    excluded : pandas.DataFrame
        Rows that were not used, with the reason (no location, or a type that
        is not a school place for resident children).

    Raises
    ------
    DataFileError
        If a required column is missing.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in census.columns]
    if missing:
        raise DataFileError(
            f"{source_name} lacks the column(s) {', '.join(missing)}; rebuild it with `python -m gapmap.prepare`."
        )
    excluded: list[dict[str, str]] = []
    rows: list[dict[str, object]] = []
    for record in census.itertuples(index=False):
        urn = str(record.urn)
        try:
            classified = classify(record.typeofestablishment_name, _PHASE_FROM_GROUPING.get(record.phase_type_grouping))
        except InputError as error:
            raise DataFileError(f"{source_name}, URN {urn}: {error}") from None
        if classified is None:
            excluded.append(dict(source=source_name, record_id=urn, name=record.school_name,
                                 reason=f"type not analysed: {record.typeofestablishment_name}"))
            continue
        if record.geometry is None or record.geometry.is_empty:
            excluded.append(dict(source=source_name, record_id=urn, name=record.school_name,
                                 reason=f"no location: postcode {record.school_postcode} not in Code-Point Open"))
            continue
        kind, sector = classified
        rows.append(
            dict(
                provision_id=urn,
                urn=urn,
                name=record.school_name,
                la_code=str(record.old_la_code),
                la_gss=record.new_la_code,
                kind=kind,
                sector=sector,
                establishment_type=record.typeofestablishment_name,
                phase=record.phase_type_grouping,
                statutory_low_age=pd.NA,
                statutory_high_age=pd.NA,
                pupils=record.headcount_pupils,
                capacity=pd.NA,
                needs=pd.NA,
                postcode=record.school_postcode,
                source=SOURCE_LABEL,
                location_source=LOCATION_LABEL,
                age_low_on_roll=_int_or_na(getattr(record, "age_low_on_roll", None)),
                age_high_on_roll=_int_or_na(getattr(record, "age_high_on_roll", None)),
                geometry=record.geometry,
            )
        )
    if not rows:
        return empty_provision(), pd.DataFrame(excluded, columns=EXCLUDED_COLUMNS)
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    provision = conform_provision(frame, source_name=source_name)
    return provision, pd.DataFrame(excluded, columns=EXCLUDED_COLUMNS)
