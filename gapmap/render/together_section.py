"""What the summary page's section "What planning together gains" says (``templates/_together.html`` lays it out)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from gapmap.engine.analysis import Results
from gapmap.engine.assignment import DEFAULT_REACH_M
from gapmap.engine.together import planning_gain
from gapmap.model import KIND_LABELS
from gapmap.render.pages import frame_table
from gapmap.settings import METRES_PER_MILE

#: Largest placements across LA borders listed per kind.
TOP_CROSSING = 8

#: How the section names each plan.
PLAN_NAMES = {
    "alone": "Each LA alone",
    "together": "Together, target met in every LA",
    "pooled": "Together, one target for the whole area",
}


def together_context(results: Results) -> dict[str, Any] | None:
    """Template context of the section, or ``None`` when neither comparison nor placement was computed.

    Parameters
    ----------
    results
        Engine results with ``collaboration`` and/or the ``{kind}_need_unmet`` columns.

    Returns
    -------
    dict or None
        ``target`` (e.g. ``"95%"``), ``miles``, ``plans`` (per kind: ``heading``,
        ``table``, ``gain``), ``reach_miles``, ``unmet`` (a table, or ``None``)
        and ``crossing`` (per kind: ``heading``, ``table`` of the largest
        placements across LA borders beside the nearest-site rule's).
    """
    plans = _plans(results)
    unmet = _unmet(results)
    crossing = _crossing(results)
    if not plans and unmet is None:
        return None
    frame = results.collaboration
    first = frame.iloc[0] if frame is not None and len(frame) else None
    return {
        "target": f"{first['target_share']:.0%}" if first is not None else "",
        "miles": f"{first['threshold_miles']:g}" if first is not None else "",
        "plans": plans,
        "reach_miles": f"{DEFAULT_REACH_M / METRES_PER_MILE:g}",
        "unmet": unmet,
        "crossing": crossing,
        "top_crossing": TOP_CROSSING,
    }


def _plans(results: Results) -> list[dict[str, Any]]:
    frame = results.collaboration
    if frame is None or frame.empty:
        return []
    parts = []
    for kind, rows in frame.groupby("kind", sort=False):
        shown = pd.DataFrame({
            "Plan": rows["plan"].map(PLAN_NAMES).fillna(rows["plan"]),
            "New sites": rows["new_sites"].astype(int),
            "Children within reach (estimate)": rows["need_reached"].round(0),
            f"Within reach with {int(rows['same_sites'].iloc[0])} new sites": rows["need_reached_same_sites"].round(0),
            "Child travel, km one way": rows["travel_km"].round(0),
        })
        if "travel_minutes" in rows.columns:
            shown["Child travel, minutes one way"] = rows["travel_minutes"].round(0)
        if "transport_cost_gbp" in rows.columns:
            shown["Indicative transport cost, £ a year"] = rows["transport_cost_gbp"]
        by_plan = rows.set_index("plan")
        gain = planning_gain(by_plan.loc["alone"], by_plan.loc["together"]).split(": ", 1)[-1]
        parts.append({"heading": KIND_LABELS.get(str(kind), str(kind)), "table": frame_table(shown),
                      "gain": gain[:1].upper() + gain[1:]})
    return parts


def _unmet(results: Results) -> Any:
    columns = [c for c in results.la_summary.columns if str(c).endswith("_need_unmet")]
    if not columns:
        return None
    summary = results.la_summary
    shown = pd.DataFrame({"LA where the children live": summary["la_name"].astype(str).to_numpy()})
    for column in columns:
        kind = str(column)[: -len("_need_unmet")]
        shown[f"{KIND_LABELS.get(kind, kind)}: need without a place"] = summary[column].round(0).to_numpy()
    totals = shown.drop(columns=shown.columns[0]).sum().tolist()
    return frame_table(shown, footer=["All LAs", *totals])


def _crossing(results: Results) -> list[dict[str, Any]]:
    """Per kind: need placed in another LA's schools, per LA pair, beside the nearest-site rule's count."""
    placed = results.assignment
    if placed is None or placed.empty:
        return []
    names = dict(zip(results.inputs.las["la_gss"].astype(str), results.inputs.las["la_name"].astype(str)))
    parts = []
    for kind, rows in placed[placed["cross_la"].to_numpy(dtype=bool)].groupby("kind", sort=False):
        pairs = rows.groupby(["resident_la_gss", "provider_la_gss"])["need_assigned"].sum()
        nearest = pd.Series(dtype="float64")
        flows = results.flows
        if flows is not None and len(flows):
            mine = flows[(flows["kind"] == kind) & (flows["need_type"] == "all needs")]
            nearest = mine.set_index(["resident_la_gss", "provider_la_gss"])["children"]
        top = pairs.sort_values(ascending=False).head(TOP_CROSSING)
        shown = pd.DataFrame({
            "Children live in": [names.get(a, a) for a, _ in top.index],
            "Placed at schools in": [names.get(b, b) for _, b in top.index],
            "Placed within places (estimate)": top.round(0).to_numpy(),
            "Nearest school there (estimate)": nearest.reindex(top.index).fillna(0).round(0).to_numpy(),
        })
        parts.append({"heading": KIND_LABELS.get(str(kind), str(kind)),
                      "table": frame_table(shown, footer=[f"All {len(pairs)} LA pairs", "", round(float(pairs.sum())),
                                                          round(float(nearest.sum()))])})
    return parts
