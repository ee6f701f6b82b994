"""Alone or together and capacity-aware placement on a whole combined authority: time and proven optimality gap.

Usage (from the repository root)::

    python benchmarks/bench_together.py [--area north-east west-midlands england] [--target 0.95] [--time-limit 30]
        [--candidates schools|grid] [--no-placement]

``north-east`` is the embedded North East CA (7 LAs, 1,240 LSOAs 2021).
``west-midlands`` is the West Midlands CA (E47000007: Birmingham, Coventry,
Dudley, Sandwell, Solihull, Walsall, Wolverhampton), cut from the all-England
inputs of ``bench_england_inputs.py`` (LSOAs 2011, school census January 2023,
SEN2 January 2023), so it needs ``../shared/data``.  For each area and
specialist kind, with the default settings (3-mile straight-line threshold;
candidates: state-funded host schools, or with ``--candidates grid`` the
centres of a 2 km grid over the area's LA boundaries, so not for the
West Midlands, whose England inputs carry no boundaries), it times
:func:`gapmap.engine.together.collaboration` (each LA alone, together with the
target met in every LA, one pooled target) and
:func:`gapmap.engine.assignment.assign_need`, and reports each plan's new
sites, proven lower bound and gap ((sites - bound) / sites).  ``england`` is
all of England from the embedded national data (``load_national(england=True)``,
153 LAs, 32,844 LSOAs) planned as one area, as ``gapmap build --england`` does;
``--no-placement`` leaves out ``assign_need`` (minutes on England).  Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from bench_england_inputs import SHARED, load_england

from gapmap.engine import analyse
from gapmap.engine.assignment import assign_need
from gapmap.engine.opportunities import OpportunityOptions
from gapmap.engine.together import CollaborationOptions, _Kind
from gapmap.inputs import StudyInputs
from gapmap.sources.embedded import load_embedded
from gapmap.sources.national import load_national

#: West Midlands CA (E47000007) member LAs.
WEST_MIDLANDS = ("E08000025", "E08000026", "E08000027", "E08000028", "E08000029", "E08000030", "E08000031")


def _west_midlands(shared: Path) -> StudyInputs:
    england = load_england(shared)
    lsoas = england.lsoas[england.lsoas["la_gss"].isin(WEST_MIDLANDS)].reset_index(drop=True)
    provision = england.provision[england.provision["la_gss"].isin(WEST_MIDLANDS).fillna(False).to_numpy()]
    return StudyInputs(name="West Midlands CA (E47000007)", slug="west-midlands",
                       las=england.las[england.las["la_gss"].isin(WEST_MIDLANDS)].reset_index(drop=True),
                       lsoas=lsoas, provision=provision.reset_index(drop=True),
                       ehcp=england.ehcp[england.ehcp["la_gss"].isin(WEST_MIDLANDS)].reset_index(drop=True),
                       excluded=england.excluded.iloc[:0])


def _inputs(name: str, shared: Path) -> StudyInputs:
    if name == "north-east":
        return load_embedded("north-east")
    return load_national(england=True) if name == "england" else _west_midlands(shared)


def _area(name: str, shared: Path, plan: CollaborationOptions, options: OpportunityOptions,
          placement: bool) -> dict[str, object]:
    results = analyse(_inputs(name, shared))
    kinds = {}
    for kind in ("special", "ap"):
        start = time.perf_counter()
        rows, _, _ = _Kind(results, kind, options, plan).compare()
        seconds = time.perf_counter() - start
        plans = {}
        for row in rows:
            sites = int(row["new_sites"])
            bound = int(row["new_sites_lower_bound"])
            plans[str(row["plan"])] = {"new_sites": sites, "proven_lower_bound": bound,
                                      "gap": round((sites - bound) / sites, 4) if sites else 0.0,
                                      "target_reached": bool(row["target_reached"]),
                                      "need_reached": round(float(row["need_reached"]), 1),
                                      "need_reached_same_sites": round(float(row["need_reached_same_sites"]), 1)}
        kinds[kind] = {"need": round(float(rows[0]["need_total"]), 1), "collaboration_s": round(seconds, 2),
                       "plans": plans}
    answer: dict[str, object] = {"lsoas": len(results.lsoa), "las": len(results.la_summary), "kinds": kinds}
    if placement:
        start = time.perf_counter()
        placed = assign_need(results)
        answer["assign_need_s"] = round(time.perf_counter() - start, 2)
        answer["unmet"] = {column: round(float(value), 1) for column, value in placed.la_unmet.sum().items()}
    return answer


def main() -> None:
    """Run the benchmark and print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--area", nargs="+", default=["north-east", "west-midlands"],
                        choices=["north-east", "west-midlands", "england"])
    parser.add_argument("--shared", type=Path, default=SHARED, help="shared/data folder")
    parser.add_argument("--target", type=float, default=0.95, help="target share of need in reach")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per exact solve")
    parser.add_argument("--candidates", choices=["schools", "grid"], default="schools", help="candidate set")
    parser.add_argument("--no-placement", action="store_true", help="leave out assign_need")
    args = parser.parse_args()
    plan = CollaborationOptions(target_share=args.target, time_limit_s=args.time_limit)
    print(json.dumps({
        "benchmark": "alone vs together (fewest sites, HiGHS) and capacity-aware placement per CA",
        "target_share": args.target,
        "time_limit_s": args.time_limit,
        "candidates": args.candidates,
        "areas": {name: _area(name, args.shared, plan, OpportunityOptions(candidates=args.candidates),
                              not args.no_placement) for name in args.area},
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }, indent=2))


if __name__ == "__main__":
    main()
