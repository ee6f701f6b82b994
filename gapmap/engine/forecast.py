"""Forecast of specialist need: EHC plans per LA and placement type, projected to a horizon year.

Pure functions on plain tables.  The method, in the order it is applied:

1. **Series.** Per LA and specialist kind, the EHC plans placed in that kind
   each January (DfE SEN2 ``caseload.csv``, the placement columns of
   :data:`gapmap.engine.demand.PLACEMENT_COLUMNS`), by calendar year of the
   January count (2025 for 2024/25).
2. **Local growth.** The slope ``g`` of ``ln(plans + 1)`` on the year, by
   ordinary least squares over the fit years, with its standard error ``s``
   (``+ 1`` keeps LAs with no plans of a kind in some year defined).
3. **Prior growth.** The same slope for England's total of the kind
   (``ln(total)``), or the study LAs pooled when England's series is not there.
4. **Shrinkage** (empirical Bayes): ``g* = w g + (1 - w) g_prior`` with
   ``w = tau^2 / (tau^2 + s^2)``, where ``tau^2`` is the spread of true LA
   growth rates of the kind, ``(1.4826 MAD(g))^2 - median(s^2)`` over the pool
   of LAs (England's LAs with a complete series, or the study LAs), floored at
   0.  A steady LA keeps its own trend; a noisy one moves towards England's.
5. **Projection** from the latest count: ``need(T + h) = plans(T) exp(g* h)``.
6. **Band** from a back-test on the pool: the same method fitted on the
   years up to ``fit_until`` (2022), projected to the later years, and the
   10th and 90th percentiles of ``ln((actual + 1) / (forecast + 1))`` per kind
   and horizon ``h`` (1 to 3 years; widened to hold 0) give an 80% band
   ``(need + 1) exp(q) - 1``;
   beyond the longest horizon measured the percentiles grow in proportion to
   ``h``.  The band is measured on 4-year fits, so it is wider than the error
   of the 7-year fit behind the published projection is likely to be.

Places are compared with need as they are today: the projection says how many
more (or fewer) places an LA would need if nothing else changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gapmap.engine.demand import PLACEMENT_COLUMNS, SPECIALIST_KINDS
from gapmap.errors import InputError

#: ONS code of England, the ``la_gss`` of the national rows of the SEN2 table.
ENGLAND_CODE = "E92000001"

#: Default distance of the horizon from the latest January with data, years.
DEFAULT_HORIZON_YEARS = 5

#: Last calendar year of the back-test's fit (2021/22): it projects 2023 to 2025.
BACKTEST_FIT_UNTIL = 2022

#: Percentiles of the back-test's log errors that bound the band (an 80% band).
BAND_QUANTILES = (0.10, 0.90)

#: MAD to standard deviation for a normal distribution.
_MAD_SCALE = 1.4826


def calendar_year(time_period: int | str) -> int:
    """Calendar year of the January count of a SEN2 ``time_period``.

    Examples
    --------
    >>> calendar_year(202425), calendar_year("201819")
    (2025, 2019)
    """
    return int(time_period) // 100 + 1


def time_period(year: int) -> int:
    """SEN2 ``time_period`` of the academic year whose January count falls in ``year``.

    Examples
    --------
    >>> time_period(2025), time_period(2030)
    (202425, 202930)
    """
    return (int(year) - 1) * 100 + int(year) % 100


def plans_by_kind(caseload: pd.DataFrame, kinds: tuple[str, ...] = SPECIALIST_KINDS) -> pd.DataFrame:
    """EHC plans per LA, kind and year, from a SEN2 caseload table.

    Parameters
    ----------
    caseload
        ``la_gss``, ``time_period`` and the placement columns of ``kinds``.
    kinds
        Kinds in :data:`gapmap.engine.demand.PLACEMENT_COLUMNS`.

    Returns
    -------
    pandas.DataFrame
        ``la_gss``, ``kind``, ``year`` (calendar year of the January count),
        ``plans`` (the placement columns summed; NaN when one is missing or
        suppressed), sorted.

    Examples
    --------
    >>> table = pd.DataFrame({"la_gss": ["A"], "time_period": [202425], "special_total": [7]})
    >>> plans_by_kind(table, ("special",)).to_numpy().tolist()
    [['A', 'special', 2025, 7.0]]
    """
    parts = []
    for kind in kinds:
        columns = list(PLACEMENT_COLUMNS[kind])
        missing = [c for c in ("la_gss", "time_period", *columns) if c not in caseload.columns]
        if missing:
            raise InputError(f"The EHC plan caseload table lacks the column(s) {', '.join(missing)}.")
        values = caseload[columns].apply(pd.to_numeric, errors="coerce").astype("float64")
        parts.append(pd.DataFrame({
            "la_gss": caseload["la_gss"].astype(str).to_numpy(),
            "kind": kind,
            "year": [calendar_year(p) for p in caseload["time_period"]],
            "plans": values.sum(axis=1, min_count=len(columns)).to_numpy(),
        }))
    out = pd.concat(parts, ignore_index=True)
    out["kind"] = pd.Categorical(out["kind"], categories=list(kinds))
    out = out.sort_values(["la_gss", "kind", "year"]).reset_index(drop=True)
    out["kind"] = out["kind"].astype(str)
    return out


def log_linear_growth(years: np.ndarray, plans: np.ndarray) -> tuple[float, float]:
    """Slope of ``ln(plans + 1)`` on year (ordinary least squares) and its standard error.

    Parameters
    ----------
    years
        Calendar years (at least two distinct).
    plans
        Counts (>= 0), same length.

    Returns
    -------
    slope : float
        Growth rate per year on the log scale (``exp(slope) - 1`` a year).
    se : float
        Standard error of the slope; NaN with fewer than three years.

    Examples
    --------
    >>> slope, se = log_linear_growth(np.array([2019, 2020, 2021]), np.array([1.0, 3.0, 4.0]))
    >>> round(slope, 6), round(se, 6)
    (0.458145, 0.135678)
    """
    x = np.asarray(years, dtype="float64")
    z = np.log(np.asarray(plans, dtype="float64") + 1.0)
    x = x - x.mean()
    sxx = float((x * x).sum())
    if sxx == 0:
        raise InputError("A growth rate needs counts from at least two different years.")
    slope = float((x * (z - z.mean())).sum() / sxx)
    if len(x) < 3:
        return slope, float("nan")
    residuals = z - z.mean() - slope * x
    return slope, float(np.sqrt((residuals * residuals).sum() / (len(x) - 2) / sxx))


def between_la_variance(slopes: np.ndarray, ses: np.ndarray) -> float:
    """Spread (variance) of LAs' true growth rates: observed spread less sampling noise, robustly.

    ``(1.4826 MAD(slopes))^2 - median(ses^2)``, floored at 0.

    Examples
    --------
    >>> between_la_variance(np.array([0.0, 0.1, 0.2]), np.array([0.0, 0.0, 0.0])) == (1.4826 * 0.1) ** 2
    True
    >>> between_la_variance(np.array([0.0, 0.1, 0.2]), np.array([1.0, 1.0, 1.0]))
    0.0
    """
    slopes = np.asarray(slopes, dtype="float64")
    ses = np.asarray(ses, dtype="float64")
    ok = np.isfinite(slopes) & np.isfinite(ses)
    if not ok.any():
        return 0.0
    mad = float(np.median(np.abs(slopes[ok] - np.median(slopes[ok]))))
    return max(0.0, (_MAD_SCALE * mad) ** 2 - float(np.median(ses[ok] ** 2)))


def shrink(local: float, se: float, prior: float, tau2: float) -> tuple[float, float]:
    """Growth rate shrunk towards the prior: ``w local + (1 - w) prior``, ``w = tau2 / (tau2 + se^2)``.

    Returns
    -------
    growth : float
    weight : float
        ``w``: 1 keeps the LA's own trend, 0 takes the prior.  An LA whose
        standard error is unknown (fewer than three years) takes the prior.

    Examples
    --------
    >>> [round(v, 6) for v in shrink(0.2, 0.1, 0.05, 0.01)]
    [0.125, 0.5]
    """
    if not np.isfinite(se):
        return float(prior), 0.0
    denominator = tau2 + se * se
    weight = 1.0 if denominator == 0 else tau2 / denominator
    return float(weight * local + (1 - weight) * prior), float(weight)


def _pool_series(plans: pd.DataFrame, study_las: list[str], england: pd.DataFrame | None,
                 kinds: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The LAs whose spread of growth sets the shrinkage, and the prior's total series."""
    if england is not None and not england.empty:
        series = plans_by_kind(england, kinds)
        total = series[series["la_gss"] == ENGLAND_CODE]
        pool = series[series["la_gss"] != ENGLAND_CODE]
        if not total.empty:
            return pool, total, "England"
    pool = plans[plans["la_gss"].isin(study_las)]
    total = pool.groupby(["kind", "year"], as_index=False)["plans"].sum(min_count=1)
    return pool, total, "the study LAs pooled"


