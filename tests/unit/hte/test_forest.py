"""Causal forest: intervals, honest out-of-bag scores, the EconML variance it reproduces, errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from truelift.datasets._uplift import coupon_campaign
from truelift.errors import DataError, MethodError
from truelift.hte import forest as forest_module
from truelift.hte.forest import CausalForest, _oob_point_and_var
from truelift.hte.learners import LEARNERS, PROPENSITY_CLIP, FittedCATE, TLearner

FAST = {"folds": 3, "max_iter": 40, "n_jobs": 1}


@pytest.fixture(scope="module")
def coupon() -> dict[str, np.ndarray]:
    ds = coupon_campaign(4000, seed=0, confounded=False)
    frame, per = ds.data, ds.truth.per_customer
    return {
        "x": frame[[f"x{j}" for j in range(1, 11)]].to_numpy(),
        "t": (frame["arm"] == "coupon").to_numpy().astype(int),
        "y": frame["converted"].to_numpy().astype(float),
        "e": per["propensity_coupon"].to_numpy(),
        "tau": per["cate_converted_coupon"].to_numpy(),
    }


@pytest.fixture(scope="module")
def fitted(coupon: dict[str, np.ndarray]) -> FittedCATE:
    return CausalForest(**FAST).fit(coupon["x"], coupon["t"], coupon["y"], propensity=coupon["e"], seed=1)


def _small(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(n, 3))
    t = (rng.random(n) < 0.5).astype(int)
    y = x[:, 1] + t * (0.5 + x[:, 0]) + rng.standard_normal(n)
    return x, t, y


def test_registered_as_cf() -> None:
    assert LEARNERS["cf"] is CausalForest
    assert CausalForest.name == "cf"
    cf = CausalForest()
    assert cf.n_estimators % cf.subforest_size == 0
    assert (cf.max_samples, cf.honest, cf.base, cf.level) == (0.45, True, "lightgbm", 0.9)


def test_intervals_hold_the_point(fitted: FittedCATE, coupon: dict[str, np.ndarray]) -> None:
    assert fitted.learner == "cf" and fitted.level == 0.9
    n = coupon["t"].shape[0]
    assert fitted.oof.shape == (n,)
    assert fitted.oof_interval is not None and fitted.oof_interval.shape == (n, 2)
    lo, hi = fitted.oof_interval.T
    assert np.all(np.isfinite(fitted.oof_interval)) and np.all((lo <= fitted.oof) & (fitted.oof <= hi))
    assert np.all(hi - lo > 0)

    x_new = coupon["x"][:300]
    point = fitted.predict(x_new)
    ci = fitted.predict_interval(x_new)
    assert ci.shape == (300, 2) and np.all((ci[:, 0] <= point) & (point <= ci[:, 1]))
    np.testing.assert_array_equal(ci, fitted.predict_interval(x_new, level=0.9))
    wide, narrow = fitted.predict_interval(x_new, 0.99), fitted.predict_interval(x_new, 0.5)
    assert np.all(wide[:, 1] - wide[:, 0] > ci[:, 1] - ci[:, 0])
    assert np.all(narrow[:, 1] - narrow[:, 0] < ci[:, 1] - ci[:, 0])
    # normal intervals, symmetric around the point
    np.testing.assert_allclose(ci.mean(axis=1), point, atol=1e-12)


def test_tracks_the_true_cate(fitted: FittedCATE, coupon: dict[str, np.ndarray]) -> None:
    assert np.corrcoef(fitted.oof, coupon["tau"])[0, 1] > 0.7  # observed 0.85
    assert abs(fitted.ate - coupon["tau"].mean()) < 0.03       # observed 0.001


def test_oob_scores_are_held_out() -> None:
    # No effect at all: a row's score should not follow its own noise. In-sample, the forest's leaves
    # hold the row itself (corr ~0.33 with eps * (t - e) on seeds 0-3); out of bag they do not (|corr|
    # < 0.045, SE ~0.022).
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(2000, 3))
    t = (rng.random(2000) < 0.5).astype(int)
    eps = rng.standard_normal(2000)
    fit = CausalForest(**FAST, n_estimators=100).fit(x, t, eps, propensity=0.5, seed=0)
    own_noise = eps * (t - 0.5)
    assert np.corrcoef(fit.predict(x), own_noise)[0, 1] > 0.2
    assert abs(np.corrcoef(fit.oof, own_noise)[0, 1]) < 0.1


def test_same_seed_same_numbers() -> None:
    x, t, y = _small()
    cf = CausalForest(**FAST, n_estimators=100)
    a, b = cf.fit(x, t, y, seed=3), cf.fit(x, t, y, seed=3)
    np.testing.assert_array_equal(a.oof, b.oof)
    np.testing.assert_array_equal(a.oof_interval, b.oof_interval)
    np.testing.assert_array_equal(a.predict_interval(x[:30]), b.predict_interval(x[:30]))
    np.testing.assert_array_equal(a.predict(x[:30]), b.predict(x[:30]))
    assert a.ate == b.ate
    assert not np.array_equal(a.oof, cf.fit(x, t, y, seed=4).oof)


def test_estimated_propensity_is_clipped() -> None:
    x, _, y = _small(800, 1)
    t = (x[:, 2] + 0.1 * np.random.default_rng(1).standard_normal(800) > 0.5).astype(int)
    fit = CausalForest(**FAST, n_estimators=100).fit(x, t, y, seed=0)
    assert np.all((fit.propensity >= PROPENSITY_CLIP[0]) & (fit.propensity <= PROPENSITY_CLIP[1]))
    assert np.all(np.isfinite(fit.oof)) and np.isfinite(fit.ate)


def test_variance_matches_econml_when_every_bag_scores_every_row() -> None:
    from econml.grf import CausalForest as GRFForest

    rng = np.random.default_rng(0)
    x = rng.uniform(size=(800, 3))
    t_res = rng.standard_normal(800) * 0.5
    y_res = (0.5 + x[:, 0]) * t_res + rng.standard_normal(800)
    forest = GRFForest(n_estimators=40, n_jobs=1, random_state=0).fit(x, t_res, y_res)
    x_new = rng.uniform(size=(50, 3))
    everyone = [np.arange(50)] * len(forest.slices_)
    point, var = _oob_point_and_var(forest, x_new, everyone)
    ref_point, ref_var = forest.predict_and_var(x_new)
    np.testing.assert_allclose(point, ref_point[:, 0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(var, ref_var[:, 0, 0], rtol=1e-8, atol=1e-14)


def test_out_of_bag_uses_only_bags_that_never_drew_the_row() -> None:
    from econml.grf import CausalForest as GRFForest

    rng = np.random.default_rng(1)
    x = rng.uniform(size=(400, 2))
    t_res = rng.standard_normal(400) * 0.5
    y_res = x[:, 0] * t_res + rng.standard_normal(400)
    forest = GRFForest(n_estimators=80, n_jobs=1, random_state=2).fit(x, t_res, y_res)
    point, _ = _oob_point_and_var(forest, x)
    # the same as scoring row 0 with only those bags, all rows allowed
    drawn = forest.get_subsample_inds()
    bags = [b for b in forest.slices_ if not any(0 in drawn[tree] for tree in b)]
    assert 2 <= len(bags) < len(forest.slices_)
    alpha = sum(forest.estimators_[tree].predict_alpha_and_jac(x[:1])[0] for b in bags for tree in b)
    jac = sum(forest.estimators_[tree].predict_alpha_and_jac(x[:1])[1] for b in bags for tree in b)
    assert point[0] == pytest.approx(np.linalg.solve(jac.reshape(2, 2), alpha[0])[0], rel=1e-10)


@pytest.mark.parametrize(("settings", "match"), [
    ({"n_estimators": 10}, "multiple of subforest_size"),
    ({"n_estimators": 4}, "multiple of subforest_size"),
    ({"subforest_size": 1}, "subforest_size must be at least 2"),
    ({"max_samples": 0.5}, "max_samples"),
    ({"max_samples": 0.0}, "max_samples"),
    ({"min_node_size": 0}, "min_node_size"),
    ({"max_subsample": 3}, "max_subsample"),
    ({"level": 1.0}, "level"),
    ({"folds": 1}, "at least 2 folds"),
    ({"base": "xgboost"}, "unknown base model"),
])
def test_bad_settings(settings: dict, match: str) -> None:
    x, t, y = _small(100)
    with pytest.raises(MethodError, match=match):
        CausalForest(**settings).fit(x, t, y, propensity=0.5)


def test_too_few_trees_for_out_of_bag_scores() -> None:
    x, t, y = _small(300)
    with pytest.raises(MethodError, match="raise n_estimators"):
        CausalForest(**FAST, n_estimators=8).fit(x, t, y, propensity=0.5)


def test_bad_inputs() -> None:
    x, t, y = _small(100)
    cf = CausalForest(**FAST)
    with pytest.raises(DataError, match="lengths differ"):
        cf.fit(x, t[:-1], y)
    with pytest.raises(DataError, match="treatment must be 0 or 1"):
        cf.fit(x, t * 2, y)
    with pytest.raises(DataError, match=r"strictly inside \(0, 1\)"):
        cf.fit(x, t, y, propensity=1.0)
    with pytest.raises(DataError, match="finite"):
        cf.fit(np.where(x > 0.9, np.nan, x), t, y)


def test_predict_interval_checks(fitted: FittedCATE) -> None:
    with pytest.raises(DataError, match="10 columns"):
        fitted.predict_interval(np.zeros((3, 4)))
    for bad in (0.0, 1.0, 1.5):
        with pytest.raises(MethodError, match="level"):
            fitted.predict_interval(np.zeros((3, 10)), level=bad)


def test_predict_interval_of_a_meta_learner_raises() -> None:
    x, t, y = _small(200)
    fit = TLearner(folds=2, base="linear").fit(x, t, y, propensity=0.5)
    assert fit.oof_interval is None
    with pytest.raises(MethodError, match="no confidence intervals"):
        fit.predict_interval(x)


def test_importing_the_learners_stays_light() -> None:
    code = ("import sys, truelift.hte.learners, truelift.hte.forest; "
            "print(sorted(m for m in ('econml', 'lightgbm', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert forest_module.CausalForest is LEARNERS["cf"]
