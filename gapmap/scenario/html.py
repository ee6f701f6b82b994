"""Small HTML helpers for scenario pages and notebook displays."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:72rem;
color:#1a1a1a;line-height:1.45;padding:0 1rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.92rem}
th,td{border:1px solid #ccc;padding:.3rem .55rem;text-align:right}
th:first-child,td:first-child{text-align:left}
thead th{background:#f0f0f0}
.note{background:#fff8e1;border-left:4px solid #e0a800;padding:.6rem 1rem}
.warn{background:#fdecea;border-left:4px solid #c0392b;padding:.6rem 1rem}
.better{color:#1a7f37}.worse{color:#b42318}
"""


def cell(value: object, *, signed: bool = False, digits: int = 0) -> str:
    """Format one value for a table cell: thousands separators, ``n/a`` for missing.

    Examples
    --------
    >>> cell(1234.0), cell(-5.0, signed=True), cell(float("nan")), cell(0.12345, digits=3)
    ('1,234', '-5', 'n/a', '0.123')
    """
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else ""
    if isinstance(value, (int, float, np.integer, np.floating)):
        if pd.isna(value):
            return "n/a"
        return f"{value:+,.{digits}f}" if signed else f"{value:,.{digits}f}"
    return html.escape("" if value is None or value is pd.NA else str(value))


def table_html(frame: pd.DataFrame, *, signed: tuple[str, ...] = (), digits: dict[str, int] | None = None) -> str:
    """Render a table as an HTML ``<table>``.

    Parameters
    ----------
    frame
        The table; its column names are the headings.
    signed
        Columns shown with a sign (changes).
    digits
        Decimal places per column (default 0).

    Returns
    -------
    str
        The HTML.
    """
    digits = digits or {}
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>"
        + "".join(f"<td>{cell(v, signed=c in signed, digits=digits.get(c, 0))}</td>" for c, v in zip(frame.columns, row, strict=True))
        + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
