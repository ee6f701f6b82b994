"""Local authority code changes since 2019 (mergers and reissued codes), as ONS records them.

ONS publishes each change as ``oldcd -> newcd`` with a type (``merger``,
``new_code``, ``termination``, ``new_geo``) and the year it took effect (the
TopoJSON ``ons_uk_topojson_changes.csv``).  Following the ``merger`` and
``new_code`` rows from an old district code reaches the district that covers it
today: Allerdale (E07000026) -> Cumberland (E06000063), Craven (E07000163) ->
North Yorkshire (E06000065), Barnsley (E08000016) -> Barnsley (E08000038).
Counties that were abolished (Cumbria, North Yorkshire, Somerset,
Buckinghamshire, Northamptonshire, Dorset) are ``termination`` rows: they have
no single successor, but their districts do.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

#: Change types that carry a district into its successor.
SUCCESSION_TYPES = ("merger", "new_code")


def successors(changes: pd.DataFrame) -> dict[str, str]:
    """Old district code -> the district code that covers it now, following chains of changes.

    Parameters
    ----------
    changes
        ONS changes: ``oldcd``, ``newcd``, ``type``, ``start``.

    Returns
    -------
    dict
        Every old code of a ``merger`` or ``new_code`` change -> its latest successor.

    Examples
    --------
    >>> changes = pd.DataFrame({"oldcd": ["E07000190", "E07000246"], "newcd": ["E07000246", "E06000066"],
    ...                         "type": ["merger", "merger"], "start": [2019, 2023]})
    >>> successors(changes)["E07000190"]
    'E06000066'
    """
    rows = changes[changes["type"].isin(SUCCESSION_TYPES) & changes["oldcd"].str.match(r"E0[6-9]")]
    step = dict(zip(rows.sort_values("start")["oldcd"], rows.sort_values("start")["newcd"]))
    out = {}
    for old in step:
        new, seen = step[old], {old}
        while new in step and new not in seen:
            seen.add(new)
            new = step[new]
        out[old] = new
    return out


def current_codes(codes: Iterable[str], changes: pd.DataFrame) -> list[str]:
    """Map district codes to the districts that cover them now (unchanged codes pass through).

    Parameters
    ----------
    codes
        District codes of any year since 2014.
    changes
        ONS changes (see :func:`successors`).

    Returns
    -------
    list of str
        The current code of each.
    """
    table = successors(changes)
    return [table.get(code, code) for code in codes]


#: Education authorities abolished since 2019 (ONS and DfE codes) -> (name, year, current successors).
#: One successor: the same area under a new code (counties that became unitary); several: the area was split.
#: Christchurch, in the Dorset county of 2018, joined Bournemouth, Christchurch and Poole.
ABOLISHED_LAS: dict[str, tuple[str, int, tuple[str, ...]]] = {
    "E10000002": ("Buckinghamshire County Council", 2020, ("E06000060",)),
    "E10000006": ("Cumbria County Council", 2023, ("E06000063", "E06000064")),
    "909": ("Cumbria County Council", 2023, ("E06000063", "E06000064")),
    "E10000009": ("Dorset County Council", 2019, ("E06000058", "E06000059")),
    "835": ("Dorset County Council", 2019, ("E06000058", "E06000059")),
    "E06000028": ("Bournemouth Borough Council", 2019, ("E06000058",)),
    "837": ("Bournemouth Borough Council", 2019, ("E06000058",)),
    "E06000029": ("Poole Borough Council", 2019, ("E06000058",)),
    "836": ("Poole Borough Council", 2019, ("E06000058",)),
    "E10000021": ("Northamptonshire County Council", 2021, ("E06000061", "E06000062")),
    "928": ("Northamptonshire County Council", 2021, ("E06000061", "E06000062")),
    "E10000023": ("North Yorkshire County Council", 2023, ("E06000065",)),
    "E10000027": ("Somerset County Council", 2023, ("E06000066",)),
}

#: Every current authority that succeeded an abolished one.
ABOLISHED_SUCCESSORS = frozenset(code for _, _, parts in ABOLISHED_LAS.values() for code in parts)
