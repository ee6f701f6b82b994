"""Fit and validate :class:`gapmap.travel.model.CarTimeModel` on routed reference times.

A model is named by a :class:`Spec` (which terms it has) and fitted by sparse
least squares (sparse normal equations); the two surfaces are held smooth
by penalising differences between neighbouring grid nodes, so nodes with few
or no reference pairs take their neighbours' values.  Validation holds out
whole regions (:func:`leave_one_region_out`) and reports absolute errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.linalg import spsolve

from gapmap.travel.model import CarTimeModel, Grid

#: England and Wales on British National Grid, metres (x0, y0, x1, y1).
EXTENT_M = (80_000.0, 0.0, 660_000.0, 680_000.0)

#: Small ridge on every surface node, so nodes far from any reference pair stay near 0.
RIDGE = 1e-2

#: Where along the straight line the speed surface is sampled (its mean is the line's minutes per km).
SPEED_SAMPLES = (0.0, 0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class Spec:
    """Which terms a model has.

    Attributes
    ----------
    name
        Short name used in the validation table.
    knots_km
        Knots of the piecewise-linear distance curve (empty: affine in distance).
    access, speed
        Whether the model has an access surface and a speed surface.
    cell_m
        Grid spacing of the surfaces, metres.
    smoothing
        Weight of the neighbour-difference penalty (larger: smoother surfaces).
    """

    name: str
    knots_km: tuple[float, ...] = ()
    access: bool = False
    speed: bool = False
    cell_m: float = 10_000.0
    smoothing: float = 30.0

    def grid(self) -> Grid:
        """The grid over :data:`EXTENT_M` at ``cell_m`` spacing."""
        x0, y0, x1, y1 = EXTENT_M
        return Grid(x0=x0, y0=y0, cell_m=self.cell_m, nx=int(np.ceil((x1 - x0) / self.cell_m)) + 1,
                    ny=int(np.ceil((y1 - y0) / self.cell_m)) + 1)


def _surface_block(grid: Grid, pairs: pd.DataFrame, fractions: tuple[float, ...], scale: np.ndarray) -> sparse.csr_matrix:
    """Columns of one surface sampled at ``fractions`` of the way from origin to destination, averaged, x ``scale``."""
    ox, oy = pairs["ox"].to_numpy(), pairs["oy"].to_numpy()
    dx, dy = pairs["dx"].to_numpy(), pairs["dy"].to_numpy()
    index, weight = [], []
    for f in fractions:
        i, w = grid.weights(ox + f * (dx - ox), oy + f * (dy - oy))
        index.append(i)
        weight.append(w * (scale / len(fractions))[:, None])
    rows = np.repeat(np.arange(len(pairs)), 4 * len(fractions))
    cols = np.concatenate(index, axis=1).ravel()
    vals = np.concatenate(weight, axis=1).ravel()
    return sparse.csr_matrix((vals, (rows, cols)), shape=(len(pairs), grid.nx * grid.ny))


def _smoothness(grid: Grid) -> sparse.csr_matrix:
    """One row per pair of neighbouring nodes: node i minus node j."""
    node = np.arange(grid.nx * grid.ny).reshape(grid.ny, grid.nx)
    left, right = node[:, :-1].ravel(), node[:, 1:].ravel()
    down, up = node[:-1, :].ravel(), node[1:, :].ravel()
    first = np.concatenate([left, down])
    second = np.concatenate([right, up])
    k = len(first)
    rows = np.concatenate([np.arange(k), np.arange(k)])
    return sparse.csr_matrix((np.r_[np.ones(k), -np.ones(k)], (rows, np.r_[first, second])),
                             shape=(k, grid.nx * grid.ny))


def design(spec: Spec, pairs: pd.DataFrame) -> sparse.csr_matrix:
    """Design matrix of ``spec`` on ``pairs`` (columns ``ox``, ``oy``, ``dx``, ``dy``, ``km``)."""
    km = pairs["km"].to_numpy(dtype="float64")
    columns = [np.ones_like(km), km, *(np.maximum(km - k, 0.0) for k in spec.knots_km)]
    blocks = [sparse.csr_matrix(np.column_stack(columns))]
    grid = spec.grid()
    if spec.access:
        blocks.append(_surface_block(grid, pairs, (0.0, 1.0), 2 * np.ones_like(km)))
    if spec.speed:
        blocks.append(_surface_block(grid, pairs, SPEED_SAMPLES, km))
    return sparse.hstack(blocks, format="csr")


def fit(spec: Spec, pairs: pd.DataFrame) -> CarTimeModel:
    """Fit ``spec`` to the routed ``minutes`` of ``pairs`` by penalised least squares.

    Parameters
    ----------
    spec
        Model terms.
    pairs
        Reference pairs (see :func:`gapmap.travel.reference.reference_pairs`).

    Returns
    -------
    CarTimeModel
    """
    matrix = design(spec, pairs)
    target = pairs["minutes"].to_numpy(dtype="float64")
    grid = spec.grid()
    nodes = grid.nx * grid.ny
    surfaces = int(spec.access) + int(spec.speed)
    n_curve = 2 + len(spec.knots_km)
    # Normal equations with the penalties added, (X'X + P) b = X'y: sparse, a few thousand unknowns.
    smooth = _smoothness(grid)
    penalty = (smooth.T @ smooth) * spec.smoothing + sparse.identity(nodes) * RIDGE
    blocks = [sparse.csr_matrix((n_curve, n_curve)), *([penalty] * surfaces)]
    normal = (matrix.T @ matrix + sparse.block_diag(blocks)).tocsc()
    solution = spsolve(normal, matrix.T @ target, permc_spec="MMD_AT_PLUS_A")
    coefficients = tuple(float(c) for c in solution[:n_curve])
    rest = solution[n_curve:]
    access = rest[:nodes] if spec.access else None
    speed = rest[nodes * int(spec.access):nodes * surfaces] if spec.speed else None
    return CarTimeModel(knots_km=spec.knots_km, coefficients=coefficients,
                        grid=grid if surfaces else None, access=access, speed=speed, speed_samples=SPEED_SAMPLES)


def predict(model: CarTimeModel, pairs: pd.DataFrame) -> np.ndarray:
    """Model minutes for each row of ``pairs``."""
    return model.pair_minutes(pairs[["ox", "oy"]].to_numpy(), pairs[["dx", "dy"]].to_numpy())


def leave_one_region_out(spec: Spec, pairs: pd.DataFrame, *, regions: list[str] | None = None,
                         unseen_area: bool = False) -> pd.DataFrame:
    """Held-out predictions, one region at a time.

    For each region R, the model is fitted without every reference time *to*
    a unit in R (``unseen_area``: also without every time *from* an LSOA in
    R) and predicts the times from LSOAs to R's units.

    Parameters
    ----------
    spec
        Model terms.
    pairs
        Reference pairs.
    regions
        Destination regions to hold out (default: every English region with units).
    unseen_area
        Also withhold every pair starting in the held-out region, and score only
        pairs starting there: the model then knows nothing of the area.

    Returns
    -------
    pandas.DataFrame
        The held-out rows of ``pairs`` with ``predicted`` and ``error`` (predicted - routed).
    """
    regions = regions or sorted(r for r in pairs["dest_region"].dropna().unique() if r != "Wales")
    out = []
    for region in regions:
        to_region = pairs["dest_region"].eq(region).to_numpy()
        from_region = pairs["origin_region"].eq(region).to_numpy()
        train = ~to_region & ~from_region if unseen_area else ~to_region
        test = to_region & from_region if unseen_area else to_region
        model = fit(spec, pairs[train])
        held = pairs[test].copy()
        held["held_out_region"] = region
        held["predicted"] = predict(model, held)
        out.append(held)
    table = pd.concat(out, ignore_index=True)
    table["error"] = table["predicted"] - table["minutes"]
    return table


def error_table(held: pd.DataFrame, *, max_km: float = 60.0) -> pd.DataFrame:
    """Median and 90th-percentile absolute error (minutes) by setting, for pairs within ``max_km`` straight line.

    Pairs are selected by straight-line distance, not by routed time, so the
    selection does not favour pairs the model over-estimates.

    Returns
    -------
    pandas.DataFrame
        One row per setting (``urban``, ``rural``, ``all``): ``pairs``,
        ``median_abs_min``, ``p90_abs_min``, ``median_error_min`` (bias).
    """
    rows = held[held["km"] <= max_km]
    setting = np.where(rows["urban"].astype(bool).to_numpy(), "urban", "rural")
    out = []
    for name, mask in (("urban", setting == "urban"), ("rural", setting == "rural"),
                       ("all", np.ones(len(rows), dtype=bool))):
        error = rows["error"].to_numpy()[mask]
        out.append({"setting": name, "pairs": int(mask.sum()),
                    "median_abs_min": float(np.median(np.abs(error))) if mask.any() else np.nan,
                    "p90_abs_min": float(np.quantile(np.abs(error), 0.9)) if mask.any() else np.nan,
                    "median_error_min": float(np.median(error)) if mask.any() else np.nan})
    return pd.DataFrame(out)
