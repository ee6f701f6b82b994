"""National-scale maps: LAs coloured by their summary figures, not LSOAs; every page under 5 MB.

The North East (1,240 LSOAs) stays LSOA-level; it is drawn by LA here by lowering
:data:`gapmap.render.la_map.LA_MAP_ABOVE`, and its LA figures are checked against
sums of the LSOA and site tables made in the test.  England (32,844 LSOAs, the
embedded national data) is mapped by LA on its own.
"""

from __future__ import annotations

import json
import re

import pytest

from gapmap.cli import build as build_command
from gapmap.engine import analyse
from gapmap.labels import about, count
from gapmap.render import la_map, study_map
from gapmap.render.features import web_base
from gapmap.render.la_map import SHARE_BANDS_PERCENT, la_command
from gapmap.render.publish import write_maps
from gapmap.render.shared import LSOA_GEOMETRY_FILE
from gapmap.settings import Settings
from gapmap.sources.national import load_national

_DATA = re.compile(r"var gapmap_data_[0-9a-f]+ = (\{\"type\":\"FeatureCollection\".*?\});\n", re.S)

#: The goal of issue 18: every page under 5 MB.
PAGE_LIMIT = 5_000_000


def _choropleth(page: str) -> list[dict]:
    """The features of the page's area layer (the one whose features carry metric classes ``c``)."""
    for text in _DATA.findall(page):
        features = json.loads(text)["features"]
        if features and "c" in features[0]["properties"]:
            return features
    raise AssertionError("no area layer in the page")


def _share_class(share_percent: float) -> int:
    """The class of a share: the last band whose lower edge it exceeds (an edge value stays below it)."""
    return max([i for i, edge in enumerate(SHARE_BANDS_PERCENT) if share_percent > edge], default=0)


def _fields(page: str) -> list[str]:
    return json.loads(re.search(r'gapmap\.choropleth\(\s*\w+, \w+, (\{.*?\})\);', page, re.S).group(1))["fields"]


@pytest.fixture
def by_la(monkeypatch):
    """Map every study area by LA, whatever its size."""
    monkeypatch.setattr(la_map, "LA_MAP_ABOVE", 100)


@pytest.fixture(scope="module")
def ne_by_la_sums(ne_results):
    """The North East's special school figures by LA, summed here from the LSOA and site tables."""
    lsoa = ne_results.lsoa
    per_la = lsoa.groupby(lsoa["la_gss"].astype(str)).agg(
        lsoas=("lsoa_code", "size"), children=("children_0_15", "sum"), demand=("special_demand", "sum"),
        threshold=("special_need_beyond_threshold", "sum"), statutory=("special_need_beyond_statutory", "sum"),
        beyond=("special_children_beyond", "sum"))
    provision = ne_results.provision
    sites = provision[(provision["kind"] == "special") & provision["analysed"].astype(bool)]
    places = sites.groupby(sites["la_gss"].astype(str)).agg(sites=("kind", "size"), places=("places", "sum"))
    return per_la.join(places).fillna({"sites": 0, "places": 0})


def test_la_values_shown_are_the_sums_and_ratios_of_the_lsoa_values(by_la, ne_results, ne_by_la_sums):
    page = study_map(ne_results, kind="special", tiles=None).get_root().render()
    features, fields = _choropleth(page), _fields(page)
    assert len(features) == len(ne_by_la_sums) == 7 and '"geometry":null' not in page
    assert len(ne_results.lsoa) == 1240 and "Figures by local authority (7 LAs)" in page
    for feature in features:
        code = feature["properties"]["t"].split("(")[-1].rstrip(")")
        row = ne_by_la_sums.loc[code]
        shown = dict(zip(fields, feature["properties"]["v"]))
        share = 100 * row.threshold / row.demand
        assert shown["Neighbourhoods (LSOAs)"] == count(row.lsoas)
        assert shown["Children aged 0-15"] == count(row.children)
        assert shown["Special school: sites (state-funded only)"] == count(row.sites)
        assert shown["Places where the provision is (state-funded only)"] == count(row.places)
        assert shown["Places per child needing one"] == f"{row.places / row.demand:,.2f}"
        assert shown["Shortfall in places"] == about(max(row.demand - row.places, 0))
        assert shown["Special school: estimated need, more than 3 miles, straight line"] == (
            f"{about(row.threshold)} ({row.threshold / row.demand:.0%} of {about(row.demand)})")
        walking = next(label for label in fields if "walking distance" in label)
        assert shown[walking] == f"{about(row.statutory)} ({row.statutory / row.demand:.0%} of {about(row.demand)})"
        assert shown[next(label for label in fields if label.endswith("(context)"))] == count(row.beyond)
        assert feature["properties"]["c"][0] == _share_class(share), code
        assert feature["properties"]["s"] == f"gapmap build --la {code} maps its neighbourhoods (LSOAs)"


