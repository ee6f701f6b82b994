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

import logging
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Mapping

import geopandas as gpd
import pandas as pd

from gapmap.errors import DataFileError, InputError, NetworkError
from gapmap.inputs import EXCLUDED_COLUMNS
from gapmap.model import CRS, classify, conform_provision, empty_provision
from gapmap.sources.config import SourceConfig
from gapmap.sources.http import Downloader, Fetched, Validator, csv_validator, from_the_cache
from gapmap.validate import MAX_AGE, MAX_SCHOOL_COUNT, code_problems, exclude_misplaced, in_great_britain

log = logging.getLogger(__name__)

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
#: GIAS's StatutoryHighAge for "no upper age" (further education colleges, e.g. URN 130542 in Leeds).
NO_UPPER_AGE = 99
#: Whole-number columns of an establishment row, with their largest plausible value.
_HOST_COUNTS = {"NumberOfPupils": MAX_SCHOOL_COUNT, "SchoolCapacity": MAX_SCHOOL_COUNT,
                "StatutoryLowAge": MAX_AGE, "StatutoryHighAge": NO_UPPER_AGE}
#: Most bytes a GIAS all-establishments file may have (it is about 60 MB).
MAX_BYTES = 1024 * 1024 * 1024


def file_url(config: SourceConfig, day: date) -> str:
    """Return the URL of the GIAS all-establishments file published on ``day``."""
    return f"{config.url('gias').rstrip('/')}/edubasealldata{day:%Y%m%d}.csv"


def _validator(url: str) -> Validator:
    """A complete GIAS CSV with the expected header and at least one open establishment located in Great Britain.

    The national file lists over 20,000 open establishments; one with none is
    a broken export, and is refused before it is cached.
    """
    as_csv = csv_validator(label=LABEL, url_hint=url, columns=REQUIRED_COLUMNS, encoding=ENCODING)

    def validate(path: Path) -> None:
        as_csv(path)
        table = pd.read_csv(path, usecols=["EstablishmentStatus (name)", "Easting", "Northing"], dtype="string",
                            encoding=ENCODING, encoding_errors="replace", keep_default_na=False, na_values=[""])
        open_rows = table[table["EstablishmentStatus (name)"].isin(OPEN_STATUSES)]
        easting, northing = (pd.to_numeric(open_rows[c], errors="coerce") for c in ("Easting", "Northing"))
        if not (in_great_britain(easting, northing) & ((easting != 0) | (northing != 0))).any():
            raise NetworkError(
                f"The {LABEL} from {url} has {len(open_rows):,} open establishment(s) and none located in Great "
                "Britain (British National Grid Easting/Northing): a broken export; nothing was cached: try again "
                "later, or check the GIAS base URL setting (GAPMAP_GIAS_URL).")

    return validate


def newest_cached(downloader: Downloader, config: SourceConfig) -> tuple[Fetched, date] | None:
    """Return the newest GIAS file in the cache, of any age, or ``None``.

    Parameters
    ----------
    downloader
        Downloader whose cache is searched.
    config
        Source configuration (``gias`` URL).

    Returns
    -------
    tuple of (Fetched, datetime.date) or None
        The file and its publication date.
    """
    pattern = re.compile(re.escape(file_url(config, date(2000, 1, 1))).replace("20000101", r"(\d{8})"))
    days = {}
    for entry in downloader.cache.entries():
        match = pattern.fullmatch(entry.url)
        if match:
            try:
                day = date(int(match[1][:4]), int(match[1][4:6]), int(match[1][6:]))
            except ValueError:
                continue
            days[day] = entry.url
    for day in sorted(days, reverse=True):
        found = downloader.cached(days[day], label=LABEL)
        if found is not None:
            return found, day
    return None


