"""The ``gapmap`` command line: a thin layer of options over the library."""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

import click

from gapmap.build import DEFAULT_OUT, build as build_study
from gapmap.errors import GapmapError
from gapmap.model import KINDS
from gapmap.settings import DEFAULT_KINDS, METRES_PER_MILE, Settings
from gapmap.sources.embedded import load_embedded

INTERNAL_ERROR_EXIT = 70


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


@click.group(cls=_GapmapGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version("gapmap"), prog_name="gapmap")
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
            thresholds[kind] = float(miles) * METRES_PER_MILE
        except ValueError:
            raise click.BadParameter(f"{value!r}: {miles!r} is not a number of miles.") from None
    return thresholds


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
    "--tiles", default="OpenStreetMap", show_default=True,
    help="Base map tiles for the interactive map (a folium tile name, or 'none').",
)
@click.option(
    "--data", "data_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Read the study area from this GeoPackage instead of the embedded North East data.",
)
def build(out: Path, kinds: str, thresholds: tuple[str, ...], tiles: str, data_file: Path | None) -> None:
    """Analyse a study area and write its maps, summary page and tables.

    With no options, builds the embedded North East Combined Authority into
    maps/north-east/: index.html (summary), map.html (interactive map),
    gapmap.gpkg (layers lsoa, provision, la_summary) and tables/*.csv.
    """
    settings = Settings(kinds=tuple(k.strip() for k in kinds.split(",") if k.strip()))
    for kind, metres in _parse_thresholds(thresholds).items():
        settings = settings.with_threshold(kind, metres)
    inputs = load_embedded("north-east", path=data_file)
    target = build_study(
        inputs,
        settings=settings,
        out=out,
        tiles=None if tiles.lower() == "none" else tiles,
        progress=lambda message: click.echo(f"{inputs.name}: {message}...", err=True),
    )
    click.echo(f"Wrote {target / 'index.html'}")
