"""Time site selection on the North East with every located school as a candidate, and report the optimality gap.

Usage (from the repository root, in the environment where gapmap is installed)::

    python benchmarks/bench_sites.py [--p 1 3 5 10] [--repeat 3] [--spopt]

For special schools and AP (existing sites fixed, demand as the gap analysis
estimates it, 3-mile straight-line threshold), every other located school
(909 in all, less the fixed sites) is a candidate.  For each p it times the
exact MCLP (HiGHS), the greedy MCLP with its proven bound, and the greedy and
exact p-median, and prints their objective and proven gap as JSON (median
time of ``--repeat`` runs; the cost table is built once per kind and timed
separately).  ``--spopt`` also solves each MCLP with PySAL spopt + HiGHS on the
dense cost matrix, as an independent check of the optimum.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import numpy as np
import pandas as pd

from gapmap.engine import analyse, max_cover
from gapmap.engine._kind_data import existing_sites, kind_demand, origins
from gapmap.engine.median import p_median
from gapmap.engine.pairs import cost_backend
from gapmap.sources.embedded import load_embedded


def _timed(repeat: int, function, *args, **kwargs):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return result, round(statistics.median(times), 3)


def _spopt_optimum(weights: pd.Series, points: pd.DataFrame, sites: pd.DataFrame, fixed: list[str], radius: float,
                   p: int) -> tuple[float, float]:
    import pulp
    from spopt.locate import MCLP

    dense = np.hypot(points["x"].to_numpy()[:, None] - sites["x"].to_numpy()[None, :],
                     points["y"].to_numpy()[:, None] - sites["y"].to_numpy()[None, :])
    start = time.perf_counter()
    model = MCLP.from_cost_matrix(dense, weights.to_numpy(), service_radius=radius, p_facilities=p + len(fixed),
                                  predefined_facilities_arr=sites.index.isin(fixed).astype(int))
    model.solve(pulp.HiGHS(msg=False))
    return float(pulp.value(model.problem.objective)), round(time.perf_counter() - start, 3)


def main() -> None:
    """Run the benchmark and print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--p", type=int, nargs="+", default=[1, 3, 5, 10])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--spopt", action="store_true", help="also solve each MCLP with spopt + HiGHS")
    args = parser.parse_args()
    results = analyse(load_embedded("north-east"))
    provision = results.provision
    backend = cost_backend(results.settings)
    points = origins(results)
    rows = []
    for kind in ("special", "ap"):
        demand = kind_demand(results, kind)
        fixed = existing_sites(results, kind)
        sites = pd.DataFrame({"x": provision.geometry.x.to_numpy(), "y": provision.geometry.y.to_numpy()},
                             index=provision["provision_id"].astype(str).to_numpy())
        candidates = [s for s in sites.index if s not in set(fixed.index)]
        radius = results.settings.threshold(kind)
        near, near_s = _timed(args.repeat, backend.costs, points, sites, max_cost=radius)
        cap = float(backend.nearest(points, fixed[["x", "y"]])["cost"].max())
        far, far_s = _timed(args.repeat, backend.costs, points, sites, max_cost=cap)
        open_now = list(fixed.index)
        for p in args.p:
            cover = (demand.weights, candidates, near)
            exact, exact_s = _timed(args.repeat, max_cover, *cover, radius=radius, p=p, fixed=open_now)
            greedy, greedy_s = _timed(args.repeat, max_cover, *cover, radius=radius, p=p, fixed=open_now,
                                      method="greedy")
            distance = (demand.weights, candidates, far)
            median_g, median_g_s = _timed(args.repeat, p_median, *distance, p=p, fixed=open_now, method="greedy")
            median_x, median_x_s = _timed(1, p_median, *distance, p=p, fixed=open_now, method="exact")
            row = {
                "kind": kind, "p": p, "candidates": len(candidates), "demand": demand.column,
                "cover_pairs": len(near), "cover_pairs_s": near_s, "median_pairs": len(far), "median_pairs_s": far_s,
                "mclp_exact_s": exact_s, "mclp_exact_covered": round(exact.covered, 3), "mclp_exact_gap": exact.gap,
                "mclp_greedy_s": greedy_s, "mclp_greedy_covered": round(greedy.covered, 3),
                "mclp_greedy_gap": round(greedy.gap, 5),
                "pmedian_greedy_s": median_g_s, "pmedian_greedy_gap": round(median_g.gap, 5),
                "pmedian_exact_s": median_x_s, "pmedian_exact_gap": median_x.gap,
                "pmedian_greedy_excess": round(median_g.cost / median_x.cost - 1, 5),
            }
            if args.spopt:
                optimum, spopt_s = _spopt_optimum(demand.weights, points, sites, open_now, radius, p)
                row.update(spopt_covered=round(optimum, 3), spopt_s=spopt_s,
                           spopt_agrees=bool(np.isclose(optimum, exact.covered, rtol=1e-9)))
            rows.append(row)
    print(json.dumps({"benchmark": "site selection, North East, all located schools as candidates",
                      "runs": rows, "cpus": os.cpu_count(), "python": platform.python_version()}, indent=1))


if __name__ == "__main__":
    main()
