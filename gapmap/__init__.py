"""gapmap: find gaps in specialist school provision across English combined authorities."""

#: The distribution name on PyPI (``pip install gapmap-send``); the package and the command are ``gapmap``.
#: ``gapmap`` itself is taken on PyPI by an unrelated project.
DISTRIBUTION = "gapmap-send"

__all__ = ["Study", "__version__"]


def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    for name in (DISTRIBUTION, "gapmap"):  # "gapmap": an editable install made before the rename
        try:
            return version(name)
        except PackageNotFoundError:
            continue
    return "0+unknown"  # running from a source tree that is not installed


def __getattr__(name: str) -> object:
    """Import :class:`gapmap.Study` and read ``__version__`` on first use, so that ``import gapmap.<module>`` stays light."""
    if name == "Study":
        from gapmap.study import Study

        return Study
    if name == "__version__":
        globals()["__version__"] = found = _installed_version()
        return found
    raise AttributeError(f"module 'gapmap' has no attribute {name!r}")
