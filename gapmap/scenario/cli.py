"""``gapmap scenario``: check, run and sweep scenario files from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from gapmap.errors import InputError, NetworkError
from gapmap.options import SWEEP_METHODS

if TYPE_CHECKING:  # the library is imported inside the commands, so that `gapmap --help` starts fast
    from distributed import Client

    from gapmap.scenario.files import ScenarioFile
    from gapmap.scenario.sweeps import SweepResult
    from gapmap.study import Study

_FILE = click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
_DATA = click.option(
    "--data", "data_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Read the study area from this GeoPackage (overrides the file's `area` and `data`).",
)
_OUT = click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("maps"), show_default=True,
    help="Output root; results go into OUT/<study area>/scenarios/<scenario name>/.",
)


def _load(file: Path, data_file: Path | None) -> tuple[ScenarioFile, Study]:
    from gapmap.scenario.files import read_scenario_file
    from gapmap.study import Study

    spec = read_scenario_file(file)
    data = data_file if data_file is not None else spec.data
    return spec, Study.load(spec.area, path=data, settings=spec.settings)


@click.group()
def scenario() -> None:
    """Script what-ifs (new provision, closures, expansions, population growth, thresholds) and compare them.

    A scenario file (YAML or TOML) names the study area and lists edits; see
    docs/scenarios.md.  Outputs go into maps/<area>/scenarios/<name>/.
    """


@scenario.command()
@_FILE
@_DATA
def check(file: Path, data_file: Path | None) -> None:
    """Validate a scenario file against its study area without running it."""
    spec, study = _load(file, data_file)
    built = spec.scenario(study)
    swept = f"; sweep of {len(spec.sweep_scenarios(study))} scenarios" if spec.sweep else ""
    click.echo(f"{file}: OK: scenario {built.name!r}, {len(built.edits)} edit(s) on {study.inputs.name}{swept}.")


@scenario.command()
@_FILE
@_OUT
@_DATA
@click.option("--tiles", default="OpenStreetMap", show_default=True,
              help="Base map tiles for the change map (a folium tile name, or 'none').")
def run(file: Path, out: Path, data_file: Path | None, tiles: str) -> None:
    """Run a scenario and write its comparison with the baseline.

    Writes index.html (summary), map.html (LSOAs that gained or lost reach,
    changed sites), changes.gpkg and tables/*.csv.
    """
    from gapmap.scenario.outputs import write_scenario

    if tiles.lower() != "none":
        from gapmap.render.maps import tile_layer

        tile_layer(tiles)  # an unknown base map is refused before the analysis
    spec, study = _load(file, data_file)
    built = spec.scenario(study)
    click.echo(f"{built.name}: analysing the baseline and the scenario...", err=True)
    comparison = built.run().compare(study.run(year=spec.year))
    target = write_scenario(comparison, out=out, tiles=None if tiles.lower() == "none" else tiles, source=file)
    click.echo(f"Wrote {target / 'index.html'}")


def _client(address: str) -> Client:
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--dask-scheduler needs Dask: install it with `pip install 'gapmap-send[dask]'`.") from None
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError) as error:
        raise NetworkError(f"Cannot connect to the Dask scheduler at {address} ({error}).") from None


@scenario.command(name="sweep")
@_FILE
@_OUT
@_DATA
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Local worker processes (1 runs in this process; default: one per CPU only when the sweep is long enough to gain).")
@click.option("--dask-scheduler", "scheduler", default=None, metavar="tcp://HOST:PORT",
              help="Run on an existing Dask cluster (its workers need gapmap installed).")
@click.option("--method", type=click.Choice(SWEEP_METHODS), default="incremental", show_default=True,
              help="incremental: need and reach figures from the baseline's nearest sites (fast, the engine's "
                   "figures); full: the whole engine per scenario (also ratios and shortfall).")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Show a progress bar.")
def sweep_command(file: Path, out: Path, data_file: Path | None, workers: int | None, scheduler: str | None,
                  method: str, progress: bool) -> None:
    """Run every scenario of a file's `sweep` section and rank them by estimated need brought within reach.

    Writes ranking.csv (one row per scenario), sweep.csv (per scenario, LA and
    kind) and index.html, and prints the top five.
    """
    from gapmap.scenario.outputs import write_sweep
    from gapmap.scenario.sweeps import sweep

    spec, study = _load(file, data_file)
    scenarios = spec.sweep_scenarios(study)
    kind = str(spec.sweep.arguments["kind"]) if spec.sweep else ""
    if scheduler:
        with _client(scheduler) as client:
            result = sweep(scenarios, client=client, progress=progress, method=method)
    else:
        result = sweep(scenarios, workers=workers, progress=progress, method=method)
    target = write_sweep(result, out=out, slug=study.inputs.slug, area=study.inputs.name, name=spec.name, kind=kind)
    click.echo(_top(result, kind))
    click.echo(f"Wrote {target / 'index.html'}")


def _top(result: SweepResult, kind: str, count: int = 5) -> str:
    """The best scenarios in words, need first: ``1. <name>: about -65 children needing ... (...)``."""
    from gapmap.labels import about, need_phrase, threshold_rule

    ranking = result.ranking(kind=kind).head(count)
    lines = [f"Top {len(ranking)} of {len(result.scenarios)} scenarios, by the change in estimated children needing "
             f"{need_phrase(kind)} who live {threshold_rule(result.settings, kind)}, from the nearest suitable site:"]
    for row in ranking.itertuples(index=False):
        lines.append(f"{row.rank}. {row.scenario}: {about(row.need_beyond_threshold_change)} "
                     f"(beyond the walking distance for their age: {about(row.need_beyond_statutory_change)}; "
                     f"all children aged 0-15, context: {row.children_beyond_change:+,.0f})")
    return "\n".join(lines)
