"""Rebuild the embedded data in ``data/`` from the real files in ``shared/data``.

Run from the repository root::

    pip install -e ".[prepare]"
    python -m gapmap.prepare --shared ../shared/data --out data

The result is the national data, ``data/england_*.parquet``
(:mod:`gapmap.prepare_england`), and the North East study area in the
study-area GeoPackage layout that ``--data FILE`` reads,
``data/north-east.gpkg``, as described in ``data/SOURCES.md``.  The script only selects, joins and
reprojects real published values; it never fills in a missing one.  Running it
twice gives the same layer contents (rows sorted, no timestamps in the data).
"""

from __future__ import annotations

import argparse
import io
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from gapmap.model import CRS
from gapmap.prepare_england import build_england

#: The North East Combined Authority (E47000014) and its seven members:
#: ONS LAD 2024 code -> (name, DfE education authority code).
NORTH_EAST_CA = ("E47000014", "North East")
NORTH_EAST_LAS: dict[str, tuple[str, str]] = {
    "E06000047": ("County Durham", "840"),
    "E08000037": ("Gateshead", "390"),
    "E08000021": ("Newcastle upon Tyne", "391"),
    "E08000022": ("North Tyneside", "392"),
    "E06000057": ("Northumberland", "929"),
    "E08000023": ("South Tyneside", "393"),
    "E08000024": ("Sunderland", "394"),
}

#: Census columns kept in the embedded ``schools_census`` layer.
CENSUS_COLUMNS = {
    "urn": "urn",
    "school_name": "school_name",
    "old_la_code": "old_la_code",
    "new_la_code": "new_la_code",
    "la_name": "la_name",
    "phase_type_grouping": "phase_type_grouping",
    "typeofestablishment_name": "typeofestablishment_name",
    "school_postcode": "school_postcode",
    "headcount of pupils": "headcount_pupils",
    "district_administrative_code": "district_code",
    "cpo_easting": "easting",
    "cpo_northing": "northing",
    "cpo_pqi": "cpo_pqi",
}

#: EHC plan caseload columns kept (SEN2 2025 release, ``caseload.csv``).
CASELOAD_COLUMNS = [
    "ehcplans",
    "mainstream_total",
    "mainstream_la_maintained_resourced_provision",
    "mainstream_la_maintained_senunit",
    "mainstream_academy_resourced_provision",
    "mainstream_academy_senunit",
    "mainstream_free_school_resourced_provision",
    "mainstream_free_school_senunit",
    "special_la_maintained",
    "special_academy_free",
    "special_independent",
    "special_non_maintained",
    "special_total",
    "ap_pru_total",
]

#: Placement columns kept for every English LA and for England (``ehcp_england``): what the
#: forecast of need (:mod:`gapmap.engine.forecast`) uses as its growth prior and back-test pool.
ENGLAND_COLUMNS = [
    "ehcplans",
    "special_total",
    "ap_pru_total",
    "mainstream_la_maintained_senunit",
    "mainstream_academy_senunit",
    "mainstream_free_school_senunit",
    "mainstream_la_maintained_resourced_provision",
    "mainstream_academy_resourced_provision",
    "mainstream_free_school_resourced_provision",
]

NEED_COLUMNS = [
    "ehc_plans", "number_asd", "number_hi", "number_mld", "number_msi", "number_oth",
    "number_pd", "number_pmld", "number_semh", "number_slcn", "number_sld", "number_spld",
    "number_vi", "number_need_unknown",
]


def _la_boundaries(shared: Path) -> gpd.GeoDataFrame:
    las = gpd.read_file(shared / "boundaries" / "ne_ca_lad24.geojson")
    las = las.set_crs(4326, allow_override=True).to_crs(CRS)
    las["geometry"] = las.geometry.make_valid()
    las = las.rename(columns={"LAD24CD": "la_gss", "LAD24NM": "la_name"})
    las["la_code"] = las["la_gss"].map(lambda c: NORTH_EAST_LAS[c][1])
    las["ca_code"], las["ca_name"] = NORTH_EAST_CA
    return las[["la_gss", "la_name", "la_code", "ca_code", "ca_name", "geometry"]].sort_values(
        "la_gss"
    ).reset_index(drop=True)