def _fit(series: pd.DataFrame, until: int) -> pd.DataFrame:
    """:func:`log_linear_growth` per LA and kind, vectorised, over complete series up to ``until``."""
    rows = series[series["year"] <= until]
    keys = ["la_gss", "kind"]
    gaps = rows["plans"].isna().groupby([rows["la_gss"], rows["kind"]]).transform("sum")
    rows = rows[(gaps == 0).to_numpy()]
    rows = rows.assign(x=rows["year"].astype("float64"), z=np.log(rows["plans"].astype("float64") + 1.0))
    grouped = rows.groupby(keys)
    rows = rows.assign(x=rows["x"] - grouped["x"].transform("mean"), z=rows["z"] - grouped["z"].transform("mean"))
    sums = rows.assign(xx=rows["x"] ** 2, xz=rows["x"] * rows["z"]).groupby(keys)[["xx", "xz"]].sum()
    sums = sums[sums["xx"] > 0]
    if sums.empty:  # no LA and kind has a complete series to fit (e.g. one LA whose latest count is missing)
        return pd.DataFrame({"la_gss": pd.Series(dtype=object), "kind": pd.Series(dtype=object),
                             "local_growth": pd.Series(dtype="float64"), "local_se": pd.Series(dtype="float64")})
    slope = sums["xz"] / sums["xx"]
    rows = rows.join(slope.rename("slope"), on=keys, how="inner")
    residual = (rows["z"] - rows["slope"] * rows["x"]) ** 2
    fit = pd.DataFrame({"ss": residual.groupby([rows["la_gss"], rows["kind"]]).sum(),
                        "n": rows.groupby(keys).size()})
    se = np.sqrt(fit["ss"] / (fit["n"] - 2).where(fit["n"] > 2) / sums["xx"])
    out = pd.DataFrame({"local_growth": slope, "local_se": se.reindex(slope.index)})
    return out.reset_index()


