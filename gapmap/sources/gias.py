"""DfE Get Information about Schools (GIAS) daily bulk CSV -> canonical provision.

The file ``edubasealldataYYYYMMDD.csv`` is published daily (Windows-1252,
Easting/Northing on British National Grid); today's may not exist yet, so the
loader looks back day by day.  Open establishments are classified with
:func:`gapmap.model.classify`.  SEN units and resourced provision, which GIAS
records as fields of their host school, become provision of their own kind
(``sen_unit``, ``resourced_provision``) at the host's location, with their own
capacity, pupils on roll and need types.  By DfE's definitions both are part
of a *mainstream* school: where GIAS records them at a special school or AP,
their places are the school's own and they are listed in ``excluded`` rather
than counted twice.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Mapping

import geopandas as gpd
import pandas as pd

from gapmap.errors import DataFileError, InputError, NetworkError
from gapmap.inputs import EXCLUDED_COLUMNS
from gapmap.model import CRS, classify, conform_provision, empty_provision
from gapmap.sources.config import SourceConfig
from gapmap.sources.http import Downloader, Fetched, csv_validator
from gapmap.validate import code_problems, exclude_misplaced, in_great_britain

ENCODING = "cp1252"
LABEL = "GIAS establishments"
LOCATION_LABEL = "GIAS Easting/Northing (British National Grid)"
OPEN_STATUSES = ("Open", "Open, but proposed to close")
SEN_COLUMNS = [f"SEN{i} (name)" for i in range(1, 14)]
REQUIRED_COLUMNS = [
    "URN", "LA (code)", "EstablishmentName", "TypeOfEstablishment (name)", "EstablishmentStatus (name)",
    "PhaseOfEducation (name)", "StatutoryLowAge", "StatutoryHighAge", "SchoolCapacity", "NumberOfPupils",
    "Postcode", "Easting", "Northing", "TypeOfResourcedProvision (name)", "ResourcedProvisionCapacity",
    "ResourcedProvisionOnRoll", "SenUnitCapacity", "SenUnitOnRoll", *SEN_COLUMNS,
]
#: Unit kind -> (id suffix, name suffix, word in ``TypeOfResourcedProvision (name)``, capacity, on roll).
UNITS: dict[str, tuple[str, str, str, str, str]] = {
    "sen_unit": ("-SU", "SEN unit", "SEN unit", "SenUnitCapacity", "SenUnitOnRoll"),
    "resourced_provision": ("-RP", "resourced provision", "Resourced provision",
                            "ResourcedProvisionCapacity", "ResourcedProvisionOnRoll"),
}
_NOT_HOSTS = ("special", "ap")


def file_url(config: SourceConfig, day: date) -> str:
    """Return the URL of the GIAS all-establishments file published on ``day``."""
    return f"{config.url('gias').rstrip('/')}/edubasealldata{day:%Y%m%d}.csv"


def fetch_gias(downloader: Downloader, config: SourceConfig, *, today: date | None = None) -> tuple[Fetched, date]:
    """Find the newest GIAS file, looking back day by day from ``today``.

    Parameters
    ----------
    downloader
        Cache-aware downloader; offline, only cached files are considered.
    config
        Source configuration (``gias`` URL, ``gias_lookback_days``).
    today
        First day tried (default: today).

    Returns
    -------
    fetched : Fetched
        The file.
    day : datetime.date
        Its publication date.

    Raises
    ------
    NetworkError
        Online, if no file exists for any day in the look-back window.
    DataFileError
        Offline, if none is cached.
    """
    today = today or date.today()
    days = [today - timedelta(days=n) for n in range(config.gias_lookback_days)]
    for day in days:
        url = file_url(config, day)
        if downloader.offline:
            found = downloader.cached(url, label=LABEL)
        else:
            found = downloader.fetch(url, label=LABEL, missing_ok=True, validate=csv_validator(
                label=LABEL, url_hint=url, columns=REQUIRED_COLUMNS, encoding=ENCODING))
        if found is not None:
            return found, day
    pattern = file_url(config, today).replace(f"{today:%Y%m%d}", "YYYYMMDD")
    if downloader.offline:
        raise DataFileError(
            f"Offline, and no GIAS file {pattern} of the {len(days)} days to {today:%d-%m-%Y} is in the cache "
            f"{downloader.cache.root}; run `gapmap fetch` with a network connection first."
        )
    raise NetworkError(
        f"No GIAS file {pattern} exists for any of the {len(days)} days to {today:%d-%m-%Y}; "
        "check the GIAS base URL setting (GAPMAP_GIAS_URL)."
    )


def read_gias(path: Path, *, la_codes: list[str], source_name: str) -> pd.DataFrame:
    """Read the open establishments of some LAs from a GIAS all-establishments CSV.

    Parameters
    ----------
    path
        The CSV (Windows-1252).
    la_codes
        DfE 3-digit LA codes to keep.
    source_name
        Name of the input, used in error messages.

    Returns
    -------
    pandas.DataFrame
        The :data:`REQUIRED_COLUMNS` as text (empty cells null), open establishments only.

    Raises
    ------
    DataFileError
        If the file cannot be read or lacks a column.
    """
    try:
        header = pd.read_csv(path, nrows=0, encoding=ENCODING).columns
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise DataFileError(f"Cannot read {source_name} as a Windows-1252 CSV ({error}).") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise DataFileError(f"{source_name} lacks the column(s) {', '.join(missing)}; expected the GIAS "
                            "all-establishment data layout.")
    raw = pd.read_csv(path, usecols=REQUIRED_COLUMNS, dtype="string", encoding=ENCODING,
                      keep_default_na=False, na_values=[""])
    keep = raw["LA (code)"].isin(la_codes) & raw["EstablishmentStatus (name)"].isin(OPEN_STATUSES)
    return raw[keep].reset_index(drop=True)


def _number(values: pd.Series) -> pd.Series:
    """Parse text counts defensively: anything that is not a number becomes null."""
    return pd.to_numeric(values, errors="coerce").round().astype("Int64")


def need_codes(values: pd.Series) -> str | None:
    """Return the ';'-joined sorted need codes of one row's ``SEN1..SEN13 (name)`` values.

    Parameters
    ----------
    values
        The 13 cells, e.g. ``"ASD - Autistic Spectrum Disorder"``; empty cells and
        ``"Not Applicable"`` are skipped.

    Returns
    -------
    str or None
        e.g. ``"ASD;SLCN"``, or ``None`` when no need type is given.

    Examples
    --------
    >>> need_codes(pd.Series(["SLCN - Speech, language and Communication", "ASD - Autistic Spectrum Disorder", None]))
    'ASD;SLCN'
    """
    codes = set()
    for value in values.dropna():
        text = str(value).strip()
        if text and text.lower() != "not applicable":
            codes.add(text.split(" - ", 1)[0].strip())
    return ";".join(sorted(codes)) or None


def _classified(raw: pd.DataFrame) -> pd.DataFrame:
    """Kind, sector and any classification problem per row."""
    pairs = raw[["TypeOfEstablishment (name)", "PhaseOfEducation (name)"]].drop_duplicates()
    rows: list[tuple[object, object, str | None, str | None, str | None]] = []
    for kind_type, phase in pairs.itertuples(index=False):
        try:
            found = classify(str(kind_type), None if pd.isna(phase) else str(phase))
        except InputError as error:
            rows.append((kind_type, phase, None, None, f"cannot classify: {error}"))
            continue
        if found is None:
            rows.append((kind_type, phase, None, None, f"type not analysed: {kind_type}"))
        else:
            rows.append((kind_type, phase, found[0], found[1], None))
    table = pd.DataFrame(rows, columns=["TypeOfEstablishment (name)", "PhaseOfEducation (name)", "kind", "sector",
                                        "problem"])
    return raw.merge(table, on=["TypeOfEstablishment (name)", "PhaseOfEducation (name)"], how="left",
                     validate="m:1")


def provision_from_gias(
    raw: pd.DataFrame, *, la_gss: Mapping[str, str], source_label: str, source_name: str
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Map open GIAS establishments into the canonical provision table, units as their own rows.

    Parameters
    ----------
    raw
        Output of :func:`read_gias`.
    la_gss
        DfE LA code -> ONS code of the education authority.
    source_label
        Value of the ``source`` column (names the file's date).
    source_name
        Name of the input, for ``excluded`` and error messages.

    Returns
    -------
    provision : geopandas.GeoDataFrame
        Canonical provision: one row per establishment (``provision_id`` = URN)
        and one per SEN unit (URN + ``"-SU"``) or resourced provision (URN +
        ``"-RP"``) in a mainstream school, at the host's location.
    excluded : pandas.DataFrame
        Rows not used, with the reason: types that are not school places,
        unclassifiable rows, rows with a malformed or repeated URN (the first
        row of a URN is used), rows without a location or with one outside
        Great Britain, and units recorded at special schools or AP.

    Raises
    ------
    DataFileError
        If no located row lies in Great Britain (the whole file has another CRS).
    """
    table = _classified(raw)
    bad_urn = code_problems(table["URN"], "urn")
    repeated = table["URN"].duplicated() & bad_urn.isna()
    table["problem"] = table["problem"].fillna(("bad URN: " + bad_urn).astype("object")).fillna(
        ("URN " + table["URN"] + " appears again: the first row with it is used").where(repeated).astype("object"))
    easting = pd.to_numeric(table["Easting"], errors="coerce")
    northing = pd.to_numeric(table["Northing"], errors="coerce")
    given = (easting.notna() & northing.notna() & ~((easting == 0) & (northing == 0))).fillna(False).astype(bool)
    located = given & in_great_britain(easting, northing)
    if given.any() and not located.any():
        raise DataFileError(f"None of the Easting/Northing values of {source_name} lies in Great Britain "
                            f"(British National Grid metres); e.g. URN {table.loc[given, 'URN'].iloc[0]}: "
                            f"{table.loc[given, 'Easting'].iloc[0]}, {table.loc[given, 'Northing'].iloc[0]}.")
    needs = table[SEN_COLUMNS].apply(need_codes, axis=1).astype("string")
    provision_type = table["TypeOfResourcedProvision (name)"].fillna("")
    base = pd.DataFrame(
        {
            "urn": table["URN"],
            "name": table["EstablishmentName"],
            "la_code": table["LA (code)"],
            "la_gss": table["LA (code)"].map(la_gss),
            "kind": table["kind"],
            "sector": table["sector"],
            "establishment_type": table["TypeOfEstablishment (name)"],
            "phase": table["PhaseOfEducation (name)"],
            "statutory_low_age": _number(table["StatutoryLowAge"]),
            "statutory_high_age": _number(table["StatutoryHighAge"]),
            "age_low_on_roll": pd.array([pd.NA] * len(table), dtype="Int64"),
            "age_high_on_roll": pd.array([pd.NA] * len(table), dtype="Int64"),
            "needs": needs,
            "postcode": table["Postcode"],
            "source": source_label,
            "location_source": LOCATION_LABEL,
        }
    )
    geometry = gpd.points_from_xy(easting.fillna(0), northing.fillna(0), crs=CRS)
    usable = table["problem"].isna()
    off_grid = "location not on British National Grid in Great Britain: GIAS Easting/Northing " + \
        table["Easting"].fillna("") + ", " + table["Northing"].fillna("")
    unlocated = off_grid.where(given, "no location: GIAS gives no Easting/Northing")
    excluded = [
        _excluded(source_name, table["URN"], table["EstablishmentName"], table["problem"], ~usable),
        _excluded(source_name, table["URN"], table["EstablishmentName"], unlocated, usable & ~located),
    ]
    parts = [base.assign(
        provision_id=table["URN"], pupils=_number(table["NumberOfPupils"]), capacity=_number(table["SchoolCapacity"]),
        geometry=geometry,
    )[usable & located]]
    for kind, (suffix, noun, word, capacity_column, roll_column) in UNITS.items():
        capacity, on_roll = _number(table[capacity_column]), _number(table[roll_column])
        present = provision_type.str.contains(word, case=False, regex=False) | (capacity > 0) | (on_roll > 0)
        present = present.fillna(False) & usable
        unit_ids = table["URN"] + suffix
        names = table["EstablishmentName"] + f" ({noun})"
        at_special = present & table["kind"].isin(_NOT_HOSTS)
        reason = f"{noun} recorded at a special school or AP: its places are the school's own"
        excluded.append(_excluded(source_name, unit_ids, names, reason, at_special))
        excluded.append(_excluded(source_name, unit_ids, names, unlocated, present & ~at_special & ~located))
        hosted = present & ~at_special & located
        parts.append(base.assign(
            provision_id=unit_ids, name=names, kind=kind, pupils=on_roll, capacity=capacity, geometry=geometry,
        )[hosted])
    excluded_table = pd.concat(excluded, ignore_index=True)
    rows = pd.concat(parts, ignore_index=True)
    if rows.empty:
        return empty_provision(), excluded_table
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    return conform_provision(frame, source_name=source_name), excluded_table


