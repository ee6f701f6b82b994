"""The examples in the engine's docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "gapmap.engine.costs", "gapmap.engine.demand", "gapmap.engine.distance", "gapmap.engine.fca",
    "gapmap.engine.fewest", "gapmap.engine.assignment", "gapmap.engine.together",
    "gapmap.engine.supply", "gapmap.engine.validate", "gapmap.engine.weights", "gapmap.settings",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
