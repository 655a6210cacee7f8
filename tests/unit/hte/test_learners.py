"""CATE meta-learners: honest out-of-fold scores against a known truth, controls and input errors."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

from truelift.datasets._uplift import coupon_campaign
from truelift.errors import DataError, MethodError
from truelift.hte.learners import (
    BASES,
    LEARNERS,
    PROPENSITY_CLIP,
    CausalForest,
    DRLearner,
    FittedCATE,
    RLearner,
    SLearner,
    TLearner,
    XLearner,
    _Design,
)

FAST = {"folds": 3, "max_iter": 40}


def _pehe(fit: FittedCATE, tau: np.ndarray) -> float:
    return float(np.sqrt(np.mean((fit.oof - tau) ** 2)))


@pytest.fixture(scope="module")
def coupon() -> dict[str, np.ndarray]:
    ds = coupon_campaign(4000, seed=0, confounded=False)
    frame, per = ds.data, ds.truth.per_customer
    return {
        "x": frame[[f"x{j}" for j in range(1, 11)]].to_numpy(),
        "t": (frame["arm"] == "coupon").to_numpy().astype(int),
        "converted": frame["converted"].to_numpy().astype(float),
        "revenue": frame["revenue"].to_numpy(),
        "e": per["propensity_coupon"].to_numpy(),
        "tau": per["cate_converted_coupon"].to_numpy(),
        "tau_revenue": per["cate_revenue_coupon"].to_numpy(),
    }


@pytest.fixture(scope="module")
def fitted(coupon: dict[str, np.ndarray]) -> dict[str, FittedCATE]:
    return {key: cls(**FAST).fit(coupon["x"], coupon["t"], coupon["converted"],
                                 propensity=coupon["e"], seed=1)
            for key, cls in LEARNERS.items()}


def _sim(n: int, seed: int, *, share: float, effect: str) -> tuple[np.ndarray, ...]:
    """Strong nonlinear baseline; effect ``"step"`` (heterogeneous), ``"linear"`` or ``"none"``."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 6))
    t = (rng.random(n) < share).astype(int)
    base = 3 * np.sin(2 * x[:, 0]) + 2 * x[:, 1] ** 2 + 2 * x[:, 2]
    tau = {"step": 1.0 * (x[:, 3] > 0) - 0.5 + 0.5 * x[:, 4],
           "linear": 0.6 * x[:, 3],
           "none": np.zeros(n)}[effect]
    y = base + t * tau + rng.standard_normal(n)
    return x, t, y, tau


def test_registry() -> None:
    assert {"s": SLearner, "t": TLearner, "x": XLearner, "dr": DRLearner, "r": RLearner,
            "cf": CausalForest} == LEARNERS


def test_lightgbm_is_the_default_base() -> None:
    assert BASES == ("lightgbm", "gbm", "linear")
    assert all(cls().base == "lightgbm" for cls in LEARNERS.values())


@pytest.mark.parametrize("key", list(LEARNERS))
def test_oof_scores_track_the_true_cate(key: str, fitted: dict[str, FittedCATE],
                                       coupon: dict[str, np.ndarray]) -> None:
    fit = fitted[key]
    assert fit.learner == key
    assert fit.oof.shape == coupon["t"].shape and np.all(np.isfinite(fit.oof))
    assert np.corrcoef(fit.oof, coupon["tau"])[0, 1] > 0.45  # observed 0.61 (dr) to 0.85 (cf)
    assert abs(fit.ate - coupon["tau"].mean()) < 0.03
    new = fit.predict(coupon["x"][:50])
    assert new.shape == (50,) and np.all(np.isfinite(new))


def test_revenue_outcome(coupon: dict[str, np.ndarray]) -> None:
    fit = TLearner(**FAST).fit(coupon["x"], coupon["t"], coupon["revenue"], propensity=0.5, seed=0)
    assert np.all(np.isfinite(fit.oof))
    assert np.corrcoef(fit.oof, coupon["tau_revenue"])[0, 1] > 0.3


