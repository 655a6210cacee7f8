"""Rosenbaum bounds: how much hidden bias would explain away a matched comparison.

Model (Rosenbaum 2002, *Observational Studies*, 2nd ed., ch. 4; Rosenbaum 2010, *Design of
Observational Studies*, ch. 3). Within a matched pair an unobserved confounder may make one
unit's odds of treatment up to ``Γ`` times the other's; ``Γ = 1`` is a randomized experiment
within pairs. Under the null of no effect, the chance that a pair's difference points in the
direction of the effect is then at most ``p+ = Γ / (1 + Γ)``, and the one-sided p-value of a
signed statistic is at most its upper tail when every pair independently points that way with
probability ``p+`` (Rosenbaum 1987). Two statistics are offered:

* **Sign test** (``test="sign"``; McNemar's test for a 0/1 outcome, Rosenbaum 2002 §4.3.2).
  Of the ``D`` pairs whose difference is not zero (for a 0/1 outcome: the discordant pairs),
  ``T`` point in the direction of the effect. Exactly::

      p_upper(Γ) = P(Binomial(D, p+) >= T)                    (scipy.stats.binom.sf(T - 1, D, p+))

  as in ``rbounds::binarysens``. Concordant pairs (zero differences) carry no information.
* **Wilcoxon's signed-rank test with Pratt's zeros** (``test="signed_rank"``; Rosenbaum 2002
  §4.3.3). Every ``|d_i|`` is ranked, zero differences included (ties get average ranks); zero
  differences then get no sign (Pratt 1959). With ``T`` the sum of the ranks of the differences
  pointing in the direction of the effect, the normal approximation (no continuity correction)::

      p_upper(Γ) = 1 - Φ((T - E) / sqrt(V)),  E = p+ Σ_{d_i != 0} r_i,  V = p+ (1 - p+) Σ_{d_i != 0} r_i²

  At ``Γ = 1`` this is ``scipy.stats.wilcoxon(d, zero_method="pratt", method="approx",
  correction=False)``; for every ``Γ`` it is the computation of Rosenbaum's ``DOS2::senWilcox``
  (which ranks ``|d|`` and multiplies the ranks by ``|d| > 0``). Pratt's treatment keeps the
  zeros in the ranking, so a mostly-zero outcome (spend, revenue) is not judged on a small,
  atypical subset of pairs as Wilcoxon's drop-the-zeros version does.

``test="auto"`` picks the sign test when every difference is in ``{-1, 0, 1}`` (a 0/1 outcome
in 1:1 pairs) and the signed-rank test otherwise.

Floating-point noise. Matched differences computed from prefix sums carry residue of order
``1e-15``: a 0/1 outcome's "zero" differences come out as ``±1e-15`` and ties in ``|d|`` break at
random. Every ``|d_i| <= ZERO_RTOL * max|d|`` is therefore treated as zero, and ``|d|`` values
that differ by no more than that are treated as tied, before anything is counted or ranked.

``gamma_critical`` is the smallest ``Γ >= 1`` at which ``p_upper`` exceeds ``alpha``: the strength
of hidden bias that would make the effect no longer significant. ``p_upper`` rises with ``Γ``,
so it is found by Brent's method on ``log Γ``; the search stops at ``Γ = 100``.

Matched sets with several controls (``k > 1``, or ties at the k-th distance) arrive as one
difference per set, the treated outcome minus the set's mean control. They are treated as pairs
and always go to the signed-rank test (their differences are not in ``{-1, 0, 1}``): an
approximation to Rosenbaum's statistics for matched sets (Rosenbaum 2002, §4.4-4.5).

A sensitivity analysis informs; it does not judge an estimate, so its diagnostic is always
``Status.INFO`` (with a plain reading of ``Γ*``).

References: Pratt (1959), JASA 54(287); Rosenbaum (1987), Biometrika 74(1); Rosenbaum (2002),
Observational Studies, 2nd ed., ch. 4; Rosenbaum (2010), Design of Observational Studies, ch. 3.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

import numpy as np
from scipy.special import ndtr

from truelift.errors import MethodError
from truelift.schema import Diagnostic, Status
from truelift.schema.values import _ToDict

GAMMAS = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0)
GAMMA_MAX = 100.0
GAMMA_STRONG = 2.0
GAMMA_SMALL = 1.25
MIN_PAIRS = 10
ZERO_RTOL = 1e-9
TESTS = ("auto", "sign", "signed_rank")
TEST_LABEL = {"sign": "sign test", "signed_rank": "Wilcoxon signed-rank test (Pratt's zeros)"}


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
        test: ``"sign"`` (exact binomial sign test; McNemar's for a 0/1 outcome) or
            ``"signed_rank"`` (Wilcoxon's signed-rank test with Pratt's zeros, normal
            approximation).
        alternative: ``"greater"`` (treated above control) or ``"less"``: the direction tested.
        statistic: the sign test's count of pairs pointing in that direction, or the
            signed-rank sum of their ranks.
        n_pairs: pairs with a nonzero difference (for a 0/1 outcome: discordant pairs).
        n_zero: pairs with no difference (ignored by the sign test; ranked but unsigned by
            the signed-rank test).
        alpha: one-sided significance level.
        table: ``p_upper`` at each ``Γ`` asked for.
        gamma_critical: smallest ``Γ >= 1`` with ``p_upper > alpha`` (1.0 when not
            significant even at ``Γ = 1``; ``GAMMA_MAX`` when ``capped``).
        capped: the effect stays significant up to ``Γ = 100``, where the search stops.
        diagnostic: the reading in plain words (always ``Status.INFO``).
    """

    outcome: str | None
    test: str
    alternative: str
    statistic: float
    n_pairs: int
    n_zero: int
    alpha: float
    table: tuple[RosenbaumRow, ...]
    gamma_critical: float
    capped: bool
    diagnostic: Diagnostic


