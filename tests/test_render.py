"""Maps, images and the summary page: self-contained, escaped, and robust to missing engine tables."""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from PIL import Image

from gapmap.errors import InputError
from gapmap.render import map_pages, overview_map, study_map, summary_page
from gapmap.render.assets import map_assets
from gapmap.render.document import write_pdf
from gapmap.render.features import flow_table, web_base
from gapmap.render.findings import about
from gapmap.render.images import map_png
from gapmap.render.layers import script_json
from gapmap.render.maps import distance_band_counts, tile_layer
from gapmap.render.metrics import distance_metric, kind_metrics, nice_breaks
from gapmap.render.labels import la_labels
from gapmap.render.popups import metric_texts, provision_values
from gapmap.settings import METRES_PER_MILE

EVIL = "<script>alert(1)</script>"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
TEMPLATE = "{{ 7 * 7 }}{% raw %}"


def _html(fmap) -> str:
    return fmap.get_root().render()


@pytest.fixture(scope="module")
def ne_base(ne_results):
    return web_base(ne_results)


@pytest.fixture(scope="module")
def overview_html(ne_results, ne_base):
    return _html(overview_map(ne_results, tiles=None, base=ne_base))


def test_map_is_self_contained(overview_html):
    assert not re.search(r"<script[^>]+src=", overview_html), "no external script"
    assert not re.search(r"<link[^>]+href=", overview_html), "no external style sheet"
    assert "cdn." not in overview_html and "code.jquery.com" not in overview_html
    assert "Leaflet 1.9" in overview_html and "Leaflet.markercluster" in overview_html
    assert "gapmap.controls(" in overview_html and "prefercanvas" in overview_html.lower().replace('"', "")


def test_assets_come_from_the_xstatic_packages():
    names = [asset.name for asset in map_assets()]
    assert any("XStatic-Leaflet" in name for name in names)
    css = "".join(asset.text for asset in map_assets() if asset.kind == "css")
    assert "url(images/" not in css and "data:image/png;base64," in css


def test_overview_has_every_layer_a_reader_needs(overview_html, ne_results):
    for name in ("Combined authority boundary", "Local authority boundaries", "Special schools (57)",
                 "Alternative provision settings (11)", "Straight-line distance to nearest special school",
                 "Children whose nearest special school is in another LA"):
        assert name in overview_html, name
    assert "Darker = a worse gap" in overview_html and "(miles)" in overview_html


def test_kind_map_draws_the_engines_optional_metrics(ne_results, ne_base):
    lsoa = ne_results.lsoa.assign(special_shortfall=np.linspace(0, 50, len(ne_results.lsoa)))
    results = dataclasses.replace(ne_results, lsoa=lsoa)
    page = _html(study_map(results, kind="special", tiles=None, base=ne_base))
    assert "Shortfall in special school places near the lsoa".lower() in page.lower()
    assert "Mainstream primary schools (658)" in page, "other kinds are there, hidden"


def test_unknown_kind_or_tiles_is_one_clear_error(ne_results, ne_base):
    with pytest.raises(InputError, match="not analysed"):
        study_map(ne_results, kind="post16", tiles=None, base=ne_base)
    with pytest.raises(InputError, match="Unknown base map"):
        tile_layer("no such tiles")
    assert "OpenTopoMap" in tile_layer("OpenTopoMap").layer_name
    assert tile_layer("https://tiles.example/{z}/{x}/{y}.png").tiles.startswith("https://")


