"""Resolve ``--ca`` / ``--la`` into the education authorities of a study area.

A study area is a set of education authorities (the LAs that run schools:
unitary, metropolitan and London boroughs, and counties), each with the local
authority districts that make it up.  Two-tier districts (E07) resolve to
their county (E10).  Lookups are passed in as tables, so resolution is a pure
function that tests can call without a network.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import pandas as pd

from gapmap.errors import InputError, UnknownAreaError
from gapmap.sources.dfe_la_codes import DFE_LA_CODES
from gapmap.validate import CODE_FORMATS, code_problem, devolved_nation

_CODE_LIKE = re.compile(r"[A-Za-z]\d{2,}|\d+")
#: GSS code prefixes that name something other than an LA or a combined authority.
_OTHER_GEOGRAPHIES = {"E01": "an LSOA", "E02": "an MSOA", "E05": "an electoral ward", "E11": "a metropolitan county",
                      "E12": "a region", "E92": "England as a whole"}


@dataclass(frozen=True)
class EducationLA:
    """One education authority of a study area.

    Attributes
    ----------
    la_gss
        ONS code (E06, E08, E09 or E10).
    la_code
        DfE 3-digit code.
    la_name
        Name.
    lad_codes
        Local authority districts it covers (itself, or a county's E07 districts).
    """

    la_gss: str
    la_code: str
    la_name: str
    lad_codes: tuple[str, ...]


@dataclass(frozen=True)
class StudyArea:
    """The education authorities studied, with a display name, a folder slug and the combined authority, if any."""

    name: str
    slug: str
    las: tuple[EducationLA, ...]
    ca_code: str | None = None
    ca_name: str | None = None

    @property
    def lad_codes(self) -> list[str]:
        """All districts of the area, sorted."""
        return sorted({code for la in self.las for code in la.lad_codes})

    @property
    def education_la_of(self) -> dict[str, str]:
        """District code -> ONS code of its education authority."""
        return {lad: la.la_gss for la in self.las for lad in la.lad_codes}


@dataclass(frozen=True)
class Lookups:
    """The tables area resolution reads.

    Attributes
    ----------
    lads
        English LADs: ``lad``, ``lad_name``.
    lad_to_ca
        ``lad``, ``lad_name``, ``ca``, ``ca_name``.
    lad_to_county
        E07 districts and their E10 county: ``lad``, ``county``, ``county_name``.
    dfe
        Education authorities: ``la_code`` (DfE), ``la_gss``, ``la_name``.
    """

    lads: pd.DataFrame
    lad_to_ca: pd.DataFrame
    lad_to_county: pd.DataFrame
    dfe: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(list(DFE_LA_CODES), columns=["la_code", "la_gss", "la_name"])
    )


def slugify(text: str) -> str:
    """Return a lower-case, hyphenated folder name, e.g. ``"West Yorkshire"`` -> ``"west-yorkshire"``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _normal(name: str) -> str:
    name = re.sub(r"\b(mayoral|combined( county)? authority|county council|council|city of)\b", " ", name.lower())
    return re.sub(r"[^a-z0-9]+", " ", name).strip()


def _unknown(what: str, value: str, candidates: list[str], where: str) -> UnknownAreaError:
    close = difflib.get_close_matches(value, candidates, n=3, cutoff=0.5)
    close = close or difflib.get_close_matches(value.lower(), [c.lower() for c in candidates], n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else "."
    return UnknownAreaError(f"Unknown {what} {value!r}: it is not in {where}{hint}")


def _dfe_row(lookups: Lookups, *, gss: str, name: str) -> pd.Series | None:
    """The DfE row for an ONS code, or failing that for the same name (codes are sometimes reissued)."""
    dfe = lookups.dfe
    rows = dfe[dfe["la_gss"] == gss]
    if rows.empty:
        rows = dfe[dfe["la_name"].map(_normal) == _normal(name)]
    return None if rows.empty else rows.iloc[0]


def _county_districts(lookups: Lookups, county: str, name: str) -> tuple[str, ...]:
    table = lookups.lad_to_county
    rows = table[table["county"] == county]
    if rows.empty:
        rows = table[table["county_name"].map(_normal) == _normal(name)]
    return tuple(sorted(rows["lad"]))


def _education_la(lookups: Lookups, lad: str) -> EducationLA:
    """The education authority responsible for schools in one district."""
    county = lookups.lad_to_county[lookups.lad_to_county["lad"] == lad]
    if not county.empty:
        code, name = county["county"].iloc[0], county["county_name"].iloc[0]
        districts = _county_districts(lookups, code, name)
    else:
        names = lookups.lads.loc[lookups.lads["lad"] == lad, "lad_name"]
        code, name, districts = lad, (names.iloc[0] if len(names) else lad), (lad,)
    row = _dfe_row(lookups, gss=code, name=name)
    if row is None:
        raise UnknownAreaError(
            f"District {lad} ({name}) has no DfE education authority code in gapmap's lookup "
            "(gapmap/sources/dfe_la_codes.py); it may be newer than the lookup: report it to the gapmap maintainers."
        )
    return EducationLA(la_gss=code, la_code=row["la_code"], la_name=row["la_name"], lad_codes=districts)


def _from_dfe(lookups: Lookups, row: pd.Series) -> EducationLA:
    """The education authority of a DfE lookup row, with its districts."""
    gss, name = row["la_gss"], row["la_name"]
    if gss.startswith("E10"):
        districts = _county_districts(lookups, gss, name)
    else:
        lads = lookups.lads
        match = lads[lads["lad"] == gss]
        match = match if len(match) else lads[lads["lad_name"].map(_normal) == _normal(name)]
        districts = tuple(match["lad"])
    if not districts:
        raise UnknownAreaError(
            f"Education authority {row['la_code']} {name} ({gss}) has no district in the ONS LAD lookups; "
            "the ONS services may be of another vintage: set them in the gapmap config file."
        )
    return EducationLA(la_gss=gss if gss.startswith("E10") else districts[0], la_code=row["la_code"],
                       la_name=name, lad_codes=districts)


def _one_la(lookups: Lookups, token: str) -> EducationLA:
    dfe, lads = lookups.dfe, lookups.lads
    if re.fullmatch(r"\d{3}", token):
        rows = dfe[dfe["la_code"] == token]
        if rows.empty:
            raise _unknown("DfE LA code", token, [f"{c} ({n})" for c, n in zip(dfe["la_code"], dfe["la_name"])],
                           "the DfE list of education authorities")
        return _from_dfe(lookups, rows.iloc[0])
    code = token.upper()
    if code.startswith("E47"):
        raise InputError(f"{token} is a combined authority code: use --ca {token} instead of --la.")
    if code.startswith("E10"):
        rows = dfe[dfe["la_gss"] == code]
        if rows.empty:
            raise _unknown("county code", token, list(dfe["la_gss"]), "the DfE list of education authorities")
        return _from_dfe(lookups, rows.iloc[0])
    if re.fullmatch(r"E0[6789]\d{6}", code):
        if code not in set(lads["lad"]):
            raise _unknown("local authority code", token, list(lads["lad"]), "the ONS list of English districts")
        return _education_la(lookups, code)
    by_name = dfe[dfe["la_name"].map(_normal) == _normal(token)]
    if by_name.empty:
        raise _unknown("local authority", token, [*dfe["la_name"], *lads["lad"]],
                       "the DfE list of education authorities (give an E06/E07/E08/E09/E10 code, a DfE "
                       "3-digit code or a name)")
    return _from_dfe(lookups, by_name.iloc[0])


def _code_problem(token: str, *, combined: bool) -> str | None:
    """Why ``token`` cannot be an LA (or, with ``combined``, a combined authority) code, or ``None``."""
    code = token.strip().upper()
    option = "--ca" if combined else "--la"
    nation = devolved_nation(code)
    if nation is not None:
        return (f"{option} {token}: {code} is a {nation} code, but gapmap covers England only (school provision "
                "is devolved); give an English area code or name.")
    if not _CODE_LIKE.fullmatch(code):
        return None  # a name
    if not combined and CODE_FORMATS["dfe_la"][0].fullmatch(code):
        return None
    if not re.fullmatch(r"E\d{8}", code):
        expected = "E47 and six digits" if combined else "E06, E07, E08, E09 or E10 and six digits, or 3 DfE digits"
        return f"{option} {token}: {token!r} is not a valid code; expected {expected}."
    prefix = code[:3]
    if prefix in _OTHER_GEOGRAPHIES:
        authority = "a combined" if combined else "a local"
        return f"{option} {token}: {code} is the code of {_OTHER_GEOGRAPHIES[prefix]}, not of {authority} authority."
    if combined and code_problem(code, "ca"):
        hint = "" if code_problem(code, "la") else f"; use --la {code}"
        return f"--ca {token}: {code} is not a combined authority code (E47 and six digits){hint}."
    return None


def check_area_codes(*, ca: str | None = None, la: str | list[str] | None = None) -> None:
    """Reject codes that cannot name an English area before anything is downloaded.

    Parameters
    ----------
    ca, la
        As for :func:`resolve_area`; names pass unchecked.

    Raises
    ------
    UnknownAreaError
        For a Welsh, Scottish or Northern Irish code (gapmap covers England),
        a malformed code, or a code of another kind of area (an LSOA, a region).

    Examples
    --------
    >>> check_area_codes(la="W06000015")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gapmap.errors.UnknownAreaError: --la W06000015: W06000015 is a Welsh code, but gapmap covers England only ...
    """
    tokens = [(ca, True)] if ca is not None else []
    if la is not None:
        tokens += [(t, False) for t in (la.split(",") if isinstance(la, str) else la)]
    for token, combined in tokens:
        problem = _code_problem(token, combined=combined) if token.strip() else None
        if problem is not None:
            raise UnknownAreaError(problem)


def resolve_area(lookups: Lookups, *, ca: str | None = None, la: str | list[str] | None = None) -> StudyArea:
    """Resolve a combined authority or a list of LAs into a study area.

    Parameters
    ----------
    lookups
        The ONS and DfE lookup tables.
    ca
        Combined authority code (``E47...``) or name (``"West Midlands"``).
    la
        LA codes or names: ONS E06/E07/E08/E09/E10 codes, DfE 3-digit codes or
        names, as a list or one comma-separated string.

    Returns
    -------
    StudyArea
        The education authorities, sorted by ONS code, with a name and slug.

    Raises
    ------
    InputError
        If neither or both of ``ca`` and ``la`` are given.
    UnknownAreaError
        If a code or name is not known (the message suggests the nearest
        matches), or a code is not English (see :func:`check_area_codes`).

    Examples
    --------
    >>> lookups = Lookups(
    ...     lads=pd.DataFrame({"lad": ["E08000035"], "lad_name": ["Leeds"]}),
    ...     lad_to_ca=pd.DataFrame(columns=["lad", "lad_name", "ca", "ca_name"]),
    ...     lad_to_county=pd.DataFrame(columns=["lad", "lad_name", "county", "county_name"]))
    >>> resolve_area(lookups, la="383").las[0].la_gss
    'E08000035'
    """
    if (ca is None) == (la is None):
        raise InputError("Choose a study area with exactly one of --ca (a combined authority) or --la (LA codes).")
    check_area_codes(ca=ca, la=la)
    if ca is not None:
        return _resolve_ca(lookups, ca.strip())
    assert la is not None  # exactly one of ca and la is given
    tokens = [t.strip() for t in (la.split(",") if isinstance(la, str) else la) if t.strip()]
    if not tokens:
        raise InputError("--la needs at least one LA code, e.g. --la E08000035 or --la 383.")
    found: dict[str, EducationLA] = {}
    for token in tokens:
        education = _one_la(lookups, token)
        found[education.la_gss] = education
    las = tuple(found[k] for k in sorted(found))
    name = ", ".join(la.la_name for la in las)
    return StudyArea(name=name, slug="-".join(slugify(la.la_name) for la in las), las=las)


def _resolve_ca(lookups: Lookups, value: str) -> StudyArea:
    table = lookups.lad_to_ca
    rows = table[table["ca"] == value.upper()]
    if rows.empty:
        rows = table[table["ca_name"].map(_normal) == _normal(value)]
    if rows.empty:
        names = table.drop_duplicates("ca")
        raise _unknown("combined authority", value, [*names["ca"], *names["ca_name"]],
                       "the ONS LAD to combined authority lookup")
    code, name = rows["ca"].iloc[0], rows["ca_name"].iloc[0]
    found = {la.la_gss: la for la in (_education_la(lookups, lad) for lad in sorted(rows["lad"]))}
    las = tuple(found[k] for k in sorted(found))
    return StudyArea(name=f"{name} ({code})", slug=slugify(name), las=las, ca_code=code, ca_name=name)
