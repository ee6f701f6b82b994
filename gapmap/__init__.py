"""gapmap: find gaps in specialist school provision across English combined authorities."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gapmap")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["Study", "__version__"]


def __getattr__(name: str) -> object:
    """Import :class:`gapmap.Study` on first use, so that ``import gapmap.<module>`` stays light."""
    if name == "Study":
        from gapmap.study import Study

        return Study
    raise AttributeError(f"module 'gapmap' has no attribute {name!r}")
