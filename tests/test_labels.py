"""The vocabulary of every figure (rule, supply set, data year) and where the default build shows it."""

from __future__ import annotations

from datetime import date
from html import unescape

import pyogrio
import pytest

from gapmap.engine import analyse
from gapmap.errors import InputError
from gapmap.labels import (
    about, count, ehcp_year_label, headline_label, parse_ehcp_year, parse_sectors, sectors_label, threshold_rule,
    walking_rule,
)
from gapmap.settings import DEFAULT_SECTORS, SECTOR_SETS, Settings
from gapmap.vintage import matched_ehcp_year, resolve_ehcp_year

FLAT = "more than 3 miles, straight line"
WALKING = "beyond the walking distance for their age: 2 miles under 8, 3 miles 8-16"


def test_rule_labels_are_pinned():
    settings = Settings()
    assert threshold_rule(settings, "special") == FLAT
    assert threshold_rule(settings, "mainstream_primary") == "more than 2 miles, straight line"
    assert threshold_rule(Settings(circuity=1.3), "ap") == "more than 3 miles, straight line x 1.3"
    assert walking_rule(settings) == WALKING
    assert headline_label(settings, "ap", "need_beyond_threshold") == (
        f"Estimated children needing alternative provision who live {FLAT}, from the nearest suitable alternative "
        "provision")
    assert headline_label(settings, "special", "children_beyond").startswith(
        "All children aged 0-15 (not only those needing a place)")


def test_sector_sets_are_cumulative_and_state_funded_is_the_default():
    assert DEFAULT_SECTORS == ("state-funded",) and Settings().sectors == DEFAULT_SECTORS
    assert [sectors_label(s) for s in SECTOR_SETS] == [
        "state-funded only", "state-funded + non-maintained", "state-funded + non-maintained + independent"]
    assert parse_sectors("all") == SECTOR_SETS[-1]
    with pytest.raises(ValueError, match="expected one or more of state-funded"):
        parse_sectors("charity")


def test_numbers_for_officers_are_whole_and_estimates_say_about():
    assert [about(v) for v in (1694.77, 63.4, 0.2, 0.0, 881.0)] == [
        "about 1,700", "about 63", "fewer than 1", "0", "about 880"]
    assert count(49169.0) == "49,169" and count(float("nan")) == "no data"


def test_ehcp_years_parse_and_match_the_supply(ne_inputs):
    assert [parse_ehcp_year(t) for t in ("2022/23", "2022-23", "202425", "matched", "latest")] == [
        202223, 202223, 202425, None, "latest"]
    with pytest.raises(ValueError, match="such as 2022/23"):
        parse_ehcp_year("2022/24")
    assert ehcp_year_label(202223) == "2022/23"
    assert matched_ehcp_year(date(2023, 1, 19)) == 202223 and matched_ehcp_year(date(2025, 5, 24)) == 202425
    assert resolve_ehcp_year(None, ne_inputs)[0] == 202223  # the January 2023 census
    assert resolve_ehcp_year("latest", ne_inputs)[0] == 202425
    with pytest.raises(InputError, match="SEN2 has 2018/19 to 2024/25"):
        resolve_ehcp_year(201718, ne_inputs)


def test_matched_years_remove_the_fake_shortfall(ne_inputs):
    every = Settings(kinds=("special",), sectors=SECTOR_SETS[-1])
    matched = analyse(ne_inputs, every).ca_summary.iloc[0]
    latest = analyse(ne_inputs, Settings(kinds=("special",), sectors=SECTOR_SETS[-1], ehcp_year="latest"))
    # January 2023 places (7,507) against January 2023 plans (7,517) versus January 2025 plans (8,388).
    figures = (matched["special_places"], matched["special_demand"], matched["special_shortfall"])
    assert figures == pytest.approx((7507, 7517, 10), abs=1e-6)  # sums of estimated need: float arithmetic
    assert latest.ca_summary.iloc[0]["special_shortfall"] == pytest.approx(881, abs=1e-6)
    assert any("EHC plans (need) are of January 2025" in note for note in latest.notes)


def test_the_default_build_names_rule_sectors_and_year_everywhere(ne_build):
    page = unescape((ne_build / "index.html").read_text(encoding="utf-8"))
    for text in (FLAT, WALKING, "state-funded only", "EHC plans 2022/23", "Data years", "January 2023",
                 "Context, not need", "state-funded + non-maintained + independent"):
        assert text in page, text
    dictionary = (ne_build / "tables" / "README.md").read_text(encoding="utf-8")
    assert "## Data years" in dictionary and "year used: 2022/23" in dictionary
    assert f"who live {FLAT} from the nearest special school" in dictionary
    assert f"who live {WALKING} (rule set england-2024)" in dictionary
    metadata = pyogrio.read_info(ne_build / "gapmap.gpkg", layer="la_summary")["layer_metadata"]
    assert metadata["VINTAGE_SCHOOLS"].startswith("January 2023: DfE school census")
    assert metadata["VINTAGE_EHC_PLANS"].startswith("January 2023:")
