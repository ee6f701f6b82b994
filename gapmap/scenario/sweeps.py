"""Sweeps: run many scenarios of one study and compare each with the baseline, in parallel.

Each scenario is evaluated from the baseline's nearest sites
(:mod:`gapmap.scenario.reach`, ``method="incremental"``: only the LSOAs a site
change can affect are recomputed, per age and need type for the need
figures, which equal the engine's), or by the full engine
(``method="full"``: every figure the engine gives, e.g. 2SFCA ratios, at the
cost of a full analysis per scenario).  Work is spread over a local process
pool, or over an existing Dask cluster when a ``dask.distributed.Client`` is
given; the results are the same either way.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Iterator, Sequence

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from gapmap.engine import analyse
from gapmap.engine.candidates import outside_study_area
from gapmap.engine.supply import age_ranges
from gapmap.errors import InputError
from gapmap.inputs import StudyInputs
from gapmap.model import KIND_LABELS
from gapmap.options import SWEEP_METHODS
from gapmap.scenario.edits import AddProvision, Edit, apply_edits
from gapmap.scenario.html import table_html
from gapmap.scenario.metrics import diff_metrics, la_metrics
from gapmap.scenario.reach import Reach, lsoa_table, reach_of, supply_by_kind, update_reach
from gapmap.scenario.scenario import Scenario
from gapmap.settings import Settings

if TYPE_CHECKING:
    from distributed import Client

    from gapmap.scenario.base import StudyLike

METHODS = SWEEP_METHODS

#: Seconds a local process pool takes to start and receive the baseline (``benchmarks/bench_sweep.py``:
#: 100 North East scenarios took 4.5 s in one process and 5.7 s on 2 processes); a sweep left to choose
#: its workers uses a pool only when the scenarios would take longer than that saves.
POOL_START_S = 3.0

_Item = tuple[int, str, tuple[Edit, ...]]

#: Figures a ranking shows beside the one it ranks by: both need rules, then all children (context).
RANKING_CONTEXT = ("need_beyond_threshold", "need_beyond_statutory", "children_beyond")


def each_site(
    base: Scenario,
    *,
    kind: str,
    places: int | None = None,
    needs: Sequence[str] | str = (),
    ages: Sequence[int] | None = None,
    at: str | None = None,
    urns: Sequence[int | str] | None = None,
    postcodes: Sequence[str] | None = None,
    points: Sequence[Sequence[float]] | None = None,
    limit: int | None = None,
) -> list[Scenario]:
    """One scenario per candidate site: ``base`` plus new provision at that site.

    Parameters
    ----------
    base
        Edits common to every scenario (often none).
    kind, places, needs, ages
        The new provision, as for :meth:`Scenario.add_provision`.  Without
        ``ages``, provision at a host school serves the ages the host serves
        within the kind's ages (statutory, else on roll), so it is credited
        only with need of those ages.
    at
        Candidates are every site of this kind in the study, e.g.
        ``"mainstream_secondary"`` (hosts for a unit), in provision id order.
    urns, postcodes, points
        Or explicit candidates.  Give exactly one of ``at``, ``urns``,
        ``postcodes`` and ``points``.
    limit
        Keep only the first ``limit`` candidates.

    Returns
    -------
    list of Scenario
        Named ``"<kind> at URN <urn>"``, ``"... at <postcode>"`` or ``"... at (<e>, <n>)"``.

    Raises
    ------
    gapmap.errors.InputError
        If the candidates are not given exactly once, or one is invalid.

    Examples
    --------
    >>> import gapmap
    >>> base = gapmap.Study.load("north-east").scenario("special school sites")
    >>> [s.name for s in each_site(base, kind="special", places=40, at="mainstream_secondary", limit=2)]
    ['special at URN 108410', 'special at URN 108519']
    """
    given = {k: v for k, v in {"at": at, "urns": urns, "postcodes": postcodes, "points": points}.items() if v is not None}
    if len(given) != 1:
        raise InputError(f"each_site needs exactly one of at=, urns=, postcodes= and points=, got {sorted(given) or 'none'}.")
    if at is not None:
        provision = base.inputs.provision
        hosts = provision[(provision["kind"] == at).fillna(False).to_numpy() & ~outside_study_area(provision)]
        if hosts.empty:
            raise InputError(f"each_site at={at!r}: the study has no sites of that kind to host new provision.")
        urns = hosts["provision_id"].tolist()
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InputError(f"each_site limit must be a whole number of 1 or more, got {limit!r}.")
    common = dict(kind=kind, places=places, needs=needs, ages=ages)
    where: list[tuple[str, dict[str, object]]]
    if urns is not None:
        served = {} if ages is not None else _host_ages(base, kind, urns)
        where = [(f"URN {u}", dict(urn=u, **({"ages": served[str(u).strip()]} if str(u).strip() in served else {})))
                 for u in urns]
    elif postcodes is not None:
        where = [(str(p).upper(), dict(postcode=p)) for p in postcodes]
    else:
        where = [(f"({p[0]:.0f}, {p[1]:.0f})", dict(point=p)) for p in points or ()]
    return [
        replace(base.add_provision(**{**common, **location}), name=f"{kind} at {label}")  # type: ignore[arg-type]
        for label, location in where[:limit]
    ]


def _host_ages(base: Scenario, kind: str, urns: Sequence[int | str]) -> dict[str, tuple[int, int]]:
    """Ages new provision of ``kind`` at each host serves: the host's ages within the kind's (hosts of known ages)."""
    provision = base.inputs.provision
    served = age_ranges(provision).assign(provision_id=provision["provision_id"].astype(str).to_numpy(object))
    served = served.dropna(subset=["age_low", "age_high"]).drop_duplicates("provision_id").set_index("provision_id")
    if kind not in base.settings.ages:  # add_provision says why the kind is invalid
        return {}
    kind_ages = base.settings.age_range(kind)
    out = {}
    for urn in (str(u).strip() for u in urns):
        if urn in served.index:
            low, high = int(served.at[urn, "age_low"]), int(served.at[urn, "age_high"])
            if low <= kind_ages.stop - 1 and high >= kind_ages.start:  # the overlap, else the host's own ages
                low, high = max(low, kind_ages.start), min(high, kind_ages.stop - 1)
            out[urn] = (low, high)
    return out


def each_threshold(
    base: Scenario, *, kind: str, miles: Sequence[float] | None = None, metres: Sequence[float] | None = None
) -> list[Scenario]:
    """One scenario per distance threshold for one kind.

    Parameters
    ----------
    base
        Edits common to every scenario.
    kind
        Provision kind.
    miles, metres
        The thresholds: give exactly one list.

    Returns
    -------
    list of Scenario
        Named ``"<kind> within <n> miles"`` (or metres).

    Examples
    --------
    >>> import gapmap
    >>> base = gapmap.Study.load("north-east").scenario("thresholds")
    >>> [s.name for s in each_threshold(base, kind="ap", miles=[1, 2.5])]
    ['ap within 1 miles', 'ap within 2.5 miles']
    """
    if (miles is None) == (metres is None):
        raise InputError("each_threshold needs exactly one of miles= and metres= (a list of distances).")
    unit, values = ("miles", miles) if miles is not None else ("metres", metres)
    return [
        replace(base.set_threshold(kind=kind, **{unit: value}), name=f"{kind} within {value:g} {unit}")
        for value in values  # type: ignore[union-attr]
    ]


@dataclass(frozen=True)
class _Context:
    """What every worker needs: the baseline, once."""

    method: str
    inputs: StudyInputs
    settings: Settings
    las: pd.DataFrame
    reach: Reach | None
    baseline: pd.DataFrame


def _context(study: StudyLike, method: str) -> _Context:
    inputs, settings = study.inputs, study.settings
    las = pd.DataFrame(inputs.las[["la_gss", "la_name"]])
    if method == "full":
        result = study.run()
        baseline = la_metrics(las=las, lsoa=result.lsoa, supply=supply_by_kind(inputs, settings),
                              settings=settings, summary=result.la_summary)
        return _Context(method, inputs, settings, las, None, baseline)
    light = replace(  # polygons are not needed to apply resolved edits or to measure reach
        inputs, las=las, lsoas=pd.DataFrame(inputs.lsoas.drop(columns="geometry"))
    )
    reach = reach_of(light, settings)
    supply = {kind: nearest.sites for kind, nearest in reach.by_kind.items()}
    baseline = la_metrics(las=las, lsoa=lsoa_table(reach, light, settings), supply=supply, settings=settings)
    return _Context(method, light, settings, las, reach, baseline)


def _evaluate(context: _Context, items: list[_Item]) -> pd.DataFrame:
    frames = []
    for index, name, edits in items:
        inputs, settings = apply_edits(context.inputs, context.settings, edits)
        if context.method == "full":
            result = analyse(inputs, settings)
            metrics = la_metrics(las=context.las, lsoa=result.lsoa, supply=supply_by_kind(inputs, settings),
                                 settings=settings, summary=result.la_summary)
        else:
            reach = update_reach(context.reach, inputs, settings)  # type: ignore[arg-type]
            supply = {kind: nearest.sites for kind, nearest in reach.by_kind.items()}
            metrics = la_metrics(las=context.las, lsoa=lsoa_table(reach, inputs, settings), supply=supply,
                                 settings=settings)
        frames.append(diff_metrics(context.baseline, metrics).assign(scenario_index=index, scenario=name))
    return pd.concat(frames, ignore_index=True)


_WORKER_CONTEXT: _Context | None = None


def _init_worker(context: _Context) -> None:
    global _WORKER_CONTEXT
    _WORKER_CONTEXT = context


def _evaluate_in_worker(items: list[_Item]) -> pd.DataFrame:
    return _evaluate(_WORKER_CONTEXT, items)  # type: ignore[arg-type]


def _chunks(items: list[_Item], parts: int) -> list[list[_Item]]:
    size = max(1, math.ceil(len(items) / parts))
    return [items[i:i + size] for i in range(0, len(items), size)]


def _process_context() -> multiprocessing.context.BaseContext:
    """Forkserver where available (fast, safe with threads), else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")


