"""Cross-fitting, written once (Chernozhukov et al. 2018; Zheng & van der Laan 2011).

Rows are split into K folds, stratified by treatment arm so every fold holds both arms. A
nuisance model for fold k is fitted on the other K-1 folds and predicts only fold k, so no row
is scored by a model that saw it. AIPW uses it here; the DR- and R-learners reuse it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from truelift.errors import MethodError

LARGE_FOLDS = 100_000
"""From this many rows the CATE learners' default is 3 folds instead of 5."""


def default_folds(rows: int) -> int:
    """Default number of cross-fitting folds of the CATE learners and ``uplift``: 5 below
    :data:`LARGE_FOLDS` rows, 3 from there on.

    Any fixed K gives valid cross-fitting (Chernozhukov et al. 2018); a larger K trains each
    nuisance on more rows (``(K-1)/K`` of them) at the price of more fits. Once every fit has
    hundreds of thousands of rows the extra rows buy little: on ``coupon_campaign`` at 300,000
    rows the DR-learner's PEHE was 0.0313 with 5 folds and 0.0330 with 3, which took 7.3 s
    instead of 12.7 s (``benchmarks/speed_hte.py`` has the 1,000,000-row figures).
    """
    return 5 if rows < LARGE_FOLDS else 3


def fold_ids(t: np.ndarray, folds: int, rng: np.random.Generator) -> np.ndarray:
    """Fold number (0..folds-1) of every row, balanced within each treatment arm (codes 0..K)."""
    if folds < 2:
        raise MethodError(f"cross-fitting needs at least 2 folds, got {folds}")
    out = np.empty(t.shape[0], dtype=np.int32)
    for arm in range(max(int(t.max()) + 1, 2)):
        idx = np.flatnonzero(t == arm)
        if idx.shape[0] < folds:
            raise MethodError(f"only {idx.shape[0]} units in arm {arm}: fewer than the "
                              f"{folds} folds of cross-fitting")
        perm = rng.permutation(idx)
        out[perm] = np.arange(perm.shape[0]) % folds
    return out


def cross_predict(
    folds: np.ndarray,
    fit_predict: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:
    """Out-of-fold predictions: ``fit_predict(train_mask, test_mask)`` returns the test rows' values.

    The returned array has one row per unit (the leading dimension of each fold's predictions).
    """
    k = int(folds.max()) + 1
    out: np.ndarray | None = None
    for j in range(k):
        test = folds == j
        pred = np.asarray(fit_predict(~test, test))
        if out is None:
            out = np.empty((folds.shape[0], *pred.shape[1:]), dtype=float)
        out[test] = pred
    assert out is not None
    return out