def test_script_json_cannot_close_the_script_element():
    text = script_json({"name": EVIL, "x": "a & b"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["name"] == EVIL


def test_names_from_data_are_never_html(ne_results, ne_inputs):
    provision = ne_results.provision.copy()
    provision.loc[provision["kind"] == "special", "name"] = EVIL
    provision.loc[provision["kind"] == "ap", "name"] = TEMPLATE
    lsoa = ne_results.lsoa.copy()
    lsoa.loc[0, "lsoa_name"] = EVIL
    las = ne_inputs.las.copy()
    las.loc[0, "la_name"] = "Tyne & <Wear>"
    inputs = dataclasses.replace(ne_inputs, las=las, name=f"Area {EVIL}")
    results = dataclasses.replace(ne_results, inputs=inputs, provision=provision, lsoa=lsoa)
    page = _html(study_map(results, kind="special", tiles=None))
    assert EVIL not in page and "<Wear>" not in page
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in page
    assert TEMPLATE in page, "names are never evaluated as templates"
    summary = summary_page(results, maps=map_pages(results), tables=["lsoa.csv"])
    assert EVIL not in summary and "&lt;script&gt;alert(1)&lt;/script&gt;" in summary
    assert "Tyne &amp; &lt;Wear&gt;" in summary


def test_popup_values_show_places_with_their_provenance(ne_results):
    row = ne_results.provision.iloc[0].to_dict()
    values = dict(zip(["urn", "type", "sector", "la", "ages", "places", "pupils", "needs", "source", "location",
                       "nearest"], provision_values(row, la_name="Gateshead", alternative=("Other School", 1609.344))))
    assert values["nearest"] == "Other School, 1.0 miles (straight line)"
    assert "proxy" in values["places"] or "capacity" in values["places"]
    assert values["needs"] == "not recorded in the source"
    only = provision_values(row | {"needs": "ASD;SEMH"}, la_name="x", alternative=None)
    assert "Autistic spectrum disorder (ASD); Social, emotional and mental health (SEMH)" in only
    assert only[-1].startswith("none")


def test_distance_classes_put_the_threshold_on_a_band_edge(ne_results):
    metric = distance_metric("special", ne_results.settings.with_threshold("special", 4 * METRES_PER_MILE))
    assert 4 in metric.breaks and metric.class_labels()[-1] == "20 or more"
    miles = np.array([0.0, 3.99, 4.0, np.nan, 1000, 4.01])
    classes = metric.classes(pd.DataFrame({"special_straight_line_m": miles * METRES_PER_MILE}))
    assert classes[0] == 0 and classes[3] == -1 and classes[4] == len(metric.breaks) - 1
    assert [metric.breaks[c] for c in classes[[1, 2, 5]]] == [3, 3, 4], "at the threshold is not beyond it"


def test_band_counts_add_up_to_every_child(ne_results):
    counts = distance_band_counts(ne_results, "special")
    assert counts.sum() == ne_results.lsoa["children_0_15"].sum()


def test_nice_breaks_ignore_missing_and_zero():
    assert nice_breaks(np.array([np.nan, 0.0])) == (0.0,)
    assert nice_breaks(np.array([1.0, 2, 3, 4, 1000]), classes=2) == (0.0, 3.0)


def test_kind_metrics_skip_absent_or_empty_columns(ne_results):
    lsoa = ne_results.lsoa[["lsoa_code", "special_straight_line_m"]]
    assert [m.column for m in kind_metrics(lsoa.assign(special_2sfca=np.nan), "special", ne_results.settings)] == [
        "special_straight_line_m"]


def test_flows_derived_from_the_nearest_provision_reconcile(ne_results):
    flows = flow_table(ne_results, "special")
    lsoa = ne_results.lsoa
    assert flows["children"].sum() == lsoa.loc[lsoa["special_cross_la"], "children_0_15"].sum()
    assert (flows["resident_la"] != flows["provider_la"]).all()


def _with_optional_tables(results):
    urn = results.provision.loc[results.provision["kind"] == "special", "urn"].iloc[0]
    opportunities = pd.DataFrame({
        "rank": [1, 2], "kind": ["special", "ap"], "urn": [urn, "no-such-site"],
        "explanation": [f"Expand {EVIL} to serve 37 children in Gateshead", "Unplaced"],
        "children_within_threshold": [37, 5],
    })
    first = results.lsoa.iloc[:3]
    clusters = gpd.GeoDataFrame({"kind": ["special"], "children": [120]},
                                geometry=[shapely.union_all(first.geometry.to_numpy())], crs=results.lsoa.crs)
    flows = pd.DataFrame({"kind": ["special"], "resident_la": ["E08000037"], "provider_la": ["E08000021"],
                          "children": [12]})
    return dataclasses.replace(results, opportunities=opportunities, clusters=clusters, flows=flows)


def test_optional_engine_tables_are_drawn_and_summarised(ne_results, ne_base):
    results = _with_optional_tables(ne_results)
    page = _html(study_map(results, kind="special", tiles=None, base=ne_base))
    assert "Shared-service opportunities (1)" in page and "Border gap clusters: special school" in page
    assert "About 12 children in Gateshead live nearer" in page
    assert EVIL not in page
    summary = summary_page(results, maps=map_pages(results))
    assert "Top shared-service opportunities" in summary and "Expand &lt;script&gt;" in summary
    assert flow_table(results, "special")["children"].tolist() == [12]


def test_report_flows_count_only_all_needs_rows_and_say_what_they_count(ne_results):
    basis = "estimated children needing special school provision, from EHC plans (special_demand)"
    flows = pd.DataFrame({
        "kind": ["special", "special"], "need_type": ["all needs", "ASD"],
        "resident_la_gss": ["E08000037", "E08000037"], "provider_la_gss": ["E08000021", "E08000021"],
        "children": [12.0, 5.0], "demand_basis": [basis, basis], "child_miles_saved": [30.0, 10.0],
    })
    results = dataclasses.replace(ne_results, flows=flows)
    assert flow_table(results, "special")["children"].tolist() == [12.0]
    page = summary_page(results)
    section = page[page.index("Across LA borders"):].split("<h2>", 1)[0]
    assert "<tfoot><tr><td class=\"text\">All 1 LA pairs</td><td class=\"text\"></td><td>12</td><td>30</td>" in section
    assert "Estimated children needing special school provision, from EHC plans" in section
    assert "Children 0-15" not in section
    unlabelled = dataclasses.replace(results, flows=flows.drop(columns="demand_basis"))
    assert "Estimated children (see method notes)" in summary_page(unlabelled)


def test_written_outputs_link_every_map_image_and_table(ne_build):
    index = (ne_build / "index.html").read_text(encoding="utf-8")
    links = set(re.findall(r'(?:href|src)="([^"#]+)"', index))
    assert {"map.html", "map-special.html", "images/map-special.png", "gapmap.gpkg", "tables/lsoa.csv"} <= links
    for link in links:
        assert (ne_build / link).is_file(), link
    for image in (ne_build / "images").glob("*.png"):
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (ne_build / "map.html").stat().st_size < 5_000_000


def test_png_has_the_report_size(ne_results, tmp_path):
    path = tmp_path / "map.png"
    map_png(ne_results, path, kind="ap", title="AP")
    with Image.open(path) as image:
        assert image.size == (1100, 880)


def test_every_la_is_labelled_at_a_point_inside_it(ne_results, ne_base, overview_html):
    labels = la_labels(ne_base.las)
    assert set(labels["t"]) == set(ne_results.inputs.las["la_name"])
    assert labels["t"].iloc[0] == "Northumberland", "largest first: it wins a collision"
    las = ne_base.las.set_index("la_name").geometry
    assert all(las[name].contains(point) for name, point in zip(labels["t"], labels.geometry))
    assert "Place names" in overview_html and "gapmap.labels(" in overview_html


def test_counts_in_popups_are_whole_numbers(ne_results):
    lsoa = ne_results.lsoa.assign(special_shortfall=np.linspace(0, 50.4, len(ne_results.lsoa)))
    shortfall = next(m for m in kind_metrics(lsoa, "special", ne_results.settings) if m.unit == "places")
    assert metric_texts(lsoa, shortfall)[-1] == "50 places"


def test_key_findings_come_first_and_link_to_their_evidence(ne_build, ne_results):
    index = (ne_build / "index.html").read_text(encoding="utf-8")
    findings = index[index.index('id="key-findings"'):index.index("</section>", index.index('id="key-findings"'))]
    items = re.findall(r"<li>(.*?) <a href=\"#([\w-]+)\">", findings, re.S)
    assert 5 <= len(items) <= 8
    assert index.index("Key findings") < index.index("Headline figures")
    ids = re.findall(r'id="([^"]+)"', index)
    assert len(ids) == len(set(ids)), "no id twice"
    for _, target in items:
        assert target in ids, target
    need = ne_results.la_summary["special_need_beyond_statutory"].sum()
    assert items[0][0].startswith(f"About {about(need)} children who need a special school place live beyond the "
                                  "walking distance for their age")
    assert "2 miles at ages 0-7, 3 miles at 8-16, measured in a straight line" in items[0][0]
    assert "EHC plans, 2022/23" in items[0][0]  # matched to the January 2023 census
    assert "an alternative provision place" in findings


def test_about_rounds_to_two_significant_figures():
    assert [about(v) for v in (0.4, 99.5, 104, 1746, 15_500, float("nan"))] == [
        "0", "100", "100", "1,700", "16,000", "an unknown number of"]


def test_report_html_needs_no_other_file(ne_build):
    report = (ne_build / "report.html").read_text(encoding="utf-8")
    links = re.findall(r'(?:href|src)="([^"]*)"', report)
    assert links and all(link.startswith(("#", "data:image/png;base64,")) for link in links), set(links) - {""}
    images = [link for link in links if link.startswith("data:")]
    assert len(images) >= len(list(ne_build.glob("map*.html"))) + 3, "every map and the charts are inline"
    assert report.count('class="la-section"') == 7
    index = (ne_build / "index.html").read_text(encoding="utf-8")
    assert 'href="report.html"' in index and 'href="report.pdf"' in index


def test_report_pdf_is_a4_with_a_page_per_section(ne_build):
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 (a test dependency) renders the PDF")
    pdf = pdfium.PdfDocument(ne_build / "report.pdf")
    width, height = pdf[0].get_size()
    assert (round(width), round(height)) == (595, 842), "A4 in points"
    assert len(pdf) >= 7 + 5, "one page per LA and per section at least"
    text = pdf[0].get_textpage().get_text_range()
    assert "Key findings" in text
    ARTIFACTS.mkdir(exist_ok=True)
    pdf[0].render(scale=1.5).to_pil().save(ARTIFACTS / "report-page-1.png")
    pdf.close()


def test_without_weasyprint_the_build_says_why_there_is_no_pdf(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import raises ImportError
    reason = write_pdf("<p>x</p>", tmp_path / "report.pdf")
    assert reason.startswith("report.pdf was not made: WeasyPrint could not start") and "Pango" in reason
    assert not (tmp_path / "report.pdf").exists()
