"""Blockwise moments equal numpy's two-pass results, also across block edges and large means."""

from __future__ import annotations

import numpy as np
import pytest

from truelift.data import moments


@pytest.mark.parametrize("n", [10, moments.BLOCK, moments.BLOCK * 2 + 7])
@pytest.mark.parametrize("offset", [0.0, 1e9])
def test_blockwise_moments_are_exact(n, offset):
    rng = np.random.default_rng(n)
    x = rng.normal(size=(n, 3)) * [1.0, 5.0, 0.1] + offset
    mean, cov = moments.covariance(x)
    np.testing.assert_allclose(mean, x.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(cov, np.cov(x, rowvar=False, ddof=0), rtol=1e-8, atol=1e-12)
    w = np.vstack([rng.uniform(size=n), (rng.random(n) < 0.5).astype(float)])
    m, v = moments.weighted_moments(x, w)
    for k in range(2):
        ref_m = np.average(x, axis=0, weights=w[k])
        ref_v = np.average((x - ref_m) ** 2, axis=0, weights=w[k])
        np.testing.assert_allclose(m[k], ref_m, rtol=1e-12)
        np.testing.assert_allclose(v[k], ref_v, rtol=1e-7)
