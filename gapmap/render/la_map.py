"""What the maps show at national scale: local authorities coloured by the LA summary, not LSOAs.

An England map drew all 32,844 LSOA polygons and every school: about 30 MB a
page (``benchmarks/bench_map_sizes.py``), slow to open and, at the zoom that
shows the whole country, a blur.  Above :data:`LA_MAP_ABOVE` LSOAs the
overview and kind maps colour each LA instead, by figures of the engine's LA
summary (:func:`gapmap.engine.summary.la_summary`), labelled as the summary
page's tables label them (:func:`gapmap.render.headlines.by_la_columns` and
:func:`~gapmap.render.headlines.places_columns`: the rule, the supply set and
the EHC plan year).  LA polygons are simplified for national zoom and their
coordinates quantised (:data:`LA_TOLERANCE_M`, :data:`LA_DECIMALS`).  Each LA's
popup names the command that maps its LSOAs (:func:`la_command`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gapmap.engine.analysis import Results
from gapmap.labels import about, count, kind_noun, threshold_rule, walking_rule
from gapmap.model import KIND_LABELS
from gapmap.render.headlines import by_la_columns, need_is_estimated, places_columns, who_counted
from gapmap.render.metrics import Metric, nice_breaks, palette
from gapmap.render.symbols import SPECIALIST_KINDS

#: Study areas with more LSOAs than this are mapped by LA (England: 32,844; the largest combined
#: authority, West Midlands, 1,680; a map of 5,000 LSOAs is about 5 MB).
LA_MAP_ABOVE = 5_000

#: Douglas-Peucker tolerance of LA polygons on LA-level maps, in metres: under one screen pixel up to
#: zoom 8 (about 370 m a pixel at 52 degrees north); the whole of England shows at zoom 6 to 7.
LA_TOLERANCE_M = 200.0

#: Decimal places of LA-level coordinates (EPSG:4326): 0.001 degree is about 110 m north-south, 70 m east-west.
LA_DECIMALS = 3

#: Class edges of the shares drawn on LA-level maps, in percent of the children counted.
SHARE_BANDS_PERCENT: tuple[float, ...] = (0, 5, 10, 20, 40, 60)

#: Field label of the number of LSOAs in an LA (as in the data dictionary).
LSOAS_FIELD = "Neighbourhoods (LSOAs)"


def draws_las(results: Results) -> bool:
    """Whether the maps of ``results`` draw LAs (more than :data:`LA_MAP_ABOVE` LSOAs) rather than LSOAs.

    Parameters
    ----------
    results
        Engine results.

    Returns
    -------
    bool
    """
    return len(results.lsoa) > LA_MAP_ABOVE


def la_command(code: str) -> str:
    """The command that maps one LA's LSOAs, e.g. ``"gapmap build --la E08000021"``.

    Examples
    --------
    >>> la_command("E08000021")
    'gapmap build --la E08000021'
    """
    return f"gapmap build --la {code}"


def _share_metric(results: Results, kind: str, rule: str) -> Metric:
    words = threshold_rule(results.settings, kind) if rule == "threshold" else walking_rule(results.settings)
    return Metric(
        column=f"{kind}_share_need_beyond_{rule}",
        label=f"{KIND_LABELS[kind]}: share of {who_counted(results, kind)} who live {words}",
        unit="%",
        scale=100.0,
        breaks=SHARE_BANDS_PERCENT,
        colours=palette(len(SHARE_BANDS_PERCENT), reverse=False),
        no_data=f"no {who_counted(results, kind)}",
    )


def _places_headings(results: Results, kind: str) -> dict[str, str]:
    """The summary page's places-and-need headings; where need is not estimated, they name the children counted."""
    headings = places_columns(results, kind)
    if not need_is_estimated(results, kind):
        who = who_counted(results, kind)
        headings[f"{kind}_demand"] = f"{who[:1].upper() + who[1:]}, where they live"
        headings[f"{kind}_ratio"] = f"Places per {who.replace('children', 'child', 1)}"
    return headings


def _counted_metric(frame: pd.DataFrame, column: str, label: str, unit: str, *, worse_high: bool,
                    decimals: int) -> Metric | None:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype="float64")
    if not np.isfinite(values).any():
        return None
    breaks = nice_breaks(values)
    return Metric(column=column, label=label, unit=unit, scale=1.0, breaks=breaks,
                  colours=palette(len(breaks), reverse=not worse_high), decimals=decimals,
                  no_data="no children counted" if column.endswith("_ratio") else "no value")


