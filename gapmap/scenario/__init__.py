"""Scenarios: planners' what-ifs on a study, compared with the baseline, one at a time or swept.

Start from :class:`gapmap.Study`: ``study.scenario("name")`` returns a
:class:`Scenario` whose methods (``add_provision``, ``close``, ``expand``,
``scale_population``, ``set_threshold``) each return a new scenario;
``scenario.run().compare(study.run())`` gives a :class:`Comparison`.

The names below are imported on first use, so that ``import gapmap.scenario.cli``
(and ``gapmap --help``) stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gapmap._lazy import lazy_names

if TYPE_CHECKING:
    from gapmap.scenario.comparison import Comparison, compare
    from gapmap.scenario.files import ScenarioFile, read_scenario_file
    from gapmap.scenario.result import StudyResult
    from gapmap.scenario.scenario import Scenario
    from gapmap.scenario.sweeps import SweepResult, each_site, each_threshold, sweep

#: Public name -> the module that defines it.
_HOMES = {
    "Comparison": "comparison",
    "compare": "comparison",
    "ScenarioFile": "files",
    "read_scenario_file": "files",
    "StudyResult": "result",
    "Scenario": "scenario",
    "SweepResult": "sweeps",
    "each_site": "sweeps",
    "each_threshold": "sweeps",
    "sweep": "sweeps",
}

__all__ = sorted(_HOMES)

__getattr__ = lazy_names(__name__, _HOMES)
