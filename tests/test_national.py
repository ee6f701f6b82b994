"""The embedded national data: areas by name or code, boundary code changes, counts against IoD2019 File 6."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA, needs_shared

from gapmap.errors import InputError, UnknownAreaError
from gapmap.sources.boundary_changes import current_codes
from gapmap.sources.national import find_ca, load_national, national_table, resolve_national

#: Districts (ONS codes, unchanged since 2019) of the metropolitan combined authorities, from ONS membership.
CA_DISTRICTS = {
    "E47000001": ["E08000001", "E08000002", "E08000003", "E08000004", "E08000005", "E08000006", "E08000007",
                  "E08000008", "E08000009", "E08000010"],
    "E47000003": ["E08000032", "E08000033", "E08000034", "E08000035", "E08000036"],
    "E47000004": ["E06000006", "E08000011", "E08000012", "E08000013", "E08000014", "E08000015"],
    "E47000007": ["E08000025", "E08000026", "E08000027", "E08000028", "E08000029", "E08000030", "E08000031"],
}


@pytest.fixture(scope="module")
def file6() -> pd.DataFrame:
    """IoD2019 File 6, read straight from the published workbook."""
    table = pd.read_excel(SHARED_DATA / "population" / "iod2019_file6_population_denominators_lsoa11_mid2015.xlsx",
                          sheet_name="Population Denominators")
    return table.rename(columns={"LSOA code (2011)": "lsoa", "Local Authority District code (2019)": "lad19",
                                 "Dependent Children aged 0-15: mid 2015 (excluding prisoners)": "children"})


def _area(inputs) -> tuple[int, int]:
    return len(inputs.lsoas), int(inputs.lsoas["children_0_15"].sum())


@needs_shared
@pytest.mark.parametrize("ca", sorted(CA_DISTRICTS))
def test_ca_lsoas_and_children_equal_file6(ca, file6):
    inputs = load_national(ca=ca, buffer_miles=0)
    rows = file6[file6["lad19"].isin(CA_DISTRICTS[ca])]
    assert _area(inputs) == (len(rows), int(rows["children"].sum()))
    assert sorted(inputs.las["la_gss"]) == CA_DISTRICTS[ca]
    assert set(inputs.lsoas["lsoa_code"]) == set(rows["lsoa"])


@needs_shared
def test_leeds_and_england_equal_file6(file6):
    leeds = file6[file6["lad19"] == "E08000035"]
    assert _area(load_national(la="Leeds", buffer_miles=0)) == (len(leeds), int(leeds["children"].sum())) == \
        (482, int(leeds["children"].sum()))
    assert _area(load_national(england=True)) == (32_844, int(file6["children"].sum()))


def test_names_and_codes_resolve_to_the_same_area():
    assert resolve_national(ca="West Yorkshire") == resolve_national(ca="E47000003")
    assert resolve_national(la="Leeds") == resolve_national(la="E08000035") == resolve_national(la="383")
    several = resolve_national(la="Leeds, E08000036")
    assert (several.name, several.slug) == ("Leeds, Wakefield", "leeds-wakefield")
    england = resolve_national(england=True)
    assert (england.name, england.slug, len(england.las)) == ("England", "england", 153)
    with pytest.raises(InputError, match="exactly one"):
        resolve_national(ca="West Yorkshire", england=True)


def test_former_combined_authorities_resolve_by_date():
    """North of Tyne and the North East of 2018-2023 gave way to the North East CA (E47000014) in May 2024."""
    current = resolve_national(ca="North East")
    assert (current.ca_code, len(current.las), current.slug) == ("E47000014", 7, "north-east")
    tyne = resolve_national(ca="North of Tyne")
    assert (tyne.ca_code, tyne.slug) == ("E47000011", "north-of-tyne-2018-2023")
    assert [la.la_name for la in tyne.las] == ["Northumberland", "Newcastle upon Tyne", "North Tyneside"]
    old = resolve_national(ca="North East", year=2020)
    assert (old.ca_code, sorted(la.la_name for la in old.las)) == (
        "E47000010", ["County Durham", "Gateshead", "South Tyneside", "Sunderland"])
    assert find_ca("North East", year=2016).code == "E47000005"
    assert set(la.la_gss for la in tyne.las) | set(la.la_gss for la in old.las) == {la.la_gss for la in current.las}
    with pytest.raises(UnknownAreaError, match="No combined authority 'E47000011' existed in 2025"):
        find_ca("E47000011", year=2025)
    assert resolve_national(ca="Sheffield City Region").name == "South Yorkshire (E47000002)"


def _lsoa_la(lad19: list[str]) -> set[str]:
    lsoas = national_table("england_lsoa")
    return set(lsoas.loc[lsoas["lad19_gss"].isin(lad19), "la_gss"])


def _sen2(dfe_code: str) -> pd.DataFrame:
    caseload = national_table("england_ehcp_caseload")
    return caseload[caseload["old_la_code"] == dfe_code].sort_values("time_period")


YEARS = [201819, 201920, 202021, 202122, 202223, 202324, 202425]


def test_cumbria_split_into_cumberland_and_westmorland_and_furness():
    assert _lsoa_la(["E07000026", "E07000028", "E07000029"]) == {"E06000063"}  # Allerdale, Carlisle, Copeland
    assert _lsoa_la(["E07000027", "E07000030", "E07000031"]) == {"E06000064"}  # Barrow, Eden, South Lakeland
    census = national_table("england_schools_census_2023")
    cumbria = census[census["old_la_code"] == "909"]  # the census of January 2023 predates the split
    expected = cumbria["district_code"].map(lambda d: "E06000063" if d in {"E07000026", "E07000028", "E07000029"}
                                            else "E06000064")
    assert (cumbria["la_gss"] == expected).all() and len(cumbria) == 339
    gias = national_table("england_schools_gias_2025")
    assert set(gias.loc[gias["la_code"] == "942", "la_gss"]) == {"E06000063"}
    # SEN2: Cumbria's rows (to 2022/23) belong to no current LA; its successors start in 2023/24
    assert set(_sen2("909")["la_gss"]) == {"E10000006"}
    assert _sen2("942")["time_period"].tolist() == [202324, 202425]
    with pytest.raises(UnknownAreaError, match=r"Cumberland \(E06000063\), Westmorland and Furness \(E06000064\)"):
        resolve_national(la="909")


@pytest.mark.parametrize("old_county, dfe_code, new_code, districts", [
    ("E10000023", "815", "E06000065", ["E07000163", "E07000165", "E07000169"]),  # North Yorkshire: Craven, ...
    ("E10000027", "933", "E06000066", ["E07000187", "E07000188", "E07000189", "E07000246"]),  # Somerset
    ("E10000002", "825", "E06000060", ["E07000004", "E07000005", "E07000006", "E07000007"]),  # Buckinghamshire
])
def test_counties_that_became_unitary(old_county, dfe_code, new_code, districts):
    """SEN2 keeps the old county code in some years: every year still lands on the new authority, once."""
    assert current_codes(districts, national_table("england_code_changes")) == [new_code] * len(districts)
    assert _lsoa_la(districts) == {new_code}
    rows = _sen2(dfe_code)
    assert rows["time_period"].tolist() == YEARS and set(rows["la_gss"]) == {new_code}
    assert old_county in set(rows["source_la_gss"])
    assert [la.la_gss for la in resolve_national(la=old_county).las] == [new_code]
    assert [la.la_gss for la in resolve_national(la=dfe_code).las] == [new_code]


def test_northamptonshire_split_in_2021():
    assert _lsoa_la(["E07000150", "E07000152", "E07000153", "E07000156"]) == {"E06000061"}
    assert _lsoa_la(["E07000151", "E07000154", "E07000155"]) == {"E06000062"}
    assert set(_sen2("928")["time_period"]) == {201819, 201920, 202021}
    assert set(_sen2("928")["la_gss"]) == {"E10000021"}
    assert _sen2("940")["time_period"].tolist() == YEARS[3:]
    with pytest.raises(UnknownAreaError, match="North Northamptonshire"):
        resolve_national(la="E10000021")


def test_bournemouth_christchurch_and_poole():
    lsoas = national_table("england_lsoa")
    assert set(lsoas.loc[lsoas["lad19_gss"] == "E06000058", "la_gss"]) == {"E06000058"}
    assert _sen2("839")["time_period"].tolist() == YEARS[1:]  # BCP from 2019/20; Bournemouth, Poole before
    assert set(_sen2("837")["la_gss"]) == {"E06000028"}
    assert [la.la_gss for la in resolve_national(la="E06000028").las] == ["E06000058"]


def test_barnsley_and_sheffield_codes_reissued_in_2025():
    assert _lsoa_la(["E08000016"]) == {"E08000038"} and _lsoa_la(["E08000019"]) == {"E08000039"}
    gias = national_table("england_schools_gias_2025")
    assert set(gias.loc[gias["la_code"] == "370", "la_gss"]) == {"E08000038"}
    assert set(_sen2("370")["la_gss"]) == {"E08000038"} and set(_sen2("370")["source_la_gss"]) == {"E08000016"}
    assert [la.la_gss for la in resolve_national(la="E08000016").las] == ["E08000038"]
    assert "E08000038" in {la.la_gss for la in resolve_national(ca="South Yorkshire").las}


def test_every_current_la_has_ehc_plans_for_2024_25():
    caseload = national_table("england_ehcp_caseload")
    latest = caseload[(caseload["time_period"] == 202425) & (caseload["la_gss"] != "E92000001")]
    las = national_table("england_lad")["la_gss"].unique()
    assert sorted(latest["la_gss"]) == sorted(las) and latest["ehcplans"].notna().all()


def test_supply_is_dated_for_the_matching_ehc_plan_year():
    gias = load_national(la="Gateshead", buffer_miles=0)
    census = load_national(la="Gateshead", buffer_miles=0, supply="census-2023")
    assert str(gias.dates["Schools"]) == "2025-05-24" and str(census.dates["Schools"]) == "2023-01-19"
    assert gias.provision["location_source"].str.contains("GIAS").all()
    assert census.provision["location_source"].str.contains("postcode").all()


def test_neighbouring_supply_is_flagged_and_limited_to_the_buffer():
    inputs = load_national(la="Gateshead", buffer_miles=2)
    outside = inputs.provision[inputs.provision["outside_area"]]
    assert len(outside) and not outside["la_gss"].eq("E08000037").any()
    assert set(outside["la_gss"]) == set(inputs.neighbours["la_gss"])
    gateshead = inputs.las.geometry.iloc[0]
    distances = outside.geometry.distance(gateshead)
    assert distances.max() <= 2 * 1609.344 and distances.min() > 0
    inside = inputs.provision[~inputs.provision["outside_area"]]
    assert inside["la_gss"].eq("E08000037").all()
    assert len(load_national(la="Gateshead", buffer_miles=0).provision) == len(inside)
    wider = load_national(la="Gateshead", buffer_miles=10)
    assert wider.provision["outside_area"].sum() > len(outside)


def test_nearest_special_school_across_the_ca_boundary():
    """A child in County Durham near Hartlepool: the nearest state-funded special school lies outside the CA."""
    from gapmap.engine import analyse
    from gapmap.settings import Settings

    settings = Settings(kinds=("special",))  # state-funded supply, the default
    with_buffer = analyse(load_national(ca="North East"), settings)
    without = analyse(load_national(ca="North East", buffer_miles=0), settings)
    lsoa = with_buffer.lsoa.set_index("lsoa_code")
    crossing = lsoa[~lsoa["special_nearest_la"].isin(with_buffer.inputs.las["la_gss"])]
    assert len(crossing)
    code = crossing["special_straight_line_m"].idxmin()
    # independent check: straight lines from this LSOA's centroid to every state-funded special school in the
    # GIAS 2025 extract
    row = with_buffer.inputs.lsoas.set_index("lsoa_code").loc[code]
    gias = national_table("england_schools_gias_2025")
    special = gias[gias["establishment_type"].str.contains("special", case=False)
                   & ~gias["establishment_type"].str.contains("post 16|independent|Non-maintained", case=False)]
    d = np.hypot(special["easting"].astype(float) - row["centroid_easting"],
                 special["northing"].astype(float) - row["centroid_northing"])
    nearest = special.loc[d.idxmin()]
    assert code == "E01020736"  # County Durham 039A, 4.7 km from Springwell School, Hartlepool
    assert nearest["la_gss"] == "E06000001" and row["la_gss"] == "E06000047"
    assert lsoa.loc[code, "special_nearest_id"] == nearest["urn"]
    assert lsoa.loc[code, "special_straight_line_m"] == pytest.approx(d.min(), abs=0.06)  # metres to 0.1 m
    inside = special[special["la_gss"].isin(with_buffer.inputs.las["la_gss"])]
    own = np.hypot(inside["easting"].astype(float) - row["centroid_easting"],
                   inside["northing"].astype(float) - row["centroid_northing"]).min()
    assert without.lsoa.set_index("lsoa_code").loc[code, "special_straight_line_m"] == pytest.approx(own, abs=0.06)
    assert own > d.min()
    durham = with_buffer.la_summary.set_index("la_gss").loc["E06000047"]
    assert durham["special_demand_nearest_outside_area"] >= lsoa.loc[code, "special_demand"] > 0
    assert without.la_summary["special_demand_nearest_outside_area"].sum() == 0


def test_the_command_line_offers_every_supply_source():
    from gapmap.options import DEFAULT_SUPPLY, SUPPLY_CHOICES
    from gapmap.sources.national import SUPPLY_SOURCES

    assert tuple(SUPPLY_SOURCES) == SUPPLY_CHOICES and DEFAULT_SUPPLY in SUPPLY_CHOICES
