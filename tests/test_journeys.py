"""Journey-time outputs: hand-computed counts beyond the 45/75-minute norms, and the North East build."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gapmap.engine import analyse
from gapmap.engine.costs import CarTime, StraightLine
from gapmap.engine.demand import KindDemand
from gapmap.engine.journeys import journey_metrics
from gapmap.engine.metrics import Sites
from gapmap.errors import InputError
from gapmap.render.metrics import kind_metrics
from gapmap.render.report import summary_page
from gapmap.settings import Settings
from gapmap.travel.model import CarTimeModel

#: 1 minute per straight-line km: times are hand-computable.
ONE_MIN_PER_KM = CarTime(model=CarTimeModel(knots_km=(), coefficients=(0.0, 1.0)))


def _case():
    origins = pd.DataFrame({"x": [10_000.0, 0.0], "y": [0.0, 10_000.0]}, index=["L1", "L2"])
    table = pd.DataFrame({"provision_id": ["A", "B"], "la_gss": ["E1", "E1"], "places": [10.0, 10.0],
                          "places_proxy": [False, False], "age_low": pd.array([4, 11], dtype="Int64"),
                          "age_high": pd.array([10, 15], dtype="Int64"), "needs": pd.array([None, None], dtype="string")})
    points = pd.DataFrame({"x": [50_000.0, 0.0], "y": [0.0, 80_000.0]}, index=["A", "B"])
    demand = KindDemand(ages=range(10, 12), children=np.array([[10.0, 20.0], [30.0, 40.0]]),
                        demand=np.array([[2.0, 3.0], [5.0, 7.0]]), need_shares=None, needs=(), caseload=None,
                        method="test")
    return origins, Sites(table=table, points=points), demand


def test_counts_beyond_the_norms_by_hand():
    # L1: age 10 -> A 40 min (within 45), age 11 -> B 80.6 min (beyond 75).
    # L2: age 10 -> A 51.0 min (beyond 45), age 11 -> B 70 min (within 75).
    origins, sites, demand = _case()
    out = journey_metrics("special", origins=origins, sites=sites, demand=demand, backend=ONE_MIN_PER_KM)
    assert out["special_nearest_by_time_id"].tolist() == ["A", "A"]
    np.testing.assert_allclose(out["special_journey_min"], [40.0, 51.0])
    np.testing.assert_allclose(out["special_need_beyond_journey_norm"], [3.0, 5.0])
    np.testing.assert_allclose(out["special_children_beyond_journey_norm"], [20.0, 30.0])
    np.testing.assert_allclose(out["special_need_beyond_45min"], [3.0, 12.0])
    np.testing.assert_allclose(out["special_need_beyond_60min"], [3.0, 7.0])
    np.testing.assert_allclose(out["special_need_beyond_75min"], [3.0, 0.0])
    # Within 45 minutes: L1 -> A (40). A's 10 places for L1's demand of 5; L2 reaches nothing.
    np.testing.assert_allclose(out["special_2sfca_45min"], [2.0, np.nan])


def test_no_site_counts_as_beyond_every_time():
    origins, sites, demand = _case()
    empty = Sites(table=sites.table.iloc[:0], points=sites.points.iloc[:0])
    out = journey_metrics("special", origins=origins, sites=empty, demand=demand, backend=ONE_MIN_PER_KM)
    assert out["special_journey_min"].isna().all()
    np.testing.assert_allclose(out["special_need_beyond_15min"], [5.0, 12.0])
    np.testing.assert_allclose(out["special_need_beyond_journey_norm"], [5.0, 12.0])


def test_a_distance_backend_is_refused():
    origins, sites, demand = _case()
    with pytest.raises(InputError, match="measures metres, not minutes"):
        journey_metrics("special", origins=origins, sites=sites, demand=demand, backend=StraightLine())
    with pytest.raises(InputError, match="journey_backend must measure minutes"):
        Settings(journey_backend=StraightLine())


@pytest.fixture(scope="module")
def ne_time(ne_inputs):
    return analyse(ne_inputs, Settings(kinds=("special",), journey_backend=CarTime()))


def test_north_east_journey_figures_add_up(ne_time):
    lsoa, la, ca = ne_time.lsoa, ne_time.la_summary, ne_time.ca_summary
    for column in ("special_need_beyond_45min", "special_need_beyond_75min", "special_need_beyond_journey_norm"):
        assert la[column].sum() == pytest.approx(lsoa[column].sum())
        assert ca[column].sum() == pytest.approx(lsoa[column].sum())
    assert (la["special_need_beyond_75min"] <= la["special_need_beyond_45min"] + 1e-9).all()
    assert (la["special_need_beyond_45min"] <= la["special_demand"] + 1e-9).all()
    # The quickest site by time is never slower than the straight-line nearest site, timed the same way.
    model = CarTime().model
    sites = ne_time.provision.set_index("provision_id").loc[lsoa["special_nearest_id"]]
    straight = model.pair_minutes(np.column_stack([ne_time.inputs.lsoas["centroid_easting"],
                                                   ne_time.inputs.lsoas["centroid_northing"]]),
                                  np.column_stack([sites.geometry.x, sites.geometry.y]))
    assert (lsoa["special_journey_min"].to_numpy() <= np.round(straight, 1) + 0.05).all()
    assert any(note.startswith("Journey times: estimated car time (") and "held-out error" in note
               for note in ne_time.notes)


def test_summary_page_shows_journey_times_next_to_distance(ne_time):
    page = summary_page(ne_time)
    assert "<h2>Journey times</h2>" in page
    assert "more than 45 minutes (estimated car time)" in page and "more than 75 minutes" in page
    assert "beyond the walking distance for their age: 2 miles under 8, 3 miles 8-16, straight line" in page
    metric = next(m for m in kind_metrics(ne_time.lsoa, "special", ne_time.settings) if m.unit == "minutes")
    assert metric.column == "special_journey_min" and metric.breaks == (0, 15, 30, 45, 60, 75)
    assert "estimated car time" in metric.label


def test_build_cost_time_writes_journey_columns_and_costs(tmp_path):
    from click.testing import CliRunner

    from gapmap.cli import main

    result = CliRunner().invoke(main, ["build", "--out", str(tmp_path), "--tiles", "none", "--kinds", "special",
                                       "--sites", "0", "--cost", "time", "--cost-per-pupil-mile", "2"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    folder = tmp_path / "north-east"
    la = pd.read_csv(folder / "tables" / "la_summary.csv")
    for column in ("special_need_beyond_45min", "special_need_beyond_75min", "special_need_beyond_journey_norm",
                   "special_indicative_transport_cost_gbp"):
        assert column in la.columns
    dictionary = (folder / "tables" / "README.md").read_text(encoding="utf-8")
    assert "| `special_journey_min` | minutes (estimate) |" in dictionary and "held-out error median" in dictionary
    assert "not defined" not in dictionary
    assert "<h2>Journey times</h2>" in (folder / "index.html").read_text(encoding="utf-8")


def test_bad_roads_file_is_one_sentence(tmp_path):
    from click.testing import CliRunner

    from gapmap.cli import main

    bad = tmp_path / "roads.osm.pbf"
    bad.write_bytes(b"not OSM")
    result = CliRunner().invoke(main, ["build", "--out", str(tmp_path / "out"), "--roads", str(bad)])
    assert result.exit_code == 2
    assert "could not be read as OpenStreetMap data" in result.output
    assert not (tmp_path / "out").exists()
