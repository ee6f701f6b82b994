"""Projected need for a study: the forecast tables of a build, and study inputs as at a future January.

The forecast itself (:mod:`gapmap.engine.forecast`) works on plain tables; this
module feeds it a study's SEN2 caseload, adds today's places from the LA
summary, and writes a projected year's caseload into a copy of the inputs so
that the engine apportions projected need to LSOAs exactly as it does today's.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from gapmap.engine.analysis import Results
from gapmap.engine.demand import PLACEMENT_COLUMNS, SPECIALIST_KINDS
from gapmap.engine.forecast import (
    BACKTEST_FIT_UNTIL,
    Forecast,
    calendar_year,
    forecast_need,
    time_period,
    with_places,
)
from gapmap.errors import InputError
from gapmap.inputs import StudyInputs
from gapmap.model import KIND_LABELS
from gapmap.settings import Settings

#: Columns of the ``forecast`` table, in order.
FORECAST_COLUMNS = ["la_gss", "la_name", "kind", "year", "observed", "need", "lower", "upper", "places",
                    "places_needed", "first_year_over"]

#: Columns of the ``forecast_ca`` table, in order.
FORECAST_CA_COLUMNS = ["ca_code", "ca_name", "kind", "year", "observed", "need", "lower", "upper", "places",
                       "places_needed", "las_over"]


def study_forecast(inputs: StudyInputs, *, horizon: int | None = None) -> Forecast | None:
    """The forecast of need of a study's LAs, or ``None`` when it has no EHC plan caseload.

    Parameters
    ----------
    inputs
        Study inputs (``ehcp``; ``ehcp_england`` for the prior when present).
    horizon
        Last calendar year projected; ``None`` for five years after the latest count.

    Returns
    -------
    Forecast or None
    """
    if inputs.ehcp is None or inputs.ehcp.empty:
        return None
    las = sorted(set(inputs.las["la_gss"].astype(str)))
    england = inputs.ehcp_england if not inputs.ehcp_england.empty else None
    return forecast_need(inputs.ehcp, study_las=las, england=england, horizon=horizon)


def method_note(forecast: Forecast) -> str:
    """One paragraph: how need was projected and how well the method forecast the held-out years."""
    errors = forecast.backtest
    longest = int(errors["horizon"].max())
    at = errors[errors["horizon"] == longest]
    ape = (at["error"].abs() / at["actual"].where(at["actual"] > 0)).groupby(at["kind"]).agg(["median", _p90])
    ape = ape.reindex([k for k in SPECIALIST_KINDS if k in ape.index])
    kinds = "; ".join(f"{KIND_LABELS[kind]} {row['median']:.0%} (90th percentile {row['_p90']:.0%})"
                      for kind, row in ape.iterrows())
    pool = f"{errors['la_gss'].nunique()} LAs" + (" of England" if forecast.prior == "England" else "")
    first = int(forecast.table["year"].min())
    return (
        f"Forecast of need to {forecast.horizon} (an estimate): per LA and kind, the trend of EHC plans placed in "
        f"that kind (DfE SEN2, January {first}-{forecast.latest}), fitted as a log-linear growth rate, shrunk "
        f"towards {forecast.prior}'s growth in proportion to the LA's noise (empirical Bayes), and projected from "
        f"the January {forecast.latest} count; places are today's. Back-test (fitted on {first}-"
        f"{BACKTEST_FIT_UNTIL}, compared with {BACKTEST_FIT_UNTIL + 1}-{forecast.latest} over {pool}): median "
        f"error {longest} years ahead {kinds}. The 80% band (lower, upper) is the 10th-90th percentile of the "
        "back-test's errors, widened in proportion to the years ahead. Only special school projections are "
        "close enough for planning: AP, SEN unit and resourced provision counts are small and were reclassified "
        "when SEN2 changed to pupil-level data in 2023, so treat their projections as indicative."
    )


def _p90(values: pd.Series) -> float:
    return float(values.quantile(0.9))


def _places(results: Results) -> dict[str, pd.Series]:
    summary = pd.DataFrame(results.la_summary).set_index("la_gss")
    return {kind: summary[f"{kind}_places"] for kind in SPECIALIST_KINDS
            if kind in results.settings.kinds and f"{kind}_places" in summary.columns}


def ca_forecast(table: pd.DataFrame, las: pd.DataFrame, *, name: str) -> pd.DataFrame:
    """The LA forecast pooled per combined authority (or the whole study area), kind and year.

    Parameters
    ----------
    table
        The ``forecast`` table (per LA).
    las
        The study's LAs (``ca_code``/``ca_name`` when they form a CA).
    name
        Study area name, used when the LAs carry no CA.

    Returns
    -------
    pandas.DataFrame
        :data:`FORECAST_CA_COLUMNS`: need, bounds and places summed over the
        LAs (the bounds add up the LAs' bounds, so they assume the LAs' errors
        move together: wider than a pooled band); ``places_needed`` pooled
        (need minus places across the area); ``las_over``: LAs whose need
        exceeds their own places.
    """
    frame = table.copy()
    if {"ca_code", "ca_name"} <= set(las.columns):
        ca = las.set_index(las["la_gss"].astype(str))[["ca_code", "ca_name"]].astype(str)
        frame = frame.join(ca, on="la_gss")
    else:
        frame["ca_code"], frame["ca_name"] = "", name
    frame["over"] = frame["places_needed"] > 0
    grouped = frame.groupby(["ca_code", "ca_name", "kind", "year"], sort=False)
    out = grouped.agg(observed=("observed", "all"), need=("need", "sum"), lower=("lower", "sum"),
                      upper=("upper", "sum"), places=("places", lambda p: p.sum(min_count=len(p))),
                      las_over=("over", "sum")).reset_index()
    out["places_needed"] = out["need"] - out["places"]
    out["las_over"] = out["las_over"].astype("int64")
    return out[FORECAST_CA_COLUMNS]


def forecast_results(results: Results, *, horizon: int | None = None) -> Results:
    """Add the ``forecast`` and ``forecast_ca`` tables and the forecast's method note to ``results``.

    Parameters
    ----------
    results
        Engine results.
    horizon
        Last calendar year projected (``None``: five years after the latest count).

    Returns
    -------
    Results
        A copy; unchanged when the inputs have no EHC plan caseload.
    """
    forecast = study_forecast(results.inputs, horizon=horizon)
    if forecast is None:
        return results
    table = with_places(forecast.table, _places(results))
    names = results.inputs.las.set_index(results.inputs.las["la_gss"].astype(str))["la_name"].astype(str)
    table.insert(1, "la_name", table["la_gss"].map(names))
    table = table[FORECAST_COLUMNS]
    ca = ca_forecast(table, results.inputs.las, name=results.inputs.name)
    return replace(results, forecast=table, forecast_ca=ca, notes=(*results.notes, method_note(forecast)))


def inputs_at_year(inputs: StudyInputs, year: int, *, forecast: Forecast | None = None) -> StudyInputs:
    """A copy of ``inputs`` whose EHC plan caseload has the projected January of ``year``.

    Each LA's placement columns of the latest count are scaled by its
    projected growth of their kind, so that the kind's total equals the
    projected need; the engine then apportions it to LSOAs as it does an
    observed year.  Other caseload columns of the projected row are blank.

    Parameters
    ----------
    inputs
        Study inputs with a SEN2 caseload.
    year
        Calendar year of the January projected (after the latest count).
    forecast
        The study's forecast to ``year`` or later (computed when ``None``).

    Returns
    -------
    StudyInputs

    Raises
    ------
    InputError
        If the inputs have no EHC plan caseload, or ``year`` is not after the latest count.
    """
    if forecast is None or forecast.horizon < year:
        forecast = study_forecast(inputs, horizon=int(year))
    if forecast is None:
        raise InputError(f"{inputs.name} has no EHC plan caseload, so need cannot be projected to {year}.")
    latest = forecast.latest
    if int(year) <= latest:
        raise InputError(f"Need is projected only after the latest EHC plan count (January {latest}); {year} is "
                         "observed: use ehcp_year for observed years.")
    ehcp = inputs.ehcp
    periods = pd.to_numeric(ehcp["time_period"], errors="coerce")
    base = ehcp[[calendar_year(p) == latest if pd.notna(p) else False for p in periods]].copy()
    factor = forecast.growth.assign(factor=np.exp(forecast.growth["growth"] * (int(year) - latest)))
    factor = factor.pivot(index="la_gss", columns="kind", values="factor")
    row = base.copy()
    row["time_period"] = time_period(int(year))
    for column in row.columns:
        if column not in ("la_gss", "la_name", "time_period"):
            row[column] = np.nan
    for kind, columns in PLACEMENT_COLUMNS.items():
        scale = base["la_gss"].astype(str).map(factor[kind]).to_numpy(dtype="float64") if kind in factor else np.nan
        for column in (c for c in columns if c in row.columns):
            row[column] = pd.to_numeric(base[column], errors="coerce").to_numpy(dtype="float64") * scale
    numeric = {c: "float64" for c in ehcp.columns if c not in ("la_gss", "la_name", "time_period")}
    projected = pd.concat([ehcp.astype(numeric), row.astype(numeric)], ignore_index=True)
    return replace(inputs, ehcp=projected, vintages={
        **inputs.vintages,
        "EHC plans": f"Projected to January {year} from DfE SEN2 January {latest - 6}-{latest} (an estimate; "
                     "see the forecast method note)",
    })


def settings_at_year(settings: Settings, year: int) -> Settings:
    """``settings`` reading the EHC plan caseload of the January of ``year`` (see :func:`inputs_at_year`).

    Examples
    --------
    >>> settings_at_year(Settings(), 2030).ehcp_year
    202930
    """
    return replace(settings, ehcp_year=time_period(int(year)))
