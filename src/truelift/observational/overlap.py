"""Overlap (positivity) diagnostics, balancing weights and trimming.

* Common support: ``[max(min e | T=1, min e | T=0), min(max e | T=1, max e | T=0)]``; units
  outside it have no comparable unit in the other arm.
* Balancing weights for an estimand: ATE ``T/e + (1-T)/(1-e)``; ATT ``T + (1-T) e/(1-e)``;
  ATC ``T (1-e)/e + (1-T)``. Kish's effective sample size ``(sum w)^2 / sum w^2`` per arm
  (Kish 1965) says how many units the weighted arm is worth.
* Crump, Hotz, Imbens & Mitnik (2009) optimal trimming: keep ``alpha <= e <= 1 - alpha`` where
  ``alpha`` solves ``1/(alpha(1-alpha)) = 2 E[1/(e(1-e)) | 1/(e(1-e)) <= 1/(alpha(1-alpha))]``
  (no trimming when ``max 1/(e(1-e)) <= 2 E[1/(e(1-e))]``).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from truelift.schema import Diagnostic, Status
from truelift.schema.rules import (
    ESS_FAIL,
    ESS_OK,
    EXTREME_FAIL,
    EXTREME_OK,
    EXTREME_SCORE,
    SUPPORT_OK,
    SUPPORT_WARN,
)
from truelift.schema.values import _ToDict

ESTIMANDS = ("ATT", "ATE", "ATC")


def balancing_weights(e: np.ndarray, t: np.ndarray, estimand: str) -> np.ndarray:
    """Inverse-propensity weights that reweight both arms to the estimand's population.

    A score of exactly 0 or 1 gives an infinite weight (no overlap); the diagnostics report it.
    """
    t = t.astype(bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        if estimand == "ATE":
            return np.where(t, 1.0 / e, 1.0 / (1.0 - e))
        if estimand == "ATT":
            return np.where(t, 1.0, e / (1.0 - e))
        if estimand == "ATC":
            return np.where(t, (1.0 - e) / e, 1.0)
    raise ValueError(f"unknown estimand {estimand!r}")


def effective_sample_size(w: np.ndarray) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2``."""
    s2 = float(np.square(w).sum())
    if not np.isfinite(s2):
        return 0.0
    return float(w.sum()) ** 2 / s2 if s2 > 0 else 0.0


def crump_alpha(e: np.ndarray) -> float:
    """The Crump et al. (2009) trimming threshold alpha (0 when no trimming is optimal)."""
    with np.errstate(divide="ignore"):
        g = 1.0 / (e * (1.0 - e))
    g = np.sort(g[np.isfinite(g)])
    if g.shape[0] == 0:
        return 0.0
    if g[-1] <= 2.0 * g.mean():
        return 0.0
    cummean = np.cumsum(g) / np.arange(1, g.shape[0] + 1)
    ok = np.flatnonzero(g <= 2.0 * cummean)
    gamma = 2.0 * cummean[ok[-1]]
    return float(0.5 - math.sqrt(max(0.25 - 1.0 / gamma, 0.0)))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Overlap(_ToDict):
    """How well the arms overlap on the propensity score of the units it is computed on."""

    range_treated: tuple[float, float]
    range_control: tuple[float, float]
    common_support: tuple[float, float]
    n_outside_support: int
    share_outside_support: float
    share_extreme: float
    ess_treated: float
    ess_control: float
    n_treated: int
    n_control: int
    crump_alpha: float
    diagnostics: tuple[Diagnostic, ...]


def overlap_summary(e: np.ndarray, t: np.ndarray, estimand: str) -> Overlap:
    """Score ranges, common support, extreme scores and effective sample sizes, with verdicts."""
    tb = t.astype(bool)
    et, ec = e[tb], e[~tb]
    lo = max(float(et.min()), float(ec.min()))
    hi = min(float(et.max()), float(ec.max()))
    outside = (e < lo) | (e > hi)
    extreme = (e < EXTREME_SCORE) | (e > 1.0 - EXTREME_SCORE)
    w = balancing_weights(e, t, estimand)
    ess_t = effective_sample_size(w[tb])
    ess_c = effective_sample_size(w[~tb])
    n1, n0 = int(tb.sum()), int((~tb).sum())
    share_out = float(outside.mean())
    share_ext = float(extreme.mean())
    diags = [
        Diagnostic(
            # Context, not a verdict: the min-max support of estimated scores moves with single
            # noisy units (a flexible model's out-of-fold scores), and on its own it did not
            # predict a wrong estimate; the extreme-score share and the ESS below do the judging.
            name="share_outside_common_support", value=share_out, threshold=SUPPORT_WARN,
            status=Status.OK if share_out <= SUPPORT_OK else Status.INFO if share_out <= SUPPORT_WARN
            else Status.WARN,
            message=(f"{share_out:.1%} of units ({int(outside.sum())}) lie outside the common "
                     f"support of the propensity score [{lo:.3f}, {hi:.3f}]"
                     + ("" if share_out <= SUPPORT_OK else
                        "; the weights and the outcome model extrapolate for them")),
        ),
        Diagnostic(
            name="share_extreme_propensity", value=share_ext, threshold=EXTREME_OK,
            status=Status.OK if share_ext <= EXTREME_OK else Status.WARN if share_ext <= EXTREME_FAIL
            else Status.FAIL,
            message=(f"{share_ext:.1%} of units have a propensity below 0.01 or above 0.99"
                     + ("" if share_ext <= EXTREME_OK else
                        "; weights there are extreme and estimates unstable")),
        ),
    ]
    for arm, ess, n in (("treated", ess_t, n1), ("control", ess_c, n0)):
        ratio = ess / n if n else 0.0
        diags.append(Diagnostic(
            name=f"ess_ratio_{arm}", value=ratio, threshold=ESS_FAIL,
            status=Status.OK if ratio >= ESS_OK else Status.WARN if ratio >= ESS_FAIL else Status.FAIL,
            message=(f"after {estimand} weighting the {arm} arm is worth {ess:,.0f} of its "
                     f"{n:,} units ({ratio:.0%} effective sample size)"),
        ))
    return Overlap(
        range_treated=(float(et.min()), float(et.max())),
        range_control=(float(ec.min()), float(ec.max())),
        common_support=(lo, hi), n_outside_support=int(outside.sum()),
        share_outside_support=share_out, share_extreme=share_ext,
        ess_treated=ess_t, ess_control=ess_c, n_treated=n1, n_control=n0,
        crump_alpha=crump_alpha(e), diagnostics=tuple(diags),
    )


def trim_mask(e: np.ndarray, rule: str | tuple[float, float] | None) -> np.ndarray:
    """Rows to keep under a trimming rule: ``None``, ``"crump"`` or explicit ``(low, high)`` bounds."""
    if rule is None or rule == "none":
        return np.ones(e.shape[0], dtype=bool)
    if rule == "crump":
        a = crump_alpha(e)
        return (e >= a) & (e <= 1.0 - a)
    lo, hi = rule  # type: ignore[misc]
    return (e >= lo) & (e <= hi)
