"""Capacity-aware placement LP: one LP over every pair against the priced LP, side by side in one run.

Usage (from the repository root)::

    python benchmarks/bench_assignment.py [--england]

For each specialist kind of the North East (embedded study area, default
settings) it builds the placement LP as ``assign_need`` does (every
LSOA-site pair within 20 miles, straight line), then solves it once with
every pair in one HiGHS LP (``maximise_transport_full``) and once by pricing
(``maximise_transport``, the path ``assign_need`` takes): CPU and wall
seconds, peak resident memory of each solve, LP rounds and pairs held, and
how far the answers differ (objective, need placed, its total distance, the
largest difference in any pair's flow, in any LSOA's unmet need and in any
LA's).  ``--england`` adds special schools on all of England (embedded
national data, as ``gapmap build --england`` loads it): about two million
pairs, several minutes for the full LP.  Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from bench_england import _peak_rss_mib, _reset_peak

from gapmap.engine import analyse
from gapmap.engine._kind_data import SPECIALIST_KINDS, existing_sites, kind_demand, origins
from gapmap.engine.analysis import Results
from gapmap.engine.assignment import DEFAULT_REACH_M, PlacementLP, placement_lp
from gapmap.engine.pairs import cost_backend
from gapmap.engine.priced_lp import maximise_transport, maximise_transport_full
from gapmap.settings import Settings


def _measured(function: Callable[..., Any], *args: Any) -> tuple[Any, dict[str, float]]:
    """``(result, {wall s, CPU s, peak RSS MiB})`` of one call."""
    _reset_peak()
    start, cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    return result, {"wall_s": round(time.perf_counter() - start, 2), "cpu_s": round(time.process_time() - cpu, 2),
                    "peak_rss_mib": round(_peak_rss_mib(), 1)}


def _kind_lp(results: Results, kind: str) -> PlacementLP:
    """The placement LP of one kind, built as ``assign_need`` builds it."""
    sites = existing_sites(results, kind)
    provision = results.provision.set_index(results.provision["provision_id"].astype(str))
    places = provision["places"].reindex(sites.index).astype("float64").fillna(0.0)
    costs = cost_backend(results.settings).costs(origins(results), sites[["x", "y"]], max_cost=DEFAULT_REACH_M)
    return placement_lp(kind_demand(results, kind).weights, places, costs)


def _side_by_side(results: Results, kind: str) -> dict[str, Any]:
    """Both solves of one kind's LP and how their answers differ."""
    lp = _kind_lp(results, kind)
    need, places = lp.need.to_numpy(), lp.places.to_numpy()
    full, full_cost = _measured(maximise_transport_full, lp.rows, lp.cols, lp.gain, need, places)
    priced, priced_cost = _measured(maximise_transport, lp.rows, lp.cols, lp.gain, need, places)
    x = priced.x
    la = pd.Series(results.lsoa["la_gss"].astype(str).to_numpy(), index=results.lsoa["lsoa_code"].astype(str))
    la = la.reindex(lp.need.index).to_numpy()
    unmet_full = need - np.bincount(lp.rows, full, len(need))
    unmet_priced = need - np.bincount(lp.rows, x, len(need))
    by_la = pd.Series(unmet_full - unmet_priced).groupby(la).sum()
    objective = float(lp.gain @ full)
    return {
        "lsoas": len(need), "sites": len(places), "pairs": len(lp.rows), "need": round(float(need.sum()), 3),
        "places": round(float(places.sum()), 3),
        "full_lp": full_cost,
        "priced_lp": {**priced_cost, "rounds": priced.rounds, "pairs_held": priced.columns},
        "speed_up_cpu": round(full_cost["cpu_s"] / max(priced_cost["cpu_s"], 1e-3), 1),
        "placed_full": round(float(full.sum()), 6), "placed_priced": round(float(x.sum()), 6),
        "objective_rel_diff": abs(priced.objective - objective) / abs(objective),
        "distance_rel_diff": abs(float(lp.cost @ x) - float(lp.cost @ full)) / max(float(lp.cost @ full), 1.0),
        "max_flow_diff": float(np.abs(x - full).max()) if len(x) else 0.0,
        "max_lsoa_unmet_diff": float(np.abs(unmet_full - unmet_priced).max()),
        "max_la_unmet_diff": float(by_la.abs().max()),
    }


def main() -> None:
    """Run the benchmark and print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--england", action="store_true", help="also special schools on all of England")
    args = parser.parse_args()
    from gapmap.sources.embedded import load_embedded

    north_east = analyse(load_embedded("north-east"), Settings())
    summary: dict[str, Any] = {
        "benchmark": "placement LP: every pair in one LP vs priced (gapmap/engine/priced_lp.py)",
        "north_east": {kind: _side_by_side(north_east, kind) for kind in north_east.settings.kinds
                       if kind in SPECIALIST_KINDS},
    }
    if args.england:
        from gapmap.sources.national import load_national

        england = analyse(load_national(england=True), Settings())
        summary["england"] = {"special": _side_by_side(england, "special")}
    summary.update(load_average=[round(x, 2) for x in os.getloadavg()], cpus=os.cpu_count(),
                   python=platform.python_version())
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
