"""Write a study area's outputs atomically: a complete folder, or nothing."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

import geopandas as gpd
import pandas as pd

from gapmap.errors import OutputError

#: Float format for CSV tables: fixed, so that the same inputs give the same bytes.
CSV_FLOAT_FORMAT = "%.6g"

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success it replaces ``target``.

    If the body raises (or the process is killed) ``target`` is left as it was
    and the temporary folder is removed (or, after a kill, left as a hidden
    ``.<name>.tmp-*`` folder that the next build cleans up).  A lock file
    ``.<name>.lock`` beside ``target`` stops two runs writing the same folder
    at once: the second is refused with :class:`OutputError`.

    Parameters
    ----------
    target
        Final output folder, e.g. ``maps/north-east``.

    Yields
    ------
    pathlib.Path
        The staging folder to write into.

    Raises
    ------
    OutputError
        If the parent folder cannot be created or written, or another run
        holds the lock.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        lock = open(target.parent / f".{target.name}.lock", "a+b")  # noqa: SIM115 - held until the swap
    except OSError as error:
        raise OutputError(
            f"Cannot write to the output folder {target.parent} ({error.strerror or error}); "
            "choose another with --out."
        ) from None
    with lock:
        if not _try_lock(lock):
            raise OutputError(
                f"Another gapmap run is writing {target} right now; wait for it to finish, "
                "or choose another folder with --out."
            )
        for stale in target.parent.glob(f".{target.name}.tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        _recover_interrupted_swap(target)
        try:
            staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
            umask = os.umask(0)
            os.umask(umask)
            staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; outputs are for sharing
        except OSError as error:
            raise OutputError(
                f"Cannot write to the output folder {target.parent} ({error.strerror or error}); "
                "choose another with --out."
            ) from None
        try:
            yield staging
            _swap_into_place(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


def _try_lock(handle: IO[bytes]) -> bool:
    """Take an exclusive advisory lock without waiting; the OS drops it if the process dies."""
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _recover_interrupted_swap(target: Path) -> None:
    """Undo a swap that a kill cut between its two renames, and remove the hidden ``.<name>.old-*`` folders.

    :func:`_swap_into_place` first moves the previous output into
    ``.<name>.old-*/<name>`` and then the new one into place; a kill between
    the two leaves no ``target`` and the previous output hidden.  It is moved
    back (the previous output is the last complete one), and every leftover
    ``.old-*`` folder is deleted.
    """
    for old in sorted(target.parent.glob(f".{target.name}.old-*")):
        kept = old / target.name
        if not target.exists() and kept.is_dir():
            try:
                os.replace(kept, target)
            except OSError as error:
                raise OutputError(f"Cannot restore the previous output {target} from {old} "
                                  f"({error.strerror or error}); move it back by hand, or choose another --out.") from None
        shutil.rmtree(old, ignore_errors=True)


def _swap_into_place(staging: Path, target: Path) -> None:
    old = None
    try:
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, old / target.name)
        os.replace(staging, target)
    except OSError as error:
        if old is not None and not target.exists():
            os.replace(old / target.name, target)
        raise OutputError(f"Cannot replace {target} ({error.strerror or error}); is it open in another program?") from None
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as UTF-8 CSV without the index and geometry, with fixed float formatting.

    Parameters
    ----------
    frame
        Table to write; a ``geometry`` column is dropped (points become
        ``easting``/``northing`` columns first).
    path
        CSV path.
    """
    table = pd.DataFrame(frame).copy()
    if "geometry" in table.columns:
        geometry = gpd.GeoSeries(table["geometry"])
        if len(geometry) and (geometry.geom_type == "Point").all():
            table["easting"] = geometry.x.round(1)
            table["northing"] = geometry.y.round(1)
        table = table.drop(columns="geometry")
    for column in table.columns:
        if table[column].dtype == object or isinstance(table[column].dtype, pd.StringDtype):
            table[column] = neutralise_formulas(table[column])
    table.to_csv(path, index=False, float_format=CSV_FLOAT_FORMAT, lineterminator="\n")


def neutralise_formulas(values: pd.Series) -> pd.Series:
    """Prefix ``'`` to text that a spreadsheet would run as a formula (OWASP "CSV injection").

    A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return is read by Excel, LibreOffice and Google Sheets as a formula; the
    leading apostrophe makes it text, shown as written.  Numbers and other
    values are unchanged.

    Parameters
    ----------
    values
        A column of a table about to be written as CSV.

    Returns
    -------
    pandas.Series
        The column, with formula-like text neutralised.

    Examples
    --------
    >>> neutralise_formulas(pd.Series(["=1+2", "St Mary's", -40, "@SUM(A1)", "-x"])).tolist()
    ["'=1+2", "St Mary's", -40, "'@SUM(A1)", "'-x"]
    """
    risky = values.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_PREFIXES))
    if not risky.any():
        return values
    return values.astype("object").where(~risky.astype(bool), "'" + values.astype("object").where(risky, ""))


def write_layers(
    layers: dict[str, gpd.GeoDataFrame | pd.DataFrame], path: Path, *, metadata: dict[str, str] | None = None,
    use_arrow: bool = True,
) -> None:
    """Write tables as layers of one GeoPackage.

    Parameters
    ----------
    layers
        Layer name -> table (a GeoDataFrame, or a DataFrame for a table without geometry).
    path
        GeoPackage path.
    metadata
        Key -> text written into every layer's metadata (e.g. the data years), if given.
    use_arrow
        Hand each table to GDAL through Arrow (pyogrio): the same layers, fields
        and values as the row-by-row path, written faster (``tests/test_output.py``).
    """
    for name, frame in layers.items():
        gpd.GeoDataFrame(frame).to_file(path, layer=name, driver="GPKG", layer_metadata=metadata or None,
                                        engine="pyogrio", use_arrow=use_arrow)


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write a table without geometry as Parquet (zstd), without the index.

    Parameters
    ----------
    frame
        Table to write.
    path
        Parquet path.
    """
    pd.DataFrame(frame).to_parquet(path, index=False, compression="zstd")
