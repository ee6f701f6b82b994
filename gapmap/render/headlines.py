"""What the summary page says first: need-based headline figures per kind, each naming its rule, supply and year.

These functions return data and sentences, not HTML, so any page (or
template) can show them.  The headline of a specialist kind is the estimated
number of children *needing* it who live beyond the distance; the count of
all children aged 0-15 beyond it stays as context, with its own label.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from gapmap.engine.analysis import Results
from gapmap.engine.ap_need import need_source
from gapmap.engine.demand import SPECIALIST_KINDS
from gapmap.labels import (
    about, count, ehcp_year_label, kind_noun, need_phrase, sectors_label, threshold_rule, walking_rule,
)
from gapmap.model import KIND_LABELS


@dataclass(frozen=True)
class Headline:
    """The headline of one kind.

    Attributes
    ----------
    kind
        Provision kind.
    title
        Its name, e.g. ``"Special school"``.
    figure
        The headline figure as officers read it, e.g. ``"about 1,700"``.
    sentence
        What the figure counts: who, the rule, the supply set and the data year.
    context
        Further sentences: the same under the walking-distance rule, and all
        children aged 0-15 as context.
    """

    kind: str
    title: str
    figure: str
    sentence: str
    context: tuple[str, ...]


def need_is_estimated(results: Results, kind: str) -> bool:
    """True when the kind's demand is an estimate of children needing it (EHC plans), not a head count."""
    settings = results.settings
    return kind in SPECIALIST_KINDS and settings.specialist_demand == "ehcp" and not results.inputs.ehcp.empty


def who_counted(results: Results, kind: str) -> str:
    """Who a kind's figures count, inside a sentence: ``"estimated children needing a special school place"``.

    Children needing the kind when their need is estimated from EHC plans
    (:func:`need_is_estimated`), else every child of the kind's ages, e.g. ``"children aged 4-15"``.
    """
    if need_is_estimated(results, kind):
        return f"estimated children needing {need_phrase(kind)}"
    low, high = results.settings.ages[kind]
    return f"children aged {low}-{high}"


def _basis(results: Results, kind: str) -> str:
    year = results.settings.ehcp_year
    plans = (f"; {need_source(kind, results.settings.ap_need, f'EHC plans {ehcp_year_label(year)}')}"
             if year is not None and need_is_estimated(results, kind) else "")
    return f"supply: {sectors_label(results.settings.sectors)}{plans}"


def headlines(results: Results) -> list[Headline]:
    """One headline per analysed kind, from the pooled (combined authority) figures.

    Parameters
    ----------
    results
        Engine results.

    Returns
    -------
    list of Headline
        In the order of ``results.settings.kinds``.
    """
    settings = results.settings
    area = results.ca_summary if results.ca_summary is not None else results.la_summary
    totals = pd.DataFrame(area).drop(columns="geometry", errors="ignore").sum(numeric_only=True)
    children = float(totals["children_0_15"])
    out = []
    for kind in settings.kinds:
        need, need_walking = totals[f"{kind}_need_beyond_threshold"], totals[f"{kind}_need_beyond_statutory"]
        whole = all(float(v).is_integer() for v in (need, need_walking))
        number = about if need_is_estimated(results, kind) or not whole else count
        demand = float(totals[f"{kind}_demand"])
        share = f" ({need / demand:.0%} of {number(demand)})" if demand else ""
        beyond = float(totals[f"{kind}_children_beyond"])
        sites = int(totals[f"{kind}_sites"])
        out.append(Headline(
            kind=kind,
            title=KIND_LABELS[kind],
            figure=number(need),
            sentence=(f"{who_counted(results, kind)}{share} live {threshold_rule(settings, kind)}, from the nearest "
                      f"suitable {kind_noun(kind)} ({_basis(results, kind)}; {sites:,} sites)."),
            context=(
                f"{number(need_walking)} live {walking_rule(settings)}.",
                f"Context, not need: {count(beyond)} of all {count(children)} children aged 0-15 "
                f"({beyond / children if children else 0:.0%}) live {threshold_rule(settings, kind)}, from the "
                f"nearest {kind_noun(kind)}.",
            ),
        ))
    return out


