"""Forecast charts and their summary-page block: observed and projected need against today's places, per LA.

Self-contained: :func:`forecast_png` draws one kind's chart, :func:`forecast_rows`
gives the short table beside it, and :func:`forecast_context` hands both to the
summary page's ``_forecast.html`` partial.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gapmap.engine.analysis import Results
from gapmap.model import KIND_LABELS
from gapmap.render.pages import frame_table

#: Chart size (inches) and resolution.
FIGSIZE = (12.0, 6.4)
DPI = 100

_OBSERVED, _PROJECTED, _PLACES = "#1f4e79", "#c0504d", "#3a7d44"


@dataclass(frozen=True)
class ForecastChart:
    """A written chart.

    Attributes
    ----------
    kind
        Provision kind.
    image
        Path of the PNG relative to the output folder.
    title
        Chart title (also its alternative text).
    """

    kind: str
    image: str
    title: str


def _panels(table: pd.DataFrame, ca: pd.DataFrame | None) -> list[tuple[str, pd.DataFrame]]:
    panels = [(str(name), rows) for name, rows in table.groupby("la_name", sort=True)]
    if ca is not None and len(ca):
        panels.append((f"{ca['ca_name'].iloc[0]} (all LAs)", ca))
    return panels


def chart_title(kind: str, table: pd.DataFrame) -> str:
    """Title of a kind's chart, naming what is counted and the years."""
    observed = table.loc[table["observed"].astype(bool), "year"]
    return (f"{KIND_LABELS[kind]}: EHC plans placed there (DfE SEN2, January {observed.min()}-{observed.max()}) "
            f"and projected to {table['year'].max()} with an 80% band, against today's places")


def forecast_png(table: pd.DataFrame, kind: str, path: Path, *, ca: pd.DataFrame | None = None) -> str:
    """Draw one kind's forecast as small multiples, one panel per LA (and the CA), and save it as PNG.

    Parameters
    ----------
    table
        The ``forecast`` table (``la_name``, ``kind``, ``year``, ``observed``,
        ``need``, ``lower``, ``upper``, ``places``).
    kind
        The kind drawn.
    path
        PNG path.
    ca
        The ``forecast_ca`` table, for a pooled panel.

    Returns
    -------
    str
        The chart's title.
    """
    rows = table[table["kind"] == kind]
    pooled = None if ca is None else ca[ca["kind"] == kind]
    panels = _panels(rows, pooled)
    columns = 4
    lines = int(np.ceil(len(panels) / columns))
    figure = Figure(figsize=(FIGSIZE[0], FIGSIZE[1] * lines / 2), dpi=DPI)
    title = chart_title(kind, rows)
    figure.suptitle(title, fontsize=10)
    for index, (name, frame) in enumerate(panels):
        axes = figure.add_subplot(lines, columns, index + 1)
        frame = frame.sort_values("year")
        seen = frame[frame["observed"].astype(bool)]
        ahead = pd.concat([seen.tail(1), frame[~frame["observed"].astype(bool)]])
        axes.fill_between(ahead["year"].astype("float64"), pd.to_numeric(ahead["lower"], errors="coerce"),
                          pd.to_numeric(ahead["upper"], errors="coerce"), color=_PROJECTED, alpha=0.15, linewidth=0,
                          label="80% band")
        axes.plot(seen["year"], seen["need"], color=_OBSERVED, marker="o", markersize=3, label="EHC plans (SEN2)")
        axes.plot(ahead["year"], ahead["need"], color=_PROJECTED, linestyle="--", label="projected")
        places = frame["places"].dropna()
        if len(places):
            axes.axhline(float(places.iloc[0]), color=_PLACES, linewidth=1.2, label="places today")
        axes.set_title(name, fontsize=9)
        axes.tick_params(labelsize=7)
        axes.set_ylim(bottom=0)
        axes.grid(alpha=0.3)
        if index == 0:
            axes.legend(fontsize=7, loc="upper left")
    figure.supxlabel("Year of the January count", fontsize=8)
    figure.supylabel("EHC plans / places", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=DPI)
    return title


