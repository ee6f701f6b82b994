"""All-England study inputs for the engine benchmarks, assembled from the real files in ``shared/data``.

* LSOAs: the 32,844 English LSOAs (2011) with their area centroids
  (``boundaries/lsoa_2011_centroids_ew.csv``) and children aged 0-15, mid-2015
  (IoD2019 File 6).  Each LSOA's education LA is its district's (LAD 2019) LA
  as the school census assigns it (the LA of most schools in the district);
  the Buckinghamshire and Northamptonshire districts abolished in 2020-21 go
  to their successor unitary first (mySociety ``replaced-by``).
* Provision: every school in the January 2023 school census
  (``spc_school_level_2022-23_england.csv.gz``) located by postcode with OS
  Code-Point Open (24,362 of 24,442 located), mapped by
  :func:`gapmap.sources.census.provision_from_census`.
* EHC plans: DfE SEN2 caseload per LA for ``time_period`` 202223 (January
  2023, the census date, so LA codes match).

Nothing is estimated here; the engine's own estimates are named in its notes.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from gapmap.engine.demand import PLACEMENT_COLUMNS
from gapmap.inputs import StudyInputs
from gapmap.model import CRS
from gapmap.sources.census import provision_from_census

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SEN2_YEAR = 202223
CENSUS_COLUMNS = ["urn", "school_name", "old_la_code", "new_la_code", "la_name", "phase_type_grouping",
                  "typeofestablishment_name", "school_postcode", "headcount of pupils", "district_administrative_code"]


def _postcode_key(values: pd.Series) -> pd.Series:
    return values.astype(str).str.replace(r"\s+", "", regex=True).str.upper()


def _codepoint(shared: Path) -> pd.DataFrame:
    with zipfile.ZipFile(shared / "schools" / "codepoint_open_2025-04_gb.zip") as archive:
        names = [n for n in archive.namelist() if n.startswith("Data/CSV/") and n.endswith(".csv")]
        frames = [pd.read_csv(archive.open(n), header=None, usecols=[0, 2, 3], names=["postcode", "easting", "northing"],
                              dtype={0: str}) for n in names]
    table = pd.concat(frames, ignore_index=True)
    table["key"] = _postcode_key(table["postcode"])
    return table.drop_duplicates("key").set_index("key")[["easting", "northing"]]


def _ages_on_roll(census: pd.DataFrame) -> pd.DataFrame:
    """Youngest and oldest age with pupils on roll, from the census headcounts by single year of age."""
    present = np.zeros((len(census), 20), dtype=bool)
    for age in range(20):
        columns = [c for c in census.columns if c.endswith(f" aged {age}") and "time" in c]
        present[:, age] = census[columns].apply(pd.to_numeric, errors="coerce").fillna(0).sum(axis=1).to_numpy() > 0
    ages = np.arange(20)
    low = np.where(present, ages, 99).min(axis=1)
    high = np.where(present, ages, -1).max(axis=1)
    return pd.DataFrame({
        "age_low_on_roll": pd.array(np.where(present.any(axis=1), low, -1), dtype="Int64").astype("Int64"),
        "age_high_on_roll": pd.array(np.where(present.any(axis=1), high, -1), dtype="Int64"),
    }).replace(-1, pd.NA)


def _schools(shared: Path) -> gpd.GeoDataFrame:
    census = pd.read_csv(shared / "schools" / "spc_school_level_2022-23_england.csv.gz", low_memory=False)
    ages = _ages_on_roll(census)
    census = census[CENSUS_COLUMNS].rename(columns={"headcount of pupils": "headcount_pupils"})
    census = pd.concat([census.reset_index(drop=True), ages], axis=1)
    census["urn"] = census["urn"].astype("int64").astype(str)
    census["old_la_code"] = census["old_la_code"].astype(str)
    located = census.join(_codepoint(shared), on=_postcode_key(census["school_postcode"]))
    found = located["easting"].notna().to_numpy()
    points = gpd.points_from_xy(located["easting"].fillna(0), located["northing"].fillna(0), crs=CRS)
    geometry = gpd.GeoSeries(points, crs=CRS).where(found, None)
    return gpd.GeoDataFrame(located.drop(columns=["easting", "northing"]), geometry=geometry, crs=CRS)


def _education_la(shared: Path, lads: pd.Series, schools: pd.DataFrame) -> pd.Series:
    """LAD 2019 code -> ONS code of its education LA in the January 2023 census."""
    vote = schools.groupby("district_administrative_code")["new_la_code"].agg(lambda s: s.value_counts().index[0])
    registry = pd.read_csv(shared / "lookups" / "mysociety_uk_local_authorities.csv")
    gss = registry.set_index("local-authority-code")["gss-code"]
    replaced = registry.dropna(subset=["replaced-by"]).drop_duplicates("gss-code")
    successor = replaced.set_index("gss-code")["replaced-by"].map(gss)
    district = lads.where(lads.isin(vote.index), lads.map(successor))
    return district.map(vote).fillna(district)


def load_england(shared: Path = SHARED) -> StudyInputs:
    """Assemble all-England study inputs (see the module docstring).

    Parameters
    ----------
    shared
        The ``shared/data`` folder.

    Returns
    -------
    StudyInputs
        LAs without boundaries, LSOAs with centroid points, canonical provision, SEN2 caseload.
    """
    census = _schools(shared)
    provision, excluded = provision_from_census(census, source_name="school census 2022/23 (England)")
    population = pd.read_excel(
        shared / "population" / "iod2019_file6_population_denominators_lsoa11_mid2015.xlsx",
        sheet_name="Population Denominators",
        usecols=["LSOA code (2011)", "Local Authority District code (2019)",
                 "Dependent Children aged 0-15: mid 2015 (excluding prisoners)"],
    )
    population.columns = ["lsoa_code", "lad", "children_0_15"]
    centroids = pd.read_csv(shared / "boundaries" / "lsoa_2011_centroids_ew.csv")
    lsoas = population.merge(centroids.rename(columns={"LSOA11CD": "lsoa_code", "LSOA11NM": "lsoa_name",
                                                      "BNG_E": "centroid_easting", "BNG_N": "centroid_northing"}),
                             on="lsoa_code", how="left", validate="1:1")
    lsoas["la_gss"] = _education_la(shared, lsoas["lad"], census).to_numpy()
    lsoas = gpd.GeoDataFrame(
        lsoas[["lsoa_code", "lsoa_name", "la_gss", "children_0_15", "centroid_easting", "centroid_northing"]],
        geometry=gpd.points_from_xy(lsoas["centroid_easting"], lsoas["centroid_northing"], crs=CRS), crs=CRS,
    ).sort_values("lsoa_code").reset_index(drop=True)
    names = census.drop_duplicates("new_la_code").set_index("new_la_code")[["la_name", "old_la_code"]]
    las = gpd.GeoDataFrame(
        {"la_gss": names.index.to_numpy(), "la_name": names["la_name"].to_numpy(),
         "la_code": names["old_la_code"].to_numpy()},
        geometry=gpd.GeoSeries([None] * len(names), crs=CRS), crs=CRS,
    ).sort_values("la_gss").reset_index(drop=True)
    with zipfile.ZipFile(shared / "send" / "ehcp_sen2_2025.zip") as archive:
        caseload = pd.read_csv(io.BytesIO(archive.read("data/caseload.csv")), low_memory=False, encoding="utf-8-sig")
    columns = sorted({c for cols in PLACEMENT_COLUMNS.values() for c in cols})
    caseload = caseload[(caseload["geographic_level"] == "Local authority")
                        & (caseload["breakdown_topic"] == "All EHC plans")
                        & (caseload["time_period"] == SEN2_YEAR)]
    ehcp = caseload[["time_period", "new_la_code", *columns]].rename(columns={"new_la_code": "la_gss"})
    ehcp[columns] = ehcp[columns].apply(pd.to_numeric, errors="coerce")
    return StudyInputs(name="England", slug="england", las=las, lsoas=lsoas, provision=provision,
                       ehcp=ehcp.reset_index(drop=True), excluded=excluded)
