"""Every number in the LA and CA summaries reconciles with the LSOA and provision tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gapmap.engine import analyse
from gapmap.engine.summary import SUMMED
from gapmap.settings import band_label


def _summed_columns(settings):
    columns = []
    for kind in settings.kinds:
        columns += [f"{kind}_{name}" for name in SUMMED]
        columns += [f"{kind}_demand_beyond_{band_label(m)}" for m in settings.distance_bands_miles]
    return columns


def test_lsoa_figures_sum_to_la_figures(ne_results):
    summary = ne_results.la_summary.set_index("la_gss")
    by_la = ne_results.lsoa.groupby("la_gss")
    for column in ["children_0_15", *_summed_columns(ne_results.settings)]:
        np.testing.assert_allclose(summary[column], by_la[column].sum().reindex(summary.index), rtol=1e-12,
                                   err_msg=column)
    lsoa = ne_results.lsoa
    for kind in ne_results.settings.kinds:
        elsewhere = lsoa[f"{kind}_demand"].where(lsoa[f"{kind}_cross_la"], 0).groupby(lsoa["la_gss"]).sum()
        np.testing.assert_allclose(summary[f"{kind}_demand_nearest_in_other_la"], elsewhere.reindex(summary.index))


def test_places_sum_to_the_supply_table_and_ratios_follow(ne_results):
    summary = ne_results.la_summary.set_index("la_gss")
    provision = ne_results.provision
    for kind in ne_results.settings.kinds:
        supply = provision[(provision["kind"] == kind) & provision["analysed"]]
        by_la = supply.groupby("la_gss")
        assert (summary[f"{kind}_places"] == by_la["places"].sum().reindex(summary.index, fill_value=0)).all()
        assert summary[f"{kind}_places_proxy"].sum() == supply.loc[supply["places_proxy"], "places"].sum()
        demand = summary[f"{kind}_demand"]
        np.testing.assert_allclose(summary[f"{kind}_ratio"], (summary[f"{kind}_places"] / demand).round(4))
        np.testing.assert_allclose(summary[f"{kind}_shortfall"], (demand - summary[f"{kind}_places"]).clip(lower=0))
        # The places other LAs' children are nearest to, seen from the provider side, add up to the
        # demand whose nearest is in another LA, seen from the resident side.
        assert summary[f"{kind}_other_la_demand_nearest_here"].sum() == pytest.approx(
            summary[f"{kind}_demand_nearest_in_other_la"].sum(), rel=1e-12)
    # Census places are all pupils-on-roll proxies.
    assert provision.loc[provision["analysed"], "places_proxy"].all()


def test_specialist_demand_sums_to_the_sen2_caseload(ne_inputs, ne_results):
    # The supply is the January 2023 census, so the matched EHC plan year is 2022/23.
    assert ne_results.settings.ehcp_year == 202223
    caseload = ne_inputs.ehcp[ne_inputs.ehcp["time_period"] == 202223].set_index("la_gss")
    summary = ne_results.la_summary.set_index("la_gss")
    np.testing.assert_allclose(summary["special_demand"], caseload["special_total"].reindex(summary.index).astype(float))
    np.testing.assert_allclose(summary["ap_demand"], caseload["ap_pru_total"].reindex(summary.index).astype(float))
    assert summary["special_demand"].sum() == 7517  # EHC plans in special schools, NE CA, January 2023


def test_ca_summary_pools_the_las(ne_results):
    ca = ne_results.ca_summary
    summary = ne_results.la_summary
    assert ca[["ca_code", "ca_name", "las"]].values.tolist() == [["E47000014", "North East", 7]]
    row = ca.iloc[0]
    for column in ["children_0_15", "special_places", "special_demand", "special_need_beyond_statutory"]:
        assert row[column] == pytest.approx(summary[column].sum(), rel=1e-12)
    for kind in ne_results.settings.kinds:
        pooled = max(0.0, row[f"{kind}_demand"] - row[f"{kind}_places"])
        assert row[f"{kind}_shortfall"] == pytest.approx(pooled)
        assert row[f"{kind}_shortfall_sum_of_las"] == pytest.approx(summary[f"{kind}_shortfall"].sum())
        assert row[f"{kind}_shortfall"] <= row[f"{kind}_shortfall_sum_of_las"] + 1e-9
        # 2SFCA allots every place of every site that some demand can reach, and no other.
        sites = ne_results.provision[(ne_results.provision["kind"] == kind) & ne_results.provision["analysed"]]
        reached = sites.loc[sites["catchment_demand"] > 0, "places"].sum()
        assert row[f"{kind}_accessible_places"] == pytest.approx(reached, rel=1e-9)
    assert row["mainstream_primary_accessible_places"] < row["mainstream_primary_places"]


def test_site_metrics_add_up(ne_results):
    provision = ne_results.provision
    lsoa = ne_results.lsoa
    for kind in ne_results.settings.kinds:
        sites = provision[(provision["kind"] == kind) & provision["analysed"]]
        assert sites["nearest_demand"].sum() == pytest.approx(lsoa[f"{kind}_demand"].sum(), rel=1e-12)
        served = lsoa.groupby(f"{kind}_nearest_id")[f"{kind}_demand"].sum()
        np.testing.assert_allclose(sites.set_index("provision_id")["nearest_demand"].reindex(served.index), served)
    assert provision.loc[~provision["analysed"], ["catchment_demand", "nearest_demand"]].isna().all().all()


def test_the_same_inputs_give_the_same_tables(ne_inputs, ne_results):
    again = analyse(ne_inputs)
    pd.testing.assert_frame_equal(pd.DataFrame(again.lsoa), pd.DataFrame(ne_results.lsoa))
    pd.testing.assert_frame_equal(pd.DataFrame(again.la_summary), pd.DataFrame(ne_results.la_summary))
    assert again.notes == ne_results.notes
