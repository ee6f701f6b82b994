"""Scenario edits: small immutable changes to a study's inputs and settings.

Each edit is a frozen dataclass holding fully resolved values (coordinates,
LA codes, metres), so that applying it needs nothing but the inputs and
settings it changes.  :meth:`apply` never modifies its arguments: it returns
new :class:`~gapmap.inputs.StudyInputs` and :class:`~gapmap.settings.Settings`
that share every table it did not touch.

Edits are built and checked by :class:`gapmap.scenario.Scenario`; use its
methods rather than these classes directly.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Union

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from gapmap.engine.supply import places
from gapmap.errors import InputError
from gapmap.inputs import StudyInputs
from gapmap.model import CRS, KIND_LABELS, PROVISION_COLUMNS, conform_provision
from gapmap.settings import METRES_PER_MILE, Settings

#: SEN need type codes (GIAS ``SEN1..SEN13``, SEN2 primary need).
NEED_CODES: tuple[str, ...] = (
    "SpLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD", "ASD", "OTH",
)

#: LSOA columns that count people, scaled by :class:`ScalePopulation` (besides any
#: numeric column starting ``children_`` or ``age_``).
POPULATION_COLUMNS: tuple[str, ...] = ("population_total",)

#: EHC plan table columns that are not counts of plans.
_EHCP_KEYS = ("time_period", "la_gss", "la_name", "la_code", "new_la_code", "old_la_code")


class EditError(InputError):
    """A scenario edit is invalid; ``argument`` names the offending argument, if one."""

    def __init__(self, message: str, *, argument: str | None = None) -> None:
        super().__init__(message)
        self.argument = argument


@dataclass(frozen=True)
class AddProvision:
    """Open new provision at a resolved location.

    Attributes
    ----------
    provision_id
        Id of the new row, unique in the scenario's provision table.
    kind
        Provision kind (:data:`gapmap.model.KINDS`).
    easting, northing
        Location on British National Grid (metres).
    la_gss, la_code
        Education LA where the provision stands (provider LA).
    places
        Planned places (stored as ``capacity``), or ``None`` when not given.
    name
        Display name.
    needs
        SEN need codes it caters for.
    ages
        Youngest and oldest statutory age, or ``None``.
    host_urn
        URN of the school that hosts it, when placed at a school.
    postcode
        Postcode of the location, when known.
    location_source
        How the location was found, shown in outputs.
    """

    provision_id: str
    kind: str
    easting: float
    northing: float
    la_gss: str
    la_code: str
    places: int | None
    name: str
    needs: tuple[str, ...] = ()
    ages: tuple[int, int] | None = None
    host_urn: str | None = None
    postcode: str | None = None
    location_source: str = "point given in the scenario"

    action = "add_provision"

    @cached_property
    def row(self) -> gpd.GeoDataFrame:
        """The new provision as one canonical row (built once, reused on every apply)."""
        low, high = self.ages if self.ages else (None, None)
        values = {
            "provision_id": self.provision_id, "urn": self.host_urn, "name": self.name,
            "la_code": self.la_code, "la_gss": self.la_gss, "kind": self.kind, "sector": "state-funded",
            "establishment_type": "Scenario: new provision", "phase": None,
            "statutory_low_age": low, "statutory_high_age": high, "age_low_on_roll": None,
            "age_high_on_roll": None, "pupils": None, "capacity": self.places,
            "needs": ";".join(self.needs) or None, "postcode": self.postcode,
            "source": "scenario", "location_source": self.location_source, "outside_area": False,
        }
        frame = gpd.GeoDataFrame(
            {c: [values[c]] for c in PROVISION_COLUMNS}, geometry=[Point(self.easting, self.northing)], crs=CRS
        )
        return conform_provision(frame, source_name=f"`add_provision` {self.provision_id}")

    def apply(self, inputs: StudyInputs, settings: Settings) -> tuple[StudyInputs, Settings]:
        """Return the inputs with the new provision appended.

        Raises
        ------
        EditError
            If the provision id is already used.
        """
        if (inputs.provision["provision_id"] == self.provision_id).any():
            raise EditError(f"Provision id {self.provision_id} in `add_provision` is already used.", argument="urn")
        provision = pd.concat([inputs.provision, self.row], ignore_index=True)  # keeps any extra source columns
        return replace(inputs, provision=provision), settings

    def describe(self) -> str:
        """One sentence for summaries."""
        places = f"{self.places}-place " if self.places is not None else ""
        needs = f" for {', '.join(self.needs)}" if self.needs else ""
        ages = f" aged {self.ages[0]}-{self.ages[1]}" if self.ages else ""
        where = f"at URN {self.host_urn}" if self.host_urn else f"at ({self.easting:.0f}, {self.northing:.0f})"
        return f"Open {places}{KIND_LABELS[self.kind].lower()} '{self.name}'{needs}{ages} {where} in {self.la_gss}."


@dataclass(frozen=True)
class Close:
    """Close every provision row of one school (the school and any units it hosts).

    Attributes
    ----------
    urn
        URN of the school.
    """

    urn: str

    action = "close"

    def apply(self, inputs: StudyInputs, settings: Settings) -> tuple[StudyInputs, Settings]:
        """Return the inputs without the school's provision.

        Raises
        ------
        EditError
            If no provision has the URN.
        """
        provision = inputs.provision
        mask = ((provision["urn"] == self.urn) | (provision["provision_id"] == self.urn)).fillna(False)
        if not mask.any():
            raise EditError(f"Unknown URN {self.urn} in `close`: no provision in the study has it.", argument="urn")
        return replace(inputs, provision=provision[~mask.to_numpy()].reset_index(drop=True)), settings

    def describe(self) -> str:
        """One sentence for summaries."""
        return f"Close URN {self.urn}."


@dataclass(frozen=True)
class Expand:
    """Add (or with a negative number, remove) places at one provision.

    Places are counted as the engine counts them (capacity where the source
    gives it, otherwise pupils on roll, a proxy); the new total is stored as
    the capacity.

    Attributes
    ----------
    urn
        URN (provision id) of the provision.
    places
        Change in places.
    """

    urn: str
    places: int

    action = "expand"

    def apply(self, inputs: StudyInputs, settings: Settings) -> tuple[StudyInputs, Settings]:
        """Return the inputs with the provision's capacity changed.

        Raises
        ------
        EditError
            If the URN is unknown or the result is negative.
        """
        provision = inputs.provision
        rows = np.flatnonzero((provision["provision_id"] == self.urn).fillna(False).to_numpy())
        if not len(rows):
            raise EditError(f"Unknown URN {self.urn} in `expand`: no provision in the study has it.", argument="urn")
        current = int(places(provision.iloc[rows[:1]])["places"].iloc[0])
        total = current + self.places
        if total < 0:
            raise EditError(f"`expand` would leave URN {self.urn} with {total} places; it has {current}.",
                            argument="places")
        changed = provision.copy()
        changed.loc[changed.index[rows[0]], "capacity"] = total
        return replace(inputs, provision=changed), settings

    def describe(self) -> str:
        """One sentence for summaries."""
        return f"{'Add' if self.places >= 0 else 'Remove'} {abs(self.places)} places at URN {self.urn}."


@dataclass(frozen=True)
class ScalePopulation:
    """Scale the child population (and EHC plan caseload) of one LA or of all LAs.

    Attributes
    ----------
    la_gss
        ONS code of the education LA, or ``None`` for every LA.
    factor
        Multiplier, e.g. ``1.05`` for 5% growth.
    """

    la_gss: str | None
    factor: float

    action = "scale_population"

    def _scaled(self, table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        if table.empty or "la_gss" not in table.columns:
            return table
        out = table.copy()
        rows = np.ones(len(out), bool) if self.la_gss is None else (out["la_gss"] == self.la_gss).to_numpy(bool)
        for column in columns:
            values = out[column].to_numpy(float)
            out[column] = np.where(rows, values * self.factor, values)
        return out

    def apply(self, inputs: StudyInputs, settings: Settings) -> tuple[StudyInputs, Settings]:
        """Return the inputs with LSOA population counts and the LA's EHC plan counts scaled."""
        lsoas = inputs.lsoas
        people = [c for c in _numeric(lsoas) if c in POPULATION_COLUMNS or c.startswith(("children_", "age_"))]
        return replace(
            inputs,
            lsoas=self._scaled(lsoas, people),
            ehcp=self._scaled(inputs.ehcp, [c for c in _numeric(inputs.ehcp) if c not in _EHCP_KEYS]),
            ehcp_needs=self._scaled(inputs.ehcp_needs, [c for c in _numeric(inputs.ehcp_needs) if c not in _EHCP_KEYS]),
        ), settings

    def describe(self) -> str:
        """One sentence for summaries."""
        where = self.la_gss or "every LA"
        return f"Scale the child population and EHC plans of {where} by {self.factor:g}."


