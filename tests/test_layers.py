"""The layers import one way: sources -> engine -> scenario -> study; no lower layer imports a higher one."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import gapmap

PACKAGE = Path(gapmap.__file__).resolve().parent


def _imported(path: Path) -> set[str]:
    """Every module a file imports, at any depth (inside functions and TYPE_CHECKING blocks too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_scenario_module_but_its_command_line_imports_the_study():
    offenders = [p.name for p in (PACKAGE / "scenario").glob("*.py")
                 if p.name != "cli.py" and "gapmap.study" in _imported(p)]
    assert offenders == []


def test_importing_the_scenarios_does_not_import_the_study():
    code = "import sys, gapmap.scenario, gapmap.scenario.cli; print('gapmap.study' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
