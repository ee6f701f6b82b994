"""Back-test of the forecast of specialist need: fit on January 2019-2022, compare with 2023-2025.

Run from the repository root::

    python benchmarks/backtest_forecast.py            # Markdown tables on stdout

Every English LA with a complete SEN2 series in the embedded ``ehcp_england``
layer is forecast from its 2019-2022 counts (the prior, England's growth, and
the spread of growth between LAs are also cut at 2022, so nothing from the
held-out years leaks in), and each forecast is compared with the 2023, 2024
and 2025 counts.  The method (growth shrunk towards England's) is set beside
three simpler ones on the same LAs: the LA's own trend, England's growth for
every LA, and no change from 2022.  Errors: absolute percentage error
``|forecast - actual| / actual`` (LAs with an actual count of 0 are left out of
it), its median and 90th percentile over LAs, and the median signed log error
``ln((actual + 1) / (forecast + 1))`` (above 0: the forecast was too low).
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from gapmap.engine.forecast import BACKTEST_FIT_UNTIL, ENGLAND_CODE, growth_rates, plans_by_kind, project
from gapmap.sources.embedded import load_embedded

METHODS = {
    "shrunk (gapmap)": "growth",
    "LA's own trend": "local_growth",
    "England's growth": "prior_growth",
    "no change": None,
}


def errors_by_method(england: pd.DataFrame, *, fit_until: int = BACKTEST_FIT_UNTIL) -> pd.DataFrame:
    """Back-test errors of every method, LA, kind and held-out year."""
    plans = plans_by_kind(england)
    las = sorted(set(plans["la_gss"]) - {ENGLAND_CODE})
    local = plans[plans["la_gss"].isin(las)]
    growth = growth_rates(local, study_las=las, england=england, until=fit_until)
    later = sorted(int(y) for y in local["year"].unique() if y > fit_until)
    frames = []
    for name, column in METHODS.items():
        rates = growth.assign(growth=0.0 if column is None else growth[column])
        forecast = project(local, rates, later, origin=fit_until).merge(
            local.rename(columns={"plans": "actual"}), on=["la_gss", "kind", "year"]).dropna(subset=["actual"])
        frames.append(forecast.assign(method=name))
    out = pd.concat(frames, ignore_index=True)
    out["ape"] = (out["need"] - out["actual"]).abs() / out["actual"].where(out["actual"] > 0)
    out["log_error"] = np.log((out["actual"] + 1) / (out["need"] + 1))
    return out


def summary(errors: pd.DataFrame) -> pd.DataFrame:
    """Median and 90th percentile absolute percentage error, and median log error, per method, kind, horizon."""
    grouped = errors.groupby(["kind", "horizon", "method"], sort=False)
    return pd.DataFrame({
        "LAs": grouped["ape"].count(),
        "median APE": grouped["ape"].median().map("{:.1%}".format),
        "90th pct APE": grouped["ape"].quantile(0.9).map("{:.1%}".format),
        "median log error": grouped["log_error"].median().map("{:+.3f}".format),
    }).reset_index()


def markdown(frame: pd.DataFrame) -> str:
    """A Markdown table of ``frame`` (no index)."""
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def main() -> None:
    """Print the back-test tables (all England LAs, then the North East LAs) as Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    inputs = load_embedded("north-east")
    errors = errors_by_method(inputs.ehcp_england)
    north_east = errors[errors["la_gss"].isin(inputs.las["la_gss"].astype(str))]
    print("## All English LAs with a complete series\n")
    print(markdown(summary(errors)))
    print("\n## The seven North East LAs, shrunk (gapmap) method\n")
    table = summary(north_east[north_east["method"] == "shrunk (gapmap)"]).drop(columns="method")
    print(markdown(table))
    special = north_east[(north_east["method"] == "shrunk (gapmap)") & (north_east["kind"] == "special")]
    names = inputs.las.set_index(inputs.las["la_gss"].astype(str))["la_name"]
    special = special.assign(la=special["la_gss"].map(names)).sort_values(["la", "year"])
    detail = pd.DataFrame({"LA": special["la"], "year": special["year"], "forecast": special["need"].round(0).astype(int),
                           "SEN2 count": special["actual"].astype(int), "error": special["ape"].map("{:.1%}".format)})
    print("\n## North East special school placements: forecast from 2022 vs SEN2 count\n")
    print(markdown(detail))


if __name__ == "__main__":
    main()
