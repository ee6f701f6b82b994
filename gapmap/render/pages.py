"""HTML pages from Jinja2 templates (``gapmap/render/templates``), with autoescape on.

Python computes what a page says (figures, sentences, :class:`Table` cells as
plain text); the templates say how it looks.  Every value is escaped by Jinja2,
so a school called ``<script>`` shows as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Sequence, SupportsFloat, cast

import jinja2
import pandas as pd
from markupsafe import Markup

from gapmap import __version__
from gapmap.labels import FRACTIONAL_FIELDS


@dataclass(frozen=True)
class Cell:
    """One table cell: its display text and whether it is a number (right-aligned)."""

    text: str
    numeric: bool = False


@dataclass(frozen=True)
class Table:
    """A table ready for the ``table`` macro of ``_macros.html``.

    Attributes
    ----------
    head
        Column headings.
    rows
        Body rows.
    foot
        Total row, or ``None``.
    """

    head: list[Cell]
    rows: list[list[Cell]]
    foot: list[Cell] | None = None


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of gapmap's pages (autoescape on, undefined names are errors)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("gapmap.render", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals["gapmap_version"] = __version__
    return env


def render_page(template: str, **context: Any) -> str:
    """Render the page template ``template`` (e.g. ``"summary.html"``) with ``context``.

    Parameters
    ----------
    template
        File name in ``gapmap/render/templates``.
    **context
        Values the template reads.

    Returns
    -------
    str
        The HTML document.
    """
    return environment().get_template(template).render(**context)


def table_markup(table: Table) -> Markup:
    """A :class:`Table` as an HTML fragment (the ``table`` macro), e.g. for a notebook display."""
    return Markup(environment().get_template("_macros.html").module.table(table))  # type: ignore[attr-defined]


def _decimals(column: pd.Series) -> int | None:
    """Decimal places for a numeric column (0 when every value is whole or it counts things), ``None`` for text."""
    values = pd.to_numeric(column, errors="coerce")
    if values.notna().sum() < column.notna().sum() or column.dtype == object and not values.notna().any():
        return None
    finite = values.dropna()
    heading = str(column.name).lower()
    if finite.empty or (finite == finite.round()).all() or not any(w in heading for w in FRACTIONAL_FIELDS):
        return 0
    return 2 if finite.abs().max() < 10 else 1


def _cell(value: object, decimals: int | None) -> Cell:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return Cell("n/a", numeric=True)
    if decimals is None:
        return Cell(str(value))
    return Cell(f"{float(cast(SupportsFloat, value)):,.{decimals}f}", numeric=True)  # a numeric column's cell


def frame_table(frame: pd.DataFrame, *, footer: Sequence[object] | None = None) -> Table:
    """A table of ``frame`` (no index): text left, numbers right with the same decimals per column.

    Parameters
    ----------
    frame
        Table to show; its column names are the headings.
    footer
        Values of a total row, one per column.

    Returns
    -------
    Table

    Examples
    --------
    >>> t = frame_table(pd.DataFrame({"LA": ["a"], "n": [1234.0]}), footer=["All", 1234.0])
    >>> [c.text for c in t.rows[0]], t.foot[1]
    (['a', '1,234'], Cell(text='1,234', numeric=True))
    """
    decimals = [_decimals(frame[c]) for c in frame.columns]
    head = [Cell(str(c), numeric=d is not None) for c, d in zip(frame.columns, decimals)]
    rows = [[_cell(v, d) for v, d in zip(row, decimals)] for row in frame.itertuples(index=False)]
    foot = None if footer is None else [
        _cell(v, None if isinstance(v, str) else d if d is not None else 0) for v, d in zip(footer, decimals)
    ]
    return Table(head, rows, foot)
