"""Nuisance models chosen once by out-of-fold loss: the choice follows the data and is reported."""

import numpy as np
import pytest
from scipy.special import expit
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression

from truelift.errors import MethodError
from truelift.nuisance.folds import hash_folds, id_keys
from truelift.nuisance.learners import Boosted, PenalizedLogistic, Ridge, Screened, log_loss, screen
from truelift.nuisance.select import crossfit_outcome, crossfit_propensity, select

N = 3_000


def _folds(t, k=5):
    return hash_folds(id_keys(np.arange(t.shape[0])), t, k)


@pytest.fixture(scope="module")
def linear_case():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, 6))
    t = (rng.random(N) < expit(x[:, 0] - 0.5 * x[:, 1])).astype(int)
    return x, t


@pytest.fixture(scope="module")
def step_case():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(N, 6))
    t = (rng.random(N) < np.where(np.abs(x[:, 0]) < 0.7, 0.85, 0.15)).astype(int)
    return x, t


def test_logistic_wins_on_a_logistic_propensity(linear_case):
    x, t = linear_case
    e, choice = crossfit_propensity(x, t, _folds(t))
    assert choice.chosen == "logistic"
    assert {c.name for c in choice.candidates} == {"logistic", "gbm"}
    assert choice.loss == pytest.approx(log_loss(t, e))
    assert choice.loss < choice.constant_loss


def test_boosting_wins_on_a_nonmonotone_propensity(step_case):
    x, t = step_case
    _, choice = crossfit_propensity(x, t, _folds(t))
    assert choice.chosen == "gbm"
    logistic = next(c for c in choice.candidates if c.name == "logistic")
    assert choice.loss < logistic.loss - 0.05


def test_scores_stay_off_zero_and_one_where_the_mle_diverges():
    # 60 rare one-hot columns: some are (by chance) all treated, so the unpenalized fit runs off
    # to scores of 0/1 while the true propensity stays within [0.2, 0.9].
    from truelift.observational.propensity import LogisticPropensity

    rng = np.random.default_rng(2)
    x = (rng.random((800, 60)) < 0.02).astype(float)
    t = (rng.random(800) < expit(-0.5 + 0.8 * x[:, :5].sum(axis=1))).astype(int)
    t[x[:, 7] == 1] = 1                                      # quasi-separation on one column
    mle = LogisticPropensity().fit(x, t).scores
    e, _ = crossfit_propensity(x, t, _folds(t), "logistic")
    assert min(mle.min(), 1 - mle.max()) < 1e-4
    assert e.min() > 0.02 and e.max() < 0.98


def test_same_seed_same_choice_and_scores(step_case):
    x, t = step_case
    a, ca = crossfit_propensity(x, t, _folds(t), seed=4)
    b, cb = crossfit_propensity(x, t, _folds(t), seed=4)
    assert ca == cb and np.array_equal(a, b)


def test_out_of_fold_predictions_do_not_use_their_own_rows(linear_case):
    x, t = linear_case
    folds = _folds(t)
    y = t.astype(float)
    poisoned = y.copy()
    poisoned[folds == 0] = 1.0 - poisoned[folds == 0]     # relabel the rows of fold 0 only
    a = PenalizedLogistic(c=1.0).crossfit(x, y, np.ones(N, bool), folds, binary=True, seed=0)
    b = PenalizedLogistic(c=1.0).crossfit(x, poisoned, np.ones(N, bool), folds, binary=True,
                                          seed=0)
    # fold 0 is scored by a model that never saw it; every other fold's model saw the change
    assert np.allclose(a.predictions[folds == 0], b.predictions[folds == 0], atol=1e-10)
    assert not np.allclose(a.predictions[folds == 1], b.predictions[folds == 1], atol=1e-3)


