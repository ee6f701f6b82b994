"""gapmap's modules import each other without cycles (issue 17: ``gapmap.study`` and ``gapmap.scenario``).

A cycle at module level works only while the import order happens to suit it, and it breaks lazily
imported layers (render, HiGHS) in ways that show up as a half-initialised module. The graph is read
from the source (top-level imports; those under ``if TYPE_CHECKING:`` or inside functions do not run
at import), and checked by running a fresh interpreter for the scenario layer.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gapmap"


def _module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


MODULES = _module_names()


def _imported_at_load(name: str, path: Path) -> set[str]:
    """The gapmap modules that importing ``name`` runs (not its own parent packages, already loaded)."""
    found: set[str] = set()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.If) and not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    ancestors = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
    return {m for m in found if m in MODULES and m != name and m not in ancestors}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return components


def test_the_cycle_finder_finds_a_cycle():
    # The checker itself: a -> b -> c -> a is one cycle, d stands alone.
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_gapmap_modules_import_without_cycles():
    graph = {name: _imported_at_load(name, path) for name, path in MODULES.items()}
    assert "gapmap.scenario.scenario" in graph["gapmap.study"]  # the graph is read (study uses the scenario layer)
    assert _cycles(graph) == []


@pytest.mark.slow
def test_the_scenario_layer_loads_without_the_study():
    # gapmap.study builds on gapmap.scenario, never the reverse: each scenario module, imported alone in a fresh
    # interpreter, leaves gapmap.study unloaded (scenario/cli.py imports it inside the commands that need it).
    names = sorted(name for name in MODULES if name.startswith("gapmap.scenario"))
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "    assert 'gapmap.study' not in sys.modules, name\n"
        "print(len(sys.modules))\n"
    )
    answer = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert answer.returncode == 0, answer.stderr
