"""Scenario.run reuses the baseline for the kinds an edit leaves alone, with the full engine's results."""

from __future__ import annotations

import pandas as pd
import pytest

from gapmap import Study
from gapmap.scenario.incremental import changed_kinds, only_provision_changed


@pytest.fixture(scope="module")
def study(ne_inputs):
    study = Study(inputs=ne_inputs)
    study.run()
    return study


def _assert_same_results(incremental, full):
    for table in ("lsoa", "provision", "la_summary", "ca_summary", "need_access", "vintages"):
        pd.testing.assert_frame_equal(getattr(incremental.results, table), getattr(full.results, table), obj=table,
                                      rtol=1e-9, atol=1e-9)
    assert incremental.results.notes == full.results.notes
    assert incremental.results.settings == full.results.settings


@pytest.mark.parametrize(("edit", "kinds"), [
    (lambda s: s.add_provision(postcode="NE8 2XD", kind="special", places=40, needs=["asd"]), {"special"}),
    (lambda s: s.close(urn=108410), {"mainstream_secondary"}),
    (lambda s: s.expand(urn=108565, places=+20), {"ap"}),
    (lambda s: s.expand(urn=108565, places=+20).close(urn=108410).add_provision(point=(425000, 560000), kind="ap"),
     {"ap", "mainstream_secondary"}),
    (lambda s: s.add_provision(urn=108410, kind="special", places=40), {"special"}),
    (lambda s: s.add_provision(point=(427000, 563000), kind="special", places=12, needs=["semh", "slcn"],
                               ages=(11, 16)), {"special"}),
    (lambda s: s.close(urn=108655), {"special"}),
    (lambda s: s.expand(urn=108655, places=-5), {"special"}),
    (lambda s: s.close(urn=108565), {"ap"}),
    (lambda s: s.add_provision(postcode="NE8 2XD", kind="ap", places=30), {"ap"}),
    (lambda s: s.close(urn=108655).add_provision(point=(427000, 563000), kind="special", places=30, needs=["asd"])
     .add_provision(urn=108426, kind="special", places=10), {"special"}),
], ids=["open", "close", "expand", "combined", "open-special-at-a-host-school", "open-need-type-specific-site",
        "close-special", "shrink-special", "close-ap", "open-ap", "close-and-open-special"])
def test_open_close_and_expand_recompute_only_their_kind_and_equal_the_full_engine(study, edit, kinds):
    scenario = edit(study.scenario("what-if"))
    assert only_provision_changed(study.inputs, study.settings, scenario.inputs, scenario.settings)
    assert changed_kinds(study.inputs, scenario.inputs) == kinds
    _assert_same_results(scenario.run(), scenario.run(incremental=False))


@pytest.mark.parametrize("edit", [
    lambda s: s.scale_population(la="Gateshead", factor=1.1),
    lambda s: s.set_threshold(kind="special", miles=2),
    lambda s: s.set_threshold(kind="special", miles=2).expand(urn=108565, places=+20),
], ids=["population", "threshold", "threshold-and-expand"])
def test_edits_beyond_the_provision_run_the_full_engine(study, edit):
    scenario = edit(study.scenario("what-if"))
    assert not only_provision_changed(study.inputs, study.settings, scenario.inputs, scenario.settings)


def test_a_scenario_without_edits_is_the_baseline(study):
    _assert_same_results(study.scenario("none").run(), study.run())


def test_a_kind_whose_demand_counts_the_provision_gets_its_demand_recomputed(ne_inputs):
    from gapmap.settings import Settings

    study = Study(inputs=ne_inputs, settings=Settings(ap_need="placements"))
    scenario = study.scenario("close a PRU").close(urn=108565)  # its pupils on roll are part of the AP estimate
    incremental = scenario.run()
    _assert_same_results(incremental, scenario.run(incremental=False))
    assert incremental.results.lsoa["ap_demand"].sum() < study.run().results.lsoa["ap_demand"].sum()


def test_an_edited_kind_is_updated_from_the_baselines_nearest_sites_not_measured_again(study, monkeypatch):
    import gapmap.engine.metrics as metrics

    scenario = study.scenario("open").add_provision(postcode="NE8 2XD", kind="special", places=40)
    full = scenario.run(incremental=False)

    def measured(*args, **kwargs):
        raise AssertionError("the edited kind was measured from scratch")

    monkeypatch.setattr(metrics, "kind_reach", measured)
    _assert_same_results(scenario.run(), full)
