"""Thousands of what-ifs on a Dask cluster: every candidate site x kind x year, equal to a local run.

Usage (from the repository root; ``pip install -e ".[dask]"``)::

    python benchmarks/bench_sweep_dask.py [--workers 2] [--years 2025 2030] [--limit N]

For each year (the January whose need the scenarios and their baseline use:
observed, or projected by :mod:`gapmap.engine.forecast`), one sweep on the
embedded North East data of a 40-place special school hosted at every
mainstream primary and secondary school, and a 20-place alternative provision
at every mainstream secondary school.  Each sweep runs twice, side by side:
in this process (``workers=1``) and on a ``dask.distributed.LocalCluster`` of
``--workers`` single-threaded worker processes through ``sweep(client=)``,
the path a real cluster uses (``--dask-scheduler`` on the command line).  The
two results are checked identical.  Prints JSON: scenarios, seconds for each
path (cluster start-up excluded, the context's scatter included) and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import pandas as pd
from distributed import Client, LocalCluster

from gapmap import Study
from gapmap.scenario import each_site, sweep


def _scenarios(study: Study, limit: int | None) -> list:
    base = study.scenario("candidate sites")
    runs = [*each_site(base, kind="special", places=40, at="mainstream_primary", limit=limit),
            *each_site(base, kind="special", places=40, at="mainstream_secondary", limit=limit),
            *each_site(base, kind="ap", places=20, at="mainstream_secondary", limit=limit)]
    return runs


def main() -> None:
    """Run the benchmark and print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="Dask worker processes")
    parser.add_argument("--years", type=int, nargs="+", default=[2025, 2030])
    parser.add_argument("--limit", type=int, default=None, help="candidates per host type (default: all)")
    args = parser.parse_args()
    study = Study.load("north-east")
    sweeps = {year: _scenarios(study.at_year(year), args.limit) for year in args.years}
    for year in args.years:
        sweeps[year][0].study.run()  # each year's baseline once, outside the timings
    rows, local_s, dask_s = {}, 0.0, 0.0
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        for year, scenarios in sweeps.items():
            start = time.perf_counter()
            local = sweep(scenarios, workers=1, progress=False)
            local_time = time.perf_counter() - start
            start = time.perf_counter()
            remote = sweep(scenarios, client=client, progress=False)
            dask_time = time.perf_counter() - start
            pd.testing.assert_frame_equal(remote.table, local.table)
            rows[str(year)] = {"scenarios": len(scenarios), "local_s": round(local_time, 1),
                               "dask_s": round(dask_time, 1), "identical": True}
            local_s, dask_s = local_s + local_time, dask_s + dask_time
    summary = {
        "benchmark": "sweeps of every candidate site x kind x year, North East embedded data: one process vs a "
                     f"Dask LocalCluster of {args.workers} worker processes",
        "years": rows,
        "scenarios": sum(r["scenarios"] for r in rows.values()),
        "local_s": round(local_s, 1),
        "dask_s": round(dask_s, 1),
        "local_over_dask": round(local_s / dask_s, 2),
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
