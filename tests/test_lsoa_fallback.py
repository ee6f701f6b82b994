"""Census establishments with a terminated postcode are placed at their GIAS LSOA's centroid, and flagged."""

from __future__ import annotations

import pandas as pd
import pytest

from gapmap.sources.embedded import embedded_file
from gapmap.sources.lsoa_fallback import LSOA_FALLBACK_LABEL
from gapmap.sources.national import load_national

DRYDEN = "131200"  # Dryden School, Gateshead: a state-funded special school, 57 pupils in January 2023


@pytest.fixture(scope="module")
def census_ne():
    return load_national(ca="North East", supply="census-2023")


def test_dryden_school_is_placed_at_its_lsoa_centroid(census_ne):
    gias = pd.read_parquet(embedded_file("england_schools_gias_2025.parquet"), columns=["urn", "lsoa_code"])
    lsoas = pd.read_parquet(embedded_file("england_lsoa.parquet"),
                            columns=["lsoa_code", "centroid_easting", "centroid_northing"])
    code = gias.loc[gias["urn"].astype(str) == DRYDEN, "lsoa_code"].item()
    centroid = lsoas.set_index("lsoa_code").loc[code]
    row = census_ne.provision.set_index(census_ne.provision["urn"].astype(str)).loc[DRYDEN]
    assert (row["name"], row["kind"], int(row["pupils"])) == ("Dryden School", "special", 57)
    assert (row.geometry.x, row.geometry.y) == (centroid["centroid_easting"], centroid["centroid_northing"])
    assert row["location_source"] == LSOA_FALLBACK_LABEL
    assert DRYDEN not in set(census_ne.excluded.get("record_id", pd.Series(dtype=str)).astype(str))


def test_the_fallback_is_named_in_the_notes(census_ne):
    note = census_ne.vintages["School locations"]
    assert "3 with a terminated postcode placed at the centroid of their LSOA" in note
    assert "Dryden School (131200)" in note
    flagged = census_ne.provision["location_source"] == LSOA_FALLBACK_LABEL
    assert int(flagged.sum()) == 3