def test_dr_beats_t_learner_on_imbalanced_heterogeneous_effect() -> None:
    # 20% treated, strong baseline: the T-learner's difference of two noisy fits is poor (PEHE ~1.3
    # on seeds 0-3, LightGBM or scikit-learn bases alike) while the DR-learner is ~0.65-0.85.
    x, t, y, tau = _sim(6000, 0, share=0.2, effect="step")
    dr = DRLearner(**FAST).fit(x, t, y, propensity=0.2, seed=0)
    tl = TLearner(**FAST).fit(x, t, y, propensity=0.2, seed=0)
    assert _pehe(dr, tau) < _pehe(tl, tau) - 0.3


def test_dr_beats_s_learner_with_linear_bases() -> None:
    # A linear S-learner can only give one constant effect; the linear DR-learner recovers 0.6 x4.
    x, t, y, tau = _sim(6000, 1, share=0.5, effect="linear")
    dr = DRLearner(folds=3, base="linear").fit(x, t, y, propensity=0.5, seed=0)
    sl = SLearner(folds=3, base="linear").fit(x, t, y, propensity=0.5, seed=0)
    assert np.ptp(sl.oof) < 0.2  # constant within each fold
    assert _pehe(dr, tau) < _pehe(sl, tau) - 0.2


@pytest.mark.parametrize("key", ["s", "t", "dr"])
def test_negative_control_ate_near_zero(key: str) -> None:
    x, t, y, _ = _sim(4000, 2, share=0.5, effect="none")
    fit = LEARNERS[key](**FAST).fit(x, t, y, propensity=0.5, seed=0)
    assert abs(fit.ate) < 0.12  # ~4 SE of a covariate-adjusted estimate (noise sd 1, n 4000)


