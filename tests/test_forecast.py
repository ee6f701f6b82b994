"""Forecast of specialist need: observed series reconcile to SEN2, method on hand-computed values, outputs."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from conftest import FIXTURES, SHARED_DATA, needs_shared
from gapmap.engine.demand import PLACEMENT_COLUMNS, SPECIALIST_KINDS
from gapmap.engine.forecast import (
    backtest,
    band_at,
    between_la_variance,
    calendar_year,
    forecast_need,
    growth_rates,
    log_linear_growth,
    plans_by_kind,
    project,
    shrink,
    time_period,
    with_places,
)
from gapmap.engine.projection import inputs_at_year, study_forecast
from gapmap.errors import InputError

FIXTURE = FIXTURES / "sen2_caseload_north_east_2019-2025.csv"
NORTH_EAST = ["E06000047", "E06000057", "E08000021", "E08000022", "E08000023", "E08000024", "E08000037"]


def _raw_sen2() -> pd.DataFrame:
    with zipfile.ZipFile(SHARED_DATA / "send" / "ehcp_sen2_2025.zip") as archive:
        return pd.read_csv(io.BytesIO(archive.read("data/caseload.csv")), dtype=str, keep_default_na=False,
                           encoding="utf-8-sig")


def _expected(raw: pd.DataFrame) -> pd.DataFrame:
    """Plans per LA, kind and year summed straight from SEN2 text cells (independently of the forecast code)."""
    rows = []
    for record in raw.to_dict("records"):
        for kind, columns in PLACEMENT_COLUMNS.items():
            rows.append((record["new_la_code"], kind, int(record["time_period"][:4]) + 1,
                         float(sum(int(record[c]) for c in columns))))
    return pd.DataFrame(rows, columns=["la_gss", "kind", "year", "plans"]).set_index(["la_gss", "kind", "year"])


def _observed(forecast_table: pd.DataFrame) -> pd.Series:
    observed = forecast_table[forecast_table["observed"]]
    return observed.set_index(["la_gss", "kind", "year"])["need"]


@needs_shared
def test_fixture_is_a_cut_of_the_published_file():
    raw = _raw_sen2()
    rows = raw[(raw["geographic_level"] == "Local authority") & (raw["breakdown_topic"] == "All EHC plans")
               & raw["new_la_code"].isin(NORTH_EAST)]
    fixture = pd.read_csv(FIXTURE, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(rows[fixture.columns].reset_index(drop=True), fixture)


@needs_shared
def test_observed_series_reconciles_exactly_to_the_sen2_zip(ne_inputs):
    raw = _raw_sen2()
    raw = raw[(raw["geographic_level"] == "Local authority") & (raw["breakdown_topic"] == "All EHC plans")
              & raw["new_la_code"].isin(NORTH_EAST)]
    expected = _expected(raw)["plans"]
    observed = _observed(study_forecast(ne_inputs).table)
    assert len(expected) == len(observed) == 7 * 7 * 4
    pd.testing.assert_series_equal(observed.sort_index(), expected.sort_index(), check_names=False, check_exact=True)


def test_observed_series_reconciles_exactly_to_the_committed_extract(ne_inputs):
    expected = _expected(pd.read_csv(FIXTURE, dtype=str, keep_default_na=False))["plans"]
    observed = _observed(study_forecast(ne_inputs).table)
    assert sorted(set(observed.index.get_level_values("year"))) == list(range(2019, 2026))
    pd.testing.assert_series_equal(observed.sort_index(), expected.sort_index(), check_names=False, check_exact=True)
    # the observed rows carry no band
    table = study_forecast(ne_inputs).table
    observed_rows = table[table["observed"]]
    assert (observed_rows["lower"] == observed_rows["need"]).all()
    assert (observed_rows["upper"] == observed_rows["need"]).all()


def test_years_and_time_periods():
    assert [calendar_year(p) for p in (201819, 202425)] == [2019, 2025]
    assert [time_period(y) for y in (2019, 2025, 2030, 2100)] == [201819, 202425, 202930, 209900]


def test_log_linear_growth_by_hand():
    # ln(plans + 1) = ln 2, ln 4, ln 5 at x = -1, 0, 1: slope (ln 5 - ln 2) / 2; residuals r/2, -r, r/2
    slope, se = log_linear_growth(np.array([2019, 2020, 2021]), np.array([1.0, 3.0, 4.0]))
    assert slope == pytest.approx((np.log(5) - np.log(2)) / 2, abs=1e-12)
    r = (np.log(2) + np.log(5) - 2 * np.log(4)) / 3  # fitted - actual at x = 0
    residuals = np.array([r / 2, -r, r / 2])
    assert se == pytest.approx(np.sqrt((residuals ** 2).sum() / 1 / 2), abs=1e-12)
    assert se == pytest.approx(0.135678, abs=1e-6)
    # exact exponential growth: slope ln(1.1) on ln(plans + 1) when plans + 1 grows by 10%
    years = np.arange(2019, 2026)
    slope, se = log_linear_growth(years, 50 * 1.1 ** (years - 2019) - 1)
    assert slope == pytest.approx(np.log(1.1), abs=1e-12) and se == pytest.approx(0, abs=1e-12)
    with pytest.raises(InputError):
        log_linear_growth(np.array([2020, 2020]), np.array([1.0, 2.0]))


def test_shrinkage_weights_by_hand():
    assert shrink(0.2, 0.1, 0.05, 0.01) == pytest.approx((0.125, 0.5))
    assert shrink(0.2, 0.0, 0.05, 0.01) == pytest.approx((0.2, 1.0))  # a perfect fit keeps its own trend
    assert shrink(0.2, 0.1, 0.05, 0.0) == pytest.approx((0.05, 0.0))  # no spread between LAs: the prior
    assert shrink(0.2, float("nan"), 0.05, 0.01) == pytest.approx((0.05, 0.0))
    # MAD of (0, 0.1, 0.3) is 0.1; median se^2 is 0.0025
    assert between_la_variance(np.array([0.0, 0.1, 0.3]), np.array([0.0, 0.05, 0.1])) == pytest.approx(
        (1.4826 * 0.1) ** 2 - 0.0025)


def test_growth_rates_shrink_each_la_towards_the_pooled_trend():
    years = list(range(2019, 2023))
    plans = pd.DataFrame({
        "la_gss": ["A"] * 4 + ["B"] * 4 + ["C"] * 4,
        "kind": "special",
        "year": years * 3,
        "plans": [100, 110, 121, 133.1, 50, 66, 84, 110, 200, 190, 215, 200],
    })
    out = growth_rates(plans, study_las=["A", "B", "C"], kinds=("special",)).set_index("la_gss")
    fits = {la: np.polyfit(years, np.log(g["plans"] + 1), 1, cov=True) for la, g in plans.groupby("la_gss")}
    slopes = np.array([fits[la][0][0] for la in "ABC"])
    ses = np.array([np.sqrt(fits[la][1][0, 0]) for la in "ABC"])
    total = plans.groupby("year")["plans"].sum()
    prior = np.polyfit(years, np.log(total), 1)[0]
    tau2 = max(0.0, (1.4826 * np.median(np.abs(slopes - np.median(slopes)))) ** 2 - np.median(ses ** 2))
    weights = tau2 / (tau2 + ses ** 2)
    np.testing.assert_allclose(out.loc[list("ABC"), "local_growth"], slopes, rtol=1e-10)
    np.testing.assert_allclose(out.loc[list("ABC"), "local_se"], ses, rtol=1e-8)
    np.testing.assert_allclose(out["prior_growth"], prior, rtol=1e-10)
    np.testing.assert_allclose(out.loc[list("ABC"), "weight"], weights, rtol=1e-8)
    np.testing.assert_allclose(out.loc[list("ABC"), "growth"], weights * slopes + (1 - weights) * prior, rtol=1e-8)
    assert 0 < out.loc["C", "weight"] < out.loc["B", "weight"] < out.loc["A", "weight"] < 1  # noisier, less own trend


def test_projection_and_band_by_hand():
    plans = pd.DataFrame({"la_gss": ["A"], "kind": ["ap"], "year": [2025], "plans": [100.0]})
    growth = pd.DataFrame({"la_gss": ["A"], "kind": ["ap"], "growth": [np.log(1.1)]})
    out = project(plans, growth, [2026, 2027, 2030], origin=2025)
    assert out["need"].tolist() == pytest.approx([110.0, 121.0, 100 * 1.1 ** 5])
    assert out["horizon"].tolist() == [1, 2, 5]
    band = pd.DataFrame({"kind": ["ap"] * 3, "horizon": [1, 2, 3], "low": [-0.1, -0.2, -0.3],
                         "high": [0.1, 0.2, 0.6]})
    assert band_at(band, "ap", 3) == (-0.3, 0.6)
    assert band_at(band, "ap", 6) == pytest.approx((-0.6, 1.2))  # twice the longest horizon measured


def test_backtest_of_an_exact_trend_has_no_error():
    years = np.arange(2019, 2026)
    plans = pd.DataFrame({"la_gss": "A", "kind": "special", "year": years,
                          "plans": 200 * 1.07 ** (years - 2019)})
    errors = backtest(plans, study_las=["A"], kinds=("special",))
    assert errors["year"].tolist() == [2023, 2024, 2025] and errors["horizon"].tolist() == [1, 2, 3]
    # ln(plans + 1) is not exactly linear, so the fit is off by a little
    np.testing.assert_allclose(errors["forecast"], errors["actual"], rtol=2e-3)


def test_forecast_need_defaults_to_five_years_and_rejects_past_horizons():
    caseload = pd.read_csv(FIXTURE).rename(columns={"new_la_code": "la_gss"})
    forecast = forecast_need(caseload, study_las=NORTH_EAST)
    assert forecast.latest == 2025 and forecast.horizon == 2030 and forecast.prior == "the study LAs pooled"
    table = forecast.table
    assert sorted(table["year"].unique()) == list(range(2019, 2031))
    assert len(table) == 7 * 4 * 12
    projected = table[~table["observed"]]
    assert (projected["lower"] <= projected["need"] + 1e-9).all() and (projected["need"] <= projected["upper"] + 1e-9).all()
    with pytest.raises(InputError, match="after the latest"):
        forecast_need(caseload, study_las=NORTH_EAST, horizon=2025)


def test_north_east_forecast_uses_england_as_prior(ne_inputs):
    forecast = study_forecast(ne_inputs)
    assert forecast.prior == "England"
    # England's special school placements (SEN2 national rows): 136,630 in 2019 -> 193,880 in 2025
    england = plans_by_kind(ne_inputs.ehcp_england, ("special",))
    national = england[england["la_gss"] == "E92000001"].set_index("year")["plans"]
    assert national[2025] == 193_880
    slope = np.polyfit(national.index, np.log(national.to_numpy()), 1)[0]
    assert forecast.growth.loc[forecast.growth["kind"] == "special", "prior_growth"].to_numpy() == pytest.approx(slope)
    assert forecast.backtest["la_gss"].nunique() > 140  # the back-test pool is England's LAs


def test_with_places_first_year_and_blank_places():
    table = pd.DataFrame({"la_gss": ["A"] * 3 + ["B"] * 3, "kind": ["ap"] * 3 + ["sen_unit"] * 3,
                          "year": [2025, 2026, 2027] * 2, "observed": [True, False, False] * 2,
                          "need": [8.0, 10.0, 12.0, 1.0, 2.0, 3.0]})
    out = with_places(table, {"ap": pd.Series({"A": 11.0})})
    assert out["places_needed"].iloc[:3].tolist() == [-3.0, -1.0, 1.0]
    assert out["first_year_over"].iloc[:3].tolist() == [2027] * 3
    assert out["places"].iloc[3:].isna().all() and out["first_year_over"].iloc[3:].isna().all()


def test_study_run_at_a_projected_year_apportions_projected_need(ne_inputs):
    import gapmap

    study = gapmap.Study(inputs=ne_inputs)
    today, later = study.run(), study.run(year=2030)
    forecast = study_forecast(ne_inputs)
    need = forecast.table[(forecast.table["year"] == 2030) & (forecast.table["kind"] == "special")]
    demand = later.la_summary.set_index("la_gss")["special_demand"]
    np.testing.assert_allclose(demand.reindex(need["la_gss"]), need["need"], rtol=1e-9)
    # each LSOA's need grows by its LA's factor: apportioned as today's need is
    ratio = later.lsoa["special_demand"] / today.lsoa["special_demand"]
    factor = need.set_index("la_gss")["need"] / today.la_summary.set_index("la_gss")["special_demand"]
    np.testing.assert_allclose(ratio, today.lsoa["la_gss"].map(factor), rtol=1e-9)
    # places are today's
    pd.testing.assert_series_equal(later.la_summary["special_places"], today.la_summary["special_places"])
    assert "Projected to January 2030" in later.inputs.vintages["EHC plans"]
    assert study.run(year=2030) is later
    with pytest.raises(InputError, match="after the latest"):
        inputs_at_year(ne_inputs, 2025)


def test_study_run_at_an_observed_year_uses_that_count(ne_inputs):
    import gapmap

    result = gapmap.Study(inputs=ne_inputs).run(year=2023)
    caseload = ne_inputs.ehcp[ne_inputs.ehcp["time_period"] == 202223].set_index("la_gss")["special_total"]
    demand = result.la_summary.set_index("la_gss")["special_demand"]
    np.testing.assert_allclose(demand, caseload.reindex(demand.index).astype(float))


def test_build_writes_the_forecast_tables(ne_build):
    table = pd.read_csv(ne_build / "tables" / "forecast.csv")
    for column in ("la_gss", "kind", "year", "observed", "need", "lower", "upper", "places"):
        assert column in table.columns
    assert set(table["kind"]) == set(SPECIALIST_KINDS)
    assert table["year"].max() == 2030
    special = table[(table["kind"] == "special") & (table["year"] == 2030)]
    assert special["places"].notna().all()
    np.testing.assert_allclose(special["places_needed"], special["need"] - special["places"], rtol=1e-5)  # %.6g
    assert table.loc[table["kind"] == "sen_unit", "places"].isna().all()  # not analysed: no data, not 0
    ca = pd.read_csv(ne_build / "tables" / "forecast_ca.csv")
    pooled = table.groupby(["kind", "year"])["need"].sum()
    np.testing.assert_allclose(ca.set_index(["kind", "year"])["need"].reindex(pooled.index), pooled, rtol=1e-5)
    dictionary = (ne_build / "tables" / "README.md").read_text(encoding="utf-8")
    section = dictionary.split("## forecast.csv")[1].split("## ")[0]
    assert "not defined" not in section and "Forecast of need to 2030" in dictionary


def test_scenario_file_year_runs_scenario_and_baseline_at_that_year(tmp_path, ne_inputs):
    import gapmap
    from gapmap.scenario.files import read_scenario_file

    path = tmp_path / "later.yaml"
    path.write_text("name: later\nyear: 2030\nedits:\n  - close: {urn: 108565}\n", encoding="utf-8")
    spec = read_scenario_file(path)
    assert spec.year == 2030
    study = gapmap.Study(inputs=ne_inputs)
    scenario = spec.scenario(study)
    assert scenario.study is study.at_year(2030) and scenario.settings.ehcp_year == 202930
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nkinds: [special]\nyear: soon\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.yaml line 3: `year` must be a calendar year"):
        read_scenario_file(bad)


def test_summary_page_shows_a_forecast_chart_and_table_per_kind(ne_build):
    page = (ne_build / "index.html").read_text(encoding="utf-8")
    assert "Looking ahead: projected need against today's places" in page
    section = page.split('id="forecast"')[1]
    for kind in SPECIALIST_KINDS:
        assert (ne_build / "images" / f"forecast-{kind}.png").stat().st_size > 10_000
        assert f'src="images/forecast-{kind}.png"' in page
    # County Durham's special school row: whole numbers from the forecast table
    table = pd.read_csv(ne_build / "tables" / "forecast.csv")
    end = table[(table["la_name"] == "County Durham") & (table["kind"] == "special") & (table["year"] == 2030)].iloc[0]
    row = section.split("County Durham</td>")[1].split("</tr>")[0]
    assert f"{round(end['need']):,} ({round(end['lower']):,} to {round(end['upper']):,})" in row
    assert f">{round(end['places_needed']):,}<" in row and "already (2025)" in row
