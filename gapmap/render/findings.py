"""Key findings: a handful of plain sentences generated from the results, each pointing at its evidence.

Every sentence leads with the estimated children who need the provision, names
its rule (walking distance by age, measured in a straight line), the sectors of
the supply and the data year, and rounds its numbers ("about 1,700").  Each
links to the section of the page (table or chart) behind it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from gapmap.engine.analysis import Results
from gapmap.labels import ehcp_year_label
from gapmap.render.metrics import kind_noun
from gapmap.render.symbols import SPECIALIST_KINDS
from gapmap.settings import METRES_PER_MILE

#: Most sentences shown.
MOST_FINDINGS = 8


@dataclass(frozen=True)
class Finding:
    """One key finding.

    Attributes
    ----------
    text
        The sentence.
    target
        Anchor (``id``) of the section behind it, on the same page.
    link
        Text of the link to it.
    """

    text: str
    target: str
    link: str = "Table and chart by LA"


def about(value: float) -> str:
    """A count for prose: whole below 100, else two significant figures, with separators.

    Examples
    --------
    >>> about(7.4), about(967.0), about(1946.2), about(28653)
    ('7', '970', '1,900', '29,000')
    """
    if not math.isfinite(value):
        return "an unknown number of"
    rounded = round(value)
    if abs(rounded) >= 100:
        digits = 2 - len(str(abs(rounded)))
        rounded = round(rounded, digits)
    return f"{int(rounded):,}"


def _a(noun: str) -> str:
    """``noun`` with its indefinite article: ``"a special school"``, ``"an alternative provision"``."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _slug(kind: str) -> str:
    return kind.replace("_", "-")


def walking_rule(results: Results) -> str:
    """The walking-distance rule in words, e.g. ``"2 miles at ages 0-7, 3 miles at 8-16"``."""
    bands = results.settings.rule_set.bands
    return ", ".join(f"{band.distance_m / METRES_PER_MILE:g} miles at {'ages ' if i == 0 else ''}"
                     f"{band.low_age}-{band.high_age}" for i, band in enumerate(bands))


def _ehcp_year(results: Results) -> str:
    year = results.settings.ehcp_year
    return ehcp_year_label(year) if year is not None else "the latest year"


def _sectors(results: Results) -> str:
    sectors = list(results.settings.sectors)
    return sectors[0] if len(sectors) == 1 else ", ".join(sectors[:-1]) + " and " + sectors[-1]


def _need_beyond(results: Results, kind: str) -> Finding | None:
    summary = results.la_summary
    column = f"{kind}_need_beyond_statutory"
    if column not in summary.columns:
        return None
    total = float(summary[column].sum())
    noun = kind_noun(kind)
    basis = (f"estimated from EHC plans, {_ehcp_year(results)}; walking distance {walking_rule(results)}, "
             f"measured in a straight line; {_sectors(results)} provision")
    if round(total) == 0:
        return Finding(f"No child who needs {_a(noun)} place lives beyond the walking distance for their age from "
                       f"the nearest one ({basis}).", f"need-beyond-{_slug(kind)}")
    top = summary.loc[summary[column].idxmax()]
    share = float(top[column]) / total
    where = (f"; {about(top[column])} of them ({share:.0%}) in {top['la_name']}" if len(summary) > 1 else "")
    return Finding(f"About {about(total)} children who need {_a(noun)} place live beyond the walking distance for "
                   f"their age from the nearest one{where} ({basis}).", f"need-beyond-{_slug(kind)}")


def _places(results: Results, kind: str) -> Finding | None:
    summary = results.la_summary
    if not {f"{kind}_places", f"{kind}_demand"} <= set(summary.columns):
        return None
    places, need = float(summary[f"{kind}_places"].sum()), float(summary[f"{kind}_demand"].sum())
    gap = summary[f"{kind}_demand"] - summary[f"{kind}_places"]
    short = summary[gap > 0.5]
    noun = kind_noun(kind)
    proxy = f"{kind}_places_proxy"
    counted = ("pupils on roll where the source gives no capacity, "
               if proxy in summary.columns and summary[proxy].sum() > 0 else "")
    text = (f"There are about {about(places)} {noun} places ({counted}{_sectors(results)}, where the provision is) "
            f"for about {about(need)} children estimated to need one (where they live, EHC plans {_ehcp_year(results)})")
    if short.empty:
        text += "; every LA has at least as many places as children needing one."
    else:
        worst = short.loc[gap[short.index].idxmax()]
        text += (f"; need exceeds places in {len(short)} of {len(summary)} LAs, most in {worst['la_name']} "
                 f"(about {about(gap[worst.name])} more children than places).")
    return Finding(text, f"places-{_slug(kind)}")


def _other_la(results: Results, kind: str) -> Finding | None:
    column = f"{kind}_demand_nearest_in_other_la"
    summary = results.la_summary
    if column not in summary.columns or f"{kind}_demand" not in summary.columns or len(summary) < 2:
        return None
    crossing, need = float(summary[column].sum()), float(summary[f"{kind}_demand"].sum())
    if round(crossing) == 0 or need <= 0:
        return None
    return Finding(f"For about {about(crossing)} of the children needing {_a(kind_noun(kind))} place "
                   f"({crossing / need:.0%}), the nearest one in a straight line is in another LA: LAs depend on "
                   "each other's places.", "flows", "Flows between LAs")


def _all_children(results: Results, kind: str) -> Finding | None:
    summary = results.la_summary
    column = f"{kind}_children_beyond"
    if column not in summary.columns:
        return None
    beyond, children = float(summary[column].sum()), float(summary["children_0_15"].sum())
    if children <= 0:
        return None
    miles = results.settings.threshold(kind) / METRES_PER_MILE
    return Finding(f"Of all {about(children)} children aged 0-15, about {about(beyond)} ({beyond / children:.0%}) "
                   f"live more than {miles:g} miles in a straight line from the nearest {kind_noun(kind)}.",
                   "beyond", "Table by LA")


def _opportunity(results: Results) -> Finding | None:
    table = results.opportunities
    if table is None or len(table) == 0:
        return None
    frame = pd.DataFrame(table)
    text_column = next((c for c in ("explanation", "description", "summary") if c in frame.columns), None)
    if text_column is None:
        return None
    if "rank" in frame.columns:
        frame = frame.sort_values("rank", kind="stable")
    sentence = str(frame[text_column].dropna().iloc[0]).rstrip(".") if frame[text_column].notna().any() else ""
    if not sentence:
        return None
    return Finding(f"Best-ranked shared-service opportunity: {sentence}.", "opportunities", "All top opportunities")


def key_findings(results: Results) -> list[Finding]:
    """Five to eight key findings of a study area, most important first.

    Per specialist kind analysed: need beyond the walking distance, places
    against need, need whose nearest provision is in another LA; then the share
    of all children beyond the first kind's threshold and the best shared-service
    opportunity.  Findings whose figures are absent are left out.

    Parameters
    ----------
    results
        Engine results.

    Returns
    -------
    list of Finding
        At most :data:`MOST_FINDINGS`.
    """
    kinds = [k for k in results.settings.kinds if k in SPECIALIST_KINDS]
    found = [f(results, kind) for kind in kinds for f in (_need_beyond, _places, _other_la)]
    found += [_all_children(results, kinds[0]) if kinds else None, _opportunity(results)]
    return [finding for finding in found if finding is not None][:MOST_FINDINGS]
