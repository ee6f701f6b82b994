"""Ages a candidate site serves: the site search credits a new site only with need in those ages.

A host school that serves part of a kind's ages (a primary school hosting a
special school satellite) can take only the children of the ages it serves.
The kind's ages are grouped into **bands**, runs of ages served by the same
candidates, and each LSOA's demand is split across bands by its children of
each age (as the gap analysis splits demand across ages).  A candidate
reaches an LSOA's need only in the bands it serves; existing sites, as in
the rest of the site search, count for every age.

The solvers see one demand point per LSOA and *local* band group: the bands
of an LSOA that the same nearby candidates serve (a hash of the candidates in
the LSOA's pairs that serve the band) are merged, which changes no answer
(merged points are covered, or charged, by exactly the same sites) and keeps
the problem near its size without bands.  With a single band (every
candidate serves every age, e.g. grid cells) the demand ids stay the LSOA
codes and nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gapmap.engine.costs import CostBackend


@dataclass(frozen=True)
class AgeBands:
    """A kind's demand per LSOA and age band, and the bands each candidate serves.

    Attributes
    ----------
    codes
        LSOA codes, in the order of the rows of ``weights``.
    weights
        LSOAs x bands: demand in each band.
    serves
        Candidates x bands, indexed by candidate id: True where it serves the band.
    """

    codes: pd.Index
    weights: np.ndarray
    serves: pd.DataFrame

    @property
    def count(self) -> int:
        """Number of bands."""
        return self.weights.shape[1]

    @property
    def flat(self) -> np.ndarray:
        """Demand per LSOA and band, LSOA-major (``len(codes) * count``)."""
        return self.weights.ravel()

    def problem(self, new: pd.DataFrame, fixed: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
        """Demand and pairs for a solver: candidates reach only the bands they serve.

        Parameters
        ----------
        new
            LSOA-to-candidate pairs (``origin``, ``dest``, ``cost``).
        fixed
            LSOA-to-existing-site pairs (they reach every band).

        Returns
        -------
        demand : pandas.Series
            Demand per point: LSOA codes with one band, else whole numbers (one per LSOA and local band group).
        pairs : pandas.DataFrame
            ``origin`` (a demand point), ``dest``, ``cost``.
        """
        if self.count == 1:
            return pd.Series(self.weights[:, 0], index=self.codes), pd.concat([fixed, new], ignore_index=True)
        n, bands = self.weights.shape
        serves = self.serves.to_numpy(dtype=bool)
        o = self.codes.get_indexer(new["origin"].to_numpy(dtype=object))
        c = self.serves.index.get_indexer(new["dest"].to_numpy(dtype=object))
        salt = np.random.default_rng(20261203).integers(1, np.iinfo(np.uint64).max, size=len(serves), dtype=np.uint64)
        signature = np.zeros((n, bands), dtype=np.uint64)  # sum (mod 2**64) of the salts of nearby serving candidates
        by_origin = np.argsort(o, kind="stable")
        present, starts = np.unique(o[by_origin], return_index=True)
        if len(present):
            signature[present] = np.add.reduceat((salt[c][:, None] * serves[c])[by_origin], starts, axis=0)
        flat_lsoa = np.repeat(np.arange(n), bands)
        order = np.lexsort((signature.ravel(), flat_lsoa))
        key_lsoa, key_sig = flat_lsoa[order], signature.ravel()[order]
        new_group = np.r_[True, (key_lsoa[1:] != key_lsoa[:-1]) | (key_sig[1:] != key_sig[:-1])]
        group = np.empty(n * bands, dtype=np.int64)
        group[order] = np.cumsum(new_group) - 1
        count = int(new_group.sum())
        band_of = np.full(count, bands, dtype=np.int64)  # each group's youngest band
        np.minimum.at(band_of, group, np.tile(np.arange(bands), n))
        lsoa_of = key_lsoa[new_group]
        renumber = np.empty(count, dtype=np.int64)  # number the groups LSOA by LSOA, youngest band first
        renumber[np.lexsort((band_of, lsoa_of))] = np.arange(count)
        group, band_of[renumber], lsoa_of[renumber] = renumber[group], band_of.copy(), lsoa_of.copy()
        demand = pd.Series(np.bincount(group, weights=self.flat, minlength=count), index=pd.RangeIndex(count))
        first = np.searchsorted(lsoa_of, np.arange(n))
        size = np.bincount(lsoa_of, minlength=n)

        def spread(origin: np.ndarray, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
            """Each pair once per group of its LSOA: (pair row, group)."""
            rows = np.repeat(np.arange(len(origin)), size[origin])
            offset = np.arange(len(rows)) - np.repeat(np.cumsum(size[origin]) - size[origin], size[origin])
            return rows, first[origin[rows]] + offset

        rows, groups = spread(o, new)
        keep = serves[c[rows], band_of[groups]]
        rows, groups = rows[keep], groups[keep]
        fixed_rows, fixed_groups = spread(self.codes.get_indexer(fixed["origin"].to_numpy(dtype=object)), fixed)
        pairs = pd.DataFrame({
            "origin": np.r_[fixed_groups, groups],
            "dest": np.r_[fixed["dest"].to_numpy(dtype=object)[fixed_rows], new["dest"].to_numpy(dtype=object)[rows]],
            "cost": np.r_[fixed["cost"].to_numpy(dtype="float64")[fixed_rows],
                          new["cost"].to_numpy(dtype="float64")[rows]],
        })
        return demand, pairs

    def nearest(self, backend: CostBackend, points: pd.DataFrame, sites: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Cost to and id of the nearest of ``sites`` that serves each band, per LSOA and band (LSOA-major).

        Parameters
        ----------
        backend
            Cost backend.
        points
            LSOA centroids ``x``, ``y``, in the order of ``codes``.
        sites
            Chosen candidates ``x``, ``y`` indexed by candidate id.

        Returns
        -------
        cost : numpy.ndarray
            NaN where no chosen site serves the band.
        dest : numpy.ndarray
            Candidate id (``None`` where there is none).
        """
        cost = np.full((len(points), self.count), np.nan)
        dest = np.full((len(points), self.count), None, dtype=object)
        serves = self.serves.reindex(sites.index).to_numpy(dtype=bool)
        done: dict[bytes, int] = {}
        for b in range(self.count):
            key = np.packbits(serves[:, b]).tobytes()
            if key in done:  # the same chosen sites serve an earlier band
                cost[:, b], dest[:, b] = cost[:, done[key]], dest[:, done[key]]
                continue
            done[key] = b
            chosen = sites[serves[:, b]]
            if len(chosen):
                found = backend.nearest(points, chosen)
                cost[:, b] = found["cost"].to_numpy(dtype="float64")
                dest[:, b] = found["dest"].to_numpy(dtype=object)
        return cost.ravel(), dest.ravel()


