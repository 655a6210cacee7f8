"""Multiple-testing adjustments of a family of p-values.

* Holm (1979): step-down Bonferroni; controls the family-wise error rate under any dependence.
  ``p_(i)_adj = max_{j <= i} min(1, (m - j + 1) p_(j))`` over the sorted p-values.
* Benjamini & Hochberg (1995): step-up; controls the false discovery rate for independent or
  positively dependent tests. ``p_(i)_adj = min_{j >= i} min(1, m p_(j) / j)``.

Both agree with ``statsmodels.stats.multitest.multipletests`` (``"holm"``, ``"fdr_bh"``) to
machine precision (tests/reference); they are written out here because importing statsmodels
costs more than a whole readout of a large file.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CORRECTIONS = ("holm", "bh", "none")


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm step-down adjusted p-values (same order as the input)."""
    p = np.asarray(pvalues, dtype=float)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    scaled = (m - np.arange(m)) * p[order]
    adj = np.minimum(1.0, np.maximum.accumulate(scaled))
    out = np.empty(m)
    out[order] = adj
    return out


def benjamini_hochberg(pvalues: Sequence[float]) -> np.ndarray:
    """Benjamini–Hochberg step-up adjusted p-values (q-values; same order as the input)."""
    p = np.asarray(pvalues, dtype=float)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    scaled = m * p[order] / np.arange(1, m + 1)
    adj = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    out = np.empty(m)
    out[order] = adj
    return out


def adjust(pvalues: Sequence[float], method: str) -> np.ndarray:
    """Adjust by ``method``: ``"holm"``, ``"bh"`` or ``"none"``."""
    if method == "holm":
        return holm(pvalues)
    if method == "bh":
        return benjamini_hochberg(pvalues)
    if method == "none":
        return np.asarray(pvalues, dtype=float).copy()
    raise ValueError(f"correction {method!r}: use one of {', '.join(CORRECTIONS)}")
