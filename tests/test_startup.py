"""Start-up stays light: the command line loads no data library, and the engine no renderer or solver."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("numpy", "pandas", "geopandas", "shapely", "scipy", "matplotlib", "folium", "jinja2", "highspy", "pyogrio")


def _imported(module: str) -> set[str]:
    code = f"import sys, {module}; print(' '.join(sorted(m for m in sys.modules if '.' not in m)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_the_command_line_imports_no_data_library_until_a_command_runs():
    assert _imported("gapmap.cli") & set(HEAVY) == set()


@pytest.mark.parametrize("module", ["gapmap.engine", "gapmap.build", "gapmap.scenario"])
def test_the_engine_and_build_import_no_renderer_or_solver(module):
    assert _imported(module) & {"matplotlib", "folium", "jinja2", "highspy"} == set()


def test_help_and_version_still_answer():
    from click.testing import CliRunner

    from gapmap.cli import main

    runner = CliRunner()
    help_text = runner.invoke(main, ["--help"]).output
    assert all(command in help_text for command in ("build", "fetch", "scenario"))
    version = runner.invoke(main, ["--version"])
    assert version.exit_code == 0 and version.output.startswith("gapmap, version ")
