"""Size of the North East overview map and its time to ready in headless Chromium.

Usage (from the repository root, in the environment where gapmap and its test
extras are installed, with Debian's ``chromium`` on the PATH)::

    python benchmarks/bench_map.py [--repeat 5]

Builds the embedded North East study area once (``tiles=None``, as
``gapmap build --tiles none``), then opens ``map.html`` ``--repeat`` times, each
in a fresh browser context with the network blocked, and reads
``window.gapmapReadyMs``: milliseconds from the start of navigation until the
map has drawn every layer (set by the map code after two animation frames).
Also times rendering alone (every map as HTML and PNG, from engine results),
in wall-clock and CPU seconds (the CPU figure is steadier on a shared machine).
Targets: map under 5 MB, ready under 2 s.  Prints a JSON summary; exits 1 if a
target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from gapmap.build import build
from gapmap.engine import analyse
from gapmap.render import write_maps
from gapmap.sources.embedded import load_embedded

SIZE_TARGET_BYTES = 5_000_000
READY_TARGET_MS = 2_000
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def _ready_times(path: Path, repeat: int, chromium: str) -> list[float]:
    times = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, args=FLAGS, headless=True)
        for _ in range(repeat):
            context = browser.new_context(viewport={"width": 1400, "height": 950})
            context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
                          else r.abort())
            page = context.new_page()
            page.goto(path.as_uri())
            page.wait_for_selector("html[data-gapmap-ready]", timeout=30_000)
            times.append(page.evaluate("window.gapmapReadyMs"))
            context.close()
        browser.close()
    return times


def main() -> None:
    """Run the benchmark and print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    chromium = os.environ.get("GAPMAP_CHROMIUM") or shutil.which("chromium")
    if chromium is None:
        sys.exit("Chromium not found: apt-get install chromium (or set GAPMAP_CHROMIUM).")
    with tempfile.TemporaryDirectory() as out:
        folder = build(load_embedded("north-east"), out=Path(out), tiles=None)
        overview = folder / "map.html"
        size = overview.stat().st_size
        ready = _ready_times(overview, args.repeat, chromium)
    results = analyse(load_embedded("north-east"))
    with tempfile.TemporaryDirectory() as out:
        start, start_cpu = time.perf_counter(), time.process_time()
        pages = write_maps(results, Path(out), tiles=None)
        render_s, render_cpu_s = time.perf_counter() - start, time.process_time() - start_cpu
    summary = {
        "benchmark": "North East overview map (map.html), headless Chromium, network blocked",
        "map_bytes": size,
        "map_mb": round(size / 1e6, 2),
        "ready_ms_runs": [round(t) for t in ready],
        "ready_ms_median": round(statistics.median(ready)),
        "ready_ms_max": round(max(ready)),
        "render_all_maps_s": round(render_s, 2),
        "render_all_maps_cpu_s": round(render_cpu_s, 2),
        "maps_rendered": len(pages),
        "size_ok": size < SIZE_TARGET_BYTES,
        "ready_ok": max(ready) < READY_TARGET_MS,
        "cpus": os.cpu_count(),
    }
    print(json.dumps(summary, indent=2))
    if not (summary["size_ok"] and summary["ready_ok"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
