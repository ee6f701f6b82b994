"""The summary page (``index.html``): headline figures per LA and for the study area."""

from __future__ import annotations

import html
from importlib.metadata import version

import pandas as pd

from gapmap.engine.analysis import DISTANCE_METHOD, Results
from gapmap.model import KIND_LABELS
from gapmap.render.maps import distance_band_counts
from gapmap.settings import METRES_PER_MILE

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:72rem;
color:#1a1a1a;line-height:1.45;padding:0 1rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.92rem}
th,td{border:1px solid #ccc;padding:.3rem .55rem;text-align:right}
th:first-child,td:first-child{text-align:left}
thead th{background:#f0f0f0}
tfoot td{font-weight:bold;background:#fafafa}
.note{background:#fff8e1;border-left:4px solid #e0a800;padding:.6rem 1rem}
"""


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return "n/a" if pd.isna(value) else f"{value:,.1%}" if value <= 1 else f"{value:,.0f}"
    if isinstance(value, (int,)) or hasattr(value, "__int__"):
        return f"{int(value):,}"
    return html.escape(str(value))


def _table(frame: pd.DataFrame, *, footer: pd.Series | None = None) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(v)}</td>" for v in row) + "</tr>" for row in frame.itertuples(index=False))
    foot = ""
    if footer is not None:
        foot = "<tfoot><tr>" + "".join(f"<td>{_fmt(v)}</td>" for v in footer) + "</tr></tfoot>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>{foot}</table>"


def summary_page(results: Results, *, map_file: str = "map.html") -> str:
    """Render the study area's summary page as a self-contained HTML string.

    Parameters
    ----------
    results
        Engine results.
    map_file
        Relative link to the overview map.

    Returns
    -------
    str
        The HTML document.
    """
    inputs, settings = results.inputs, results.settings
    summary = results.la_summary
    columns = {"la_name": "Local authority", "children_0_15": "Children 0-15"}
    for kind in settings.kinds:
        miles = settings.threshold(kind) / METRES_PER_MILE
        columns[f"{kind}_sites"] = f"{KIND_LABELS[kind]} sites"
        columns[f"{kind}_children_beyond"] = f"Children > {miles:g} mi from {KIND_LABELS[kind].lower()}"
    table = summary[list(columns)].rename(columns=columns).sort_values("Local authority")
    totals = table.sum(numeric_only=True)
    footer = pd.Series({"Local authority": "All LAs", **totals.to_dict()})[table.columns]

    bands = "".join(
        f"<h3>Children by straight-line distance to the nearest {html.escape(KIND_LABELS[k].lower())}</h3>"
        + _table(distance_band_counts(results, k).rename("Children 0-15").rename_axis("Band").reset_index())
        for k in settings.kinds
        if k in ("special", "ap")
    )
    vintages = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>" for k, v in inputs.vintages.items())
    excluded = len(inputs.excluded)
    tables = "".join(
        f'<li><a href="tables/{name}.csv">{name}.csv</a></li>' for name in ("lsoa", "provision", "la_summary", "excluded")
    )
    title = html.escape(f"gapmap: {inputs.name}")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>
<body>
<h1>{title}</h1>
<p><a href="{html.escape(map_file)}">Open the interactive map</a> &middot;
<a href="gapmap.gpkg">GeoPackage (layers lsoa, provision, la_summary)</a></p>
<p class="note">Distances are <b>straight lines</b> ({html.escape(DISTANCE_METHOD)}), not the statutory
walking route, which is longer: counts of children beyond a distance are therefore lower bounds.
Children are all children aged 0-15 in each LSOA, counted in the LA where they live; sites are counted
in the LA where they stand.</p>
<h2>Children beyond the distance threshold, by local authority</h2>
{_table(table, footer=footer)}
{bands}
<h2>Rows not used</h2>
<p>{excluded:,} source row(s) could not be used (listed with the reason in
<a href="tables/excluded.csv">tables/excluded.csv</a>).</p>
<h2>Tables</h2><ul>{tables}</ul>
<h2>Data sources and vintages</h2><ul>{vintages}</ul>
<p>Contains public sector information licensed under the Open Government Licence v3.0.
Contains OS data &copy; Crown copyright and database right 2025; Contains Royal Mail data &copy; Royal Mail
copyright and database right 2025; Contains National Statistics data &copy; Crown copyright and database
right 2025.</p>
<p><small>Made with gapmap {html.escape(version("gapmap"))}.</small></p>
</body></html>
"""
