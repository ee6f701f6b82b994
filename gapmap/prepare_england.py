"""Build the embedded national data (every English LA, LSOA, school and EHC plan count) from ``shared/data``.

Called by ``python -m gapmap.prepare``; writes the ``england_*.parquet`` files
described in ``data/SOURCES.md``.  Like the North East GeoPackage, it only
selects, joins, reprojects and re-codes published values (old LA codes to the
authorities that cover them now); it never fills in a missing one.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gapmap.model import CRS
from gapmap.sources.boundary_changes import current_codes
from gapmap.sources.dfe_la_codes import DFE_LA_CODES

#: Year of the LA boundaries and combined authority membership called "current".
CURRENT_YEAR = 2025
#: Date the GIAS extract was taken (its ``number_of_pupils`` are the rolls of that school year).
GIAS_DATE = "2025-05-24"
TOPOJSON = "boundaries/ons_uk_topojson_2014-2025.json"
#: Coordinates are stored to the metre (the boundaries are super-generalised to about 20 m anyway).
PRECISION_M = 1.0

GIAS_COLUMNS = ["urn", "la_code", "la_name", "establishment_name", "establishment_type", "establishment_type_group",
                "education_phase", "number_of_pupils", "easting", "northing", "lsoa_code"]
CENSUS_COLUMNS = {
    "urn": "urn", "school_name": "school_name", "old_la_code": "old_la_code", "new_la_code": "new_la_code",
    "la_name": "la_name", "phase_type_grouping": "phase_type_grouping",
    "typeofestablishment_name": "typeofestablishment_name", "school_postcode": "school_postcode",
    "headcount of pupils": "headcount_pupils", "district_administrative_code": "district_code",
}


def _normal(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", name.lower().replace("st.", "st")).strip()


def _topo_layer(shared: Path, layer: str, year: int | None) -> gpd.GeoDataFrame:
    """English features of a TopoJSON layer (EPSG:4326), those in force in ``year`` when given."""
    frame = gpd.read_file(shared / TOPOJSON, layer=layer).set_crs(4326, allow_override=True)
    frame = frame[frame["areacd"].str.startswith("E")]
    for column in ("start", "end"):
        if column not in frame.columns:
            frame[column] = np.nan
    if year is not None:
        start = pd.to_numeric(frame["start"], errors="coerce").fillna(0)
        end = pd.to_numeric(frame["end"], errors="coerce").fillna(9999)
        frame = frame[(start <= year) & (end >= year)]
    frame = frame.copy()
    frame["geometry"] = frame.geometry.make_valid()
    return frame.reset_index(drop=True)


def _points_in(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> pd.Series:
    """Code of the area (``areacd``) each point lies in, or null."""
    joined = gpd.sjoin(points[["geometry"]], areas[["areacd", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    return joined["areacd"].reindex(points.index)


def _dfe_codes() -> pd.DataFrame:
    table = pd.DataFrame(list(DFE_LA_CODES), columns=["la_code", "dfe_gss", "la_name"])
    table["key"] = table["la_name"].map(_normal)
    return table


def lads(shared: Path) -> gpd.GeoDataFrame:
    """Current English districts with their education authority (county or themselves) and DfE code."""
    districts = _topo_layer(shared, "ltla", CURRENT_YEAR)
    counties = _topo_layer(shared, "cty", CURRENT_YEAR)
    points = districts.copy()
    points["geometry"] = districts.geometry.representative_point()
    county = _points_in(points, counties)
    county_names = dict(zip(counties["areacd"], counties["areanm"]))
    la_gss = county.where(county.notna() & districts["areacd"].str.startswith("E07"), districts["areacd"])
    la_names = la_gss.map(lambda c: county_names.get(c)).fillna(districts["areanm"])
    dfe = _dfe_codes()
    by_gss = dict(zip(dfe["dfe_gss"], dfe["la_code"]))
    by_name = dict(zip(dfe["key"], dfe["la_code"]))
    la_code = la_gss.map(by_gss).fillna(la_names.map(lambda n: by_name.get(_normal(n))))
    if la_code.isna().any():
        raise ValueError(f"no DfE code for {sorted(set(la_names[la_code.isna()]))}")
    dfe_names = dict(zip(dfe["la_code"], dfe["la_name"]))
    out = gpd.GeoDataFrame(
        {
            "lad_gss": districts["areacd"], "lad_name": districts["areanm"], "la_gss": la_gss,
            "la_code": la_code, "la_name": la_code.map(dfe_names),
        },
        geometry=districts.geometry, crs=4326,
    ).to_crs(CRS)
    out["geometry"] = shapely.make_valid(shapely.set_precision(out.geometry.values, PRECISION_M))
    return out.sort_values("lad_gss").reset_index(drop=True)


def ca_membership(shared: Path, districts: gpd.GeoDataFrame) -> pd.DataFrame:
    """Current districts in each combined authority of the TopoJSON, with the years it existed.

    A district is a member when its representative point lies in the
    authority's polygon; the polygons of one code hold for every year from
    ``start`` to ``end`` (2014 and the current year when open).
    """
    authorities = _topo_layer(shared, "cauth", None)
    points = districts[["lad_gss", "geometry"]].to_crs(4326)
    points["geometry"] = points.geometry.representative_point()
    rows = []
    for record in authorities.itertuples(index=False):
        inside = points[points.within(record.geometry)]
        start = 2014 if pd.isna(record.start) else int(record.start)
        end = CURRENT_YEAR if pd.isna(record.end) else int(record.end)
        rows += [(record.areacd, record.areanm, start, end, lad) for lad in inside["lad_gss"]]
    table = pd.DataFrame(rows, columns=["ca_code", "ca_name", "start_year", "end_year", "lad_gss"])
    return table.sort_values(["ca_code", "lad_gss"]).reset_index(drop=True)


def changes(shared: Path) -> pd.DataFrame:
    """The ONS code changes table, English rows."""
    table = pd.read_csv(shared / "boundaries" / "ons_uk_topojson_changes.csv", encoding="utf-8-sig", dtype=str)
    table["start"] = table["start"].astype(int)
    return table[table["oldcd"].str.startswith("E")].reset_index(drop=True)


def lsoas(shared: Path, districts: gpd.GeoDataFrame, code_changes: pd.DataFrame) -> gpd.GeoDataFrame:
    """Every English LSOA 2011: polygon, area centroid, children 0-15 (mid-2015), IMD/IDACI, current LA."""
    bounds = gpd.read_file(f"/vsigzip/{shared / 'boundaries' / 'lsoa_2011_bsc_ew.geojson.gz'}")
    bounds = bounds[bounds["LSOA11CD"].str.startswith("E")].set_crs(4326, allow_override=True)
    population = pd.read_excel(
        shared / "population" / "iod2019_file6_population_denominators_lsoa11_mid2015.xlsx",
        sheet_name="Population Denominators",
    ).rename(columns={
        "LSOA code (2011)": "lsoa_code",
        "Local Authority District code (2019)": "lad19_gss",
        "Total population: mid 2015 (excluding prisoners)": "population_total",
        "Dependent Children aged 0-15: mid 2015 (excluding prisoners)": "children_0_15",
    })[["lsoa_code", "lad19_gss", "population_total", "children_0_15"]]
    deprivation = pd.read_excel(
        shared / "deprivation" / "iod2019_file3_idaci_idaopi.xlsx", sheet_name="IoD2019 IDACI & IDAOPI"
    ).rename(columns={
        "LSOA code (2011)": "lsoa_code",
        "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)": "imd_rank",
        "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)": "imd_decile",
        "Income Deprivation Affecting Children Index (IDACI) Rank (where 1 is most deprived)": "idaci_rank",
        "Income Deprivation Affecting Children Index (IDACI) Decile (where 1 is most deprived 10% of LSOAs)":
            "idaci_decile",
    })[["lsoa_code", "imd_rank", "imd_decile", "idaci_rank", "idaci_decile"]]
    scores = pd.read_csv(shared / "deprivation" / "mysociety_imd2019_england.csv").rename(
        columns={"lsoa": "lsoa_code", "overall_local_score": "imd_score"})[["lsoa_code", "imd_score"]]
    table = population.merge(deprivation, on="lsoa_code", how="left", validate="1:1").merge(
        scores, on="lsoa_code", how="left", validate="1:1")
    table["lad_gss"] = current_codes(table["lad19_gss"], code_changes)
    education = districts.set_index("lad_gss")["la_gss"]
    table["la_gss"] = table["lad_gss"].map(education)
    if table["la_gss"].isna().any():
        raise ValueError(f"LSOAs in unknown districts: {sorted(set(table.loc[table['la_gss'].isna(), 'lad_gss']))}")
    out = bounds.rename(columns={"LSOA11CD": "lsoa_code", "LSOA11NM": "lsoa_name", "BNG_E": "centroid_easting",
                                 "BNG_N": "centroid_northing"}).merge(table, on="lsoa_code", validate="1:1")
    out = out.to_crs(CRS)
    out["geometry"] = shapely.make_valid(shapely.set_precision(out.geometry.values, PRECISION_M))
    columns = ["lsoa_code", "lsoa_name", "lad19_gss", "lad_gss", "la_gss", "population_total", "children_0_15",
               "imd_score", "imd_rank", "imd_decile", "idaci_rank", "idaci_decile", "centroid_easting",
               "centroid_northing", "geometry"]
    return out[columns].sort_values("lsoa_code").reset_index(drop=True)


def _ages_on_roll(census: pd.DataFrame) -> pd.DataFrame:
    """Youngest and oldest age with any pupil on roll, per URN, from the census headcounts by age."""
    ages = {}
    for age in range(20):
        cols = [c for c in census.columns if c.endswith(f" aged {age}") and "time" in c]
        ages[age] = census[cols].apply(pd.to_numeric, errors="coerce").fillna(0).sum(axis=1).to_numpy()
    present = pd.DataFrame(ages).gt(0).to_numpy()
    years = np.arange(20)
    low = np.where(present.any(axis=1), np.where(present, years, 99).min(axis=1), -1)
    high = np.where(present.any(axis=1), np.where(present, years, -1).max(axis=1), -1)
    out = pd.DataFrame({"urn": census["urn"].astype("int64").astype(str).to_numpy(),
                        "age_low_on_roll": low, "age_high_on_roll": high})
    for column in ("age_low_on_roll", "age_high_on_roll"):
        out[column] = out[column].where(out[column] >= 0).astype("Int64")
    return out


def _codepoint(shared: Path, postcodes: pd.Series) -> pd.DataFrame:
    """Code-Point Open easting, northing and quality indicator of the given postcodes."""
    wanted = set(postcodes.dropna().str.replace(" ", "").str.upper())
    parts = []
    with zipfile.ZipFile(shared / "schools" / "codepoint_open_2025-04_gb.zip") as archive:
        for name in archive.namelist():
            if name.startswith("Data/CSV/") and name.endswith(".csv"):
                frame = pd.read_csv(io.BytesIO(archive.read(name)), header=None, usecols=[0, 1, 2, 3], dtype=str,
                                    names=["postcode", "cpo_pqi", "easting", "northing"])
                frame["key"] = frame["postcode"].str.replace(" ", "").str.upper()
                parts.append(frame[frame["key"].isin(wanted)])
    table = pd.concat(parts, ignore_index=True).drop_duplicates("key")
    for column in ("cpo_pqi", "easting", "northing"):
        table[column] = pd.to_numeric(table[column]).astype("Int64")
    return table[["key", "cpo_pqi", "easting", "northing"]]


def schools(shared: Path, districts: gpd.GeoDataFrame, code_changes: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The GIAS May 2025 establishments of England and the January 2023 census schools, with current LA codes.

    GIAS rows keep their own DfE code; its current ONS code comes from the DfE
    list.  Census rows are coded by the LA of January 2023 (Cumbria, North
    Yorkshire and Somerset before their 2023 reorganisations), so each takes
    the education authority of its district (``district_administrative_code``
    carried forward through the ONS changes).  Both get the census ages on roll,
    and GIAS rows the census postcode (by URN; null for schools not in the
    January 2023 census).
    """
    census = pd.read_csv(shared / "schools" / "spc_school_level_2022-23_england.csv.gz", low_memory=False)
    ages = _ages_on_roll(census)
    education = districts.drop_duplicates("la_gss").set_index("la_code")
    gias = pd.read_csv(shared / "gias" / "gias_open_2025-05-24_england_wales.csv.gz", dtype=str)
    gias = gias[gias["la_code"].isin(education.index)][GIAS_COLUMNS].copy()
    gias["la_gss"] = gias["la_code"].map(education["la_gss"])
    for column in ("number_of_pupils", "easting", "northing"):
        gias[column] = pd.to_numeric(gias[column], errors="coerce").round().astype("Int64")
    gias = gias.merge(ages, on="urn", how="left", validate="1:1")
    postcodes = pd.DataFrame({"urn": census["urn"].astype("int64").astype(str), "postcode": census["school_postcode"]})
    gias = gias.merge(postcodes, on="urn", how="left", validate="1:1")
    census_rows = census[list(CENSUS_COLUMNS)].rename(columns=CENSUS_COLUMNS)
    census_rows["urn"] = census_rows["urn"].astype("int64").astype(str)
    census_rows["old_la_code"] = census_rows["old_la_code"].astype("Int64").astype(str)
    lad = pd.Series(current_codes(census_rows["district_code"].fillna(""), code_changes), index=census_rows.index)
    by_lad = districts.set_index("lad_gss")
    census_rows["la_gss"] = lad.map(by_lad["la_gss"])
    census_rows["la_code"] = lad.map(by_lad["la_code"])
    unplaced = census_rows["la_gss"].isna()  # no district recorded: keep the census LA where it still exists
    by_code = education["la_gss"]
    census_rows.loc[unplaced, "la_code"] = census_rows.loc[unplaced, "old_la_code"].where(
        census_rows.loc[unplaced, "old_la_code"].isin(by_code.index))
    census_rows.loc[unplaced, "la_gss"] = census_rows.loc[unplaced, "la_code"].map(by_code)
    located = _codepoint(shared, census_rows["school_postcode"])
    census_rows["key"] = census_rows["school_postcode"].str.replace(" ", "").str.upper()
    census_rows = census_rows.merge(located, on="key", how="left", validate="m:1").drop(columns="key")
    census_rows = census_rows.merge(ages, on="urn", how="left", validate="1:1")
    census_rows["headcount_pupils"] = pd.to_numeric(census_rows["headcount_pupils"], errors="coerce").astype("Int64")
    return (gias.sort_values("urn").reset_index(drop=True),
            census_rows.sort_values("urn").reset_index(drop=True))


