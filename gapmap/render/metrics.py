"""What an LSOA choropleth shows: metric definitions, classes and colour-blind-safe palettes.

A :class:`Metric` is one LSOA column drawn in classes.  Every metric is coloured
so that **darker means a worse gap** (farther, more children unserved, fewer
places per child), whichever way its numbers run, and the legend says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gapmap.labels import kind_noun, need_phrase, threshold_rule, walking_rule
from gapmap.settings import METRES_PER_MILE, Settings

#: ColorBrewer YlGnBu, sequential and safe for the common colour-vision deficiencies,
#: by number of classes.
YLGNBU: dict[int, tuple[str, ...]] = {
    3: ("#edf8b1", "#7fcdbb", "#2c7fb8"),
    4: ("#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"),
    5: ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"),
    6: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"),
    7: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"),
    8: ("#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"),
    9: ("#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494", "#081d58"),
}

#: Fill for LSOAs without a value.
NO_DATA_COLOUR = "#d9d9d9"

#: Straight-line distance bands (miles); the kind's threshold is always a band edge.
DISTANCE_BANDS_MILES: tuple[float, ...] = (0, 1, 2, 3, 5, 10, 20)


@dataclass(frozen=True)
class Metric:
    """An LSOA column drawn as classes.

    Attributes
    ----------
    column
        LSOA column.
    label
        Legend title, e.g. ``"Straight-line distance to nearest special school"``.
    unit
        Unit of the displayed values, e.g. ``"miles"``.
    scale
        Factor from the column's unit to the displayed unit.
    breaks
        Lower edge of each class, in displayed units, ascending.
    colours
        One fill per class, light to dark by value.
    decimals
        Decimal places of displayed values.
    no_data
        Legend text for LSOAs without a value.
    labels
        Legend text of each class (default: ranges from ``breaks``).
    """

    column: str
    label: str
    unit: str
    scale: float
    breaks: tuple[float, ...]
    colours: tuple[str, ...]
    decimals: int = 0
    no_data: str = "no value"
    labels: tuple[str, ...] | None = None

    def values(self, frame: pd.DataFrame, *, rounded: bool = True) -> np.ndarray:
        """Values of ``frame[column]`` in the displayed unit (NaN where missing), rounded for display."""
        values = pd.to_numeric(frame[self.column], errors="coerce").astype("float64").to_numpy() * self.scale
        return np.round(values, self.decimals) if rounded else values

    def classes(self, frame: pd.DataFrame) -> np.ndarray:
        """Class index of each row (``-1`` where there is no value).

        A class holds values above its lower edge up to and including its upper
        edge, so a value exactly at a threshold is not beyond it (as in the engine).
        """
        values = self.values(frame, rounded=False)
        index = np.searchsorted(np.asarray(self.breaks), values, side="left") - 1
        return np.where(np.isnan(values), -1, np.clip(index, 0, len(self.breaks) - 1))

    def class_labels(self) -> list[str]:
        """Legend label of each class, e.g. ``"3 to 5"`` and ``"20 or more"``."""
        if self.labels is not None:
            return list(self.labels)
        shown = [_number(b) for b in self.breaks]
        labels = [f"{a} to {b}" for a, b in zip(shown[:-1], shown[1:])]
        return [*labels, f"{shown[-1]} or more"]


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,g}"


def nice_breaks(values: np.ndarray, *, classes: int = 5) -> tuple[float, ...]:
    """Class edges at quantiles of the positive values, rounded to two significant figures.

    Parameters
    ----------
    values
        Values to classify (NaN ignored).
    classes
        Largest number of classes wanted.

    Returns
    -------
    tuple of float
        Ascending lower edges starting at 0 (fewer than ``classes`` when values repeat).

    Examples
    --------
    >>> nice_breaks(np.arange(101.0), classes=4)
    (0.0, 26.0, 50.0, 75.0)
    """
    finite = values[np.isfinite(values)]
    positive = finite[finite > 0]
    if len(positive) == 0:
        return (0.0,)
    edges = np.quantile(positive, np.linspace(0, 1, classes + 1)[1:-1]) if classes > 1 else []
    rounded = sorted({_round_sig(e) for e in edges if e > 0})
    return (0.0, *rounded)


def _round_sig(value: float, digits: int = 2) -> float:
    magnitude = math.floor(math.log10(abs(value)))
    return float(round(value, digits - 1 - magnitude))


def palette(classes: int, *, reverse: bool) -> tuple[str, ...]:
    """YlGnBu fills of ``classes`` classes, light to dark (``reverse``: dark to light, where low values are worse).

    Examples
    --------
    >>> palette(3, reverse=True)
    ('#2c7fb8', '#7fcdbb', '#edf8b1')
    """
    colours = YLGNBU[min(max(classes, 3), 9)][-classes:]
    return tuple(reversed(colours)) if reverse else colours


def distance_metric(kind: str, settings: Settings) -> Metric:
    """Straight-line distance from each LSOA to the nearest provision of ``kind``, in miles.

    Parameters
    ----------
    kind
        Provision kind.
    settings
        Settings (the kind's threshold becomes a band edge).

    Returns
    -------
    Metric
    """
    threshold = round(settings.threshold(kind) / METRES_PER_MILE, 2)
    breaks = tuple(sorted({*DISTANCE_BANDS_MILES, threshold}))
    return Metric(
        column=f"{kind}_straight_line_m",
        label=f"Straight-line distance to nearest {kind_noun(kind)}",
        unit="miles",
        scale=1 / METRES_PER_MILE,
        breaks=breaks,
        colours=palette(len(breaks), reverse=False),
        decimals=1,
        no_data=f"no {kind_noun(kind)} in the study area",
    )


#: Journey-time bands (minutes); 45 and 75 are the primary- and secondary-age journey norms.
TIME_BANDS_MIN: tuple[float, ...] = (0, 15, 30, 45, 60, 75)


def journey_metric(kind: str, settings: Settings) -> Metric:
    """Journey time (minutes) from each LSOA to the quickest provision of ``kind``, in 15-minute bands.

    Examples
    --------
    >>> journey_metric("special", Settings()).label
    'Journey time to the quickest special school (estimated car time)'
    """
    label = str(getattr(settings.journey_backend, "label", "estimated car time"))
    measure = "routed car time" if label.startswith("routed") else "estimated car time"
    return Metric(
        column=f"{kind}_journey_min",
        label=f"Journey time to the quickest {kind_noun(kind)} ({measure})",
        unit="minutes",
        scale=1.0,
        breaks=TIME_BANDS_MIN,
        colours=palette(len(TIME_BANDS_MIN), reverse=False),
        decimals=0,
        no_data=f"no {kind_noun(kind)} in the study area",
    )


#: Optional per-kind LSOA columns drawn when the engine provides them, in layer order:
#: suffix -> (label template, unit, higher value is a worse gap).  Of the floating-catchment
#: ratios only the first present is drawn (enhanced 2SFCA, else 2SFCA).
OPTIONAL_METRICS: dict[str, tuple[str, str, bool]] = {
    "need_beyond_threshold": ("Estimated children needing {need} who live {threshold_rule}", "children", True),
    "need_beyond_statutory": ("Estimated children needing {need} who live {walking_rule}", "children", True),
    "shortfall": ("Shortfall in {kind} places near the LSOA", "places", True),
    "e2sfca": ("{kind} places per child needing one (enhanced 2SFCA)", "places per child", False),
    "2sfca": ("{kind} places per child needing one (2SFCA)", "places per child", False),
    "demand": ("Estimated children needing {need}", "children", True),
}

_RATIOS = ("e2sfca", "2sfca")


def kind_metrics(lsoa: pd.DataFrame, kind: str, settings: Settings) -> list[Metric]:
    """Every metric available for ``kind``: distance first, then the engine's optional columns.

    Parameters
    ----------
    lsoa
        The engine's LSOA table.
    kind
        Provision kind.
    settings
        Analysis settings.

    Returns
    -------
    list of Metric
        Metrics whose column exists and has at least one value.
    """
    metrics = [distance_metric(kind, settings)]
    if f"{kind}_journey_min" in lsoa.columns:
        metrics.append(journey_metric(kind, settings))
    label = kind_noun(kind)
    ratio_drawn = False
    for suffix, (template, unit, worse_high) in OPTIONAL_METRICS.items():
        column = f"{kind}_{suffix}"
        if column not in lsoa.columns or (suffix in _RATIOS and ratio_drawn):
            continue
        values = pd.to_numeric(lsoa[column], errors="coerce").to_numpy(dtype="float64")
        if not np.isfinite(values).any():
            continue
        ratio_drawn = ratio_drawn or suffix in _RATIOS
        breaks = nice_breaks(values)
        text = template.format(kind=label, need=need_phrase(kind), threshold_rule=threshold_rule(settings, kind),
                               walking_rule=walking_rule(settings))
        metrics.append(
            Metric(
                column=column,
                label=text[0].upper() + text[1:],
                unit=unit,
                scale=1.0,
                breaks=breaks,
                colours=palette(len(breaks), reverse=not worse_high),
                decimals=2 if suffix in _RATIOS else 0,  # whole children and places
                no_data="no provision within the catchment" if suffix in _RATIOS else "no value",
            )
        )
    return metrics


def deprivation_metric(lsoa: pd.DataFrame) -> Metric | None:
    """IDACI (income deprivation affecting children) decile, grouped in fifths, when present.

    Parameters
    ----------
    lsoa
        The engine's LSOA table.

    Returns
    -------
    Metric or None
        ``None`` when the table has no ``idaci_decile`` column.
    """
    if "idaci_decile" not in lsoa.columns:
        return None
    return Metric(
        column="idaci_decile",
        label="Deprivation affecting children (IDACI decile)",
        unit="decile",
        scale=1.0,
        breaks=(1, 3, 5, 7, 9),
        colours=palette(5, reverse=True),
        no_data="no deprivation data",
        labels=("1-2 (most deprived)", "3-4", "5-6", "7-8", "9-10 (least deprived)"),
    )
