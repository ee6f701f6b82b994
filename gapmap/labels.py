"""The words every output uses for a figure: its rule, its supply set, its data year, and how it reads.

One vocabulary for the summary page, the data dictionary, the maps, scenario
pages and method notes, so that each figure is named the same way everywhere:

* a flat distance: ``"more than 3 miles, straight line"``;
* the statutory walking distance for the child's age: ``"beyond the walking
  distance for their age: 2 miles under 8, 3 miles 8-16"``;
* a supply set: ``"state-funded only"``, ``"state-funded + non-maintained"``;
* a SEN2 year: ``"2022/23"``;
* a number for officers: ``"1,695"`` for a count, ``"about 1,700"`` for an estimate.
"""

from __future__ import annotations

import math

from gapmap.model import KIND_LABELS, SECTORS
from gapmap.settings import DEFAULT_SECTORS, LATEST, METRES_PER_MILE, SECTORS_REASON, RuleSet, Settings

#: The two distance rules of every count beyond a distance: column suffix -> what it means.
RULES: dict[str, str] = {
    "threshold": "a flat distance per kind (the threshold)",
    "statutory": "the statutory walking distance for the child's age",
}

#: Headline figures of a kind, need first: LA/CA summary column suffix -> label template.
#: ``{rule}`` is filled by :func:`threshold_rule` or :func:`walking_rule`, ``{need}`` by
#: :func:`need_phrase`, ``{noun}`` by :func:`kind_noun`.
HEADLINE_COLUMNS: dict[str, str] = {
    "need_beyond_threshold": "Estimated children needing {need} who live {rule}, from the nearest suitable {noun}",
    "need_beyond_statutory": "Estimated children needing {need} who live {rule}, from the nearest suitable {noun}",
    "children_beyond": "All children aged 0-15 (not only those needing a place) who live {rule}, from the nearest "
                       "{noun}",
}

#: Human names of fields shown to officers (summary and scenario pages): column -> name.
FIELD_NAMES: dict[str, str] = {
    "kind": "Provision",
    "objective": "Aim",
    "rank": "Rank",
    "need_type": "Need type",
    "name": "Site",
    "location_name": "Site",
    "location_la_name": "Local authority of the site",
    "location_la_gss": "Local authority of the site (code)",
    "places": "Estimated places",
    "children_within": "Children newly within reach",
    "explanation": "Why this site",
    "solver": "How the plan was found",
    "la_name": "Local authority",
    "location": "Site reference",
    "location_type": "Type of site",
    "las_served": "Local authorities served",
    "children_by_la": "Children newly within reach, by local authority",
    "children_brought_within": "Children newly within reach",
    "children_nearest": "Children for whom it would be the nearest",
    "child_miles_saved": "Child-miles saved (one way)",
    "estimated_places": "Estimated places (need newly within reach)",
    "threshold_miles": "Distance threshold (miles)",
    "demand_basis": "Who is counted",
    "plan_children_within": "Children within reach once the plan's sites open",
    "plan_gap": "Proven optimality gap of the plan",
    "indicative_annual_saving_gbp": "Indicative annual saving (GBP)",
    "saving_basis": "How the saving is worked out",
    "cluster": "Cluster",
    "la_count": "Local authorities",
    "las": "Local authorities",
    "lsoas": "Neighbourhoods (LSOAs)",
    "children": "Children",
    "max_distance_m": "Farthest distance to the nearest site (metres)",
    "centre_name": "Nearest place to the centre",
    "centre_easting": "Centre easting (metres)",
    "centre_northing": "Centre northing (metres)",
    "area_km2": "Area (square km)",
}

#: Words of a field name whose values are rates, shares or averages (shown with decimals); other
#: numbers shown to officers (children, places, sites) are whole.
FRACTIONAL_FIELDS: tuple[str, ...] = ("gap", "ratio", "share", "mean", "average", "median", "per_", "per ", "2sfca",
                                     "minutes", "area")


