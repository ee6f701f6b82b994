"""Names of the choices the command line offers, kept free of heavy imports.

``gapmap --help`` reads these without importing pandas, the engine or the
renderer; the library modules that use them import them from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

#: Default root of the output folders (one sub-folder per study area).
DEFAULT_OUT = Path("maps")

#: A candidate set for new sites: the sites of existing schools, or a regular grid.
CandidateSet = Literal["schools", "grid"]

#: Candidate sets for new sites by name (``gapmap build --candidates``).
CANDIDATE_SETS: tuple[CandidateSet, ...] = ("schools", "grid")

#: Default fewest children an alternative provision site must newly bring within reach to be
#: proposed (``gapmap build --min-ap-children``): AP is a group setting, not a place for one child.
MIN_AP_CHILDREN = 5

#: How AP need is estimated (``gapmap build --ap-need``): EHC plans placed in AP (SEN2), or
#: pupils in AP schools plus LA-funded AP placements (:mod:`gapmap.engine.ap_need`).
AP_NEED_METHODS: tuple[str, ...] = ("plans", "placements")

#: Default share of estimated need both plans must bring within the threshold (``gapmap build --target-share``).
DEFAULT_TARGET_SHARE = 0.95

#: How a sweep evaluates each scenario (``gapmap scenario sweep --method``).
SWEEP_METHODS: tuple[str, ...] = ("incremental", "full")

#: Supply sources of the embedded national data (``gapmap build --supply``; details in
#: :data:`gapmap.sources.national.SUPPLY_SOURCES`): GIAS open establishments of May 2025, or the
#: January 2023 school census.
SUPPLY_CHOICES: tuple[str, ...] = ("gias-2025", "census-2023")
DEFAULT_SUPPLY = "gias-2025"

#: Default distance (miles) outside the study area within which provision counts as supply
#: (``gapmap build --buffer-miles``; rows flagged ``outside_area``).
DEFAULT_BUFFER_MILES = 10.0
