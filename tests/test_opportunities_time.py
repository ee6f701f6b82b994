"""Site search on journey time (``--cost time``): the covering plan within 45 minutes, checked by brute force."""

from __future__ import annotations

import numpy as np
import pytest

from gapmap.engine import analyse
from gapmap.engine._kind_data import existing_sites, kind_demand, origins
from gapmap.engine.candidates import candidate_sites
from gapmap.engine.costs import CarTime
from gapmap.engine.demand import children_by_age
from gapmap.engine.journeys import CATCHMENT_MIN
from gapmap.engine.opportunities import OBJECTIVES, OpportunityOptions, site_opportunities
from gapmap.settings import Settings
from gapmap.travel import car_minutes


@pytest.fixture(scope="module")
def timed(ne_inputs):
    return analyse(ne_inputs, Settings(kinds=("special",), journey_backend=CarTime()))


def test_the_time_plan_picks_the_single_best_site_by_brute_force(timed):
    found = site_opportunities(timed, OpportunityOptions(sites=1, kinds=("special",)))
    plan = found.table[found.table["objective"] == OBJECTIVES["time"]]
    assert len(plan) == 1
    row = plan.iloc[0]
    fixed = existing_sites(timed, "special")
    candidates, _ = candidate_sites(timed.provision, timed.inputs.las, "special", candidates="schools", grid_m=5000.0,
                                    exclude=fixed.index, ages=timed.settings.age_range("special"))
    points = origins(timed)[["x", "y"]].to_numpy(float)
    weights = kind_demand(timed, "special").weights.reindex(origins(timed).index).to_numpy()
    ages = np.arange(4, 16)  # a host takes only need of the ages it serves: split each LSOA's need by age
    kids = children_by_age(timed.inputs.lsoas).of(range(4, 16), kind="special")  # the population's split by age
    by_age = weights[:, None] * kids / np.where(kids.sum(axis=1) > 0, kids.sum(axis=1), 1)[:, None]
    low, high = candidates["age_low"].to_numpy()[:, None], candidates["age_high"].to_numpy()[:, None]
    serves = (low <= ages) & (ages <= high)
    before = car_minutes(points, fixed[["x", "y"]].to_numpy(float)).min(axis=1)
    reach = car_minutes(points, candidates[["x", "y"]].to_numpy(float)) <= CATCHMENT_MIN
    newly = reach & (before > CATCHMENT_MIN)[:, None]
    gains = (newly * (by_age @ serves.T)).sum(axis=0)
    assert row["children_brought_within"] == pytest.approx(gains.max(), rel=1e-9)
    assert gains[candidates.index.get_loc(row["location"])] == pytest.approx(gains.max(), rel=1e-9)
    assert row["plan_children_within"] == pytest.approx(weights[before <= CATCHMENT_MIN].sum() + gains.max())
    assert row["threshold_minutes"] == CATCHMENT_MIN and np.isnan(row["threshold_miles"])
    assert f"within {CATCHMENT_MIN:g} minutes (estimated car time" in row["explanation"]


def test_distance_plans_keep_their_miles_beside_the_time_plan(timed):
    table = site_opportunities(timed, OpportunityOptions(sites=2, kinds=("special",))).table
    distance = table[table["objective"] != OBJECTIVES["time"]]
    assert distance["threshold_miles"].notna().all() and distance["threshold_minutes"].isna().all()
    assert "miles" in distance["explanation"].iloc[0]
