"""Check and resolve what a planner types (URNs, postcodes, points, LAs, numbers) against a study.

Every function raises :class:`~gapmap.scenario.edits.EditError` with one
sentence that names the edit and the argument at fault.
"""

from __future__ import annotations

import math
import re
from typing import Sequence

import pandas as pd
from shapely.geometry import Point

from gapmap.inputs import StudyInputs
from gapmap.model import KINDS
from gapmap.scenario.edits import NEED_CODES, EditError
from gapmap.settings import METRES_PER_MILE, Settings
from gapmap.validate import BNG_EASTING, BNG_NORTHING, LA_TOLERANCE_M

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")


def urn(value: object, *, action: str) -> str:
    """Return a URN as text (``123456`` and ``"123456"`` are the same URN)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip():
        raise EditError(f"`{action}` needs a URN (a number such as 108565), got {value!r}.", argument="urn")
    return str(value).strip()


def provision_row(inputs: StudyInputs, value: str, *, action: str) -> pd.Series:
    """Return the provision row of a school by URN (its own row, not a unit it hosts)."""
    provision = inputs.provision
    rows = provision[(provision["provision_id"] == value).fillna(False).to_numpy()]
    if rows.empty:
        raise EditError(f"Unknown URN {value} in `{action}`: no provision in the study has it.", argument="urn")
    return rows.iloc[0]


def postcode_location(inputs: StudyInputs, value: object, *, action: str) -> tuple[float, float, str]:
    """Return ``(easting, northing, postcode)`` of a postcode that a located school in the study has.

    Raises
    ------
    EditError
        If the value is not a UK postcode, or no located school has it: gapmap
        does not invent coordinates for other postcodes.
    """
    text = re.sub(r"\s+", "", str(value)).upper()
    match = _POSTCODE.match(text)
    if not match:
        raise EditError(f"{value!r} in `{action}` is not a UK postcode (e.g. NE8 2XD).", argument="postcode")
    postcode = f"{match.group(1)} {match.group(2)}"
    provision = inputs.provision
    known = provision["postcode"].str.replace(r"\s+", "", regex=True).str.upper() == text
    rows = provision[known.fillna(False).to_numpy()]
    if rows.empty:
        raise EditError(
            f"Unknown postcode {postcode} in `{action}`: postcode lookup needs a located postcode, and no school "
            "in the study has this one; give point=(easting, northing) or urn= instead.",
            argument="postcode",
        )
    geometry = rows.geometry.iloc[0]
    return float(geometry.x), float(geometry.y), postcode


def point(value: object, *, action: str) -> tuple[float, float]:
    """Return ``(easting, northing)`` checked to lie on the British National Grid."""
    try:
        easting, northing = (float(v) for v in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise EditError(
            f"point in `{action}` must be (easting, northing) in metres, got {value!r}.", argument="point"
        ) from None
    if not (BNG_EASTING[0] <= easting <= BNG_EASTING[1] and BNG_NORTHING[0] <= northing <= BNG_NORTHING[1]):
        hint = " (it looks like longitude/latitude)" if abs(easting) <= 180 and abs(northing) <= 90 else ""
        raise EditError(
            f"point ({easting:g}, {northing:g}) in `{action}` is not on the British National Grid{hint}; "
            "give easting and northing in metres (EPSG:27700).",
            argument="point",
        )
    return easting, northing


def la_at(inputs: StudyInputs, easting: float, northing: float, *, action: str) -> tuple[str, str]:
    """Return ``(la_gss, la_code)`` of the study LA containing a point (or within 2 km of it)."""
    distances = inputs.las.geometry.distance(Point(easting, northing)).to_numpy()
    best = int(distances.argmin())
    if distances[best] > LA_TOLERANCE_M:  # boundaries are generalised
        raise EditError(
            f"point ({easting:.0f}, {northing:.0f}) in `{action}` lies outside the study's LAs "
            f"({distances[best] / 1000:.1f} km from the nearest).",
            argument="point",
        )
    row = inputs.las.iloc[best]
    return str(row["la_gss"]), str(row["la_code"])


def la(inputs: StudyInputs, value: object, *, action: str) -> str:
    """Return the ONS code of a study LA given its ONS code, DfE code or name."""
    text = str(value).strip().lower()
    las = inputs.las
    for column in ("la_gss", "la_code", "la_name"):
        hit = las[las[column].astype(str).str.lower() == text]
        if len(hit):
            return str(hit["la_gss"].iloc[0])
    names = ", ".join(las["la_name"].astype(str))
    raise EditError(f"Unknown LA {value!r} in `{action}`; the study's LAs are: {names}.", argument="la")


def kind(value: object, settings: Settings, *, action: str) -> str:
    """Return a provision kind that the study analyses."""
    if value not in KINDS:
        raise EditError(f"Unknown kind {value!r} in `{action}`; choose from {', '.join(KINDS)}.", argument="kind")
    if value not in settings.kinds:
        raise EditError(
            f"Kind {value!r} in `{action}` is not analysed in this study (it analyses {', '.join(settings.kinds)}); "
            "add it to the study's kinds (`kinds:` in a scenario file, Settings(kinds=...) in Python).",
            argument="kind",
        )
    return str(value)


def whole_number(value: object, *, action: str, argument: str, minimum: int | None = 0) -> int:
    """Return an integer (an integral float is accepted), at least ``minimum`` when given."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer():
        raise EditError(f"{argument} in `{action}` must be a whole number, got {value!r}.", argument=argument)
    number = int(value)
    if minimum is not None and number < minimum:
        raise EditError(f"{argument} in `{action}` must be {minimum} or more, got {number}.", argument=argument)
    return number


def positive(value: object, *, action: str, argument: str) -> float:
    """Return a finite number greater than zero."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise EditError(f"{argument} in `{action}` must be a positive number, got {value!r}.", argument=argument)
    return float(value)


def metres(*, metres: object, miles: object, action: str) -> float:
    """Return a distance in metres given exactly one of ``metres`` and ``miles``."""
    if (metres is None) == (miles is None):
        raise EditError(f"`{action}` needs exactly one of metres= and miles=.", argument="metres")
    if metres is not None:
        return positive(metres, action=action, argument="metres")
    return positive(miles, action=action, argument="miles") * METRES_PER_MILE


def needs(value: object, *, action: str) -> tuple[str, ...]:
    """Return need codes in their canonical spelling (``"asd"`` -> ``"ASD"``), sorted."""
    items: Sequence[object] = value.split(";") if isinstance(value, str) else value  # type: ignore[assignment]
    canonical = {code.lower(): code for code in NEED_CODES}
    out = []
    for item in items:
        code = canonical.get(str(item).strip().lower())
        if code is None:
            raise EditError(
                f"Unknown need type {item!r} in `{action}`; choose from {', '.join(NEED_CODES)}.", argument="needs"
            )
        out.append(code)
    return tuple(sorted(set(out)))


def ages(value: object, *, action: str) -> tuple[int, int]:
    """Return ``(youngest, oldest)`` statutory ages, 0 to 25."""
    try:
        low, high = (whole_number(v, action=action, argument="ages") for v in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise EditError(f"ages in `{action}` must be (youngest, oldest), got {value!r}.", argument="ages") from None
    if not low <= high <= 25:
        raise EditError(f"ages in `{action}` must satisfy 0 <= youngest <= oldest <= 25, got {value!r}.",
                        argument="ages")
    return low, high
