"""What the shared-service analyses read from a :class:`Results`: demand, existing sites, origins, names.

Kept in one place so that flows, clusters and site opportunities count the
same children against the same sites as the gap analysis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import SupportsFloat, cast

import pandas as pd

from gapmap.engine.analysis import Results
from gapmap.engine.demand import SPECIALIST_KINDS
from gapmap.engine.pairs import lsoa_origins
from gapmap.model import KIND_LABELS

ALL_NEEDS = "all needs"


def row_figure(row: dict[str, object], key: str) -> float:
    """A number in a result row (a row holds text and numbers, so its values are typed ``object``).

    Examples
    --------
    >>> row_figure({"children": 12, "name": "x"}, "children")
    12.0
    """
    return float(cast(SupportsFloat, row[key]))


@dataclass(frozen=True)
class Demand:
    """Demand of one kind per LSOA and what it is.

    Attributes
    ----------
    weights
        Demand per LSOA, indexed by ``lsoa_code`` in the order of ``Results.lsoa``.
    column
        The LSOA column it comes from.
    description
        What the figure is, for the outputs (``demand_basis`` columns and notes).
    noun
        How a sentence names the children counted, e.g. ``"children aged 0-15"``.
    estimated
        True when it is an estimate of children needing this kind (from EHC plans).
    """

    weights: pd.Series
    column: str
    description: str
    noun: str
    estimated: bool


def provision_noun(kind: str) -> str:
    """How a sentence names provision of ``kind``, e.g. ``"special school provision"``.

    Examples
    --------
    >>> provision_noun("special"), provision_noun("ap"), provision_noun("sen_unit")
    ('special school provision', 'alternative provision', 'SEN unit provision')
    """
    label = KIND_LABELS.get(kind, kind)
    label = label if label.startswith("SEN") else label[0].lower() + label[1:]
    return label if label.endswith("provision") else f"{label} provision"


def kind_demand(results: Results, kind: str) -> Demand:
    """Demand for ``kind``: the ``{kind}_demand`` column when the analysis made one, else ``children_0_15``.

    Parameters
    ----------
    results
        Gap analysis results.
    kind
        Provision kind.

    Returns
    -------
    Demand
    """
    lsoa = results.lsoa
    codes = pd.Index(lsoa["lsoa_code"].astype(str), name="lsoa_code")
    column = f"{kind}_demand"
    if column in lsoa.columns:
        weights = pd.Series(lsoa[column].to_numpy(dtype="float64"), index=codes)
        estimated = (kind in SPECIALIST_KINDS and getattr(results.settings, "specialist_demand", None) == "ehcp"
                     and not results.inputs.ehcp.empty)
        if estimated:
            return Demand(weights, column,
                          f"estimated children needing {provision_noun(kind)}, from EHC plans ({column}; see the "
                          "demand note)", f"children with an estimated need for {provision_noun(kind)}", True)
        return Demand(weights, column, f"children of the ages {provision_noun(kind)} serves ({column})",
                      "children of the ages it serves", False)
    weights = pd.Series(lsoa["children_0_15"].to_numpy(dtype="float64"), index=codes)
    return Demand(weights, "children_0_15", "all children aged 0-15 per LSOA (children_0_15): a proxy, "
                  "not an estimate of children needing this provision", "children aged 0-15", False)


def existing_sites(results: Results, kind: str) -> pd.DataFrame:
    """Sites of ``kind`` that the gap analysis counted as supply.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``provision_id`` (str): ``x``, ``y`` (EPSG:27700 metres),
        ``la_gss``, ``name``, ``needs``.
    """
    provision = results.provision
    mask = ((provision["kind"] == kind).fillna(False).to_numpy(dtype=bool)
            & provision["sector"].isin(results.settings.sectors).fillna(False).to_numpy(dtype=bool))
    if "analysed" in provision.columns:
        mask = mask & provision["analysed"].fillna(False).to_numpy(dtype=bool)
    rows = provision[mask]
    return pd.DataFrame(
        {
            "x": rows.geometry.x.to_numpy(dtype="float64"),
            "y": rows.geometry.y.to_numpy(dtype="float64"),
            "la_gss": rows["la_gss"].astype(str).to_numpy(dtype=object),
            "name": rows["name"].astype(str).to_numpy(dtype=object),
            "needs": rows["needs"].to_numpy(dtype=object),
        },
        index=pd.Index(rows["provision_id"].astype(str).to_numpy(dtype=object), name="provision_id"),
    )


def origins(results: Results) -> pd.DataFrame:
    """LSOA centroids ``x``, ``y`` indexed by ``lsoa_code``, in the order of ``Results.lsoa``."""
    points = lsoa_origins(results.inputs.lsoas)
    return points.loc[results.lsoa["lsoa_code"].astype(str).to_numpy(dtype=object)]


def _all_las(results: Results) -> pd.DataFrame:
    """The study's LAs and any neighbouring LAs whose provision counts as supply."""
    neighbours = results.inputs.neighbours
    if neighbours is None or neighbours.empty:
        return results.inputs.las
    return pd.concat([results.inputs.las, neighbours], ignore_index=True)


def la_names(results: Results) -> dict[str, str]:
    """LA code -> LA name for the study's LAs (and neighbouring LAs whose provision is counted)."""
    las = _all_las(results)
    return dict(zip(las["la_gss"].astype(str), las["la_name"].astype(str)))


def join_and(items: list[str]) -> str:
    """Join names as a sentence does: ``"A"``, ``"A and B"``, ``"A, B and C"``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def count_text(value: float) -> str:
    """Write a count for officers: a whole number, ``"fewer than 1"`` for a fraction of a child.

    Examples
    --------
    >>> count_text(1234.0), count_text(37.4), count_text(2.46), count_text(0.2)
    ('1,234', '37', '2', 'fewer than 1')
    """
    return "fewer than 1" if 0 < value < 0.5 else f"{value:,.0f}"


def list_las(counts: dict[str, float], noun: str) -> str:
    """Officer-readable list: ``"37 children in Gateshead and 21 in Sunderland"`` (counts under 0.05 left out).

    Examples
    --------
    >>> list_las({"Gateshead": 37, "Sunderland": 21.4, "Durham": 2.04}, "children")
    '37 children in Gateshead, 21 in Sunderland and 2 in Durham'
    """
    parts = [f"{count_text(value)} in {name}" for name, value in counts.items() if value >= 0.05]
    if not parts:
        return f"no {noun}"
    parts[0] = parts[0].replace(" in ", f" {noun} in ", 1)
    return join_and(parts)
