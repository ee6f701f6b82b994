"""Children more than 3 miles (straight line) from the nearest special school and AP, by sector set.

The counts in ``tables/`` are reproduced here from the raw embedded layers with
an independent nearest-neighbour search (scipy's k-d tree) and an independent
reading of the census establishment groups, per LA and for the combined authority.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyogrio
import pytest
from scipy.spatial import cKDTree

from gapmap.sources.embedded import embedded_path

THREE_MILES_M = 3 * 1609.344

#: Census phase groupings (and type names) of each sector's special schools, read from the raw layer.
SPECIAL_SETS = {
    "state-funded only": ("State-funded special school",),
    "state-funded + non-maintained": ("State-funded special school", "Non-maintained special school"),
    "state-funded + non-maintained + independent": ("State-funded special school", "Non-maintained special school",
                                                    "Other independent special school"),
}


@pytest.fixture(scope="module")
def raw():
    path = embedded_path("north-east")
    lsoa = pyogrio.read_dataframe(path, layer="lsoa", read_geometry=False)
    schools = pyogrio.read_dataframe(path, layer="schools_census")
    schools = schools[schools.geometry.notna() & ~schools.geometry.is_empty]
    group = np.where(schools["typeofestablishment_name"] == "Other independent special school",
                     "Other independent special school", schools["phase_type_grouping"])
    return lsoa, schools.assign(group=group)


def _beyond(lsoa: pd.DataFrame, sites: pd.DataFrame) -> pd.Series:
    """Children 0-15 per LA whose nearest site is more than 3 miles away in a straight line."""
    tree = cKDTree(np.column_stack([sites.geometry.x, sites.geometry.y]))
    distance, _ = tree.query(lsoa[["centroid_easting", "centroid_northing"]].to_numpy(float))
    return lsoa["children_0_15"].where(distance > THREE_MILES_M, 0).groupby(lsoa["la_gss"]).sum()


def _table(ne_build, name: str) -> pd.DataFrame:
    return pd.read_csv(ne_build / "tables" / f"{name}.csv")


def test_state_funded_counts_in_la_and_ca_summaries_match_an_independent_search(ne_build, raw):
    lsoa, schools = raw
    la = _table(ne_build, "la_summary").set_index("la_gss")
    ca = _table(ne_build, "ca_summary").iloc[0]
    for kind, groups in (("special", SPECIAL_SETS["state-funded only"]), ("ap", ("State-funded AP school",))):
        expected = _beyond(lsoa, schools[schools["group"].isin(groups)])
        assert la[f"{kind}_children_beyond"].to_dict() == expected.to_dict()
        assert ca[f"{kind}_children_beyond"] == expected.sum()
    assert ca["special_children_beyond"] == 55_932 and ca["ap_children_beyond"] == 154_225


def test_every_cumulative_sector_set_is_in_tables_and_matches(ne_build, raw):
    lsoa, schools = raw
    table = _table(ne_build, "sectors")
    assert set(table["threshold_rule"]) == {"more than 3 miles, straight line"}
    for label, groups in SPECIAL_SETS.items():
        expected = _beyond(lsoa, schools[schools["group"].isin(groups)])
        rows = table[(table["kind"] == "special") & (table["sectors"] == label)]
        by_la = rows[rows["area"] == "local authority"].set_index("area_code")["children_beyond"]
        assert by_la.to_dict() == expected.to_dict()
        assert rows.loc[rows["area"] == "combined authority", "children_beyond"].item() == expected.sum()
        ap = table[(table["kind"] == "ap") & (table["sectors"] == label) & (table["area"] == "combined authority")]
        assert ap["children_beyond"].item() == _beyond(lsoa, schools[schools["group"] == "State-funded AP school"]).sum()
    ca = table[(table["kind"] == "special") & (table["area"] == "combined authority")]
    # Each addition takes children out of the gap: 55,932 -> 53,182 -> 49,169 of 336,297 children aged 0-15.
    assert ca["children_beyond"].tolist() == [55_932, 53_182, 49_169]
    assert ca["counted"].tolist() == [True, False, False]
