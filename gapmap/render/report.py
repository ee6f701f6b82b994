"""The summary page (``index.html``): headline figures, method, sources and links, readable without a map.

This module computes what the page says; ``templates/summary.html`` lays it
out (Jinja2, autoescape on).  Optional engine tables and columns are shown
when present and skipped when not.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

import pandas as pd

from gapmap.engine.analysis import DISTANCE_METHOD, Results
from gapmap.labels import field_name
from gapmap.model import KIND_LABELS
from gapmap.render.charts import Chart
from gapmap.render.features import EXPLANATION_COLUMNS, flow_table
from gapmap.render.headlines import by_la_columns, headlines, places_columns, sector_rows
from gapmap.render.journeys import journey_context
from gapmap.render.maps import MapPage, distance_band_counts
from gapmap.render.metrics import kind_noun
from gapmap.render.pages import frame_table, render_page
from gapmap.render.sections import ChartView, ImageSource, chart_views, sections_context, slug
from gapmap.render.symbols import SPECIALIST_KINDS
from gapmap.render.together_section import together_context
from gapmap.settings import SECTORS_REASON
from gapmap.vintage import vintage_warnings

#: Opportunities listed on the summary page: at most this many, of rank up to TOP_RANKS.
TOP_OPPORTUNITIES = 12
TOP_RANKS = 3

#: Largest cross-LA flows listed per kind on the summary page.
TOP_FLOWS = 10


def _cards(results: Results) -> list[dict[str, Any]]:
    summary = results.la_summary
    children = int(summary["children_0_15"].sum())
    cards: list[dict[str, Any]] = [{"label": "Children aged 0-15", "figure": f"{children:,}",
                                    "text": f"in {len(summary)} local authorities", "context": []}]
    for item in headlines(results):
        cards.append({"label": item.title, "figure": item.figure, "text": item.sentence, "context": list(item.context)})
    return cards


def _beyond_table(results: Results) -> pd.DataFrame:
    columns = by_la_columns(results)
    present = [c for c in columns if c in results.la_summary.columns]
    return results.la_summary[present].round(0).rename(columns=columns).sort_values("Local authority")


def _places_parts(results: Results, views: Mapping[str, ChartView]) -> list[dict[str, Any]]:
    summary = results.la_summary
    parts = []
    for kind in results.settings.kinds:
        if kind not in SPECIALIST_KINDS or not {f"{kind}_places", f"{kind}_demand"} <= set(summary.columns):
            continue
        columns = {c: h for c, h in places_columns(results, kind).items() if c in summary.columns}
        table = summary[list(columns)].sort_values("la_name")
        totals = table.drop(columns="la_name").sum()
        places, demand = totals[f"{kind}_places"], totals[f"{kind}_demand"]
        totals[f"{kind}_ratio"] = places / demand if demand else float("nan")
        totals[f"{kind}_shortfall"] = max(0.0, demand - places)
        whole = [c for c in table.columns if c not in ("la_name", f"{kind}_ratio")]
        table[whole], totals[whole] = table[whole].round(0), totals[whole].round(0)
        proxy = f"{kind}_places_proxy"
        note = ""
        if proxy in summary.columns and summary[proxy].sum() > 0:
            proxies, places = int(summary[proxy].sum()), int(summary[f"{kind}_places"].sum())
            note = f"{proxies:,} of {places:,} places are pupils on roll used as a proxy, because the source gives no capacity."
        parts.append({"heading": KIND_LABELS[kind], "note": note, "slug": slug(kind),
                      "chart": views.get(f"places-{slug(kind)}"),
                      "table": frame_table(table.rename(columns=columns),
                                           footer=["All LAs (pooled)", *totals.tolist()])})
    return parts


def _sector_parts(results: Results) -> list[dict[str, Any]]:
    return [{"heading": KIND_LABELS[kind], "table": frame_table(rows)}
            for kind in results.settings.kinds if not (rows := sector_rows(results, kind)).empty]


def _vintages(results: Results) -> dict[str, Any] | None:
    table = results.vintages
    if table is None or table.empty:
        return None
    shown = table[["input", "source", "date"]].rename(columns={"input": "Input", "source": "Source", "date": "Date"})
    return {"warnings": vintage_warnings(table), "table": frame_table(shown.fillna(""))}


def _band_parts(results: Results, views: Mapping[str, ChartView]) -> list[dict[str, Any]]:
    parts = []
    for kind in results.settings.kinds:
        if kind not in SPECIALIST_KINDS:
            continue
        counts = distance_band_counts(results, kind).rename("Children 0-15").rename_axis("Straight-line distance")
        parts.append({"heading": f"Children by straight-line distance to the nearest {kind_noun(kind)}",
                      "slug": slug(kind), "chart": views.get(f"distance-{slug(kind)}"),
                      "table": frame_table(counts.reset_index())})
    return parts


def _flow_parts(results: Results) -> list[dict[str, Any]]:
    names = dict(zip(results.inputs.las["la_gss"].astype(str), results.inputs.las["la_name"].astype(str)))
    parts = []
    for kind in results.settings.kinds:
        if kind not in SPECIALIST_KINDS:
            continue
        flows = flow_table(results, kind)
        if flows.empty:
            continue
        top = flows.head(TOP_FLOWS)
        basis = str(flows["basis"].iloc[0])
        table = pd.DataFrame({
            "Children live in": top["resident_la"].map(names).fillna(top["resident_la"]),
            f"Nearest {kind_noun(kind)} is in": top["provider_la"].map(names).fillna(top["provider_la"]),
            field_name(re.sub(r" \([^)]*_[^)]*\)", "", basis)): top["children"].round(0),
        })
        footer: list[object] = [f"All {len(flows)} LA pairs", "", round(float(flows["children"].sum()))]
        if flows["child_miles_saved"].notna().any():
            table["Child-miles shorter than the nearest in their own LA"] = top["child_miles_saved"].round(0)
            footer.append(round(float(flows["child_miles_saved"].sum()), 0))
        parts.append({"heading": KIND_LABELS[kind], "table": frame_table(table, footer=footer)})
    return parts


def _opportunities(results: Results) -> dict[str, Any] | None:
    table = results.opportunities
    if table is None or len(table) == 0:
        return None
    frame = pd.DataFrame(table).drop(columns="geometry", errors="ignore")
    if "rank" in frame.columns:
        frame = frame[pd.to_numeric(frame["rank"], errors="coerce") <= TOP_RANKS]
    frame = frame.head(TOP_OPPORTUNITIES)
    wanted = ["kind", "objective", "rank", "need_type", *EXPLANATION_COLUMNS]
    shown = [c for c in wanted if c in frame.columns] or list(frame.columns[:6])
    frame = frame[shown].assign(**{"kind": frame["kind"].map(KIND_LABELS).fillna(frame["kind"])}
                                if "kind" in shown else {}).rename(columns=field_name)
    return {"shown": len(frame), "total": len(table), "table": frame_table(frame)}


def summary_context(
    results: Results,
    *,
    maps: Sequence[MapPage] = (),
    tables: Sequence[str] = (),
    charts: Mapping[str, Sequence[Chart]] | None = None,
    forecast: dict[str, Any] | None = None,
    src: ImageSource = str,
) -> dict[str, Any]:
    """What the summary page and the report say, for ``templates/summary.html`` and ``report.html``.

    Parameters
    ----------
    results
        Engine results.
    maps
        The interactive maps written beside the page (linked with their PNG).
    tables
        File names of the CSV tables in ``tables/``.
    charts
        Charts per kind (:func:`gapmap.render.charts.study_charts`), their PNGs written beside the page.
    forecast
        The forecast block (:func:`gapmap.render.forecast.forecast_context`), or ``None``.
    src
        How the page refers to an image file (default: by its relative path).

    Returns
    -------
    dict
        Template context: plain values and :class:`~gapmap.render.pages.Table` objects.
    """
    inputs = results.inputs
    beyond = _beyond_table(results)
    views = chart_views(charts or {}, src)
    return {
        **sections_context(results, views),
        "title": f"Gaps in school provision: {inputs.name}",
        "distance_method": DISTANCE_METHOD,
        "cards": _cards(results),
        "beyond": frame_table(beyond, footer=["All LAs", *beyond.drop(columns="Local authority").sum().tolist()]),
        "places": _places_parts(results, views),
        "sectors": _sector_parts(results),
        "sectors_reason": SECTORS_REASON,
        "data_years": _vintages(results),
        "journeys": journey_context(results),
        "forecast": forecast,
        "together": together_context(results),
        "src": src,
        "opportunities": _opportunities(results),
        "flows": _flow_parts(results),
        "top_flows": TOP_FLOWS,
        "bands": _band_parts(results, views),
        "maps": list(maps),
        "tables": list(tables),
        "excluded": len(inputs.excluded),
        "notes": list(results.notes),
        "vintages": dict(inputs.vintages),
    }


def summary_page(
    results: Results,
    *,
    maps: Sequence[MapPage] = (),
    tables: Sequence[str] = (),
    charts: Mapping[str, Sequence[Chart]] | None = None,
    forecast: dict[str, Any] | None = None,
    report_files: Sequence[tuple[str, str]] = (),
    report_note: str | None = None,
) -> str:
    """Render the study area's summary page (``index.html``), which links the files beside it.

    Parameters
    ----------
    results
        Engine results.
    maps
        The interactive maps written beside the page (linked with their PNG).
    tables
        File names of the CSV tables in ``tables/``.
    charts
        Charts per kind, their PNGs written beside the page.
    forecast
        The forecast block (:func:`gapmap.render.forecast.forecast_context`), or ``None``.
    report_files
        (file name, label) of the report files to link, e.g. ``("report.pdf", "PDF (A4)")``.
    report_note
        A sentence shown with them (e.g. why there is no PDF).

    Returns
    -------
    str
        The HTML document.
    """
    context = summary_context(results, maps=maps, tables=tables, charts=charts, forecast=forecast)
    files = [{"name": name, "label": label} for name, label in report_files]
    return render_page("summary.html", **context, report_files=files, report_note=report_note)
