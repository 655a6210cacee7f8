"""Matching against a brute-force O(n²) implementation written with plain loops.

The brute force follows the definitions, not the fast code: matched sets are the k nearest
units of the other arm with every tie at the k-th distance, cut by the caliper; greedy matching
scans every available control; the Abadie–Imbens variance is the double sum over the matrix
``C`` of the linear form. Everything is compared to 1e-12.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

import truelift.data as tld
from truelift.errors import MethodError
from truelift.observational.matching import (
    MatchedSets,
    Matching,
    ai_coefficients,
    conditional_variance,
    matched_moments,
    matched_sets,
    neighbour_windows,
)
from truelift.observational.propensity import FittedPropensity

TOL = 1e-12


# --------------------------------------------------------------------------- brute force
def brute_sets(s, t, estimand, k, width, replace, strata=None):
    """{unit row: [matched rows]} and the list of unmatched focal rows."""
    n = len(s)
    focal_arms = {"ATT": [1], "ATC": [0], "ATE": [1, 0]}[estimand]
    sets, unmatched = {}, []

    def same(i, j):
        return strata is None or strata[i] == strata[j]

    for arm in focal_arms:
        focal = [i for i in range(n) if t[i] == arm]
        if replace:
            for i in focal:
                cand = [j for j in range(n) if t[j] != arm and same(i, j)]
                dist = {j: abs(s[i] - s[j]) for j in cand}
                ds = sorted(dist.values())
                dk = ds[k - 1] if len(ds) >= k else math.inf
                chosen = [j for j in cand if dist[j] <= dk and (width is None or dist[j] <= width)]
                if chosen:
                    sets[i] = sorted(chosen)
                else:
                    unmatched.append(i)
        else:
            avail = {j for j in range(n) if t[j] != arm}
            got = {i: [] for i in focal}
            active = sorted(focal, key=lambda i: (-s[i], i))
            for _ in range(k):
                nxt = []
                for i in active:
                    cand = [j for j in avail if same(i, j)]
                    if not cand:
                        continue
                    best = min(cand, key=lambda j: (abs(s[i] - s[j]), s[j], j))
                    if width is not None and abs(s[i] - s[best]) > width:
                        continue
                    got[i].append(best)
                    avail.remove(best)
                    nxt.append(i)
                active = nxt
            for i in focal:
                if got[i]:
                    sets[i] = sorted(got[i])
                else:
                    unmatched.append(i)
    return sets, sorted(unmatched)


def brute_sigma2(s, t, y, j, neighbors, strata=None):
    n = len(s)
    others = [m for m in range(n) if m != j and t[m] == t[j]
              and (strata is None or strata[m] == strata[j])]
    if not others and strata is not None:
        return brute_sigma2(s, t, y, j, neighbors, None)
    dist = {m: abs(s[j] - s[m]) for m in others}
    ds = sorted(dist.values())
    dj = ds[min(neighbors, len(ds)) - 1]
    near = [m for m in others if dist[m] <= dj]
    mean = sum(y[m] for m in near) / len(near)
    return len(near) / (len(near) + 1) * (y[j] - mean) ** 2


def brute_estimate(s, t, y, sets, neighbors, strata=None):
    """mu1, mu0, V1, V0, Vtau, C, weights by the definitions (loops over C_ij)."""
    n = len(s)
    pop = sorted(sets)
    npop = len(pop)
    c1 = np.zeros((npop, n))  # ĝ_i(1) = Σ_j c1[i, j] Y_j
    c0 = np.zeros((npop, n))
    for r, i in enumerate(pop):
        own, other = (c1, c0) if t[i] == 1 else (c0, c1)
        own[r, i] = 1.0
        for j in sets[i]:
            other[r, j] += 1.0 / len(sets[i])
    sig = [brute_sigma2(s, t, y, j, neighbors, strata) for j in range(n)]

    def var(cmat):
        g = [sum(cmat[r, j] * y[j] for j in range(n)) for r in range(npop)]
        theta = sum(g) / npop
        first = sum((gi - theta) ** 2 for gi in g)
        second = 0.0
        for j in range(n):
            a = sum(cmat[r, j] for r in range(npop))
            b = sum(cmat[r, j] ** 2 for r in range(npop))
            second += (a * a - b) * sig[j]
        return theta, (first + second) / npop**2

    mu1, v1 = var(c1)
    mu0, v0 = var(c0)
    _, vt = var(c1 - c0)
    w = np.zeros(n)
    for i in pop:
        w[i] += 1.0
        for j in sets[i]:
            w[j] += 1.0 / len(sets[i])
    return mu1, mu0, v1, v0, vt, (v1 + v0 - vt) / 2, w


def frame_sets(ms: MatchedSets):
    out = {}
    unit, match, weight, _ = ms.pairs()
    for u, m, w in zip(unit, match, weight, strict=True):
        out.setdefault(int(u), []).append(int(m))
        assert w == pytest.approx(1.0 / ms.sizes[np.searchsorted(ms.unit, u)], abs=0)
    return {u: sorted(v) for u, v in out.items()}


def make_scores(rng, n, tied):
    # tied: a grid of multiples of 0.25, with many identical scores and equal distances
    s = rng.integers(-8, 9, size=n) * 0.25 if tied else rng.normal(size=n)
    t = (rng.random(n) < expit(s)).astype(np.int8)
    t[:3], t[-3:] = 1, 0
    return s, t


CASES = [(est, k, cal, rep, tied)
         for est in ("ATT", "ATC", "ATE") for k in (1, 2) for cal in (None, 0.3)
         for rep in (True, False) for tied in (False, True)]


@pytest.mark.parametrize(("estimand", "k", "width", "replace", "tied"), CASES)
def test_sets_and_variance_match_brute_force(estimand, k, width, replace, tied):
    rng = np.random.default_rng(zlib.crc32(repr((estimand, k, width, replace, tied)).encode()))
    n = 70
    s, t = make_scores(rng, n, tied)
    y = rng.normal(size=n) + s
    ms = matched_sets(s, t, estimand=estimand, k=k, width=width, replace=replace)
    sets, unmatched = brute_sets(s, t, estimand, k, width, replace)
    assert frame_sets(ms) == sets
    assert ms.unmatched.tolist() == unmatched

    coef = ai_coefficients(ms)
    rows = np.arange(n)
    sigma2 = conditional_variance(y, rows, neighbour_windows(s, t, rows, neighbors=2))
    for j in range(n):
        assert sigma2[j] == pytest.approx(brute_sigma2(s, t, y, j, 2), abs=TOL, rel=TOL)
    mu1, mu0, cov = matched_moments(ms, y, coef, sigma2)
    b_mu1, b_mu0, v1, v0, vt, c10, w = brute_estimate(s, t, y, sets, 2)
    assert mu1 == pytest.approx(b_mu1, abs=TOL)
    assert mu0 == pytest.approx(b_mu0, abs=TOL)
    np.testing.assert_allclose(cov, [[v1, c10], [c10, v0]], atol=TOL, rtol=0)
    assert cov[0, 0] + cov[1, 1] - 2 * cov[0, 1] == pytest.approx(vt, abs=TOL)
    np.testing.assert_allclose(ms.row_weights(), w, atol=TOL, rtol=0)


def test_variance_neighbours_with_many_ties_and_k_larger_than_arm():
    rng = np.random.default_rng(5)
    s = np.repeat([0.0, 0.5, 1.0], 20)
    t = np.tile([0, 1], 30).astype(np.int8)
    y = rng.normal(size=60)
    rows = np.arange(60)
    for j_nb in (1, 2, 15, 100):
        got = conditional_variance(y, rows, neighbour_windows(s, t, rows, neighbors=j_nb))
        want = [brute_sigma2(s, t, y, j, j_nb) for j in rows]
        np.testing.assert_allclose(got, want, atol=TOL, rtol=TOL)
    ms = matched_sets(s, t, estimand="ATT", k=50, width=None)
    assert (ms.sizes == 30).all()  # k beyond the arm: every control is a match


# --------------------------------------------------------------------------- the method
def prepared(rng, n, tied, with_category=False):
    s, t = make_scores(rng, n, tied)
    df = pd.DataFrame({"t": t, "y": 2.0 * t + s + rng.normal(size=n),
                       "y2": (rng.random(n) < 0.3 + 0.2 * t).astype(float),
                       "x": s + rng.normal(size=n)})
    cats = ["x"]
    if with_category:
        df["g"] = rng.choice(["a", "b", "c"], size=n)
        df["h"] = rng.choice(["u", "v"], size=n)
        cats += ["g", "h"]
    data = tld.prepare(df, tld.Roles(treatment="t", outcomes=["y", "y2"], covariates=cats),
                       min_per_arm=3)
    # the propensity is chosen, not fitted: tied scores stay tied on the logit scale
    prop = FittedPropensity(model="fixed", scores=expit(s))
    return data, prop


@pytest.mark.parametrize("estimand", ["ATT", "ATC", "ATE"])
@pytest.mark.parametrize("replace", [True, False])
@pytest.mark.parametrize("exact", [(), ("g", "h")])
def test_estimate_end_to_end_matches_brute_force(estimand, replace, exact):
    rng = np.random.default_rng(11)
    data, prop = prepared(rng, 90, tied=True, with_category=True)
    method = Matching(k=2, caliper=0.5, replace=replace, exact=exact)
    fit = method.estimate(data, estimand=estimand, level=0.9, propensity=prop, rng=rng)
    s, t = prop.logit, data.t
    width = 0.5 * np.std(s, ddof=1)
    strata = None
    if exact:
        strata = data.levels["g"] * 10 + data.levels["h"]
    sets, unmatched = brute_sets(s, t, estimand, 2, width, replace, strata)
    assert frame_sets(fit.extra) == sets
    assert fit.extra.unmatched.tolist() == unmatched
    for est in fit.estimates:
        y = data.y[est.outcome]
        mu1, mu0, v1, v0, vt, c10, w = brute_estimate(s, t, y, sets, 2, strata)
        assert est.mean_treated == pytest.approx(mu1, abs=TOL)
        assert est.baseline == pytest.approx(mu0, abs=TOL)
        assert est.value == pytest.approx(mu1 - mu0, abs=TOL)
        assert est.se == pytest.approx(math.sqrt(vt), abs=TOL)
        assert est.se_kind == "abadie_imbens"
        assert est.level == 0.9
        g = np.array([1 / mu0, -mu1 / mu0**2])
        rel_var = g @ np.array([[v1, c10], [c10, v0]]) @ g
        assert est.relative.se == pytest.approx(math.sqrt(rel_var), rel=1e-9)
        assert est.n_treated == int(((w > 0) & (t == 1)).sum())
        assert est.n_control == int(((w > 0) & (t == 0)).sum())
    np.testing.assert_allclose(fit.weights, w, atol=TOL, rtol=0)
    if exact:
        frame = fit.extra.to_frame()
        assert (strata[frame["unit"]] == strata[frame["match"]]).all()


def test_exact_matching_never_crosses_levels():
    rng = np.random.default_rng(3)
    data, prop = prepared(rng, 400, tied=False, with_category=True)
    fit = Matching(caliper=None, exact=("g",)).estimate(
        data, estimand="ATE", level=0.95, propensity=prop, rng=rng)
    frame = fit.extra.to_frame()
    g = data.levels["g"]
    assert len(frame) > 0
    assert (g[frame["unit"]] == g[frame["match"]]).all()
    # without exact matching, the same data does cross levels: the test can fail
    loose = Matching(caliper=None).estimate(
        data, estimand="ATE", level=0.95, propensity=prop, rng=rng).extra.to_frame()
    assert (g[loose["unit"]] != g[loose["match"]]).any()


def test_unmatched_units_are_counted_and_diagnosed():
    rng = np.random.default_rng(8)
    n = 300
    s = np.concatenate([rng.normal(size=n - 20), np.full(20, 9.0)])
    t = np.ones(n, dtype=np.int8)
    t[: n // 2] = 0
    t[-20:] = 1  # 20 treated far out, no control near them
    df = pd.DataFrame({"t": t, "y": rng.normal(size=n), "x": s})
    data = tld.prepare(df, tld.Roles(treatment="t", outcomes=["y"], covariates=["x"]))
    prop = FittedPropensity(model="fixed", scores=expit(s))
    fit = Matching(caliper=0.2).estimate(data, estimand="ATT", level=0.95, propensity=prop,
                                         rng=rng)
    diag = fit.diagnostics[0]
    n1 = int(t.sum())
    assert diag.name == "unmatched_share"
    assert fit.extra.unmatched.shape[0] >= 20
    assert diag.value == pytest.approx(fit.extra.unmatched.shape[0] / n1)
    assert diag.status == "fail"
    assert "treated" in diag.message and "dropped" in diag.message
    assert fit.estimates[0].n_treated == n1 - fit.extra.unmatched.shape[0]
    assert (fit.weights[fit.extra.unmatched] == 0).all()
    ok = Matching(caliper=None).estimate(data, estimand="ATT", level=0.95, propensity=prop,
                                         rng=rng)
    assert ok.diagnostics[0].status == "ok" and ok.diagnostics[0].value == 0


def test_pair_differences_and_frame():
    rng = np.random.default_rng(4)
    data, prop = prepared(rng, 200, tied=False)
    fit = Matching(caliper=None).estimate(data, estimand="ATE", level=0.95, propensity=prop,
                                          rng=rng)
    ms, y = fit.extra, data.y["y"]
    d = ms.pair_differences(y)
    sets, _ = brute_sets(prop.logit, data.t, "ATE", 1, None, True)
    want = [(1 if data.t[i] else -1) * (y[i] - np.mean(y[sets[i]])) for i in sorted(sets)]
    np.testing.assert_allclose(d, want, atol=TOL)
    ids = np.array([f"id{i}" for i in range(200)])
    frame = ms.to_frame(ids)
    assert list(frame.columns) == ["unit", "unit_treated", "match", "weight", "distance"]
    assert frame["unit"].str.startswith("id").all()
    assert len(frame) == ms.n_pairs


def test_one_to_one_differences_take_one_member_of_each_set_and_spread_ties():
    rng = np.random.default_rng(5)
    data, prop = prepared(rng, 400, tied=True)
    fit = Matching(caliper=None).estimate(data, estimand="ATT", level=0.95, propensity=prop,
                                          rng=rng)
    ms = fit.extra
    y = (rng.random(data.n) < 0.3).astype(float)
    d = ms.one_to_one_differences(y)
    assert set(np.unique(d)) <= {-1.0, 0.0, 1.0}          # a 0/1 outcome: exact pair signs
    sets, _ = brute_sets(prop.logit, data.t, "ATT", 1, None, True)
    pick = ms.pool[ms.start + ms.unit % np.maximum(ms.sizes, 1)]
    for u, j in zip(ms.unit, pick, strict=True):
        assert j in sets[u]                                # the control is one of u's matches
    big = ms.sizes > 3
    if big.any():                                          # tied sets: not one control for all
        by_window = {}
        for u, j, b in zip(ms.start, pick, big, strict=True):
            if b:
                by_window.setdefault(u, set()).add(int(j))
        assert max(len(v) for v in by_window.values()) > 1


def test_bad_settings_raise_method_error():
    rng = np.random.default_rng(1)
    data, prop = prepared(rng, 100, tied=False, with_category=True)
    kw = {"estimand": "ATT", "level": 0.95, "propensity": prop, "rng": rng}
    for bad in (Matching(k=0), Matching(caliper=0), Matching(caliper=-1.0),
                Matching(variance_neighbors=0)):
        with pytest.raises(MethodError):
            bad.estimate(data, **kw)
    with pytest.raises(MethodError, match="'x'"):
        Matching(exact=("x",)).estimate(data, **kw)  # numeric, not categorical
    with pytest.raises(MethodError, match="'nope'"):
        Matching(exact=("nope",)).estimate(data, **kw)
    with pytest.raises(MethodError):
        Matching().estimate(data, estimand="LATE", level=0.95, propensity=prop, rng=rng)


def test_inputs_are_not_modified():
    rng = np.random.default_rng(2)
    data, prop = prepared(rng, 150, tied=True, with_category=True)
    before = (data.t.copy(), {k: v.copy() for k, v in data.y.items()}, data.x.copy(),
              {k: v.copy() for k, v in data.levels.items()}, prop.scores.copy())
    for rep in (True, False):
        Matching(k=2, replace=rep, exact=("g",)).estimate(
            data, estimand="ATE", level=0.95, propensity=prop, rng=rng)
    np.testing.assert_array_equal(data.t, before[0])
    for k, v in before[1].items():
        np.testing.assert_array_equal(data.y[k], v)
    np.testing.assert_array_equal(data.x, before[2])
    for k, v in before[3].items():
        np.testing.assert_array_equal(data.levels[k], v)
    np.testing.assert_array_equal(prop.scores, before[4])


def test_swapping_arms_flips_att_to_atc():
    rng = np.random.default_rng(6)
    data, prop = prepared(rng, 300, tied=False)
    m = Matching(caliper=None)
    att = m.estimate(data, estimand="ATT", level=0.95, propensity=prop, rng=rng).estimates[0]
    flipped = data.with_treatment(1 - data.t)
    prop2 = FittedPropensity(model="fixed", scores=1 - prop.scores)
    atc = m.estimate(flipped, estimand="ATC", level=0.95, propensity=prop2,
                     rng=rng).estimates[0]
    assert atc.value == pytest.approx(-att.value, abs=1e-10)
    assert atc.se == pytest.approx(att.se, rel=1e-9)


def test_pair_differences_average_to_the_estimate():
    rng = np.random.default_rng(9)
    data, prop = prepared(rng, 400, tied=True)
    for estimand in ("ATT", "ATC", "ATE"):
        fit = Matching(k=2).estimate(data, estimand=estimand, level=0.95, propensity=prop,
                                     rng=rng)
        d = fit.extra.pair_differences(data.y["y"])
        assert d.shape == fit.extra.unit.shape
        assert d.mean() == pytest.approx(fit.estimates[0].value, abs=1e-12)


def test_massive_ties_stay_fast_and_exact():
    import time

    rng = np.random.default_rng(0)
    n = 300_000
    s = rng.integers(0, 3, size=n).astype(float)  # three distinct scores only
    t = (rng.random(n) < 0.4).astype(np.int8)
    start = time.perf_counter()
    ms = matched_sets(s, t, estimand="ATE", k=1, width=0.5)
    coef = ai_coefficients(ms)
    rows = np.flatnonzero(coef > 0)
    y = rng.normal(size=n)
    sigma2 = np.zeros(n)
    sigma2[rows] = conditional_variance(y, rows, neighbour_windows(s, t, rows, neighbors=2))
    matched_moments(ms, y, coef, sigma2)
    elapsed = time.perf_counter() - start
    # each unit is matched to every unit of the other arm with the same score
    same = {(a, v): int(((t == a) & (s == v)).sum()) for a in (0, 1) for v in (0.0, 1.0, 2.0)}
    want = np.array([same[(1 - t[i], s[i])] for i in ms.unit[:1000]])
    np.testing.assert_array_equal(ms.sizes[:1000], want)
    assert ms.n_pairs > 10**10  # stored as windows, never expanded
    assert elapsed < 10.0  # a quadratic expansion would take hours


def test_greedy_without_replacement_is_near_linear():
    import time

    rng = np.random.default_rng(1)
    n = 100_000
    s = rng.normal(size=n)
    t = (rng.random(n) < expit(s - 0.5)).astype(np.int8)
    calls = []
    start = time.perf_counter()
    ms = matched_sets(s, t, estimand="ATT", k=2, width=0.05, replace=False,
                      progress=lambda *a: calls.append(a))
    assert time.perf_counter() - start < 10.0
    assert calls and calls[-1][1] == calls[-1][2]
    used = ms.pool
    assert np.unique(used).shape[0] == used.shape[0]  # each control at most once
    assert (ms.sizes <= 2).all()
