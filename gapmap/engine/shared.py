"""Shared-service analysis: cross-LA flows, border gap clusters, site opportunities, alone or together and
capacity-aware placement, attached to Results."""

from __future__ import annotations

from dataclasses import replace

from gapmap.engine.analysis import Results
from gapmap.engine.clusters import border_clusters
from gapmap.engine.flows import cross_la_flows, flow_notes
from gapmap.engine.opportunities import OpportunityOptions, site_opportunities
from gapmap.engine.placement_results import with_placement
from gapmap.engine.shared_rank import rank_by_shared_benefit
from gapmap.engine.together import CollaborationOptions, collaboration


def shared_services(
    results: Results, options: OpportunityOptions | None = None, plan: CollaborationOptions | None = None
) -> Results:
    """Add where the combined authority should work across LA boundaries to ``results``.

    Parameters
    ----------
    results
        Gap analysis results.
    options
        Site search options (defaults apply when ``None``; 0 sites skips the
        site search and the alone / together comparison).
    plan
        Target of the alone / together comparison (defaults apply when ``None``).

    Returns
    -------
    Results
        A copy with ``flows`` (:func:`~gapmap.engine.flows.cross_la_flows`),
        ``clusters`` (:func:`~gapmap.engine.clusters.border_clusters`),
        ``opportunities`` (:func:`~gapmap.engine.opportunities.site_opportunities`,
        ranked by :func:`~gapmap.engine.shared_rank.rank_by_shared_benefit`),
        ``collaboration`` and ``collaboration_sites``
        (:func:`~gapmap.engine.together.collaboration`), the capacity-aware
        placement (:func:`~gapmap.engine.placement_results.with_placement`)
        and their method notes appended to ``notes``.

    Examples
    --------
    >>> from gapmap.sources.embedded import load_embedded
    >>> from gapmap.engine import analyse
    >>> results = shared_services(analyse(load_embedded("north-east")))
    >>> results.opportunities[["kind", "objective", "rank"]].head(1).to_dict("records")
    [{'kind': 'special', 'objective': 'most children within the threshold (maximal covering)', 'rank': 1}]
    """
    options = options or OpportunityOptions()
    results = with_placement(results)
    found = site_opportunities(results, options)
    notes = [*results.notes, *flow_notes(results), *found.notes]
    together = collaboration(results, options, plan) if options.sites else None
    return replace(
        results,
        flows=cross_la_flows(results),
        clusters=border_clusters(results),
        opportunities=rank_by_shared_benefit(found.table),
        collaboration=together.table if together is not None else None,
        collaboration_sites=together.sites if together is not None else None,
        notes=(*notes, *(together.notes if together is not None else ())),
    )