def clean_differences(differences: np.ndarray) -> np.ndarray:
    """The differences with floating-point residue removed (see the module docstring).

    ``|d_i| <= ZERO_RTOL * max|d|`` becomes exactly 0, and runs of ``|d|`` whose consecutive
    gaps are within that tolerance take one common magnitude (the smallest of the run), so that
    zeros and ties are recognized as such. Signs are kept.
    """
    d = np.asarray(differences, dtype=float).ravel()
    a = np.abs(d)
    if a.size == 0 or not np.isfinite(a).all():
        return d
    tol = ZERO_RTOL * float(a.max())
    a = np.where(a <= tol, 0.0, a)
    order = np.argsort(a, kind="stable")
    s = a[order]
    starts = np.r_[True, np.diff(s) > tol]
    snapped = np.empty_like(a)
    snapped[order] = s[starts][np.cumsum(starts) - 1]
    return np.sign(d) * snapped


def informative_pairs(differences: np.ndarray) -> int:
    """Number of pairs whose difference is not zero once floating-point residue is removed.

    :func:`rosenbaum_bounds` needs at least ``MIN_PAIRS`` of them; callers can check first.
    """
    return int(np.count_nonzero(clean_differences(differences)))


def _is_binary(d: np.ndarray) -> bool:
    a = np.abs(d)
    return bool(np.all((a == 0.0) | (np.abs(a - 1.0) <= ZERO_RTOL)))


def _sign_test(d: np.ndarray, alternative: str | None
               ) -> tuple[str, float, Callable[[float], float]]:
    """Sign test: ``P(Binomial(D, p+) >= T)``, exact (Rosenbaum 2002, §4.3.2)."""
    from scipy.stats import binom

    n = int(np.count_nonzero(d))
    n_plus = int((d > 0).sum())
    if alternative is None:
        alternative = "greater" if 2 * n_plus >= n else "less"
    stat = n_plus if alternative == "greater" else n - n_plus

    def p_upper(gamma: float) -> float:
        return float(binom.sf(stat - 1, n, gamma / (1.0 + gamma)))

    return alternative, float(stat), p_upper


