"""Lazy package namespaces: a package's public names imported from their modules on first use.

A package that re-exports names from heavy modules (folium, pandas, the solver)
would load them all on ``import gapmap.<package>.<module>``; a package that
assigns ``__getattr__ = lazy_names(__name__, homes)`` loads each module only
when one of its names is first read.
"""

from __future__ import annotations

from importlib import import_module
from typing import Callable, Mapping


def lazy_names(package: str, homes: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` that imports each public name from its home module on first use.

    Parameters
    ----------
    package
        The package's ``__name__``, e.g. ``"gapmap.render"``.
    homes
        Public name -> the submodule that defines it, relative to ``package``.

    Returns
    -------
    callable
        ``__getattr__(name)`` for the package (:pep:`562`); unknown names raise
        :class:`AttributeError` as for any module.

    Examples
    --------
    >>> getattr_ = lazy_names("json", {"JSONDecoder": "decoder"})
    >>> getattr_("JSONDecoder").__name__
    'JSONDecoder'
    >>> getattr_("nothing")
    Traceback (most recent call last):
    ...
    AttributeError: module 'json' has no attribute 'nothing'
    """

    def __getattr__(name: str) -> object:
        if name not in homes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(f"{package}.{homes[name]}"), name)

    return __getattr__
