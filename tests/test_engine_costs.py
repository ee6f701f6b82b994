"""Cost backends: straight line with circuity, a plugged-in function, and the reusable baseline cost table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gapmap.engine import (
    FunctionBackend,
    StraightLine,
    analyse,
    kind_costs,
    pairs_within,
)
from gapmap.errors import InputError
from gapmap.settings import Settings

ORIGINS = pd.DataFrame({"x": [0.0, 100.0], "y": [0.0, 0.0]}, index=["a", "b"])
SITES = pd.DataFrame({"x": [30.0, 300.0], "y": [40.0, 0.0]}, index=["s1", "s2"])


def test_straight_line_with_circuity():
    backend = StraightLine(circuity=2.0)
    assert backend.label == "straight line x 2 circuity (EPSG:27700)"
    table = backend.costs(ORIGINS, SITES, max_cost=100.0)
    assert table.values.tolist() == [["a", "s1", 100.0]]  # 50 m x 2 equals the limit: inside
    assert backend.nearest(ORIGINS, SITES)["cost"].round(6).tolist() == [100.0, pytest.approx(2 * np.hypot(70, 40))]
    with pytest.raises(InputError, match="circuity factor must be a number >= 1.0"):
        StraightLine(circuity=0.5)


def test_a_function_backend_gives_the_same_answers_as_straight_lines(ne_inputs, ne_results):
    calls = []

    def routed(origins, destinations, max_cost):
        calls.append(max_cost)
        return pairs_within(origins, destinations, max_cost)

    backend = FunctionBackend(routed, "test routing")
    nearest = backend.nearest(ORIGINS, SITES)
    assert nearest["dest"].tolist() == ["s1", "s1"] and nearest["cost"].tolist() == [50.0, pytest.approx(np.hypot(70, 40))]
    plugged = analyse(ne_inputs, Settings(kinds=("special",), cost_backend=backend))
    columns = [c for c in plugged.lsoa.columns if c.startswith("special_")]
    pd.testing.assert_frame_equal(pd.DataFrame(plugged.lsoa[columns]), pd.DataFrame(ne_results.lsoa[columns]))
    assert np.inf in calls and 10_000.0 in calls
    assert any(note.startswith("Distances: test routing") for note in plugged.notes)


def test_a_plain_function_is_accepted_as_backend(ne_inputs):
    def costs(origins, destinations, max_cost):
        table = pairs_within(origins, destinations, max_cost / 1.5)
        return table.assign(cost=table["cost"] * 1.5)

    plugged = analyse(ne_inputs, Settings(kinds=("ap",), cost_backend=costs))
    circuity = analyse(ne_inputs, Settings(kinds=("ap",), circuity=1.5))
    np.testing.assert_allclose(plugged.lsoa["ap_distance_m"], circuity.lsoa["ap_distance_m"])
    np.testing.assert_allclose(plugged.lsoa["ap_2sfca"], circuity.lsoa["ap_2sfca"], rtol=1e-12)


def test_kind_costs_is_the_baseline_od_table(ne_inputs, ne_results):
    table = kind_costs(ne_inputs, "special")
    assert list(table.columns) == ["origin", "dest", "cost"]
    assert table["cost"].max() <= 10_000.0
    assert set(table["origin"]) <= set(ne_inputs.lsoas["lsoa_code"])
    # Its per-origin minimum is the nearest distance the analysis reports (where within the catchment).
    nearest = table.groupby("origin")["cost"].min()
    reported = ne_results.lsoa.set_index("lsoa_code")["special_distance_m"].reindex(nearest.index)
    np.testing.assert_allclose(nearest.round(1), reported, atol=1e-9)
    everything = kind_costs(ne_inputs, "special", max_cost=np.inf)
    special = ne_results.provision[(ne_results.provision["kind"] == "special") & ne_results.provision["analysed"]]
    assert len(everything) == len(ne_inputs.lsoas) * len(special)
