"""Tables of scenario figures for scenario pages and notebook displays."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gapmap.render.pages import Cell, Table, table_markup


def cell(value: object, *, signed: bool = False, digits: int = 0) -> str:
    """Format one value for a table cell (plain text): thousands separators, ``n/a`` for missing.

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
    return "" if value is None or value is pd.NA else str(value)


def _numeric(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def scenario_table(frame: pd.DataFrame, *, signed: tuple[str, ...] = (), digits: dict[str, int] | None = None) -> Table:
    """A table of scenario figures: changes in ``signed`` columns carry a sign.

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
    gapmap.render.pages.Table
    """
    digits = digits or {}
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
               for c in frame.columns]
    rows = [
        [Cell(cell(v, signed=c in signed, digits=digits.get(c, 0)), numeric=_numeric(v))
         for c, v in zip(frame.columns, row, strict=True)]
        for row in frame.itertuples(index=False)
    ]
    return Table([Cell(str(c), numeric=n) for c, n in zip(frame.columns, numeric)], rows)


def table_html(frame: pd.DataFrame, *, signed: tuple[str, ...] = (), digits: dict[str, int] | None = None) -> str:
    """Render a table of scenario figures as an HTML ``<table>`` (see :func:`scenario_table`).

    Returns
    -------
    str
        The HTML, every value escaped.
    """
    return str(table_markup(scenario_table(frame, signed=signed, digits=digits)))
