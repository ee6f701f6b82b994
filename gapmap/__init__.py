"""gapmap: find gaps in specialist school provision across English combined authorities."""

from importlib.metadata import PackageNotFoundError, version

#: The distribution name on PyPI (``pip install gapmap-send``); the package and the command are ``gapmap``.
#: ``gapmap`` itself is taken on PyPI by an unrelated project.
DISTRIBUTION = "gapmap-send"


def _installed_version() -> str:
    for name in (DISTRIBUTION, "gapmap"):  # "gapmap": an editable install made before the rename
        try:
            return version(name)
        except PackageNotFoundError:
            continue
    return "0+unknown"  # running from a source tree that is not installed


__version__ = _installed_version()

__all__ = ["Study", "__version__"]


def __getattr__(name: str) -> object:
    """Import :class:`gapmap.Study` on first use, so that ``import gapmap.<module>`` stays light."""
    if name == "Study":
        from gapmap.study import Study

        return Study
    raise AttributeError(f"module 'gapmap' has no attribute {name!r}")