def growth_rates(
    plans: pd.DataFrame, *, study_las: list[str], england: pd.DataFrame | None = None,
    kinds: tuple[str, ...] = SPECIALIST_KINDS, until: int | None = None,
) -> pd.DataFrame:
    """Shrunk growth rate per study LA and kind, fitted on the years up to ``until``.

    Parameters
    ----------
    plans
        Output of :func:`plans_by_kind` for the study LAs.
    study_las
        ONS codes of the LAs to forecast.
    england
        SEN2 caseload of every English LA and England (``la_gss`` E92000001),
        the prior and the pool; ``None`` to use the study LAs alone.
    kinds
        Kinds to fit.
    until
        Last calendar year fitted; ``None`` for all years.

    Returns
    -------
    pandas.DataFrame
        ``la_gss``, ``kind``, ``local_growth``, ``local_se``, ``prior_growth``,
        ``tau2``, ``weight``, ``growth`` (log scale, per year), ``prior``
        (what the prior is).  LAs with a gap in their series are left out.
    """
    until = int(plans["year"].max()) if until is None else int(until)
    pool, total, prior_name = _pool_series(plans, study_las, england, kinds)
    pool_fit = _fit(pool, until)
    local = _fit(plans[plans["la_gss"].isin(study_las)], until)
    rows = []
    for kind, group in local.groupby("kind", sort=False):
        national = total[(total["kind"] == kind) & (total["year"] <= until)].dropna(subset=["plans"])
        prior = float(np.polyfit(national["year"], np.log(national["plans"]), 1)[0])
        of_kind = pool_fit[pool_fit["kind"] == kind]
        tau2 = between_la_variance(of_kind["local_growth"].to_numpy(), of_kind["local_se"].to_numpy())
        for row in group.itertuples(index=False):
            growth, weight = shrink(row.local_growth, row.local_se, prior, tau2)
            rows.append((row.la_gss, kind, row.local_growth, row.local_se, prior, tau2, weight, growth))
    out = pd.DataFrame(rows, columns=["la_gss", "kind", "local_growth", "local_se", "prior_growth", "tau2",
                                      "weight", "growth"])
    out["prior"] = prior_name
    return out.sort_values(["la_gss", "kind"]).reset_index(drop=True)


