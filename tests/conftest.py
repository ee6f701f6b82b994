"""Shared fixtures: the North East study area, its results and one build.

The engine, render and scenario tests run on the North East study-area GeoPackage
(``data/north-east.gpkg``: January 2023 school census supply, no neighbouring supply), a
stable real fixture whose counts the tests check by hand; the default build's national data
(GIAS May 2025 supply) is tested in ``test_national*.py``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from gapmap.build import build
from gapmap.engine import analyse
from gapmap.sources.embedded import EMBEDDED_AREAS, embedded_path, load_embedded

#: The real data folder beside the project (present in CI and dev machines, absent in a user's clone).
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

needs_shared = pytest.mark.skipif(
    not SHARED_DATA.is_dir(),
    reason=f"needs the large real files in {SHARED_DATA} (CI has them; a user's clone does not)",
)


@pytest.fixture(scope="session")
def ne_inputs():
    """The North East study-area GeoPackage (census January 2023 supply), under the default's name."""
    return replace(load_embedded(path=embedded_path("north-east")), name=EMBEDDED_AREAS["north-east"][0])


@pytest.fixture(scope="session")
def ne_results(ne_inputs):
    """Default analysis of the embedded North East study area."""
    return analyse(ne_inputs)


@pytest.fixture(scope="session")
def ne_build(tmp_path_factory, ne_inputs):
    """One default build of the North East into a temporary output root; returns its folder."""
    out = tmp_path_factory.mktemp("maps")
    return build(ne_inputs, out=out, tiles=None)