def _run_auto(context: _Context, items: list[_Item], cpus: int) -> Iterator[pd.DataFrame]:
    """Time the first scenario here; spread the rest over ``cpus`` processes only if that saves time."""
    start = time.perf_counter()
    yield _evaluate(context, items[:1])
    rest_alone = (time.perf_counter() - start) * (len(items) - 1)
    gains = cpus > 1 and rest_alone > POOL_START_S * cpus / (cpus - 1)  # rest / cpus + start < rest
    yield from _run_local(context, items[1:], cpus if gains else 1)


def _run_local(context: _Context, items: list[_Item], workers: int) -> Iterator[pd.DataFrame]:
    if not items:
        return
    if workers == 1:
        for chunk in _chunks(items, max(1, len(items) // 10)):
            yield _evaluate(context, chunk)
        return
    chunks = _chunks(items, workers * 4)
    with ProcessPoolExecutor(max_workers=min(workers, len(chunks)), mp_context=_process_context(),
                             initializer=_init_worker, initargs=(context,)) as pool:
        futures = [pool.submit(_evaluate_in_worker, chunk) for chunk in chunks]
        for future in as_completed(futures):
            yield future.result()


def _run_dask(context: _Context, items: list[_Item], client: Client) -> Iterator[pd.DataFrame]:
    from distributed import as_completed as dask_completed

    shared = client.scatter(context, broadcast=True)
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    futures = [client.submit(_evaluate, shared, chunk, pure=False) for chunk in _chunks(items, workers * 4)]
    for future in dask_completed(futures):
        yield future.result()


@dataclass(frozen=True)
class SweepResult:
    """Per-LA, per-kind changes of every scenario in a sweep.

    Attributes
    ----------
    table
        One row per (scenario, kind, LA): ``scenario`` and the columns of
        :func:`gapmap.scenario.metrics.diff_metrics`.
    scenarios
        One row per scenario, in the order given: ``scenario``, ``edits``
        (described) and, when its last edit adds provision, ``site_id``,
        ``site_name``, ``site_la``, ``easting`` and ``northing``.
    method
        ``"incremental"`` or ``"full"``.
    settings
        The study's settings (the rules the figures are named by).
    """

    table: pd.DataFrame
    scenarios: pd.DataFrame
    method: str
    settings: Settings

    def ranking(self, *, kind: str, metric: str = "need_beyond_threshold") -> pd.DataFrame:
        """Scenarios ranked by their total change in one figure for one kind (largest fall first).

        Parameters
        ----------
        kind
            Provision kind.
        metric
            An additive figure: by default ``"need_beyond_threshold"``
            (estimated children needing the provision who live more than the
            kind's threshold from the nearest site suiting their age and
            need); also ``"need_beyond_statutory"`` (beyond the walking
            distance for their age), ``"children_beyond"`` (all children aged
            0-15, context), ``"cross_la_children"``.

        Returns
        -------
        pandas.DataFrame
            One row per scenario: ``rank``, the scenario columns, ``{metric}_change``
            (sum over LAs), the changes in the other need rule and in all children
            beyond (context), and ``las_losing_provision``.  Ties go to the larger
            fall in all children beyond, then to the scenario name.
        """
        rows = self.table[self.table["kind"] == kind]
        if rows.empty:
            raise InputError(f"The sweep has no figures for kind {kind!r}; it has {sorted(self.table['kind'].unique())}.")
        if f"{metric}_change" not in rows.columns:
            known = sorted(c.removesuffix("_change") for c in rows.columns if c.endswith("_change"))
            raise InputError(f"The sweep has no figure {metric!r}; it has {', '.join(known)}.")
        grouped = rows.groupby("scenario", sort=False)
        shown = list(dict.fromkeys([metric, *RANKING_CONTEXT]))
        totals = pd.DataFrame({
            **{f"{m}_change": grouped[f"{m}_change"].sum() for m in shown if f"{m}_change" in rows.columns},
            "las_losing_provision": grouped["loses_provision"].sum().astype(int),
        })
        out = self.scenarios.merge(totals, left_on="scenario", right_index=True, how="left")
        order = list(dict.fromkeys([f"{metric}_change", "children_beyond_change", "scenario"]))
        out = out.sort_values(order, kind="stable").reset_index(drop=True)
        out.insert(0, "rank", np.arange(1, len(out) + 1))
        return out

    def _repr_html_(self) -> str:
        kind = self.table["kind"].iloc[0]
        best = self.ranking(kind=kind).head(10).drop(columns="edits")
        return (f"<b>Sweep of {len(self.scenarios)} scenarios ({self.method}); top 10 for "
                f"{KIND_LABELS[kind].lower()}, by the change in estimated children needing it beyond the "
                "threshold</b>" + table_html(best, signed=tuple(c for c in best.columns if c.endswith("_change"))))


def _scenario_table(scenarios: Sequence[Scenario]) -> pd.DataFrame:
    rows = []
    for scenario in scenarios:
        row: dict[str, object] = {"scenario": scenario.name, "edits": " ".join(e.describe() for e in scenario.edits)}
        last = scenario.edits[-1] if scenario.edits else None
        if isinstance(last, AddProvision):
            row.update(site_id=last.provision_id, site_name=last.name, site_la=last.la_gss,
                       easting=last.easting, northing=last.northing)
        rows.append(row)
    return pd.DataFrame(rows)


def sweep(
    scenarios: Sequence[Scenario],
    *,
    workers: int | None = None,
    client: Client | None = None,
    progress: bool = True,
    method: str = "incremental",
) -> SweepResult:
    """Run scenarios of one study and compare each with the baseline.

    Parameters
    ----------
    scenarios
        Scenarios of the same study, with distinct names (see :func:`each_site`
        and :func:`each_threshold`).
    workers
        Local processes (1 runs in this process).  By default the first
        scenario is timed in this process, and the rest are spread over one
        process per CPU only when they would take long enough alone to repay
        the pool's start-up (:data:`POOL_START_S`).  Ignored when ``client`` is given.
    client
        A ``dask.distributed.Client`` connected to an existing cluster whose
        workers have gapmap installed; the sweep runs there.
    progress
        Show a progress bar (tqdm) on stderr.
    method
        ``"incremental"`` (from the baseline's nearest sites: need beyond the
        threshold and beyond the walking distance for the child's age, demand,
        children, sites, places, all children beyond, share beyond, cross-LA;
        the same figures as the engine's) or ``"full"`` (the engine per
        scenario: also its ratio, 2SFCA and shortfall figures).

    Returns
    -------
    SweepResult
        Per-LA, per-kind changes of every scenario.

    Raises
    ------
    gapmap.errors.InputError
        If there are no scenarios, they belong to different studies, names repeat,
        or ``method`` or ``workers`` is invalid.

    Examples
    --------
    >>> import gapmap
    >>> study = gapmap.Study.load("north-east")
    >>> runs = each_threshold(study.scenario("thresholds"), kind="special", miles=[2, 3, 4])
    >>> result = sweep(runs, workers=1, progress=False)
    >>> ranked = result.ranking(kind="special").round(1)
    >>> ranked[["rank", "scenario", "need_beyond_threshold_change"]].to_numpy().tolist()
    [[1, 'special within 4 miles', -690.3], [2, 'special within 3 miles', 0.0], [3, 'special within 2 miles', 1419.4]]
    >>> ranked["children_beyond_change"].tolist()  # all children aged 0-15: context
    [-20723.0, 0.0, 52007.0]
    """
    if not scenarios:
        raise InputError("The sweep has no scenarios to run.")
    if method not in METHODS:
        raise InputError(f"Unknown sweep method {method!r}; choose from {', '.join(METHODS)}.")
    study = scenarios[0].study
    if any(s.study is not study for s in scenarios):
        raise InputError("Every scenario in a sweep must be built on the same study.")
    names = pd.Series([s.name for s in scenarios])
    if names.duplicated().any():
        raise InputError(f"Scenario names in a sweep must be distinct; repeated: {', '.join(names[names.duplicated()].unique()[:5])}.")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise InputError(f"workers must be a whole number of 1 or more, got {workers!r}.")
    context = _context(study, method)
    items: list[_Item] = [(i, s.name, s.edits) for i, s in enumerate(scenarios)]
    if client is not None:
        parts = _run_dask(context, items, client)
    elif workers is None:
        parts = _run_auto(context, items, os.cpu_count() or 1)
    else:
        parts = _run_local(context, items, workers)
    frames = []
    with tqdm(total=len(items), desc="scenarios", unit="scenario", disable=not progress) as bar:
        for frame in parts:
            frames.append(frame)
            bar.update(frame["scenario_index"].nunique())
    table = pd.concat(frames, ignore_index=True).sort_values("scenario_index", kind="stable")
    columns = ["scenario", *[c for c in table.columns if c not in ("scenario", "scenario_index")]]
    return SweepResult(table=table[columns].reset_index(drop=True), scenarios=_scenario_table(scenarios), method=method,
                       settings=study.settings)
