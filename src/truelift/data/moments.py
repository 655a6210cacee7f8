"""Exact column moments of a large matrix, centred in row blocks.

``X'X / n - m m'`` loses every digit when a column's mean dwarfs its spread (a timestamp, an
offset id); centring first is exact but a full centred copy costs memory and time at a million
rows. These helpers centre one block of rows at a time: exact, and no temporary larger than a
block.
"""

from __future__ import annotations

import numpy as np

BLOCK = 1 << 16


def covariance(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and the (population) covariance matrix of ``x``."""
    n = x.shape[0]
    mean = x.mean(axis=0)
    gram = np.zeros((x.shape[1], x.shape[1]))
    for start in range(0, n, BLOCK):
        c = x[start:start + BLOCK] - mean
        gram += c.T @ c
    return mean, gram / n


def weighted_moments(x: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted column means and variances of ``x`` for each row of ``weights`` (``k x n``).

    Returns two ``k x p`` arrays; the variance is ``sum w (x - mean_w)^2 / sum w``.
    """
    n, p = x.shape
    shift = x.mean(axis=0)
    first = np.zeros((weights.shape[0], p))
    second = np.zeros((weights.shape[0], p))
    for start in range(0, n, BLOCK):
        c = x[start:start + BLOCK] - shift
        w = weights[:, start:start + BLOCK]
        first += w @ c
        second += w @ np.square(c)
    sums = weights.sum(axis=1)[:, None]
    first /= sums
    var = np.clip(second / sums - first**2, 0.0, None)
    return first + shift, var