def test_outcome_choice_pools_both_arms_and_offers_two_part_for_revenue():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(N, 4))
    t = (rng.random(N) < 0.5).astype(int)
    buy = rng.random(N) < expit(-1 + 2.0 * x[:, 0] + 0.5 * t)
    y = np.where(buy, np.exp(1 + 0.8 * x[:, 1] + 0.3 * rng.normal(size=N)), 0.0)
    m1, m0, choice = crossfit_outcome(x, y, t, _folds(t), binary=False, target="revenue")
    assert {c.name for c in choice.candidates} == {"linear", "gbm", "gbm_linear",
                                                   "gbm_linear_screened", "two_part"}
    assert choice.chosen != "linear"                      # a nonlinear surface
    tb = t == 1
    pooled = (np.square(y[tb] - m1[tb]).sum() + np.square(y[~tb] - m0[~tb]).sum()) / N
    assert choice.loss == pytest.approx(pooled)
    assert m1.shape == m0.shape == (N,)


def test_a_users_model_is_used_and_its_loss_reported(linear_case):
    x, t = linear_case
    _, choice = crossfit_propensity(x, t, _folds(t), RandomForestClassifier(n_estimators=20,
                                                                             random_state=0))
    assert choice.chosen == "custom:RandomForestClassifier" and len(choice.candidates) == 1
    with pytest.raises(MethodError, match="predict_proba"):
        crossfit_propensity(x, t, _folds(t), LinearRegression())


def test_large_data_tunes_on_a_stated_subsample(linear_case):
    x, t = linear_case
    _, choice = crossfit_propensity(x, t, _folds(t), max_tune=1_000)
    assert choice.rows == N and 990 <= choice.rows_tuned <= 1_010


def test_with_a_subsample_candidates_compete_on_it_and_only_the_winner_sees_every_row(step_case):
    x, t = step_case
    folds = _folds(t)
    every = np.ones(N, dtype=bool)
    sub = np.zeros(N, dtype=bool)
    sub[np.flatnonzero(every)[:1_000]] = True
    cands = [PenalizedLogistic(), Boosted()]
    e, choice = select(x, t.astype(float), [every], folds, cands, binary=True,
                       target="propensity", seed=0, max_tune=1_000)
    # the reported losses are the candidates' out-of-fold losses on the subsample's rows alone
    for cand, reported in zip(cands, choice.candidates, strict=True):
        alone = cand.crossfit(x, t.astype(float), sub, folds, binary=True, seed=0)
        assert reported.loss == pytest.approx(alone.loss, rel=1e-12)
    assert choice.chosen == "gbm" and choice.rows_tuned == 1_000 and choice.rows == N
    # the winner, at the rounds tuned on the subsample, predicts every row out of fold
    final = Boosted().crossfit(x, t.astype(float), every, folds, binary=True, seed=0,
                               tune_rows=sub)
    np.testing.assert_allclose(e[0], final.predictions, rtol=0, atol=1e-12)


def test_every_candidate_failing_is_one_clear_error(linear_case):
    x, t = linear_case

    class Broken(Ridge):
        def crossfit(self, *a, **k):
            raise MethodError("singular")

    with pytest.raises(MethodError, match="no nuisance model could be fitted for y"):
        select(x, t.astype(float), [np.ones(N, bool)], _folds(t), [Broken()], binary=False,
               target="y", seed=0)


def test_boosting_rounds_follow_early_stopping(step_case):
    x, t = step_case
    fit = Boosted().crossfit(x, t.astype(float), np.ones(N, bool), _folds(t), binary=True, seed=0)
    assert 1 <= fit.settings["rounds"] < Boosted().max_rounds


