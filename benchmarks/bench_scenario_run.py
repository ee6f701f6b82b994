"""Time ``Scenario.run()`` (baseline reused for the kinds an edit leaves alone) beside the full engine, in one run.

Usage (from the repository root, in the environment where gapmap is installed)::

    python benchmarks/bench_scenario_run.py [--area north-east|england] [--repeat 5]

``--area england`` assembles all England from the real files in ``shared/data``
(see ``bench_england_inputs.py``); any other name goes to ``Study.load``.

The study's baseline is analysed first (as ``scenario.run().compare(study.run())``
does anyway).  Then, for one edit of each type (open a 40-place special
school, close a mainstream secondary school, expand an AP site by 20 places),
``scenario.run()`` and ``scenario.run(incremental=False)`` (the whole engine)
are timed alternately in this process, beside a fresh analysis of the
baseline.  Prints JSON: median wall and CPU seconds of each, and the ratio of
the incremental run to the baseline run (CPU seconds: robust to other jobs on
a shared machine), with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable

from gapmap import Study
from gapmap.engine import analyse


def _timed(run: Callable[[], object]) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - start, time.process_time() - cpu


def _medians(samples: list[tuple[float, float]]) -> dict[str, float]:
    return {"wall_s": round(statistics.median(s[0] for s in samples), 4),
            "cpu_s": round(statistics.median(s[1] for s in samples), 4)}


def main() -> None:
    """Run the benchmark and print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--area", default="north-east", help="'england', or a study area as Study.load takes it")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.area == "england":
        from bench_england_inputs import load_england

        study = Study(inputs=load_england())
    else:
        study = Study.load(args.area)
    study.run()
    provision = study.inputs.provision
    first = {kind: str(provision.loc[provision["kind"] == kind, "provision_id"].iloc[0])
             for kind in ("mainstream_secondary", "ap")}
    base = study.scenario("benchmark")
    edits = {
        "open a 40-place special school": base.add_provision(urn=first["mainstream_secondary"], kind="special",
                                                             places=40),
        "close a mainstream secondary school": base.close(urn=first["mainstream_secondary"]),
        "expand an AP site by 20 places": base.expand(urn=first["ap"], places=20),
    }
    baseline, runs = [], {}
    for name, scenario in edits.items():
        scenario.run()  # warm: first calls import and cache
        quick, full = [], []
        for _ in range(args.repeat):
            quick.append(_timed(scenario.run))
            full.append(_timed(lambda: scenario.run(incremental=False)))
            baseline.append(_timed(lambda: analyse(study.inputs, study.settings)))
        runs[name] = {"incremental": _medians(quick), "full engine": _medians(full)}
    base_cpu = _medians(baseline)["cpu_s"]
    for timing in runs.values():
        timing["ratio_to_baseline_cpu"] = round(timing["incremental"]["cpu_s"] / base_cpu, 3)
    print(json.dumps({
        "benchmark": f"Scenario.run() beside the full engine ({study.inputs.name}, {len(study.inputs.lsoas)} LSOAs, "
                     f"kinds {', '.join(study.settings.kinds)})",
        "baseline analyse": _medians(baseline),
        "runs": runs,
        "repeat": args.repeat,
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
    }, indent=2))


if __name__ == "__main__":
    main()
