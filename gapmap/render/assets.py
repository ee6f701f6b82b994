"""JavaScript and CSS inlined into every map, so that a map works offline from one file.

Third-party code is not kept in this repository: Leaflet and Leaflet.markercluster are
read at render time from the PyPI packages ``XStatic-Leaflet`` and
``XStatic-Leaflet-MarkerCluster`` (installed as dependencies), which ship the upstream
release files unchanged.  gapmap's own map code (legend, search, full screen, data
layers) is in ``gapmap/render/static/``.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import folium
from branca.element import Element
import xstatic.pkg.leaflet as xs_leaflet
import xstatic.pkg.leaflet_markercluster as xs_markercluster

from gapmap.render.layers import RawHtml, page_of

_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=.*$", re.MULTILINE)
_CSS_URL = re.compile(r"url\((['\"]?)(images/[\w.-]+\.png)\1\)")


@dataclass(frozen=True)
class Asset:
    """One script or style sheet to inline.

    Attributes
    ----------
    name
        What it is, with its version, e.g. ``"Leaflet 1.9.3"``.
    kind
        ``"js"`` or ``"css"``.
    text
        The file's content, ready to inline.
    """

    name: str
    kind: str
    text: str

    def tag(self) -> str:
        """Return the ``<script>`` or ``<style>`` element that inlines the asset."""
        element = "script" if self.kind == "js" else "style"
        return f"<!-- {self.name} -->\n<{element}>\n{self.text}\n</{element}>"


def _read_js(path: Path) -> str:
    text = _SOURCE_MAP.sub("", path.read_text(encoding="utf-8"))
    if re.search(r"</script|<!--", text, re.IGNORECASE):
        raise ValueError(f"{path} contains '</script' or '<!--' and cannot be inlined in a <script> element.")
    return text


def _read_css(path: Path) -> str:
    """Read a style sheet and embed the images it refers to as data URIs."""

    def embed(match: re.Match[str]) -> str:
        data = base64.b64encode((path.parent / match.group(2)).read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return _CSS_URL.sub(embed, path.read_text(encoding="utf-8"))


def _own(name: str) -> str:
    # One name per joinpath: Python 3.10's Traversable.joinpath takes a single child.
    return resources.files("gapmap.render").joinpath("static").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def map_assets() -> tuple[Asset, ...]:
    """Return the scripts and style sheets a gapmap map needs, in load order.

    Returns
    -------
    tuple of Asset
        Leaflet, Leaflet.markercluster and gapmap's own map code and styles.
    """
    leaflet = Path(xs_leaflet.BASE_DIR)
    cluster = Path(xs_markercluster.BASE_DIR)
    leaflet_name = f"Leaflet {xs_leaflet.VERSION} (BSD-2-Clause), from PyPI XStatic-Leaflet"
    cluster_name = f"Leaflet.markercluster {xs_markercluster.VERSION} (MIT), from PyPI XStatic-Leaflet-MarkerCluster"
    return (
        Asset(leaflet_name, "css", _read_css(leaflet / "leaflet.css")),
        Asset(cluster_name, "css", "\n".join(_read_css(cluster / name) for name in ("MarkerCluster.css",
                                                                              "MarkerCluster.Default.css"))),
        Asset("gapmap map styles", "css", _own("gapmap.css")),
        Asset(leaflet_name, "js", _read_js(leaflet / "leaflet.js")),
        Asset(cluster_name, "js", _read_js(cluster / "leaflet.markercluster.js")),
        Asset("gapmap map code (MIT)", "js", _own("gapmap.js")),
    )


def inline_assets(fmap: folium.Map) -> None:
    """Make ``fmap`` self-contained: drop folium's CDN links and inline :func:`map_assets`.

    Every element of the map loses its ``default_js``/``default_css`` links (folium
    would fetch Leaflet, jQuery, Bootstrap and Font Awesome from CDNs); the
    assets gapmap needs are added to the page header instead.

    Parameters
    ----------
    fmap
        A map whose elements are all added; it is changed in place.
    """
    pending: list[Element] = [fmap]
    while pending:
        element = pending.pop()
        if isinstance(element, folium.elements.JSCSSMixin):
            element.default_js = []
            element.default_css = []
        pending.extend(element._children.values())
    header = page_of(fmap).header
    for position, asset in enumerate(map_assets()):
        header.add_child(RawHtml(asset.tag()), name=f"gapmap_asset_{position}", index=position)