def kind_noun(kind: str) -> str:
    """The kind's label for use inside a sentence: ``"special school"``, ``"SEN unit"``.

    Examples
    --------
    >>> kind_noun("sen_unit"), kind_noun("ap")
    ('SEN unit', 'alternative provision')
    """
    label = KIND_LABELS.get(kind, kind)
    return label if label[1:2].isupper() else label[:1].lower() + label[1:]


def need_phrase(kind: str) -> str:
    """What a child needs, inside a sentence: ``"a special school place"``, ``"alternative provision"``.

    Examples
    --------
    >>> need_phrase("special"), need_phrase("ap")
    ('a special school place', 'alternative provision')
    """
    return kind_noun(kind) if kind == "ap" else f"a {kind_noun(kind)} place"


def measure(settings: Settings) -> str:
    """How distances are measured, in a few words: ``"straight line"``, ``"straight line x 1.3"``.

    Examples
    --------
    >>> measure(Settings()), measure(Settings(circuity=1.3))
    ('straight line', 'straight line x 1.3')
    """
    if settings.cost_backend is not None:
        return str(getattr(settings.cost_backend, "label", None) or "a user cost function")
    return "straight line" if settings.circuity == 1.0 else f"straight line x {settings.circuity:g}"


def _miles(metres: float) -> str:
    miles = metres / METRES_PER_MILE
    return f"{miles:g} mile" if miles == 1 else f"{miles:g} miles"


def threshold_rule(settings: Settings, kind: str) -> str:
    """The flat-distance rule of ``kind``: ``"more than 3 miles, straight line"``.

    Examples
    --------
    >>> threshold_rule(Settings(), "special")
    'more than 3 miles, straight line'
    """
    return f"more than {_miles(settings.threshold(kind))}, {measure(settings)}"


def walking_rule(rules: RuleSet | Settings) -> str:
    """The walking-distance rule by age, e.g. the statutory one.

    Examples
    --------
    >>> walking_rule(Settings())
    'beyond the walking distance for their age: 2 miles under 8, 3 miles 8-16'
    """
    rule_set = rules.rule_set if isinstance(rules, Settings) else rules
    bands = ", ".join(
        f"{_miles(b.distance_m)} {'under ' + str(b.high_age + 1) if b.low_age == 0 else f'{b.low_age}-{b.high_age}'}"
        for b in rule_set.bands
    )
    return f"beyond the walking distance for their age: {bands}"


def rule_label(settings: Settings, kind: str, rule: str) -> str:
    """The label of ``rule`` (a key of :data:`RULES`) for ``kind``."""
    if rule not in RULES:
        raise ValueError(f"Unknown rule {rule!r}; expected one of {', '.join(RULES)}.")
    return threshold_rule(settings, kind) if rule == "threshold" else walking_rule(settings)


def headline_label(settings: Settings, kind: str, suffix: str) -> str:
    """Label of a headline column ``{kind}_{suffix}`` (a key of :data:`HEADLINE_COLUMNS`).

    Examples
    --------
    >>> headline_label(Settings(), "special", "need_beyond_threshold")
    'Estimated children needing a special school place who live more than 3 miles, straight line, from the nearest suitable special school'
    """
    rule = "statutory" if suffix.endswith("statutory") else "threshold"
    return HEADLINE_COLUMNS[suffix].format(noun=kind_noun(kind), need=need_phrase(kind),
                                           rule=rule_label(settings, kind, rule))


def sectors_label(sectors: tuple[str, ...] | list[str]) -> str:
    """A supply set in words: ``"state-funded only"``, ``"state-funded + non-maintained"``.

    Examples
    --------
    >>> sectors_label(("state-funded",)), sectors_label(("independent", "state-funded"))
    ('state-funded only', 'state-funded + independent')
    """
    ordered = [s for s in SECTORS if s in set(sectors)]
    return f"{ordered[0]} only" if len(ordered) == 1 else " + ".join(ordered)