def write_forecast_charts(results: Results, folder: Path) -> list[ForecastChart]:
    """Write ``images/forecast-<kind>.png`` for every kind of the forecast table.

    Parameters
    ----------
    results
        Engine results with a ``forecast`` table (none are written without one).
    folder
        Output folder (``images/`` is created when needed).

    Returns
    -------
    list of ForecastChart
    """
    table = results.forecast
    if table is None or table.empty:
        return []
    (folder / "images").mkdir(exist_ok=True)
    charts = []
    for kind in dict.fromkeys(table["kind"]):
        image = f"images/forecast-{kind}.png"
        title = forecast_png(table, kind, folder / image, ca=results.forecast_ca)
        charts.append(ForecastChart(kind=kind, image=image, title=title))
    return charts


def _whole(value: float) -> str:
    return "no data" if pd.isna(value) else f"{round(float(value)):,}"


def _at(group: pd.DataFrame, year: int) -> pd.Series:
    """The row of ``year``, or a row of blanks when the forecast has none (shown as "no data")."""
    found = group[group["year"] == year]
    return found.iloc[0] if len(found) else pd.Series(np.nan, index=group.columns)


def forecast_rows(results: Results, kind: str) -> pd.DataFrame:
    """The short table beside a kind's chart: per LA and pooled, need now and at the horizon against places.

    Parameters
    ----------
    results
        Results with ``forecast`` and ``forecast_ca`` tables.
    kind
        Provision kind.

    Returns
    -------
    pandas.DataFrame
        Text cells, whole numbers: LA, EHC plans at the latest count, projected
        need at the horizon with its band, places today, more places needed
        by the horizon, and the first year need exceeds today's places.

    Raises
    ------
    ValueError
        If ``results`` has no forecast table.
    """
    table = results.forecast
    if table is None:
        raise ValueError("These results have no forecast table; add it with gapmap.engine.projection.forecast_results.")
    latest = int(table.loc[table["observed"].astype(bool), "year"].max())
    horizon = int(table["year"].max())
    rows = table[table["kind"] == kind]
    ca = results.forecast_ca
    pooled = ca[ca["kind"] == kind].assign(la_name=lambda f: f["ca_name"] + " (all LAs, pooled)") if ca is not None \
        else rows.iloc[0:0]
    out = []
    for frame in (rows, pooled):
        for name, group in frame.groupby("la_name", sort=True):
            now, end = _at(group, latest), _at(group, horizon)  # no row: no projection (e.g. a gap in SEN2)
            needed = end["places_needed"]
            if "first_year_over" in group.columns:
                first = group["first_year_over"].dropna()
                over = ("no data" if pd.isna(end["places"]) else f"not by {horizon}" if first.empty
                        else f"already ({latest})" if int(first.iloc[0]) <= latest else str(int(first.iloc[0])))
            else:
                over = f"{int(end['las_over'])} of the LAs by {horizon}"
            out.append({
                "Local authority": str(name),
                f"EHC plans, January {latest}": _whole(now["need"]),
                f"Projected, January {horizon} (80% band)": f"{_whole(end['need'])} "
                                                           f"({_whole(end['lower'])} to {_whole(end['upper'])})",
                "Places today": _whole(end["places"]),
                f"More places needed by {horizon}": "no data" if pd.isna(needed) else _whole(max(0.0, needed)),
                "Need first exceeds today's places": over,
            })
    return pd.DataFrame(out)


def forecast_context(results: Results, charts: list[ForecastChart]) -> dict[str, Any] | None:
    """What the summary page's forecast block says (``templates/_forecast.html``): the method and, per kind,
    its chart and :func:`forecast_rows`.

    Parameters
    ----------
    results
        Results with a ``forecast`` table.
    charts
        The charts written (:func:`write_forecast_charts`).

    Returns
    -------
    dict or None
        ``note`` and ``parts`` (``heading``, ``image``, ``title``, ``table``);
        ``None`` without a forecast.
    """
    if results.forecast is None or not charts:
        return None
    note = next((n for n in results.notes if n.startswith("Forecast of need")), "")
    parts = [{"heading": KIND_LABELS[chart.kind], "image": chart.image, "title": chart.title,
              "table": frame_table(forecast_rows(results, chart.kind))} for chart in charts]
    return {"note": note, "parts": parts}
