"""gapmap type-checks clean: mypy on ``gapmap/`` with the settings of ``[tool.mypy]`` in pyproject.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

mypy_api = pytest.importorskip(
    "mypy.api", reason="mypy is not installed; `pip install -e \".[test]\"` installs it (the type check is skipped)"
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_gapmap_has_no_type_errors():
    # In-process, with the project's own settings; the cache beside the project makes a rerun take seconds.
    stdout, stderr, status = mypy_api.run([
        "--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(ROOT / ".mypy_cache"), str(ROOT / "gapmap"),
    ])
    errors = [line for line in stdout.splitlines() if ": error:" in line]
    assert status == 0 and not errors, f"mypy found {len(errors)} type error(s):\n{stdout}{stderr}"