def la_metrics(results: Results, kind: str | None) -> list[Metric]:
    """What an LA-level map colours the LAs by (columns of ``results.la_summary``), darker = a worse gap.

    Parameters
    ----------
    results
        Engine results.
    kind
        The kind of a kind map, or ``None`` for the overview.

    Returns
    -------
    list of Metric
        Overview: one per analysed kind, in order, the share of the children it
        counts who live beyond its threshold, e.g. ``"Special school: share of
        estimated children needing a special school place who live more than 3
        miles, straight line"``.  Kind map: that share, the share beyond the
        walking distance, places per child and the shortfall in places (the last
        two when the LA summary has a value for them).
    """
    if kind is None:
        return [_share_metric(results, k, "threshold") for k in results.settings.kinds]
    frame, labels = results.la_summary, _places_headings(results, kind)
    counted = [
        _counted_metric(frame, f"{kind}_ratio", labels[f"{kind}_ratio"], "places per child", worse_high=False,
                        decimals=2),
        _counted_metric(frame, f"{kind}_shortfall", labels[f"{kind}_shortfall"], "places", worse_high=True,
                        decimals=0),
    ]
    return [_share_metric(results, kind, "threshold"), _share_metric(results, kind, "statutory"),
            *(m for m in counted if m is not None)]


def _beyond(need: float, demand: float, number) -> str:
    """A count beyond a distance with its share of all counted: ``"about 120 (8% of about 1,500)"``."""
    return f"{number(need)} ({need / demand:.0%} of {number(demand)})" if demand > 0 else number(need)


def _ratio(value: float) -> str:
    return f"{value:,.2f}" if np.isfinite(value) else "no children counted"


def la_fields(results: Results, kind: str | None, frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Popup fields of each LA: the summary page's headline figures, under its labels.

    Parameters
    ----------
    results
        Engine results.
    kind
        The kind of a kind map, or ``None`` for the overview (sites and need
        beyond the threshold of every kind).
    frame
        Rows of ``results.la_summary`` in the order drawn.

    Returns
    -------
    tuple of (list of str, list of list of str)
        Field labels, and one list of display values per row of ``frame``.
        Counts beyond a distance carry their share of the children counted.
    """
    headings = by_la_columns(results)
    columns: list[tuple[str, list[str]]] = [
        (LSOAS_FIELD, [count(v) for v in frame["lsoas"]]),
        (headings["children_0_15"], [count(v) for v in frame["children_0_15"]]),
    ]

    def column(name: str) -> np.ndarray:
        """Values rounded to 6 decimals: sums of estimates end in float noise (854.9999999 for 855) that
        would otherwise tip "about" from one rounding to the other."""
        return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype="float64").round(6)

    for k in results.settings.kinds if kind is None else (kind,):
        number = about if need_is_estimated(results, k) else count
        demand = column(f"{k}_demand")
        beyond = {rule: [_beyond(n, d, number) for n, d in zip(column(f"{k}_need_beyond_{rule}"), demand)]
                  for rule in ("threshold", "statutory")}
        columns.append((headings[f"{k}_sites"], [count(v) for v in column(f"{k}_sites")]))
        if kind is None:
            columns.append((headings[f"{k}_need_beyond_threshold"], beyond["threshold"]))
            continue
        places = _places_headings(results, k)
        columns += [
            (places[f"{k}_places"], [count(v) for v in column(f"{k}_places")]),
            (places[f"{k}_demand"], [number(v) for v in demand]),
            (places[f"{k}_ratio"], [_ratio(v) for v in column(f"{k}_ratio")]),
            (places[f"{k}_shortfall"], [number(v) for v in column(f"{k}_shortfall")]),
            (headings[f"{k}_need_beyond_threshold"], beyond["threshold"]),
            (headings[f"{k}_need_beyond_statutory"], beyond["statutory"]),
            (headings[f"{k}_children_beyond"], [count(v) for v in column(f"{k}_children_beyond")]),
        ]
    labels = [label for label, _ in columns]
    return labels, [list(row) for row in zip(*(values for _, values in columns))]


def la_note(results: Results, kind: str | None) -> str:
    """The title box's sentence on an LA-level map: that it is aggregated to LAs, why, and what it leaves out.

    Parameters
    ----------
    results
        Engine results.
    kind
        The kind of a kind map, or ``None`` for the overview.

    Returns
    -------
    str
    """
    own = "" if kind is None or kind in SPECIALIST_KINDS else f"; each LA's own map shows its {kind_noun(kind)} sites"
    return (f"Figures by local authority ({len(results.la_summary):,} LAs): {len(results.lsoa):,} neighbourhoods "
            f"(LSOAs) are too many to draw on one page. Sites (in the layer list): specialist provision only{own}. "
            "Click an LA for its figures and the command that maps its neighbourhoods.")
