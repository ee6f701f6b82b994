"""The build pipeline: inputs -> engine -> maps, summary page and tables in one output folder."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from gapmap.engine import analyse
from gapmap.engine.analysis import Results
from gapmap.inputs import StudyInputs
from gapmap.output import staged_directory, write_csv, write_layers
from gapmap.render import overview_map, summary_page
from gapmap.settings import Settings

#: Default root of the output folders (one sub-folder per study area).
DEFAULT_OUT = Path("maps")


def write_outputs(results: Results, folder: Path, *, tiles: str | None = "OpenStreetMap") -> None:
    """Write maps, summary page, GeoPackage and CSV tables of ``results`` into ``folder``.

    Parameters
    ----------
    results
        Engine results.
    folder
        An existing, empty folder.
    tiles
        Base map tiles for the interactive maps (``None`` for none).
    """
    tables = {
        "lsoa": results.lsoa,
        "provision": results.provision,
        "la_summary": results.la_summary,
    }
    write_layers(tables, folder / "gapmap.gpkg")
    (folder / "tables").mkdir()
    for name, frame in {**tables, "excluded": results.inputs.excluded}.items():
        write_csv(frame, folder / "tables" / f"{name}.csv")
    overview_map(results, tiles=tiles).save(str(folder / "map.html"))
    (folder / "index.html").write_text(summary_page(results, map_file="map.html"), encoding="utf-8")


def build(
    inputs: StudyInputs,
    *,
    settings: Settings | None = None,
    out: Path = DEFAULT_OUT,
    tiles: str | None = "OpenStreetMap",
    progress: Callable[[str], None] = lambda _: None,
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

    Returns
    -------
    pathlib.Path
        The output folder.
    """
    target = Path(out) / inputs.slug
    with staged_directory(target) as staging:
        progress("analysing")
        results = analyse(inputs, settings)
        progress("writing maps and tables")
        write_outputs(results, staging, tiles=tiles)
    return target
