"""Augmented inverse propensity weighting (doubly robust), cross-fitted.

With out-of-fold nuisances ``e(x)``, ``m1(x)``, ``m0(x)`` (see :mod:`crossfit`):

* ATE (Robins, Rotnitzky & Zhao 1994):
  ``mu1 = mean[m1 + T (Y - m1) / e]``, ``mu0 = mean[m0 + (1-T)(Y - m0) / (1-e)]``;
* ATT (Hahn 1998; Chernozhukov et al. 2018, sec. 5.1):
  ``mu1 = mean(Y | T=1)``, ``mu0 = sum[T m0 + (1-T) e/(1-e) (Y - m0)] / sum T``;
* ATC, symmetrically: ``mu0 = mean(Y | T=0)``,
  ``mu1 = sum[(1-T) m1 + T (1-e)/e (Y - m1)] / sum (1-T)``.

The estimator is consistent if either the propensity or the outcome model is right, and with
cross-fitting its influence function is the efficient one, so the standard error is
``sqrt(sum phi^2) / n`` with ``phi`` the per-row terms above minus their mean (Chernozhukov et
al. 2018). Folds come from a hash of the unit (:mod:`truelift.nuisance.folds`), so any row
order gives the same estimate, and the nuisance models are chosen once per fit by out-of-fold
loss (:mod:`truelift.nuisance.select`). ``folds=1`` fits every nuisance on all rows (classical,
not cross-fitted). Propensities are clipped to ``[clip, 1 - clip]`` (0.01 by default); how many
were clipped is reported as a diagnostic.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from truelift.data.prepare import Prepared
from truelift.errors import MethodError
from truelift.inference import covariance_from_influence, effect_from_means
from truelift.nuisance.crossfit import cross_predict
from truelift.nuisance.folds import hash_folds, prepared_keys
from truelift.nuisance.select import CLIP, NuisanceChoice, clip_scores, crossfit_outcome, crossfit_propensity
from truelift.observational.base import Fit, Progress
from truelift.observational.outcome_models import fit_predict, resolve
from truelift.observational.overlap import balancing_weights
from truelift.observational.propensity import (
    AutoPropensity,
    FittedPropensity,
    LogisticPropensity,
    propensity_model,
)
from truelift.schema import Diagnostic, Status
from truelift.schema.rules import CLIPPED_WARN


def aipw_influence(
    y: np.ndarray, t: np.ndarray, e: np.ndarray, m1: np.ndarray, m0: np.ndarray, estimand: str
) -> tuple[float, float, np.ndarray]:
    """``(mu1, mu0, n x 2 influence values)`` of the AIPW means for ``estimand``."""
    tf = t.astype(float)
    if estimand == "ATE":
        g1 = m1 + tf * (y - m1) / e
        g0 = m0 + (1 - tf) * (y - m0) / (1 - e)
        mu1, mu0 = float(g1.mean()), float(g0.mean())
        return mu1, mu0, np.column_stack([g1 - mu1, g0 - mu0])
    if estimand == "ATT":
        p = tf.mean()
        mu1 = float((tf * y).sum() / tf.sum())
        g0 = tf * m0 + (1 - tf) * e / (1 - e) * (y - m0)
        mu0 = float(g0.sum() / tf.sum())
        return mu1, mu0, np.column_stack([tf * (y - mu1) / p, (g0 - tf * mu0) / p])
    if estimand == "ATC":
        q = 1 - tf.mean()
        mu0 = float(((1 - tf) * y).sum() / (1 - tf).sum())
        g1 = (1 - tf) * m1 + tf * (1 - e) / e * (y - m1)
        mu1 = float(g1.sum() / (1 - tf).sum())
        return mu1, mu0, np.column_stack([(g1 - (1 - tf) * mu1) / q, (1 - tf) * (y - mu0) / q])
    raise ValueError(f"unknown estimand {estimand!r}")


@dataclasses.dataclass(frozen=True, slots=True)
class AIPW:
    """Cross-fitted augmented IPW.

    Attributes:
        folds: cross-fitting folds (1 = no cross-fitting: every nuisance fitted on all rows, GLM
            outcome models; the classical estimator statsmodels' ``aipw`` computes).
        propensity_model: ``None`` uses the analysis's cross-fitted scores; else a key of
            :data:`~truelift.observational.propensity.PROPENSITY_MODELS` or a scikit-learn
            classifier, cross-fitted here.
        outcome_model: ``"auto"`` (chosen per outcome by out-of-fold loss, see
            :mod:`truelift.nuisance.select`), ``"linear"``, ``"logistic"``, ``"gbm"``,
            ``"gbm_linear"``, ``"gbm_screened"``, ``"gbm_linear_screened"``, ``"two_part"``, a
            scikit-learn estimator, or a mapping from
            outcome name to any of these.
        clip: cross-fitted propensities are clipped to ``[clip, 1 - clip]`` (default
            :data:`truelift.nuisance.select.CLIP`).
    """

    folds: int = 5
    propensity_model: Any = None
    outcome_model: Any = "auto"
    clip: float = CLIP
    name: ClassVar[str] = "aipw"
    estimands: ClassVar[tuple[str, ...]] = ("ATE", "ATT", "ATC")

    def estimate(
        self,
        data: Prepared,
        *,
        estimand: str,
        level: float,
        propensity: FittedPropensity,
        rng: np.random.Generator,
        progress: Progress | None = None,
    ) -> Fit:
        """Cross-fit the nuisances, then the AIPW means of every outcome."""
        if self.folds < 1:
            raise MethodError(f"folds must be >= 1, got {self.folds}")
        if not (0.0 < self.clip < 0.5):
            raise MethodError(f"clip must be in (0, 0.5), got {self.clip}")
        x, t = data.x, data.t
        seed = int(rng.integers(2**31 - 1))
        total = 1 + len(data.roles.outcomes)
        choices: list[NuisanceChoice] = []
        if self.folds == 1:
            folds = np.zeros(t.shape[0], dtype=np.int32)
            e = self._full_sample_propensity(x, t, propensity, rng)
        else:
            folds = hash_folds(data_keys(data), t, self.folds)
            e, choice = self._crossfit_propensity(x, t, folds, propensity, seed)
            if choice is not None:
                choices.append(choice)
        if progress is not None:
            progress("aipw", 1, total)
        e, n_clip = clip_scores(e, self.clip)
        tb = t.astype(bool)
        estimates = []
        means: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for j, name in enumerate(data.roles.outcomes, start=2):
            y = data.y[name]
            spec = self.outcome_model
            if isinstance(spec, Mapping):
                spec = spec.get(name, "auto")
            if self.folds == 1:
                kind = resolve("auto" if spec == "auto" else spec, data.binary[name])
                m1 = _full_outcome(x, y, tb, kind, arm=True, rng=rng)
                m0 = _full_outcome(x, y, tb, kind, arm=False, rng=rng)
            else:
                m1, m0, choice = crossfit_outcome(x, y, t, folds, spec, binary=data.binary[name],
                                                  target=name, seed=seed)
                choices.append(choice)
            means[name] = (m1, m0)
            mu1, mu0, phi = aipw_influence(y, t, e, m1, m0, estimand)
            estimates.append(effect_from_means(
                outcome=name, estimand=estimand, method=self.name, mu1=mu1, mu0=mu0,
                cov=covariance_from_influence(phi), level=level, se_kind="influence_function",
                n_treated=data.n_treated, n_control=data.n_control))
            if progress is not None:
                progress("aipw", j, total)
        share = n_clip / t.shape[0]
        diags = (Diagnostic(
            name="aipw_propensity_clipped", value=share, threshold=CLIPPED_WARN,
            status=Status.OK if share <= CLIPPED_WARN else Status.WARN,
            message=(f"{n_clip} cross-fitted propensity score(s) ({share:.1%}) were clipped to "
                     f"[{self.clip:g}, {1 - self.clip:g}]" + (
                         "" if share <= CLIPPED_WARN else
                         "; for those units the estimate leans on the outcome model (weak "
                         "overlap)") if n_clip else
                     f"no cross-fitted propensity score needed clipping to [{self.clip:g}, "
                     f"{1 - self.clip:g}]")),)
        return Fit(method=self.name, estimand=estimand, estimates=tuple(estimates),
                   weights=balancing_weights(e, t, estimand), diagnostics=diags,
                   extra=AIPWNuisances(e=e, choices=tuple(choices), outcome_means=means))

    def _full_sample_propensity(self, x: np.ndarray, t: np.ndarray,
                                propensity: FittedPropensity, rng: np.random.Generator
                                ) -> np.ndarray:
        if self.propensity_model is None:
            return propensity.scores
        return propensity_model(self.propensity_model).fit(x, t, rng).scores

    def _crossfit_propensity(self, x: np.ndarray, t: np.ndarray, folds: np.ndarray,
                             propensity: FittedPropensity, seed: int
                             ) -> tuple[np.ndarray, NuisanceChoice | None]:
        if self.propensity_model is None and propensity.oof is not None:
            return propensity.oof, None  # the analysis's choice, reported once there
        spec = self.propensity_model
        if spec is None:
            spec = "auto" if propensity.model not in ("mle",) else "mle"
        if spec == "mle" or isinstance(spec, LogisticPropensity):
            pm = spec if isinstance(spec, LogisticPropensity) else LogisticPropensity()
            return cross_predict(folds, lambda tr, te: pm.fit_predict(x[tr], t[tr], x[te])), None
        if isinstance(spec, AutoPropensity):
            spec = spec.spec
        e, choice = crossfit_propensity(x, t, folds, spec, seed=seed)
        return e, choice


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class AIPWNuisances:
    """What AIPW's nuisances were: the clipped cross-fitted scores and the model choices."""

    e: np.ndarray
    choices: tuple[NuisanceChoice, ...]
    outcome_means: dict[str, tuple[np.ndarray, np.ndarray]] = dataclasses.field(default_factory=dict)


def data_keys(data: Prepared) -> np.ndarray:
    """The rows' hash keys (set by ``observe``), else computed from the id or the row's values."""
    if data.keys is not None:
        return data.keys
    return prepared_keys(data.ids, data.t, data.y, data.x)


def _full_outcome(x: np.ndarray, y: np.ndarray, tb: np.ndarray, kind: str, *, arm: bool,
                  rng: np.random.Generator) -> np.ndarray:
    """The outcome model of one arm fitted on all its rows, predicting every row."""
    sel = tb == arm
    return fit_predict(x[sel], y[sel], x, kind, rng)
