"""Distance matrices under the benchmark conventions, and explicit TSPLIB matrix layouts."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

EXPLICIT_FORMATS = (
    "FULL_MATRIX",
    "LOWER_ROW",
    "UPPER_ROW",
    "LOWER_DIAG_ROW",
    "UPPER_DIAG_ROW",
    "LOWER_COL",
    "UPPER_COL",
    "LOWER_DIAG_COL",
    "UPPER_DIAG_COL",
)
"""TSPLIB ``EDGE_WEIGHT_FORMAT`` values for an ``EXPLICIT`` matrix."""


def _euclidean(coords: FloatArray) -> FloatArray:
    diff = coords[:, None, :] - coords[None, :, :]
    return np.asarray(np.sqrt((diff**2).sum(axis=-1)), dtype=np.float64)


def euclidean_nint(coords: FloatArray) -> FloatArray:
    """TSPLIB ``EUC_2D``: Euclidean distance rounded per edge, ``floor(d + 0.5)``."""
    return np.floor(_euclidean(coords) + 0.5)


def euclidean_trunc1(coords: FloatArray) -> FloatArray:
    """Solomon (CVRPLIB convention): Euclidean distance truncated to one decimal."""
    return np.floor(10.0 * _euclidean(coords)) / 10.0


def att(coords: FloatArray) -> FloatArray:
    """TSPLIB ``ATT`` pseudo-Euclidean distance ``sqrt(d^2/10)``, rounded up when not integral."""
    diff = coords[:, None, :] - coords[None, :, :]
    r = np.sqrt((diff**2).sum(axis=-1) / 10.0)
    t = np.floor(r + 0.5)
    return np.where(t < r, t + 1.0, t)


def geo(coords: FloatArray) -> FloatArray:
    """TSPLIB ``GEO``: great-circle distance on the idealised sphere, integer per TSPLIB."""
    degrees = np.trunc(coords)
    radians = math.pi * (degrees + 5.0 * (coords - degrees) / 3.0) / 180.0
    lat, lon = radians[:, 0], radians[:, 1]
    q1 = np.cos(lon[:, None] - lon[None, :])
    q2 = np.cos(lat[:, None] - lat[None, :])
    q3 = np.cos(lat[:, None] + lat[None, :])
    inner = np.clip(0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3), -1.0, 1.0)
    dist = np.floor(6378.388 * np.arccos(inner) + 1.0)
    np.fill_diagonal(dist, 0.0)
    return dist


def explicit_count(n: int, layout: str) -> int:
    """How many numbers an ``EXPLICIT`` section of this layout holds for ``n`` nodes."""
    if layout == "FULL_MATRIX":
        return n * n
    if "DIAG" in layout:
        return n * (n + 1) // 2
    return n * (n - 1) // 2


def explicit_matrix(values: Sequence[float], n: int, layout: str) -> FloatArray:
    """Build an ``n x n`` matrix from the numbers of an ``EXPLICIT`` section.

    Parameters
    ----------
    values
        Exactly :func:`explicit_count` numbers, in file order.
    n
        Number of nodes.
    layout
        One of :data:`EXPLICIT_FORMATS`.

    Returns
    -------
    numpy.ndarray
        The matrix, with a zero diagonal (TSPLIB files often store a large "infinity" there).
    """
    data = np.asarray(values, dtype=np.float64)
    if layout == "FULL_MATRIX":
        matrix = data.reshape(n, n).copy()
    else:
        diagonal = "DIAG" in layout
        # Row-major lower triangle == column-major upper triangle, and vice versa.
        lower_rowwise = layout.startswith("LOWER") == layout.endswith("_ROW")
        offset = 0 if diagonal else -1
        if lower_rowwise:
            rows, cols = np.tril_indices(n, offset)
        else:
            rows, cols = np.triu_indices(n, -offset)
        if not layout.endswith("_ROW"):
            rows, cols = cols, rows
        matrix = np.zeros((n, n))
        matrix[rows, cols] = data
        matrix[cols, rows] = data
    np.fill_diagonal(matrix, 0.0)
    return matrix
