"""gapmap's floating catchments against PySAL ``access``, side by side in one process, on all of England.

Demand: children aged 0-15 in each of the 32,844 English LSOAs (mid-2015).
Supply: pupils on roll at every located special school (school census,
January 2023).  Costs: every LSOA-school pair within 10 km (straight line).
Both libraries get the same three objects; each timing is the best of
``--repeat`` runs, and the results are checked equal to 1e-9 relative.  The
"bincount floor" times the 2SFCA arithmetic alone on prepared integer
positions (no checks, no id lookup): the least any implementation can take.

Run from the repository root (``access`` is a test extra)::

    python benchmarks/bench_engine_fca.py --repeat 5
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from access import Access, weights
from bench_england_inputs import SHARED, load_england

from gapmap.engine import enhanced_two_step_fca, pairs_within, two_step_fca
from gapmap.engine.fca import positions_in

MAX_COST = 10_000.0
STEPS = {MAX_COST / 3: 1.0, 2 * MAX_COST / 3: 0.68, MAX_COST: 0.22}


def _best(function: Callable[[], pd.Series], repeat: int) -> tuple[float, pd.Series]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    """Run the comparison and print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="shared/data folder")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    logging.getLogger("access").setLevel(logging.WARNING)
    inputs = load_england(args.shared)
    lsoas = inputs.lsoas
    special = inputs.provision[inputs.provision["kind"] == "special"]
    demand = pd.Series(lsoas["children_0_15"].to_numpy(float), index=lsoas["lsoa_code"].to_numpy(object), name="children")
    supply = pd.Series(special["pupils"].to_numpy(float), index=special["provision_id"].to_numpy(object), name="places")
    origins = pd.DataFrame({"x": lsoas["centroid_easting"].to_numpy(float),
                            "y": lsoas["centroid_northing"].to_numpy(float)}, index=demand.index)
    sites = pd.DataFrame({"x": special.geometry.x.to_numpy(), "y": special.geometry.y.to_numpy()}, index=supply.index)
    costs = pairs_within(origins, sites, MAX_COST)

    def theirs(**kwargs: object) -> Callable[[], pd.Series]:
        def run() -> pd.Series:
            model = Access(demand_df=demand.rename_axis("geoid").to_frame(), demand_index=True,
                           demand_value="children", supply_df=supply.rename_axis("geoid").to_frame(),
                           supply_index=True, supply_value="places", cost_df=costs, cost_origin="origin",
                           cost_dest="dest", cost_name="cost")
            method = model.enhanced_two_stage_fca if "weight_fn" in kwargs else model.two_stage_fca
            return method(name="x", max_cost=MAX_COST, **kwargs)["x_places"].reindex(demand.index)
        return run

    rows = {}
    cases = {
        "two_step_fca": (lambda: two_step_fca(demand, supply, costs, max_cost=MAX_COST), theirs()),
        "enhanced_two_step_fca": (lambda: enhanced_two_step_fca(demand, supply, costs, steps=STEPS),
                                  theirs(weight_fn=weights.step_fn(STEPS))),
    }
    for name, (ours, pysal) in cases.items():
        ours_s, ours_result = _best(ours, args.repeat)
        pysal_s, pysal_result = _best(pysal, args.repeat)
        assert ours_result.isna().tolist() == pysal_result.isna().tolist()
        np.testing.assert_allclose(ours_result, pysal_result, rtol=1e-9)
        rows[name] = {"gapmap_s": round(ours_s, 4), "access_s": round(pysal_s, 3),
                      "speedup": round(pysal_s / ours_s, 1)}
    origin = positions_in(demand.index, costs["origin"])
    dest = positions_in(supply.index, costs["dest"])
    children, places = demand.to_numpy(), supply.to_numpy()

    def floor() -> np.ndarray:
        """The arithmetic alone on prepared positions: two gathers, two bincounts, one division."""
        weighted = np.bincount(dest, weights=children[origin], minlength=len(places))
        ratio = np.divide(places, weighted, out=np.zeros(len(places)), where=weighted > 0)
        return np.bincount(origin, weights=ratio[dest], minlength=len(children))

    floor_s, _ = _best(floor, args.repeat)
    rows["bincount_floor_s"] = round(floor_s, 4)
    rows["two_step_fca_over_floor"] = round(rows["two_step_fca"]["gapmap_s"] / floor_s, 1)
    summary = {
        "benchmark": "2SFCA and E2SFCA, gapmap vs PySAL access, England LSOAs x special schools, pairs <= 10 km",
        "lsoas": len(demand),
        "special_schools": len(supply),
        "pairs": len(costs),
        "repeat": args.repeat,
        **rows,
        "access_version": __import__("importlib.metadata").metadata.version("access"),
        "python": platform.python_version(),
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
