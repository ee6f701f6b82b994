"""An LA whose SEN2 figure is missing or suppressed in the matched year falls back, labelled, to its latest earlier count."""

from __future__ import annotations

import pandas as pd
import pytest

from gapmap.engine import analyse
from gapmap.engine.demand import ehcp_caseload
from gapmap.errors import InputError
from gapmap.settings import Settings
from gapmap.sources.national import load_national


def _caseload(rows):
    return pd.DataFrame(rows, columns=["la_gss", "time_period", "special_total"])


def test_a_missing_figure_takes_the_las_latest_earlier_count():
    table = _caseload([("E1", 202324, 40.0), ("E1", 202425, 44.0),
                       ("E2", 202223, 9.0), ("E2", 202324, 10.0), ("E2", 202425, None)])
    caseload, year, earlier = ehcp_caseload(table, "special", las=["E1", "E2"], year=None)
    assert year == 202425 and caseload.to_dict() == {"E1": 44.0, "E2": 10.0} and earlier == {"E2": 202324}


def test_no_figure_in_any_year_is_still_refused():
    table = _caseload([("E1", 202425, 44.0), ("E2", 202425, None)])
    with pytest.raises(InputError, match="every earlier year give no special_total figure for E2"):
        ehcp_caseload(table, "special", las=["E1", "E2"], year=None)


def test_north_east_lincolnshire_builds_with_its_2023_24_plans_named():
    """SEN2 2024/25 publishes no special school placements for North East Lincolnshire (E06000012)."""
    inputs = load_national(la="E06000012", buffer_miles=0)
    results = analyse(inputs, Settings(kinds=("special",)))
    assert any("E06000012 (its latest earlier count, time_period 202324, is used)" in note for note in results.notes)
    raw = inputs.ehcp.assign(period=pd.to_numeric(inputs.ehcp["time_period"]))
    expected = float(raw[(raw["la_gss"] == "E06000012") & (raw["period"] == 202324)]["special_total"].iloc[0])
    assert results.la_summary["special_demand"].sum() == pytest.approx(expected)


def test_the_forecast_of_an_la_with_a_missing_latest_count_shows_the_gap_not_a_crash():
    from gapmap.engine.projection import study_forecast

    forecast = study_forecast(load_national(la="E06000012", buffer_miles=0), horizon=2030).table
    special = forecast[(forecast["kind"] == "special") & forecast["observed"].astype(bool)].set_index("year")
    assert special.loc[2024, "need"] == 489 and pd.isna(special.loc[2025, "need"])


def test_the_forecast_table_says_no_data_for_an_la_with_no_projection():
    from gapmap.engine.projection import forecast_results
    from gapmap.render.forecast import forecast_rows

    inputs = load_national(la=["E06000012", "E06000013"], buffer_miles=0)  # North East and North Lincolnshire
    results = forecast_results(analyse(inputs, Settings(kinds=("special",))), horizon=2030)
    rows = forecast_rows(results, "special").set_index("Local authority")
    assert rows.loc["North East Lincolnshire", "More places needed by 2030"] == "no data"
    assert rows.loc["North Lincolnshire", "More places needed by 2030"] != "no data"
