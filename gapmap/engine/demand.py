"""Demand per LSOA: children by single year of age, and estimated children needing specialist places.

* Children by age come from the population source's single years
  (``age_0`` .. ``age_15``) where it has them; otherwise ``children_0_15`` is
  split evenly across ages 0 to 15, an estimate that is named in the outputs.
* For special schools, AP, SEN units and resourced provision the demand is, by
  default, the LA's EHC plan caseload in that placement type (DfE SEN2, counted
  by the LA responsible for the child, all ages 0-25) apportioned to the LA's
  LSOAs by their children of the kind's ages, optionally weighted by IDACI, and
  within an LSOA across ages by its children of each age.  The LA's SEN2 mix of
  primary needs (or a mix given in the settings) splits it by need type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gapmap.engine.ap_need import AP_NEED_CAVEAT, ap_need_caseload
from gapmap.errors import InputError
from gapmap.inputs import StudyInputs
from gapmap.settings import NEED_CODES, Settings

#: Kinds whose demand is estimated from EHC plans (``specialist_demand="ehcp"``).
SPECIALIST_KINDS: tuple[str, ...] = ("special", "ap", "sen_unit", "resourced_provision")

#: SEN2 ``caseload.csv`` placement columns summed for each specialist kind.
PLACEMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "special": ("special_total",),
    "ap": ("ap_pru_total",),
    "sen_unit": (
        "mainstream_la_maintained_senunit", "mainstream_academy_senunit", "mainstream_free_school_senunit",
    ),
    "resourced_provision": (
        "mainstream_la_maintained_resourced_provision", "mainstream_academy_resourced_provision",
        "mainstream_free_school_resourced_provision",
    ),
}

#: SEN2 ``sen_needs_all_plans.csv`` column of each need code.
NEED_COLUMNS: dict[str, str] = {
    code: "number_need_unknown" if code == "unknown" else f"number_{code.lower()}" for code in NEED_CODES
}

SINGLE_YEARS = "single years of age from the population source"
EVEN_SPLIT = "children aged 0-15 split evenly across ages 0-15, an estimate: the population source gives only the 0-15 total"
_AGE_COLUMN = re.compile(r"^age_(\d+)$")


@dataclass(frozen=True)
class ChildrenByAge:
    """Children per LSOA and single year of age.

    Attributes
    ----------
    counts
        LSOAs x ages, in the row order of ``inputs.lsoas``.
    ages
        The ages of the columns (0 upwards, consecutive).
    method
        How the counts were obtained (:data:`SINGLE_YEARS`, :data:`EVEN_SPLIT`,
        or both with the number of LSOAs each).
    """

    counts: np.ndarray
    ages: np.ndarray
    method: str

    def of(self, ages: range, *, kind: str) -> np.ndarray:
        """Columns for ``ages``, LSOAs x ages.

        Raises
        ------
        InputError
            If the population source has no children of some of these ages.
        """
        missing = [a for a in ages if a not in set(self.ages.tolist())]
        if missing:
            raise InputError(
                f"{kind} serves ages {ages.start}-{ages.stop - 1} but the population source has children aged "
                f"{self.ages.min()}-{self.ages.max()} only; set the ages for {kind} within that range."
            )
        return self.counts[:, [int(np.flatnonzero(self.ages == a)[0]) for a in ages]]


def children_by_age(lsoas: pd.DataFrame) -> ChildrenByAge:
    """Children per LSOA by single year of age.

    Parameters
    ----------
    lsoas
        The study's LSOAs: ``children_0_15`` and, optionally, ``age_0`` ..
        ``age_15``.

    Returns
    -------
    ChildrenByAge
        Single years where every year of an LSOA is given; elsewhere
        ``children_0_15 / 16`` per year (an estimate).

    Examples
    --------
    >>> table = children_by_age(pd.DataFrame({"children_0_15": [32]}))
    >>> table.counts[0, :3].tolist(), table.method == EVEN_SPLIT
    ([2.0, 2.0, 2.0], True)
    """
    total = pd.to_numeric(lsoas["children_0_15"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    even = np.repeat(total[:, None] / 16.0, 16, axis=1)
    single = sorted((int(m.group(1)), c) for c in lsoas.columns if (m := _AGE_COLUMN.match(str(c))))
    ages = np.arange(16)
    if [age for age, _ in single][:16] != list(range(16)):
        return ChildrenByAge(even, ages, EVEN_SPLIT)
    ages = np.asarray([age for age, _ in single])
    given = np.column_stack([
        pd.to_numeric(lsoas[c], errors="coerce").to_numpy(dtype="float64", na_value=np.nan) for _, c in single
    ])
    complete = np.isfinite(given).all(axis=1)
    if complete.all():
        return ChildrenByAge(given, ages, SINGLE_YEARS)
    counts = np.where(complete[:, None], given, np.nan)
    counts[~complete, :16] = even[~complete]
    counts[~complete, 16:] = 0.0
    method = (f"{SINGLE_YEARS} for {int(complete.sum())} LSOAs; for {int((~complete).sum())} LSOAs without "
              f"every single year, {EVEN_SPLIT}")
    return ChildrenByAge(counts, ages, method)


@dataclass(frozen=True)
class KindDemand:
    """Demand for one provision kind.

    Attributes
    ----------
    ages
        Ages served.
    children
        Children per LSOA and age (LSOAs x ages).
    demand
        Demand per LSOA and age: children, or estimated children needing the kind.
    need_shares
        Share of each LSOA's demand per need type (LSOAs x needs), or ``None``
        when demand is not split by need.
    needs
        Need codes of the ``need_shares`` columns.
    caseload
        EHC plans per LA used (index ``la_gss``), or ``None`` when demand is children.
    method
        One sentence: how demand was estimated, from which inputs.
    """

    ages: range
    children: np.ndarray
    demand: np.ndarray
    need_shares: np.ndarray | None
    needs: tuple[str, ...]
    caseload: pd.Series | None
    method: str


def _year(table: pd.DataFrame, year: int | None, what: str) -> tuple[pd.DataFrame, int]:
    periods = pd.to_numeric(table["time_period"], errors="coerce")
    chosen = int(periods.max()) if year is None else int(year)
    rows = table[(periods == chosen).to_numpy()]
    if rows.empty:
        raise InputError(f"The {what} table has no rows for time_period {chosen}; it has "
                         f"{', '.join(map(str, sorted(periods.dropna().astype(int).unique())))}.")
    if rows["la_gss"].duplicated().any():
        raise InputError(f"The {what} table has more than one row per LA for time_period {chosen}.")
    return rows.set_index("la_gss"), chosen


def ehcp_caseload(ehcp: pd.DataFrame, kind: str, *, las: list[str],
                  year: int | None) -> tuple[pd.Series, int, dict[str, int]]:
    """EHC plans per LA in the placement type of ``kind`` (SEN2 caseload).

    Parameters
    ----------
    ehcp
        SEN2 caseload per LA (``la_gss``, ``time_period`` and placement columns).
    kind
        A kind in :data:`PLACEMENT_COLUMNS`.
    las
        ONS codes of the LAs that need a figure.
    year
        ``time_period`` to use; ``None`` for the latest.

    Returns
    -------
    caseload : pandas.Series
        Plans per LA (index ``la_gss``).
    year : int
        The ``time_period`` used.
    earlier : dict
        LA -> the earlier ``time_period`` used for it, for the LAs whose figure
        in ``year`` is missing or suppressed (their latest earlier SEN2 count;
        say so wherever the figure is used).

    Raises
    ------
    InputError
        If a column is missing, or an LA has no figure in ``year`` or any earlier year.
    """
    columns = PLACEMENT_COLUMNS[kind]
    missing = [c for c in ("la_gss", "time_period", *columns) if c not in ehcp.columns]
    if missing:
        raise InputError(f"The EHC plan caseload table lacks the column(s) {', '.join(missing)}.")
    rows, chosen = _year(ehcp, year, "EHC plan caseload")
    values = rows.reindex(las)[list(columns)].apply(pd.to_numeric, errors="coerce").astype("float64")
    earlier: dict[str, int] = {}
    periods = pd.to_numeric(ehcp["time_period"], errors="coerce")
    for la in values.index[values.isna().any(axis=1)]:
        past = ehcp[(ehcp["la_gss"].astype(str) == la).to_numpy() & (periods < chosen).to_numpy()]
        past = past.assign(_period=periods[past.index]).sort_values("_period", ascending=False)
        figures = past[list(columns)].apply(pd.to_numeric, errors="coerce").astype("float64")
        complete = figures.notna().all(axis=1).to_numpy()
        if complete.any():
            values.loc[la, list(columns)] = figures[complete].iloc[0].to_numpy(dtype="float64")
            earlier[str(la)] = int(past["_period"].to_numpy()[complete][0])
    unknown = values.index[values.isna().any(axis=1)].tolist()
    if unknown:
        raise InputError(
            f"SEN2 {chosen} and every earlier year give no {' + '.join(columns)} figure for {', '.join(unknown)} "
            f"(missing or suppressed), so {kind} need cannot be estimated; use specialist_demand='children' instead."
        )
    return values.sum(axis=1).astype("float64"), chosen, earlier


def need_mix(ehcp_needs: pd.DataFrame, *, las: list[str], year: int | None) -> tuple[pd.DataFrame, int] | None:
    """Share of EHC plans per primary need, per LA (SEN2 ``sen_needs_all_plans``).

    Parameters
    ----------
    ehcp_needs
        SEN2 plans by primary need per LA.
    las
        ONS codes of the LAs wanted.
    year
        ``time_period``; ``None``, or a year the table does not have, for the latest.

    Returns
    -------
    tuple of (pandas.DataFrame, int) or None
        LAs x need codes (rows of LAs without figures are all ``unknown``), and
        the year used; ``None`` when the table is empty.
    """
    if ehcp_needs is None or ehcp_needs.empty:
        return None
    missing = [c for c in ("la_gss", "time_period", *NEED_COLUMNS.values()) if c not in ehcp_needs.columns]
    if missing:
        raise InputError(f"The EHC plans by primary need table lacks the column(s) {', '.join(missing)}.")
    published = set(pd.to_numeric(ehcp_needs["time_period"], errors="coerce").dropna().astype(int))
    if year is not None and int(year) not in published:
        year = None  # the mix is published for fewer years than the caseload: use the latest
    rows, chosen = _year(ehcp_needs, year, "EHC plans by primary need")
    counts = rows.reindex(las)[list(NEED_COLUMNS.values())].apply(pd.to_numeric, errors="coerce").fillna(0)
    counts.columns = list(NEED_COLUMNS)
    totals = counts.sum(axis=1)
    counts.loc[totals == 0, "unknown"] = 1.0
    return counts.div(counts.sum(axis=1), axis=0), chosen


def _deprivation(lsoas: pd.DataFrame) -> tuple[np.ndarray, str]:
    if "idaci_score" in lsoas.columns and lsoas["idaci_score"].notna().all():
        return pd.to_numeric(lsoas["idaci_score"]).to_numpy(dtype="float64"), "IDACI score (rate)"
    if "idaci_decile" in lsoas.columns and lsoas["idaci_decile"].notna().all():
        decile = pd.to_numeric(lsoas["idaci_decile"]).to_numpy(dtype="float64")
        return (10.5 - decile) / 10.0, "IDACI decile d as (10.5 - d) / 10"
    raise InputError("EHC plans can be weighted by IDACI only when every LSOA has an idaci_score or idaci_decile.")


def apportion(caseload: pd.Series, la_of_lsoa: pd.Series, weight: np.ndarray) -> np.ndarray:
    """Split each LA's figure across its LSOAs in proportion to ``weight``.

    Parameters
    ----------
    caseload
        Figure per LA (index ``la_gss``).
    la_of_lsoa
        LA of each LSOA.
    weight
        Weight per LSOA (>= 0).

    Returns
    -------
    numpy.ndarray
        Share of the LA's figure per LSOA; the LSOAs of an LA sum to its figure.

    Raises
    ------
    InputError
        If an LA has plans but its LSOAs have zero total weight.

    Examples
    --------
    >>> apportion(pd.Series({"A": 10.0}), pd.Series(["A", "A"]), np.array([1.0, 3.0])).tolist()
    [2.5, 7.5]
    """
    la = la_of_lsoa.astype(str).to_numpy()
    totals = pd.Series(weight).groupby(la).sum()
    empty = [code for code in totals.index[totals.to_numpy() == 0] if caseload.get(code, 0) > 0]
    if empty:
        raise InputError(
            f"{', '.join(empty)} has EHC plans but no children of the ages served in the population source, "
            "so its need cannot be apportioned to LSOAs."
        )
    share = np.divide(weight, totals.reindex(la).to_numpy(), out=np.zeros(len(weight)), where=weight > 0)
    return share * caseload.reindex(la).fillna(0).to_numpy()


def demand_uses_provision(kind: str, settings: Settings) -> bool:
    """Whether the demand for ``kind`` depends on the provision table (so an edit of the provision changes it).

    Only the AP estimate from placements does: it counts the pupils on roll in AP schools.

    Examples
    --------
    >>> demand_uses_provision("ap", Settings(ap_need="placements")), demand_uses_provision("ap", Settings())
    (True, False)
    """
    return kind == "ap" and settings.ap_need == "placements"


def _sen2_year(settings: Settings) -> int | None:
    """``settings.ehcp_year`` as the SEN2 readers take it: a ``time_period``, or ``None`` for the latest.

    :func:`gapmap.engine.analysis.analyse` resolves ``None`` (matched to the supply) to a year first;
    ``"latest"`` is the only text value :class:`~gapmap.settings.Settings` accepts.
    """
    return settings.ehcp_year if isinstance(settings.ehcp_year, int) else None


def kind_demand(inputs: StudyInputs, kind: str, settings: Settings, children: ChildrenByAge) -> KindDemand:
    """Demand for ``kind`` per LSOA and age.

    Parameters
    ----------
    inputs
        Study inputs.
    kind
        Provision kind.
    settings
        Ages served, demand method, SEN2 year, IDACI weight and need mix.
    children
        Output of :func:`children_by_age`.

    Returns
    -------
    KindDemand

    Raises
    ------
    InputError
        See :func:`ehcp_caseload` and :func:`apportion`.
    """
    ages = settings.age_range(kind)
    kids = children.of(ages, kind=kind)
    ages_text = f"aged {ages.start}-{ages.stop - 1}"
    use_ehcp = kind in SPECIALIST_KINDS and settings.specialist_demand == "ehcp"
    if not use_ehcp or inputs.ehcp.empty:
        reason = "" if not use_ehcp else " (no EHC plan caseload in the inputs, so all children are counted)"
        method = f"{kind} demand: children {ages_text} per LSOA ({children.method}){reason}."
        return KindDemand(ages, kids, kids, None, (), None, method)
    lsoas = inputs.lsoas
    las = sorted(set(lsoas["la_gss"].astype(str)))
    caseload, year, earlier = ehcp_caseload(inputs.ehcp, kind, las=las, year=_sen2_year(settings))
    plans = caseload
    if kind == "ap" and settings.ap_need == "placements":
        caseload, placements_method = ap_need_caseload(inputs, las, plans, f"SEN2 time_period {year}")
    weight = kids.sum(axis=1)
    weighting = f"children {ages_text}"
    if settings.idaci_weight > 0:
        deprivation, how = _deprivation(lsoas)
        weight = weight * ((1 - settings.idaci_weight) + settings.idaci_weight * deprivation)
        weighting += f" x (1 - {settings.idaci_weight:g} + {settings.idaci_weight:g} x {how})"
    per_lsoa = apportion(caseload, lsoas["la_gss"], weight)
    age_share = np.divide(kids, kids.sum(axis=1, keepdims=True), out=np.zeros_like(kids),
                          where=kids.sum(axis=1, keepdims=True) > 0)
    method = (
        f"{kind} demand: estimated children needing it = the LA's EHC plans placed in "
        f"{' + '.join(PLACEMENT_COLUMNS[kind])} (DfE SEN2, time_period {year}; plans of all ages 0-25, counted by "
        f"the responsible LA) apportioned to its LSOAs by {weighting}, and within an LSOA across ages by its "
        f"children of each age ({children.method})."
    )
    if earlier:
        method += (f" SEN2 time_period {year} gives no figure (missing or suppressed) for "
                   + ", ".join(f"{la} (its latest earlier count, time_period {period}, is used)"
                               for la, period in sorted(earlier.items())) + ".")
    if kind == "ap" and settings.ap_need == "placements":
        method = (f"{placements_method}, apportioned to LSOAs by {weighting}, and within an LSOA across ages by its "
                  f"children of each age ({children.method}). {AP_NEED_CAVEAT}")
    elif kind == "ap":
        method += (" Most pupils in alternative provision have no EHC plan (many are there after exclusion), so "
                   "this counts only the part of AP demand that SEN2 records; --ap-need placements estimates all "
                   "of it from AP pupils on roll and LA-funded AP placements.")
    shares, needs = None, ()
    if settings.need_mix is not None:
        mix = pd.Series(settings.need_mix, dtype="float64")
        needs = tuple(mix.index)
        shares = np.repeat(mix.to_numpy()[None, :], len(lsoas), axis=0)
        method += f" Split by need with the mix given in the settings ({', '.join(f'{k} {v:.1%}' for k, v in mix.items())})."
    else:
        found = need_mix(inputs.ehcp_needs, las=las, year=_sen2_year(settings))
        if found is not None:
            table, need_year = found
            needs = tuple(table.columns)
            shares = table.reindex(lsoas["la_gss"].astype(str)).to_numpy(dtype="float64")
            method += (f" Split by the LA's mix of primary needs over all its EHC plans (SEN2 time_period "
                       f"{need_year}; the mix is not published per placement type).")
    return KindDemand(ages, kids, per_lsoa[:, None] * age_share, shares, needs, caseload, method)