def by_la_columns(results: Results) -> dict[str, str]:
    """LA summary column -> heading for the table of figures beyond the distance, need first.

    Parameters
    ----------
    results
        Engine results.

    Returns
    -------
    dict
        Ordered columns: LA name, children 0-15, then per kind its sites,
        need beyond each rule and all children beyond (context).
    """
    settings = results.settings
    columns = {"la_name": "Local authority", "children_0_15": "Children aged 0-15"}
    for kind in settings.kinds:
        label, who = KIND_LABELS[kind], "Estimated need" if need_is_estimated(results, kind) else "Children"
        columns[f"{kind}_sites"] = f"{label}: sites ({sectors_label(settings.sectors)})"
        columns[f"{kind}_need_beyond_threshold"] = f"{label}: {who.lower()}, {threshold_rule(settings, kind)}"
        columns[f"{kind}_need_beyond_statutory"] = f"{label}: {who.lower()}, {walking_rule(settings)}"
        columns[f"{kind}_children_beyond"] = (f"{label}: all children aged 0-15, {threshold_rule(settings, kind)} "
                                              "(context)")
    return columns


def places_columns(results: Results, kind: str) -> dict[str, str]:
    """LA summary column -> heading for the places-and-need table of a specialist kind.

    Parameters
    ----------
    results
        Engine results.
    kind
        A specialist kind.

    Returns
    -------
    dict
        LA name, places, estimated need, ratio, shortfall, then need beyond each rule.
    """
    settings, who = results.settings, who_counted(results, kind)
    year = ehcp_year_label(settings.ehcp_year) if settings.ehcp_year is not None else "no EHC plan year"
    return {
        "la_name": "Local authority",
        f"{kind}_places": f"Places where the provision is ({sectors_label(settings.sectors)})",
        f"{kind}_demand": f"{who[:1].upper() + who[1:]}, where they live "
                          f"({need_source(kind, settings.ap_need, f'EHC plans {year}')})",
        f"{kind}_ratio": "Places per child needing one",
        f"{kind}_shortfall": "Shortfall in places",
        f"{kind}_need_beyond_threshold": f"Of them, {threshold_rule(settings, kind)}",
        f"{kind}_need_beyond_statutory": f"Of them, {walking_rule(settings)}",
    }


def sector_rows(results: Results, kind: str) -> pd.DataFrame:
    """The combined authority's figures of ``kind`` under each cumulative supply set, with human headings.

    Parameters
    ----------
    results
        Engine results with :attr:`~gapmap.engine.analysis.Results.sectors`.
    kind
        A specialist kind.

    Returns
    -------
    pandas.DataFrame
        One row per sector set (empty when the table was not computed);
        estimates rounded to whole children.
    """
    table = results.sectors
    if table is None or table.empty:
        return pd.DataFrame()
    rows = table[(table["kind"] == kind) & (table["area"] == "combined authority")]
    settings, who = results.settings, who_counted(results, kind)
    shown = pd.DataFrame({
        "Supply counted": rows["sectors"] + rows["counted"].map({True: " (used above)", False: ""}),
        "Sites": rows["sites"],
        "Places": rows["places"],
        f"{who[:1].upper() + who[1:]}, {threshold_rule(settings, kind)}": rows["need_beyond_threshold"].round(0),
        f"{who[:1].upper() + who[1:]}, {walking_rule(settings)}": rows["need_beyond_statutory"].round(0),
        "Shortfall in places": rows["shortfall"].round(0),
        f"All children aged 0-15, {threshold_rule(settings, kind)} (context)": rows["children_beyond"],
    })
    return shown.reset_index(drop=True)
