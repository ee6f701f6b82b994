"""The scenario documentation runs: docs/scenarios.md and the docstring examples, as doctests."""

from __future__ import annotations

import doctest
import importlib
import re
from pathlib import Path

import pytest

from gapmap import Study
from gapmap.scenario import read_scenario_file

DOCS = Path(__file__).resolve().parents[1] / "docs" / "scenarios.md"

MODULES = [
    "gapmap.study",
    "gapmap.scenario.comparison",
    "gapmap.scenario.html",
    "gapmap.scenario.metrics",
    "gapmap.scenario.outputs",
    "gapmap.scenario.result",
    "gapmap.scenario.scenario",
    "gapmap.scenario.sweeps",
]


def test_worked_example_in_docs_gives_the_numbers_it_shows():
    failures, tried = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 20 and failures == 0


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    failures, tried = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 0 and failures == 0


@pytest.mark.parametrize("language", ["yaml", "toml"])
def test_scenario_files_in_docs_build_the_worked_example(tmp_path, ne_inputs, language):
    text = DOCS.read_text(encoding="utf-8")
    block = re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)[0]
    path = tmp_path / f"hermitage.{language}"
    path.write_text(block, encoding="utf-8")
    study = Study(inputs=ne_inputs)
    scenario = read_scenario_file(path).scenario(study)
    by_hand = (study.scenario("x").add_provision(urn=147531, kind="special", places=40, needs=["ASD"], ages=(11, 16))
               .close(urn=108565).scale_population(la="Northumberland", factor=1.05))
    assert scenario.name == "Hermitage unit, PRU closure, growth" and scenario.edits == by_hand.edits
