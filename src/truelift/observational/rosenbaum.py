"""Rosenbaum bounds: how much hidden bias would explain away a matched comparison.

Model (Rosenbaum 2002, *Observational Studies*, 2nd ed., ch. 4). Within a matched pair, an
unobserved confounder may make one unit's odds of treatment up to ``Γ`` times the other's.
``Γ = 1`` is a randomized experiment within pairs. For ``Γ > 1`` the chance that a pair's
difference is positive under the null of no effect is at most ``p+ = Γ / (1 + Γ)``, so the
one-sided p-value of Wilcoxon's signed-rank statistic ``T`` (the sum of the ranks of ``|d|`` over
pairs whose difference points in the direction of the effect) is at most::

    p_upper(Γ) = 1 - Φ((T - E) / sqrt(V)),   E = p+ Σ r_i,   V = p+ (1 - p+) Σ r_i²,

a normal approximation (no continuity correction). Zero differences are dropped and tied
``|d|`` get average ranks (Wilcoxon's "wilcox" treatment), so at ``Γ = 1`` this is exactly
``scipy.stats.wilcoxon(d, alternative="greater", method="approx", correction=False)``.

``gamma_critical`` is the smallest ``Γ >= 1`` at which ``p_upper`` exceeds ``alpha``: the
strength of hidden bias that would make the effect no longer significant. ``p_upper`` rises
with ``Γ``, so it is found by Brent's method on ``log Γ``; the search stops at ``Γ = 100``.

Matched sets with several controls (``k > 1`` or ties) enter as one difference per set (the
treated outcome minus the set's mean), which treats them as pairs: an approximation to
Rosenbaum's matched-sets statistics.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
from scipy.special import ndtr

from truelift.errors import MethodError
from truelift.results import Diagnostic, Status, _ToDict

GAMMAS = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0)
GAMMA_MAX = 100.0
GAMMA_OK = 2.0
GAMMA_WARN = 1.25
MIN_PAIRS = 10


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RosenbaumRow(_ToDict):
    """The upper bound of the one-sided p-value at one value of ``Γ``."""

    gamma: float
    p_upper: float


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RosenbaumBounds(_ToDict):
    """Sensitivity of a matched comparison to hidden bias (Rosenbaum 2002, ch. 4).

    Attributes:
        outcome: the outcome the differences are of, when given.
        alternative: ``"greater"`` (treated above control) or ``"less"``: the direction tested.
        statistic: Wilcoxon's signed-rank statistic in that direction (sum of ranks).
        n_pairs: nonzero differences used; ``n_zero``: zero differences dropped.
        alpha: one-sided significance level.
        table: ``p_upper`` at each ``Γ`` asked for.
        gamma_critical: smallest ``Γ >= 1`` with ``p_upper > alpha`` (1.0 when not
            significant even at ``Γ = 1``; ``GAMMA_MAX`` when ``capped``).
        capped: the effect stays significant up to ``Γ = 100``, where the search stops.
        diagnostic: the verdict in plain words.
    """

    outcome: str | None
    alternative: str
    statistic: float
    n_pairs: int
    n_zero: int
    alpha: float
    table: tuple[RosenbaumRow, ...]
    gamma_critical: float
    capped: bool
    diagnostic: Diagnostic


def _p_upper(gamma: float, stat: float, sum_r: float, sum_r2: float) -> float:
    p = gamma / (1.0 + gamma)
    z = (stat - p * sum_r) / math.sqrt(p * (1.0 - p) * sum_r2)
    return float(ndtr(-z))


def rosenbaum_bounds(
    differences: np.ndarray,
    *,
    alpha: float = 0.05,
    gammas: Sequence[float] = GAMMAS,
    alternative: str | None = None,
    outcome: str | None = None,
) -> RosenbaumBounds:
    """Rosenbaum bounds on the Wilcoxon signed-rank test of matched-pair differences.

    Args:
        differences: one treated-minus-control difference per matched pair (e.g.
            :meth:`truelift.observational.matching.MatchedSets.pair_differences`).
        alpha: one-sided significance level of the test.
        gammas: values of ``Γ`` (each >= 1) for the table.
        alternative: ``"greater"`` or ``"less"``; by default the direction of the observed
            effect (the side on which the signed-rank statistic lies above its null mean).
        outcome: name of the outcome, carried into the result for display.
    """
    d = np.asarray(differences, dtype=float).ravel()
    if not np.isfinite(d).all():
        raise MethodError(f"{int((~np.isfinite(d)).sum())} pair difference(s) are not finite")
    if not (0.0 < alpha < 1.0):
        raise MethodError(f"alpha must be in (0, 1), got {alpha!r}")
    grid = tuple(float(g) for g in gammas)
    if not grid or not all(math.isfinite(g) and g >= 1.0 for g in grid):
        raise MethodError(f"every gamma must be a finite number >= 1, got {gammas!r}")
    if alternative not in (None, "greater", "less"):
        raise MethodError(f"alternative must be 'greater', 'less' or None, got {alternative!r}")
    nonzero = d[d != 0.0]
    if nonzero.shape[0] < MIN_PAIRS:
        raise MethodError(f"Rosenbaum bounds need at least {MIN_PAIRS} nonzero pair "
                          f"differences, got {nonzero.shape[0]}")
    from scipy.stats import rankdata

    ranks = rankdata(np.abs(nonzero), method="average")
    sum_r, sum_r2 = float(ranks.sum()), float(np.square(ranks).sum())
    t_plus = float(ranks[nonzero > 0].sum())
    if alternative is None:
        alternative = "greater" if t_plus >= sum_r / 2.0 else "less"
    stat = t_plus if alternative == "greater" else sum_r - t_plus

    def excess(log_gamma: float) -> float:
        return _p_upper(math.exp(log_gamma), stat, sum_r, sum_r2) - alpha

    capped = False
    if excess(0.0) > 0.0:
        gamma_star = 1.0
    elif excess(math.log(GAMMA_MAX)) <= 0.0:
        gamma_star, capped = GAMMA_MAX, True
    else:
        from scipy.optimize import brentq

        gamma_star = math.exp(brentq(excess, 0.0, math.log(GAMMA_MAX), xtol=1e-12, rtol=1e-12))
    table = tuple(RosenbaumRow(gamma=g, p_upper=_p_upper(g, stat, sum_r, sum_r2)) for g in grid)
    return RosenbaumBounds(
        outcome=outcome, alternative=alternative, statistic=stat, n_pairs=int(nonzero.shape[0]),
        n_zero=int(d.shape[0] - nonzero.shape[0]), alpha=float(alpha), table=table,
        gamma_critical=gamma_star, capped=capped,
        diagnostic=_diagnostic(gamma_star, capped, alpha, _p_upper(1.0, stat, sum_r, sum_r2),
                               outcome))


def _diagnostic(gamma: float, capped: bool, alpha: float, p_at_1: float,
                outcome: str | None = None) -> Diagnostic:
    status = (Status.OK if gamma >= GAMMA_OK else Status.WARN if gamma >= GAMMA_WARN
              else Status.FAIL)
    test = f"Wilcoxon signed-rank test, one-sided alpha = {alpha:g}"
    if p_at_1 > alpha:
        message = (f"the matched-pair differences are not significant even without hidden bias "
                   f"(p = {p_at_1:.3g} at gamma = 1, {test}); there is no effect left for a "
                   f"hidden confounder to explain away")
    elif capped:
        message = (f"a hidden confounder would have to change the odds of treatment by a factor "
                   f"of more than {GAMMA_MAX:g} within matched pairs to explain away the effect "
                   f"(the search stops at gamma = {GAMMA_MAX:g}; {test})")
    else:
        message = (f"a hidden confounder would have to change the odds of treatment by a factor "
                   f"of {gamma:.2f} within matched pairs to explain away the effect ({test})")
        if status is Status.FAIL:
            message += "; even a small hidden bias could explain it"
        elif status is Status.WARN:
            message += "; a moderate hidden bias could explain it"
    if outcome:
        message = f"{outcome}: {message}"
    name = f"rosenbaum_gamma_{outcome}" if outcome else "rosenbaum_gamma"
    return Diagnostic(name=name, value=gamma, threshold=GAMMA_OK, status=status, message=message)