def project(plans: pd.DataFrame, growth: pd.DataFrame, years: list[int], *, origin: int) -> pd.DataFrame:
    """Point projection ``plans(origin) exp(growth (year - origin))`` per LA, kind and year.

    Parameters
    ----------
    plans
        Output of :func:`plans_by_kind`.
    growth
        Output of :func:`growth_rates` (``la_gss``, ``kind``, ``growth``).
    years
        Calendar years to project (after ``origin``).
    origin
        Calendar year of the count projected from.

    Returns
    -------
    pandas.DataFrame
        ``la_gss``, ``kind``, ``year``, ``horizon`` (years after ``origin``), ``need``.

    Examples
    --------
    >>> plans = pd.DataFrame({"la_gss": ["A"], "kind": ["ap"], "year": [2025], "plans": [100.0]})
    >>> growth = pd.DataFrame({"la_gss": ["A"], "kind": ["ap"], "growth": [np.log(1.1)]})
    >>> project(plans, growth, [2026, 2027], origin=2025)["need"].round(6).tolist()
    [110.0, 121.0]
    """
    start = plans[plans["year"] == origin][["la_gss", "kind", "plans"]]
    base = start.merge(growth[["la_gss", "kind", "growth"]], on=["la_gss", "kind"], how="inner")
    frames = []
    for year in years:
        horizon = int(year) - int(origin)
        frames.append(base.assign(year=int(year), horizon=horizon,
                                  need=base["plans"] * np.exp(base["growth"] * horizon)))
    if not frames:
        return pd.DataFrame(columns=["la_gss", "kind", "year", "horizon", "need"])
    return pd.concat(frames, ignore_index=True)[["la_gss", "kind", "year", "horizon", "need"]]


def backtest(
    plans: pd.DataFrame, *, study_las: list[str], england: pd.DataFrame | None = None,
    kinds: tuple[str, ...] = SPECIALIST_KINDS, fit_until: int = BACKTEST_FIT_UNTIL,
) -> pd.DataFrame:
    """Forecast the years after ``fit_until`` from the years up to it, and compare with what was counted.

    Parameters
    ----------
    plans
        Output of :func:`plans_by_kind` (the LAs to test).
    study_las
        Their ONS codes.
    england
        As for :func:`growth_rates` (the prior and pool, also cut at ``fit_until``).
    kinds
        Kinds to test.
    fit_until
        Last calendar year fitted.

    Returns
    -------
    pandas.DataFrame
        ``la_gss``, ``kind``, ``year``, ``horizon``, ``forecast``, ``actual``,
        ``error`` (forecast - actual), ``log_error`` (``ln((actual + 1) /
        (forecast + 1))``), ``weight`` (of the LA's own trend).
    """
    growth = growth_rates(plans, study_las=study_las, england=england, kinds=kinds, until=fit_until)
    later = sorted(int(y) for y in plans["year"].unique() if y > fit_until)
    forecast = project(plans, growth, later, origin=fit_until)
    actual = plans.rename(columns={"plans": "actual"})
    out = forecast.rename(columns={"need": "forecast"}).merge(actual, on=["la_gss", "kind", "year"], how="inner")
    out = out.dropna(subset=["actual"]).merge(growth[["la_gss", "kind", "weight"]], on=["la_gss", "kind"])
    out["error"] = out["forecast"] - out["actual"]
    out["log_error"] = np.log((out["actual"] + 1) / (out["forecast"] + 1))
    return out.sort_values(["kind", "la_gss", "year"]).reset_index(drop=True)


