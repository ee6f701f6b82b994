"""Size of the North East overview map and its time to ready in headless Chromium.

Usage (from the repository root, in the environment where gapmap and its test
extras are installed, with Debian's ``chromium`` on the PATH)::

    python benchmarks/bench_map.py [--repeat 5]
    python benchmarks/bench_map.py --render "West Midlands"|england [--kind special] [--repeat 5]
    python benchmarks/bench_map.py --folder maps/<area> [--repeat 5]

By default builds the embedded North East study area once (``tiles=None``, as
``gapmap build --tiles none``); ``--render AREA`` instead writes only the overview
and the ``--kind`` map of a combined authority or England from the embedded
national data (as ``bench_map_sizes.py --render``), and ``--folder`` measures the
maps of a finished build.  Each map chosen is opened ``--repeat`` times, each
in a fresh browser context with the network blocked, and reads
``window.gapmapReadyMs``: milliseconds from the start of navigation until the
map has drawn every layer (set by the map code after two animation frames).
With the default North East build, also times rendering alone (every map as
HTML and PNG, from engine results), in wall-clock and CPU seconds (the CPU
figure is steadier on a shared machine).  A map's size counts the page and the
scripts it loads from its folder (the shared LSOA geometry).
Targets: map under 5 MB, ready under 1 s.  Prints a JSON summary; exits 1 if a
target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
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
READY_TARGET_MS = 1_000
_LOCAL_SCRIPT = re.compile(r'<script src="([^":/]+)"')
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


def map_bytes(path: Path) -> int:
    """Bytes of a map page and of the scripts it loads from its own folder (``<script src="...">``)."""
    page = path.read_text(encoding="utf-8")
    loaded = (path.parent / src for src in _LOCAL_SCRIPT.findall(page))
    return path.stat().st_size + sum(script.stat().st_size for script in loaded if script.is_file())


def _measure(maps: list[Path], repeat: int, chromium: str) -> dict[str, dict[str, object]]:
    measured = {}
    for path in maps:
        ready = _ready_times(path, repeat, chromium)
        size = map_bytes(path)
        measured[path.name] = {"map_bytes": size, "map_mb": round(size / 1e6, 2),
                               "ready_ms_runs": [round(t) for t in ready],
                               "ready_ms_median": round(statistics.median(ready)), "ready_ms_max": round(max(ready)),
                               "size_ok": size < SIZE_TARGET_BYTES, "ready_ok": max(ready) < READY_TARGET_MS}
    return measured


def _north_east(repeat: int, chromium: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as out:
        folder = build(load_embedded("north-east"), out=Path(out), tiles=None)
        measured = _measure([folder / "map.html"], repeat, chromium)
    results = analyse(load_embedded("north-east"))
    with tempfile.TemporaryDirectory() as out:
        start, start_cpu = time.perf_counter(), time.process_time()
        pages = write_maps(results, Path(out), tiles=None)
        render_s, render_cpu_s = time.perf_counter() - start, time.process_time() - start_cpu
    return {"benchmark": "North East overview map (map.html), headless Chromium, network blocked",
            "maps": measured, "render_all_maps_s": round(render_s, 2),
            "render_all_maps_cpu_s": round(render_cpu_s, 2), "maps_rendered": len(pages)}


def main() -> None:
    """Run the benchmark and print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--render", metavar="AREA", help="'england' or a combined authority: render its maps first")
    parser.add_argument("--kind", default="special", help="with --render: the kind map written beside the overview")
    parser.add_argument("--folder", type=Path, help="measure every map*.html of a finished build")
    args = parser.parse_args()
    chromium = os.environ.get("GAPMAP_CHROMIUM") or shutil.which("chromium")
    if chromium is None:
        sys.exit("Chromium not found: apt-get install chromium (or set GAPMAP_CHROMIUM).")
    if args.render:
        from bench_map_sizes import render_maps  # the same two maps bench_map_sizes.py measures

        with tempfile.TemporaryDirectory() as out:
            timing = render_maps(args.render, args.kind, Path(out))
            summary = {"benchmark": f"{args.render}: overview and {args.kind} maps, headless Chromium, "
                                    "network blocked", "timing": timing,
                       "maps": _measure(sorted(Path(out).glob("map*.html")), args.repeat, chromium)}
    elif args.folder:
        summary = {"benchmark": f"maps of {args.folder}, headless Chromium, network blocked",
                   "maps": _measure(sorted(args.folder.glob("map*.html")), args.repeat, chromium)}
    else:
        summary = _north_east(args.repeat, chromium)
    summary.update(cpus=os.cpu_count(), load_average_1min=round(os.getloadavg()[0], 2))
    print(json.dumps(summary, indent=2))
    if not all(m["size_ok"] and m["ready_ok"] for m in summary["maps"].values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
