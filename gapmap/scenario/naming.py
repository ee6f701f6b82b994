"""Names, not codes, on scenario pages: schools by name (with their URN), LAs by name."""

from __future__ import annotations

import re

import pandas as pd

from gapmap.inputs import StudyInputs
from gapmap.model import KIND_LABELS

_URN = re.compile(r"\bURN (\d+)\b")
_LA_CODE = re.compile(r"\b([EW]0[6-9]\d{6})\b")


def named(text: str, inputs: StudyInputs) -> str:
    """``text`` with each ``URN n`` preceded by the school's name and each LA code replaced by the LA's name.

    Parameters
    ----------
    text
        A sentence, e.g. an edit's ``describe()``.
    inputs
        Study inputs whose provision and LAs hold the names.

    Returns
    -------
    str

    Examples
    --------
    >>> import gapmap
    >>> inputs = gapmap.Study.load("north-east").inputs
    >>> named("Close URN 108565 in E08000022.", inputs)
    'Close Moorbridge (URN 108565) in North Tyneside.'
    """
    schools: dict[str, str] = dict(
        zip(inputs.provision["urn"].astype(str), inputs.provision["name"].astype(str))
    )
    las: dict[str, str] = dict(
        zip(inputs.las["la_gss"].astype(str), inputs.las["la_name"].astype(str))
    )

    def school(match: re.Match[str]) -> str:
        name = schools.get(match.group(1))
        return f"{name} (URN {match.group(1)})" if name else match.group(0)

    return _LA_CODE.sub(lambda m: las.get(m.group(1), m.group(1)), _URN.sub(school, text))


def sites_table(sites: pd.DataFrame, inputs: StudyInputs) -> pd.DataFrame:
    """The changed sites as an officer reads them: name, provision, LA name, change, places before and after.

    Parameters
    ----------
    sites
        :func:`gapmap.scenario.comparison.site_changes`.
    inputs
        Study inputs (LA names).

    Returns
    -------
    pandas.DataFrame
    """
    las = dict(zip(inputs.las["la_gss"].astype(str), inputs.las["la_name"].astype(str)))
    return pd.DataFrame({
        "School or setting": sites["name"].astype(str),
        "Provision": sites["kind"].map(lambda k: KIND_LABELS.get(k, k)),
        "Local authority": sites["la_gss"].astype(str).map(las).fillna(sites["la_gss"].astype(str)),
        "Change": sites["change"],
        "Places, baseline": sites["places_baseline"],
        "Places, scenario": sites["places_scenario"],
        "URN": sites["urn"].astype(str),
    })
