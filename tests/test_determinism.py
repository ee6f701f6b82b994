"""The same inputs give byte-identical tables and identical GeoPackage contents."""

from __future__ import annotations

import geopandas as gpd
import pyogrio

from gapmap.build import build


def test_two_builds_give_identical_tables(tmp_path, ne_inputs, ne_build):
    second = build(ne_inputs, out=tmp_path, tiles=None)
    first_tables = sorted(p.relative_to(ne_build) for p in ne_build.rglob("*.csv"))
    assert first_tables == sorted(p.relative_to(second) for p in second.rglob("*.csv"))
    for relative in first_tables:
        assert (ne_build / relative).read_bytes() == (second / relative).read_bytes(), relative
    layers = [name for name, _ in pyogrio.list_layers(ne_build / "gapmap.gpkg")]
    assert layers == [name for name, _ in pyogrio.list_layers(second / "gapmap.gpkg")]
    for layer in layers:
        a = gpd.read_file(ne_build / "gapmap.gpkg", layer=layer)
        b = gpd.read_file(second / "gapmap.gpkg", layer=layer)
        assert a.equals(b), layer
