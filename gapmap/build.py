"""The build pipeline: inputs -> engine -> maps, summary page and tables in one output folder."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

from gapmap.engine import analyse
from gapmap.engine.analysis import Results
from gapmap.engine.dictionary import write_data_dictionary
from gapmap.engine.opportunities import OpportunityOptions
from gapmap.engine.projection import forecast_results
from gapmap.engine.sectors import with_sector_sets
from gapmap.engine.shared import shared_services
from gapmap.engine.together import CollaborationOptions
from gapmap.engine.transport import with_transport_costs
from gapmap.inputs import StudyInputs
from gapmap.options import DEFAULT_OUT
from gapmap.output import staged_directory, write_csv, write_layers, write_parquet
from gapmap.paths import output_folder
from gapmap.settings import Settings
from gapmap.vintage import vintage_metadata


#: Sub-folder of a study area's output where `gapmap scenario run` writes; kept across rebuilds.
SCENARIOS_FOLDER = "scenarios"


def write_outputs(
    results: Results, folder: Path, *, tiles: str | None = "OpenStreetMap",
    progress: Callable[[str], None] = lambda _: None,
) -> None:
    """Write maps (HTML and PNG), report, summary page, GeoPackage and CSV tables of ``results`` into ``folder``.

    Parameters
    ----------
    results
        Engine results.
    folder
        An existing, empty folder.
    tiles
        Base map tiles for the interactive maps (``None`` for none).
    progress
        Called with a sentence when an optional output (the PDF) cannot be made.
    """
    tables = {
        "lsoa": results.lsoa,
        "provision": results.provision,
        "la_summary": results.la_summary,
    }
    optional = {
        "ca_summary": results.ca_summary,
        "flows": results.flows,
        "clusters": results.clusters,
        "opportunities": results.opportunities,
        "forecast": results.forecast,
        "forecast_ca": results.forecast_ca,
        "collaboration": results.collaboration,
        "collaboration_sites": results.collaboration_sites,
        "assignment": results.assignment,
        "sectors": results.sectors,
        "vintages": results.vintages,
    }
    tables.update({name: frame for name, frame in optional.items() if frame is not None})
    write_layers(tables, folder / "gapmap.gpkg", metadata=vintage_metadata(results.vintages))
    (folder / "tables").mkdir()
    csvs = {**tables, "excluded": results.inputs.excluded}
    for name, frame in csvs.items():
        write_csv(frame, folder / "tables" / f"{name}.csv")
    long = {"need_access": results.need_access} if results.need_access is not None else {}  # a row per LSOA x need
    for name, frame in long.items():
        write_parquet(frame, folder / "tables" / f"{name}.parquet")
    write_data_dictionary(results, folder / "tables" / "README.md", tables={**csvs, **long})
    from gapmap.render import write_report  # the renderer (folium, matplotlib) loads only to write

    write_report(results, folder, tiles=tiles, progress=progress)


def build(
    inputs: StudyInputs,
    *,
    settings: Settings | None = None,
    out: Path = DEFAULT_OUT,
    tiles: str | None = "OpenStreetMap",
    progress: Callable[[str], None] = lambda _: None,
    opportunities: OpportunityOptions | None = None,
    collaboration: CollaborationOptions | None = None,
    horizon: int | None = None,
) -> Path:
    """Analyse a study area and write its outputs into ``out/<slug>/``, atomically.

    Parameters
    ----------
    inputs
        Study inputs.
    settings
        Analysis settings (defaults apply when ``None``).
    out
        Output root.
    tiles
        Base map tiles.
    progress
        Called with a short message at each stage.
    opportunities
        Site search for the shared-service opportunities (defaults apply when
        ``None``; ``OpportunityOptions(sites=0)`` skips it).
    collaboration
        Target of the comparison of each LA alone with the combined authority
        together (defaults apply when ``None``).
    horizon
        Last calendar year of the forecast of need (``None``: five years after
        the latest EHC plan count).

    Returns
    -------
    pathlib.Path
        The output folder.

    Raises
    ------
    gapmap.errors.InputError
        If the study area's slug is not a folder name (see :func:`gapmap.paths.output_folder`), or
        ``tiles`` is not a known base map; both are checked before the analysis.
    """
    target = output_folder(out, inputs.slug)
    if tiles is not None:
        from gapmap.render.maps import tile_layer

        tile_layer(tiles)  # an unknown base map is refused now, not after the analysis
    with staged_directory(target) as staging:
        progress("analysing")
        results = analyse(inputs, settings)
        progress("finding shared-service opportunities")
        results = with_transport_costs(shared_services(results, opportunities, collaboration), opportunities)
        progress("projecting need")
        results = forecast_results(results, horizon=horizon)
        progress("comparing supply sectors")
        results = with_sector_sets(results)
        progress("writing maps and tables")
        write_outputs(results, staging, tiles=tiles, progress=progress)
        _keep_scenarios(target, staging)
    return target


def _keep_scenarios(target: Path, staging: Path) -> None:
    """Copy saved scenario outputs (``scenarios/``) from the previous build into the new one."""
    previous = target / SCENARIOS_FOLDER
    if previous.is_dir():
        shutil.copytree(previous, staging / SCENARIOS_FOLDER)