@pytest.mark.parametrize("key", list(LEARNERS))
def test_same_seed_same_numbers_and_settings_unchanged(key: str) -> None:
    x, t, y, _ = _sim(800, 3, share=0.5, effect="step")
    # linear bases keep this fast (weighted HGB fits cost ~1 s each); the seed drives the folds
    learner = LEARNERS[key](folds=3, base="linear")
    before = dataclasses.astuple(learner)
    a = learner.fit(x, t, y, seed=7)
    b = learner.fit(x, t, y, seed=7)
    assert dataclasses.astuple(learner) == before
    np.testing.assert_array_equal(a.oof, b.oof)
    np.testing.assert_array_equal(a.predict(x[:20]), b.predict(x[:20]))
    assert a.ate == b.ate
    assert not np.array_equal(a.oof, learner.fit(x, t, y, seed=8).oof)
    # estimated propensity: cross-fitted (the chosen model), clipped
    assert np.all((a.propensity >= PROPENSITY_CLIP[0]) & (a.propensity <= PROPENSITY_CLIP[1]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        learner.folds = 4  # type: ignore[misc]


@pytest.mark.parametrize("key", ["t", "dr"])
def test_lightgbm_and_gbm_bases_give_pehe_of_the_same_size(key: str, coupon: dict[str, np.ndarray]) -> None:
    # Same settings, different binning: observed PEHE 0.149 vs 0.146 (t), 0.155 vs 0.154 (dr).
    pehe = {base: _pehe(LEARNERS[key](**FAST, base=base).fit(coupon["x"], coupon["t"], coupon["converted"],
                                                            propensity=coupon["e"], seed=1), coupon["tau"])
            for base in ("lightgbm", "gbm")}
    assert 0.8 < pehe["lightgbm"] / pehe["gbm"] < 1.25


@pytest.mark.parametrize("key", ["dr", "r"])
def test_lightgbm_same_seed_same_numbers(key: str) -> None:
    x, t, y, _ = _sim(2000, 4, share=0.5, effect="step")
    learner = LEARNERS[key](**FAST)  # the default base; "r" fits with weights
    a, b = learner.fit(x, t, y, seed=5), learner.fit(x, t, y, seed=5)
    np.testing.assert_array_equal(a.oof, b.oof)
    np.testing.assert_array_equal(a.predict(x[:50]), b.predict(x[:50]))
    assert a.ate == b.ate
    assert not np.array_equal(a.oof, learner.fit(x, t, y, seed=6).oof)


def test_lightgbm_prints_and_warns_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    # 60 rows with at least 40 per leaf: no split is possible, which LightGBM reports unless verbose=-1.
    x, t, y, _ = _sim(60, 5, share=0.5, effect="linear")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = DRLearner(folds=2, max_iter=5).fit(x, t, y, propensity=0.5, seed=0)
        fit.predict(x[:5])
    assert [str(w.message) for w in caught] == []
    assert capfd.readouterr() == ("", "")


def test_estimated_propensity_is_clipped() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((600, 2))
    t = (x[:, 0] > 0).astype(int)  # perfect separation: logistic scores run to 0 and 1
    t[:10] = 1 - t[:10]
    y = rng.standard_normal(600) + t
    fit = DRLearner(folds=3, base="linear").fit(x, t, y, seed=0)
    assert fit.propensity.min() >= 0.01 and fit.propensity.max() <= 0.99
    assert np.all(np.isfinite(fit.oof))


def test_predict_checks_columns(fitted: dict[str, FittedCATE]) -> None:
    with pytest.raises(DataError, match="10 columns"):
        fitted["s"].predict(np.zeros((3, 4)))


@pytest.mark.parametrize("key", ["s", "t", "x", "dr", "r"])
def test_meta_learners_give_no_intervals(key: str, fitted: dict[str, FittedCATE]) -> None:
    fit = fitted[key]
    assert fit.oof_interval is None and fit.level is None
    with pytest.raises(MethodError, match="no confidence intervals"):
        fit.predict_interval(np.zeros((3, 10)))


def _base_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 2))
    t = np.tile([0, 1], 20)
    return x, t, rng.standard_normal(40)


@pytest.mark.parametrize("key", list(LEARNERS))
def test_bad_inputs(key: str) -> None:
    learner = LEARNERS[key](folds=3, max_iter=5)
    x, t, y = _base_data()
    with pytest.raises(DataError, match="lengths differ"):
        learner.fit(x, t[:-1], y)
    with pytest.raises(DataError, match="treatment must be 0 or 1"):
        learner.fit(x, np.where(t == 1, 2, 0), y)
    with pytest.raises(MethodError, match="fewer rows than folds"):
        learner.fit(x, np.r_[np.ones(38, dtype=int), 0, 0], y)
    y_const = np.where(t == 0, 1.0, y)
    with pytest.raises(DataError, match="outcome is constant in arm 0"):
        learner.fit(x, t, y_const)
    for bad in (0.0, 1.0, 1.5, np.r_[np.full(39, 0.5), -0.1]):
        with pytest.raises(DataError, match=r"strictly inside \(0, 1\)"):
            learner.fit(x, t, y, propensity=bad)
    with pytest.raises(MethodError, match="unknown base model"):
        LEARNERS[key](base="xgboost").fit(x, t, y)
    msgs = []
    for call in (lambda: learner.fit(x, t[:-1], y), lambda: learner.fit(x, t, y_const)):
        with pytest.raises(DataError) as err:
            call()
        msgs.append(str(err.value))
    assert all("\n" not in m for m in msgs)


def test_second_stage_settings_follow_the_sample_size_unless_given() -> None:
    learner = DRLearner()
    assert learner._final_settings(4_000) == (60, 0.05, 5, 300)
    assert learner._final_settings(99_999) == (60, 0.05, 5, 300)
    assert learner._final_settings(800_000) == (60, 0.1, 15, 1000)
    given = DRLearner(final_max_iter=30, final_min_samples_leaf=50)
    assert given._final_settings(800_000) == (30, 0.1, 15, 50)
    assert given._final_settings(4_000) == (30, 0.05, 5, 50)


