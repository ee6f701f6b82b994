"""ONS ArcGIS queries (paging, where clauses, errors) and --ca / --la resolution on real ONS/DfE lookups."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from http_server import serving

from gapmap.errors import DataFileError, InputError, NetworkError, UnknownAreaError
from gapmap.sources import ons
from gapmap.sources.areas import resolve_area
from gapmap.sources.cache import Cache
from gapmap.sources.config import OnsService, load_config
from gapmap.sources.http import Downloader
from gapmap.sources.live import lookups


@pytest.fixture
def services(monkeypatch):
    with serving(monkeypatch) as fake:
        yield fake


@pytest.fixture
def downloader(tmp_path):
    return Downloader(Cache(tmp_path))


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    with serving(monkeypatch):
        found = lookups(Downloader(Cache(tmp_path_factory.mktemp("cache"))), load_config())
    monkeypatch.undo()
    return found


def _queries(services, service: str) -> list[dict[str, str]]:
    return [
        {k: v[0] for k, v in parse_qs(urlsplit(r).query).items()}
        for r in services.requests if f"/{service}/" in r
    ]


def test_pages_until_the_transfer_limit_is_not_exceeded(services, downloader):
    table = ons.lad_to_ca(downloader, load_config())
    assert len(table) == 106  # the fixture's LAD -> CA rows; the fake server answers 50 per page
    assert [q["resultOffset"] for q in _queries(services, "LAD25_CAUTH25_EN_LU")] == ["0", "50", "100"]
    assert table["lad"].is_unique


def test_boundaries_are_queried_by_code_never_the_whole_country(services, downloader):
    config = replace(load_config(), ons_codes_per_query=100)
    codes = list(ons.lsoas_in_lads(downloader, config, ["E08000035"])["lsoa"])
    bounds = ons.lsoa_boundaries(downloader, config, codes)
    assert len(bounds) == len(codes) == 482
    assert bounds.crs.to_epsg() == 27700
    queries = _queries(services, "Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BGC_V5")
    assert len(queries) == 5  # 482 codes in batches of 100, each answered in one page of <= 100
    assert all(q["where"].startswith("LSOA21CD IN (") for q in queries)
    assert bounds.geometry.is_valid.all()


def test_centroids_are_metres_on_british_national_grid(services, downloader):
    centroids = ons.lsoa_centroids(downloader, load_config(), ["E01011264"])
    # Leeds 011A: the fixture's point is the published LONG/LAT of BNG_E 420937, BNG_N 441834
    assert centroids.iloc[0]["centroid_easting"] == pytest.approx(420937, abs=2)
    assert centroids.iloc[0]["centroid_northing"] == pytest.approx(441834, abs=2)


def test_a_code_that_does_not_come_back_is_an_error(services, downloader):
    with pytest.raises(DataFileError, match="no row .* E01999999"):
        ons.lsoa_boundaries(downloader, load_config(), ["E01011264", "E01999999"])
    with pytest.raises(DataFileError, match="no geometry .* E08000032"):  # the fake has Leeds' polygon only
        ons.lad_boundaries(downloader, load_config(), ["E08000032", "E08000035"])


def test_service_error_is_reported_and_not_cached(services, downloader, tmp_path):
    config = load_config()
    renamed = OnsService("LAD99_CAUTH99_EN_LU", config.service("lad_to_ca").fields)
    services_table = {**config.ons_services, "lad_to_ca": renamed}
    with pytest.raises(NetworkError, match="LAD99_CAUTH99_EN_LU"):
        ons.lad_to_ca(downloader, replace(config, ons_services=services_table))
    assert not list(tmp_path.glob("*.data"))


def test_bad_code_is_refused_before_any_request(services, downloader):
    with pytest.raises(InputError, match="GSS"):
        ons.lad_boundaries(downloader, load_config(), ["E08000035') OR (1=1"])
    assert services.requests == []


# -- area resolution on the real lookups -------------------------------------------------------


def test_combined_authority_by_code_and_by_name(tables):
    by_code = resolve_area(tables, ca="E47000003")
    by_name = resolve_area(tables, ca="west yorkshire combined authority")
    assert by_code == by_name
    assert [la.la_gss for la in by_code.las] == ["E08000032", "E08000033", "E08000034", "E08000035", "E08000036"]
    assert [la.la_code for la in by_code.las] == ["380", "381", "382", "383", "384"]
    assert (by_code.slug, by_code.ca_code) == ("west-yorkshire", "E47000003")


def test_two_tier_districts_resolve_to_their_county(tables):
    area = resolve_area(tables, ca="E47000008")  # Cambridgeshire and Peterborough
    assert [(la.la_gss, la.la_code) for la in area.las] == [("E06000031", "874"), ("E10000003", "873")]
    county = area.las[1]
    assert len(county.lad_codes) == 5 and all(c.startswith("E07") for c in county.lad_codes)
    assert resolve_area(tables, la="E07000008").las == (county,)  # Cambridge -> Cambridgeshire
    assert resolve_area(tables, la="873").las == (county,)


def test_la_lists_mix_codes_and_names(tables):
    area = resolve_area(tables, la="E08000035, 380,Leeds")
    assert [la.la_gss for la in area.las] == ["E08000032", "E08000035"]
    assert (area.name, area.slug) == ("Bradford, Leeds", "bradford-leeds")
    assert resolve_area(tables, la=["383"]).slug == "leeds"


@pytest.mark.parametrize("kwargs, expected", [
    ({"ca": "E47000099"}, "E47000009"),
    ({"ca": "West Midland"}, "West Midlands"),
    ({"la": "E08000099"}, "E08000009"),
    ({"la": "384X"}, None),
    ({"la": "Leds"}, "Leeds"),
])
def test_unknown_areas_suggest_the_nearest(tables, kwargs, expected):
    with pytest.raises(UnknownAreaError, match="Unknown") as error:
        resolve_area(tables, **kwargs)
    if expected:
        assert "did you mean" in str(error.value) and expected in str(error.value)


@pytest.mark.parametrize("kwargs", [{}, {"ca": "E47000003", "la": "383"}, {"la": "E47000003"}, {"la": " , "}])
def test_area_arguments_are_checked(tables, kwargs):
    with pytest.raises(InputError):
        resolve_area(tables, **kwargs)


def test_lookups_are_real_tables(tables):
    assert isinstance(tables.lads, pd.DataFrame) and len(tables.lads) == 296
    assert tables.lad_to_county["county"].str.startswith("E10").all()


def test_reissued_district_codes_match_the_dfe_authority_by_name(tables):
    # DfE still writes Barnsley as E08000016; ONS reissued it as E08000038 in 2025
    barnsley = resolve_area(tables, la="370").las[0]
    assert (barnsley.la_gss, barnsley.la_code, barnsley.lad_codes) == ("E08000038", "370", ("E08000038",))
    assert resolve_area(tables, la="E08000038").las == (barnsley,)
    south_yorkshire = resolve_area(tables, ca="E47000002")
    assert [la.la_code for la in south_yorkshire.las] == ["371", "372", "370", "373"]
