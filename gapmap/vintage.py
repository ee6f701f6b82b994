"""Data years: the date of each input, the EHC plan year that matches the supply, and warnings where years differ.

Places (rolls or capacity) and need must come from the same January: EHC plans
in England grew by about 10% a year from 2019 to 2025, so comparing this
year's plans with rolls two years older makes a shortfall out of growth alone.
SEN2 counts plans each January; its ``time_period`` ``202223`` is the count of
January 2023, which matches supply dated in 2023 (the January 2023 school
census, or a GIAS extract taken later that year).

Inputs carry their dates in :attr:`gapmap.inputs.StudyInputs.dates`, keyed like
:attr:`~gapmap.inputs.StudyInputs.vintages`; the keys below name the three
inputs the figures are made of.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from gapmap.errors import InputError
from gapmap.inputs import StudyInputs
from gapmap.labels import ehcp_year_label
from gapmap.settings import LATEST

#: Vintage keys of the inputs every figure is made of.
SUPPLY = "Schools"
POPULATION = "Children aged 0-15"
NEED = "EHC plans"

#: Inputs farther apart than this (days) are flagged on every output.
MAX_GAP_DAYS = 366

#: Columns of the vintage table.
VINTAGE_COLUMNS = ["input", "source", "date", "reference_date"]

_WHAT = {SUPPLY: "places (supply)", POPULATION: "children (population)", NEED: "EHC plans (need)"}


def sen2_january(time_period: int) -> date:
    """The January a SEN2 ``time_period`` counts: ``202223`` -> 2023-01-01 (the count is taken in January).

    Examples
    --------
    >>> sen2_january(202223)
    datetime.date(2023, 1, 1)
    """
    return date(int(str(time_period)[:4]) + 1, 1, 1)


def matched_ehcp_year(supply_date: date) -> int:
    """The SEN2 ``time_period`` of the January of the supply's year.

    Examples
    --------
    >>> matched_ehcp_year(date(2023, 1, 19)), matched_ehcp_year(date(2025, 5, 24))
    (202223, 202425)
    """
    year = supply_date.year
    return (year - 1) * 100 + year % 100


def ehcp_years(ehcp: pd.DataFrame) -> list[int]:
    """The SEN2 ``time_period`` values an EHC plan table has, ascending (empty for no table)."""
    if ehcp is None or ehcp.empty or "time_period" not in ehcp.columns:
        return []
    return sorted(pd.to_numeric(ehcp["time_period"], errors="coerce").dropna().astype(int).unique().tolist())


def resolve_ehcp_year(choice: int | str | None, inputs: StudyInputs) -> tuple[int | None, str]:
    """The SEN2 year to use and one sentence saying how it was chosen.

    Parameters
    ----------
    choice
        ``Settings.ehcp_year``: a ``time_period``, ``"latest"``, or ``None``
        for the year matching the supply's date.
    inputs
        Study inputs (EHC plan table and the supply's date).

    Returns
    -------
    year : int or None
        The ``time_period``; ``None`` when the inputs have no EHC plans.
    how : str
        E.g. ``"EHC plans of 2022/23 (January 2023), matched to the supply (January 2023)."``

    Raises
    ------
    InputError
        If a chosen year is not in the table.
    """
    years = ehcp_years(inputs.ehcp)
    if not years:
        return None, ""
    published = f"SEN2 has {ehcp_year_label(years[0])} to {ehcp_year_label(years[-1])}"
    if isinstance(choice, int):
        if choice not in years:
            raise InputError(f"There are no EHC plan figures for {ehcp_year_label(choice)} ({choice}); {published}: "
                             "choose one of those with --ehcp-year.")
        return choice, f"EHC plans of {ehcp_year_label(choice)} (January {sen2_january(choice).year}), as chosen."
    supply = inputs.dates.get(SUPPLY)
    if choice == LATEST or supply is None:
        why = "as chosen" if choice == LATEST else "the latest: the supply has no date to match"
        return years[-1], f"EHC plans of {ehcp_year_label(years[-1])} (January {sen2_january(years[-1]).year}), {why}."
    matched = matched_ehcp_year(supply)
    if matched in years:
        return matched, (f"EHC plans of {ehcp_year_label(matched)} (January {supply.year}), matched to the supply "
                         f"({supply:%B %Y}).")
    nearest = min(years, key=lambda y: abs(y - matched))
    return nearest, (f"EHC plans of {ehcp_year_label(nearest)}, the nearest published to the supply ({supply:%B %Y}); "
                     f"{published}.")


def vintage_table(inputs: StudyInputs, ehcp_year: int | None) -> pd.DataFrame:
    """Each input, its source and its date.

    Parameters
    ----------
    inputs
        Study inputs (``vintages`` and ``dates``).
    ehcp_year
        The SEN2 year used (dates the EHC plan row), or ``None``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`VINTAGE_COLUMNS`: ``date`` as officers read it (e.g.
        ``"January 2023"``, blank when unknown), ``reference_date`` ISO.
    """
    rows = []
    for name, source in inputs.vintages.items():
        when = inputs.dates.get(name)
        if name == NEED and ehcp_year is not None:
            when = sen2_january(ehcp_year)
            source = f"{source}; year used: {ehcp_year_label(ehcp_year)}"
        rows.append({"input": name, "source": source, "date": f"{when:%B %Y}" if when else "",
                     "reference_date": when.isoformat() if when else ""})
    return pd.DataFrame(rows, columns=VINTAGE_COLUMNS)


def vintage_warnings(table: pd.DataFrame) -> list[str]:
    """A sentence for each pair of supply, need and population inputs dated more than a year apart.

    Parameters
    ----------
    table
        Output of :func:`vintage_table`.

    Returns
    -------
    list of str
        Empty when every dated pair is within :data:`MAX_GAP_DAYS`.

    Examples
    --------
    >>> table = pd.DataFrame({"input": [SUPPLY, NEED], "source": ["", ""], "date": ["", ""],
    ...                       "reference_date": ["2023-01-19", "2025-01-01"]})
    >>> vintage_warnings(table)[0][:78]
    'Data years differ by more than a year: EHC plans (need) are of January 2025, p'
    """
    dated = {row.input: date.fromisoformat(row.reference_date) for row in table.itertuples()
             if row.input in _WHAT and row.reference_date}
    order = [k for k in (SUPPLY, NEED, POPULATION) if k in dated]
    warnings = []
    for i, first in enumerate(order):
        for second in order[i + 1:]:
            gap = abs((dated[second] - dated[first]).days)
            if gap > MAX_GAP_DAYS:
                warnings.append(
                    f"Data years differ by more than a year: {_WHAT[second]} are of {dated[second]:%B %Y}, "
                    f"{_WHAT[first]} of {dated[first]:%B %Y} ({gap / 365.25:.1f} years apart); figures that combine "
                    "them mix years."
                )
    return warnings


def vintage_metadata(table: pd.DataFrame | None) -> dict[str, str]:
    """The vintage table as GeoPackage layer metadata: ``VINTAGE_<INPUT>`` -> ``"<date>: <source>"``.

    Examples
    --------
    >>> vintage_metadata(pd.DataFrame({"input": ["Children aged 0-15"], "source": ["IoD 2019"],
    ...                                "date": ["June 2015"], "reference_date": ["2015-06-30"]}))
    {'VINTAGE_CHILDREN_AGED_0_15': 'June 2015: IoD 2019'}
    """
    if table is None:
        return {}
    return {
        "VINTAGE_" + "".join(c if c.isalnum() else "_" for c in str(row.input).upper()):
        f"{row.date}: {row.source}" if row.date else str(row.source)
        for row in table.itertuples()
    }
