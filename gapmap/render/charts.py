"""Charts for the summary page and the report (matplotlib, PNG, no browser needed).

Each chart is one figure per specialist kind, drawn from the LA summary or the
LSOA table: estimated need beyond the walking distance per LA, places against
need per LA, and need by straight-line distance to the nearest provision.
Colours are from the Okabe-Ito palette (safe for colour-blind readers).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from gapmap.engine.analysis import Results
from gapmap.render.maps import distance_band_counts
from gapmap.labels import need_phrase
from gapmap.render.metrics import kind_noun
from gapmap.render.symbols import SPECIALIST_KINDS

#: Okabe-Ito colours: need, places.
NEED_COLOUR = "#0072B2"
PLACES_COLOUR = "#E69F00"

#: Chart width in inches and dots per inch; the height grows with the number of bars.
WIDTH = 8.0
DPI = 110


@dataclass(frozen=True)
class Chart:
    """One chart image.

    Attributes
    ----------
    id
        Anchor and file stem, e.g. ``"need-beyond-special"``.
    title
        Title shown above it (also the image's alternative text).
    png
        The PNG file's bytes.
    """

    id: str
    title: str
    png: bytes

    @property
    def file(self) -> str:
        """Path of the PNG relative to the output folder."""
        return f"images/chart-{self.id}.png"


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _bars(labels: list[str], series: dict[str, tuple[np.ndarray, str]], *, xlabel: str) -> bytes:
    """Horizontal bars, one group per label (top to bottom), one bar per series, values printed whole."""
    count = len(series)
    figure = Figure(figsize=(WIDTH, 0.8 + 0.3 * len(labels) * count + 0.25 * count), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    positions = np.arange(len(labels))[::-1]
    height = 0.8 / count
    top = max(float(np.nanmax(values)) if len(values) else 0.0 for values, _ in series.values()) or 1.0
    for i, (name, (values, colour)) in enumerate(series.items()):
        where = positions + (count - 1 - 2 * i) * height / 2
        axes.barh(where, values, height=height * 0.92, color=colour, label=name)
        for y, value in zip(where, values):
            if np.isfinite(value):
                axes.text(value + top * 0.01, y, f"{value:,.0f}", va="center", fontsize=8.5)
    axes.set_yticks(positions, labels, fontsize=9)
    axes.set_xlim(0, top * 1.12)
    axes.set_xlabel(xlabel, fontsize=9)
    axes.tick_params(axis="x", labelsize=8.5)
    axes.spines[["top", "right"]].set_visible(False)
    if count > 1:
        axes.legend(fontsize=8.5, frameon=False, loc="lower left", bbox_to_anchor=(0, 1), ncols=count)
    return _png(figure)


def need_beyond_chart(results: Results, kind: str) -> Chart | None:
    """Estimated children needing the kind who live beyond the walking distance for their age, per LA.

    Returns ``None`` when the LA summary has no such column.
    """
    column = f"{kind}_need_beyond_statutory"
    summary = results.la_summary
    if column not in summary.columns:
        return None
    rows = summary.sort_values(column, ascending=False)
    title = (f"Children needing {need_phrase(kind)} who live beyond the walking distance for their age "
             "from the nearest (estimate, straight line)")
    png = _bars(rows["la_name"].astype(str).tolist(), {"need": (rows[column].to_numpy(float), NEED_COLOUR)},
                xlabel="children (estimate)")
    return Chart(f"need-beyond-{kind.replace('_', '-')}", title, png)


def places_need_chart(results: Results, kind: str) -> Chart | None:
    """Places (where the provision is) against estimated need (where the children live), per LA.

    Returns ``None`` when the LA summary has no places or need of the kind.
    """
    summary = results.la_summary
    if not {f"{kind}_places", f"{kind}_demand"} <= set(summary.columns):
        return None
    rows = summary.sort_values(f"{kind}_demand", ascending=False)
    png = _bars(rows["la_name"].astype(str).tolist(), {
        "Estimated children needing a place (where they live)": (rows[f"{kind}_demand"].to_numpy(float), NEED_COLOUR),
        "Places (where the provision is)": (rows[f"{kind}_places"].to_numpy(float), PLACES_COLOUR),
    }, xlabel="children or places")
    return Chart(f"places-{kind.replace('_', '-')}", f"{kind_noun(kind).capitalize()} places and need, by LA", png)


def distance_chart(results: Results, kind: str) -> Chart | None:
    """Estimated children needing the kind, by straight-line distance band to the nearest provision.

    Returns ``None`` when the LSOA table has no need of the kind.
    """
    if f"{kind}_demand" not in results.lsoa.columns:
        return None
    counts = distance_band_counts(results, kind, column=f"{kind}_demand")
    png = _bars(list(counts.index), {"need": (counts.to_numpy(float), NEED_COLOUR)}, xlabel="children (estimate)")
    title = f"Children needing {need_phrase(kind)}, by straight-line distance to the nearest (estimate)"
    return Chart(f"distance-{kind.replace('_', '-')}", title, png)


def study_charts(results: Results) -> dict[str, list[Chart]]:
    """Every chart of a study area, per specialist kind analysed (kinds without any chart left out).

    Parameters
    ----------
    results
        Engine results.

    Returns
    -------
    dict
        Kind -> its charts, in page order.
    """
    charts = {}
    for kind in results.settings.kinds:
        if kind not in SPECIALIST_KINDS:
            continue
        drawn = [chart for chart in (need_beyond_chart(results, kind), places_need_chart(results, kind),
                                     distance_chart(results, kind)) if chart is not None]
        if drawn:
            charts[kind] = drawn
    return charts


