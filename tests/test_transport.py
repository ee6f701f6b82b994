"""Indicative transport cost per LA: only from a user-set cost, and equal to a hand computation."""

from __future__ import annotations

import numpy as np
import pytest

from gapmap.engine.opportunities import OpportunityOptions
from gapmap.engine.transport import with_transport_costs


def test_no_cost_no_figure(ne_results):
    out = with_transport_costs(ne_results, OpportunityOptions())
    assert out is ne_results
    assert not any(c.endswith("_indicative_transport_cost_gbp") for c in out.la_summary.columns)


def test_cost_per_pupil_mile_by_la(ne_results):
    out = with_transport_costs(ne_results, OpportunityOptions(cost_per_pupil_mile=2.5))
    lsoa = ne_results.lsoa
    durham = lsoa[lsoa["la_gss"] == "E06000047"]
    miles = durham["special_distance_m"] / 1609.344
    expected = float((durham["special_demand"] * miles).sum() * 2 * 190 * 2.5)
    got = out.la_summary.set_index("la_gss").loc["E06000047", "special_indicative_transport_cost_gbp"]
    assert got == pytest.approx(round(expected, -3))
    assert "mainstream_primary_indicative_transport_cost_gbp" not in out.la_summary.columns
    assert any("£2.50 per pupil-mile (cost_per_pupil_mile, set by the user)" in n for n in out.notes)


def test_cost_per_pupil_by_la(ne_results):
    out = with_transport_costs(ne_results, OpportunityOptions(cost_per_pupil=10_000))
    demand = ne_results.lsoa.groupby("la_gss")["ap_demand"].sum() * 10_000
    got = out.la_summary.set_index("la_gss")["ap_indicative_transport_cost_gbp"]
    np.testing.assert_allclose(got.reindex(demand.index), demand.round(-3))
