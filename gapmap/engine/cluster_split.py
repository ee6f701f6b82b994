"""Split a large gap cluster into contiguous parts an officer can act on: bounded need and area.

A part larger than the bounds is cut in two across its longer side, at the
need-weighted median of its LSOA centroids (the plain median when it has no
need); each half is split again into its connected pieces, and so on, until
every part is within both bounds or is a single LSOA.  Parts stay contiguous
because each is a connected component of the adjacency graph.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

#: Most estimated need (children) in one actionable cluster: about one small special school or unit's roll.
MAX_CLUSTER_NEED = 100.0

#: Largest area of one actionable cluster, km².
MAX_CLUSTER_AREA_KM2 = 200.0


def split_cluster(
    members: np.ndarray,
    *,
    xy: np.ndarray,
    weights: np.ndarray,
    area_km2: np.ndarray,
    adjacency: sparse.csr_array,
    max_need: float = MAX_CLUSTER_NEED,
    max_area_km2: float = MAX_CLUSTER_AREA_KM2,
) -> list[np.ndarray]:
    """Contiguous parts of ``members``, each within ``max_need`` and ``max_area_km2`` or a single LSOA.

    Parameters
    ----------
    members
        Row positions of the cluster's LSOAs (a connected set).
    xy
        Centroid coordinates of every LSOA (n x 2, metres).
    weights
        Need of every LSOA.
    area_km2
        Area of every LSOA, km².
    adjacency
        LSOA adjacency (n x n).
    max_need, max_area_km2
        Bounds on a part's need and area.

    Returns
    -------
    list of numpy.ndarray
        Row positions of each part, largest need first (ties: first LSOA first).

    Examples
    --------
    >>> chain = sparse.csr_array(np.eye(4, k=1) + np.eye(4, k=-1))
    >>> parts = split_cluster(np.arange(4), xy=np.array([[0, 0], [1, 0], [2, 0], [3, 0]]),
    ...                       weights=np.array([60.0, 60.0, 10.0, 10.0]), area_km2=np.ones(4), adjacency=chain)
    >>> [p.tolist() for p in parts]
    [[1, 2, 3], [0]]
    """
    members = np.sort(np.asarray(members))
    graph = sparse.csr_array(adjacency[members][:, members])  # the cluster's own graph, in positions of members
    xy, weights, area_km2 = xy[members], weights[members], area_km2[members]
    done: list[np.ndarray] = []
    todo = [np.arange(len(members))]
    while todo:
        part = todo.pop()
        if len(part) == 1 or (weights[part].sum() <= max_need and area_km2[part].sum() <= max_area_km2):
            done.append(part)
            continue
        for half in _halves(part, xy, weights):
            todo += _components(half, graph)
    done.sort(key=lambda p: (-float(weights[p].sum()), int(p[0])))
    return [members[p] for p in done]


def _halves(part: np.ndarray, xy: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cut ``part`` across its longer side at the need-weighted median (never leaving a half empty)."""
    points = xy[part]
    axis = int(np.argmax(np.ptp(points, axis=0)))
    order = np.argsort(points[:, axis], kind="stable")
    w = weights[part][order]
    cumulative = np.cumsum(w) if w.sum() > 0 else np.arange(1, len(order) + 1, dtype=float)
    cut = int(np.searchsorted(cumulative, cumulative[-1] / 2.0))
    cut = min(max(cut, 1), len(order) - 1)
    return part[order[:cut]], part[order[cut:]]


def _components(rows: np.ndarray, graph: sparse.csr_array) -> list[np.ndarray]:
    """Connected pieces of the subgraph of ``graph`` induced by ``rows`` (each sorted), read off its CSR arrays."""
    local = np.full(graph.shape[0], -1, dtype=np.int64)
    local[rows] = np.arange(len(rows))
    starts = graph.indptr[rows]
    counts = graph.indptr[rows + 1] - starts
    total = int(counts.sum())
    at = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(starts, counts)
    source = np.repeat(np.arange(len(rows)), counts)
    target = local[graph.indices[at]]
    inside = target >= 0
    induced = sparse.csr_array((np.ones(int(inside.sum()), dtype=bool), (source[inside], target[inside])),
                               shape=(len(rows), len(rows)))
    count, labels = connected_components(induced, directed=False)
    return [np.sort(rows[labels == k]) for k in range(count)]