def fetch_gias(downloader: Downloader, config: SourceConfig, *, today: date | None = None) -> tuple[Fetched, date]:
    """Find the newest GIAS file, looking back day by day from ``today``; offline, the newest cached one.

    Offline, the newest cached file is used whatever its age, and a warning
    says its date (the look-back window applies to downloads only).

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
    pattern = file_url(config, today).replace(f"{today:%Y%m%d}", "YYYYMMDD")
    if downloader.offline:
        cached = newest_cached(downloader, config)
        if cached is None:
            raise DataFileError(
                f"Offline, and no GIAS file {pattern} is in the cache {downloader.cache.root}; run `gapmap fetch` "
                "with a network connection first."
            )
        age = (today - cached[1]).days
        log.warning("Offline: using the cached GIAS file of %s (%d day%s old); run `gapmap fetch` online for a "
                    "newer one.", f"{cached[1]:%d-%m-%Y}", age, "" if age == 1 else "s")
        return cached
    days = [today - timedelta(days=n) for n in range(config.gias_lookback_days)]
    for day in days:
        url = file_url(config, day)
        found = downloader.fetch(url, label=LABEL, missing_ok=True, validate=_validator(url), max_bytes=MAX_BYTES)
        if found is not None:
            return found, day
    raise NetworkError(
        f"No GIAS file {pattern} exists for any of the {len(days)} days to {today:%d-%m-%Y}; "
        "check the GIAS base URL setting (GAPMAP_GIAS_URL)."
    )


def read_gias(path: Path, *, la_codes: list[str] | None, source_name: str, encoding: str = ENCODING) -> pd.DataFrame:
    """Read the open establishments of some LAs from a GIAS all-establishments CSV.

    Column names are matched without regard to case or surrounding spaces
    (``easting`` is ``Easting``).

    Parameters
    ----------
    path
        The CSV.
    la_codes
        DfE 3-digit LA codes to keep (``None``: every LA).
    source_name
        Name of the input, used in error messages.
    encoding
        Text encoding (GIAS publishes Windows-1252).

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
        header = pd.read_csv(path, nrows=0, encoding=encoding).columns
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise DataFileError(f"Cannot read {source_name} as a {encoding} CSV ({error}).") from None
    named = {str(c).strip().lower(): c for c in header}
    missing = [c for c in REQUIRED_COLUMNS if c.lower() not in named]
    if missing:
        raise DataFileError(f"{source_name} lacks the column(s) {', '.join(missing)}; expected the GIAS "
                            "all-establishment data layout.")
    columns = {named[c.lower()]: c for c in REQUIRED_COLUMNS}
    raw = pd.read_csv(path, usecols=list(columns), dtype="string", encoding=encoding,
                      keep_default_na=False, na_values=[""]).rename(columns=columns)
    keep = raw["EstablishmentStatus (name)"].isin(OPEN_STATUSES)
    if la_codes is not None:
        keep &= raw["LA (code)"].isin(la_codes)
    return raw[keep].reset_index(drop=True)


def _number(values: pd.Series) -> pd.Series:
    """Parse text counts that :func:`count_problems` has passed (empty cells become null)."""
    return pd.to_numeric(values, errors="coerce").round().astype("Int64")


def count_problems(table: pd.DataFrame, column: str, maximum: int) -> pd.Series:
    """Why each cell of a whole-number column is not a count from 0 to ``maximum`` (null where it is, or empty).

    Examples
    --------
    >>> table = pd.DataFrame({"SchoolCapacity": pd.array(["420", "-40", "999999999999", "forty", None],
    ...                                                  dtype="string")})
    >>> count_problems(table, "SchoolCapacity", 20_000).tolist()  # doctest: +NORMALIZE_WHITESPACE
    [<NA>, "SchoolCapacity '-40' is not a whole number from 0 to 20,000",
     "SchoolCapacity '999999999999' is not a whole number from 0 to 20,000",
     "SchoolCapacity 'forty' is not a whole number from 0 to 20,000", <NA>]
    """
    text = table[column].astype("string").str.strip()
    values = pd.to_numeric(text, errors="coerce")
    good = (values.between(0, maximum) & (values % 1 == 0)).fillna(False).astype(bool)
    bad = text.notna() & text.ne("") & ~good
    reason = f"{column} '" + text.fillna("") + f"' is not a whole number from 0 to {maximum:,}"
    return reason.where(bad.fillna(False).astype(bool)).astype("string")


