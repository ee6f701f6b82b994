"""The GeoPackage written through Arrow holds the same layers, fields and values as the row-by-row path."""

from __future__ import annotations

import geopandas as gpd
import pyogrio
import pytest

from gapmap.output import write_layers


@pytest.fixture(scope="module")
def written(tmp_path_factory, ne_results):
    layers = {"lsoa": ne_results.lsoa, "provision": ne_results.provision, "la_summary": ne_results.la_summary,
              "ca_summary": ne_results.ca_summary, "vintages": ne_results.vintages}
    folder = tmp_path_factory.mktemp("layers")
    paths = {arrow: folder / f"arrow-{arrow}.gpkg" for arrow in (True, False)}
    for arrow, path in paths.items():
        write_layers(layers, path, metadata={"gapmap_test": "yes"}, use_arrow=arrow)
    return layers, paths


def test_arrow_and_row_by_row_write_the_same_layers_fields_and_values(written):
    layers, paths = written
    for name in layers:
        arrow, rows = (pyogrio.read_info(paths[a], layer=name) for a in (True, False))
        assert list(arrow["fields"]) == list(rows["fields"]), name
        assert list(arrow["dtypes"]) == list(rows["dtypes"]), name
        assert (arrow["geometry_type"], arrow["crs"], arrow["features"]) == (rows["geometry_type"], rows["crs"],
                                                                           rows["features"]), name
        assert arrow["layer_metadata"] == rows["layer_metadata"] == {"gapmap_test": "yes"}, name
        a, b = (gpd.read_file(paths[x], layer=name) for x in (True, False))
        assert a.equals(b), name


def test_the_arrow_file_reads_back_the_written_values(written):
    layers, paths = written
    lsoa = gpd.read_file(paths[True], layer="lsoa")
    assert len(lsoa) == len(layers["lsoa"]) == 1240
    assert lsoa["children_0_15"].sum() == layers["lsoa"]["children_0_15"].sum() == 336_297
    assert lsoa["special_nearest_id"].tolist() == layers["lsoa"]["special_nearest_id"].astype(object).tolist()
    assert lsoa.geometry.geom_equals_exact(layers["lsoa"].geometry.reset_index(drop=True), tolerance=0).all()
