"""Sizes of a build's HTML pages, and how much of each map is its area layer's geometry (LSOAs, or LAs nationally).

Usage (from the repository root, after a build)::

    python benchmarks/bench_map_sizes.py maps/north-east [maps/greater-manchester ...]
    python benchmarks/bench_map_sizes.py --render england|"<combined authority>" [--kind special]

``--render`` skips the build: it loads the area from the embedded national
data, runs the engine (specialist need from children, so that no EHC plan
gap stops it) and writes only the overview map and the map of ``--kind``
into a temporary folder, timed, before measuring them.

For each output folder: the size of every ``*.html`` page, the largest page
(goal: every page under 5 MB), and for each map its area layer (the polygon
data variable whose features carry metric classes: the LSOAs, or on a
national map of more than 5,000 LSOAs the LAs, ``gapmap.render.la_map``):
its number of areas and its bytes split into geometry (the
``"geometry":{...}`` members) and the rest (classes, popup values).  The
geometry is the same on every map of a folder; ``repeated_geometry_mb`` is what
the folder would save if it were embedded once (0 once the maps share
``lsoa-geometry.js``, whose size ``shared_scripts_mb`` gives).  Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import time
from pathlib import Path

#: A data variable: a FeatureCollection, or one joined to the shared LSOA geometry (``gapmap.joinGeometry(...)``).
_DATA = re.compile(r"var gapmap_data_[0-9a-f]+ = (?:gapmap\.joinGeometry\([^{]*)?"
                   r"(\{\"type\":\"FeatureCollection\".*?\})\)?;\n", re.S)
_GEOMETRY = re.compile(r"\"geometry\":(\{\"type\":\"[A-Za-z]+\",\"coordinates\":[\[\]0-9.,\-e ]*\})")

MB = 1e6

#: How an area layer's text starts: its features carry metric classes (site and boundary layers do not).
_AREAS = '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":'
_CLASSES = re.compile(r'"properties":\{"c": ')


def _area_layer(page: str) -> dict[str, float]:
    layers = [layer for layer in _DATA.findall(page)
              if layer.startswith(_AREAS) and _CLASSES.search(layer[:100_000])]
    if not layers:
        return {"areas": 0, "data_mb": 0.0, "geometry_mb": 0.0}
    largest = max(layers, key=len)
    geometry = sum(len(g) for g in _GEOMETRY.findall(largest))
    return {"areas": len(_CLASSES.findall(largest)), "data_mb": round(len(largest) / MB, 2),
            "geometry_mb": round(geometry / MB, 2)}


def folder_sizes(folder: Path) -> dict[str, object]:
    """Page sizes and the area layer of each map in one output folder (MB = 10^6 bytes)."""
    pages = {path.name: path for path in sorted(folder.glob("*.html"))}
    sizes = {name: round(path.stat().st_size / MB, 2) for name, path in pages.items()}
    maps = {name: _area_layer(path.read_text(encoding="utf-8")) for name, path in pages.items()
            if name.startswith("map")}
    geometry = [m["geometry_mb"] for m in maps.values()]
    return {
        "folder": str(folder),
        "page_mb": sizes,
        "largest_page": max(sizes, key=sizes.get) if sizes else None,
        "largest_page_mb": max(sizes.values(), default=0.0),
        "all_pages_mb": round(sum(sizes.values()), 2),
        "area_layer_per_map": maps,
        "repeated_geometry_mb": round(sum(geometry) - max(geometry, default=0.0), 2),
        "shared_scripts_mb": {path.name: round(path.stat().st_size / MB, 2) for path in sorted(folder.glob("*.js"))},
    }


def render_maps(area: str, kind: str, folder: Path) -> dict[str, float]:
    """Write the overview map and one kind's map of ``area`` into ``folder``; seconds per stage."""
    from gapmap.engine import analyse
    from gapmap.render.features import web_base
    from gapmap.render.maps import study_map
    from gapmap.settings import Settings
    from gapmap.sources.national import load_national

    start = time.perf_counter()
    inputs = load_national(england=True) if area == "england" else load_national(ca=area)
    loaded = time.perf_counter()
    results = analyse(inputs, Settings(specialist_demand="children"))
    analysed = time.perf_counter()
    base = web_base(results)
    for name, of_kind in (("map.html", None), (f"map-{kind}.html", kind)):
        study_map(results, kind=of_kind, tiles=None, base=base).save(str(folder / name))
    return {"load_s": round(loaded - start, 1), "analyse_s": round(analysed - loaded, 1),
            "maps_s": round(time.perf_counter() - analysed, 1), "lsoas": len(results.lsoa),
            "sites": len(base.provision)}


def main() -> None:
    """Measure each folder given (or render one area's maps first) and print a JSON list."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--render", metavar="AREA", help="'england' or a combined authority: render its maps first")
    parser.add_argument("--kind", default="special")
    args = parser.parse_args()
    if args.render:
        with tempfile.TemporaryDirectory() as folder:
            timing = render_maps(args.render, args.kind, Path(folder))
            measured = {**folder_sizes(Path(folder)), "folder": args.render, "timing": timing}
        print(json.dumps([{**measured, "load_average_1min": round(os.getloadavg()[0], 2)}], indent=2))
        return
    print(json.dumps([folder_sizes(folder) for folder in args.folders], indent=2))


if __name__ == "__main__":
    main()
