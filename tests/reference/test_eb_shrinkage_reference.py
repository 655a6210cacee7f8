"""DerSimonian-Laird heterogeneity of segment effects against statsmodels' meta-analysis.

Reference: ``statsmodels.stats.meta_analysis.combine_effects(effect, variance, method_re="dl")``
(checked with statsmodels 0.15.0), fed the same per-segment AIPW estimates ``mean(pseudo | s)``
and variances ``var(pseudo | s) / n_s``. Attributes compared: ``mean_effect_re`` (mu),
``sd_eff_w_re`` (SE of mu), ``tau2``, ``q``, ``i2`` and ``test_homogeneity().pvalue``.

statsmodels does not truncate: its DL ``tau2 = (Q - df) / c`` and ``i2 = 1 - df / Q`` go negative
when ``Q < df``, and its random-effects weights then use the negative ``tau2``. truelift truncates
both at 0 (DerSimonian & Laird 1986; Higgins & Thompson 2002), which makes ``mu`` the
fixed-effect mean (statsmodels' ``mean_effect_fe``). The homogeneous case below checks that.

Tolerance 1e-10 relative: the same closed-form sums, in a different order (statsmodels forms Q as
``sum w y² - (sum w y)² / sum w``); agreement seen is ~1e-15.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats.meta_analysis import combine_effects

from truelift.hte.segments import subgroup_effects

RTOL = 1e-10


def _data(seed: int, effects: list[float], sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    seg = np.repeat(np.arange(len(effects)), sizes)
    # heteroskedastic, skewed pseudo-outcomes, as AIPW ones are
    noise = rng.exponential(1.0 + 0.3 * seg) - (1.0 + 0.3 * seg)
    return np.asarray(effects)[seg] + noise, seg


def _by_hand(pseudo: np.ndarray, seg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values = np.unique(seg)
    eff = np.array([pseudo[seg == v].mean() for v in values])
    var = np.array([pseudo[seg == v].var(ddof=1) / np.sum(seg == v) for v in values])
    return eff, var


def test_dl_matches_statsmodels_heterogeneous() -> None:
    pseudo, seg = _data(7, [0.0, 0.2, -0.1, 0.4, 0.15, 0.05], [400, 150, 900, 60, 300, 1200])
    r = subgroup_effects(pseudo, seg)
    eff, var = _by_hand(pseudo, seg)
    np.testing.assert_allclose([s.estimate for s in r.segments], eff, rtol=RTOL)
    np.testing.assert_allclose([s.se**2 for s in r.segments], var, rtol=RTOL)

    ref = combine_effects(eff, var, method_re="dl")
    assert ref.tau2 > 0  # the untruncated branch, where both must agree exactly
    assert r.tau2 == pytest.approx(ref.tau2, rel=RTOL)
    assert r.mu == pytest.approx(ref.mean_effect_re, rel=RTOL)
    assert r.mu_se == pytest.approx(ref.sd_eff_w_re, rel=RTOL)
    assert r.q == pytest.approx(ref.q, rel=RTOL)
    assert r.q_df == ref.df_resid
    assert r.i2 == pytest.approx(ref.i2, rel=RTOL)
    assert r.q_pvalue == pytest.approx(ref.test_homogeneity().pvalue, rel=RTOL)
    # Morris shrinkage with statsmodels' tau2 and mu, computed from its attributes
    b = var / (var + ref.tau2)
    shrunk = ref.mean_effect_re + (1 - b) * (eff - ref.mean_effect_re)
    post_sd = np.sqrt((1 - b) * var + b**2 * ref.sd_eff_w_re**2)
    np.testing.assert_allclose([s.shrunk for s in r.segments], shrunk, rtol=RTOL)
    np.testing.assert_allclose([s.shrunk_se for s in r.segments], post_sd, rtol=RTOL)


def test_dl_truncated_when_homogeneous() -> None:
    pseudo, seg = _data(11, [0.1] * 5, [500] * 5)
    r = subgroup_effects(pseudo, seg)
    eff, var = _by_hand(pseudo, seg)
    ref = combine_effects(eff, var, method_re="dl")
    assert ref.q < ref.df_resid and ref.tau2 < 0  # statsmodels leaves tau2 (and i2) negative here
    assert r.q == pytest.approx(ref.q, rel=RTOL)
    assert r.tau2 == 0.0 and r.i2 == 0.0
    assert r.mu == pytest.approx(ref.mean_effect_fe, rel=RTOL)
    assert r.mu_se == pytest.approx(ref.sd_eff_w_fe, rel=RTOL)
    assert all(s.shrinkage == 1.0 and math.isclose(s.shrunk, r.mu, rel_tol=1e-12) for s in r.segments)
