"""Names that become paths: folder slugs, and output folders that stay inside the output root.

A study area's slug and a scenario's folder name come from data (an area name,
a scenario file's ``area:`` or ``name:``), so they are checked before they are
joined to a path: a slug is lower-case letters, digits and single hyphens, and
the folder it names must resolve inside ``--out``.  Nothing a file says can make
gapmap write (or swap away) a folder elsewhere.
"""

from __future__ import annotations

import re
from pathlib import Path

from gapmap.errors import InputError, OutputError

#: A folder slug: lower-case letters and digits in runs joined by single hyphens, at most 100 characters.
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_SLUG_LENGTH = 100


def check_slug(value: object, *, what: str) -> str:
    """Return ``value`` if it is a folder slug, else raise naming ``what`` it is.

    Parameters
    ----------
    value
        The candidate, e.g. a study area's slug.
    what
        What it names, for the message (e.g. ``"the study area"``).

    Returns
    -------
    str
        ``value`` unchanged.

    Raises
    ------
    InputError
        If ``value`` is not text of lower-case letters, digits and single
        hyphens (so no ``/``, ``..``, drive or absolute path).

    Examples
    --------
    >>> check_slug("north-east", what="the study area")
    'north-east'
    >>> check_slug("../../x", what="the study area")
    Traceback (most recent call last):
    ...
    gapmap.errors.InputError: '../../x' is not a valid folder name for the study area: use lower-case letters, digits and hyphens (e.g. north-east).
    """
    if not isinstance(value, str) or len(value) > MAX_SLUG_LENGTH or not SLUG.fullmatch(value):
        raise InputError(f"{value!r} is not a valid folder name for {what}: use lower-case letters, digits and "
                         "hyphens (e.g. north-east).")
    return value


def output_folder(out: str | Path, *parts: str) -> Path:
    """Return ``out/part/part...``, checked to be a folder strictly inside ``out``.

    Each part must be a slug (:func:`check_slug`) or the fixed name
    ``"scenarios"``; the resolved folder (symbolic links followed) must lie
    inside the resolved ``out``.

    Parameters
    ----------
    out
        Output root (``--out``).
    *parts
        Folder names below it, e.g. the area slug.

    Returns
    -------
    pathlib.Path
        ``Path(out, *parts)`` (as given, not resolved).

    Raises
    ------
    InputError
        If a part is not a slug.
    OutputError
        If the folder would resolve outside ``out`` (a symbolic link pointing elsewhere).

    Examples
    --------
    >>> output_folder("maps", "north-east").as_posix()
    'maps/north-east'
    """
    if not parts:
        raise InputError("An output folder needs a name below the output root.")
    for part in parts:
        check_slug(part, what="an output folder")
    folder = Path(out).joinpath(*parts)
    root = Path(out).resolve()
    resolved = folder.resolve()
    if resolved == root or not resolved.is_relative_to(root):
        raise OutputError(f"The output folder {folder} resolves to {resolved}, outside the output root {root}; "
                          "remove the link or choose another --out.")
    return folder
