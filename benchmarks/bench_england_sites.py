"""Site search on all of England: the per-origin radius query against the batched pair search, then the whole stage.

Usage (from the repository root)::

    python benchmarks/bench_england_sites.py [--shared ../shared/data] [--batched]

Inputs as ``bench_england.py`` (32,844 LSOAs, every located school), analysed with
the default settings.  For each specialist kind with the default options (existing sites fixed, state-funded
schools as candidates, 3-mile threshold), it builds the p-median's pairs (every
LSOA-candidate pair nearer than the LSOA's nearest existing site) by one
straight-line radius query per LSOA, and with ``--batched`` also by the
batched search that any other cost backend uses (8 batches of similar
baseline), in the same process: time, peak memory, pair count, and whether the
two tables are identical.  Then it times ``site_opportunities`` (both plans, 3
sites per kind), as ``gapmap build`` runs it.  Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
from bench_england import _peak_rss_mib, _reset_peak
from bench_england_inputs import SHARED, load_england

from gapmap.engine import analyse
from gapmap.engine._kind_data import SPECIALIST_KINDS, existing_sites, origins
from gapmap.engine.candidates import school_candidates
from gapmap.engine.costs import FunctionBackend, StraightLine
from gapmap.engine.opportunities import _diagonal, _pairs_nearer, site_opportunities
from gapmap.settings import Settings


def _measured(function, *args):
    """``(result, wall seconds, CPU seconds, peak RSS MiB)`` of one call (CPU time: less sensitive to a busy machine)."""
    _reset_peak()
    start, cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    return (result, round(time.perf_counter() - start, 2), round(time.process_time() - cpu, 2),
            round(_peak_rss_mib(), 1))


def _sorted(table: pd.DataFrame) -> pd.DataFrame:
    table = table.astype({"origin": object, "dest": object})
    return table.sort_values(["origin", "dest"], kind="stable").reset_index(drop=True)


def main() -> None:
    """Run the benchmark and print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="shared/data folder")
    parser.add_argument("--batched", action="store_true", help="also time the batched search, for the ratio")
    args = parser.parse_args()
    results = analyse(load_england(args.shared), Settings())
    points = origins(results)
    line = StraightLine()
    batched = FunctionBackend(lambda o, d, m: line.costs(o, d, max_cost=m), "straight line, batched")
    pairs = {}
    for kind in (k for k in results.settings.kinds if k in SPECIALIST_KINDS):
        fixed = existing_sites(results, kind)
        candidates = school_candidates(results.provision, kind)
        candidates = candidates[~candidates.index.isin(fixed.index)][["x", "y"]]
        base = line.nearest(points, fixed[["x", "y"]])["cost"].to_numpy(dtype="float64")
        cap = float(np.nanmax(base)) if np.isfinite(base).any() else _diagonal(points)
        baseline = np.where(np.isfinite(base), np.minimum(base, cap), cap)
        fast, fast_s, fast_cpu, fast_mib = _measured(_pairs_nearer, line, points, candidates, baseline)
        row = {"candidates": len(candidates), "pairs": len(fast), "per_origin_s": fast_s, "per_origin_cpu_s": fast_cpu,
               "per_origin_peak_rss_mib": fast_mib}
        if args.batched:
            slow, slow_s, slow_cpu, slow_mib = _measured(_pairs_nearer, batched, points, candidates, baseline)
            row.update(batched_s=slow_s, batched_cpu_s=slow_cpu, batched_peak_rss_mib=slow_mib,
                       speed_up_cpu=round(slow_cpu / max(fast_cpu, 1e-3), 1),
                       identical=_sorted(fast).equals(_sorted(slow)))
            del slow
        pairs[kind] = row
        del fast
    found, stage_s, stage_cpu, stage_mib = _measured(site_opportunities, results)
    print(json.dumps({
        "benchmark": "site search on all of England (3 sites per specialist kind, both plans)",
        "lsoas": len(points),
        "pairs_nearer": pairs,
        "site_opportunities_s": stage_s,
        "site_opportunities_cpu_s": stage_cpu,
        "site_opportunities_peak_rss_mib": stage_mib,
        "rows": len(found.table),
        "notes": [n for n in found.notes if "Proven gap" in n],
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }, indent=2))


if __name__ == "__main__":
    main()
