"""The text of popups and tooltips, as (label, value) fields.

Fields are plain text: the map code (``static/gapmap.js``) puts them into the
page with ``textContent``, so a name such as ``<script>`` shows as written and
never runs.  Field labels are shared by every feature of a layer, which keeps
the page small.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from gapmap.labels import FRACTIONAL_FIELDS, field_name
from gapmap.render.metrics import Metric, kind_noun
from gapmap.settings import METRES_PER_MILE

#: SEN need type codes (GIAS ``SEN1`` .. ``SEN13``) and their names.
NEED_LABELS: dict[str, str] = {
    "SpLD": "Specific learning difficulty",
    "MLD": "Moderate learning difficulty",
    "SLD": "Severe learning difficulty",
    "PMLD": "Profound and multiple learning difficulty",
    "SEMH": "Social, emotional and mental health",
    "SLCN": "Speech, language and communication needs",
    "HI": "Hearing impairment",
    "VI": "Visual impairment",
    "MSI": "Multi-sensory impairment",
    "PD": "Physical disability",
    "ASD": "Autistic spectrum disorder",
    "OTH": "Other difficulty or disability",
}

#: Field labels of a provision popup; the last one is completed by the kind.
PROVISION_FIELDS: tuple[str, ...] = (
    "URN", "Type", "Sector", "Local authority", "Age range", "Places", "Pupils on roll", "Need types",
    "Source", "Location", "Nearest other",
)

#: Field labels of a site's popup on an LA-level (national) map: the first facts; the LA's own map has the rest.
SHORT_PROVISION_FIELDS: tuple[str, ...] = ("URN", "Type", "Local authority", "Places", "Need types")

#: Longest text shown as a popup field.
LONGEST_FIELD = 240


def is_missing(value: object) -> bool:
    """Whether ``value`` is None, NA or NaN."""
    return value is None or (not isinstance(value, (str, list, tuple, dict)) and bool(pd.isna(value)))


def text(value: object, *, missing: str = "not recorded") -> str:
    """A value as display text: thousands separators for numbers, ``missing`` for an absent one.

    Examples
    --------
    >>> text(1234.0), text(0.125), text(None), text("<b>")
    ('1,234', '0.12', 'not recorded', '<b>')
    """
    if is_missing(value):
        return missing
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):,.2f}"
    return str(value)


def miles(metres: float | None) -> str:
    """A straight-line distance in metres as miles, e.g. ``"2.4 miles"``."""
    if metres is None or is_missing(metres):
        return "none in the study area"
    return f"{float(metres) / METRES_PER_MILE:,.1f} miles"


def _age_range(row: Mapping[str, object]) -> str:
    low, high = row.get("age_low"), row.get("age_high")
    if not is_missing(low) and not is_missing(high):
        return f"{text(low)} to {text(high)}: {text(row.get('age_source'), missing='source not recorded')}"
    low, high = row.get("statutory_low_age"), row.get("statutory_high_age")
    if not is_missing(low) and not is_missing(high):
        return f"{text(low)} to {text(high)}"
    low, high = row.get("age_low_on_roll"), row.get("age_high_on_roll")
    if not is_missing(low) and not is_missing(high):
        return f"{text(low)} to {text(high)} (ages with pupils on roll)"
    return text(None)


def _places(row: Mapping[str, object]) -> str:
    if not is_missing(row.get("places")):
        basis = row.get("places_source", row.get("places_basis"))
        return f"{text(row['places'])}: {text(basis, missing='source not recorded')}"
    if not is_missing(row.get("capacity")):
        return f"{text(row['capacity'])} (capacity)"
    if not is_missing(row.get("pupils")):
        return f"{text(row['pupils'])} (pupils on roll as a proxy: capacity not recorded)"
    return "not recorded"


def needs(codes: object) -> str:
    """Need types from ``"ASD;SEMH"`` codes, e.g. ``"Autistic spectrum disorder (ASD); ..."``."""
    if is_missing(codes) or not str(codes).strip():
        return "not recorded in the source"
    return "; ".join(f"{NEED_LABELS.get(code, code)} ({code})" for code in str(codes).split(";") if code)


def provision_values(row: Mapping[str, object], *, la_name: str, alternative: tuple[str, float] | None) -> list[str]:
    """Values of :data:`PROVISION_FIELDS` for one provision site.

    Parameters
    ----------
    row
        A row of the canonical provision table (``places`` and
        ``places_source`` are shown when the engine adds them).
    la_name
        Name of the education LA where the site stands.
    alternative
        Name and straight-line metres of the nearest other site of the same
        kind, or ``None`` when it is the only one.

    Returns
    -------
    list of str
        Plain text, one value per field.
    """
    nearest = (
        "none: the only one in the study area"
        if alternative is None
        else f"{alternative[0]}, {miles(alternative[1])} (straight line)"
    )
    postcode = text(row.get("postcode"), missing="")
    location = f"{postcode} ({text(row.get('location_source'))})" if postcode else text(row.get("location_source"))
    return [
        text(row.get("urn")), text(row.get("establishment_type")), text(row.get("sector")), la_name,
        _age_range(row), _places(row), text(row.get("pupils")), needs(row.get("needs")), text(row.get("source")),
        location, nearest,
    ]


def short_provision_values(values: list[str]) -> list[str]:
    """The values of :data:`SHORT_PROVISION_FIELDS` among a site's :func:`provision_values`.

    Examples
    --------
    >>> short_provision_values([f"value of {field}" for field in PROVISION_FIELDS])[:2]
    ['value of URN', 'value of Type']
    """
    return [values[PROVISION_FIELDS.index(field)] for field in SHORT_PROVISION_FIELDS]


def provision_fields(kind: str) -> list[str]:
    """Field labels of the popups of provision of ``kind``."""
    return [*PROVISION_FIELDS[:-1], f"Nearest other {kind_noun(kind)}"]


def metric_texts(frame: pd.DataFrame, metric: Metric) -> list[str]:
    """Each row's value of ``metric`` with its unit, or the metric's no-value text.

    Parameters
    ----------
    frame
        The LSOA table.
    metric
        Metric shown.

    Returns
    -------
    list of str
    """
    return [
        metric.no_data if np.isnan(value) else f"{value:,.{metric.decimals}f} {metric.unit}"
        for value in metric.values(frame)
    ]


def record_fields(record: Mapping[str, object], *, skip: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    """Labels and values of every scalar field of a row of an optional engine table.

    Parameters
    ----------
    record
        Field name -> value (an opportunity, a cluster).
    skip
        Field names left out (``geometry`` always is, and so are texts longer
        than :data:`LONGEST_FIELD`, such as lists of LSOA codes).

    Returns
    -------
    tuple of (list of str, list of str)
        Labels (human names, :func:`gapmap.labels.field_name`) and display values (counts whole).
    """
    keep = [(name, value) for name, value in record.items()
            if name != "geometry" and name not in skip and not isinstance(value, (list, dict, tuple))
            and not (isinstance(value, str) and len(value) > LONGEST_FIELD)]
    return [field_name(str(name)) for name, _ in keep], [_officer_value(str(name), value) for name, value in keep]


def _officer_value(name: str, value: object) -> str:
    """A field's value for officers: counts whole (``"fewer than 1"`` for a fraction), rates as :func:`text`."""
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and not any(w in name for w in FRACTIONAL_FIELDS):
        return "fewer than 1" if 0 < abs(float(value)) < 0.5 else f"{round(float(value)):,}"
    return text(value, missing="")
