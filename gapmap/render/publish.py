"""Write a study area's maps (HTML and PNG), charts, report (HTML and PDF) and summary page into a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from gapmap.engine.analysis import Results
from gapmap.render.charts import study_charts
from gapmap.render.document import report_page, write_pdf
from gapmap.render.features import web_base
from gapmap.render.forecast import forecast_context, write_forecast_charts
from gapmap.render.images import map_png, png_base
from gapmap.render.maps import MapPage, map_pages, study_map
from gapmap.render.report import summary_page
from gapmap.render.shared import write_shared_geometry


def write_maps(results: Results, folder: Path, *, tiles: str | None = "OpenStreetMap") -> list[MapPage]:
    """Write every map of :func:`~gapmap.render.maps.map_pages` as HTML and PNG, and their shared LSOA geometry.

    The LSOA polygons are written once, into ``lsoa-geometry.js``
    (:func:`~gapmap.render.shared.write_shared_geometry`), which every map loads;
    a national-scale study's maps draw LAs (:mod:`gapmap.render.la_map`) and need no such file.

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
    shared = None if base.lsoa is None else write_shared_geometry(base.lsoa, folder)
    for page in pages:
        study_map(results, kind=page.kind, tiles=tiles, title=page.title, base=base,
                  shared=shared).save(str(folder / page.file))
        map_png(results, folder / page.image, kind=page.kind, title=page.title, base=images)
    return pages


def write_report(
    results: Results, folder: Path, *, tiles: str | None = "OpenStreetMap",
    progress: Callable[[str], None] = lambda _: None,
) -> None:
    """Write the maps, charts, ``report.html``, ``report.pdf`` and ``index.html``, which links them all.

    Parameters
    ----------
    results
        Engine results.
    folder
        Output folder (exists; CSV tables, if any, are in ``folder/tables``).
    tiles
        Base map of the interactive maps, or ``None``.
    progress
        Called with a sentence when the PDF cannot be made (and why); the summary page says it too.
    """
    pages = write_maps(results, folder, tiles=tiles)
    forecast = forecast_context(results, write_forecast_charts(results, folder))
    charts = study_charts(results)
    for chart in (chart for kind in charts.values() for chart in kind):
        (folder / chart.file).write_bytes(chart.png)
    report = report_page(results, folder, maps=pages, charts=charts, forecast=forecast)
    (folder / "report.html").write_text(report, encoding="utf-8")
    files = [("report.html", "the report as one HTML file (images inside)")]
    reason = write_pdf(report, folder / "report.pdf")
    if reason is None:
        files.append(("report.pdf", "the report as a PDF (A4)"))
    else:
        progress(reason)
    tables = sorted(path.name for path in (folder / "tables").glob("*.csv"))
    page = summary_page(results, maps=pages, tables=tables, charts=charts, forecast=forecast, report_files=files,
                        report_note=reason)
    (folder / "index.html").write_text(page, encoding="utf-8")
