"""The report as files that travel: ``report.html`` (one file, images inline) and ``report.pdf`` (A4).

The PDF is made by WeasyPrint (a dependency) from the same HTML, with the
print style sheet's page breaks (one per section and per LA).  WeasyPrint needs
the Pango library from the operating system; where it cannot load it, the build
goes on without the PDF and says why (:func:`write_pdf` returns the reason).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Mapping, Sequence

from gapmap.engine.analysis import Results
from gapmap.render.charts import Chart
from gapmap.render.maps import MapPage
from gapmap.render.pages import render_page
from gapmap.render.report import summary_context
from gapmap.render.sections import data_uri

#: Where a user finds how to install what WeasyPrint needs.
WEASYPRINT_INSTALL = "https://doc.courtbouillon.org/weasyprint/stable/first_steps.html"


def report_page(
    results: Results,
    folder: Path,
    *,
    maps: Sequence[MapPage] = (),
    charts: Mapping[str, Sequence[Chart]] | None = None,
    forecast: dict[str, Any] | None = None,
) -> str:
    """Render ``report.html``: findings, charts, tables, maps and per-LA sections, every image inline.

    Parameters
    ----------
    results
        Engine results.
    folder
        Output folder holding the PNGs of ``maps`` and ``charts``.
    maps
        Maps whose PNG the report shows.
    charts
        Charts per kind.
    forecast
        The forecast block (:func:`gapmap.render.forecast.forecast_context`), or ``None``.

    Returns
    -------
    str
        An HTML document that needs no other file.
    """

    def inline(path: str) -> str:
        return data_uri((folder / path).read_bytes())

    context = summary_context(results, charts=charts, forecast=forecast, src=inline)
    context["maps"] = [{"title": page.title, "src": inline(page.image)} for page in maps]
    return render_page("report.html", **context, area=results.inputs.name)


def write_pdf(document: str, path: Path) -> str | None:
    """Print an HTML document (with no links to other files) to an A4 PDF.

    Parameters
    ----------
    document
        The HTML, e.g. from :func:`report_page`.
    path
        PDF file to write.

    Returns
    -------
    str or None
        ``None`` when written; else one sentence saying why not and what to do.
    """
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: the Pango library is missing
        return (f"report.pdf was not made: WeasyPrint could not start ({error}). Install WeasyPrint's system "
                f"libraries (Pango; see {WEASYPRINT_INSTALL}) and build again; report.html has the same content.")
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    weasyprint.HTML(string=document).write_pdf(path)
    return None
