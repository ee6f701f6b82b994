"""Pages come from the packaged Jinja2 templates, with every value escaped and never evaluated."""

from __future__ import annotations

import jinja2
import pytest

from gapmap.render.pages import Cell, Table, environment, render_page, table_markup
from gapmap.study import Study

EVIL = "<script>alert(1)</script>"
TEMPLATE = "{{ 7 * 7 }}"


def test_every_page_template_is_packaged():
    assert {"base.html", "summary.html", "scenario.html", "sweep.html", "_macros.html"} <= set(
        environment().list_templates())
    assert environment().autoescape is True


def test_table_cells_are_escaped_and_aligned():
    table = Table([Cell("Name"), Cell("Children", numeric=True)], [[Cell(EVIL), Cell("1,234", numeric=True)]],
                  foot=[Cell("All"), Cell("1,234", numeric=True)])
    assert str(table_markup(table)) == (
        '<table><thead><tr><th class="text">Name</th><th>Children</th></tr></thead><tbody>'
        '<tr><td class="text">&lt;script&gt;alert(1)&lt;/script&gt;</td><td>1,234</td></tr></tbody>'
        '<tfoot><tr><td class="text">All</td><td>1,234</td></tr></tfoot></table>')


def test_a_missing_value_is_an_error_not_a_blank():
    with pytest.raises(jinja2.UndefinedError, match="'scenario_name' is undefined"):
        render_page("scenario.html", title="x", map_file=None)


@pytest.fixture(scope="module")
def hostile_comparison(ne_inputs, ne_results):
    study = Study(ne_inputs)
    return study.scenario(f"{EVIL} {TEMPLATE}").close(urn=108565).run().compare(ne_results)


def test_scenario_page_and_notebook_view_escape_the_scenario_name(hostile_comparison):
    for page in (hostile_comparison.summary_page(), hostile_comparison._repr_html_()):
        assert EVIL not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert TEMPLATE in page, "names are never evaluated as templates"
    assert "<b>North Tyneside</b> would have no alternative provision site" in hostile_comparison._repr_html_()
