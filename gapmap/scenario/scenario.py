"""A scenario: a named, immutable list of edits to a study, built one method call at a time."""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Sequence

import pandas as pd

from gapmap.engine import analyse
from gapmap.inputs import StudyInputs
from gapmap.model import KIND_LABELS
from gapmap.scenario import resolve
from gapmap.scenario.edits import AddProvision, Close, Edit, EditError, Expand, ScalePopulation, SetThreshold
from gapmap.scenario.incremental import only_provision_changed, run_from_baseline
from gapmap.scenario.result import StudyResult
from gapmap.settings import Settings

if TYPE_CHECKING:
    from gapmap.scenario.base import StudyLike

#: Provision id suffix for a new unit hosted by a school (as in :mod:`gapmap.model`).
_HOSTED_SUFFIX = {"sen_unit": "SU", "resourced_provision": "RP"}


@dataclass(frozen=True, eq=False)
class Scenario:
    """A what-if on a study: edits applied, in order, to a copy of its inputs and settings.

    Build one with :meth:`gapmap.Study.scenario`.  Every method returns a new
    scenario and leaves this one (and the study's baseline) unchanged; each
    edit is checked when it is added, against the study as edited so far.

    Attributes
    ----------
    study
        The study whose baseline the scenario changes.
    name
        Scenario name (also its output folder name, made safe).
    inputs, settings
        The study's inputs and settings with the edits applied.
    edits
        The edits, in order.
    description
        Free text shown on the summary page.

    Examples
    --------
    >>> import gapmap
    >>> study = gapmap.Study.load("north-east")
    >>> base = study.scenario("AP review")
    >>> scn = base.close(urn=108565).set_threshold(kind="ap", miles=5)
    >>> len(base.edits), len(scn.edits)
    (0, 2)
    >>> print(scn.edits[1].describe())
    Use a 5-mile (8,047 m) threshold for alternative provision.
    """

    study: StudyLike
    name: str
    inputs: StudyInputs
    settings: Settings
    edits: tuple[Edit, ...] = ()
    description: str = ""

    def _with(self, edit: Edit) -> Scenario:
        inputs, settings = edit.apply(self.inputs, self.settings)
        return replace(self, inputs=inputs, settings=settings, edits=(*self.edits, edit))

    def add_provision(
        self,
        *,
        kind: str,
        urn: int | str | None = None,
        point: Sequence[float] | None = None,
        postcode: str | None = None,
        places: int | None = None,
        needs: Sequence[str] | str = (),
        ages: Sequence[int] | None = None,
        name: str | None = None,
    ) -> Scenario:
        """Open new provision at a school, a point or a postcode.

        Parameters
        ----------
        kind
            Provision kind, e.g. ``"special"``, ``"ap"``, ``"sen_unit"``.
        urn
            Host the new provision at this school's location (a new unit on its site).
        point
            ``(easting, northing)`` in metres on British National Grid (EPSG:27700).
        postcode
            A postcode that a located school in the study has (gapmap does not
            invent coordinates for other postcodes).
        places
            Planned places (stored as capacity); ``None`` when not known.
        needs
            SEN need codes it caters for, e.g. ``["ASD", "SEMH"]``.
        ages
            ``(youngest, oldest)`` statutory age.
        name
            Display name; a descriptive default is used when omitted.

        Returns
        -------
        Scenario
            A new scenario with the provision added.

        Raises
        ------
        gapmap.errors.InputError
            If not exactly one of ``urn``, ``point`` and ``postcode`` is given, or
            a value is unknown or out of range.

        Examples
        --------
        >>> import gapmap
        >>> scn = gapmap.Study.load("north-east").scenario("new ASD unit")
        >>> scn = scn.add_provision(postcode="NE8 2XD", kind="special", places=40, needs=["asd"], ages=(4, 11))
        >>> new = scn.inputs.provision.query("source == 'scenario'")
        >>> new[["provision_id", "kind", "capacity", "needs", "la_gss"]].to_numpy().tolist()
        [['NEW-1', 'special', 40, 'ASD', 'E08000037']]
        """
        action = "add_provision"
        given = [arg for arg, value in (("urn", urn), ("point", point), ("postcode", postcode)) if value is not None]
        if len(given) != 1:
            raise EditError(
                f"`{action}` needs exactly one of urn=, point= and postcode=, got {', '.join(given) or 'none'}.",
                argument=given[-1] if given else "kind",
            )
        kind = resolve.kind(kind, self.settings, action=action)
        label = KIND_LABELS[kind]
        host_urn = found_postcode = None
        if urn is not None:
            host = resolve.provision_row(self.inputs, resolve.urn(urn, action=action), action=action)
            host_urn, found_postcode = str(host["provision_id"]), host["postcode"]
            easting, northing = float(host.geometry.x), float(host.geometry.y)
            source = f"site of the host school, URN {host_urn}"
            default_name = f"New {label.lower()} at {host['name']}"
        elif postcode is not None:
            easting, northing, found_postcode = resolve.postcode_location(self.inputs, postcode, action=action)
            source = f"postcode {found_postcode}, as located for a school in the study"
            default_name = f"New {label.lower()} ({found_postcode})"
        else:
            easting, northing = resolve.point(point, action=action)
            source = "point given in the scenario"
            default_name = f"New {label.lower()}"
        la_gss, la_code = resolve.la_at(self.inputs, easting, northing, action=action)
        edit = AddProvision(
            provision_id=self._new_id(host_urn, kind),
            kind=kind,
            easting=easting,
            northing=northing,
            la_gss=la_gss,
            la_code=la_code,
            places=None if places is None else resolve.whole_number(places, action=action, argument="places"),
            name=str(name) if name else default_name,
            needs=resolve.needs(needs, action=action),
            ages=None if ages is None else resolve.ages(ages, action=action),
            host_urn=host_urn,
            postcode=None if found_postcode is None or pd.isna(found_postcode) else str(found_postcode),
            location_source=source,
        )
        return self._with(edit)

    def _new_id(self, host_urn: str | None, kind: str) -> str:
        used = set(self.inputs.provision["provision_id"].dropna())
        stem = f"{host_urn}-{_HOSTED_SUFFIX.get(kind, 'NEW')}" if host_urn else "NEW"
        candidates = ([stem] if host_urn else []) + [f"{stem}-{n}" for n in range(1, len(used) + 2)]
        return next(c for c in candidates if c not in used)

    def close(self, *, urn: int | str) -> Scenario:
        """Close a school: remove its provision and any units it hosts.

        Parameters
        ----------
        urn
            URN of the school.

        Returns
        -------
        Scenario
            A new scenario without the school.

        Raises
        ------
        gapmap.errors.InputError
            If no provision in the study (as edited so far) has the URN.

        Examples
        --------
        >>> import gapmap
        >>> scn = gapmap.Study.load("north-east").scenario("close a PRU").close(urn=108565)
        >>> int((scn.inputs.provision["urn"] == "108565").sum())
        0
        """
        return self._with(Close(urn=resolve.urn(urn, action="close")))

    def expand(self, *, urn: int | str, places: int) -> Scenario:
        """Add places at a school (a negative number removes places).

        Places are the capacity where known, otherwise pupils on roll (the
        engine's proxy); the new total is stored as the school's capacity.

        Parameters
        ----------
        urn
            URN of the school (or the id of provision added earlier in the scenario).
        places
            Change in places, e.g. ``+20``.

        Returns
        -------
        Scenario
            A new scenario with the school's places changed.

        Raises
        ------
        gapmap.errors.InputError
            If the URN is unknown, has no known places, or would end below zero.

        Examples
        --------
        >>> import gapmap
        >>> scn = gapmap.Study.load("north-east").scenario("bigger PRU").expand(urn=108565, places=+20)
        >>> row = scn.inputs.provision.set_index("provision_id").loc["108565"]
        >>> int(row["pupils"]), int(row["capacity"])
        (166, 186)
        """
        action = "expand"
        return self._with(Expand(
            urn=resolve.urn(urn, action=action),
            places=resolve.whole_number(places, action=action, argument="places", minimum=None),
        ))

    def scale_population(self, *, factor: float, la: str | int | None = None) -> Scenario:
        """Scale the child population and EHC plans of one LA (or of every LA).

        LSOA counts of people (``children_0_15``, ``population_total`` and any
        ``children_*``/``age_*`` column) and the LA's EHC plan caseload are
        multiplied by ``factor``; counts may become fractional.

        Parameters
        ----------
        factor
            Multiplier, e.g. ``1.05`` for 5% growth.
        la
            ONS code, DfE code or name of an LA; ``None`` scales every LA.

        Returns
        -------
        Scenario
            A new scenario with the population scaled.

        Raises
        ------
        gapmap.errors.InputError
            If the LA is not in the study or the factor is not a positive number.

        Examples
        --------
        >>> import gapmap
        >>> study = gapmap.Study.load("north-east")
        >>> scn = study.scenario("growth").scale_population(la="Northumberland", factor=1.05)
        >>> before = study.inputs.lsoas.groupby("la_gss")["children_0_15"].sum()["E06000057"]
        >>> after = scn.inputs.lsoas.groupby("la_gss")["children_0_15"].sum()["E06000057"]
        >>> round(float(after / before), 6)
        1.05
        """
        action = "scale_population"
        return self._with(ScalePopulation(
            la_gss=None if la is None else resolve.la(self.inputs, la, action=action),
            factor=resolve.positive(factor, action=action, argument="factor"),
        ))

    def set_threshold(self, *, kind: str, metres: float | None = None, miles: float | None = None) -> Scenario:
        """Change the distance threshold for one provision kind.

        Parameters
        ----------
        kind
            Provision kind analysed by the study.
        metres, miles
            The new threshold: give exactly one.

        Returns
        -------
        Scenario
            A new scenario with the threshold changed.

        Raises
        ------
        gapmap.errors.InputError
            If the kind is not analysed or the distance is not positive.

        Examples
        --------
        >>> import gapmap
        >>> scn = gapmap.Study.load("north-east").scenario("2 miles").set_threshold(kind="special", miles=2)
        >>> round(scn.settings.threshold("special"))
        3219
        """
        action = "set_threshold"
        return self._with(SetThreshold(
            kind=resolve.kind(kind, self.settings, action=action),
            metres=resolve.metres(metres=metres, miles=miles, action=action),
        ))

    def run(self, *, incremental: bool = True) -> StudyResult:
        """Analyse the scenario with the engine.

        When the edits only open, close or expand provision, the kinds they
        leave alone are taken from the study's baseline run (computed once, then
        reused) and only the others are recomputed
        (:mod:`gapmap.scenario.incremental`): the results are the same as a full run.

        Parameters
        ----------
        incremental
            ``False`` runs the whole engine whatever the edits.

        Returns
        -------
        StudyResult
            The scenario's results; ``.compare(baseline)`` sets them against the baseline.
        """
        if incremental and only_provision_changed(self.study.inputs, self.study.settings, self.inputs, self.settings):
            results = run_from_baseline(self.study.run().results, self.inputs, self.settings)
        else:
            results = analyse(self.inputs, self.settings)
        return StudyResult(results=results, name=self.name, edits=self.edits)

    def __repr__(self) -> str:
        edits = "".join(f"\n  {i}. {e.describe()}" for i, e in enumerate(self.edits, 1))
        return f"Scenario {self.name!r} on {self.study.inputs.name}: {len(self.edits)} edit(s){edits}"

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(e.describe())}</li>" for e in self.edits) or "<li>(no edits)</li>"
        title = html.escape(f"Scenario '{self.name}' on {self.study.inputs.name}")
        return f"<b>{title}</b><ol>{items}</ol>"
