"""Scenario files: the same edits as the Python API, in YAML (safe loading only) or TOML.

A file names the study area, lists edits in order and, for a sweep, says what
to vary::

    name: New ASD unit
    area: north-east          # embedded area; or `data: my-area.gpkg` (inside the project)
    kinds: [special, ap]      # kinds analysed (default: special, AP, mainstream primary and secondary)
    year: 2030                # need as at this January (projected after the latest SEN2 count); default today
    sectors: [state-funded]   # supply counted (default state-funded; add non-maintained, independent)
    ehcp_year: 2022/23        # EHC plan year of need (default: matched to the supply's date; or latest)
    ap_need: placements       # AP need: plans (default, EHC plans in AP) or placements (AP pupils + placements)
    edits:
      - add_provision: {urn: 108502, kind: special, places: 40, needs: [ASD], ages: [4, 11]}
      - close: {urn: 108565}
    sweep:                    # only for `gapmap scenario sweep`
      each_site: {kind: special, places: 40, at: mainstream_secondary, limit: 100}

Every error names the file and line, e.g.
``scenario.yaml line 7: unknown URN 999999 in `close`: ...``; all errors in a
file are reported at once.  Paths in a file must stay inside the scenario
file's folder or the current working folder; give any other path explicitly
(``--data``).
"""

from __future__ import annotations

import inspect
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import yaml

from gapmap.errors import DataFileError, InputError
from gapmap.paths import check_slug
from gapmap.labels import parse_ehcp_year, parse_sectors
from gapmap.scenario.edits import EditError
from gapmap.scenario.scenario import Scenario
from gapmap.scenario.sweeps import each_site, each_threshold
from gapmap.settings import Settings

if TYPE_CHECKING:
    from gapmap.scenario.base import StudyLike

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

#: Edits a file may list, as the names of the :class:`Scenario` methods.
ACTIONS = ("add_provision", "close", "expand", "scale_population", "set_threshold")

#: What a sweep may vary, as the names of the functions in :mod:`gapmap.scenario.sweeps`.
SWEEPS: dict[str, Callable[..., list[Scenario]]] = {"each_site": each_site, "each_threshold": each_threshold}

TOP_LEVEL = ("name", "description", "area", "data", "kinds", "year", "sectors", "ehcp_year", "ap_need", "edits",
             "sweep")

#: Settings a file may give: key -> parser of its value into the :class:`Settings` field.
_SETTINGS: dict[str, Callable[[Any], Any]] = {
    "kinds": lambda value: tuple(value) if isinstance(value, list) else (value,),
    "sectors": lambda value: parse_sectors(",".join(map(str, value)) if isinstance(value, list) else str(value)),
    "ehcp_year": lambda value: parse_ehcp_year(str(value)),
    "ap_need": str,
}

#: In a sweep, an error about one candidate points at the list it came from.
_SWEEP_ARGUMENTS = {"urn": "urns", "postcode": "postcodes", "point": "points"}

KeyPath = tuple[Any, ...]


@dataclass(frozen=True)
class Step:
    """One edit or sweep entry of a file.

    Attributes
    ----------
    action
        Method or sweep function name.
    arguments
        Its keyword arguments.
    line
        Line of the entry; ``lines`` gives each argument's line.
    """

    action: str
    arguments: dict[str, Any]
    line: int
    lines: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ScenarioFile:
    """A parsed, structurally checked scenario file.

    Attributes
    ----------
    path
        The file.
    name
        Scenario name (default: the file name without suffix).
    description
        Free text.
    area
        Embedded study area name.
    data
        GeoPackage to read instead of the embedded area, resolved and confined.
    settings
        Baseline settings: the default ones, with the file's ``kinds``,
        ``sectors``, ``ehcp_year`` and ``ap_need`` when given.
    edits
        The edits, in order.
    sweep
        What to vary in a sweep, or ``None``.
    year
        Calendar year of the January whose need the scenario and its baseline
        use (projected after the latest SEN2 count; see
        :meth:`gapmap.Study.at_year`), or ``None`` for the latest count.
    """

    path: Path
    name: str
    description: str
    area: str
    data: Path | None
    settings: Settings
    edits: tuple[Step, ...]
    sweep: Step | None
    year: int | None = None

    def _error(self, step: Step, error: EditError, *, rename: dict[str, str] | None = None) -> str:
        argument = (rename or {}).get(error.argument or "", error.argument)
        line = step.lines.get(argument or "", step.line)
        return _located(self.path, line, str(error))

    def scenario(self, study: StudyLike) -> Scenario:
        """Build the file's scenario on a study, checking every edit.

        Parameters
        ----------
        study
            A study (:class:`gapmap.Study`).

        Returns
        -------
        Scenario
            The scenario.

        Raises
        ------
        gapmap.errors.InputError
            Listing every bad edit with its line number.
        """
        if self.year is not None:
            study = study.at_year(self.year)
        scenario = study.scenario(self.name, description=self.description)
        errors = []
        for step in self.edits:
            try:
                scenario = getattr(scenario, step.action)(**step.arguments)
            except EditError as error:
                errors.append(self._error(step, error))
        if errors:
            raise InputError(_joined(errors))
        return scenario

    def sweep_scenarios(self, study: StudyLike) -> list[Scenario]:
        """Build the scenarios of the file's sweep (its edits, then each variation).

        Parameters
        ----------
        study
            A study (:class:`gapmap.Study`).

        Returns
        -------
        list of Scenario
            One per variation.

        Raises
        ------
        gapmap.errors.InputError
            If the file has no ``sweep`` section, or an edit or variation is bad.
        """
        if self.sweep is None:
            raise InputError(f"{self.path.name} has no `sweep` section; add one (see docs/scenarios.md).")
        base = self.scenario(study)
        step = self.sweep
        try:
            return SWEEPS[step.action](base, **step.arguments)
        except EditError as error:
            raise InputError(self._error(step, error, rename=_SWEEP_ARGUMENTS)) from None
        except InputError as error:
            raise InputError(_located(self.path, step.line, str(error))) from None