def error_band(errors: pd.DataFrame, quantiles: tuple[float, float] = BAND_QUANTILES) -> pd.DataFrame:
    """Percentiles of the back-test's log errors per kind and horizon.

    Parameters
    ----------
    errors
        Output of :func:`backtest`.
    quantiles
        Lower and upper percentile (0-1).

    Returns
    -------
    pandas.DataFrame
        ``kind``, ``horizon``, ``low`` (at most 0), ``high`` (at least 0), so
        that the band always holds the point projection, and ``forecasts``
        (how many back-test forecasts each row is measured on).
    """
    grouped = errors.groupby(["kind", "horizon"])["log_error"]
    out = pd.DataFrame({
        "low": grouped.quantile(quantiles[0]).clip(upper=0.0),
        "high": grouped.quantile(quantiles[1]).clip(lower=0.0),
        "forecasts": grouped.size(),
    })
    return out.reset_index()


def band_at(band: pd.DataFrame, kind: str, horizon: int) -> tuple[float, float]:
    """Log-error bounds of ``kind`` at ``horizon``; past the longest horizon measured, grown in proportion.

    Examples
    --------
    >>> band = pd.DataFrame({"kind": ["ap"] * 2, "horizon": [1, 2], "low": [-0.1, -0.2], "high": [0.1, 0.3]})
    >>> band_at(band, "ap", 2), band_at(band, "ap", 4)
    ((-0.2, 0.3), (-0.4, 0.6))
    """
    rows = band[band["kind"] == kind]
    if rows.empty:
        return float("nan"), float("nan")
    measured = dict(zip(rows["horizon"].astype(int), zip(rows["low"].astype(float), rows["high"].astype(float))))
    if horizon in measured:
        return measured[horizon]
    last = max(measured)
    low, high = measured[last]
    return low * horizon / last, high * horizon / last


@dataclass(frozen=True)
class Forecast:
    """Observed and projected need per LA, kind and year, with the inputs of the method.

    Attributes
    ----------
    table
        ``la_gss``, ``kind``, ``year``, ``observed``, ``need``, ``lower``, ``upper``.
    growth
        Output of :func:`growth_rates` on every observed year.
    band
        Output of :func:`error_band` from the back-test.
    backtest
        Output of :func:`backtest` on the pool (England's LAs, or the study LAs).
    latest
        Calendar year of the latest count.
    horizon
        Last year projected.
    prior
        What the growth prior is (``"England"`` or ``"the study LAs pooled"``).
    """

    table: pd.DataFrame
    growth: pd.DataFrame
    band: pd.DataFrame
    backtest: pd.DataFrame
    latest: int
    horizon: int
    prior: str