def test_binned_once_fit_matches_a_fresh_lightgbm_fit() -> None:
    """_regress_rows (bins built once from all rows) fits the model _regress fits on the rows."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(6_000, 4))
    y = x[:, 0] + np.sin(2 * x[:, 1]) + rng.normal(size=6_000)
    rows = rng.random(6_000) < 0.7
    learner = DRLearner(n_jobs=1)
    fresh = learner._regress(x[rows], y[rows], np.random.default_rng(0))(x[~rows])
    binned = learner._regress_rows(_Design(x), rows, y, np.random.default_rng(0))(x[~rows])
    truth = x[~rows, 0] + np.sin(2 * x[~rows, 1])
    # the bin edges differ (all rows vs the training rows), so the fits agree closely, not exactly
    assert np.corrcoef(fresh, binned)[0, 1] > 0.98
    assert abs(np.sqrt(np.mean((fresh - truth) ** 2)) - np.sqrt(np.mean((binned - truth) ** 2))) < 0.05
    weighted = learner._regress_rows(_Design(x), rows, y, np.random.default_rng(0),
                                     weight=np.where(x[:, 2] > 0, 5.0, 1.0))(x[~rows])
    assert not np.allclose(weighted, binned)  # the weights reach the booster


def test_dr_predict_is_the_mean_of_the_fold_models(coupon: dict[str, np.ndarray]) -> None:
    fitted = DRLearner(n_jobs=1).fit(coupon["x"], coupon["t"], coupon["converted"],
                                     propensity=0.5, seed=0)
    new = coupon["x"][:200]
    # the fold models' mean tracks the out-of-fold scores of the same rows
    assert np.corrcoef(fitted.predict(new), fitted.oof[:200])[0, 1] > 0.9


def _smooth(n: int, seed: int, scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 3))
    t = rng.integers(0, 2, n)
    y = x[:, 1] + t * scale * np.sin(2 * x[:, 0]) + rng.normal(size=n)
    return x, t, y


def test_early_stopped_second_stage_picks_more_rounds_on_a_large_smooth_effect() -> None:
    big = DRLearner(folds=3, n_jobs=1).fit(*_smooth(4000, 0, 2.0), propensity=0.5, seed=0)
    none = DRLearner(folds=3, n_jobs=1).fit(*_smooth(4000, 0, 0.0), propensity=0.5, seed=0)
    assert big.final_rounds is not None and none.final_rounds is not None
    assert big.final_rounds > none.final_rounds
    assert big.choice in ("dr", "t") and big.dr_loss is not None and big.t_dr_loss is not None


def test_explicit_final_rounds_are_fixed() -> None:
    fit = DRLearner(folds=3, n_jobs=1, final_max_iter=30).fit(*_smooth(2000, 0, 1.0), propensity=0.5)
    assert fit.final_rounds is None


def test_early_stopped_fit_same_seed_same_numbers() -> None:
    data = _smooth(2000, 1, 1.0)
    a = DRLearner(folds=3, n_jobs=1).fit(*data, seed=3)
    b = DRLearner(folds=3, n_jobs=1).fit(*data, seed=3)
    np.testing.assert_array_equal(a.oof, b.oof)
    np.testing.assert_array_equal(a.predict(data[0][:50]), b.predict(data[0][:50]))
    assert (a.choice, a.final_rounds) == (b.choice, b.final_rounds)


def _rough(n: int, seed: int, noise: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A randomized design whose effect ``2 sin(9 x0) sign(x2)`` has more structure than the smooth
    second stage (5 leaves, 300 rows per leaf) can follow; returns ``x, t, y, tau``."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 3))
    t = rng.integers(0, 2, n)
    tau = 2 * np.sin(9 * x[:, 0]) * np.sign(x[:, 2])
    return x, t, x[:, 1] + t * tau + noise * rng.normal(size=n), tau


def test_dr_learner_keeps_the_t_estimate_when_its_dr_loss_is_lower() -> None:
    # near noise-free outcomes: the per-arm outcome models are almost exact, the smoothed
    # regression of the pseudo-outcome is not, and the DR-loss says so
    x, t, y, tau = _rough(3000, 0, 0.01)
    fit = DRLearner(folds=3, n_jobs=1).fit(x, t, y, propensity=0.5, seed=0)
    assert fit.choice == "t" and fit.t_dr_loss < fit.dr_loss
    # the kept estimate tracks the effect, in and out of sample (new rows: mean of mu1 - mu0 over
    # the fold models)
    assert np.sqrt(np.mean((fit.oof - tau) ** 2)) < 0.5 * np.std(tau)
    x_new, _, _, tau_new = _rough(1000, 9, 0.01)
    assert np.corrcoef(fit.predict(x_new), tau_new)[0, 1] > 0.9


def test_dr_learner_keeps_its_second_stage_on_pure_noise() -> None:
    # no effect and unit noise: the difference of two outcome fits is noise, the early-stopped
    # second stage is nearly flat; the DR-loss prefers it
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, size=(3000, 3))
    t = rng.integers(0, 2, 3000)
    fit = DRLearner(folds=3, n_jobs=1).fit(x, t, rng.normal(size=3000), propensity=0.5, seed=0)
    assert fit.choice == "dr" and fit.dr_loss < fit.t_dr_loss
    assert np.std(fit.oof) < 0.2


def _step_propensity(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 3))
    e = 0.15 + 0.7 * (x[:, 0] > 0.3)
    return x, (rng.random(n) < e).astype(int), e


def test_the_learners_estimated_propensity_is_chosen_by_out_of_fold_loss() -> None:
    from truelift.hte.learners import _propensity_fit

    x, t, e = _step_propensity(4000, 0)
    folds = np.arange(4000) % 5
    scores, choice = _propensity_fit(x, t, folds)
    # a step the logistic model cannot follow: LightGBM has the lower loss and is kept
    assert choice.chosen == "gbm"
    assert np.mean(np.abs(scores - e)) < 0.05
    fitted = DRLearner(folds=3, n_jobs=1).fit(x, t, x[:, 1] + t + np.random.default_rng(1)
                                              .normal(size=4000), seed=0)
    assert np.mean(np.abs(fitted.propensity - e)) < 0.05


def test_tuning_subsample_is_hash_random_on_a_table_sorted_by_treatment(monkeypatch) -> None:
    import truelift.nuisance.select as select
    from truelift.hte.learners import _propensity_fit

    monkeypatch.setattr(select, "MAX_TUNE", 500)
    x, t, e = _step_propensity(3000, 2)
    order = np.argsort(t, kind="stable")  # every control first: the first 500 rows are one arm
    x, t, e = x[order], t[order], e[order]
    scores, choice = _propensity_fit(x, t, np.arange(3000) % 5)
    assert choice.rows_tuned < choice.rows
    assert all(c.error is None for c in choice.candidates)
    assert np.corrcoef(scores, e)[0, 1] > 0.8


def test_x_learner_scores_new_rows_with_the_chosen_propensity() -> None:
    x, t, _e = _step_propensity(3000, 3)
    y = x[:, 1] + t * (1 + x[:, 0]) + np.random.default_rng(4).normal(size=3000)
    fitted = XLearner(folds=3, n_jobs=1).fit(x, t, y, seed=0)
    new = fitted.predict(x[:300])
    assert np.all(np.isfinite(new))
    assert np.corrcoef(new, 1 + x[:300, 0])[0, 1] > 0.8