@dataclass(frozen=True)
class SetThreshold:
    """Change the distance threshold for one provision kind.

    Attributes
    ----------
    kind
        Provision kind.
    metres
        New threshold in metres.
    """

    kind: str
    metres: float

    action = "set_threshold"

    def apply(self, inputs: StudyInputs, settings: Settings) -> tuple[StudyInputs, Settings]:
        """Return the settings with the new threshold."""
        return inputs, settings.with_threshold(self.kind, self.metres)

    def describe(self) -> str:
        """One sentence for summaries."""
        miles = self.metres / METRES_PER_MILE
        return f"Use a {miles:.3g}-mile ({self.metres:,.0f} m) threshold for {KIND_LABELS[self.kind].lower()}."


Edit = Union[AddProvision, Close, Expand, ScalePopulation, SetThreshold]


def _numeric(table: pd.DataFrame) -> list[str]:
    return list(table.select_dtypes("number").columns)


def apply_edits(
    inputs: StudyInputs, settings: Settings, edits: tuple[Edit, ...]
) -> tuple[StudyInputs, Settings]:
    """Apply edits in order to inputs and settings (never modified in place).

    Parameters
    ----------
    inputs
        Study inputs.
    settings
        Analysis settings.
    edits
        Resolved edits.

    Returns
    -------
    tuple of (StudyInputs, Settings)
        The edited inputs and settings.
    """
    for edit in edits:
        inputs, settings = edit.apply(inputs, settings)
    return inputs, settings