def forecast_need(
    caseload: pd.DataFrame, *, study_las: list[str], england: pd.DataFrame | None = None,
    horizon: int | None = None, kinds: tuple[str, ...] = SPECIALIST_KINDS,
) -> Forecast:
    """Observed EHC plans per LA and kind, and their projection with an 80% band to ``horizon``.

    Parameters
    ----------
    caseload
        SEN2 caseload of the study LAs (``la_gss``, ``time_period``, placement columns).
    study_las
        ONS codes of the LAs to forecast.
    england
        SEN2 caseload of every English LA and England, for the prior, the
        shrinkage and the back-test; ``None`` to use the study LAs alone.
    horizon
        Last calendar year to project; ``None`` for five years after the latest count.
    kinds
        Kinds to forecast.

    Returns
    -------
    Forecast

    Raises
    ------
    InputError
        If the horizon is not after the latest count, or a column is missing.
    """
    plans = plans_by_kind(caseload[caseload["la_gss"].astype(str).isin(study_las)], kinds)
    latest = int(plans["year"].max())
    horizon = latest + DEFAULT_HORIZON_YEARS if horizon is None else int(horizon)
    if horizon <= latest:
        raise InputError(f"The forecast horizon must be a year after the latest EHC plan count ({latest}), "
                         f"got {horizon}.")
    growth = growth_rates(plans, study_las=study_las, england=england, kinds=kinds)
    pool, _, prior = _pool_series(plans, study_las, england, kinds)
    pool_las = sorted(set(pool["la_gss"]))
    errors = backtest(pool, study_las=pool_las, england=england, kinds=kinds)
    band = error_band(errors)
    projected = project(plans, growth, list(range(latest + 1, horizon + 1)), origin=latest)
    bounds = np.array([band_at(band, k, h) for k, h in zip(projected["kind"], projected["horizon"])]).reshape(-1, 2)
    projected["lower"] = ((projected["need"] + 1) * np.exp(bounds[:, 0]) - 1).clip(lower=0)
    projected["upper"] = ((projected["need"] + 1) * np.exp(bounds[:, 1]) - 1).clip(lower=0)
    projected["observed"] = False
    observed = plans.rename(columns={"plans": "need"}).assign(observed=True)
    observed["lower"] = observed["upper"] = observed["need"]
    columns = ["la_gss", "kind", "year", "observed", "need", "lower", "upper"]
    table = pd.concat([observed[columns], projected[columns]], ignore_index=True)
    table["kind"] = pd.Categorical(table["kind"], categories=list(kinds))
    table = table.sort_values(["la_gss", "kind", "year"]).reset_index(drop=True)
    table["kind"] = table["kind"].astype(str)
    return Forecast(table=table, growth=growth, band=band, backtest=errors, latest=latest, horizon=horizon,
                    prior=prior)


def with_places(table: pd.DataFrame, places: Mapping[str, pd.Series]) -> pd.DataFrame:
    """Add today's places and the places needed beyond them to a forecast table.

    Parameters
    ----------
    table
        :attr:`Forecast.table`.
    places
        Kind -> places per LA today (index ``la_gss``, in the LA where the
        provision sits); kinds not given get blank places.

    Returns
    -------
    pandas.DataFrame
        ``table`` with ``places``, ``places_needed`` (``need - places``:
        negative when places are to spare) and ``first_year_over`` (per LA and
        kind, the first year from the latest count on in which need exceeds
        today's places; blank when it does not within the horizon).

    Examples
    --------
    >>> table = pd.DataFrame({"la_gss": ["A"] * 3, "kind": ["ap"] * 3, "year": [2025, 2026, 2027],
    ...                       "observed": [True, False, False], "need": [8.0, 10.0, 12.0]})
    >>> out = with_places(table, {"ap": pd.Series({"A": 11.0})})
    >>> out["places_needed"].tolist(), out["first_year_over"].tolist()
    ([-3.0, -1.0, 1.0], [2027, 2027, 2027])
    """
    out = table.copy()
    out["places"] = np.nan
    for kind, per_la in places.items():
        rows = (out["kind"] == kind).to_numpy()
        out.loc[rows, "places"] = out.loc[rows, "la_gss"].map(per_la.astype("float64")).to_numpy()
    out["places_needed"] = out["need"] - out["places"]
    latest = out.loc[out["observed"].astype(bool), "year"].max()
    over = out[(out["year"] >= latest) & (out["places_needed"] > 0)]
    first = over.groupby(["la_gss", "kind"])["year"].min()
    keys = pd.MultiIndex.from_frame(out[["la_gss", "kind"]])
    out["first_year_over"] = pd.array(first.reindex(keys).to_numpy(), dtype="Int64")
    return out