def _joined(errors: list[str]) -> str:
    return "; ".join(e.rstrip(".") for e in errors) + "."


def _located(path: Path, line: int, message: str) -> str:
    first = message[:1].lower() if message[1:2].islower() else message[:1]
    return f"{path.name} line {line}: {first}{message[1:]}"


def _yaml_lines(node: yaml.Node, path: KeyPath = ()) -> dict[KeyPath, int]:
    lines: dict[KeyPath, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[path + (key.value,)] = key.start_mark.line + 1
            lines.update(_yaml_lines(value, path + (key.value,)))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[path + (index,)] = item.start_mark.line + 1
            lines.update(_yaml_lines(item, path + (index,)))
    return lines


def _parse_yaml(path: Path, text: str) -> tuple[Any, dict[KeyPath, int]]:
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"{path.name}{where}: not valid YAML ({problem}).") from None
    return data, (_yaml_lines(node) if node is not None else {})


def _toml_lines(text: str, data: dict[str, Any]) -> dict[KeyPath, int]:
    """Line numbers of TOML keys, found by scanning (tomllib keeps no positions)."""
    raw = text.splitlines()

    def first(pattern: str, start: int, end: int) -> int | None:
        regex = re.compile(pattern)
        return next((i for i in range(start, end) if regex.search(raw[i])), None)

    lines: dict[KeyPath, int] = {}
    for key in data:
        found = first(rf"^\s*(\[+\s*)?{re.escape(key)}\b", 0, len(raw))
        if found is not None:
            lines[(key,)] = found + 1
    headers = [i for i, text_line in enumerate(raw) if re.match(r"^\s*\[\[\s*edits\s*\]\]", text_line)]
    tables = [i for i, text_line in enumerate(raw) if re.match(r"^\s*\[", text_line)]
    entries: list[tuple[KeyPath, int, int]] = [
        (("edits", n), start, next((t for t in tables if t > start and not raw[t].strip().startswith("[edits.")),
                                   len(raw)))
        for n, start in enumerate(headers)
    ]
    if ("sweep",) in lines:  # keys are paths (tuples)
        start = lines[("sweep",)] - 1
        entries.append((("sweep",), start, next((t for t in tables if t > start and
                                                 not raw[t].strip().startswith("[sweep.")), len(raw))))
    for prefix, start, end in entries:
        lines[prefix] = start + 1
        entry = data.get(prefix[0])
        entry = entry[prefix[1]] if len(prefix) > 1 and isinstance(entry, list) and prefix[1] < len(entry) else entry
        for action, arguments in (entry.items() if isinstance(entry, dict) else []):
            at = first(rf"\b{re.escape(action)}\b", start, end)
            lines[prefix + (action,)] = (at if at is not None else start) + 1
            for argument in arguments if isinstance(arguments, dict) else []:
                found = first(rf"\b{re.escape(argument)}\s*=", at if at is not None else start, end)
                if found is not None:
                    lines[prefix + (action, argument)] = found + 1
    return lines


def _parse_toml(path: Path, text: str) -> tuple[Any, dict[KeyPath, int]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+)", str(error))
        line = found.group(1) if found else len(text.splitlines()) if "end of document" in str(error) else None
        where = f" line {line}" if line else ""
        raise InputError(f"{path.name}{where}: not valid TOML ({str(error).split(' (at')[0]}).") from None
    return data, _toml_lines(text, data)