def test_propensity_predictor_refits_the_chosen_logistic_at_its_penalty() -> None:
    from sklearn.linear_model import LogisticRegression

    from truelift.nuisance.select import crossfit_propensity, propensity_predictor

    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, 4)) * [1.0, 3.0, 0.5, 2.0] + [0.0, 5.0, 0.0, -1.0]
    t = (rng.random(3000) < expit(x[:, 0] - 0.2 * x[:, 1])).astype(float)
    _, choice = crossfit_propensity(x, t, _folds(t), "auto")
    assert choice.chosen == "logistic"
    c = next(k for k in choice.candidates if k.name == "logistic").settings["C"]
    mean, sd = x.mean(axis=0), x.std(axis=0)
    ref = LogisticRegression(C=c, solver="newton-cholesky", max_iter=200, tol=1e-10)
    ref.fit((x - mean) / sd, t)
    x_new = rng.normal(size=(500, 4))
    np.testing.assert_allclose(propensity_predictor(x, t, choice)(x_new),
                               ref.predict_proba((x_new - mean) / sd)[:, 1], atol=1e-6)


def test_propensity_predictor_refits_the_chosen_boosting_at_its_rounds() -> None:
    import lightgbm as lgb

    from truelift.nuisance.select import crossfit_propensity, propensity_predictor

    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, size=(3000, 3))
    t = (rng.random(3000) < 0.15 + 0.7 * (x[:, 0] > 0.3)).astype(float)
    _, choice = crossfit_propensity(x, t, _folds(t), "auto")
    assert choice.chosen == "gbm"
    rounds = next(k for k in choice.candidates if k.name == "gbm").settings["rounds"]
    ref = lgb.train(Boosted().params(True, 0, 3000), lgb.Dataset(x, label=t),
                    num_boost_round=rounds)
    x_new = rng.uniform(-1, 1, size=(500, 3))
    np.testing.assert_array_equal(propensity_predictor(x, t, choice)(x_new), ref.predict(x_new))


@pytest.fixture(scope="module")
def sparse_case():
    """Two of 40 covariates drive a smooth outcome; the rest are noise."""
    rng = np.random.default_rng(11)
    x = rng.normal(size=(N, 40))
    mu = 2 * np.sin(x[:, 0]) + 0.5 * x[:, 1] ** 2
    return x, mu, mu + rng.normal(size=N)


def test_screening_keeps_the_covariates_that_matter_and_beats_the_plain_trees(sparse_case):
    x, mu, y = sparse_case
    rows = np.ones(N, bool)
    folds = _folds(np.zeros(N, int))
    plain = Boosted(linear_tree=True, num_leaves=3).crossfit(x, y, rows, folds, binary=False,
                                                           seed=0)
    screened = Screened(Boosted(linear_tree=True, num_leaves=3)).crossfit(
        x, y, rows, folds, binary=False, seed=0)
    assert screened.name == "gbm_linear_screened"
    assert all(2 <= k <= 10 for k in screened.settings["covariates_kept"])
    assert screened.loss < plain.loss
    assert np.mean(np.square(screened.predictions - mu)) < 0.8 * np.mean(
        np.square(plain.predictions - mu))


@pytest.mark.parametrize("k", [2, 5])
def test_screening_is_made_within_each_fold(sparse_case, k):
    """Fold 0's screen and fit come from the other folds: changing fold 0's labels leaves its
    predictions unchanged and moves the others'."""
    x, _mu, y = sparse_case
    rows = np.ones(N, bool)
    folds = _folds(np.zeros(N, int), k)
    poisoned = y.copy()
    poisoned[folds == 0] = -poisoned[folds == 0] + 5 * x[folds == 0, 7]
    a = Screened().crossfit(x, y, rows, folds, binary=False, seed=0)
    b = Screened().crossfit(x, poisoned, rows, folds, binary=False, seed=0)
    assert np.array_equal(a.predictions[folds == 0], b.predictions[folds == 0])
    assert not np.allclose(a.predictions[folds == 1], b.predictions[folds == 1], atol=1e-3)


def test_screen_keeps_every_column_when_no_split_was_made():
    assert screen(np.zeros(4)).all()
    assert screen(np.array([0.0, 97.0, 2.0, 0.5])).tolist() == [False, True, True, False]
