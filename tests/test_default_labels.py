"""The default build's headline figures, pinned with their labels: rule, supply set and data year.

The default build reads the embedded national data (GIAS May 2025 supply) for the North East
Combined Authority; its EHC plan year is the one matched to the supply (2024/25).
"""

from __future__ import annotations

import pytest

from gapmap.engine import analyse
from gapmap.render.headlines import headlines
from gapmap.settings import Settings
from gapmap.sources.embedded import load_embedded

FLAT = "more than 3 miles, straight line"
WALKING = "beyond the walking distance for their age: 2 miles under 8, 3 miles 8-16"


@pytest.fixture(scope="module")
def default_headlines():
    results = analyse(load_embedded("north-east"), Settings(kinds=("special", "ap")))
    return {h.kind: h for h in headlines(results)}


def test_special_headline_names_rule_supply_and_year(default_headlines):
    special = default_headlines["special"]
    assert special.figure == "about 1,700"
    assert special.sentence == (
        f"estimated children needing a special school place (20% of about 8,400) live {FLAT}, from the nearest "
        "suitable special school (supply: state-funded only; EHC plans 2024/25; 45 sites).")
    assert special.context == (
        f"about 2,200 live {WALKING}.",
        f"Context, not need: 53,386 of all 336,297 children aged 0-15 (16%) live {FLAT}, from the nearest special "
        "school.")


def test_ap_headline_names_rule_supply_and_year(default_headlines):
    ap = default_headlines["ap"]
    assert ap.figure == "about 77"
    assert ap.sentence == (
        f"estimated children needing alternative provision (44% of about 180) live {FLAT}, from the nearest "
        "suitable alternative provision (supply: state-funded only; EHC plans 2024/25; 11 sites).")
    assert ap.context[1].startswith("Context, not need: 153,352 of all 336,297 children aged 0-15")