def _confined(path: Path, value: object, line: int) -> Path:
    """Resolve a path from a scenario file inside its folder or the working folder."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(_located(path, line, f"`data` must be a file path, got {value!r}."))
    given = Path(value)
    if given.is_absolute() or given.drive:
        raise InputError(_located(
            path, line, f"`data` path {value} is absolute; paths in scenario files must be relative "
            "(give other files explicitly with --data)."))
    resolved = (path.parent / given).resolve()
    roots = (path.parent.resolve(), Path.cwd().resolve())
    if not any(resolved.is_relative_to(root) for root in roots):
        raise InputError(_located(
            path, line, f"`data` path {value} leaves the project (the scenario file's folder and the working "
            "folder); give it explicitly with --data."))
    return resolved


def _step(path: Path, entry: Any, where: KeyPath, lines: dict[KeyPath, int], allowed: dict[str, Callable[..., Any]],
          errors: list[str]) -> Step | None:
    line = lines.get(where, lines.get(where[:1], 1))
    if not isinstance(entry, dict) or len(entry) != 1:
        errors.append(_located(path, line, f"each entry must be one of {', '.join(allowed)} with its arguments, "
                                           f"e.g. `close: {{urn: 108565}}`, got {entry!r}."))
        return None
    (action, arguments), = entry.items()
    action_line = lines.get((*where, action), line)
    if action not in allowed:
        errors.append(_located(path, action_line, f"unknown edit `{action}`; expected one of {', '.join(allowed)}."))
        return None
    if not isinstance(arguments, dict):
        errors.append(_located(path, action_line, f"`{action}` needs named arguments, got {arguments!r}."))
        return None
    signature = inspect.signature(allowed[action]).parameters
    parameters = [p for p in signature if p not in ("self", "base")]
    unknown = [a for a in arguments if a not in parameters]
    if unknown:
        errors.append(_located(path, lines.get((*where, action, unknown[0]), action_line),
                               f"unknown argument(s) {', '.join(map(str, unknown))} for `{action}`; "
                               f"expected {', '.join(parameters)}."))
        return None
    missing = [p for p in parameters if signature[p].default is inspect.Parameter.empty and p not in arguments]
    if missing:
        errors.append(_located(path, action_line, f"`{action}` needs {', '.join(missing)}."))
        return None
    argument_lines = {a: lines.get((*where, action, a), action_line) for a in arguments}
    return Step(action=action, arguments=dict(arguments), line=action_line, lines=argument_lines)


def read_scenario_file(path: str | Path) -> ScenarioFile:
    """Read and structurally check a YAML (``.yaml``/``.yml``) or TOML (``.toml``) scenario file.

    Edit arguments are checked against the study by :meth:`ScenarioFile.scenario`.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    ScenarioFile
        The parsed file.

    Raises
    ------
    gapmap.errors.DataFileError
        If the file cannot be read.
    gapmap.errors.InputError
        If it is not valid YAML/TOML or its structure is wrong (with line numbers).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".toml"):
        raise InputError(f"{path.name}: scenario files end in .yaml, .yml or .toml.")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DataFileError(f"Cannot read the scenario file {path} ({getattr(error, 'strerror', None) or error}).") from None
    data, lines = (_parse_toml if suffix == ".toml" else _parse_yaml)(path, text)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(f"{path.name} line 1: a scenario file is a mapping of {', '.join(TOP_LEVEL)}.")
    errors: list[str] = []
    for key in data:
        if key not in TOP_LEVEL:
            errors.append(_located(path, lines.get((key,), 1), f"unknown key `{key}`; expected {', '.join(TOP_LEVEL)}."))
    for key in ("name", "description", "area"):
        if key in data and not isinstance(data[key], str):
            errors.append(_located(path, lines.get((key,), 1), f"`{key}` must be text, got {data[key]!r}."))
    if isinstance(data.get("area"), str):
        try:
            check_slug(data["area"], what="`area` (an embedded study area name such as north-east)")
        except InputError as error:
            errors.append(_located(path, lines.get(("area",), 1), str(error)))
    edits = data.get("edits") or []
    if not isinstance(edits, list):
        errors.append(_located(path, lines.get(("edits",), 1), "`edits` must be a list of edits."))
        edits = []
    actions = {name: getattr(Scenario, name) for name in ACTIONS}
    steps = [_step(path, entry, ("edits", n), lines, actions, errors) for n, entry in enumerate(edits)]
    sweep = None
    if data.get("sweep") is not None:
        sweep = _step(path, data["sweep"], ("sweep",), lines, SWEEPS, errors)
    settings = Settings()
    for key, parse in _SETTINGS.items():
        if key in data:
            try:
                settings = replace(settings, **{key: parse(data[key])})
            except (InputError, ValueError) as error:
                errors.append(_located(path, lines.get((key,), 1), str(error)))
    year = data.get("year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100):
        errors.append(_located(path, lines.get(("year",), 1), f"`year` must be a calendar year such as 2030, "
                                                                f"got {year!r}."))
    data_path = None
    if "data" in data:
        try:
            data_path = _confined(path, data["data"], lines.get(("data",), 1))
        except InputError as error:
            errors.append(str(error))
    if errors:
        raise InputError(_joined(errors))
    return ScenarioFile(
        path=path,
        name=str(data.get("name") or path.stem),
        description=str(data.get("description") or ""),
        area=str(data.get("area") or "north-east"),
        data=data_path,
        settings=settings,
        edits=tuple(s for s in steps if s is not None),
        sweep=sweep,
        year=year,
    )

