"""A study: one area's inputs and settings, its baseline run, and the scenarios built on it.

Examples
--------
>>> import gapmap
>>> study = gapmap.Study.load("north-east")
>>> result = study.run()
>>> scn = study.scenario("2-mile special schools").set_threshold(kind="special", miles=2)
>>> diff = scn.run().compare(result)
>>> diff.change(kind="special") > 0
True
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import pandas as pd

from gapmap.engine import analyse
from gapmap.engine.forecast import calendar_year, time_period
from gapmap.engine.projection import inputs_at_year, settings_at_year
from gapmap.errors import InputError
from gapmap.inputs import StudyInputs
from gapmap.scenario.files import read_scenario_file
from gapmap.scenario.result import StudyResult
from gapmap.scenario.scenario import Scenario
from gapmap.scenario.sweeps import SweepResult, sweep
from gapmap.settings import Settings
from gapmap.sources.embedded import load_embedded

if TYPE_CHECKING:
    from distributed import Client


@dataclass(frozen=True, eq=False)
class Study:
    """One study area's inputs and analysis settings.

    Attributes
    ----------
    inputs
        The study inputs (never modified: scenarios work on copies).
    settings
        Kinds, thresholds and sectors of the baseline.

    Examples
    --------
    >>> import gapmap
    >>> study = gapmap.Study.load("north-east")
    >>> study.inputs.name
    'North East Combined Authority (E47000014)'
    >>> len(study.inputs.las)
    7
    """

    inputs: StudyInputs
    settings: Settings = field(default_factory=Settings)
    _years: dict[int, Study] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def load(cls, area: str = "north-east", *, path: str | Path | None = None, settings: Settings | None = None) -> Study:
        """Load an embedded study area (or a GeoPackage with the same layers).

        Parameters
        ----------
        area
            Embedded study area name (``"north-east"``).
        path
            Read this GeoPackage instead of the embedded data.
        settings
            Baseline settings (defaults apply when ``None``).

        Returns
        -------
        Study
            The study.

        Raises
        ------
        gapmap.errors.UnknownAreaError
            If ``area`` is not embedded and no ``path`` is given.
        gapmap.errors.DataFileError
            If the data file is missing or damaged.
        """
        inputs = load_embedded(area, path=Path(path) if path is not None else None)
        return cls(inputs=inputs, settings=settings or Settings())

    @classmethod
    def national(
        cls,
        *,
        ca: str | None = None,
        la: str | list[str] | None = None,
        england: bool = False,
        settings: Settings | None = None,
        **options: Any,
    ) -> Study:
        """Load a combined authority, LAs or all of England from the embedded national data (offline).

        Parameters
        ----------
        ca, la, england
            The area (see :func:`gapmap.sources.national.load_national`).
        settings
            Baseline settings.
        **options
            ``year``, ``supply``, ``buffer_miles``: as for :func:`~gapmap.sources.national.load_national`.

        Returns
        -------
        Study
            The study.

        Examples
        --------
        >>> Study.national(ca="West Yorkshire").inputs.slug
        'west-yorkshire'
        """
        from gapmap.sources.national import load_national

        inputs = load_national(ca=ca, la=la, england=england, **options)
        return cls(inputs=inputs, settings=settings or Settings())

    @classmethod
    def live(
        cls,
        *,
        ca: str | None = None,
        la: str | list[str] | None = None,
        settings: Settings | None = None,
        cache_dir: str | Path | None = None,
        offline: bool = False,
    ) -> Study:
        """Load a combined authority or LAs from the live public sources (see :func:`gapmap.sources.live.load_live`).

        Parameters
        ----------
        ca
            Combined authority code (``E47...``) or name.
        la
            LA codes or names.
        settings
            Baseline settings.
        cache_dir
            Download cache folder.
        offline
            Use only the cache.

        Returns
        -------
        Study
            The study.
        """
        from gapmap.sources.live import load_live  # network stack: imported only when used

        inputs = load_live(ca, la, cache_dir=cache_dir, offline=offline)
        return cls(inputs=inputs, settings=settings or Settings())

    @cached_property
    def _baseline(self) -> StudyResult:
        return StudyResult(results=analyse(self.inputs, self.settings))

    def run(self, *, year: int | None = None) -> StudyResult:
        """Analyse the baseline (computed once, then reused), today or as at the January of ``year``.

        Parameters
        ----------
        year
            Calendar year of the January whose need to analyse against today's
            places: a year with a SEN2 count uses it; a later year uses the
            projected need (see :meth:`at_year`); ``None`` for the latest count.

        Returns
        -------
        StudyResult
            The baseline's results.

        Examples
        --------
        >>> import gapmap
        >>> study = gapmap.Study.load("north-east")
        >>> later = study.run(year=2030).la_summary["special_demand"].sum()
        >>> bool(later > study.run().la_summary["special_demand"].sum())
        True
        """
        if year is not None:
            return self.at_year(year).run()
        return self._baseline

    def at_year(self, year: int) -> Study:
        """This study with the need of the January of ``year`` (observed, or projected when later than the data).

        Need after the latest SEN2 count is the forecast of
        :mod:`gapmap.engine.forecast`, apportioned to LSOAs as today's need is;
        places stay as they are today.  Scenarios built on the returned study
        (``study.at_year(2030).scenario(...)``) compare with its baseline.

        Parameters
        ----------
        year
            Calendar year of the January count (2025 for 2024/25).

        Returns
        -------
        Study
            A study whose inputs and settings read that year's EHC plans.

        Raises
        ------
        gapmap.errors.InputError
            If the study has no EHC plan caseload to project.
        """
        year = int(year)
        if year not in self._years:
            if self.inputs.ehcp.empty:
                raise InputError(f"{self.inputs.name} has no EHC plan caseload, so its need cannot be taken "
                                 f"as at January {year}.")
            latest = calendar_year(pd.to_numeric(self.inputs.ehcp["time_period"], errors="coerce").max())
            if year > latest:
                study = Study(inputs=inputs_at_year(self.inputs, year), settings=settings_at_year(self.settings, year))
            else:
                study = Study(inputs=self.inputs, settings=replace(self.settings, ehcp_year=time_period(year)))
            self._years[year] = study
        return self._years[year]

    def scenario(self, name: str, *, description: str = "") -> Scenario:
        """Start a scenario with no edits.

        Parameters
        ----------
        name
            Scenario name.
        description
            Free text shown on its summary page.

        Returns
        -------
        Scenario
            Chain edits on it: ``add_provision``, ``close``, ``expand``,
            ``scale_population``, ``set_threshold``.
        """
        return Scenario(study=self, name=str(name), inputs=self.inputs, settings=self.settings,
                        description=description)

    def scenario_from_file(self, path: str | Path) -> Scenario:
        """Build the scenario that a YAML or TOML scenario file describes, on this study.

        Parameters
        ----------
        path
            Scenario file (see ``docs/scenarios.md``).

        Returns
        -------
        Scenario
            The scenario.

        Raises
        ------
        gapmap.errors.InputError
            With the file name and line number of each bad edit.
        """
        return read_scenario_file(path).scenario(self)

    def sweep(
        self,
        scenarios: Sequence[Scenario],
        *,
        workers: int | None = None,
        client: Client | None = None,
        progress: bool = True,
        method: str = "incremental",
    ) -> SweepResult:
        """Run many scenarios of this study and compare each with the baseline.

        Parameters
        ----------
        scenarios
            Scenarios of this study with distinct names, e.g. from
            :func:`gapmap.scenario.each_site` or :func:`gapmap.scenario.each_threshold`.
        workers, client, progress, method
            As for :func:`gapmap.scenario.sweeps.sweep`: local processes, a Dask
            client, a progress bar, ``"incremental"`` or ``"full"``.

        Returns
        -------
        SweepResult
            Per-LA, per-kind changes of every scenario, and their ranking.
        """
        return sweep(scenarios, workers=workers, client=client, progress=progress, method=method)

    def __repr__(self) -> str:
        inputs = self.inputs
        return (f"Study({inputs.name!r}: {len(inputs.las)} LAs, {len(inputs.lsoas):,} LSOAs, "
                f"{len(inputs.provision):,} sites; kinds {', '.join(self.settings.kinds)})")

    def _repr_html_(self) -> str:
        kinds = ", ".join(self.settings.kinds)
        return (
            f"<b>{html.escape(self.inputs.name)}</b>: {len(self.inputs.las)} LAs, {len(self.inputs.lsoas):,} LSOAs, "
            f"{len(self.inputs.provision):,} sites; kinds analysed: {html.escape(kinds)}"
        )
