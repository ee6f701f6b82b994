"""Time `gapmap build` on the embedded North East data and record peak memory.

Usage (from the repository root, in the environment where gapmap is installed)::

    python benchmarks/bench_build.py [--repeat 3]

Each run is a fresh ``gapmap build --tiles none`` subprocess into a temporary
folder (so import time is included, as a user sees it).  Prints wall time per
run, the median, and the peak resident memory of the slowest child process.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    """Run the benchmark and print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    exe = shutil.which("gapmap") or str(Path(sys.executable).with_name("gapmap"))
    times = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            subprocess.run([exe, "build", "--out", out, "--tiles", "none"], check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    summary = {
        "benchmark": "gapmap build (North East, embedded data)",
        "runs_s": [round(t, 2) for t in times],
        "median_s": round(statistics.median(times), 2),
        "peak_rss_mib": round(peak_mib, 1),
        "cpus": __import__("os").cpu_count(),
        "python": platform.python_version(),
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