def test_the_overview_colours_each_kind_by_its_share_beyond_the_threshold(by_la, ne_results, ne_by_la_sums):
    page = study_map(ne_results, tiles=None).get_root().render()
    features, fields = _choropleth(page), _fields(page)
    kinds = ne_results.settings.kinds
    assert all(len(f["properties"]["c"]) == len(kinds) for f in features)
    special = kinds.index("special")
    for feature in features:
        row = ne_by_la_sums.loc[feature["properties"]["t"].split("(")[-1].rstrip(")")]
        shown = dict(zip(fields, feature["properties"]["v"]))
        assert shown["Special school: estimated need, more than 3 miles, straight line"] == (
            f"{about(row.threshold)} ({row.threshold / row.demand:.0%} of {about(row.demand)})")
        assert feature["properties"]["c"][special] == _share_class(100 * row.threshold / row.demand)
    assert "Special school: share of estimated children needing a special school place who live more than 3 miles" \
        in page


def test_an_la_level_map_draws_specialist_sites_with_short_popups(by_la, ne_results):
    page = study_map(ne_results, tiles=None).get_root().render()
    assert "Special schools (57)" in page and "Alternative provision settings (11)" in page
    assert "Mainstream primary schools (" not in page, "mainstream schools are not drawn at national scale"
    assert '"fields": ["URN", "Type", "Local authority", "Places", "Need types"]' in page
    assert "Nearest other special school" not in page


def test_the_la_command_uses_a_real_build_option():
    options = {option for parameter in build_command.params for option in parameter.opts}
    assert la_command("E08000021").split()[:3] == ["gapmap", "build", "--la"] and "--la" in options


def test_a_national_build_writes_no_lsoa_geometry(by_la, ne_results, tmp_path):
    pages = write_maps(ne_results, tmp_path, tiles=None)
    assert not (tmp_path / LSOA_GEOMETRY_FILE).exists()
    for written in pages:
        page = (tmp_path / written.file).read_text(encoding="utf-8")
        assert len(_choropleth(page)) == 7 and "<script src=" not in page, written.file


def test_a_small_area_is_still_mapped_by_lsoa(ne_results):
    assert not la_map.draws_las(ne_results)
    page = study_map(ne_results, kind="special", tiles=None).get_root().render()
    features = _choropleth(page)
    assert len(features) == 1240
    assert features[0]["properties"]["t"].endswith(f"({ne_results.lsoa['lsoa_code'].iloc[0]})")
    assert "Figures by local authority" not in page and "Nearest other special school" in page
    assert "Mainstream primary schools (" in page


@pytest.mark.slow
def test_every_england_map_is_under_5_mb_and_drawn_by_la(tmp_path):
    results = analyse(load_national(england=True), Settings(specialist_demand="children"))
    assert len(results.lsoa) == 32_844 and la_map.draws_las(results)
    base = web_base(results)
    assert base.lsoa is None
    sizes = {}
    for kind in (None, *results.settings.kinds):
        path = tmp_path / f"map-{kind or 'overview'}.html"
        study_map(results, kind=kind, tiles=None, base=base).save(str(path))
        sizes[path.name] = path.stat().st_size
        page = path.read_text(encoding="utf-8")
        features = _choropleth(page)
        assert len(features) == len(results.la_summary) == 153
        assert "Figures by local authority (153 LAs): 32,844 neighbourhoods (LSOAs)" in page
        assert "Mainstream primary schools (" not in page
        if kind is not None:  # need counted as all children of the ages, not estimated: the heading says so
            low, high = results.settings.ages[kind]
            assert f'"Places per child aged {low}-{high}"' in page and "needing one" not in page
    assert max(sizes.values()) < PAGE_LIMIT, sizes
