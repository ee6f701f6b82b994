"""English Indices of Deprivation 2025, File 7 (all ranks, scores and deciles, LSOA 2021): IMD and IDACI.

File 7 is one national CSV; it is cached whole and the study's LSOAs are
selected from it.  Columns are found by their published names, so a
republished file with the same headings still reads.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from gapmap.errors import DataFileError, NetworkError
from gapmap.sources.config import SourceConfig
from gapmap.sources.http import Downloader, Validator, csv_validator, from_the_cache

LABEL = "English Indices of Deprivation File 7"
LSOA_COLUMN = "LSOA code (2021)"

#: Output column -> pattern matching the File 7 heading.
COLUMNS: dict[str, str] = {
    "imd_score": r"^Index of Multiple Deprivation \(IMD\) Score",
    "imd_rank": r"^Index of Multiple Deprivation \(IMD\) Rank",
    "imd_decile": r"^Index of Multiple Deprivation \(IMD\) Decile",
    "idaci_score": r"^Income Deprivation Affecting Children Index \(IDACI\) Score",
    "idaci_rank": r"^Income Deprivation Affecting Children Index \(IDACI\) Rank",
    "idaci_decile": r"^Income Deprivation Affecting Children Index \(IDACI\) Decile",
}
_INTEGERS = ("imd_rank", "imd_decile", "idaci_rank", "idaci_decile")


def _layout_problem(header: list[str]) -> str | None:
    """What is wrong with a File 7 header (a missing column, a heading matched twice), or ``None``."""
    if LSOA_COLUMN not in header:
        return f"lacks the column {LSOA_COLUMN!r}"
    for pattern in COLUMNS.values():
        matches = [c for c in header if re.match(pattern, c)]
        if len(matches) != 1:
            return f"has {len(matches)} column(s) matching {pattern!r} where one was expected"
    return None


def _validator(url: str) -> Validator:
    """A complete CSV with File 7's headings, checked before the body is cached."""
    as_csv = csv_validator(label=LABEL, url_hint=url, columns=[LSOA_COLUMN], encoding="utf-8")

    def validate(path: Path) -> None:
        as_csv(path)
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig", encoding_errors="replace").columns
        problem = _layout_problem(list(header))
        if problem:
            raise NetworkError(f"The {LABEL} from {url} {problem}: the publisher may have changed its layout; "
                               "nothing was cached: check the IoD URL setting (GAPMAP_IOD_URL).")

    return validate


def read_file7(path: Path, *, source_name: str) -> pd.DataFrame:
    """Read the IMD and IDACI columns of an IoD File 7 CSV.

    Parameters
    ----------
    path
        The CSV.
    source_name
        Name of the input, used in error messages.

    Returns
    -------
    pandas.DataFrame
        ``lsoa`` and the columns of :data:`COLUMNS`, one row per LSOA.

    Raises
    ------
    DataFileError
        If a column is missing or an LSOA appears twice.
    """
    header = pd.read_csv(path, nrows=0, encoding="utf-8-sig", encoding_errors="replace").columns
    layout_problem = _layout_problem(list(header))
    if layout_problem:
        raise DataFileError(f"{source_name} {layout_problem}; expected the IoD File 7 layout.")
    found = {LSOA_COLUMN: "lsoa"}
    for name, pattern in COLUMNS.items():
        found[next(c for c in header if re.match(pattern, c))] = name
    table = pd.read_csv(path, usecols=list(found), dtype={LSOA_COLUMN: "string"}, encoding="utf-8-sig",
                        encoding_errors="replace").rename(columns=found)
    for name in COLUMNS:
        table[name] = pd.to_numeric(table[name], errors="coerce")
        if name in _INTEGERS:
            table[name] = table[name].round().astype("Int64")
    dupes = table["lsoa"][table["lsoa"].duplicated()]
    if len(dupes):
        raise DataFileError(f"{source_name} lists LSOA {dupes.iloc[0]} more than once.")
    return table[["lsoa", *COLUMNS]]


def deprivation_by_lsoa(
    downloader: Downloader, config: SourceConfig, lsoa_codes: list[str]
) -> tuple[pd.DataFrame, str]:
    """IMD and IDACI scores, ranks and deciles for the given LSOAs.

    Parameters
    ----------
    downloader
        Cache-aware downloader.
    config
        Source configuration (``iod`` URL).
    lsoa_codes
        LSOA 2021 codes of the study area.

    Returns
    -------
    table : pandas.DataFrame
        ``lsoa`` and the :data:`COLUMNS`, one row per LSOA asked for (null where
        the file has no row for it).
    vintage : str
        The file name.
    """
    url = config.url("iod")
    fetched = downloader.fetch(url, label=LABEL, validate=_validator(url))
    with from_the_cache():
        table = read_file7(fetched.path, source_name=f"{LABEL} ({url})")
    wanted = pd.DataFrame({"lsoa": pd.array(lsoa_codes, dtype="string")})
    return wanted.merge(table, on="lsoa", how="left", validate="1:1"), url.rsplit("/", 1)[-1]
