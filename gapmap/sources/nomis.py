"""Nomis API: ONS small-area population estimates by single year of age on LSOA 2021 (dataset NM_2014_1).

Nomis answers anonymous requests with at most 25,000 rows; the loader pages
with ``RecordOffset`` until it has the ``RECORD_COUNT`` rows the query holds.
A bad parameter makes Nomis answer HTTP 200 with an empty body: that is an
error here, never zero people.  LSOA codes are listed in ``geography=`` in
batches (:attr:`~gapmap.sources.config.SourceConfig.nomis_codes_per_query`).
"""

from __future__ import annotations

import pandas as pd
from tqdm.auto import tqdm

from gapmap.errors import DataFileError
from gapmap.sources.config import SourceConfig
from gapmap.sources.http import Downloader, csv_validator, from_the_cache
from gapmap.validate import MAX_LSOA_CHILDREN

DATASET = "NM_2014_1"
#: Nomis ``c_age`` codes: 201 is "Aged 0 to 15"; single years are 101 + age.
AGE_0_15 = 201
SINGLE_YEARS = tuple(range(101, 117))
COLUMNS = ["DATE", "GEOGRAPHY_CODE", "GEOGRAPHY_NAME", "C_AGE", "OBS_VALUE", "RECORD_COUNT"]
#: Most bytes one Nomis page may have (25,000 rows of about 100 bytes).
MAX_PAGE_BYTES = 32 * 1024 * 1024
#: Output columns: children aged 0-15 and one column per single year of age.
AGE_COLUMNS = [f"age_{age}" for age in range(16)]


def data_url(config: SourceConfig) -> str:
    """Return the NM_2014_1 CSV endpoint."""
    return f"{config.url('nomis').rstrip('/')}/dataset/{DATASET}.data.csv"


def _params(codes: list[str], offset: int) -> dict[str, object]:
    return {
        "geography": ",".join(codes),
        "date": "latest",
        "gender": 0,
        "c_age": ",".join(str(c) for c in (AGE_0_15, *SINGLE_YEARS)),
        "measures": 20100,
        "select": ",".join(c.lower() for c in COLUMNS),
        "RecordOffset": offset,
    }


def _pages(downloader: Downloader, config: SourceConfig, codes: list[str], bar: tqdm) -> list[pd.DataFrame]:
    url = data_url(config)
    validate = csv_validator(label="Nomis population estimates", url_hint=url, columns=COLUMNS, encoding="utf-8")
    pages: list[pd.DataFrame] = []
    offset = 0
    while True:
        fetched = downloader.fetch(url, params=_params(codes, offset), label="Nomis population estimates",
                                   validate=validate, max_bytes=MAX_PAGE_BYTES)
        page = pd.read_csv(fetched.path, dtype={"GEOGRAPHY_CODE": "string", "DATE": "string"})
        bar.update(1)
        pages.append(page)
        offset += len(page)
        if offset >= int(page["RECORD_COUNT"].iloc[0]):
            return pages


def children_by_lsoa(downloader: Downloader, config: SourceConfig, lsoa_codes: list[str]) -> tuple[pd.DataFrame, str]:
    """Children aged 0-15 and single years of age 0..15 per LSOA 2021, latest estimate.

    Parameters
    ----------
    downloader
        Cache-aware downloader.
    config
        Source configuration.
    lsoa_codes
        LSOA 2021 codes of the study area.

    Returns
    -------
    table : pandas.DataFrame
        ``lsoa`` and ``children_0_15`` (Nomis "Aged 0 to 15", or the sum of the
        single years where only those are given), one row per LSOA asked for,
        and ``age_0`` .. ``age_15`` when Nomis gave every single year for every LSOA.
    vintage : str
        The estimate's date as Nomis gives it (e.g. ``"2024"``).

    Raises
    ------
    NetworkError
        If Nomis answers a page with an empty body or a header without rows.
    DataFileError
        If an LSOA asked for has no count of children aged 0-15, or a count is
        negative or above :data:`gapmap.validate.MAX_LSOA_CHILDREN`.
    """
    step = config.nomis_codes_per_query
    with tqdm(desc="Nomis population estimates", unit=" page", disable=None, leave=False) as bar:
        pages = [
            page for i in range(0, len(lsoa_codes), step)
            for page in _pages(downloader, config, lsoa_codes[i:i + step], bar)
        ]
    long = pd.concat(pages, ignore_index=True)
    with from_the_cache():
        return _children(long, lsoa_codes)


def _children(long: pd.DataFrame, lsoa_codes: list[str]) -> tuple[pd.DataFrame, str]:
    """The wide table of :func:`children_by_lsoa` from Nomis's long rows, checked."""
    long["OBS_VALUE"] = pd.to_numeric(long["OBS_VALUE"], errors="coerce").astype("Int64")
    absurd = ~long["OBS_VALUE"].between(0, MAX_LSOA_CHILDREN).fillna(True).astype(bool)
    if absurd.any():
        raise DataFileError(f"Nomis {DATASET} gave a population of {long.loc[absurd, 'OBS_VALUE'].iloc[0]} for "
                            f"{long.loc[absurd, 'GEOGRAPHY_CODE'].iloc[0]}, not a count from 0 to "
                            f"{MAX_LSOA_CHILDREN:,} children in one LSOA.")
    wide = long.pivot_table(index="GEOGRAPHY_CODE", columns="C_AGE", values="OBS_VALUE", aggfunc="first")
    wide = wide.reindex(index=pd.Index(lsoa_codes, dtype="string"), columns=[AGE_0_15, *SINGLE_YEARS])
    singles = wide[list(SINGLE_YEARS)].astype("Int64")
    summed = singles.sum(axis=1, min_count=len(SINGLE_YEARS)).where(singles.notna().all(axis=1))
    children = wide[AGE_0_15].astype("Int64").fillna(summed.astype("Int64"))
    missing = children[children.isna()].index.tolist()
    if missing:
        raise DataFileError(
            f"Nomis {DATASET} gave no count of children aged 0-15 for {len(missing)} LSOA(s), e.g. "
            f"{', '.join(missing[:5])}; the estimates may not cover these LSOA 2021 codes."
        )
    table = pd.DataFrame({"lsoa": pd.array(lsoa_codes, dtype="string"), "children_0_15": children.to_numpy()})
    if singles.notna().all(axis=None):
        for column, code in zip(AGE_COLUMNS, SINGLE_YEARS):
            table[column] = singles[code].to_numpy()
    vintage = ", ".join(sorted(long["DATE"].dropna().unique()))
    return table, vintage
