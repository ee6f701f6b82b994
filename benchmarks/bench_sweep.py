"""Time a sweep of 100 single-site scenarios on the embedded North East data.

Usage (from the repository root, in the environment where gapmap is installed)::

    python benchmarks/bench_sweep.py [--scenarios 100] [--workers 1 2] [--full 5]

Each scenario adds a 40-place special school hosted at one mainstream
secondary school (the first ``--scenarios`` of them in provision id order)
and is compared with the baseline.  The sweep is timed end to end for each
worker count (process pool start-up and the baseline's nearest sites
included; the baseline is loaded beforehand), with the incremental method.
``--full N`` also times N scenarios with the full engine, for comparison.
Prints JSON: wall seconds per scenario for each run, and CPU seconds per
scenario for in-process runs (robust to other jobs on the machine).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time

from gapmap import Study
from gapmap.scenario import each_site, sweep


def _timed(scenarios: list, **options: object) -> dict[str, float]:
    start, cpu = time.perf_counter(), time.process_time()
    sweep(scenarios, progress=False, **options)
    seconds = time.perf_counter() - start
    timing = {"total_s": round(seconds, 2), "per_scenario_s": round(seconds / len(scenarios), 3)}
    if options.get("workers") == 1:  # all the work is in this process: its CPU time is the cost without contention
        timing["cpu_per_scenario_s"] = round((time.process_time() - cpu) / len(scenarios), 3)
    return timing


def main() -> None:
    """Run the benchmark and print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=100)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, os.cpu_count() or 1])
    parser.add_argument("--full", type=int, default=5, help="scenarios timed with the full engine (0: none)")
    args = parser.parse_args()
    study = Study.load("north-east")
    study.run()
    scenarios = each_site(study.scenario("special school sites"), kind="special", places=40,
                          at="mainstream_secondary", limit=args.scenarios)
    runs = {f"incremental, {workers} worker(s)": _timed(scenarios, workers=workers) for workers in args.workers}
    if args.full:
        runs["full engine, 1 worker"] = _timed(scenarios[: args.full], workers=1, method="full")
    summary = {
        "benchmark": f"sweep of {len(scenarios)} single-site scenarios (North East, embedded data)",
        "runs": runs,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
