"""Time the engine on all of England: 32,844 LSOAs x every located school, every kind; record peak memory.

Inputs come from the real files in ``shared/data`` (see ``bench_england_inputs.py``).
The timed part is ``gapmap.engine.analyse`` with nine kinds (special, AP,
primary, secondary, all-through, independent, SEN unit, resourced provision,
nursery; post-16 needs ages the population source does not have): nearest
suitable provision per age, statutory-distance and band counts, 2SFCA, E2SFCA
and gaussian 2SFCA, and the LA summaries.

Run from the repository root::

    python benchmarks/bench_england.py --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import time
from pathlib import Path

from bench_england_inputs import SHARED, load_england

from gapmap.engine import analyse
from gapmap.settings import DEFAULT_THRESHOLDS_M, Settings

KINDS = tuple(DEFAULT_THRESHOLDS_M)


def _peak_rss_mib() -> float:
    """Peak resident memory of this process since the last reset (Linux), MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    """Reset the peak-memory counter (Linux ``clear_refs``); elsewhere the peak stays process-wide."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        pass


def main() -> None:
    """Run the benchmark and print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="shared/data folder")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    start = time.perf_counter()
    inputs = load_england(args.shared)
    load_s = time.perf_counter() - start
    load_peak = _peak_rss_mib()
    settings = Settings(kinds=KINDS)
    times, peaks = [], []
    for _ in range(args.repeat):
        _reset_peak()
        start = time.perf_counter()
        results = analyse(inputs, settings)
        times.append(time.perf_counter() - start)
        peaks.append(_peak_rss_mib())
    lsoa = results.lsoa
    summary = {
        "benchmark": "gapmap.engine.analyse, all of England (straight line, 9 kinds)",
        "lsoas": len(inputs.lsoas),
        "located_schools": len(inputs.provision),
        "children_0_15": int(inputs.lsoas["children_0_15"].sum()),
        "kinds": list(KINDS),
        "catchment_pairs": {k: int(lsoa[f"{k}_catchment_sites"].sum()) for k in KINDS},
        "load_s": round(load_s, 1),
        "load_peak_rss_mib": round(load_peak, 1),
        "analyse_runs_s": [round(t, 2) for t in times],
        "analyse_median_s": round(statistics.median(times), 2),
        "analyse_peak_rss_mib": round(max(peaks), 1),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
