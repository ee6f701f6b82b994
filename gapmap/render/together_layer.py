"""Map layer of the new sites the combined authority would open planning together."""

from __future__ import annotations

import geopandas as gpd

from gapmap.engine.analysis import Results
from gapmap.render.geometry import web_geometries
from gapmap.render.metrics import kind_noun
from gapmap.render.symbols import Symbol

#: Symbol of a new site of the together plan.
TOGETHER_SYMBOL = Symbol("#009E73", "star", 18)

#: Popup fields, in order.
FIELDS = ["plan", "location type", "LA"]


def together_sites(results: Results, kind: str | None = None) -> tuple[gpd.GeoDataFrame, list[str]] | None:
    """The together plan's new sites (``results.collaboration_sites``) as map points with a popup.

    Parameters
    ----------
    results
        Engine results; ``collaboration_sites`` may be ``None``.
    kind
        Keep only this kind's sites (all specialist kinds when ``None``).

    Returns
    -------
    tuple of (geopandas.GeoDataFrame, list of str) or None
        Points on EPSG:4326 with title ``t``, sentence ``s``, values ``v`` and
        search ``label``, and the field labels; ``None`` when there is nothing to draw.
    """
    sites = results.collaboration_sites
    if sites is None or sites.empty:
        return None
    sites = sites[sites["plan"] == "together"]
    if kind is not None:
        sites = sites[sites["kind"] == kind]
    if sites.empty:
        return None
    titles = [f"New {kind_noun(k)} site: {name}" for k, name in zip(sites["kind"], sites["location_name"])]
    sentences = ["One of the fewest new sites that bring the target share of estimated need within the threshold "
                 "in every LA when the combined authority plans together (see What planning together gains)."
                 for _ in titles]
    values = [["together, target met in every LA", str(t), str(la)]
              for t, la in zip(sites["location_type"], sites["location_la_name"])]
    frame = gpd.GeoDataFrame({"t": titles, "s": sentences, "v": values, "label": titles},
                             geometry=sites.geometry.to_numpy(), crs=sites.crs)
    return web_geometries(frame, tolerance_m=0), FIELDS
