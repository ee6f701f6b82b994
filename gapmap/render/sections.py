"""Parts of the summary page and the report beyond the tables: findings, charts and per-LA sections.

Images are referred to through a ``src`` function: the summary page links the
PNG files beside it, the report inlines them as data URIs (:func:`data_uri`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import pandas as pd

from gapmap.engine.analysis import Results
from gapmap.model import KIND_LABELS
from gapmap.render.charts import Chart
from gapmap.render.findings import about, key_findings, walking_rule
from gapmap.labels import need_phrase
from gapmap.render.metrics import kind_noun
from gapmap.render.pages import frame_table
from gapmap.render.symbols import SPECIALIST_KINDS
from gapmap.settings import METRES_PER_MILE

#: How a page refers to an image file (path relative to the output folder) -> ``src``.
ImageSource = Callable[[str], str]


def data_uri(png: bytes) -> str:
    """A PNG as a ``data:`` URI, for a page that must work as one file.

    Examples
    --------
    >>> data_uri(b"\\x89PNG")
    'data:image/png;base64,iVBORw=='
    """
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@dataclass(frozen=True)
class ChartView:
    """A chart as a page shows it: anchor, title and image source."""

    id: str
    title: str
    src: str


def slug(text: str) -> str:
    """An anchor-safe form of a kind or LA name.

    Examples
    --------
    >>> slug("sen_unit"), slug("Newcastle upon Tyne")
    ('sen-unit', 'newcastle-upon-tyne')
    """
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def chart_views(charts: Mapping[str, Sequence[Chart]], src: ImageSource) -> dict[str, ChartView]:
    """Chart id -> its view, every image referred to through ``src``."""
    return {chart.id: ChartView(chart.id, chart.title, src(chart.file)) for kind in charts for chart in charts[kind]}


def need_parts(results: Results, views: Mapping[str, ChartView]) -> list[dict[str, Any]]:
    """Per specialist kind: the chart and table of estimated need beyond the walking distance, per LA."""
    summary = results.la_summary.sort_values("la_name")
    parts = []
    for kind in results.settings.kinds:
        if kind not in SPECIALIST_KINDS or not {f"{kind}_need_beyond_statutory", f"{kind}_demand"} <= set(summary.columns):
            continue
        need, beyond = summary[f"{kind}_demand"], summary[f"{kind}_need_beyond_statutory"]
        table = pd.DataFrame({
            "Local authority": summary["la_name"],
            f"Estimated children needing {need_phrase(kind)}": need.round(0),
            "Of them, beyond the walking distance": beyond.round(0),
            "Share beyond (%)": (100 * beyond / need.where(need > 0)).round(0),
        })
        total_need, total_beyond = float(need.sum()), float(beyond.sum())
        footer = ["All LAs", round(total_need), round(total_beyond),
                  round(100 * total_beyond / total_need) if total_need else float("nan")]
        parts.append({"slug": slug(kind), "heading": KIND_LABELS[kind], "chart": views.get(f"need-beyond-{slug(kind)}"),
                      "table": frame_table(table, footer=footer)})
    return parts


def _la_rows(results: Results, row: pd.Series) -> pd.DataFrame:
    kinds = [k for k in results.settings.kinds if k in SPECIALIST_KINDS] or list(results.settings.kinds)
    figures: dict[str, tuple[str, ...]] = {
        "Sites": ("{kind}_sites",),
        "Places (where the provision is)": ("{kind}_places",),
        "Estimated children needing a place (where they live)": ("{kind}_demand",),
        "Of them, beyond the walking distance (straight line)": ("{kind}_need_beyond_statutory",),
        "Of them, nearest provision in another LA": ("{kind}_demand_nearest_in_other_la",),
        "Children aged 0-15 beyond the distance threshold": ("{kind}_children_beyond",),
    }
    table: dict[str, list[object]] = {"Figure": []}
    for kind in kinds:
        table[KIND_LABELS[kind]] = []
    for label, (template,) in figures.items():
        values = [row.get(template.format(kind=kind)) for kind in kinds]
        if all(v is None for v in values):
            continue
        if label.startswith("Children aged 0-15 beyond"):
            label = (f"Children aged 0-15 more than "
                     f"{results.settings.threshold(kinds[0]) / METRES_PER_MILE:g} miles away (straight line)")
        table["Figure"].append(label)
        for kind, value in zip(kinds, values):
            table[KIND_LABELS[kind]].append(float("nan") if value is None else round(float(value)))
    return pd.DataFrame(table)


def la_sections(results: Results) -> list[dict[str, Any]]:
    """One section per LA (alphabetical): its figures for every specialist kind, whole numbers."""
    sections = []
    for _, row in results.la_summary.sort_values("la_name").iterrows():
        name = str(row["la_name"])
        sections.append({
            "name": f"{name}: about {about(float(row['children_0_15']))} children aged 0-15",
            "slug": slug(name), "table": frame_table(_la_rows(results, row)),
        })
    return sections


def sections_context(results: Results, views: Mapping[str, ChartView]) -> dict[str, Any]:
    """Template context of the findings, need-beyond charts and per-LA sections."""
    return {
        "findings": key_findings(results),
        "need_parts": need_parts(results, views),
        "la_sections": la_sections(results),
        "walking_rule": walking_rule(results),
    }