def _signed_rank_test(d: np.ndarray, alternative: str | None
                      ) -> tuple[str, float, Callable[[float], float]]:
    """Signed-rank test with Pratt's zeros, normal approximation (Rosenbaum 2002, §4.3.3)."""
    from scipy.stats import rankdata

    ranks = rankdata(np.abs(d), method="average")  # zeros ranked with the rest (Pratt)
    signed = ranks[d != 0.0]
    sum_r, sum_r2 = float(signed.sum()), float(np.square(signed).sum())
    t_plus = float(ranks[d > 0.0].sum())
    if alternative is None:
        alternative = "greater" if t_plus >= sum_r / 2.0 else "less"
    stat = t_plus if alternative == "greater" else sum_r - t_plus

    def p_upper(gamma: float) -> float:
        p = gamma / (1.0 + gamma)
        return float(ndtr(-(stat - p * sum_r) / math.sqrt(p * (1.0 - p) * sum_r2)))

    return alternative, stat, p_upper


def _check(d: np.ndarray, alpha: float, gammas: Sequence[float], alternative: str | None,
           test: str) -> tuple[float, ...]:
    if not np.isfinite(d).all():
        raise MethodError(f"{int((~np.isfinite(d)).sum())} pair difference(s) are not finite")
    if not (0.0 < alpha < 1.0):
        raise MethodError(f"alpha must be in (0, 1), got {alpha!r}")
    grid = tuple(float(g) for g in gammas)
    if not grid or not all(math.isfinite(g) and g >= 1.0 for g in grid):
        raise MethodError(f"every gamma must be a finite number >= 1, got {gammas!r}")
    if alternative not in (None, "greater", "less"):
        raise MethodError(f"alternative must be 'greater', 'less' or None, got {alternative!r}")
    if test not in TESTS:
        raise MethodError(f"test must be one of {', '.join(map(repr, TESTS))}, got {test!r}")
    return grid


def _critical_gamma(p_upper: Callable[[float], float], alpha: float) -> tuple[float, bool]:
    """Smallest ``Γ >= 1`` with ``p_upper(Γ) > alpha`` (Brent on ``log Γ``), and whether capped."""

    def excess(log_gamma: float) -> float:
        return p_upper(math.exp(log_gamma)) - alpha

    if excess(0.0) > 0.0:
        return 1.0, False
    if excess(math.log(GAMMA_MAX)) <= 0.0:
        return GAMMA_MAX, True
    from scipy.optimize import brentq

    return math.exp(brentq(excess, 0.0, math.log(GAMMA_MAX), xtol=1e-12, rtol=1e-12)), False


