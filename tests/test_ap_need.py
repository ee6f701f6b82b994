"""AP need beyond EHC plans: pupils in AP schools + LA-funded AP placements, worked out by hand.

County Durham (E06000047) has 225 LA-funded AP placements in the embedded AP
census 2022/23 (155 in settings with a URN, 35 work based, 22 colleges, 8
registered providers, 5 one to one tuition).
"""

from __future__ import annotations

import pandas as pd
import pytest
from test_engine_cases import MILE, _ages, _lsoa, _site, study

from gapmap.engine import analyse
from gapmap.engine.ap_need import ap_placements
from gapmap.errors import InputError
from gapmap.settings import Settings

DURHAM = "E06000047"


def _inputs(la=DURHAM):
    ehcp = pd.DataFrame({"la_gss": [la], "time_period": [202425], "ap_pru_total": [10]})
    return study([_lsoa("L1", la, 0, 0, 100, **_ages(age_12=60, age_14=40))],
                 [_site("PRU", la, 1 * MILE, 0, kind="ap", pupils=40, ages=(11, 16)),
                  _site("IND", la, 2 * MILE, 0, kind="ap", pupils=30, ages=(11, 16))],
                 ehcp=ehcp, las=(la,))


def test_embedded_placements_add_up_to_england():
    table = ap_placements()
    totals = table[table["setting_type"] == "Total"].set_index("la_gss")["placements"]
    assert totals.drop("E92000001").sum() == totals["E92000001"] == 41_319
    durham = table[table["la_gss"] == DURHAM].set_index("setting_type")["placements"]
    assert durham["Total"] == 225 == durham.drop("Total").sum()


def test_placements_estimate_all_ap_need():
    inputs = _inputs()
    inputs.provision.loc[inputs.provision["provision_id"] == "IND", "sector"] = "independent"
    plans = analyse(inputs, Settings(kinds=("ap",)))
    placed = analyse(inputs, Settings(kinds=("ap",), ap_need="placements"))
    assert plans.la_summary["ap_demand"].iloc[0] == pytest.approx(10)
    # 40 pupils on roll in the state-funded PRU (the independent AP school is in the placements) + 225 placements.
    assert placed.la_summary["ap_demand"].iloc[0] == pytest.approx(265)
    assert placed.la_summary["ap_shortfall"].iloc[0] == pytest.approx(225)
    assert plans.la_summary["ap_shortfall"].iloc[0] == 0
    method = " ".join(placed.notes)
    assert "an estimate of children needing alternative provision" in method and "= 265" in method
    assert "EHC plans placed in AP in SEN2 time_period 202425: 10" in method
    assert "--ap-need placements" in " ".join(plans.notes)


def test_an_la_without_a_placement_figure_is_refused():
    with pytest.raises(InputError, match="no LA-funded AP placement figure for E06000999.*--ap-need plans"):
        analyse(_inputs("E06000999"), Settings(kinds=("ap",), ap_need="placements"))


def test_ap_need_must_be_a_known_method():
    with pytest.raises(InputError, match="ap_need must be one of plans, placements"):
        Settings(ap_need="pupils")


def test_a_scenario_file_chooses_the_ap_need(tmp_path):
    from gapmap.scenario.files import read_scenario_file

    path = tmp_path / "ap.yaml"
    path.write_text("name: AP\nap_need: placements\nedits: []\n", encoding="utf-8")
    assert read_scenario_file(path).settings.ap_need == "placements"
    path.write_text("name: AP\nap_need: pupils\nedits: []\n", encoding="utf-8")
    with pytest.raises(InputError, match="ap_need must be one of plans, placements"):
        read_scenario_file(path)


def test_headline_names_the_ap_estimate_not_plans():
    from gapmap.render.headlines import headlines

    placed = analyse(_inputs(), Settings(kinds=("ap",), ap_need="placements"))
    sentence = headlines(placed)[0].sentence
    assert "AP pupils on roll + LA-funded AP placements of January 2023 (estimate)" in sentence
    assert "EHC plans" not in sentence
