"""Demand: children by age, EHC plans apportioned to LSOAs, IDACI weighting and the need mix."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pyogrio
import pytest

from gapmap.engine import analyse
from gapmap.engine.demand import EVEN_SPLIT, SINGLE_YEARS, children_by_age
from gapmap.engine.dictionary import data_dictionary
from gapmap.errors import InputError
from gapmap.settings import Settings
from gapmap.sources.embedded import embedded_path

SPECIAL = Settings(kinds=("special",))


def test_children_by_age_uses_single_years_when_every_year_is_given():
    singles = {f"age_{a}": [a, 2 * a] for a in range(16)}
    table = children_by_age(pd.DataFrame({"children_0_15": [120, 240], **singles}))
    assert table.method == SINGLE_YEARS
    assert table.counts[1].tolist() == [2.0 * a for a in range(16)]
    assert table.of(range(8, 11), kind="x").tolist() == [[8, 9, 10], [16, 18, 20]]


def test_children_by_age_splits_evenly_where_a_year_is_missing():
    singles = {f"age_{a}": [a, None] for a in range(16)}
    table = children_by_age(pd.DataFrame({"children_0_15": [120, 160], **singles}))
    assert table.counts[0, 15] == 15 and table.counts[1].tolist() == [10.0] * 16
    assert "for 1 LSOAs" in table.method and EVEN_SPLIT in table.method
    with pytest.raises(InputError, match="aged 0-15 only"):
        table.of(range(14, 19), kind="post16")


def test_ehcp_need_is_apportioned_by_children_and_keeps_la_totals(ne_inputs, ne_results):
    lsoa = ne_results.lsoa
    children = lsoa["special_children"]
    share = children / children.groupby(lsoa["la_gss"]).transform("sum")
    la_plans = lsoa.groupby("la_gss")["special_demand"].transform("sum")
    np.testing.assert_allclose(lsoa["special_demand"], share * la_plans, rtol=1e-12)
    assert any("special_total (DfE SEN2, time_period 202223" in note for note in ne_results.notes)


def test_idaci_weighting_moves_need_towards_deprived_lsoas(ne_inputs, ne_results):
    weighted = analyse(ne_inputs, Settings(kinds=("special",), idaci_weight=1.0)).lsoa
    deprived = ne_inputs.lsoas["idaci_decile"].to_numpy() <= 2
    assert weighted.loc[deprived, "special_demand"].sum() > ne_results.lsoa.loc[deprived, "special_demand"].sum()
    by_la = weighted.groupby("la_gss")["special_demand"].sum()
    np.testing.assert_allclose(by_la, ne_results.lsoa.groupby("la_gss")["special_demand"].sum())
    # Within an LA, need per child follows (10.5 - decile) / 10 exactly.
    rate = weighted["special_demand"] / weighted["special_children"] / ((10.5 - ne_inputs.lsoas["idaci_decile"]) / 10)
    assert rate.groupby(weighted["la_gss"]).std().max() < 1e-9


def test_children_method_or_no_sen2_counts_all_children(ne_inputs):
    for inputs, settings in ((ne_inputs, Settings(kinds=("special",), specialist_demand="children")),
                             (replace(ne_inputs, ehcp=pd.DataFrame()), SPECIAL)):
        result = analyse(inputs, settings)
        assert (result.lsoa["special_demand"] == result.lsoa["special_children"]).all()
    assert any("no EHC plan caseload in the inputs" in note for note in result.notes)


def test_a_suppressed_caseload_is_one_clear_error(ne_inputs):
    ehcp = ne_inputs.ehcp.copy()
    ehcp["special_total"] = ehcp["special_total"].mask(ehcp["la_gss"] == "E08000023")
    with pytest.raises(InputError, match="no special_total figure for E08000023.*specialist_demand='children'"):
        analyse(replace(ne_inputs, ehcp=ehcp), SPECIAL)
    with pytest.raises(InputError, match="no EHC plan figures for 2010/11 .*SEN2 has 2018/19 to 2024/25"):
        analyse(ne_inputs, Settings(kinds=("special",), ehcp_year=201011))


def test_an_older_sen2_year_can_be_chosen(ne_inputs):
    result = analyse(ne_inputs, Settings(kinds=("special",), ehcp_year=201819))
    rows = ne_inputs.ehcp[ne_inputs.ehcp["time_period"] == 201819]
    assert result.lsoa["special_demand"].sum() == pytest.approx(rows["special_total"].sum())


def _with_needs(ne_inputs):
    needs = pyogrio.read_dataframe(embedded_path(), layer="ehcp_needs", read_geometry=False)
    return replace(ne_inputs, ehcp_needs=pd.DataFrame(needs))


def test_need_mix_from_sen2_splits_demand_by_primary_need(ne_inputs, ne_results):
    result = analyse(_with_needs(ne_inputs), SPECIAL)
    table = result.need_access
    assert set(table["need"]) >= {"ASD", "SEMH", "SLCN", "unknown"}
    per_lsoa = table.groupby("lsoa_code", sort=False)["demand"].sum()
    np.testing.assert_allclose(per_lsoa.reindex(result.lsoa["lsoa_code"]), result.lsoa["special_demand"])
    durham = table[(table["la_gss"] == "E06000047")].groupby("need")["demand"].sum()
    assert durham["ASD"] / durham.sum() == pytest.approx(2225 / 5390)  # SEN2 January 2025, County Durham
    # Census provision has no need types, so every need sees the same nearest school.
    assert (result.lsoa["special_need_beyond_statutory"] - ne_results.lsoa["special_need_beyond_statutory"]).abs().max() < 1e-9
    assert any("mix of primary needs" in note for note in result.notes)
    assert "not defined" not in data_dictionary(result, {"need_access": table})


def test_need_mix_from_settings(ne_inputs):
    result = analyse(ne_inputs, Settings(kinds=("special",), need_mix={"ASD": 0.6, "SEMH": 0.4}))
    shares = result.need_access.groupby("need")["demand"].sum() / result.lsoa["special_demand"].sum()
    assert shares.round(6).to_dict() == {"ASD": 0.6, "SEMH": 0.4}