def _excluded(source: str, ids: pd.Series, names: pd.Series, reason: str | pd.Series, mask: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame({"source": source, "record_id": ids, "name": names, "reason": reason})
    return frame[mask.fillna(False).to_numpy()][EXCLUDED_COLUMNS]


def load_gias(
    downloader: Downloader, config: SourceConfig, *, la_gss: Mapping[str, str], las: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, str]:
    """Fetch the newest GIAS file and return the canonical provision of some education authorities.

    Parameters
    ----------
    downloader
        Cache-aware downloader.
    config
        Source configuration.
    la_gss
        DfE 3-digit LA code -> ONS code, for the LAs studied.
    las
        Their polygons (``la_gss``, EPSG:27700): establishments located well
        outside their own LA are excluded (:func:`gapmap.validate.exclude_misplaced`).

    Returns
    -------
    provision : geopandas.GeoDataFrame
        See :func:`provision_from_gias`.
    excluded : pandas.DataFrame
        Source rows not used, with the reason.
    vintage : str
        e.g. ``"DfE Get Information about Schools, all establishment data, 03-07-2023"``.

    Raises
    ------
    DataFileError
        If the file lacks a column, or none of its establishments lies in its own LA.
    """
    fetched, day = fetch_gias(downloader, config)
    source_label = f"DfE Get Information about Schools, all establishment data, {day:%d-%m-%Y}"
    source_name = f"GIAS edubasealldata{day:%Y%m%d}.csv"
    raw = read_gias(fetched.path, la_codes=list(la_gss), source_name=f"{source_name} ({fetched.path})")
    provision, excluded = provision_from_gias(raw, la_gss=la_gss, source_label=source_label, source_name=source_name)
    provision, misplaced = exclude_misplaced(provision, las, source_name=source_name)
    if len(misplaced):
        excluded = pd.concat([excluded, misplaced], ignore_index=True)
    return provision, excluded, source_label
