"""Bring-your-own schools, boundaries and population files, on the embedded North East data."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from gapmap.errors import DataFileError, InputError
from gapmap.sources.embedded import load_embedded
from gapmap.sources.user_files import apply_user_files, read_schools


@pytest.fixture(scope="module")
def inputs():
    return load_embedded("north-east")


@pytest.fixture
def special_csv(inputs, tmp_path):
    """The embedded special schools written out as an analyst's own CSV list."""
    special = inputs.provision[inputs.provision["kind"] == "special"]
    table = pd.DataFrame(special.drop(columns="geometry")).assign(
        easting=special.geometry.x, northing=special.geometry.y
    )[["provision_id", "name", "kind", "sector", "la_gss", "pupils", "easting", "northing"]]
    path = tmp_path / "special.csv"
    table.to_csv(path, index=False)
    return path


def test_schools_file_replaces_the_kinds_it_lists(inputs, special_csv):
    table = pd.read_csv(special_csv, dtype={"provision_id": str})
    pd.concat([table, table.iloc[:1].assign(provision_id="LA-RP-1", kind="resourced_provision", name="Own RP")]).to_csv(
        special_csv, index=False)
    out = apply_user_files(inputs, schools=special_csv)
    before, after = inputs.provision["kind"].value_counts(), out.provision["kind"].value_counts()
    assert after["special"] == before["special"]
    assert after["mainstream_primary"] == before["mainstream_primary"]
    assert after["resourced_provision"] == before.get("resourced_provision", 0) + 1
    own = out.provision.set_index("provision_id").loc["LA-RP-1"]
    assert own["kind"] == "resourced_provision" and own["source"] == "special.csv"
    assert "special.csv" in out.vintages["Schools"]


@pytest.mark.parametrize("suffix, driver", [(".gpkg", "GPKG"), (".geojson", "GeoJSON"), (".parquet", None)])
def test_spatial_formats_are_reprojected(inputs, tmp_path, suffix, driver):
    special = inputs.provision[inputs.provision["kind"] == "special"].to_crs(4326)
    path = tmp_path / f"schools{suffix}"
    if driver:
        special.to_file(path, driver=driver)
    else:
        special.to_parquet(path)
    read = read_schools(path)
    assert read.crs.to_epsg() == 27700
    original = inputs.provision.set_index("provision_id").loc[read["provision_id"]].geometry
    assert read.geometry.distance(original, align=False).max() < 0.01


def test_population_file_replaces_children(inputs, tmp_path):
    table = inputs.lsoas[["lsoa_code"]].assign(children_0_15=range(len(inputs.lsoas)))
    table.to_csv(tmp_path / "forecast.csv", index=False)
    out = apply_user_files(inputs, population=tmp_path / "forecast.csv")
    assert out.lsoas["children_0_15"].tolist() == list(range(len(inputs.lsoas)))
    table.iloc[1:].to_csv(tmp_path / "partial.csv", index=False)
    with pytest.raises(InputError, match=inputs.lsoas["lsoa_code"].iloc[0]):
        apply_user_files(inputs, population=tmp_path / "partial.csv")


def test_boundaries_file_replaces_polygons(inputs, tmp_path):
    path = tmp_path / "lsoas.geojson"
    inputs.lsoas[["lsoa_code", "geometry"]].to_crs(4326).to_file(path, driver="GeoJSON")
    out = apply_user_files(inputs, boundaries=path)
    assert out.lsoas.crs.to_epsg() == 27700
    assert out.lsoas.geometry.area.sum() == pytest.approx(inputs.lsoas.geometry.area.sum(), rel=1e-6)
    assert out.vintages["LSOA boundaries"] == "lsoas.geojson"


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.drop(columns="kind"), "lacks the column.*kind"),
    (lambda t: t.assign(easting="not a number"), "column 'easting'"),
    (lambda t: t.assign(pupils=-3), "column 'pupils'.*whole numbers"),
    (lambda t: t.assign(kind="special_school"), "unknown provision kind"),
])
def test_bad_schools_files_name_the_file_and_column(special_csv, edit, message):
    table = pd.read_csv(special_csv, dtype={"provision_id": str})
    edit(table).to_csv(special_csv, index=False)
    with pytest.raises((DataFileError, InputError), match=message) as error:
        read_schools(special_csv)
    assert str(special_csv) in str(error.value)


def test_unknown_format_and_missing_file(tmp_path):
    (tmp_path / "schools.xlsx").write_bytes(b"")
    with pytest.raises(DataFileError, match="extension"):
        read_schools(tmp_path / "schools.xlsx")
    with pytest.raises(DataFileError, match="does not exist"):
        read_schools(tmp_path / "nothing.csv")


def test_boundaries_must_be_polygons(inputs, tmp_path):
    path = tmp_path / "points.gpkg"
    gpd.GeoDataFrame(inputs.lsoas[["lsoa_code"]], geometry=inputs.lsoas.centroid, crs=27700).to_file(path)
    with pytest.raises(DataFileError, match="polygons"):
        apply_user_files(inputs, boundaries=path)