def age_bands(candidates: pd.DataFrame, ages: range, weights: pd.Series, children: np.ndarray) -> AgeBands:
    """Group the kind's ages into bands served by the same candidates, and split demand across them.

    Parameters
    ----------
    candidates
        Indexed by candidate id, with ``age_low`` and ``age_high`` (NaN when
        unknown or not applicable: the candidate serves every age).
    ages
        The kind's ages.
    weights
        Demand per LSOA, indexed by LSOA code.
    children
        LSOAs x ``ages``: children of each age, the split of each LSOA's demand.

    Returns
    -------
    AgeBands
        Bands in order of their youngest age.

    Examples
    --------
    >>> table = pd.DataFrame({"age_low": [4.0, 11.0, np.nan], "age_high": [10.0, 16.0, np.nan]}, index=["P", "S", "G"])
    >>> kids = np.array([[7.0] * 7 + [0.0] * 5])
    >>> bands = age_bands(table, range(4, 16), pd.Series([14.0], index=["L1"]), kids)
    >>> bands.weights.tolist(), bands.serves.astype(int).to_numpy().tolist()
    ([[14.0, 0.0]], [[1, 0], [0, 1], [1, 1]])
    """
    years = np.arange(ages.start, ages.stop)
    low = pd.to_numeric(candidates["age_low"], errors="coerce").fillna(-np.inf).to_numpy(dtype="float64")
    high = pd.to_numeric(candidates["age_high"], errors="coerce").fillna(np.inf).to_numpy(dtype="float64")
    by_age = (low[:, None] <= years[None, :]) & (years[None, :] <= high[:, None])  # candidates x ages
    band_of: dict[bytes, int] = {}
    labels = np.array([band_of.setdefault(np.packbits(by_age[:, a]).tobytes(), len(band_of))
                       for a in range(len(years))], dtype=np.int64)
    members = (labels[:, None] == np.arange(len(band_of))[None, :]).astype("float64")  # ages x bands
    totals = children.sum(axis=1, keepdims=True)
    share = np.divide(children, totals, out=np.zeros(children.shape), where=totals > 0)
    split = weights.to_numpy(dtype="float64")[:, None] * (share @ members)
    if len(band_of) == 1:
        split = weights.to_numpy(dtype="float64")[:, None]  # the LSOA's demand as it is, even where it has no children
    serves = pd.DataFrame(by_age[:, members.argmax(axis=0)], index=candidates.index)
    return AgeBands(codes=pd.Index(weights.index), weights=split, serves=serves)