def _lsoas(shared: Path) -> gpd.GeoDataFrame:
    lsoa = gpd.read_file(f"/vsigzip/{shared / 'boundaries' / 'lsoa_2011_bsc_ew.geojson.gz'}")
    lsoa = lsoa.set_crs(4326, allow_override=True)
    population = pd.read_excel(
        shared / "population" / "iod2019_file6_population_denominators_lsoa11_mid2015.xlsx",
        sheet_name="Population Denominators",
    )
    population = population.rename(
        columns={
            "LSOA code (2011)": "lsoa_code",
            "Local Authority District code (2019)": "la_gss",
            "Total population: mid 2015 (excluding prisoners)": "population_total",
            "Dependent Children aged 0-15: mid 2015 (excluding prisoners)": "children_0_15",
        }
    )[["lsoa_code", "la_gss", "population_total", "children_0_15"]]
    population = population[population["la_gss"].isin(NORTH_EAST_LAS)]
    deprivation = pd.read_excel(
        shared / "deprivation" / "iod2019_file3_idaci_idaopi.xlsx", sheet_name="IoD2019 IDACI & IDAOPI"
    )
    deprivation = deprivation.rename(
        columns={
            "LSOA code (2011)": "lsoa_code",
            "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)": "imd_rank",
            "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)": "imd_decile",
            "Income Deprivation Affecting Children Index (IDACI) Rank (where 1 is most deprived)": "idaci_rank",
            "Income Deprivation Affecting Children Index (IDACI) Decile (where 1 is most deprived 10% of LSOAs)": "idaci_decile",
        }
    )[["lsoa_code", "imd_rank", "imd_decile", "idaci_rank", "idaci_decile"]]
    imd_scores = pd.read_csv(shared / "deprivation" / "mysociety_imd2019_england.csv")
    imd_scores = imd_scores.rename(columns={"lsoa": "lsoa_code", "overall_local_score": "imd_score"})[
        ["lsoa_code", "imd_score"]
    ]
    table = (
        population.merge(deprivation, on="lsoa_code", how="left", validate="1:1")
        .merge(imd_scores, on="lsoa_code", how="left", validate="1:1")
    )
    out = lsoa.rename(
        columns={"LSOA11CD": "lsoa_code", "LSOA11NM": "lsoa_name", "BNG_E": "centroid_easting", "BNG_N": "centroid_northing"}
    ).merge(table, on="lsoa_code", how="inner", validate="1:1")
    out = out.to_crs(CRS)
    out["geometry"] = out.geometry.make_valid()
    columns = [
        "lsoa_code", "lsoa_name", "la_gss", "population_total", "children_0_15", "imd_score",
        "imd_rank", "imd_decile", "idaci_rank", "idaci_decile", "centroid_easting", "centroid_northing",
        "geometry",
    ]
    return out[columns].sort_values("lsoa_code").reset_index(drop=True)


def _ages_on_roll(shared: Path, urns: pd.Series) -> pd.DataFrame:
    """Youngest and oldest age with any pupil on roll, from the England census file."""
    census = pd.read_csv(shared / "schools" / "spc_school_level_2022-23_england.csv.gz", low_memory=False)
    census = census[census["urn"].isin(urns)]
    ages = {}
    for age in range(20):
        cols = [c for c in census.columns if c.endswith(f" aged {age}") and "time" in c]
        ages[age] = census[cols].apply(pd.to_numeric, errors="coerce").fillna(0).sum(axis=1)
    counts = pd.DataFrame(ages)
    present = counts.gt(0).to_numpy()
    ages_arr = np.arange(20)
    low = np.where(present.any(axis=1), np.where(present, ages_arr, 99).min(axis=1), -1)
    high = np.where(present.any(axis=1), np.where(present, ages_arr, -1).max(axis=1), -1)
    out = pd.DataFrame({"urn": census["urn"].to_numpy(), "age_low_on_roll": low, "age_high_on_roll": high})
    out = out.replace({"age_low_on_roll": {-1: pd.NA}, "age_high_on_roll": {-1: pd.NA}})
    return out.astype({"age_low_on_roll": "Int64", "age_high_on_roll": "Int64"})


