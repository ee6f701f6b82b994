"""Scenario pages name schools and LAs (not codes), the change map has a title and legend, and reprs are short."""

from __future__ import annotations

import re

import pytest

import gapmap
from gapmap.scenario.render import changes_map, summary_page


@pytest.fixture(scope="module")
def study():
    return gapmap.Study.load("north-east")


@pytest.fixture(scope="module")
def comparison(study):
    provision = study.inputs.provision
    pru = provision[(provision["kind"] == "ap") & (provision["la_gss"] == "E08000022")
                    & ~provision["outside_area"].astype(bool)].iloc[0]
    scenario = study.scenario("close a PRU").close(urn=pru["urn"])
    return scenario.run().compare(study.run()), str(pru["name"]), str(pru["urn"])


def test_scenario_page_shows_names_not_codes(comparison):
    found, name, urn = comparison
    page = summary_page(found)
    assert name in page and f"URN {urn}" in page
    assert "North Tyneside" in page
    shown = re.sub(r"<[^>]+>", " ", page)
    assert not re.search(r"\bE0[6-9]\d{6}\b", shown), "no LA code shown where a name belongs"


def test_change_map_has_a_title_and_a_readable_legend(comparison):
    found, _, _ = comparison
    page = changes_map(found, tiles=None).get_root().render()
    assert "<title>close a PRU: what changes against the baseline" in page
    assert "What the scenario changes" in page and "Now beyond the threshold (lost reach)" in page
    assert "School or setting closed" in page and "Place names" in page


def test_reprs_are_short_and_lead_with_need(study, comparison):
    found, _, _ = comparison
    for text in (repr(study), repr(study.run()), repr(found)):
        assert len(text) < 400 and "\n" not in text
    assert repr(study).startswith("Study('North East Combined Authority")
    assert "needing it" in repr(study.run())
    assert "estimated children needing the provision beyond the threshold" in repr(found)
