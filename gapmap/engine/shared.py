"""Shared-service analysis: cross-LA flows, border gap clusters and site opportunities, attached to Results."""

from __future__ import annotations

from dataclasses import replace

from gapmap.engine.analysis import Results
from gapmap.engine.clusters import border_clusters
from gapmap.engine.flows import cross_la_flows, flow_notes
from gapmap.engine.opportunities import OpportunityOptions, site_opportunities


def shared_services(results: Results, options: OpportunityOptions | None = None) -> Results:
    """Add where the combined authority should work across LA boundaries to ``results``.

    Parameters
    ----------
    results
        Gap analysis results.
    options
        Site search options (defaults apply when ``None``).

    Returns
    -------
    Results
        A copy with ``flows`` (:func:`~gapmap.engine.flows.cross_la_flows`),
        ``clusters`` (:func:`~gapmap.engine.clusters.border_clusters`),
        ``opportunities`` (:func:`~gapmap.engine.opportunities.site_opportunities`)
        and their method notes appended to ``notes``.

    Examples
    --------
    >>> from gapmap.sources.embedded import load_embedded
    >>> from gapmap.engine import analyse
    >>> results = shared_services(analyse(load_embedded("north-east")))
    >>> results.opportunities[["kind", "objective", "rank"]].head(1).to_dict("records")
    [{'kind': 'special', 'objective': 'most children within the threshold (maximal covering)', 'rank': 1}]
    """
    found = site_opportunities(results, options)
    return replace(
        results,
        flows=cross_la_flows(results),
        clusters=border_clusters(results),
        opportunities=found.table,
        notes=(*results.notes, *flow_notes(results), *found.notes),
    )
