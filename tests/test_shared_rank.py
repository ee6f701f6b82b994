"""Shared opportunities: near-duplicate sites merge, multi-LA sites come first when benefit is comparable."""

from __future__ import annotations

import geopandas as gpd
import pytest

from gapmap.engine.shared_rank import SAME_TOWN_M, rank_by_shared_benefit
from gapmap.model import CRS

COVER = "most children within the threshold (maximal covering)"


def _table(rows: list[dict[str, object]]) -> gpd.GeoDataFrame:
    xy = [row.pop("xy") for row in rows]
    base = {"kind": "special", "objective": COVER, "need_type": "all needs", "child_miles_saved": 0.0,
            "children_nearest": 0.0, "estimated_places": 0.0, "explanation": "A site."}
    frame = gpd.GeoDataFrame([{**base, **row} for row in rows],
                             geometry=gpd.points_from_xy([p[0] for p in xy], [p[1] for p in xy]), crs=CRS)
    return frame


def test_a_shared_site_with_comparable_benefit_is_ranked_first():
    table = _table([
        {"rank": 1, "location": "a", "location_name": "A", "location_la_gss": "L1", "las_served": "One",
         "children_by_la": "One 100", "children_brought_within": 100.0, "xy": (0, 0)},
        {"rank": 2, "location": "b", "location_name": "B", "location_la_gss": "L2", "las_served": "One; Two",
         "children_by_la": "One 50; Two 45", "children_brought_within": 95.0, "xy": (50_000, 0)},
        {"rank": 3, "location": "c", "location_name": "C", "location_la_gss": "L2", "las_served": "One; Two",
         "children_by_la": "One 30; Two 20", "children_brought_within": 50.0, "xy": (90_000, 0)},
    ])
    ranked = rank_by_shared_benefit(table)
    assert ranked["location"].tolist() == ["b", "a", "c"] and ranked["rank"].tolist() == [1, 2, 3]
    assert ranked["shared"].tolist() == [True, False, True]
    assert "each of these 2 LAs would need a site of its own" in ranked["why_shared"].iloc[0]


def test_sites_of_one_town_merge_and_their_children_add_up():
    table = _table([
        {"rank": 1, "location": "a", "location_name": "A", "location_la_gss": "L1", "las_served": "One",
         "children_by_la": "One 40", "children_brought_within": 40.0, "xy": (0, 0)},
        {"rank": 2, "location": "b", "location_name": "B", "location_la_gss": "L1", "las_served": "One; Two",
         "children_by_la": "One 10; Two 25", "children_brought_within": 35.0, "xy": (SAME_TOWN_M - 1, 0)},
        {"rank": 3, "location": "c", "location_name": "C", "location_la_gss": "L2", "las_served": "Two",
         "children_by_la": "Two 5", "children_brought_within": 5.0, "xy": (1000, 0)},  # near, but another LA
    ])
    ranked = rank_by_shared_benefit(table)
    assert len(ranked) == 2
    merged = ranked.iloc[0]
    assert merged["location"] == "a; b" and merged["merged_sites"] == 2 and merged["shared"]
    assert merged["children_brought_within"] == pytest.approx(75.0)
    assert merged["children_by_la"] == "One 50; Two 25"
    assert ranked["children_brought_within"].sum() == pytest.approx(table["children_brought_within"].sum())
