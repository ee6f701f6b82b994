"""The canonical establishment model: one table of provision, whatever the source.

Every source (the school census with Code-Point Open locations, GIAS, a user's
own file) is mapped into a GeoDataFrame with the columns in :data:`PROVISION_COLUMNS`
on British National Grid (EPSG:27700).  The engine and renderer read only this
table.

Provision kinds are classified from the establishment *type* (GIAS
``TypeOfEstablishment``), never from the type group: academy and free special
schools sit in the "Academies" and "Free Schools" groups, and alternative
provision spans three groups.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gapmap.errors import InputError

if TYPE_CHECKING:  # imported where used, so that the command line starts without pandas
    import geopandas as gpd

CRS = "EPSG:27700"

#: Provision kinds, in display order.
KINDS: tuple[str, ...] = (
    "mainstream_primary",
    "mainstream_secondary",
    "mainstream_all_through",
    "mainstream_independent",
    "special",
    "ap",
    "sen_unit",
    "resourced_provision",
    "nursery",
    "post16",
)

#: Human-readable labels for each kind.
KIND_LABELS: dict[str, str] = {
    "mainstream_primary": "Mainstream primary",
    "mainstream_secondary": "Mainstream secondary",
    "mainstream_all_through": "Mainstream all-through",
    "mainstream_independent": "Independent mainstream",
    "special": "Special school",
    "ap": "Alternative provision",
    "sen_unit": "SEN unit",
    "resourced_provision": "Resourced provision",
    "nursery": "Nursery",
    "post16": "Post-16",
}

SECTORS: tuple[str, ...] = ("state-funded", "non-maintained", "independent")

#: Columns of the canonical provision table, with their pandas dtypes.
PROVISION_COLUMNS: dict[str, str] = {
    "provision_id": "string",  # URN, or URN + "-SU"/"-RP" for units hosted by a school
    "urn": "string",
    "name": "string",
    "la_code": "string",  # DfE 3-digit education authority code
    "la_gss": "string",  # ONS code of the education authority (E06/E08/E09/E10)
    "kind": "string",
    "sector": "string",
    "establishment_type": "string",
    "phase": "string",
    "statutory_low_age": "Int64",
    "statutory_high_age": "Int64",
    "age_low_on_roll": "Int64",  # youngest age with pupils on roll (census headcounts)
    "age_high_on_roll": "Int64",  # oldest age with pupils on roll
    "pupils": "Int64",
    "capacity": "Int64",  # null when the source does not give it: never guessed
    "needs": "string",  # ';'-separated SEN need codes (e.g. "ASD;SEMH"), null when unknown
    "postcode": "string",
    "source": "string",
    "location_source": "string",
    "outside_area": "boolean",  # True: in another LA near the study area, counted as neighbouring supply
}

#: Columns a source may leave out, with the value they take.
OPTIONAL_DEFAULTS: dict[str, object] = {"outside_area": False}

#: Establishment type name (GIAS ``TypeOfEstablishment (name)``, school census
#: ``typeofestablishment_name``) -> (kind, sector).  Mainstream state-funded
#: types map to ``None`` as kind: the phase decides primary or secondary.
ESTABLISHMENT_TYPES: dict[str, tuple[str | None, str] | None] = {
    "Community school": (None, "state-funded"),
    "Voluntary aided school": (None, "state-funded"),
    "Voluntary controlled school": (None, "state-funded"),
    "Foundation school": (None, "state-funded"),
    "City technology college": (None, "state-funded"),
    "Academy sponsor led": (None, "state-funded"),
    "Academy converter": (None, "state-funded"),
    "Free schools": (None, "state-funded"),
    "University technical college": (None, "state-funded"),
    "Studio schools": (None, "state-funded"),
    "Community special school": ("special", "state-funded"),
    "Foundation special school": ("special", "state-funded"),
    "Academy special sponsor led": ("special", "state-funded"),
    "Academy special converter": ("special", "state-funded"),
    "Free schools special": ("special", "state-funded"),
    "Non-maintained special school": ("special", "non-maintained"),
    "Other independent special school": ("special", "independent"),
    "Pupil referral unit": ("ap", "state-funded"),
    "Free schools alternative provision": ("ap", "state-funded"),
    "Academy alternative provision converter": ("ap", "state-funded"),
    "Academy alternative provision sponsor led": ("ap", "state-funded"),
    "Local authority nursery school": ("nursery", "state-funded"),
    "Other independent school": ("mainstream_independent", "independent"),
    "Further education": ("post16", "state-funded"),
    "Sixth form centres": ("post16", "state-funded"),
    "Free schools 16 to 19": ("post16", "state-funded"),
    "Academy 16-19 converter": ("post16", "state-funded"),
    "Academy 16-19 sponsor led": ("post16", "state-funded"),
    "Academy 16 to 19 sponsor led": ("post16", "state-funded"),
    "Special post 16 institution": ("post16", "independent"),
    # Not school places for resident children: excluded from provision.
    "Secure units": None,
    "Academy secure 16 to 19": None,
    "Offshore schools": None,
    "Service children's education": None,
    "Miscellaneous": None,
    "Higher education institutions": None,
    "Welsh establishment": None,
    "British schools overseas": None,
    "Online provider": None,
    "Institution funded by other government department": None,
}

#: Phase (GIAS ``PhaseOfEducation (name)`` or census phase grouping) -> mainstream kind.
MAINSTREAM_PHASES: dict[str, str] = {
    "Primary": "mainstream_primary",
    "Middle deemed primary": "mainstream_primary",
    "Secondary": "mainstream_secondary",
    "Middle deemed secondary": "mainstream_secondary",
    "All-through": "mainstream_all_through",
    "16 plus": "post16",
    "Nursery": "nursery",
}


def classify(establishment_type: str, phase: str | None) -> tuple[str, str] | None:
    """Return ``(kind, sector)`` for an establishment, or ``None`` if excluded.

    Parameters
    ----------
    establishment_type
        Establishment type name as GIAS and the school census write it,
        e.g. ``"Academy special converter"``.
    phase
        Phase of education (``"Primary"``, ``"Secondary"``, ``"All-through"``,
        ...), used only for state-funded mainstream types.

    Returns
    -------
    tuple of (str, str) or None
        The provision kind and sector, or ``None`` for types that are not
        school places for resident children (secure units, offshore schools).

    Raises
    ------
    InputError
        If the establishment type is not known, or a mainstream school has no
        usable phase.

    Examples
    --------
    >>> classify("Academy special converter", None)
    ('special', 'state-funded')
    >>> classify("Academy converter", "Secondary")
    ('mainstream_secondary', 'state-funded')
    """
    if establishment_type not in ESTABLISHMENT_TYPES:
        raise InputError(
            f"Unknown establishment type {establishment_type!r}: expected one of the "
            "GIAS TypeOfEstablishment names (see gapmap.model.ESTABLISHMENT_TYPES)."
        )
    mapped = ESTABLISHMENT_TYPES[establishment_type]
    if mapped is None:
        return None
    kind, sector = mapped
    if kind is not None:
        return kind, sector
    if phase not in MAINSTREAM_PHASES:
        raise InputError(
            f"Mainstream school of type {establishment_type!r} has phase {phase!r}: "
            f"expected one of {sorted(MAINSTREAM_PHASES)}."
        )
    return MAINSTREAM_PHASES[phase], sector


def empty_provision() -> gpd.GeoDataFrame:
    """Return an empty provision table with the canonical columns and CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        Zero rows, the columns of :data:`PROVISION_COLUMNS` and a point geometry.
    """
    import geopandas as gpd
    import pandas as pd

    frame = pd.DataFrame({c: pd.Series(dtype=t) for c, t in PROVISION_COLUMNS.items()})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)


def conform_provision(frame: gpd.GeoDataFrame, *, source_name: str) -> gpd.GeoDataFrame:
    """Check a provision table against the canonical model and fix its dtypes.

    Parameters
    ----------
    frame
        A table produced by a source, with at least the canonical columns
        (those of :data:`OPTIONAL_DEFAULTS` may be left out) and point geometries.
    source_name
        Name of the input, used in error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        The canonical columns in order, typed, on EPSG:27700, sorted by
        ``provision_id``.

    Raises
    ------
    InputError
        If a column is missing, ``provision_id`` is duplicated, a kind or sector
        is unknown, the CRS is not British National Grid, or a geometry is not a point.
    """
    frame = frame.assign(**{c: v for c, v in OPTIONAL_DEFAULTS.items() if c not in frame.columns})
    missing = [c for c in PROVISION_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"{source_name} lacks the column(s) {', '.join(missing)}.")
    if frame.crs is None or frame.crs.to_epsg() != 27700:
        raise InputError(f"{source_name} must be on British National Grid (EPSG:27700), got {frame.crs}.")
    out = frame[list(PROVISION_COLUMNS) + ["geometry"]].copy()
    for column, dtype in PROVISION_COLUMNS.items():
        out[column] = out[column].astype(dtype)
    dupes = out["provision_id"][out["provision_id"].duplicated()].unique()
    if len(dupes):
        raise InputError(f"{source_name} has duplicate provision ids: {', '.join(map(str, dupes[:5]))}.")
    bad_kinds = sorted(set(out["kind"].dropna()) - set(KINDS))
    if bad_kinds:
        raise InputError(f"{source_name} has unknown provision kind(s) {bad_kinds}; expected {list(KINDS)}.")
    bad_sectors = sorted(set(out["sector"].dropna()) - set(SECTORS))
    if bad_sectors:
        raise InputError(f"{source_name} has unknown sector(s) {bad_sectors}; expected {list(SECTORS)}.")
    if len(out) and not (out.geom_type == "Point").all():
        raise InputError(f"{source_name} must have point locations only.")
    return out.sort_values("provision_id", kind="stable").reset_index(drop=True)
