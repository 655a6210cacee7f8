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
al. 2018). ``folds=1`` fits every nuisance on all rows (classical, not cross-fitted).
Cross-fitted propensities are clipped to ``[clip, 1 - clip]``; how many were clipped is
reported as a diagnostic.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from truelift.data.prepare import Prepared
from truelift.errors import MethodError
from truelift.inference import covariance_from_influence, effect_from_means
from truelift.observational.base import Fit, Progress
from truelift.observational.crossfit import cross_predict, fold_ids
from truelift.observational.outcome_models import fit_predict, resolve
from truelift.observational.overlap import balancing_weights
from truelift.observational.propensity import (
    PROPENSITY_MODELS,
    BoostedPropensity,
    FittedPropensity,
    LogisticPropensity,
)
from truelift.results import Diagnostic, Status


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
        folds: cross-fitting folds (1 = no cross-fitting).
        propensity_model: ``"logistic"``, ``"gbm"`` or an instance; ``None`` uses the analysis's.
        outcome_model: ``"auto"`` (logistic for 0/1 outcomes, else linear), ``"linear"``,
            ``"logistic"`` or ``"gbm"``.
        clip: cross-fitted propensities are clipped to ``[clip, 1 - clip]``.
    """

    folds: int = 5
    propensity_model: str | LogisticPropensity | BoostedPropensity | None = None
    outcome_model: str = "auto"
    clip: float = 1e-3
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
        pmodel = self.propensity_model
        if pmodel is None:
            pmodel = PROPENSITY_MODELS[propensity.model]()
        elif isinstance(pmodel, str):
            if pmodel not in PROPENSITY_MODELS:
                raise MethodError(f"unknown propensity model {pmodel!r}")
            pmodel = PROPENSITY_MODELS[pmodel]()
        x, t = data.x, data.t
        total = 1 + len(data.roles.outcomes)
        if self.folds == 1:
            folds = np.zeros(t.shape[0], dtype=np.int32)
            e = propensity.scores if propensity.model == pmodel.name else \
                pmodel.fit(x, t, rng).scores
        else:
            folds = fold_ids(t, self.folds, rng)
            e = cross_predict(folds, lambda tr, te: pmodel.fit_predict(x[tr], t[tr], x[te], rng))
        if progress is not None:
            progress("aipw", 1, total)
        n_clip = int(((e < self.clip) | (e > 1 - self.clip)).sum())
        e = np.clip(e, self.clip, 1 - self.clip)
        tb = t.astype(bool)
        estimates = []
        for j, name in enumerate(data.roles.outcomes, start=2):
            y = data.y[name]
            kind = resolve(self.outcome_model, data.binary[name])
            m1 = _cross_outcome(x, y, tb, folds, kind, arm=True, rng=rng)
            m0 = _cross_outcome(x, y, tb, folds, kind, arm=False, rng=rng)
            mu1, mu0, phi = aipw_influence(y, t, e, m1, m0, estimand)
            estimates.append(effect_from_means(
                outcome=name, estimand=estimand, method=self.name, mu1=mu1, mu0=mu0,
                cov=covariance_from_influence(phi), level=level, se_kind="influence_function",
                n_treated=data.n_treated, n_control=data.n_control))
            if progress is not None:
                progress("aipw", j, total)
        diags = (Diagnostic(
            name="aipw_propensity_clipped", value=float(n_clip), threshold=0.0,
            status=Status.OK if n_clip == 0 else Status.WARN,
            message=(f"{n_clip} cross-fitted propensity score(s) were clipped to "
                     f"[{self.clip}, {1 - self.clip}]" if n_clip else
                     "no cross-fitted propensity score needed clipping")),)
        return Fit(method=self.name, estimand=estimand, estimates=tuple(estimates),
                   weights=balancing_weights(e, t, estimand), diagnostics=diags)


def _cross_outcome(x: np.ndarray, y: np.ndarray, tb: np.ndarray, folds: np.ndarray, kind: str,
                   *, arm: bool, rng: np.random.Generator) -> np.ndarray:
    """Out-of-fold predictions of the outcome model of one arm, for every row."""
    if int(folds.max()) == 0:
        sel = tb == arm
        return fit_predict(x[sel], y[sel], x, kind, rng)
    return cross_predict(folds, lambda tr, te: fit_predict(x[tr & (tb == arm)],
                                                           y[tr & (tb == arm)], x[te], kind, rng))