def _schools(shared: Path) -> gpd.GeoDataFrame:
    census = pd.read_csv(shared / "schools" / "ne_ca_schools_2022-23_geocoded.csv", dtype={"old_la_code": str})
    census = census[list(CENSUS_COLUMNS)].rename(columns=CENSUS_COLUMNS)
    census = census.merge(_ages_on_roll(shared, census["urn"]), on="urn", how="left", validate="1:1")
    located = census["easting"].notna() & census["northing"].notna()
    geometry = gpd.points_from_xy(census["easting"], census["northing"], crs=CRS)
    geometry = gpd.GeoSeries(geometry, crs=CRS).where(located, None)
    out = gpd.GeoDataFrame(census.drop(columns=["easting", "northing"]), geometry=geometry, crs=CRS)
    out["urn"] = out["urn"].astype("int64").astype(str)
    return out.sort_values("urn").reset_index(drop=True)


def _sen2_file(shared: Path, name: str) -> pd.DataFrame:
    with zipfile.ZipFile(shared / "send" / "ehcp_sen2_2025.zip") as archive:
        return pd.read_csv(io.BytesIO(archive.read(f"data/{name}")), low_memory=False, encoding="utf-8-sig")


def _sen2_england(shared: Path) -> pd.DataFrame:
    """SEN2 placement caseload of every English LA and of England (``la_gss`` E92000001), every year."""
    caseload = _sen2_file(shared, "caseload.csv")
    rows = caseload[
        caseload["geographic_level"].isin(["Local authority", "National"])
        & (caseload["breakdown_topic"] == "All EHC plans")
    ]
    national = (rows["geographic_level"] == "National").to_numpy()
    out = pd.DataFrame({
        "time_period": rows["time_period"].astype("int64"),
        "la_gss": np.where(national, rows["country_code"], rows["new_la_code"]),
        "la_name": np.where(national, rows["country_name"], rows["la_name"]),
    })
    for column in ENGLAND_COLUMNS:
        out[column] = pd.to_numeric(rows[column], errors="coerce").astype("Int64")
    return out.sort_values(["la_gss", "time_period"]).reset_index(drop=True)


def _sen2(shared: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    caseload = _sen2_file(shared, "caseload.csv")
    needs = _sen2_file(shared, "sen_needs_all_plans.csv")

    def select(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        rows = frame[
            (frame["geographic_level"] == "Local authority")
            & (frame["breakdown_topic"] == "All EHC plans")
            & frame["new_la_code"].isin(NORTH_EAST_LAS)
        ]
        out = rows[["time_period", "new_la_code", "la_name", *columns]].rename(columns={"new_la_code": "la_gss"})
        for column in columns:
            # DfE writes suppressed or not-applicable cells as letters (x, z, c): keep them null.
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
        return out.sort_values(["la_gss", "time_period"]).reset_index(drop=True)

    return select(caseload, CASELOAD_COLUMNS), select(needs, NEED_COLUMNS)


def build(shared: Path, out: Path) -> Path:
    """Write ``north-east.gpkg`` into ``out`` from the real files under ``shared``.

    Parameters
    ----------
    shared
        The ``shared/data`` folder (see its ``MANIFEST.md``).
    out
        Output folder, normally the repository's ``data/``.

    Returns
    -------
    pathlib.Path
        The GeoPackage written.
    """
    target = out / "north-east.gpkg"
    tmp = out / "north-east.tmp.gpkg"
    tmp.unlink(missing_ok=True)
    las = _la_boundaries(shared)
    lsoas = _lsoas(shared)
    schools = _schools(shared)
    caseload, needs = _sen2(shared)
    england = _sen2_england(shared)
    las.to_file(tmp, layer="la", driver="GPKG")
    lsoas.to_file(tmp, layer="lsoa", driver="GPKG")
    schools.to_file(tmp, layer="schools_census", driver="GPKG")
    for name, table in (("ehcp_caseload", caseload), ("ehcp_needs", needs), ("ehcp_england", england)):
        gpd.GeoDataFrame(table).to_file(tmp, layer=name, driver="GPKG")
    tmp.replace(target)
    return target


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: ``python -m gapmap.prepare``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared/data"), help="shared/data folder")
    parser.add_argument("--out", type=Path, default=Path("data"), help="output folder (default: data)")
    parser.add_argument("--only", choices=("england", "north-east"), default=None, help="build only one part")
    args = parser.parse_args(argv)
    paths = [] if args.only == "north-east" else build_england(args.shared, args.out)
    if args.only != "england":
        paths.append(build(args.shared, args.out))
    for path in paths:
        print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
