"""The embedded national data: any English combined authority, LA or all of England, offline.

``python -m gapmap.prepare`` writes the ``england_*.parquet`` files (see
``data/SOURCES.md``): every current English district with its education
authority and DfE code, the districts of each combined authority in each year
it existed, all 32,844 LSOAs 2011 with children aged 0-15 and deprivation,
the GIAS open establishments of May 2025 (and the January 2023 school census as
an alternative supply), and the SEN2 EHC plan caseload of every LA and year.

:func:`load_national` resolves the area with the same rules as the live loaders
(:func:`gapmap.sources.areas.resolve_area`, on lookups built from these files)
and maps GIAS rows with the live loader's own :func:`gapmap.sources.gias.provision_from_gias`,
so a live and an embedded build of one area meet in the same tables.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

import geopandas as gpd
import pandas as pd
import shapely

from gapmap.errors import DataFileError, InputError, UnknownAreaError
from gapmap.inputs import StudyInputs
from gapmap.model import CRS
from gapmap.options import DEFAULT_BUFFER_MILES, DEFAULT_SUPPLY
from gapmap.settings import METRES_PER_MILE
from gapmap.sources import census as census_source
from gapmap.sources.lsoa_fallback import LSOA_FALLBACK_LABEL, lsoa_fallback
from gapmap.sources import gias as gias_source
from gapmap.sources.areas import (
    EducationLA, Lookups, StudyArea, _normal, _unknown, check_area_codes, resolve_area, slugify,
)
from gapmap.sources.boundary_changes import ABOLISHED_LAS, ABOLISHED_SUCCESSORS, successors
from gapmap.sources.embedded import embedded_file
from gapmap.sources.live import LSOA_COLUMNS
from gapmap.validate import exclude_misplaced

#: Supply sources of the embedded national data: name -> (file stem, vintage label, date of the figures).
SUPPLY_SOURCES: dict[str, tuple[str, str, date]] = {
    "gias-2025": (
        "england_schools_gias_2025",
        "DfE Get Information about Schools, open establishments, extract of 24-05-2025 (pupils of 2024/25)",
        date(2025, 5, 24),
    ),
    "census-2023": ("england_schools_census_2023", census_source.SOURCE_LABEL, date(2023, 1, 19)),
}

#: Latest year of the embedded LA boundaries and combined authority membership.
CURRENT_YEAR = 2025

#: Current names of combined authorities whose TopoJSON name is an old one: ONS renamed Sheffield City
#: Region (E47000002) South Yorkshire in 2021.  The old name still resolves.
CA_RENAMES = {"E47000002": "South Yorkshire"}

VINTAGES = {
    "School locations": "establishment points (GIAS Easting/Northing, British National Grid)",
    "LA boundaries": "ONS Local Authority Districts 2025, super-generalised (ONSvisual uk-topojson)",
    "LSOA boundaries": "ONS LSOA (December 2011), super-generalised clipped",
    "LSOA centroids": "ONS LSOA 2011 area centroids (not population-weighted)",
    "Children aged 0-15": "MHCLG English Indices of Deprivation 2019, File 6 population denominators, mid-2015",
    "Deprivation": "MHCLG English Indices of Deprivation 2019 (IMD, IDACI)",
    "EHC plans": "DfE Education, health and care plans, 2025 release (SEN2), January 2019 to January 2025",
}
CENSUS_LOCATION = "postcode centroids (OS Code-Point Open, April 2025)"


def _read(stem: str) -> pd.DataFrame:
    path = embedded_file(f"{stem}.parquet")
    if not path.is_file():
        raise DataFileError(f"The embedded national data file {path} is missing; reinstall gapmap or rebuild data/ "
                            "with `python -m gapmap.prepare`.")
    try:
        return gpd.read_parquet(path) if stem in ("england_lad", "england_lsoa") else pd.read_parquet(path)
    except Exception as error:  # pyarrow raises several error types for a damaged file
        raise DataFileError(f"Cannot read the embedded national data file {path} ({type(error).__name__}); "
                            "reinstall gapmap or rebuild data/ with `python -m gapmap.prepare`.") from None


@lru_cache(maxsize=None)
def _table(stem: str) -> pd.DataFrame:
    return _read(stem)


def national_table(stem: str) -> pd.DataFrame:
    """A copy of one embedded national table (``england_lad``, ``england_lsoa``, ...).

    Parameters
    ----------
    stem
        File name without ``.parquet``.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        The table (read once per process, copied on each call).
    """
    return _table(stem).copy()


@dataclass(frozen=True)
class CombinedAuthority:
    """A combined authority as it stood in one span of years."""

    code: str
    name: str
    start_year: int
    end_year: int
    lads: tuple[str, ...]


def combined_authorities() -> list[CombinedAuthority]:
    """Every combined authority of the embedded data, with its districts (current codes) and years."""
    table = _table("england_ca_membership")
    return [CombinedAuthority(code, CA_RENAMES.get(code, name), int(start), int(end), tuple(sorted(rows["lad_gss"])))
            for (code, name, start, end), rows in table.groupby(["ca_code", "ca_name", "start_year", "end_year"])]


def find_ca(value: str, *, year: int | None = None) -> CombinedAuthority:
    """The combined authority named by a code or name, as it stood in ``year``.

    Parameters
    ----------
    value
        ``E47`` code or name (``"North of Tyne"``, ``"South Yorkshire"``).
    year
        Year of the membership; ``None`` for the latest year the authority existed
        (the current one for a current authority).

    Returns
    -------
    CombinedAuthority
        The authority and its districts.

    Raises
    ------
    UnknownAreaError
        If no authority has that code or name, or none did in ``year``.

    Examples
    --------
    >>> find_ca("North East").code, find_ca("North East", year=2020).code
    ('E47000014', 'E47000010')
    """
    key = value.strip().upper()
    every = combined_authorities()
    raw = _table("england_ca_membership").drop_duplicates("ca_code")
    named: dict[str, set[str]] = {}
    for code, name in [*zip(raw["ca_code"], raw["ca_name"]), *CA_RENAMES.items()]:
        named.setdefault(_normal(name), set()).add(code)
    matches = [ca for ca in every if ca.code == key or ca.code in named.get(_normal(value), set())]
    if not matches:
        names = sorted({ca.name for ca in every} | {ca.code for ca in every})
        raise _unknown("combined authority", value, names, "the ONS combined authorities of 2014 to 2025")
    if year is None:
        return max(matches, key=lambda ca: ca.end_year)
    found = [ca for ca in matches if ca.start_year <= year <= ca.end_year]
    if not found:
        spans = "; ".join(f"{ca.name} ({ca.code}) {ca.start_year}-{ca.end_year}" for ca in matches)
        raise UnknownAreaError(f"No combined authority {value!r} existed in {year}: {spans}.")
    return found[0]


def national_lookups(ca: CombinedAuthority | None = None) -> Lookups:
    """The lookups :func:`~gapmap.sources.areas.resolve_area` reads, from the embedded data.

    Parameters
    ----------
    ca
        Put this authority's membership in ``lad_to_ca`` (default: the
        authorities of :data:`CURRENT_YEAR`).

    Returns
    -------
    Lookups
        Current districts, district -> combined authority, two-tier district ->
        county, and the DfE codes of the current education authorities.
    """
    lads = _table("england_lad")
    if ca is None:
        authorities = [a for a in combined_authorities() if a.end_year >= CURRENT_YEAR]
    else:
        authorities = [ca]
    names = dict(zip(lads["lad_gss"], lads["lad_name"]))
    lad_to_ca = pd.DataFrame([(lad, names[lad], a.code, a.name) for a in authorities for lad in a.lads],
                             columns=["lad", "lad_name", "ca", "ca_name"])
    two_tier = lads[lads["la_gss"].str.startswith("E10")]
    education = lads.drop_duplicates("la_gss")
    return Lookups(
        lads=pd.DataFrame({"lad": lads["lad_gss"], "lad_name": lads["lad_name"]}),
        lad_to_ca=lad_to_ca,
        lad_to_county=pd.DataFrame({"lad": two_tier["lad_gss"], "lad_name": two_tier["lad_name"],
                                    "county": two_tier["la_gss"], "county_name": two_tier["la_name"]}),
        dfe=pd.DataFrame({"la_code": education["la_code"], "la_gss": education["la_gss"],
                          "la_name": education["la_name"]}).sort_values("la_code").reset_index(drop=True),
    )


def _current_la_codes(tokens: list[str]) -> list[str]:
    """Replace LA codes that were merged, reissued or abolished since 2019 by the current ones.

    Raises
    ------
    UnknownAreaError
        For an abolished authority whose area is now split between several, naming them.
    """
    table = successors(_table("england_code_changes"))
    out = []
    for token in tokens:
        code = token.strip().upper()
        if code in ABOLISHED_LAS:
            name, year, parts = ABOLISHED_LAS[code]
            if len(parts) > 1:
                lads = _table("england_lad").drop_duplicates("la_gss").set_index("la_gss")
                named = ", ".join(f"{lads.loc[p, 'la_name']} ({p})" for p in parts)
                raise UnknownAreaError(f"--la {token.strip()}: {name} was abolished in {year} and its area is now "
                                       f"{named}; name those instead, e.g. --la {','.join(parts)}.")
            code = parts[0]
        out.append(table.get(code, code if code in ABOLISHED_SUCCESSORS else token.strip()))
    return out


def resolve_national(
    *, ca: str | None = None, la: str | list[str] | None = None, england: bool = False, year: int | None = None
) -> StudyArea:
    """Resolve ``--ca``, ``--la`` or ``--england`` on the embedded lookups.

    Parameters
    ----------
    ca
        Combined authority code or name; a former authority (North of Tyne,
        the North East of 2018-2023) resolves to its membership of the time.
    la
        LA codes or names (ONS, DfE 3-digit, names); district codes replaced
        since 2019 are carried to the current district.
    england
        Every English education authority.
    year
        Year of the combined authority's membership (default: the latest).

    Returns
    -------
    StudyArea
        The education authorities, name and folder slug.

    Raises
    ------
    InputError
        If not exactly one of ``ca``, ``la`` and ``england`` is given.
    UnknownAreaError
        For an unknown area.
    """
    if sum([ca is not None, la is not None, bool(england)]) != 1:
        raise InputError("Choose a study area with exactly one of --ca, --la or --england.")
    if england:
        las = tuple(_england_las())
        return StudyArea(name="England", slug="england", las=las)
    if ca is not None:
        check_area_codes(ca=ca)
        authority = find_ca(ca, year=year)
        area = resolve_area(national_lookups(authority), ca=authority.code)
        if authority.end_year < CURRENT_YEAR:
            span = f"{authority.start_year}-{authority.end_year}"
            area = replace(area, name=f"{authority.name} ({authority.code}, {span})",
                           slug=f"{slugify(authority.name)}-{span}")
        return area
    tokens = [t for t in (la.split(",") if isinstance(la, str) else list(la or [])) if t.strip()]
    check_area_codes(la=tokens)
    return resolve_area(national_lookups(), la=_current_la_codes(tokens))


def _england_las() -> list[EducationLA]:
    lads = _table("england_lad")
    return [EducationLA(la_gss=gss, la_code=rows["la_code"].iloc[0], la_name=rows["la_name"].iloc[0],
                        lad_codes=tuple(sorted(rows["lad_gss"])))
            for gss, rows in lads.groupby("la_gss", sort=True)]


def _las(area: StudyArea, codes: list[str] | None = None) -> gpd.GeoDataFrame:
    """LA polygons (districts dissolved into their education authority) of the area, or of ``codes``."""
    lads = _table("england_lad")
    wanted = codes if codes is not None else [la.la_gss for la in area.las]
    rows = lads[lads["la_gss"].isin(wanted)]
    las = rows[["la_gss", "geometry"]].dissolve(by="la_gss").reset_index()
    names = rows.drop_duplicates("la_gss").set_index("la_gss")
    las["la_name"] = las["la_gss"].map(names["la_name"])
    las["la_code"] = las["la_gss"].map(names["la_code"])
    las["ca_code"], las["ca_name"] = area.ca_code, area.ca_name
    columns = ["la_gss", "la_name", "la_code", "ca_code", "ca_name"]
    for column in columns:
        las[column] = las[column].astype("string")
    return gpd.GeoDataFrame(las[[*columns, "geometry"]], geometry="geometry", crs=CRS).sort_values(
        "la_gss").reset_index(drop=True)


def _lsoa_table(codes: list[str]) -> gpd.GeoDataFrame:
    """The LSOAs of some education authorities, in the live loaders' column order and types."""
    lsoas = _table("england_lsoa")
    lsoas = lsoas[lsoas["la_gss"].isin(codes)].sort_values("lsoa_code").reset_index(drop=True)
    columns = [c for c in LSOA_COLUMNS if c in lsoas.columns]
    extra = [c for c in lsoas.columns if c not in columns and c != "lad19_gss"]
    out = lsoas[[*columns[:-1], *extra, "geometry"]].copy()
    for column in ("lsoa_code", "lsoa_name", "la_gss", "lad_gss"):
        out[column] = out[column].astype("string")
    for column in [c for c in out.columns if c.endswith(("_rank", "_decile"))]:
        out[column] = out[column].astype("Int64")
    for column in ("centroid_easting", "centroid_northing", "imd_score"):
        out[column] = out[column].astype("float64")
    return gpd.GeoDataFrame(out, geometry="geometry", crs=CRS)


