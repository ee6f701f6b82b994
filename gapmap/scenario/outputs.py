"""Write a scenario's comparison, or a sweep's ranking, into ``<out>/<area>/scenarios/<name>/``, atomically."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gapmap.labels import threshold_rule
from gapmap.model import KIND_LABELS
from gapmap.output import staged_directory, write_csv, write_layers
from gapmap.paths import output_folder
from gapmap.scenario.comparison import Comparison
from gapmap.render.pages import render_page
from gapmap.scenario.html import scenario_table
from gapmap.scenario.sweeps import SweepResult

#: Rows of a sweep's ranking shown on its summary page (all are in ranking.csv).
RANKING_SHOWN = 50

#: Headings of the ranking's change columns on the sweep page, need first (ranking.csv keeps the column names).
RANKING_HEADINGS: dict[str, str] = {
    "need_beyond_threshold_change": "Change in estimated need beyond the threshold",
    "need_beyond_statutory_change": "Change in estimated need beyond the walking distance for their age",
    "children_beyond_change": "Change in all children aged 0-15 beyond the threshold (context)",
}


def folder_name(name: str) -> str:
    """Make a scenario name safe as a folder name.

    Examples
    --------
    >>> folder_name("New ASD unit: Gateshead (40 places)")
    'new-asd-unit-gateshead-40-places'
    """
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "scenario"


def scenario_folder(out: Path, slug: str, name: str) -> Path:
    """``<out>/<area slug>/scenarios/<scenario folder name>``, checked to lie inside ``out``.

    Raises
    ------
    gapmap.errors.InputError
        If ``slug`` is not a folder name (e.g. ``"../../x"``).
    """
    return output_folder(out, slug, "scenarios", folder_name(name))


def write_comparison(comparison: Comparison, folder: Path, *, tiles: str | None = "OpenStreetMap") -> None:
    """Write the change map, summary page, GeoPackage and CSV tables of a comparison into ``folder``.

    Parameters
    ----------
    comparison
        A scenario compared with its baseline.
    folder
        An existing, empty folder.
    tiles
        Base map tiles (``None`` for none).
    """
    las = comparison.scenario.inputs.las[["la_gss", "geometry"]]
    la_changes = gpd.GeoDataFrame(comparison.by_la.merge(las, on="la_gss"), geometry="geometry", crs=las.crs)
    layers = {
        "lsoa_changes": comparison.lsoa,
        "la_changes": la_changes,
        "sites_changed": comparison.sites,
        "provision": comparison.scenario.provision,
    }
    write_layers({name: frame for name, frame in layers.items() if len(frame)}, folder / "changes.gpkg")
    (folder / "tables").mkdir()
    for name, frame in {**layers, "la_summary": comparison.scenario.la_summary}.items():
        write_csv(frame, folder / "tables" / f"{name}.csv")
    comparison.map(tiles=tiles).save(str(folder / "map.html"))
    (folder / "index.html").write_text(comparison.summary_page(map_file="map.html"), encoding="utf-8")


def write_scenario(
    comparison: Comparison, *, out: Path, tiles: str | None = "OpenStreetMap", source: Path | None = None
) -> Path:
    """Write a comparison into ``<out>/<area>/scenarios/<name>/``: a complete folder, or nothing.

    Parameters
    ----------
    comparison
        A scenario compared with its baseline.
    out
        Output root (``maps`` by default on the command line).
    tiles
        Base map tiles.
    source
        The scenario file, copied into the folder for the record.

    Returns
    -------
    pathlib.Path
        The folder written.
    """
    target = scenario_folder(out, comparison.scenario.inputs.slug, comparison.scenario.name)
    with staged_directory(target) as staging:
        write_comparison(comparison, staging, tiles=tiles)
        if source is not None:
            shutil.copyfile(source, staging / f"scenario{source.suffix.lower()}")
    return target


def _sweep_page(result: SweepResult, ranking: pd.DataFrame, *, name: str, area: str, kind: str) -> str:
    shown = ranking.head(RANKING_SHOWN).drop(columns=["edits"]).rename(columns=RANKING_HEADINGS)
    return render_page(
        "sweep.html", title=f"gapmap sweep: {name} ({area})", scenarios=len(result.scenarios), method=result.method,
        provision=KIND_LABELS[kind].lower(), rule=threshold_rule(result.settings, kind),
        ranking=scenario_table(shown, signed=tuple(RANKING_HEADINGS.values())),
    )


def write_sweep(result: SweepResult, *, out: Path, slug: str, area: str, name: str, kind: str) -> Path:
    """Write a sweep's tables and ranking page into ``<out>/<area>/scenarios/<name>/``, atomically.

    Parameters
    ----------
    result
        The sweep.
    out
        Output root.
    slug, area
        Study area folder name and display name.
    name
        Sweep name.
    kind
        Kind whose estimated need beyond the threshold ranks the scenarios.

    Returns
    -------
    pathlib.Path
        The folder written.
    """
    target = scenario_folder(out, slug, name)
    ranking = result.ranking(kind=kind)
    with staged_directory(target) as staging:
        write_csv(result.table, staging / "sweep.csv")
        write_csv(ranking, staging / "ranking.csv")
        page = _sweep_page(result, ranking, name=name, area=area, kind=kind)
        (staging / "index.html").write_text(page, encoding="utf-8")
    return target
