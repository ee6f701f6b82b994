"""Time ``gapmap --help`` beside a bare Python start, in one run, and list what the command line imports.

Usage (from the repository root, in the environment where gapmap is installed)::

    python benchmarks/bench_startup.py [--repeat 10]

Each run is a fresh process: ``python -c pass`` (the floor: interpreter and
site start-up), ``gapmap --help`` (the console script) and ``python -X
importtime -c "import gapmap.cli"`` (the cumulative import time of the command
line module).  Prints medians as JSON, with the load average (the machine is
shared: the difference between the first two is what gapmap adds).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HEAVY = ("numpy", "pandas", "geopandas", "scipy", "matplotlib", "folium", "highspy")


def _seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _import_s() -> float:
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import gapmap.cli"], check=True,
                          capture_output=True, text=True)
    last = [line for line in done.stderr.splitlines() if line.rstrip().endswith("| gapmap.cli")][-1]
    return int(last.split("|")[1]) / 1e6


def main() -> None:
    """Run the benchmark and print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    script = shutil.which("gapmap", path=os.path.dirname(sys.executable)) or "gapmap"
    bare, helped, imports = [], [], []
    for _ in range(args.repeat):  # interleaved, so that both see the same machine load
        bare.append(_seconds([sys.executable, "-c", "pass"]))
        helped.append(_seconds([script, "--help"]))
        imports.append(_import_s())
    code = f"import sys, gapmap.cli; print([m for m in {HEAVY!r} if m in sys.modules])"
    loaded = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.strip()
    print(json.dumps({
        "benchmark": "gapmap --help start-up",
        "python_c_pass_median_s": round(statistics.median(bare), 3),
        "gapmap_help_median_s": round(statistics.median(helped), 3),
        "gapmap_help_min_s": round(min(helped), 3),
        "import_gapmap_cli_median_s": round(statistics.median(imports), 3),
        "heavy_modules_loaded_by_the_cli": loaded,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "repeat": args.repeat,
    }, indent=2))


if __name__ == "__main__":
    main()
