"""Compare a scenario's results with the baseline: per LA and kind, per LSOA, per site."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from gapmap.engine.supply import places
from gapmap.errors import InputError
from gapmap.scenario import render
from gapmap.scenario.metrics import ENGINE_METRICS, diff_metrics, la_metrics
from gapmap.scenario.reach import supply_by_kind

if TYPE_CHECKING:
    from gapmap.scenario.result import StudyResult

#: Figures that add up over LAs (totals are sums); the others are recomputed or left out.
ADDITIVE = ("children", "sites", "places", "children_beyond", "cross_la_children", "served_for_other_las",
            "demand", "shortfall", "need_beyond_threshold", "need_beyond_statutory",
            "demand_nearest_in_other_la", "other_la_demand_nearest_here")

#: How an LSOA's reach of a kind changed: beyond -> within is "gained", within -> beyond "lost".
REACH_STATES = ("gained", "lost", "within", "beyond")

NOTES = (
    "Distances are straight lines between the LSOA centroid and the site; the statutory walking route is "
    "longer, so counts of children beyond a threshold are lower bounds.",
    "Places are capacity where the source gives it, otherwise pupils on roll (a proxy); new provision counts "
    "its planned places.",
    "Scaled populations may be fractional; LA figures are sums of LSOA figures.",
)


def _metrics(result: StudyResult) -> pd.DataFrame:
    return la_metrics(
        las=result.inputs.las[["la_gss", "la_name"]],
        lsoa=result.lsoa,
        supply=supply_by_kind(result.inputs, result.settings),
        settings=result.settings,
        summary=result.la_summary,
    )


def lsoa_changes(baseline: StudyResult, scenario: StudyResult) -> gpd.GeoDataFrame:
    """Per-LSOA changes in distance to the nearest site and in reach, per kind.

    Parameters
    ----------
    baseline, scenario
        The two results (same LSOAs).

    Returns
    -------
    geopandas.GeoDataFrame
        ``lsoa_code``, ``lsoa_name``, ``la_gss``, ``children_baseline``,
        ``children_scenario`` and, per kind, ``{kind}_m_baseline``,
        ``{kind}_m_scenario``, ``{kind}_m_change`` (straight-line metres),
        ``{kind}_reach`` (one of :data:`REACH_STATES`),
        ``{kind}_children_beyond_change`` and, when the engine gives it,
        ``{kind}_2sfca_baseline``/``_scenario``/``_change``; LSOA polygons.
    """
    base = baseline.lsoa.set_index("lsoa_code")
    scen = scenario.lsoa.set_index("lsoa_code").reindex(base.index)
    out = pd.DataFrame(
        {"lsoa_name": base["lsoa_name"], "la_gss": base["la_gss"],
         "children_baseline": base["children_0_15"].astype(float),
         "children_scenario": scen["children_0_15"].astype(float)},
        index=base.index,
    )
    for kind in scenario.settings.kinds:
        before, after = base[f"{kind}_straight_line_m"], scen[f"{kind}_straight_line_m"]
        out[f"{kind}_m_baseline"], out[f"{kind}_m_scenario"] = before, after
        out[f"{kind}_m_change"] = after - before
        was, now = base[f"{kind}_beyond"].astype(bool), scen[f"{kind}_beyond"].astype(bool)
        out[f"{kind}_reach"] = np.select(
            [was & ~now, ~was & now, ~now], ["gained", "lost", "within"], default="beyond"
        )
        out[f"{kind}_children_beyond_change"] = (
            scen[f"{kind}_children_beyond"].astype(float) - base[f"{kind}_children_beyond"].astype(float)
        )
        ratio = ENGINE_METRICS["ratio_2sfca"].format(kind=kind)
        if ratio in base.columns and ratio in scen.columns:
            out[f"{kind}_2sfca_baseline"], out[f"{kind}_2sfca_scenario"] = base[ratio], scen[ratio]
            out[f"{kind}_2sfca_change"] = scen[ratio] - base[ratio]
    return gpd.GeoDataFrame(out.reset_index(), geometry=scen["geometry"].to_numpy(), crs=scenario.lsoa.crs)


def site_changes(baseline: StudyResult, scenario: StudyResult) -> gpd.GeoDataFrame:
    """Sites added, closed or with changed places in the scenario.

    Parameters
    ----------
    baseline, scenario
        The two results.

    Returns
    -------
    geopandas.GeoDataFrame
        ``provision_id``, ``urn``, ``name``, ``kind``, ``la_gss``, ``change``
        (``added``, ``closed`` or ``places changed``), ``places_baseline``,
        ``places_scenario``; points.
    """
    columns = ["provision_id", "urn", "name", "kind", "la_gss", "geometry"]
    before = baseline.inputs.provision.set_index("provision_id")
    after = scenario.inputs.provision.set_index("provision_id")
    before["places"] = places(before)["places"].astype(float)
    after["places"] = places(after)["places"].astype(float)
    added = after.index.difference(before.index)
    closed = before.index.difference(after.index)
    common = before.index.intersection(after.index)
    changed = common[before.loc[common, "places"].to_numpy() != after.loc[common, "places"].to_numpy()]
    parts = [
        after.loc[added].assign(change="added", places_baseline=np.nan, places_scenario=after.loc[added, "places"]),
        before.loc[closed].assign(change="closed", places_baseline=before.loc[closed, "places"], places_scenario=np.nan),
        after.loc[changed].assign(change="places changed", places_baseline=before.loc[changed, "places"],
                                  places_scenario=after.loc[changed, "places"]),
    ]
    frame = pd.concat(parts).reset_index()
    frame = frame[[*columns[:-1], "change", "places_baseline", "places_scenario", "geometry"]]
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=scenario.inputs.provision.crs)


@dataclass(frozen=True, eq=False)
class Comparison:
    """A scenario set against its baseline.

    Attributes
    ----------
    baseline, scenario
        The two results.
    by_la
        One row per (kind, LA): each figure of
        :func:`gapmap.scenario.metrics.la_metrics` as ``_baseline``,
        ``_scenario`` and ``_change``, plus ``without_provision`` and
        ``loses_provision``.
    lsoa
        Per-LSOA changes (:func:`lsoa_changes`), with polygons: the map layer.
    sites
        Sites added, closed or with changed places (:func:`site_changes`).
    notes
        Method notes shown with the figures.

    Examples
    --------
    >>> import gapmap
    >>> study = gapmap.Study.load("north-east")
    >>> diff = study.scenario("close a PRU").close(urn=108565).run().compare(study.run())
    >>> diff.by_la.query("kind == 'ap' and loses_provision")["la_name"].tolist()
    ['North Tyneside']
    >>> int(diff.change(kind="ap", metric="sites"))
    -1
    """

    baseline: StudyResult
    scenario: StudyResult
    by_la: pd.DataFrame
    lsoa: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    notes: tuple[str, ...] = NOTES

    def change(self, *, kind: str, metric: str = "children_beyond", la: str | None = None) -> float:
        """Change in one figure for one kind, over all LAs or in one LA.

        Parameters
        ----------
        kind
            Provision kind.
        metric
            A figure of :attr:`by_la` (without suffix), e.g. ``"children_beyond"``.
        la
            ONS code or name of an LA; ``None`` sums over all LAs (additive figures only).

        Returns
        -------
        float
            Scenario minus baseline.
        """
        rows = self.by_la[self.by_la["kind"] == kind]
        if la is not None:
            rows = rows[(rows["la_gss"] == la) | (rows["la_name"].str.lower() == str(la).lower())]
        elif metric not in ADDITIVE:
            raise InputError(f"{metric!r} does not add up over LAs; pass la= to read one LA's change.")
        return float(rows[f"{metric}_change"].sum())

    def totals(self) -> pd.DataFrame:
        """Figures over all LAs, per kind (additive figures, and the share beyond).

        Returns
        -------
        pandas.DataFrame
            One row per kind: ``{figure}_baseline``, ``_scenario``, ``_change``.
        """
        columns = [c for c in self.by_la.columns if c.rsplit("_", 1)[0] in ADDITIVE]
        out = self.by_la.groupby("kind", sort=False)[columns].sum(min_count=1)
        for side in ("baseline", "scenario"):
            out[f"share_beyond_{side}"] = out[f"children_beyond_{side}"] / out[f"children_{side}"]
        out["share_beyond_change"] = out["share_beyond_scenario"] - out["share_beyond_baseline"]
        return out.reset_index()

    def map(self, *, kind: str | None = None, tiles: str | None = "OpenStreetMap") -> folium.Map:
        """Draw the change map: LSOAs that gained or lost reach, closer or farther, and changed sites.

        Parameters
        ----------
        kind
            Show this kind only (default: every kind with a change).
        tiles
            Base map tiles (``None`` for none).

        Returns
        -------
        folium.Map
            The map.
        """
        return render.changes_map(self, kind=kind, tiles=tiles)

    def summary_page(self, *, map_file: str | None = "map.html") -> str:
        """Render the scenario's summary page as a self-contained HTML document.

        Parameters
        ----------
        map_file
            Relative link to the change map (``None`` for no link).

        Returns
        -------
        str
            The HTML document.
        """
        return render.summary_page(self, map_file=map_file)

    def __repr__(self) -> str:
        totals = self.totals()
        column = "need_beyond_threshold_change" if "need_beyond_threshold_change" in totals.columns else None
        changes = ", ".join(
            f"{row['kind']} {row[column] if column else row['children_beyond_change']:+,.0f}"
            for _, row in totals.iterrows())
        what = ("estimated children needing the provision beyond the threshold" if column
                else "children beyond the threshold")
        lost = int(self.by_la["loses_provision"].sum())
        return (f"Comparison({self.scenario.name!r} vs {self.baseline.name!r} on {self.scenario.inputs.name}: "
                f"{what} {changes}; {lost} LA-kind(s) left without provision)")

    def _repr_html_(self) -> str:
        return render.headline_table(self)


def compare(scenario: StudyResult, baseline: StudyResult) -> Comparison:
    """Compare a scenario's results with the baseline's.

    Parameters
    ----------
    scenario
        The scenario's result.
    baseline
        The baseline's result.

    Returns
    -------
    Comparison
        Per-LA, per-kind and per-LSOA changes and changed sites.
    """
    notes = tuple(dict.fromkeys((*NOTES, *baseline.results.notes, *scenario.results.notes)))
    return Comparison(
        baseline=baseline,
        scenario=scenario,
        by_la=diff_metrics(_metrics(baseline), _metrics(scenario)),
        lsoa=lsoa_changes(baseline, scenario),
        sites=site_changes(baseline, scenario),
        notes=notes,
    )
