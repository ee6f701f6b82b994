"""The summary page (``index.html``): headline figures, method, sources and links, readable without a map.

Every value from data is escaped with :func:`html.escape`; optional engine
tables and columns are shown when present and skipped when not.
"""

from __future__ import annotations

import html
from importlib.metadata import version
from typing import Sequence

import pandas as pd

from gapmap.engine.analysis import DISTANCE_METHOD, Results
from gapmap.model import KIND_LABELS
from gapmap.render.features import EXPLANATION_COLUMNS, flow_table
from gapmap.render.maps import MapPage, distance_band_counts
from gapmap.render.metrics import kind_noun
from gapmap.render.symbols import SPECIALIST_KINDS
from gapmap.settings import METRES_PER_MILE

#: Opportunities listed on the summary page: at most this many, of rank up to TOP_RANKS.
TOP_OPPORTUNITIES = 12
TOP_RANKS = 3

#: Largest cross-LA flows listed per kind on the summary page.
TOP_FLOWS = 10

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0 auto;max-width:74rem;
color:#1a1a1a;line-height:1.45;padding:1rem 1.2rem 3rem}
h1{font-size:1.7rem;margin:.6rem 0 .2rem}h2{margin-top:2.2rem;border-bottom:2px solid #e3e3e3;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.8rem 0;font-size:.92rem}
th,td{border:1px solid #cfcfcf;padding:.3rem .55rem;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}
thead th{background:#f0f0f0}tfoot td{font-weight:bold;background:#fafafa}
td.text,th.text{text-align:left;max-width:40rem}
.note{background:#fff8e1;border-left:4px solid #e0a800;padding:.6rem 1rem}
.cards{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0}
.card{border:1px solid #d5d5d5;border-radius:6px;padding:.7rem 1rem;min-width:15rem;flex:1}
.card .figure{font-size:1.8rem;font-weight:700}.card p{margin:.2rem 0}
.maps{display:grid;grid-template-columns:repeat(auto-fill,minmax(16rem,1fr));gap:1rem}
.maps a{display:block;border:1px solid #d5d5d5;border-radius:6px;padding:.5rem;text-decoration:none;color:#0b4f8a}
.maps img{width:100%;height:auto;display:block;margin-bottom:.4rem}
nav a{margin-right:1rem}
"""


_TEXT = ' class="text"'


def _decimals(column: pd.Series) -> int | None:
    """Decimal places for a numeric column (0 when every value is whole), ``None`` for text."""
    values = pd.to_numeric(column, errors="coerce")
    if values.notna().sum() < column.notna().sum() or column.dtype == object and not values.notna().any():
        return None
    finite = values.dropna()
    if finite.empty or (finite == finite.round()).all():
        return 0
    return 2 if finite.abs().max() < 10 else 1


def _cell(value: object, decimals: int | None) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "<td>n/a</td>"
    if decimals is None:
        return f'<td class="text">{html.escape(str(value))}</td>'
    return f"<td>{float(value):,.{decimals}f}</td>"


def html_table(frame: pd.DataFrame, *, footer: Sequence[object] | None = None) -> str:
    """An HTML table of ``frame`` (no index): text left, numbers right with the same decimals per column.

    Parameters
    ----------
    frame
        Table to show; text is escaped.
    footer
        Values of a total row, one per column.

    Returns
    -------
    str
    """
    decimals = [_decimals(frame[c]) for c in frame.columns]
    head = "".join(f"<th{_TEXT if d is None else ''}>{html.escape(str(c))}</th>"
                   for c, d in zip(frame.columns, decimals))
    body = "".join("<tr>" + "".join(_cell(v, d) for v, d in zip(row, decimals)) + "</tr>"
                   for row in frame.itertuples(index=False))
    foot = "" if footer is None else "<tfoot><tr>" + "".join(
        _cell(v, None if isinstance(v, str) else d if d is not None else 0) for v, d in zip(footer, decimals)
    ) + "</tr></tfoot>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>{foot}</table>"


def _miles(results: Results, kind: str) -> str:
    return f"{results.settings.threshold(kind) / METRES_PER_MILE:g}"


def _headline(results: Results) -> str:
    summary = results.la_summary
    children = int(summary["children_0_15"].sum())
    cards = [f'<div class="card"><p>Children aged 0-15</p><p class="figure">{children:,}</p>'
             f"<p>in {len(summary)} local authorities</p></div>"]
    for kind in results.settings.kinds:
        beyond = int(summary[f"{kind}_children_beyond"].sum())
        share = beyond / children if children else float("nan")
        sites = int(summary[f"{kind}_sites"].sum()) if f"{kind}_sites" in summary.columns else None
        sites_text = f"; {sites:,} sites" if sites is not None else ""
        cards.append(
            f'<div class="card"><p>{html.escape(KIND_LABELS[kind])}</p><p class="figure">{beyond:,}</p>'
            f"<p>children ({share:.1%}) live more than {_miles(results, kind)} miles (straight line) from the "
            f"nearest {html.escape(kind_noun(kind))}{html.escape(sites_text)}</p></div>"
        )
    return f'<div class="cards">{"".join(cards)}</div>'


def _beyond_table(results: Results) -> str:
    columns = {"la_name": "Local authority", "children_0_15": "Children 0-15"}
    for kind in results.settings.kinds:
        columns[f"{kind}_sites"] = f"{KIND_LABELS[kind]} sites"
        columns[f"{kind}_children_beyond"] = f"Children > {_miles(results, kind)} mi from {kind_noun(kind)}"
    present = [c for c in columns if c in results.la_summary.columns]
    table = results.la_summary[present].rename(columns=columns).sort_values("Local authority")
    footer = ["All LAs", *table.drop(columns="Local authority").sum().tolist()]
    return html_table(table, footer=footer)


#: Places-versus-need columns of the LA summary, when the engine provides them: suffix -> heading.
PLACES_COLUMNS: dict[str, str] = {
    "places": "Places (where provision is)",
    "demand": "Estimated children needing a place (where they live)",
    "ratio": "Places per child needing one",
    "shortfall": "Shortfall in places",
    "need_beyond": "Children needing a place beyond the threshold",
}


def _places_tables(results: Results) -> str:
    summary = results.la_summary
    parts = []
    for kind in results.settings.kinds:
        if kind not in SPECIALIST_KINDS or not {f"{kind}_places", f"{kind}_demand"} <= set(summary.columns):
            continue
        columns = {"la_name": "Local authority"} | {
            f"{kind}_{suffix}": heading
            for suffix, heading in PLACES_COLUMNS.items()
            if f"{kind}_{suffix}" in summary.columns
        }
        table = summary[list(columns)].rename(columns=columns).sort_values("Local authority")
        totals = table.drop(columns="Local authority").sum()
        places, demand = totals[PLACES_COLUMNS["places"]], totals[PLACES_COLUMNS["demand"]]
        if PLACES_COLUMNS["ratio"] in totals:
            totals[PLACES_COLUMNS["ratio"]] = places / demand if demand else float("nan")
        if PLACES_COLUMNS["shortfall"] in totals:
            totals[PLACES_COLUMNS["shortfall"]] = max(0.0, demand - places)
        proxy = f"{kind}_places_proxy"
        note = ""
        if proxy in summary.columns and summary[proxy].sum() > 0:
            proxies, places = int(summary[proxy].sum()), int(summary[f"{kind}_places"].sum())
            note = (f"<p>{proxies:,} of {places:,} places are pupils on roll used as a proxy, because the source "
                    "gives no capacity.</p>")
        parts.append(f"<h3>{html.escape(KIND_LABELS[kind])}</h3>{note}"
                     + html_table(table, footer=["All LAs (pooled)", *totals.tolist()]))
    if not parts:
        return ""
    return ("<h2>Places and need</h2><p>Places are counted in the LA where the provision is (provider LA); need "
            "where the children live (resident LA). The all-LA row pools the combined authority: its shortfall is "
            "need minus places across all LAs, smaller than the sum of LA shortfalls when some LAs have places "
            "to spare.</p>" + "".join(parts))


def _bands(results: Results) -> str:
    parts = []
    for kind in results.settings.kinds:
        if kind not in SPECIALIST_KINDS:
            continue
        counts = distance_band_counts(results, kind).rename("Children 0-15").rename_axis("Straight-line distance")
        label = html.escape(kind_noun(kind))
        parts.append(f"<h3>Children by straight-line distance to the nearest {label}</h3>"
                     + html_table(counts.reset_index()))
    return "".join(parts)


def _flows(results: Results) -> str:
    names = dict(zip(results.inputs.las["la_gss"].astype(str), results.inputs.las["la_name"].astype(str)))
    parts = []
    for kind in results.settings.kinds:
        if kind not in SPECIALIST_KINDS:
            continue
        flows = flow_table(results, kind)
        if flows.empty:
            continue
        top = flows.head(TOP_FLOWS)
        basis = str(flows["basis"].iloc[0])
        table = pd.DataFrame({
            "Children live in": top["resident_la"].map(names).fillna(top["resident_la"]),
            f"Nearest {kind_noun(kind)} is in": top["provider_la"].map(names).fillna(top["provider_la"]),
            basis[:1].upper() + basis[1:]: top["children"].round(1),
        })
        footer: list[object] = [f"All {len(flows)} LA pairs", "", round(float(flows["children"].sum()), 1)]
        if flows["child_miles_saved"].notna().any():
            table["Child-miles shorter than the nearest in their own LA"] = top["child_miles_saved"].round(0)
            footer.append(round(float(flows["child_miles_saved"].sum()), 0))
        parts.append(f"<h3>{html.escape(KIND_LABELS[kind])}</h3>" + html_table(table, footer=footer))
    if not parts:
        return ""
    return ("<h2>Across LA borders</h2><p>Children whose nearest provision (in a straight line) is in another LA: "
            f"where LAs depend on each other's places. The {TOP_FLOWS} largest flows per kind; the last row adds "
            "up every flow.</p>" + "".join(parts))


def _opportunities(results: Results) -> str:
    table = results.opportunities
    if table is None or len(table) == 0:
        return ""
    frame = pd.DataFrame(table).drop(columns="geometry", errors="ignore")
    if "rank" in frame.columns:
        frame = frame[pd.to_numeric(frame["rank"], errors="coerce") <= TOP_RANKS]
    frame = frame.head(TOP_OPPORTUNITIES)
    wanted = ["kind", "objective", "rank", "need_type", *EXPLANATION_COLUMNS]
    shown = [c for c in wanted if c in frame.columns] or list(frame.columns[:6])
    frame = frame[shown].rename(columns=lambda c: str(c).replace("_", " ").capitalize())
    return (f"<h2>Top shared-service opportunities</h2><p>{len(frame)} of {len(table):,}: the best-ranked for each "
            "kind and objective. All are in <code>tables/opportunities.csv</code> and on the maps.</p>"
            + html_table(frame))


def _maps(maps: Sequence[MapPage]) -> str:
    cards = "".join(
        f'<a href="{html.escape(page.file)}"><img src="{html.escape(page.image)}" alt="{html.escape(page.title)}">'
        f"{html.escape(page.title)}</a>"
        for page in maps
    )
    return f'<div class="maps">{cards}</div>'


def summary_page(results: Results, *, maps: Sequence[MapPage] = (), tables: Sequence[str] = ()) -> str:
    """Render the study area's summary page as a self-contained HTML string.

    Parameters
    ----------
    results
        Engine results.
    maps
        The interactive maps written beside the page (linked with their PNG).
    tables
        File names of the CSV tables in ``tables/``.

    Returns
    -------
    str
        The HTML document.
    """
    inputs = results.inputs
    title = html.escape(f"Gaps in school provision: {inputs.name}")
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in results.notes)
    vintages = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>" for k, v in inputs.vintages.items())
    table_links = "".join(f'<li><a href="tables/{html.escape(name)}">{html.escape(name)}</a></li>' for name in tables)
    first_map = html.escape(maps[0].file) if maps else ""
    map_link = f'<a href="{first_map}">Overview map</a>' if maps else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>
<body>
<h1>{title}</h1>
<nav>{map_link}<a href="#maps">All maps</a><a href="#tables">Tables and GeoPackage</a><a href="#method">Method</a>
<a href="#sources">Sources</a></nav>
<p class="note">Distances are <b>straight lines</b> ({html.escape(DISTANCE_METHOD)}), not the statutory walking
route, which is longer: counts of children beyond a distance are therefore <b>lower bounds</b>. Children are counted
in the LA where they live; sites in the LA where they stand.</p>
<h2>Headline figures for the combined authority</h2>
{_headline(results)}
<h2>Children beyond the distance threshold, by local authority</h2>
{_beyond_table(results)}
{_places_tables(results)}
{_opportunities(results)}
{_flows(results)}
<h2>Distance bands</h2>
{_bands(results)}
<h2 id="maps">Maps</h2>
<p>Interactive maps open in any browser without an internet connection (only the optional base map needs one).</p>
{_maps(maps)}
<h2 id="tables">Tables</h2>
<ul><li><a href="gapmap.gpkg">gapmap.gpkg</a>: GeoPackage for QGIS or ArcGIS (British National Grid)</li>
{table_links}</ul>
<p>{len(inputs.excluded):,} source row(s) could not be used; each is listed with the reason in
<a href="tables/excluded.csv">tables/excluded.csv</a>.</p>
<h2 id="method">Method notes</h2>
<ul>{notes or "<li>Straight-line distances from LSOA centres to school postcodes.</li>"}</ul>
<h2 id="sources">Data sources and vintages</h2><ul>{vintages}</ul>
<p>Contains public sector information licensed under the Open Government Licence v3.0.
Contains OS data &copy; Crown copyright and database right 2025; Contains Royal Mail data &copy; Royal Mail
copyright and database right 2025; Contains National Statistics data &copy; Crown copyright and database
right 2025.</p>
<p><small>Made with gapmap {html.escape(version("gapmap"))}. Maps use Leaflet and Leaflet.markercluster.</small></p>
</body></html>
"""
