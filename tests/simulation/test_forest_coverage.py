"""Causal forest: its 90% intervals cover the known CATE; the same widths around a wrong point do not.

Design: ``x ~ U[0, 1]^3``; assignment confounded by ``x2`` (``e(x) = expit(-0.5 + x2)``, estimated by
the cross-fitted logistic propensity); outcome ``y = 2 x2 + sin(pi x3) + t tau(x) + N(0, 1)`` with the
smooth effect ``tau(x) = 2 x1`` (0 to 2). ``n = 8000``, the forest's defaults (200 trees, leaves of 5,
subsamples of 45%), one thread. Coverage is pooled over 3 data sets and 1,000 fresh evaluation points
each (``predict_interval``), and over the training rows (the out-of-bag ``oof_interval``).

Observed on seeds 0-11: coverage of new points 0.90-0.96 per data set (out of bag 0.91-0.96), mean
half-width 0.31. Negative control: the same half-widths around the ATE (a constant, biased point)
cover 0.29-0.34, so the check can fail.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from truelift.hte.forest import CausalForest

N, N_EVAL, SEEDS = 8000, 1000, (0, 1, 2)


def _draw(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x = rng.uniform(size=(n, 3))
    t = (rng.random(n) < expit(-0.5 + x[:, 1])).astype(int)
    tau = 2.0 * x[:, 0]
    y = 2.0 * x[:, 1] + np.sin(np.pi * x[:, 2]) + t * tau + rng.standard_normal(n)
    return x, t, y, tau


@pytest.fixture(scope="module")
def runs() -> list[dict[str, np.ndarray]]:
    out = []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        x, t, y, tau = _draw(N, rng)
        x_eval, _, _, tau_eval = _draw(N_EVAL, rng)
        fit = CausalForest(n_jobs=1).fit(x, t, y, seed=seed)
        assert fit.oof_interval is not None
        out.append({"ci": fit.predict_interval(x_eval, level=0.9), "tau_eval": tau_eval,
                    "oof_ci": fit.oof_interval, "tau": tau, "ate": np.array(fit.ate)})
    return out


def _covers(ci: np.ndarray, truth: np.ndarray) -> np.ndarray:
    return (ci[:, 0] <= truth) & (truth <= ci[:, 1])


@pytest.mark.slow
def test_intervals_cover_the_true_cate(runs: list[dict[str, np.ndarray]]) -> None:
    new = np.mean([_covers(r["ci"], r["tau_eval"]).mean() for r in runs])
    oob = np.mean([_covers(r["oof_ci"], r["tau"]).mean() for r in runs])
    assert 0.80 <= new <= 0.97, new
    assert 0.80 <= oob <= 0.97, oob
    for r in runs:  # the ATE, a by-product, is close too (SE ~0.025)
        assert abs(float(r["ate"]) - r["tau"].mean()) < 0.1


@pytest.mark.slow
def test_negative_control_constant_point_undercovers(runs: list[dict[str, np.ndarray]]) -> None:
    # the forest's own half-widths, centred on the ATE instead of tau(x): a biased point
    shifted = []
    for r in runs:
        half = (r["ci"][:, 1] - r["ci"][:, 0]) / 2
        ate = float(r["ate"])
        shifted.append(_covers(np.column_stack([ate - half, ate + half]), r["tau_eval"]).mean())
    assert np.mean(shifted) < 0.6, shifted
