"""Choosing the nuisance models by cross-validated loss, once per fit (a discrete super learner).

For the propensity ``e(x) = P(T = 1 | x)`` and for each outcome model ``m_a(x) = E[Y | x, T = a]``
every candidate of a small, stated library is tuned and cross-fitted on the analysis's K folds
(:mod:`truelift.nuisance.learners`); the candidate with the lowest out-of-fold loss (log loss for
0/1 targets, squared error otherwise; for the outcome, summed over both arms' own rows) is kept,
and its out-of-fold predictions are the nuisances the estimator uses (van der Laan, Polley &
Hubbard 2007, the discrete super learner; its oracle inequality says the chosen candidate does
as well as the best of the library, up to a term of order ``log(#candidates) / n``). Every
candidate's loss is reported beside the choice, with the loss of a constant prediction for scale.

Library (``"auto"``): penalized logistic and LightGBM for the propensity; for a 0/1 outcome
also LightGBM on the covariates screened by split gain within each fold; ridge, LightGBM,
LightGBM with linear leaves (3 leaves) and the same on screened covariates for numeric outcomes
(the screened candidates matter when few of many covariates drive the outcome: on the
60-covariate benchmark design they removed a bias of one standard error; the propensity
library has no screened candidate because there it cut the RMSE only from 0.121 to 0.116),
plus a two-part LightGBM model
when the outcome is >= 0 and at least :data:`ZERO_SHARE` of it is zero (revenue). For more
than :data:`MAX_TUNE` rows, the choice is made on a stated subsample (the first rows of each
arm in the canonical hash order, a hash-random sample): every candidate is tuned and
cross-fitted on the subsample's rows, the reported losses are out-of-fold on those rows, and
only the chosen candidate, at its tuned setting, is then cross-fitted on every row.

Propensity scores are clipped to ``[CLIP, 1 - CLIP]`` before they enter a weight (DoubleML's
default ``trimming_threshold = 0.01``; the same bound the uplift learners use), so no unit's
inverse weight exceeds 100; the number of clipped scores is reported as a diagnostic.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from truelift.errors import MethodError
from truelift.nuisance.learners import (
    ROWS_FOR_THREADS,
    Boosted,
    Candidate,
    CrossFit,
    Custom,
    PenalizedLogistic,
    Ridge,
    Screened,
    TwoPart,
    _standardize,
    is_estimator,
    log_loss,
    mse,
    shared_tuning,
)
from truelift.schema.values import _ToDict

CLIP = 0.01
MAX_TUNE = 100_000
ZERO_SHARE = 0.25
PROPENSITY_SPECS = ("auto", "logistic", "gbm")
OUTCOME_SPECS = ("auto", "linear", "logistic", "gbm", "gbm_linear", "gbm_screened",
                 "gbm_linear_screened", "two_part")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CandidateLoss(_ToDict):
    """One candidate's out-of-fold loss and tuned setting (``error`` when it could not be fitted)."""

    name: str
    loss: float
    settings: dict[str, Any]
    error: str | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class NuisanceChoice(_ToDict):
    """Which nuisance model was used for one target, and why.

    Attributes:
        target: ``"propensity"`` or the outcome's name.
        loss_name: ``"log loss"`` or ``"squared error"`` (out-of-fold, per row).
        chosen: the name of the candidate kept.
        candidates: every candidate's out-of-fold loss (the chosen one included).
        constant_loss: the loss of predicting the (arm's) mean, for scale.
        rows_tuned: rows the candidates were tuned and compared on (all fitted rows unless a
            subsample was stated; then the losses are out-of-fold on those rows).
        rows: rows the models were cross-fitted on.
    """

    target: str
    loss_name: str
    chosen: str
    candidates: tuple[CandidateLoss, ...]
    constant_loss: float
    rows_tuned: int
    rows: int

    @property
    def loss(self) -> float:
        """The chosen candidate's out-of-fold loss."""
        return next(c.loss for c in self.candidates if c.name == self.chosen)


def propensity_candidates(spec: Any) -> list[Candidate]:
    """The library for ``e(x)`` named by ``spec`` (a key of :data:`PROPENSITY_SPECS` or an estimator)."""
    if is_estimator(spec):
        if not hasattr(spec, "predict_proba"):
            raise MethodError(f"a propensity model needs predict_proba; {type(spec).__name__} "
                              "has none")
        return [Custom(spec)]
    key = str(spec).lower()
    if key == "auto":
        return [PenalizedLogistic(), Boosted()]
    if key == "logistic":
        return [PenalizedLogistic()]
    if key == "gbm":
        return [Boosted()]
    raise MethodError(f"unknown propensity model {spec!r}; choose one of "
                      f"{', '.join(PROPENSITY_SPECS)} or pass a scikit-learn classifier")