def sectors_note(sectors: tuple[str, ...]) -> str:
    """The method note on which supply counts, with the reason for the default.

    Examples
    --------
    >>> sectors_note(("state-funded",))[:47]
    'Supply counted: state-funded only (the default)'
    """
    chosen = sectors_label(sectors)
    if tuple(sectors) == DEFAULT_SECTORS:
        return f"Supply counted: {chosen} (the default). {SECTORS_REASON}"
    return (f"Supply counted: {chosen}, as chosen; the default is {sectors_label(DEFAULT_SECTORS)}. "
            f"{SECTORS_REASON}")


def parse_sectors(text: str) -> tuple[str, ...]:
    """Sectors from a comma-separated list (``"all"`` for every sector), in :data:`gapmap.model.SECTORS` order.

    Raises
    ------
    ValueError
        If a name is not a sector or none is given.

    Examples
    --------
    >>> parse_sectors("non-maintained, state-funded")
    ('state-funded', 'non-maintained')
    """
    names = [part.strip() for part in str(text).split(",") if part.strip()]
    if names == ["all"]:
        return SECTORS
    unknown = [n for n in names if n not in SECTORS]
    if unknown or not names:
        raise ValueError(f"{text!r}: expected one or more of {', '.join(SECTORS)} (comma-separated), or all.")
    return tuple(s for s in SECTORS if s in names)


def ehcp_year_label(time_period: int | str | None) -> str:
    """A SEN2 ``time_period`` as officers write it: ``202223`` -> ``"2022/23"``.

    Examples
    --------
    >>> ehcp_year_label(202223), ehcp_year_label(None)
    ('2022/23', 'matched to the supply')
    """
    if time_period is None:
        return "matched to the supply"
    if time_period == LATEST:
        return "the latest published"
    text = str(time_period)
    return f"{text[:4]}/{text[4:]}" if len(text) == 6 and text.isdigit() else text


def parse_ehcp_year(text: str) -> int | str | None:
    """A SEN2 year from ``2022/23``, ``2022-23``, ``202223``, ``matched`` or ``latest``.

    Raises
    ------
    ValueError
        If the text is none of these.

    Examples
    --------
    >>> parse_ehcp_year("2022/23"), parse_ehcp_year("202425"), parse_ehcp_year("matched")
    (202223, 202425, None)
    """
    value = str(text).strip().lower()
    if value in ("matched", ""):
        return None
    if value == LATEST:
        return LATEST
    digits = value.replace("/", "").replace("-", "")
    if len(digits) == 6 and digits.isdigit() and (int(digits[:4]) + 1) % 100 == int(digits[4:]):
        return int(digits)
    raise ValueError(f"{text!r}: expected a SEN2 year such as 2022/23 (or 202223), matched or latest.")


def count(value: float) -> str:
    """A counted number for officers: whole, with thousands separators; ``"no data"`` when missing.

    Examples
    --------
    >>> count(49169.0), count(float("nan"))
    ('49,169', 'no data')
    """
    if value is None or not math.isfinite(float(value)):
        return "no data"
    return f"{round(float(value)):,}"


def about(value: float) -> str:
    """An estimate for officers: ``"about 1,700"`` (two significant figures from 100), ``"about 63"``.

    Examples
    --------
    >>> about(1694.77), about(63.4), about(0.2), about(-7131)
    ('about 1,700', 'about 63', 'fewer than 1', 'about -7,100')
    """
    if value is None or not math.isfinite(float(value)):
        return "no data"
    magnitude = abs(float(value))
    if magnitude < 0.5:
        return "fewer than 1" if magnitude > 0 else "0"
    digits = len(str(int(round(magnitude))))
    rounded = round(magnitude, -(digits - 2)) if digits > 2 else round(magnitude)
    return f"about {'-' if value < 0 else ''}{int(rounded):,}"


def field_name(column: str) -> str:
    """Human name of a field shown to officers: :data:`FIELD_NAMES`, else the words of the column name.

    Examples
    --------
    >>> field_name("location_la_name"), field_name("lsoa_count")
    ('Local authority of the site', 'Lsoa count')
    """
    if column in FIELD_NAMES:
        return FIELD_NAMES[column]
    words = str(column).replace("_", " ")
    return words[:1].upper() + words[1:]
