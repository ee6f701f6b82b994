"""What the scenario layer needs of a study, as a protocol: the scenario modules never import :mod:`gapmap.study`.

:class:`gapmap.Study` (the layer above) satisfies :class:`StudyLike`; scenarios,
sweeps and scenario files are written against this protocol, so that the
dependency runs one way only (study -> scenario).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from gapmap.inputs import StudyInputs
    from gapmap.scenario.result import StudyResult
    from gapmap.scenario.scenario import Scenario
    from gapmap.settings import Settings


class StudyLike(Protocol):
    """A study area's inputs and baseline settings, its baseline run, and a way to start a scenario on it."""

    @property
    def inputs(self) -> StudyInputs:
        """The study inputs (never modified)."""

    @property
    def settings(self) -> Settings:
        """The baseline settings."""

    def run(self) -> StudyResult:
        """The baseline's results (computed once)."""

    def scenario(self, name: str, *, description: str = "") -> Scenario:
        """A scenario with no edits, on this study."""

    def at_year(self, year: int) -> StudyLike:
        """This study with the need of the January of ``year``."""
