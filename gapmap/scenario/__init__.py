"""Scenarios: planners' what-ifs on a study, compared with the baseline, one at a time or swept.

Start from :class:`gapmap.Study`: ``study.scenario("name")`` returns a
:class:`Scenario` whose methods (``add_provision``, ``close``, ``expand``,
``scale_population``, ``set_threshold``) each return a new scenario;
``scenario.run().compare(study.run())`` gives a :class:`Comparison`.
"""

from gapmap.scenario.comparison import Comparison, compare
from gapmap.scenario.files import ScenarioFile, read_scenario_file
from gapmap.scenario.result import StudyResult
from gapmap.scenario.scenario import Scenario
from gapmap.scenario.sweeps import SweepResult, each_site, each_threshold, sweep

__all__ = [
    "Comparison",
    "Scenario",
    "ScenarioFile",
    "StudyResult",
    "SweepResult",
    "compare",
    "each_site",
    "each_threshold",
    "read_scenario_file",
    "sweep",
]