def _first_problem(problems: list[pd.Series], index: pd.Index) -> pd.Series:
    found = pd.Series(pd.NA, index=index, dtype="string")
    for problem in problems:
        found = found.fillna(problem)
    return found


def _age_order_problem(table: pd.DataFrame) -> pd.Series:
    low, high = _number(table["StatutoryLowAge"]), _number(table["StatutoryHighAge"])
    reason = "StatutoryLowAge " + low.astype("string") + " is above StatutoryHighAge " + high.astype("string") + \
        ": the age range cannot be used"
    return reason.where((low > high).fillna(False).astype(bool)).astype("string")


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
    counts = [count_problems(table, column, maximum) for column, maximum in _HOST_COUNTS.items()]
    table["problem"] = _first_problem([
        table["problem"].astype("string"), ("bad URN: " + bad_urn),
        ("URN " + table["URN"] + " appears again: the first row with it is used").where(repeated).astype("string"),
        *counts, _age_order_problem(table),
    ], table.index).astype("object")
    easting = pd.to_numeric(table["Easting"], errors="coerce")
    northing = pd.to_numeric(table["Northing"], errors="coerce")
    given = (easting.notna() & northing.notna() & ~((easting == 0) & (northing == 0))).fillna(False).astype(bool)
    located = given & in_great_britain(easting, northing)
    if given.any() and not located.any():
        raise DataFileError(f"None of the Easting/Northing values of {source_name} lies in Great Britain "
                            f"(British National Grid metres); e.g. URN {table.loc[given, 'URN'].iloc[0]}: "
                            f"{table.loc[given, 'Easting'].iloc[0]}, {table.loc[given, 'Northing'].iloc[0]}.")
    needs = pd.Series(pd.NA, index=table.index, dtype="string")
    listed = table[SEN_COLUMNS].notna().any(axis=1).to_numpy()  # most rows list no need type: skip them
    if listed.any():
        needs[listed] = table.loc[listed, SEN_COLUMNS].apply(need_codes, axis=1).astype("string")
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
        unit_problem = _first_problem([count_problems(table, capacity_column, MAX_SCHOOL_COUNT),
                                       count_problems(table, roll_column, MAX_SCHOOL_COUNT)], table.index)
        capacity, on_roll = _number(table[capacity_column]), _number(table[roll_column])
        present = provision_type.str.contains(word, case=False, regex=False) | (capacity > 0) | (on_roll > 0) | \
            unit_problem.notna()
        present = present.fillna(False) & usable
        unit_ids = table["URN"] + suffix
        names = table["EstablishmentName"] + f" ({noun})"
        at_special = present & table["kind"].isin(_NOT_HOSTS)
        reason = f"{noun} recorded at a special school or AP: its places are the school's own"
        excluded.append(_excluded(source_name, unit_ids, names, reason, at_special))
        counted = present & ~at_special & unit_problem.isna().to_numpy()
        excluded.append(_excluded(source_name, unit_ids, names, unit_problem, present & ~at_special & ~counted))
        excluded.append(_excluded(source_name, unit_ids, names, unlocated, counted & ~located))
        hosted = counted & located
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
    with from_the_cache():
        raw = read_gias(fetched.path, la_codes=list(la_gss), source_name=f"{source_name} ({fetched.path})")
        if raw.empty:
            raise DataFileError(
                f"{source_name} ({fetched.path}) lists no open establishment in the LA(s) studied (DfE code(s) "
                f"{', '.join(la_gss)}): there is no supply to measure."
            )
        provision, excluded = provision_from_gias(raw, la_gss=la_gss, source_label=source_label,
                                                  source_name=source_name)
        provision, misplaced = exclude_misplaced(provision, las, source_name=source_name)
        if len(misplaced):
            excluded = pd.concat([excluded, misplaced], ignore_index=True)
        if provision.empty:
            reasons = excluded["reason"].value_counts()
            raise DataFileError(
                f"None of the {len(raw):,} open establishments of {source_name} ({fetched.path}) in the LA(s) "
                f"studied can be used (most often: {reasons.index[0] if len(reasons) else 'no reason recorded'}): "
                "there is no supply to measure."
            )
    return provision, excluded, source_label