def outcome_candidates(spec: Any, *, binary: bool, y: np.ndarray) -> list[Candidate]:
    """The library for ``m_a(x)`` named by ``spec`` for an outcome ``y``."""
    if is_estimator(spec):
        return [Custom(spec)]
    key = str(spec).lower()
    if key not in OUTCOME_SPECS:
        raise MethodError(f"unknown outcome model {spec!r}; choose one of "
                          f"{', '.join(OUTCOME_SPECS)} or pass a scikit-learn estimator")
    if key == "auto":
        if binary:
            return [PenalizedLogistic(), Boosted(), Screened(Boosted())]
        linear_leaves = Boosted(linear_tree=True, num_leaves=3)
        out: list[Candidate] = [Ridge(), Boosted(), linear_leaves, Screened(linear_leaves)]
        if (y >= 0).all() and float(np.mean(y == 0)) >= ZERO_SHARE:
            out.append(TwoPart())
        return out
    if key == "logistic":
        if not binary:
            raise MethodError("the logistic outcome model needs a 0/1 outcome")
        return [PenalizedLogistic()]
    if key == "linear":
        return [Ridge()]
    if key == "gbm_linear":
        return [Boosted(linear_tree=True, num_leaves=3)]
    if key == "gbm_screened":
        return [Screened(Boosted())]
    if key == "gbm_linear_screened":
        return [Screened(Boosted(linear_tree=True, num_leaves=3))]
    if key == "two_part":
        if binary or (y < 0).any():
            raise MethodError("the two-part outcome model needs a numeric outcome >= 0")
        return [TwoPart()]
    return [Boosted()]


def _tune_rows(fit_rows: np.ndarray, total: int, cap: int) -> np.ndarray | None:
    """The first ``cap * n_arm / total`` rows of ``fit_rows`` (hash order), or None (all rows)."""
    if total <= cap:
        return None
    idx = np.flatnonzero(fit_rows)
    take = max(round(cap * idx.shape[0] / total), 1)
    out = np.zeros_like(fit_rows)
    out[idx[:take]] = True
    return out


def select(
    x: np.ndarray, y: np.ndarray, groups: Sequence[np.ndarray], folds: np.ndarray,
    candidates: Sequence[Candidate], *, binary: bool, target: str, seed: int,
    max_tune: int = MAX_TUNE, progress: Callable[[str], None] | None = None,
) -> tuple[list[np.ndarray], NuisanceChoice]:
    """Cross-fit every candidate on each group's rows; keep the one with the lowest pooled loss.

    ``groups`` are the row masks one model each is fitted on (all rows for the propensity; each
    arm for an outcome). Returns the chosen candidate's out-of-fold predictions of every row, one
    array per group, and the choice.
    """
    total = int(sum(int(g.sum()) for g in groups))
    from threadpoolctl import threadpool_limits

    # Small fits run single-threaded: BLAS threads spinning on a shared machine make them slower.
    limit = 1 if total < ROWS_FOR_THREADS else None
    with threadpool_limits(limits=limit, user_api="blas"), shared_tuning():
        return _select(x, y, groups, folds, candidates, binary=binary, target=target, seed=seed,
                       max_tune=max_tune, progress=progress, total=total)


def _select(
    x: np.ndarray, y: np.ndarray, groups: Sequence[np.ndarray], folds: np.ndarray,
    candidates: Sequence[Candidate], *, binary: bool, target: str, seed: int,
    max_tune: int, progress: Callable[[str], None] | None, total: int,
) -> tuple[list[np.ndarray], NuisanceChoice]:
    tunes = [_tune_rows(g, total, max_tune) for g in groups]
    subsampled = any(tr is not None for tr in tunes)
    # With a subsample, candidates compete on its rows only; the winner is refitted below.
    rows = [g if tr is None else tr for g, tr in zip(groups, tunes, strict=True)]
    scored = sum(int(r.sum()) for r in rows)
    results: list[tuple[Candidate, list[CrossFit] | None, CandidateLoss]] = []
    for cand in candidates:
        fits: list[CrossFit] = []
        try:
            for r in rows:
                fits.append(cand.crossfit(x, y, r, folds, binary=binary, seed=seed))
            loss = sum(f.loss * int(r.sum()) for f, r in zip(fits, rows, strict=True)) / scored
            settings = fits[0].settings if len(fits) == 1 else {
                f"group_{j}": f.settings for j, f in enumerate(fits)}
            results.append((cand, fits, CandidateLoss(name=fits[0].name, loss=float(loss),
                                                      settings=settings)))
        except MethodError as exc:
            results.append((cand, None, CandidateLoss(name=cand.name, loss=float("nan"),
                                                      settings={}, error=str(exc))))
        except Exception as exc:  # a third-party fit failing: keep the other candidates
            results.append((cand, None, CandidateLoss(
                name=cand.name, loss=float("nan"), settings={},
                error=f"{type(exc).__name__}: {str(exc)[:200]}")))
        if progress is not None:
            progress(f"{target}: {cand.name}")
    ok = [r for r in results if r[1] is not None and np.isfinite(r[2].loss)]
    if not ok:
        why = "; ".join(f"{r[2].name}: {r[2].error}" for r in results)
        raise MethodError(f"no nuisance model could be fitted for {target} ({why})")
    best = min(ok, key=lambda r: r[2].loss)
    constant = sum(
        (log_loss(y[r], np.full(int(r.sum()), y[r].mean())) if binary
         else mse(y[r], np.full(int(r.sum()), y[r].mean()))) * int(r.sum()) for r in rows) / scored
    choice = NuisanceChoice(
        target=target, loss_name="log loss" if binary else "squared error",
        chosen=best[2].name, candidates=tuple(r[2] for r in results),
        constant_loss=float(constant), rows_tuned=int(scored), rows=total)
    assert best[1] is not None
    if not subsampled:
        return [f.predictions for f in best[1]], choice
    # The winner at the setting tuned on the subsample (the tuning is cached), on every row.
    final = [best[0].crossfit(x, y, g, folds, binary=binary, seed=seed, tune_rows=tr)
             for g, tr in zip(groups, tunes, strict=True)]
    if progress is not None:
        progress(f"{target}: {best[2].name} on every row")
    return [f.predictions for f in final], choice


