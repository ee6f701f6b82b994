"""The LSOA geometry of a build is written once (``lsoa-geometry.js``) and joined to each map's values."""

from __future__ import annotations

import json
import re

import pytest
import shapely

from gapmap.render import study_map
from gapmap.render.features import web_base
from gapmap.render.shared import LSOA_GEOMETRY_FILE, geometry_script, joined_collection, write_shared_geometry

_SHARED = re.compile(r'^\(window\.gapmapGeometry = window\.gapmapGeometry \|\| \{\}\)\.lsoa = (\{.*\});\n$', re.S)


@pytest.fixture(scope="module")
def ne_base(ne_results):
    return web_base(ne_results)


def _geometry_file(folder) -> dict:
    return json.loads(_SHARED.match((folder / LSOA_GEOMETRY_FILE).read_text(encoding="ascii")).group(1))


def test_the_build_writes_the_lsoa_geometry_once_and_every_map_loads_it(ne_build, ne_results):
    shared = _geometry_file(ne_build)
    assert len(shared["geometries"]) == len(ne_results.lsoa) == 1240
    maps = sorted(ne_build.glob("map*.html"))
    assert len(maps) == 5
    for path in maps:
        page = path.read_text(encoding="utf-8")
        assert page.count(f'<script src="{LSOA_GEOMETRY_FILE}"></script>') == 1, path.name
        assert page.count(f'gapmap.joinGeometry("lsoa", "{shared["key"]}"') == 1, path.name
        assert page.count('"geometry":null') == 1240, f"{path.name}: every LSOA without its polygon"


def test_the_shared_geometry_is_the_web_geometry_in_row_order(ne_base):
    text, shared = geometry_script(ne_base.lsoa)
    geometries = json.loads(_SHARED.match(text).group(1))["geometries"]
    assert shared.count == len(geometries) == len(ne_base.lsoa)
    for index in (0, 617, 1239):
        assert shapely.from_geojson(json.dumps(geometries[index])).equals(ne_base.lsoa.geometry.iloc[index])


def test_a_map_with_shared_geometry_carries_values_only(ne_results, ne_base, tmp_path):
    shared = write_shared_geometry(ne_base.lsoa, tmp_path)
    inline = study_map(ne_results, tiles=None, base=ne_base).get_root().render()
    joined = study_map(ne_results, tiles=None, base=ne_base, shared=shared).get_root().render()
    geometry = (tmp_path / LSOA_GEOMETRY_FILE).stat().st_size
    assert len(inline) - len(joined) > 0.9 * geometry, "the polygons left the page"
    assert '<script src="' not in inline, "without shared geometry the map is one self-contained file"


def test_values_and_geometry_must_have_the_same_rows(ne_base):
    _, shared = geometry_script(ne_base.lsoa)
    with pytest.raises(ValueError, match="1239 LSOA rows for 1240 shared geometries"):
        joined_collection(shared, [{}] * 1239)
