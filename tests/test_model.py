"""The canonical establishment model: classification by type, validation."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from gapmap.errors import InputError
from gapmap.model import PROVISION_COLUMNS, classify, conform_provision, empty_provision


@pytest.mark.parametrize(
    ("establishment_type", "phase", "expected"),
    [
        ("Community special school", None, ("special", "state-funded")),
        ("Academy special converter", None, ("special", "state-funded")),  # in the Academies group
        ("Free schools special", None, ("special", "state-funded")),  # in the Free Schools group
        ("Non-maintained special school", None, ("special", "non-maintained")),
        ("Other independent special school", None, ("special", "independent")),
        ("Pupil referral unit", None, ("ap", "state-funded")),
        ("Academy alternative provision converter", None, ("ap", "state-funded")),
        ("Free schools alternative provision", None, ("ap", "state-funded")),
        ("Academy converter", "Primary", ("mainstream_primary", "state-funded")),
        ("Voluntary aided school", "Secondary", ("mainstream_secondary", "state-funded")),
        ("Free schools", "All-through", ("mainstream_all_through", "state-funded")),
        ("Other independent school", None, ("mainstream_independent", "independent")),
        ("Secure units", None, None),
    ],
)
def test_classify_by_establishment_type(establishment_type, phase, expected):
    assert classify(establishment_type, phase) == expected


def test_classify_rejects_unknown_type_and_missing_phase():
    with pytest.raises(InputError, match="Unknown establishment type 'Castle'"):
        classify("Castle", None)
    with pytest.raises(InputError, match="phase None"):
        classify("Community school", None)


def _one_row(**changes):
    row = {c: None for c in PROVISION_COLUMNS}
    row.update(provision_id="1", urn="1", name="A", kind="special", sector="state-funded")
    row.update(changes)
    return row


def test_conform_provision_orders_and_types_columns():
    frame = gpd.GeoDataFrame([_one_row(provision_id="2", urn="2"), _one_row()], geometry=[Point(1, 2), Point(3, 4)], crs=27700)
    out = conform_provision(frame, source_name="test")
    assert list(out.columns) == [*PROVISION_COLUMNS, "geometry"]
    assert out["provision_id"].tolist() == ["1", "2"]
    assert str(out["capacity"].dtype) == "Int64" and out["capacity"].isna().all()


@pytest.mark.parametrize(
    ("rows", "crs", "message"),
    [
        ([_one_row(), _one_row()], 27700, "duplicate provision ids: 1"),
        ([_one_row(kind="castle")], 27700, "unknown provision kind"),
        ([_one_row(sector="charity")], 27700, "unknown sector"),
        ([_one_row()], 4326, "British National Grid"),
    ],
)
def test_conform_provision_rejects_bad_tables(rows, crs, message):
    frame = gpd.GeoDataFrame(rows, geometry=[Point(1, 2)] * len(rows), crs=crs)
    with pytest.raises(InputError, match=message):
        conform_provision(frame, source_name="test")


def test_conform_provision_names_missing_columns():
    frame = empty_provision().drop(columns=["kind"])
    with pytest.raises(InputError, match="test lacks the column"):
        conform_provision(frame, source_name="test")
