"""User-facing errors.

Every error that a user can cause or fix (bad input, missing data, a network
failure, an unwritable output) is a :class:`GapmapError`.  The command line
prints its message as one sentence and exits with :attr:`GapmapError.exit_code`;
anything else is a bug and is reported as an internal error.

Each class also derives from the matching built-in exception, so callers may
catch either (``except ValueError`` still works for bad input).
"""

from __future__ import annotations


class GapmapError(Exception):
    """Base class for errors a user can act on."""

    exit_code: int = 1


class InputError(GapmapError, ValueError):
    """An input (argument, file, table, column, code) is missing or invalid."""

    exit_code = 2


class DataFileError(InputError):
    """A data file is missing, truncated, corrupt or has the wrong layout."""


class UnknownAreaError(InputError, KeyError):
    """A combined authority or local authority code or name is not known."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class NetworkError(GapmapError, ConnectionError):
    """A download failed after retries, or returned the wrong content."""

    exit_code = 3


class OutputError(GapmapError, OSError):
    """The output location cannot be written."""

    exit_code = 4


def shown(value: object) -> str:
    """Return a value as an error message shows it: numpy scalars as plain Python values, text quoted.

    Examples
    --------
    >>> import numpy as np
    >>> shown(np.int64(-40)), shown(np.float64(2.5)), shown("forty"), shown(None)
    ('-40', '2.5', "'forty'", 'None')
    """
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", None) == 0:
        value = item()
    return repr(value)
