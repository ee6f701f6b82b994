"""folium elements that hand gapmap's data to its map code (``static/gapmap.js``).

Data go into the page as GeoJSON inside ``<script>``; :func:`script_json`
escapes ``<``, ``>`` and ``&`` so that no value can close the script element.
branca would compile each element's output again as a Jinja template (so that
``{{ ... }}`` in a school's name would be evaluated); these elements add their
output as :class:`RawHtml` instead, which is never parsed.
"""

from __future__ import annotations

import html
import json
from typing import Any, Sequence, cast

import geopandas as gpd
import shapely
from branca.element import Element, Figure, MacroElement
from folium.elements import ElementAddToElement
from folium.map import Layer
from jinja2 import Template


class RawHtml(Element):
    """An element that renders its text as it is (no template processing)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: object) -> str:
        """Return the text unchanged."""
        return self.text


def page_of(element: Element) -> Figure:
    """The page (:class:`~branca.element.Figure`) that ``element`` has been added to.

    branca types ``get_root()`` as returning any element; the root of a folium map is its Figure.
    """
    return cast(Figure, element.get_root())


def _add_script(element: MacroElement, **kwargs: object) -> None:
    """Add ``element``'s script macro output to the page as raw text, then render its children."""
    script = element._template.module.__dict__["script"]
    page_of(element).script.add_child(RawHtml(script(element, kwargs)), name=element.get_name())
    for child in element._children.values():
        child.render(**kwargs)


def script_json(value: Any) -> str:
    """JSON that is safe inside an HTML ``<script>`` element.

    Examples
    --------
    >>> script_json({"name": "</script>"})
    '{"name": "\\\\u003c/script\\\\u003e"}'
    """
    return json.dumps(value, ensure_ascii=True).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def feature_collection(frame: gpd.GeoDataFrame, properties: Sequence[dict[str, Any]]) -> str:
    """GeoJSON FeatureCollection text of ``frame``'s geometries with the given properties.

    Parameters
    ----------
    frame
        Geometries on EPSG:4326.
    properties
        One mapping per row.

    Returns
    -------
    str
        Script-safe JSON text.
    """
    geometries = shapely.to_geojson(frame.geometry.array)
    features = ",".join(
        f'{{"type":"Feature","geometry":{geometry},"properties":{script_json(props)}}}'
        for geometry, props in zip(geometries, properties)
    )
    return f'{{"type":"FeatureCollection","features":[{features}]}}'


class JsonData(MacroElement):
    """A JavaScript variable holding data shared by several layers (not itself a layer).

    Parameters
    ----------
    text
        Script-safe JSON text (see :func:`script_json`).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = {{ this.text }};
        {% endmacro %}
        """
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "GapmapData"
        self.text = text

    def render(self, **kwargs: object) -> None:  # type: ignore[override]  # as MacroElement.render: None, not str
        """Add the variable to the page's script."""
        _add_script(self, **kwargs)


class DataLayer(Layer):
    """A layer made by a factory of ``gapmap.js`` from data and options.

    Parameters
    ----------
    factory
        ``choropleth``, ``points`` or ``vectors``.
    data
        The data, added to the map beforehand.
    options
        Options for the factory (JSON-serialisable).
    name
        Text shown in the layer control (escaped here).
    symbol
        Inline SVG shown before the name (gapmap's own markup, not escaped).
    overlay
        Whether the layer is an overlay (check box) or a base layer (radio button).
    show
        Whether the layer is shown when the map opens.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = gapmap.{{ this.factory }}(
            {{ this._parent.get_name() }}, {{ this.data.get_name() }}, {{ this.options_json }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        factory: str,
        data: JsonData,
        options: dict[str, Any],
        *,
        name: str,
        symbol: str = "",
        overlay: bool = True,
        show: bool = True,
    ) -> None:
        shown_name = html.escape(name).replace("{", "&#123;").replace("}", "&#125;")
        super().__init__(name=f"{symbol}{shown_name}", overlay=overlay, show=show)
        self._name = "GapmapLayer"
        self.factory = factory
        self.data = data
        self.options_json = script_json(options)

    def render(self, **kwargs: object) -> None:  # type: ignore[override]  # as MacroElement.render: None, not str
        """Add the layer to the page's script, and to the map if shown."""
        parent = self._parent
        assert parent is not None, "a layer renders only once added to a map"
        if self.show:
            adder = ElementAddToElement(element_name=self.get_name(), element_parent_name=parent.get_name())
            self.add_child(adder, name=self.get_name() + "_add")
        _add_script(self, **kwargs)


class MapControls(MacroElement):
    """Legend, search box, full-screen button and title box; then flags the map as ready.

    Add it after every layer and after the layer control.

    Parameters
    ----------
    options
        ``title`` (text), ``summary`` (link to the summary page), ``note`` (text), ``areas``
        (what the search box finds besides schools: ``"LSOA"``, the default, or ``"local authority"``)
        and, for a map without a choropleth, ``legend`` (HTML built and escaped in Python).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        gapmap.controls({{ this._parent.get_name() }}, {{ this.options_json }});
        {% endmacro %}
        """
    )

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__()
        self._name = "GapmapControls"
        self.options_json = script_json(options)

    def render(self, **kwargs: object) -> None:  # type: ignore[override]  # as MacroElement.render: None, not str
        """Add the call to the page's script."""
        _add_script(self, **kwargs)
