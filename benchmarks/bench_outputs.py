"""Time the GeoPackage write through Arrow beside the row-by-row path, and the need table as Parquet beside CSV.

Usage (from the repository root, in the environment where gapmap is installed)::

    python benchmarks/bench_outputs.py [--area north-east|england] [--repeat 3]

``--area england`` assembles all England from the real files in ``shared/data``
(see ``bench_england_inputs.py``).  The engine's ``lsoa``, ``provision``,
``la_summary`` and ``ca_summary`` tables are written as one GeoPackage with
:func:`gapmap.output.write_layers`, ``use_arrow=True`` and ``False``
alternately in one process; the ``need_access`` table (one row per LSOA, kind
and need type) as Parquet (:func:`gapmap.output.write_parquet`, as builds
write it) and as CSV (:func:`gapmap.output.write_csv`, as builds wrote it
before).  Prints JSON: median seconds and file sizes, with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from gapmap import Study
from gapmap.output import write_csv, write_layers, write_parquet


def _timed(write, path: Path) -> float:
    path.unlink(missing_ok=True)
    start = time.perf_counter()
    write(path)
    return time.perf_counter() - start


def main() -> None:
    """Run the benchmark and print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--area", default="north-east", help="'england', or a study area as Study.load takes it")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.area == "england":
        from bench_england_inputs import load_england

        study = Study(inputs=load_england())
    else:
        study = Study.load(args.area)
    results = study.run().results
    layers = {"lsoa": results.lsoa, "provision": results.provision, "la_summary": results.la_summary,
              "ca_summary": results.ca_summary}
    writers = {
        "gpkg, use_arrow=True": lambda p: write_layers(layers, p, use_arrow=True),
        "gpkg, use_arrow=False": lambda p: write_layers(layers, p, use_arrow=False),
    }
    if results.need_access is not None:  # None where the inputs have no EHC plans by need type
        writers["need_access, parquet"] = lambda p: write_parquet(results.need_access, p)
        writers["need_access, csv"] = lambda p: write_csv(results.need_access, p)
    suffix = {"gpkg, use_arrow=True": ".gpkg", "gpkg, use_arrow=False": ".gpkg", "need_access, parquet": ".parquet",
              "need_access, csv": ".csv"}
    seconds: dict[str, list[float]] = {name: [] for name in writers}
    sizes: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.repeat):
            for name, write in writers.items():
                path = Path(folder) / f"out{suffix[name]}"
                seconds[name].append(_timed(write, path))
                sizes[name] = round(path.stat().st_size / 2**20, 1)
    print(json.dumps({
        "benchmark": f"outputs of {study.inputs.name}: {len(results.lsoa)} LSOAs, "
                     f"need_access {0 if results.need_access is None else len(results.need_access)} rows",
        "median_s": {name: round(statistics.median(values), 2) for name, values in seconds.items()},
        "size_mib": sizes,
        "arrow_speed-up": round(statistics.median(seconds["gpkg, use_arrow=False"])
                                / statistics.median(seconds["gpkg, use_arrow=True"]), 2),
        "repeat": args.repeat,
        "load_average_1min": round(os.getloadavg()[0], 2),
    }, indent=2))


if __name__ == "__main__":
    main()
