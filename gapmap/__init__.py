"""gapmap: find gaps in specialist school provision across English combined authorities."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gapmap")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