def crossfit_propensity(
    x: np.ndarray, t: np.ndarray, folds: np.ndarray, spec: Any = "auto", *, seed: int = 0,
    max_tune: int = MAX_TUNE, progress: Callable[[str], None] | None = None,
) -> tuple[np.ndarray, NuisanceChoice]:
    """Out-of-fold ``e(x)`` of every row from the chosen model (not clipped), and the choice."""
    t = np.asarray(t, dtype=float)
    preds, choice = select(x, t, [np.ones(t.shape[0], dtype=bool)], folds,
                           propensity_candidates(spec), binary=True, target="propensity",
                           seed=seed, max_tune=max_tune, progress=progress)
    return preds[0], choice


def crossfit_outcome(
    x: np.ndarray, y: np.ndarray, t: np.ndarray, folds: np.ndarray, spec: Any = "auto", *,
    binary: bool, target: str, seed: int = 0, max_tune: int = MAX_TUNE,
    progress: Callable[[str], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, NuisanceChoice]:
    """Out-of-fold ``m1(x)``, ``m0(x)`` of every row (one model per arm) and the choice."""
    tb = np.asarray(t).astype(bool)
    preds, choice = select(x, y, [tb, ~tb], folds, outcome_candidates(spec, binary=binary, y=y),
                           binary=binary, target=target, seed=seed, max_tune=max_tune,
                           progress=progress)
    return preds[0], preds[1], choice


def propensity_predictor(
    x: np.ndarray, t: np.ndarray, choice: NuisanceChoice, *, seed: int = 0,
) -> Callable[[np.ndarray], np.ndarray]:
    """The chosen propensity model refitted on every row, with its tuned setting, as a scorer
    of new rows (not clipped): the penalized logistic at its ``C`` or LightGBM at its rounds."""
    t = np.asarray(t, dtype=float)
    cand = next(c for c in choice.candidates if c.name == choice.chosen)
    if choice.chosen == "logistic":
        c_value = float(cand.settings["C"])
        model = PenalizedLogistic(c=c_value)
        mean, sd = _standardize(x, np.ones(x.shape[0], dtype=bool))
        z = (x - mean) / sd
        return lambda x_new: model._path(z, t, (x_new - mean) / sd, (c_value,))[0]
    if choice.chosen == "gbm":
        import lightgbm as lgb

        booster = lgb.train(Boosted().params(True, seed, x.shape[0]), lgb.Dataset(x, label=t),
                            num_boost_round=max(int(cand.settings["rounds"]), 1))
        return booster.predict
    raise MethodError(f"cannot refit the propensity model {choice.chosen!r} on new rows")


def clip_scores(e: np.ndarray, clip: float = CLIP) -> tuple[np.ndarray, int]:
    """Scores clipped to ``[clip, 1 - clip]`` and how many were."""
    n = int(((e < clip) | (e > 1.0 - clip)).sum())
    return np.clip(e, clip, 1.0 - clip), n


__all__ = ["CLIP", "MAX_TUNE", "OUTCOME_SPECS", "PROPENSITY_SPECS", "CandidateLoss",
           "NuisanceChoice", "clip_scores", "crossfit_outcome", "crossfit_propensity",
           "outcome_candidates", "propensity_candidates", "propensity_predictor", "select"]
