"""Uplift / Qini curves, their normalized areas, uplift at k, calibration and the BLP test."""

from __future__ import annotations

import json

import numpy as np
import pytest

from truelift.errors import DataError, MethodError
from truelift.hte.evaluation import (
    auuc,
    blp_test,
    calibration_by_decile,
    qini_coefficient,
    qini_curve,
    uplift_at_k,
    uplift_curve,
)


def _small(seed: int, n: int = 60, binary: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 2, n)
    score = rng.integers(0, 8, n).astype(float)  # many ties
    if binary:
        y = (rng.random(n) < 0.3 + 0.05 * t * score).astype(float)
    else:
        y = rng.normal(size=n) + t * score / 4
    return y, t, score


def _brute(kind: str, y: np.ndarray, t: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """O(n^2): for every distinct score s (descending), target everyone with score >= s."""
    ks, vals = [0], [0.0]
    for s in sorted(set(score.tolist()), reverse=True):
        top = score >= s
        nt, nc = np.sum(top & (t == 1)), np.sum(top & (t == 0))
        yt, yc = np.sum(y[top & (t == 1)]), np.sum(y[top & (t == 0)])
        if kind == "uplift":
            mt = yt / nt if nt else 0.0
            mc = yc / nc if nc else 0.0
            vals.append((mt - mc) * top.sum())
        else:
            vals.append(yt - yc * (nt / nc if nc else 0.0))
        ks.append(int(top.sum()))
    return np.array(ks), np.array(vals)


def _sim(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.random.Generator]:
    """y = x + t·τ(x) + ε with τ(x) = 0.2 + 0.5 x, x, ε ~ N(0, 1), P(t = 1) = 1/2."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    tau = 0.2 + 0.5 * x
    t = rng.integers(0, 2, n)
    y = x + t * tau + rng.normal(size=n)
    return y, t, tau, rng


@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("kind", ["uplift", "qini"])
def test_curves_match_brute_force_with_ties(kind: str, seed: int, binary: bool) -> None:
    y, t, score = _small(seed, binary=binary)
    fn = uplift_curve if kind == "uplift" else qini_curve
    curve = fn(y, t, score)
    ks, vals = _brute(kind, y, t, score)
    np.testing.assert_array_equal(curve.n_targeted, ks)
    np.testing.assert_allclose(curve.values, vals, rtol=0, atol=1e-12)
    np.testing.assert_allclose(curve.x, ks / y.size, rtol=0, atol=1e-15)
    np.testing.assert_allclose(curve.random, curve.x * vals[-1], rtol=0, atol=1e-12)
    assert curve.kind == kind and curve.n == y.size


@pytest.mark.parametrize("bins", [1, 3, 5, 10, 100])
def test_binned_curve_is_a_subset_of_the_tie_respecting_cuts(bins: int) -> None:
    y, t, score = _small(5, n=97)
    full = qini_curve(y, t, score)
    binned = qini_curve(y, t, score, bins=bins)
    assert binned.n_targeted[0] == 0 and binned.n_targeted[-1] == y.size
    assert set(binned.n_targeted.tolist()) <= set(full.n_targeted.tolist())
    lookup = dict(zip(full.n_targeted.tolist(), full.values.tolist(), strict=True))
    for k, v in zip(binned.n_targeted.tolist(), binned.values.tolist(), strict=True):
        assert v == pytest.approx(lookup[k], abs=1e-12)
    # each cut is the first tie-respecting cut at or after j·n/bins
    ends = full.n_targeted[1:]
    expected = {
        int(ends[np.searchsorted(ends, np.ceil(j * y.size / bins - 1e-9))]) for j in range(1, bins + 1)
    }
    assert set(binned.n_targeted[1:].tolist()) == expected


def test_no_ties_every_row_is_a_cut() -> None:
    rng = np.random.default_rng(7)
    n = 50
    y, t, s = rng.normal(size=n), rng.integers(0, 2, n), rng.normal(size=n)
    assert uplift_curve(y, t, s).n_targeted.tolist() == list(range(n + 1))


def test_invariant_to_row_order() -> None:
    y, t, score = _small(11, n=300)
    perm = np.random.default_rng(12).permutation(y.size)
    for fn in (uplift_curve, qini_curve):
        a, b = fn(y, t, score), fn(y[perm], t[perm], score[perm])
        np.testing.assert_allclose(a.values, b.values, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(a.n_targeted, b.n_targeted)
    assert qini_coefficient(y, t, score) == pytest.approx(
        qini_coefficient(y[perm], t[perm], score[perm]), abs=1e-12
    )
    assert auuc(y, t, score) == pytest.approx(auuc(y[perm], t[perm], score[perm]), abs=1e-12)
    assert uplift_at_k(y, t, score, 0.3) == uplift_at_k(y[perm], t[perm], score[perm], 0.3)
    ca, cb = (
        calibration_by_decile(y, t, score, groups=4),
        calibration_by_decile(y[perm], t[perm], score[perm], groups=4),
    )
    assert [g.observed for g in ca.groups] == pytest.approx([g.observed for g in cb.groups], abs=1e-12)
    ba, bb = blp_test(y, t, score, 0.5), blp_test(y[perm], t[perm], score[perm], 0.5)
    assert ba.beta2 == pytest.approx(bb.beta2, abs=1e-10)


def test_perfect_ordering_scores_one() -> None:
    y, t, _ = _small(4, n=200)
    assert qini_coefficient(y, t, y * t - y * (1 - t)) == pytest.approx(1.0, abs=1e-12)


def test_oracle_beats_random_and_random_is_near_zero() -> None:
    y, t, tau, rng = _sim(20_000, 1)
    q_oracle = qini_coefficient(y, t, tau)
    q_random = [qini_coefficient(y, t, rng.normal(size=y.size)) for _ in range(10)]
    assert q_oracle > 0.1
    assert q_oracle > max(q_random) + 0.08
    # negative control: a score unrelated to the effect (observed spread ~0.008 on this data)
    assert abs(float(np.mean(q_random))) < 0.01
    assert max(abs(q) for q in q_random) < 0.04
    assert auuc(y, t, tau) > max(auuc(y, t, rng.normal(size=y.size)) for _ in range(3))
    # a reversed oracle is harmful
    assert qini_coefficient(y, t, -tau) < -0.1


def test_uplift_at_k_keeps_ties_and_matches_direct_computation() -> None:
    y, t, score = _small(8, n=200)
    r = uplift_at_k(y, t, score, 0.25)
    cut = np.sort(score)[::-1][int(np.ceil(0.25 * y.size)) - 1]
    top = score >= cut
    assert r.n == top.sum() and r.share == pytest.approx(top.mean()) and r.share >= 0.25
    d = y[top & (t == 1)].mean() - y[top & (t == 0)].mean()
    assert r.uplift == pytest.approx(d, abs=1e-12)
    se = np.sqrt(y[top & (t == 1)].var(ddof=1) / r.n_treated + y[top & (t == 0)].var(ddof=1) / r.n_control)
    assert r.se == pytest.approx(se, rel=1e-12)
    full = uplift_at_k(y, t, score, 1.0)
    assert full.uplift == pytest.approx(y[t == 1].mean() - y[t == 0].mean(), abs=1e-12)


def test_calibration_slope_one_for_true_cate() -> None:
    y, t, tau, _ = _sim(200_000, 2)
    c = calibration_by_decile(y, t, tau)
    assert len(c.groups) == 10
    assert sum(g.n for g in c.groups) == y.size
    assert c.slope == pytest.approx(1.0, abs=0.05)  # observed 0.995
    assert c.intercept == pytest.approx(0.0, abs=0.02)
    preds = [g.predicted for g in c.groups]
    assert preds == sorted(preds)
    for g in c.groups:
        assert g.ci[0] < g.observed < g.ci[1]
        assert g.ci[1] - g.observed == pytest.approx(1.959963984540054 * g.se, rel=1e-12)
    json.dumps(c.to_dict())


def test_calibration_groups_respect_ties() -> None:
    y, t, score = _small(9, n=400)
    c = calibration_by_decile(y, t, score, groups=10)
    # 8 distinct score values cannot fill 10 groups, and no value is split over two groups
    assert len(c.groups) <= 8
    for a, b in zip(c.groups, c.groups[1:], strict=False):
        assert a.score_max < b.score_min


def test_blp_true_cate_and_noise() -> None:
    y, t, tau, rng = _sim(200_000, 2)
    b = blp_test(y, t, tau, 0.5)
    assert abs(b.beta2 - 1.0) < 4 * b.se2  # observed 0.998, se 0.021
    assert abs(b.beta1 - 0.2) < 4 * b.se1
    assert b.pvalue_heterogeneity < 1e-10
    y, t, tau, rng = _sim(5_000, 3)
    noise = blp_test(y, t, rng.normal(size=y.size), 0.5)
    assert noise.pvalue_heterogeneity > 0.05  # observed 0.21 with this seed
    assert abs(noise.beta2) < 4 * noise.se2
    json.dumps(noise.to_dict())


def test_blp_matches_statsmodels_wls_hc1() -> None:
    sm = pytest.importorskip("statsmodels.api")
    y, t, tau, rng = _sim(2_000, 4)
    e = rng.uniform(0.2, 0.8, size=y.size)
    t = (rng.random(y.size) < e).astype(int)
    score = tau + rng.normal(size=y.size)
    base = rng.normal(size=y.size)
    b = blp_test(y, t, score, e, baseline=base, level=0.9)
    x = np.column_stack([np.ones(y.size), base, t - e, (t - e) * (score - score.mean())])
    fit = sm.WLS(y, x, weights=1 / (e * (1 - e))).fit(cov_type="HC1")
    assert b.beta1 == pytest.approx(fit.params[2], rel=1e-10)
    assert b.beta2 == pytest.approx(fit.params[3], rel=1e-10)
    assert b.se1 == pytest.approx(fit.bse[2], rel=1e-10)
    assert b.se2 == pytest.approx(fit.bse[3], rel=1e-10)
    assert b.pvalue_heterogeneity == pytest.approx(fit.pvalues[3], rel=1e-8)
    assert b.ci2 == pytest.approx(tuple(fit.conf_int(0.1)[3]), rel=1e-10)


@pytest.mark.parametrize(
    ("args", "err", "needle"),
    [
        (([1, 0], [1, 0, 1], [1, 2]), DataError, "equal lengths"),
        (([1, 0, 1], [1, 2, 0], [1, 2, 3]), DataError, "'t'"),
        (([1, 0, 1], [1, 1, 1], [1, 2, 3]), DataError, "both treated"),
        (([1, 0, 1], [1, 0, 1], [1, np.nan, 3]), DataError, "'score'"),
        (([1, np.inf, 1], [1, 0, 1], [1, 2, 3]), DataError, "'y'"),
        (([], [], []), DataError, "no rows"),
    ],
)
def test_validation_errors(args: tuple, err: type, needle: str) -> None:
    for fn in (uplift_curve, qini_curve, qini_coefficient, auuc):
        with pytest.raises(err, match=needle) as info:
            fn(*args)
        assert "\n" not in str(info.value)


def test_method_errors() -> None:
    y, t, score = _small(1)
    with pytest.raises(MethodError, match="bins"):
        qini_curve(y, t, score, bins=0)
    with pytest.raises(MethodError, match="share"):
        uplift_at_k(y, t, score, 0.0)
    with pytest.raises(MethodError, match="no control"):
        uplift_at_k([1, 0, 1, 0], [1, 0, 1, 0], [3, 0, 2, 1], 0.25)
    with pytest.raises(MethodError, match="fewer than two"):
        calibration_by_decile(y, t, score, groups=50)
    with pytest.raises(DataError, match="propensity"):
        blp_test(y, t, score, 1.0)
    with pytest.raises(DataError, match="propensity"):
        blp_test(y, t, score, [0.5, 0.5])
    with pytest.raises(MethodError, match="perfect ordering"):
        qini_coefficient([0.0, 0.0, 0.0, 0.0], [1, 0, 1, 0], [1, 2, 3, 4])


def test_curve_to_dict_is_json() -> None:
    y, t, score = _small(2)
    d = uplift_curve(y, t, score, bins=5).to_dict()
    json.dumps(d)
    assert d["kind"] == "uplift" and len(d["x"]) == len(d["values"]) == len(d["random"])


def test_dr_calibration_uses_the_groups_of_calibration_by_decile_and_pseudo_outcome_means():
    from truelift.hte.evaluation import calibration_by_decile, dr_calibration

    rng = np.random.default_rng(21)
    n = 5000
    score = np.round(rng.normal(size=n), 1)  # ties, kept in one group by both
    t = rng.integers(0, 2, n).astype(float)
    y = 0.5 * score * t + rng.normal(size=n)
    pseudo = 2.0 * y * (2.0 * t - 1.0)  # IPW pseudo-outcome at e = 0.5: E[pseudo | x] = tau(x)
    raw = calibration_by_decile(y, t, score)
    dr = dr_calibration(score, pseudo)
    assert [(g.n, g.score_min, g.score_max) for g in dr.groups] == \
        [(g.n, g.score_min, g.score_max) for g in raw.groups]
    for g in dr.groups:
        m = (score >= g.score_min) & (score <= g.score_max)
        assert g.observed == pytest.approx(pseudo[m].mean(), rel=1e-12)
        assert g.se == pytest.approx(pseudo[m].std(ddof=1) / np.sqrt(m.sum()), rel=1e-12)
    assert 0.35 < dr.slope < 0.65  # tau = 0.5 score: observed rises half as fast as the score