def gias_layout(rows: pd.DataFrame) -> pd.DataFrame:
    """The embedded GIAS extract rows in the layout of the GIAS all-establishments CSV (:func:`gapmap.sources.gias.read_gias`).

    The extract has no statutory ages, capacity, SEN unit, resourced provision
    or need-type fields: those columns are null.  Postcodes are the January 2023
    census's, by URN (null for establishments not in that census).
    """
    text = {
        "URN": rows["urn"], "LA (code)": rows["la_code"], "EstablishmentName": rows["establishment_name"],
        "TypeOfEstablishment (name)": rows["establishment_type"], "EstablishmentStatus (name)": "Open",
        "PhaseOfEducation (name)": rows["education_phase"], "NumberOfPupils": rows["number_of_pupils"],
        "Easting": rows["easting"], "Northing": rows["northing"], "Postcode": rows["postcode"],
    }
    out = pd.DataFrame({c: pd.Series(pd.NA, index=rows.index, dtype="string") for c in gias_source.REQUIRED_COLUMNS})
    for column, values in text.items():
        out[column] = pd.Series(values, index=rows.index).astype("string")
    return out.reset_index(drop=True)


def _gias_provision(rows: pd.DataFrame, label: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    la_gss = dict(zip(rows["la_code"], rows["la_gss"]))
    provision, excluded = gias_source.provision_from_gias(
        gias_layout(rows), la_gss=la_gss, source_label=label, source_name="GIAS open establishments 24-05-2025")
    ages = rows.set_index("urn")[["age_low_on_roll", "age_high_on_roll"]]
    for column in ages.columns:
        provision[column] = provision["urn"].map(ages[column]).astype("Int64")
    provision["location_source"] = pd.Series(gias_source.LOCATION_LABEL, index=provision.index, dtype="string")
    return provision, excluded


def _census_provision(rows: pd.DataFrame) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    rows = lsoa_fallback(rows, _table("england_schools_gias_2025"), _table("england_lsoa"))
    located = rows["easting"].notna() & rows["northing"].notna()
    geometry = gpd.GeoSeries(gpd.points_from_xy(rows["easting"].astype("float64"), rows["northing"].astype(
        "float64"), crs=CRS), index=rows.index).where(located, None)
    table = gpd.GeoDataFrame(rows.drop(columns=["easting", "northing"]), geometry=geometry, crs=CRS)
    table["old_la_code"], table["new_la_code"] = table["la_code"], table["la_gss"]
    provision, excluded = census_source.provision_from_census(table, source_name="DfE school census January 2023 "
                                                              "(embedded)")
    fallback = set(rows.loc[rows["lsoa_located"], "urn"].astype(str))
    provision["location_source"] = provision["location_source"].mask(provision["urn"].astype(str).isin(fallback),
                                                                     LSOA_FALLBACK_LABEL)
    return provision, excluded


def _supply(supply: str, la_codes: list[str], zone: object = None) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Canonical provision of some LAs from one supply source (only rows located in ``zone``, when given)."""
    stem, label, _ = SUPPLY_SOURCES[supply]
    rows = _table(stem)
    rows = rows[rows["la_gss"].isin(la_codes)]
    if zone is not None:
        x, y = rows["easting"].astype("float64"), rows["northing"].astype("float64")
        inside = shapely.contains_xy(zone, x.fillna(0).to_numpy(), y.fillna(0).to_numpy()) & x.notna().to_numpy()
        rows = rows[inside]
    return _gias_provision(rows, label) if supply == "gias-2025" else _census_provision(rows)


def neighbouring_supply(
    las: gpd.GeoDataFrame, *, supply: str = DEFAULT_SUPPLY, buffer_miles: float = DEFAULT_BUFFER_MILES
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Provision of other LAs within ``buffer_miles`` (straight line) of the area, and those LAs.

    Parameters
    ----------
    las
        The study's LA polygons (EPSG:27700).
    supply
        A key of :data:`SUPPLY_SOURCES`.
    buffer_miles
        Distance outside the area's boundary within which provision counts.

    Returns
    -------
    provision : geopandas.GeoDataFrame
        Canonical provision of the neighbouring LAs inside the buffer, ``outside_area`` True;
        establishments located well outside their own LA are left out, as in the area itself.
    neighbours : geopandas.GeoDataFrame
        The LAs it belongs to (``la_gss``, ``la_name``, ``la_code``, polygons).
    """
    zone = las.geometry.union_all().buffer(buffer_miles * METRES_PER_MILE)
    others = [c for c in _table("england_lad")["la_gss"].unique() if c not in set(las["la_gss"])]
    provision, _ = _supply(supply, others, zone)
    candidates = _las(StudyArea(name="", slug="", las=()), sorted(set(provision["la_gss"].dropna())))
    provision, _ = exclude_misplaced(provision, candidates, source_name=SUPPLY_SOURCES[supply][1]) if len(
        provision) else (provision, None)
    neighbours = candidates[candidates["la_gss"].isin(set(provision["la_gss"]))]
    return _flag(provision, True), neighbours[["la_gss", "la_name", "la_code", "geometry"]].reset_index(drop=True)


def _fallback_note(provision: gpd.GeoDataFrame) -> str:
    """The establishments placed at their LSOA's centroid, in a sentence (empty when none)."""
    placed = provision[(provision["location_source"] == LSOA_FALLBACK_LABEL).fillna(False).to_numpy(dtype=bool)]
    if placed.empty:
        return ""
    named = ", ".join(f"{r.name} ({r.urn})" for r in placed.head(5).itertuples())
    more = f" and {len(placed) - 5} more" if len(placed) > 5 else ""
    return (f"; {len(placed)} with a terminated postcode placed at the centroid of their LSOA (from GIAS), to "
            f"within the LSOA: {named}{more} (location_source in the provision table)")


def _flag(provision: gpd.GeoDataFrame, outside: bool) -> gpd.GeoDataFrame:
    provision = provision.copy()
    provision["outside_area"] = pd.array([outside] * len(provision), dtype="boolean")
    return provision


def load_national(
    *,
    ca: str | None = None,
    la: str | list[str] | None = None,
    england: bool = False,
    year: int | None = None,
    supply: str = DEFAULT_SUPPLY,
    buffer_miles: float = DEFAULT_BUFFER_MILES,
    name: str | None = None,
    slug: str | None = None,
) -> StudyInputs:
    """Load a combined authority, some LAs or all of England from the embedded national data.

    Parameters
    ----------
    ca, la, england, year
        The area (see :func:`resolve_national`).
    supply
        ``"gias-2025"`` (default: GIAS open establishments of 24 May 2025,
        establishment points, 2024/25 rolls) or ``"census-2023"`` (January 2023
        school census located by postcode).
    buffer_miles
        Provision of other LAs within this straight-line distance of the area
        counts as supply, flagged ``outside_area`` (0: none).  Not used for England.
    name, slug
        Display name and output folder, instead of the area's own.

    Returns
    -------
    StudyInputs
        LAs, LSOAs 2011 with children 0-15 (mid-2015) and deprivation,
        canonical provision, SEN2 EHC plans (every year, current LA codes; every
        LA and England in ``ehcp_england``),
        excluded rows, vintages and the supply's date (``dates["Schools"]``).

    Raises
    ------
    InputError
        For an unknown supply source or a negative buffer.
    UnknownAreaError
        For an unknown area.
    DataFileError
        If the embedded files are missing or damaged.
    """
    if supply not in SUPPLY_SOURCES:
        raise InputError(f"Unknown supply source {supply!r}; choose from {', '.join(SUPPLY_SOURCES)}.")
    if not (isinstance(buffer_miles, (int, float)) and buffer_miles >= 0):
        raise InputError(f"The neighbouring-supply buffer must be a number of miles >= 0, got {buffer_miles!r}.")
    area = resolve_national(ca=ca, la=la, england=england, year=year)
    codes = [la_.la_gss for la_ in area.las]
    las = _las(area)
    lsoas = _lsoa_table(codes)
    provision, excluded = _supply(supply, codes)
    provision, misplaced = exclude_misplaced(provision, las, source_name=SUPPLY_SOURCES[supply][1])
    excluded = pd.concat([excluded, misplaced], ignore_index=True) if len(misplaced) else excluded
    provision = _flag(provision, False)
    neighbours = las.iloc[0:0][["la_gss", "la_name", "la_code", "geometry"]]
    if not england and buffer_miles > 0:
        outside, neighbours = neighbouring_supply(las, supply=supply, buffer_miles=buffer_miles)
        if len(outside):
            provision = gpd.GeoDataFrame(pd.concat([provision, outside], ignore_index=True), geometry="geometry",
                                         crs=CRS).sort_values("provision_id").reset_index(drop=True)
    provenance = ["old_la_code", "source_la_gss"]  # kept in the files; the engine reads la_gss and the counts
    ehcp = _table("england_ehcp_caseload").drop(columns=provenance)
    needs = _table("england_ehcp_needs").drop(columns=provenance)
    _, label, supply_date = SUPPLY_SOURCES[supply]
    vintages = {"Schools": label, **VINTAGES}
    if supply == "census-2023":
        vintages["School locations"] = CENSUS_LOCATION + _fallback_note(provision)
    if buffer_miles > 0 and not england:
        vintages["Neighbouring supply"] = (f"provision of other LAs within {buffer_miles:g} miles (straight line) "
                                           "of the area, flagged outside_area")
    return StudyInputs(
        name=name or area.name,
        slug=slug or area.slug,
        las=las,
        lsoas=lsoas,
        provision=provision,
        ehcp=ehcp[ehcp["la_gss"].isin(codes)].reset_index(drop=True),
        ehcp_needs=needs[needs["la_gss"].isin(codes)].reset_index(drop=True),
        ehcp_england=ehcp[ehcp["la_gss"].str.match(r"E(?:06|08|09|10|92)")].reset_index(drop=True),
        excluded=excluded.reset_index(drop=True),
        vintages=vintages,
        dates={"Schools": supply_date, "Children aged 0-15": date(2015, 6, 30)},
        neighbours=neighbours.reset_index(drop=True),
    )
