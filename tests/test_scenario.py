"""Scenarios: edits change exactly what they should, and never the baseline."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from gapmap import Study
from gapmap.errors import InputError
from gapmap.settings import METRES_PER_MILE


@pytest.fixture(scope="module")
def study(ne_inputs):
    return Study(inputs=ne_inputs)


@pytest.fixture(scope="module")
def baseline(study):
    return study.run()


def _underserved(baseline, la_name):
    """The LSOA of an LA farthest from its nearest special school."""
    lsoa = baseline.lsoa
    la_gss = baseline.la_summary.set_index("la_name").loc[la_name, "la_gss"]
    rows = lsoa[lsoa["la_gss"] == la_gss]
    return rows.loc[rows["special_straight_line_m"].idxmax()]


def test_new_special_school_next_to_underserved_lsoa_brings_exactly_the_expected_children_within_reach(
    study, baseline, ne_inputs
):
    target = _underserved(baseline, "Northumberland")
    centroids = ne_inputs.lsoas.set_index("lsoa_code")
    easting, northing = centroids.loc[target["lsoa_code"], ["centroid_easting", "centroid_northing"]]
    scenario = study.scenario("new special school").add_provision(point=(easting + 50, northing), kind="special",
                                                                  places=60)
    result = scenario.run()
    diff = result.compare(baseline)

    # Independent expectation: straight lines from every LSOA centroid to the new point.
    lsoa = baseline.lsoa.set_index("lsoa_code")
    xy = centroids.loc[lsoa.index, ["centroid_easting", "centroid_northing"]].to_numpy(float)
    to_new = np.hypot(xy[:, 0] - (easting + 50), xy[:, 1] - northing)
    threshold = 3 * METRES_PER_MILE
    brought_in = lsoa["special_beyond"].to_numpy() & (to_new <= threshold)
    expected = pd.Series(np.where(brought_in, lsoa["children_0_15"], 0), index=lsoa["la_gss"]).groupby(level=0).sum()

    after = result.lsoa.set_index("lsoa_code")
    assert after.loc[target["lsoa_code"], "special_straight_line_m"] == pytest.approx(50, abs=0.05)
    assert target["special_straight_line_m"] > threshold
    np.testing.assert_allclose(after["special_straight_line_m"], np.minimum(lsoa["special_straight_line_m"], to_new),
                               atol=0.051)
    change = diff.by_la.query("kind == 'special'").set_index("la_gss")["children_beyond_change"]
    assert expected.sum() > 0
    for la_gss, value in change.items():
        assert value == -expected.get(la_gss, 0)
    engine = (result.la_summary.set_index("la_gss")["special_children_beyond"]
              - baseline.la_summary.set_index("la_gss")["special_children_beyond"])
    assert (engine == -expected.reindex(engine.index, fill_value=0)).all()
    assert diff.change(kind="special", metric="sites") == 1
    assert diff.change(kind="special", metric="places") == 60
    assert diff.change(kind="ap") == 0
    gained = diff.lsoa.set_index("lsoa_code")["special_reach"] == "gained"
    assert sorted(gained[gained].index) == sorted(lsoa.index[brought_in])


def test_closing_the_only_ap_site_flags_the_la_without_provision(study, baseline):
    summary = baseline.la_summary
    single = summary[summary["ap_sites"] == 1]
    assert len(single) >= 1
    la_gss, la_name = single.iloc[0][["la_gss", "la_name"]]
    provision = baseline.provision
    only = provision[(provision["kind"] == "ap") & (provision["la_gss"] == la_gss)]["provision_id"].item()

    diff = study.scenario("close the PRU").close(urn=only).run().compare(baseline)

    row = diff.by_la.query("kind == 'ap'").set_index("la_gss").loc[la_gss]
    assert row["sites_baseline"] == 1 and row["sites_scenario"] == 0
    assert row["without_provision"] and row["loses_provision"]
    others = diff.by_la.query("kind == 'ap' and la_gss != @la_gss")
    assert not others["loses_provision"].any()
    assert not diff.by_la.query("kind != 'ap'")["loses_provision"].any()
    assert diff.scenario.la_summary.set_index("la_gss").loc[la_gss, "ap_sites"] == 0
    assert row["cross_la_children_scenario"] == row["children_scenario"]  # every child now depends on another LA
    assert f"<b>{la_name}</b> would have no alternative provision site" in diff.summary_page()
    assert list(diff.sites["change"]) == ["closed"]


def test_population_scaling_scales_children_demand_and_ratios(study, baseline):
    factor = 1.05
    la = baseline.la_summary.set_index("la_name").loc["Northumberland", "la_gss"]
    one = study.scenario("growth").scale_population(la="Northumberland", factor=factor)
    lsoas = one.inputs.lsoas.set_index("lsoa_code")["children_0_15"]
    before = study.inputs.lsoas.set_index("lsoa_code")
    in_la = (before["la_gss"] == la).to_numpy()
    np.testing.assert_allclose(lsoas[in_la], before["children_0_15"][in_la] * factor, rtol=1e-12)
    assert (lsoas[~in_la] == before["children_0_15"][~in_la]).all()

    everywhere = study.scenario("growth everywhere").scale_population(factor=factor).run().compare(baseline)
    table = everywhere.by_la
    np.testing.assert_allclose(table["children_scenario"], table["children_baseline"] * factor, rtol=1e-12)
    np.testing.assert_allclose(table["children_beyond_scenario"], table["children_beyond_baseline"] * factor,
                               rtol=1e-12)
    np.testing.assert_allclose(table["share_beyond_scenario"], table["share_beyond_baseline"], rtol=1e-12)
    assert (table["sites_change"] == 0).all() and (table["places_change"] == 0).all()
    if "demand_scenario" in table:  # need-aware engine figures: demand scales, ratios fall by the same factor
        np.testing.assert_allclose(table["demand_scenario"], table["demand_baseline"] * factor, rtol=1e-9)
        ratios = [c.removesuffix("_baseline") for c in table if c.startswith("ratio") and c.endswith("_baseline")]
        assert ratios
        for ratio in ratios:  # the engine may round a ratio to 4 decimals
            np.testing.assert_allclose(table[f"{ratio}_scenario"], table[f"{ratio}_baseline"] / factor, rtol=1e-9,
                                       atol=1e-4)


def test_baseline_is_unchanged_after_scenarios_run(study, baseline):
    before = copy.deepcopy(study.inputs)
    summary, lsoa = baseline.la_summary.copy(), baseline.lsoa.copy()
    scenario = (
        study.scenario("everything")
        .add_provision(urn=147531, kind="special", places=40, needs=["ASD"], ages=(11, 16))
        .add_provision(postcode="NE8 2XD", kind="ap", places=12)
        .close(urn=108565)
        .expand(urn=108666, places=20)
        .scale_population(la="Gateshead", factor=1.1)
        .set_threshold(kind="special", miles=2)
    )
    scenario.run().compare(baseline)
    for name in ("las", "lsoas", "provision", "ehcp", "ehcp_needs", "excluded"):
        pd.testing.assert_frame_equal(getattr(study.inputs, name), getattr(before, name))
    assert study.settings.threshold("special") == pytest.approx(3 * METRES_PER_MILE)
    assert study.run() is baseline
    pd.testing.assert_frame_equal(baseline.la_summary, summary)
    pd.testing.assert_frame_equal(baseline.lsoa, lsoa)


def test_edits_are_immutable_and_chain(study):
    base = study.scenario("base")
    one = base.close(urn=108565)
    two = one.expand(urn=108666, places=+20)
    assert (len(base.edits), len(one.edits), len(two.edits)) == (0, 1, 2)
    assert base.inputs is study.inputs
    assert len(one.inputs.provision) == len(study.inputs.provision) - 1
    capacity = {s: s.inputs.provision.set_index("provision_id").loc["108666", "capacity"] for s in (one, two)}
    assert pd.isna(capacity[one]) and capacity[two] == 63 + 20  # 63 pupils on roll (the places proxy) + 20
    with pytest.raises(InputError, match="Unknown URN 108565 in `close`"):
        one.close(urn=108565)  # checked against the scenario so far: already closed


def test_add_provision_at_a_school_hosts_a_unit_at_its_location(study):
    scenario = study.scenario("unit").add_provision(urn=147531, kind="special", places=12, needs="asd;semh")
    provision = scenario.inputs.provision.set_index("provision_id")
    host, unit = provision.loc["147531"], provision.loc["147531-NEW"]
    assert unit.geometry.equals(host.geometry) and unit["la_gss"] == host["la_gss"]
    assert (unit["urn"], unit["kind"], unit["capacity"], unit["needs"]) == ("147531", "special", 12, "ASD;SEMH")
    again = scenario.add_provision(urn=147531, kind="special")
    assert "147531-NEW-1" in set(again.inputs.provision["provision_id"])


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.close(urn=999999), "Unknown URN 999999 in `close`"),
        (lambda s: s.add_provision(urn=999999, kind="special"), "Unknown URN 999999 in `add_provision`"),
        (lambda s: s.add_provision(postcode="SW1A 1AA", kind="special"), "postcode lookup needs a located postcode"),
        (lambda s: s.add_provision(postcode="not a postcode", kind="special"), "is not a UK postcode"),
        (lambda s: s.add_provision(point=(-1.6, 54.9), kind="special"), "looks like longitude/latitude"),
        (lambda s: s.add_provision(point=(100000, 100000), kind="special"), "lies outside the study's LAs"),
        (lambda s: s.add_provision(point=(425000, 560000), postcode="NE8 2XD", kind="ap"), "exactly one of"),
        (lambda s: s.add_provision(point=(425000, 560000), kind="castle"), "Unknown kind 'castle'"),
        (lambda s: s.add_provision(point=(425000, 560000), kind="sen_unit"), "is not analysed in this study"),
        (lambda s: s.add_provision(point=(425000, 560000), kind="ap", places=-5), "places in `add_provision` must"),
        (lambda s: s.add_provision(point=(425000, 560000), kind="ap", needs=["XYZ"]), "Unknown need type 'XYZ'"),
        (lambda s: s.add_provision(point=(425000, 560000), kind="ap", ages=(11, 4)), "youngest <= oldest"),
        (lambda s: s.expand(urn=108565, places=-1000), "would leave URN 108565 with"),
        (lambda s: s.scale_population(la="Atlantis", factor=1.1), "Unknown LA 'Atlantis'"),
        (lambda s: s.scale_population(factor=0), "factor in `scale_population` must be a positive number"),
        (lambda s: s.set_threshold(kind="special"), "exactly one of metres= and miles="),
        (lambda s: s.set_threshold(kind="special", miles=-2), "must be a positive number"),
    ],
)
def test_bad_edits_raise_one_clear_input_error(study, edit, message):
    with pytest.raises(InputError, match=message):
        edit(study.scenario("bad"))


def test_postcode_of_a_located_school_places_the_site_there(study):
    scenario = study.scenario("postcode").add_provision(postcode="ne82xd", kind="ap", places=10)
    row = scenario.inputs.provision.iloc[-1]
    school = study.inputs.provision[study.inputs.provision["postcode"] == "NE8 2XD"].iloc[0]
    assert row["postcode"] == "NE8 2XD" and row.geometry.equals(school.geometry)


def test_threshold_edit_changes_only_the_threshold(study, baseline):
    diff = study.scenario("5 miles").set_threshold(kind="ap", miles=5).run().compare(baseline)
    assert diff.scenario.settings.threshold("ap") == pytest.approx(5 * METRES_PER_MILE)
    assert diff.change(kind="ap") < 0
    assert (diff.lsoa["ap_m_change"].fillna(0) == 0).all()
    assert set(diff.lsoa["ap_reach"]) <= {"gained", "within", "beyond"}
    assert diff.change(kind="special") == 0


def test_results_display_in_notebooks(study, baseline):
    assert "<table>" in baseline._repr_html_() and "Northumberland" in baseline._repr_html_()
    scenario = study.scenario("notebook").close(urn=108565)
    assert "Close URN 108565" in scenario._repr_html_() and "Close URN 108565" in repr(scenario)
    diff = scenario.run().compare(baseline.results)  # engine Results are accepted too
    assert "loses" not in diff._repr_html_() and "would have no alternative provision site" in diff._repr_html_()
    page = diff.map(tiles=None).get_root().render()
    assert "gained reach" in page and "Changed sites (1)" in page
    assert "7 LAs" in study._repr_html_()