def rosenbaum_bounds(
    differences: np.ndarray,
    *,
    alpha: float = 0.05,
    gammas: Sequence[float] = GAMMAS,
    alternative: str | None = None,
    outcome: str | None = None,
    test: str = "auto",
) -> RosenbaumBounds:
    """Rosenbaum bounds on the sign test or the signed-rank test of matched-pair differences.

    Args:
        differences: one treated-minus-control difference per matched pair (e.g.
            :meth:`truelift.observational.matching.MatchedSets.pair_differences`). Sets with
            ``k > 1`` controls enter as the treated outcome minus the set's mean control and
            are treated as pairs (signed-rank test).
        alpha: one-sided significance level of the test.
        gammas: values of ``Γ`` (each >= 1) for the table.
        alternative: ``"greater"`` or ``"less"``; by default the direction of the observed
            effect (the side on which the statistic lies at or above its ``Γ = 1`` mean).
        outcome: name of the outcome, carried into the result for display.
        test: ``"sign"``: exact ``P(Binomial(D, Γ/(1+Γ)) >= T)`` over the ``D`` nonzero
            (discordant) pairs, ``T`` of them favouring the effect; ``"signed_rank"``:
            Wilcoxon's signed-rank test with Pratt's zeros, normal approximation; ``"auto"``
            (default): the sign test when every difference is in ``{-1, 0, 1}``, else the
            signed-rank test. The formulas are in the module docstring.

    Raises:
        MethodError: non-finite differences, fewer than ``MIN_PAIRS`` nonzero differences, or a
            bad ``alpha``, ``gammas``, ``alternative`` or ``test``.
    """
    d = np.asarray(differences, dtype=float).ravel()
    grid = _check(d, alpha, gammas, alternative, test)
    d = clean_differences(d)
    n_nonzero = int(np.count_nonzero(d))
    if n_nonzero < MIN_PAIRS:
        raise MethodError(f"Rosenbaum bounds need at least {MIN_PAIRS} nonzero pair "
                          f"differences, got {n_nonzero}")
    if test == "auto":
        test = "sign" if _is_binary(d) else "signed_rank"
    run = _sign_test if test == "sign" else _signed_rank_test
    alternative, stat, p_upper = run(d, alternative)
    gamma_star, capped = _critical_gamma(p_upper, alpha)
    table = tuple(RosenbaumRow(gamma=g, p_upper=p_upper(g)) for g in grid)
    n_zero = int(d.shape[0] - n_nonzero)
    return RosenbaumBounds(
        outcome=outcome, test=test, alternative=alternative, statistic=stat,
        n_pairs=n_nonzero, n_zero=n_zero, alpha=float(alpha), table=table,
        gamma_critical=gamma_star, capped=capped,
        diagnostic=_diagnostic(gamma_star, capped, alpha, p_upper(1.0), test, n_nonzero,
                               n_zero, outcome))


def _test_words(test: str, alpha: float, n_pairs: int, n_zero: int) -> str:
    if test == "sign":
        what = f"sign test on {n_pairs:,} discordant pairs"
    else:
        what = (f"{TEST_LABEL[test]} on {n_pairs + n_zero:,} pairs, {n_zero:,} of them with no "
                f"difference")
    return f"{what}, one-sided alpha = {alpha:g}"


def _diagnostic(gamma: float, capped: bool, alpha: float, p_at_1: float, test: str,
                n_pairs: int, n_zero: int, outcome: str | None = None) -> Diagnostic:
    """Plain reading of ``Γ*``; always ``Status.INFO``: sensitivity informs, it does not judge."""
    how = _test_words(test, alpha, n_pairs, n_zero)
    if p_at_1 > alpha:
        message = (f"the matched-pair differences are not significant even without hidden bias "
                   f"(p = {p_at_1:.3g} at gamma = 1; {how}); there is no effect for a hidden "
                   f"confounder to explain away")
    elif capped:
        message = (f"a hidden confounder would have to change the odds of treatment by a factor "
                   f"of more than {GAMMA_MAX:g} within matched pairs to explain away the effect "
                   f"(the search stops at gamma = {GAMMA_MAX:g}; {how})")
    else:
        message = (f"a hidden confounder would have to change the odds of treatment by a factor "
                   f"of {gamma:.2f} within matched pairs to explain away the effect ({how})")
        if gamma < GAMMA_SMALL:
            message += ("; that is a small bias, so the effect leans on the covariates having "
                        "captured nearly all of the confounding (a small gamma says the effect "
                        "is fragile, not that it is biased)")
        elif gamma < GAMMA_STRONG:
            message += "; that is a moderate bias"
        else:
            message += "; only a strong hidden bias could do that"
    if outcome:
        message = f"{outcome}: {message}"
    name = f"rosenbaum_gamma_{outcome}" if outcome else "rosenbaum_gamma"
    return Diagnostic(name=name, value=gamma, threshold=None, status=Status.INFO,
                      message=message)
