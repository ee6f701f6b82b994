"""Write a study area's maps (HTML and PNG) and its summary page into an output folder."""

from __future__ import annotations

from pathlib import Path

from gapmap.engine.analysis import Results
from gapmap.render.features import web_base
from gapmap.render.forecast import forecast_context, write_forecast_charts
from gapmap.render.images import map_png, png_base
from gapmap.render.maps import MapPage, map_pages, study_map
from gapmap.render.report import summary_page


def write_maps(results: Results, folder: Path, *, tiles: str | None = "OpenStreetMap") -> list[MapPage]:
    """Write every map of :func:`~gapmap.render.maps.map_pages` as HTML and PNG.

    Parameters
    ----------
    results
        Engine results.
    folder
        Output folder (exists).
    tiles
        Base map of the interactive maps, or ``None``.

    Returns
    -------
    list of MapPage
        The maps written.
    """
    base, images = web_base(results), png_base(results)
    pages = map_pages(results)
    for page in pages:
        study_map(results, kind=page.kind, tiles=tiles, title=page.title, base=base).save(str(folder / page.file))
        map_png(results, folder / page.image, kind=page.kind, title=page.title, base=images)
    return pages


def write_report(results: Results, folder: Path, *, tiles: str | None = "OpenStreetMap") -> None:
    """Write the maps and then ``index.html``, which links them and the CSV tables already in ``tables/``.

    Parameters
    ----------
    results
        Engine results.
    folder
        Output folder (exists; CSV tables, if any, are in ``folder/tables``).
    tiles
        Base map of the interactive maps, or ``None``.
    """
    pages = write_maps(results, folder, tiles=tiles)
    forecast = forecast_context(results, write_forecast_charts(results, folder))
    tables = sorted(path.name for path in (folder / "tables").glob("*.csv"))
    page = summary_page(results, maps=pages, tables=tables, forecast=forecast)
    (folder / "index.html").write_text(page, encoding="utf-8")
