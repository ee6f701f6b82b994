"""The result of running a study or a scenario: engine results with a name, for notebooks and comparisons."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

import folium
import geopandas as gpd
import pandas as pd

from gapmap.engine.analysis import Results
from gapmap.engine.demand import SPECIALIST_KINDS
from gapmap.inputs import StudyInputs
from gapmap.model import KIND_LABELS
from gapmap.scenario.comparison import Comparison, compare
from gapmap.scenario.html import table_html
from gapmap.settings import METRES_PER_MILE, Settings

if TYPE_CHECKING:
    from gapmap.scenario.edits import Edit


@dataclass(frozen=True, eq=False)
class StudyResult:
    """Engine results of a study's baseline or of a scenario.

    Attributes
    ----------
    results
        The engine's :class:`~gapmap.engine.analysis.Results`.
    name
        ``"baseline"`` or the scenario's name.
    edits
        The scenario's edits (empty for the baseline).

    Examples
    --------
    >>> import gapmap
    >>> result = gapmap.Study.load("north-east").run()
    >>> int(result.la_summary["children_0_15"].sum())
    336297
    """

    results: Results
    name: str = "baseline"
    edits: tuple[Edit, ...] = ()

    @property
    def inputs(self) -> StudyInputs:
        """The inputs analysed."""
        return self.results.inputs

    @property
    def settings(self) -> Settings:
        """The settings used."""
        return self.results.settings

    @property
    def lsoa(self) -> gpd.GeoDataFrame:
        """One row per LSOA (see :func:`gapmap.engine.analyse`)."""
        return self.results.lsoa

    @property
    def provision(self) -> gpd.GeoDataFrame:
        """The provision analysed."""
        return self.results.provision

    @property
    def la_summary(self) -> gpd.GeoDataFrame:
        """One row per LA."""
        return self.results.la_summary

    def compare(self, baseline: StudyResult | Results) -> Comparison:
        """Set these results against a baseline.

        Parameters
        ----------
        baseline
            The baseline's result (``study.run()``) or engine results.

        Returns
        -------
        Comparison
            Per-LA, per-kind changes, per-LSOA changes, changed sites, map and summary page.
        """
        base = baseline if isinstance(baseline, StudyResult) else StudyResult(results=baseline)
        return compare(self, base)

    def headline(self) -> pd.DataFrame:
        """Children beyond the threshold per LA and kind, as a small table.

        Returns
        -------
        pandas.DataFrame
            LA name, children aged 0-15 and, per kind, children beyond its threshold.
        """
        columns = {"la_name": "Local authority", "children_0_15": "Children 0-15"}
        for kind in self.settings.kinds:
            miles = self.settings.threshold(kind) / METRES_PER_MILE
            columns[f"{kind}_children_beyond"] = f"> {miles:.3g} mi from {KIND_LABELS[kind].lower()}"
        return self.la_summary[list(columns)].rename(columns=columns).reset_index(drop=True)

    def map(self, *, kind: str = "special", tiles: str | None = "OpenStreetMap") -> folium.Map:
        """Draw the overview map (LSOA figures, sites), for display in a notebook.

        Parameters
        ----------
        kind
            Provision kind whose distance colours the LSOAs.
        tiles
            Base map tiles (``None`` for none).

        Returns
        -------
        folium.Map
            The map.
        """
        from gapmap.render import overview_map  # folium loads only when a map is drawn

        return overview_map(self.results, tiles=tiles, kind=kind)

    def __repr__(self) -> str:
        summary = self.la_summary
        beyond = ", ".join(
            f"{kind} about {summary[f'{kind}_need_beyond_threshold'].sum():,.0f} needing it"
            if kind in SPECIALIST_KINDS and f"{kind}_need_beyond_threshold" in summary.columns
            else f"{kind} {summary[f'{kind}_children_beyond'].sum():,.0f} children"
            for kind in self.settings.kinds)
        return (f"StudyResult({self.name!r} on {self.inputs.name}, {len(self.edits)} edit(s); "
                f"beyond the threshold: {beyond})")

    def _repr_html_(self) -> str:
        title = html.escape(f"{self.inputs.name}: {self.name}")
        return f"<b>{title}</b>" + table_html(self.headline())