def ehcp(shared: Path, districts: gpd.GeoDataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SEN2 EHC plan caseload (by placement) and plans by primary need, every LA and year, current LA codes.

    The caseload also has England as a whole (``la_gss`` E92000001), the forecast's growth prior.

    DfE's own 3-digit code is the key: SEN2 keeps old ONS codes for North
    Yorkshire (E10000023) and Somerset (E10000027) after their 2023
    reorganisations and for Buckinghamshire (E10000002) in some years.  Rows
    of authorities that no longer exist and have no single successor (Cumbria
    before 2023, Northamptonshire before 2021, Bournemouth, Poole and the old
    Dorset county in 2018/19) keep their own codes, so no current LA takes them.
    """
    education = districts.drop_duplicates("la_gss").set_index("la_code")["la_gss"]
    with zipfile.ZipFile(shared / "send" / "ehcp_sen2_2025.zip") as archive:
        frames = [pd.read_csv(io.BytesIO(archive.read(f"data/{name}.csv")), low_memory=False, encoding="utf-8-sig")
                  for name in ("caseload", "sen_needs_all_plans")]
    out = []
    for frame, levels in zip(frames, (("Local authority", "National"), ("Local authority",))):
        rows = frame[frame["geographic_level"].isin(levels) & (frame["breakdown_topic"] == "All EHC plans")].copy()
        national = rows["geographic_level"] == "National"  # England as a whole: la_gss E92000001
        rows.loc[national, "new_la_code"] = rows.loc[national, "country_code"]
        rows.loc[national, "la_name"] = rows.loc[national, "country_name"]
        rows = rows.drop(columns=["time_identifier", "geographic_level", "country_code", "country_name",
                                  "breakdown_topic", "breakdown", "region_code", "region_name"])
        rows["old_la_code"] = rows["old_la_code"].astype("Int64").astype(str)
        rows = rows.rename(columns={"new_la_code": "source_la_gss"})
        rows["la_gss"] = rows["old_la_code"].map(education).fillna(rows["source_la_gss"])
        value_columns = [c for c in rows.columns
                         if c not in {"time_period", "old_la_code", "source_la_gss", "la_name", "la_gss"}]
        for column in value_columns:
            # DfE writes suppressed or not-applicable cells as letters (x, z, c): keep them null.
            numbers = pd.to_numeric(rows[column], errors="coerce")
            rows[column] = numbers.round().astype("Int64") if not column.endswith("_pc") else numbers
        first = ["time_period", "la_gss", "la_name", "old_la_code", "source_la_gss"]
        out.append(rows[first + value_columns].sort_values(["la_gss", "time_period"]).reset_index(drop=True))
    return out[0], out[1]


def build_england(shared: Path, out: Path) -> list[Path]:
    """Write the national ``england_*.parquet`` files into ``out``.

    Parameters
    ----------
    shared
        The ``shared/data`` folder.
    out
        Output folder (the repository's ``data/``).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    code_changes = changes(shared)
    districts = lads(shared)
    membership = ca_membership(shared, districts)
    small_areas = lsoas(shared, districts, code_changes)
    gias, census = schools(shared, districts, code_changes)
    caseload, needs = ehcp(shared, districts)
    gias["supply_date"] = GIAS_DATE
    tables: dict[str, pd.DataFrame] = {
        "england_lad": districts, "england_lsoa": small_areas, "england_ca_membership": membership,
        "england_code_changes": code_changes, "england_schools_gias_2025": gias,
        "england_schools_census_2023": census, "england_ehcp_caseload": caseload, "england_ehcp_needs": needs,
    }
    written = []
    for name, table in tables.items():
        target = out / f"{name}.parquet"
        tmp = out / f"{name}.tmp.parquet"
        if isinstance(table, gpd.GeoDataFrame):
            table.to_parquet(tmp, compression="zstd", index=False, schema_version="1.0.0")
        else:
            table.to_parquet(tmp, compression="zstd", index=False)
        tmp.replace(target)
        written.append(target)
    return written
