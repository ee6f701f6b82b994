"""Analysis settings: which provision kinds to analyse and the distance thresholds."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping

from gapmap.errors import InputError
from gapmap.model import KINDS, SECTORS

METRES_PER_MILE = 1609.344

#: Statutory walking distances (Education Act 1996 s444(5); DfE home-to-school
#: travel guidance 2024): 2 miles under 8, 3 miles aged 8 to 16.
TWO_MILES_M = 2 * METRES_PER_MILE
THREE_MILES_M = 3 * METRES_PER_MILE

DEFAULT_KINDS: tuple[str, ...] = ("special", "ap", "mainstream_primary", "mainstream_secondary")

#: Default threshold per kind, metres (straight line unless a cost backend says otherwise).
DEFAULT_THRESHOLDS_M: dict[str, float] = {
    "special": THREE_MILES_M,
    "ap": THREE_MILES_M,
    "mainstream_primary": TWO_MILES_M,
    "mainstream_secondary": THREE_MILES_M,
    "mainstream_all_through": THREE_MILES_M,
    "sen_unit": THREE_MILES_M,
    "resourced_provision": THREE_MILES_M,
}


@dataclass(frozen=True)
class Settings:
    """What to analyse and how.

    Attributes
    ----------
    kinds
        Provision kinds to analyse, in output order.
    thresholds_m
        Distance threshold per kind, in metres; children in an LSOA whose
        nearest provision of the kind is farther are counted as beyond it.
    sectors
        Sectors whose provision counts as supply.
    """

    kinds: tuple[str, ...] = DEFAULT_KINDS
    thresholds_m: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS_M))
    sectors: tuple[str, ...] = SECTORS

    def __post_init__(self) -> None:
        unknown = [k for k in self.kinds if k not in KINDS]
        if unknown:
            raise InputError(f"Unknown provision kind(s) {unknown}; choose from {list(KINDS)}.")
        if not self.kinds:
            raise InputError("No provision kinds to analyse; name at least one kind.")
        for kind in self.kinds:
            value = self.thresholds_m.get(kind)
            if value is None or not value > 0:
                raise InputError(f"The distance threshold for {kind} must be a positive number of metres, got {value!r}.")
        bad_sectors = [s for s in self.sectors if s not in SECTORS]
        if bad_sectors:
            raise InputError(f"Unknown sector(s) {bad_sectors}; choose from {list(SECTORS)}.")

    def threshold(self, kind: str) -> float:
        """Return the distance threshold for ``kind`` in metres."""
        return float(self.thresholds_m[kind])

    def with_threshold(self, kind: str, metres: float) -> "Settings":
        """Return a copy with a different threshold for one kind."""
        return replace(self, thresholds_m={**self.thresholds_m, kind: float(metres)})
