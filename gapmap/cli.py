"""The ``gapmap`` command line: a thin layer of options over the library."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from gapmap.errors import GapmapError
from gapmap.model import KINDS
from gapmap.options import (
    AP_NEED_METHODS, CANDIDATE_SETS, CandidateSet, DEFAULT_BUFFER_MILES, DEFAULT_OUT, DEFAULT_SUPPLY, DEFAULT_TARGET_SHARE, MIN_AP_CHILDREN,
    SUPPLY_CHOICES,
)
from gapmap.scenario.cli import scenario
from gapmap.labels import parse_ehcp_year, parse_sectors, sectors_label
from gapmap.settings import (
    DEFAULT_KINDS, DEFAULT_RULES, DEFAULT_SECTORS, METRES_PER_MILE, RULE_SETS, SPECIALIST_DEMAND_METHODS, Settings,
)

# The engine, sources and renderer are imported inside the commands that use them,
# so that `gapmap --help` starts in a fraction of a second.

INTERNAL_ERROR_EXIT = 70

_F = TypeVar("_F", bound=Callable[..., Any])


class _GapmapGroup(click.Group):
    """Turns errors into one sentence on stderr and a distinct exit code.

    Exit codes: 2 bad input, 3 network failure, 4 output not writable (see
    :mod:`gapmap.errors`), 70 internal error (a bug), 130 interrupted.
    ``--debug`` re-raises so the traceback is shown.
    """

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except GapmapError as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"Error: {error}", err=True)
            sys.exit(error.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted: no output was changed.", err=True)
            sys.exit(130)
        except Exception as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(
                f"Internal error ({type(error).__name__}: {error}); this is a bug in gapmap: "
                "please report it with the output of the same command run with --debug.",
                err=True,
            )
            sys.exit(INTERNAL_ERROR_EXIT)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """Print the installed version, read only when ``--version`` is asked for (``gapmap --help`` stays fast)."""
    if not value or ctx.resilient_parsing:
        return
    from gapmap import __version__

    click.echo(f"gapmap, version {__version__}")
    ctx.exit()


@click.group(cls=_GapmapGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version and exit.")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """gapmap: find gaps in specialist school provision across English combined authorities.

    Run `gapmap build` to analyse the embedded North East Combined Authority and
    write maps and tables into maps/north-east/.
    """
    ctx.obj = {"debug": debug}


def _parse_thresholds(values: tuple[str, ...]) -> dict[str, float]:
    thresholds: dict[str, float] = {}
    for value in values:
        kind, sep, miles = value.partition("=")
        if not sep or kind not in KINDS:
            raise click.BadParameter(f"{value!r}: expected KIND=MILES with KIND one of {', '.join(KINDS)}.")
        try:
            distance = float(miles)
        except ValueError:
            raise click.BadParameter(f"{value!r}: {miles!r} is not a number of miles.") from None
        if not 0 < distance < float("inf"):
            raise click.BadParameter(f"{value!r}: the threshold must be a positive number of miles, got {miles}.")
        thresholds[kind] = distance * METRES_PER_MILE
    return thresholds


def _one_area(ca: str | None, la: str | None) -> None:
    if ca and la:
        raise click.UsageError("--ca and --la both choose the study area: give one of them (a combined authority, "
                               "or a list of LAs).")


def _parsed(parse: Callable[[str], Any], value: str) -> Any:
    """Run an option's parser, turning its ValueError into a usage error naming the option."""
    try:
        return parse(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _area_options(command: _F) -> _F:
    """Options choosing a study area from the live public sources, and the download cache."""
    options = [
        click.option("--ca", default=None, metavar="CODE|NAME",
                     help="Combined authority (E47 code or name, current or former, e.g. 'North of Tyne')."),
        click.option("--la", default=None, metavar="CODE[,CODE...]",
                     help="LAs (ONS E06/E07/E08/E09/E10 or DfE 3-digit codes, or names); two-tier districts "
                     "resolve to their county, codes replaced since 2019 to the current authority."),
        click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Download cache folder (default: GAPMAP_CACHE_DIR, else the user cache folder)."),
        click.option("--refresh", is_flag=True, help="Download everything again, even when cached."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _national_options(command: _F) -> _F:
    """Options of the embedded national data: whole of England, membership year, supply source, buffer."""
    options = [
        click.option("--england", is_flag=True, help="Study every English LA (embedded national data)."),
        click.option("--ca-year", type=int, default=None, metavar="YEAR",
                     help="Year of the combined authority's membership (default: the latest), e.g. 2023 for the "
                     "North East of 2018-2023."),
        click.option("--supply", type=click.Choice(list(SUPPLY_CHOICES)), default=DEFAULT_SUPPLY, show_default=True,
                     help="Embedded supply: GIAS open establishments of May 2025 (establishment points, 2024/25 "
                     "rolls) or the January 2023 school census (postcode points)."),
        click.option("--buffer-miles", type=click.FloatRange(min=0), default=DEFAULT_BUFFER_MILES,
                     show_default=True, help="Provision of other LAs within this straight-line distance of the area "
                     "counts as supply (flagged outside_area); 0 for none."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command()
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUT, show_default=True,
    help="Output root; results go into OUT/<study area>/.",
)
@click.option(
    "--kinds", default=",".join(DEFAULT_KINDS), show_default=True,
    help=f"Comma-separated provision kinds to analyse, from: {', '.join(KINDS)}.",
)
@click.option(
    "--threshold", "thresholds", multiple=True, metavar="KIND=MILES",
    help="Straight-line distance threshold for a kind, in miles (repeatable). Defaults: 3 miles for "
    "special, AP and secondary; 2 miles for primary (statutory walking distances).",
)
@click.option(
    "--rules", default=DEFAULT_RULES, show_default=True, type=click.Choice(sorted(RULE_SETS)),
    help="Walking-distance rule set by age, for the counts of children beyond the statutory distance.",
)
@click.option(
    "--circuity", type=float, default=1.0, show_default=True,
    help="Factor (1 or more) applied to straight-line distances to approximate route length.",
)
@click.option(
    "--cost", type=click.Choice(("distance", "time")), default="distance", show_default=True,
    help="time: also measure estimated car time (calibrated model, offline) to the quickest suitable site and count "
    "estimated children beyond the 45-minute (primary age) and 75-minute (secondary age) journey norms.",
)
@click.option(
    "--roads", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE.osm.pbf",
    help="OpenStreetMap extract: journey times routed on its roads instead of estimated (implies --cost time; "
    "the parsed network is cached per extract).",
)
@click.option(
    "--specialist-demand", type=click.Choice(SPECIALIST_DEMAND_METHODS), default="ehcp", show_default=True,
    help="Demand for special, AP, SEN unit and resourced provision: EHC plans (SEN2) apportioned to LSOAs, "
    "or all children of the kind's ages.",
)
@click.option(
    "--ap-need", type=click.Choice(AP_NEED_METHODS), default="plans", show_default=True,
    help="AP need: EHC plans placed in AP (SEN2), or an estimate of all AP need from pupils on roll in AP schools "
    "plus LA-funded AP placements (AP census 2022/23).",
)
@click.option(
    "--sectors", default=",".join(DEFAULT_SECTORS), show_default=True, metavar="SECTOR[,SECTOR...]",
    callback=lambda _ctx, _param, value: _parsed(parse_sectors, value),
    help="Supply counted: state-funded, non-maintained, independent (comma-separated) or all. State-funded is the "
    f"usual base of a sufficiency plan; the summary also shows {sectors_label(('state-funded', 'non-maintained'))} "
    "and all three as additions.",
)
@click.option(
    "--ehcp-year", default="matched", show_default=True, metavar="YYYY/YY|matched|latest",
    callback=lambda _ctx, _param, value: _parsed(parse_ehcp_year, value),
    help="EHC plan (SEN2) year of specialist need, e.g. 2022/23. 'matched': the January of the supply's date, so "
    "places and need come from the same year; 'latest': the latest published.",
)
@click.option(
    "--tiles", default="OpenStreetMap", show_default=True,
    help="Base map under the interactive maps: a tile provider name (e.g. OpenStreetMap, OpenTopoMap), a URL "
    "template with {z}/{x}/{y}, or 'none'. Tiles need internet; the data draws without it.",
)
@click.option(
    "--data", "data_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Read the study area from this study-area GeoPackage (the layout of data/north-east.gpkg); the "
    "area's name and output folder come from the file.",
)
@_area_options
@_national_options
@click.option("--live", is_flag=True, help="With --ca/--la: load the area from the public sources (through the "
              "download cache) instead of the embedded national data.")
@click.option("--offline", is_flag=True, help="With --live: use only the download cache (see `gapmap fetch`).")
@click.option("--schools", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Own schools file, replacing the provision of the kinds it lists: a CSV (with easting and "
              "northing in British National Grid metres), GeoPackage, GeoJSON or GeoParquet with the columns "
              "provision_id, name, kind, sector and la_gss (optional: urn, pupils, capacity, statutory_low_age, "
              "statutory_high_age, needs, postcode); or a GIAS 'all establishment data' CSV as downloaded. "
              "Column names may be in any case.")
@click.option("--boundaries", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Own LSOA polygons (lsoa_code); replaces the LSOA boundaries.")
@click.option("--population", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Own children aged 0-15 per LSOA (lsoa_code, children_0_15).")
@click.option("--sites", type=click.IntRange(min=0), default=3, show_default=True,
              help="New sites per specialist kind in the shared-service site search (0: no search).")
@click.option("--candidates", type=click.Choice(CANDIDATE_SETS), default="schools", show_default=True,
              help="Where new sites may go: state-funded schools that could host the provision, or a 2 km grid.")
@click.option("--min-ap-children", type=click.FloatRange(min=0), default=MIN_AP_CHILDREN, show_default=True,
              help="Fewest children an alternative provision site must newly bring within reach to be proposed.")
@click.option("--cost-per-pupil-mile", type=float, default=None, metavar="GBP",
              help="Transport cost per pupil-mile, for an indicative annual saving per opportunity (none by default).")
@click.option("--cost-per-pupil", type=float, default=None, metavar="GBP",
              help="Annual transport cost per pupil, for an indicative saving per opportunity (none by default).")
@click.option("--target-share", type=click.FloatRange(0, 1, min_open=True), default=DEFAULT_TARGET_SHARE,
              show_default=True, help="Share of estimated need each plan must bring within the threshold when "
              "comparing each LA alone with the combined authority together.")
@click.option("--horizon", type=click.IntRange(min=2000, max=2100), default=None, metavar="YEAR",
              help="Last January of the forecast of specialist need (default: five years after the latest EHC "
              "plan count).")
def build(
    out: Path, kinds: str, thresholds: tuple[str, ...], rules: str, circuity: float, cost: str,
    roads: Path | None, specialist_demand: str, ap_need: str, sectors: tuple[str, ...], ehcp_year: int | str | None,
    tiles: str, data_file: Path | None,
    ca: str | None, la: str | None, cache_dir: Path | None, refresh: bool, england: bool, ca_year: int | None,
    supply: str, buffer_miles: float, live: bool, offline: bool,
    schools: Path | None, boundaries: Path | None, population: Path | None,
    sites: int, candidates: CandidateSet, min_ap_children: float, cost_per_pupil_mile: float | None, cost_per_pupil: float | None,
    target_share: float, horizon: int | None,
) -> None:
    """Analyse a study area and write its maps, summary page and tables.

    With no options, builds the embedded North East Combined Authority into
    maps/north-east/; --ca, --la or --england build any English area from the
    embedded national data (offline), --live from the public sources.  It writes index.html (summary), map.html and map-<kind>.html
    (interactive maps that work offline, with PNGs in images/),
    gapmap.gpkg (layers lsoa, provision, la_summary, ca_summary,
    flows, clusters, opportunities) and tables/*.csv with a data dictionary
    (tables/README.md); the need-type table as tables/need_access.parquet.
    """
    from gapmap.build import build as build_study
    from gapmap.engine.opportunities import OpportunityOptions
    from gapmap.engine.together import CollaborationOptions
    from gapmap.travel.backends import journey_backend
    from gapmap.sources.embedded import load_embedded
    from gapmap.sources.live import load_live
    from gapmap.sources.national import load_national
    from gapmap.sources.user_files import apply_user_files

    opportunities = OpportunityOptions(sites=sites, candidates=candidates, cost_per_pupil_mile=cost_per_pupil_mile,
                                       cost_per_pupil=cost_per_pupil, min_ap_children=min_ap_children)
    settings = Settings(kinds=tuple(k.strip() for k in kinds.split(",") if k.strip()), rules=rules,
                        circuity=circuity, specialist_demand=specialist_demand, ap_need=ap_need, sectors=sectors,
                        ehcp_year=ehcp_year,
                        journey_backend=journey_backend(cost, roads))
    for kind, metres in _parse_thresholds(thresholds).items():
        settings = settings.with_threshold(kind, metres)
    _one_area(ca, la)
    if data_file is not None and (ca or la or england):
        raise click.UsageError("--data reads a prepared GeoPackage: use it without --ca/--la/--england.")
    live = live or offline or refresh or cache_dir is not None
    if live and not (ca or la):
        raise click.UsageError("--live, --offline, --refresh and --cache-dir apply to an area chosen with --ca or --la.")
    if live:
        inputs = load_live(ca, la, cache_dir=cache_dir, offline=offline, refresh=refresh)
    elif ca or la or england:
        inputs = load_national(ca=ca, la=la, england=england, year=ca_year, supply=supply, buffer_miles=buffer_miles)
    elif data_file is not None:
        inputs = load_embedded(path=data_file)
    else:
        inputs = load_embedded("north-east", supply=supply, buffer_miles=buffer_miles)
    inputs = apply_user_files(inputs, schools=schools, boundaries=boundaries, population=population)
    target = build_study(
        inputs,
        settings=settings,
        out=out,
        tiles=None if tiles.lower() == "none" else tiles,
        progress=lambda message: click.echo(f"{inputs.name}: {message}...", err=True),
        opportunities=opportunities,
        collaboration=CollaborationOptions(target_share=target_share),
        horizon=horizon,
    )
    click.echo(f"Wrote {target / 'index.html'}")


@main.command()
@_area_options
def fetch(ca: str | None, la: str | None, cache_dir: Path | None, refresh: bool) -> None:
    """Download and cache everything a build of --ca or --la needs, and report it.

    Run it once with a network connection; `gapmap build --ca/--la ... --offline`
    then works from the cache alone.
    """
    from gapmap.sources.live import fetch_live

    if not (ca or la):
        raise click.UsageError("Name the area to fetch with --ca or --la.")
    _one_area(ca, la)
    report = fetch_live(ca, la, cache_dir=cache_dir, refresh=refresh)
    click.echo(report.to_string(index=False))


main.add_command(scenario)
