"""Bayesian readout of an A/B/n test from sufficient statistics.

Each arm ``k`` has an unknown parameter ``θ_k`` (a conversion rate or a mean) with an independent
posterior; higher is better. From those posteriors the readout reports, per arm, the posterior
mean and equal-tailed credible interval, ``P(best) = P(θ_k = max_j θ_j)`` and the expected loss of
shipping that arm, ``E[max_j θ_j − θ_k]`` (Stucchio 2015, "Bayesian A/B testing at VWO"); and per
variant ``v`` against the control ``c``: the absolute lift ``θ_v − θ_c``, the relative lift
``θ_v / θ_c − 1`` (mean and credible interval of each), ``P(θ_v > θ_c)`` and the expected loss of
shipping the variant instead of the control, ``E[max(θ_c − θ_v, 0)]``.

Two models:

* :func:`beta_binomial` — proportions. With a ``Beta(a, b)`` prior and ``s`` successes in ``n``
  trials the posterior is ``Beta(a + s, b + n − s)`` (conjugacy; Gelman et al. 2013, *Bayesian
  Data Analysis*, 3rd ed., §2.4).
* :func:`normal_means` — means. With a flat prior on the mean and a large sample, the posterior of
  an arm's mean is ``N(x̄, v)`` where ``v`` is the sampling variance of the mean, ``s² / n``
  (Gelman et al. 2013, §3.2–3.3: the exact posterior is ``x̄ + t_{n−1} · s/√n``, normal for the
  sample sizes of online tests; Deng 2015, "Objective Bayesian two sample hypothesis testing for
  online controlled experiments"). The same holds for a variance-reduced (CUPED / regression
  adjusted) mean with its own sampling variance.

Closed forms are used where they exist and seeded Monte Carlo otherwise; ``BayesReadout.computed``
says which for each quantity. Monte Carlo draws come from one independent stream per arm
(``numpy.random.SeedSequence(seed).spawn(k)``), so the same seed gives the same numbers and an
arm's draws do not depend on the other arms. The standard error of a Monte Carlo probability is
``√(p(1 − p) / draws)``, at most 0.0011 with the default 200,000 draws.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import betaincinv, betaln, logsumexp, ndtr, ndtri

from truelift.errors import MethodError
from truelift.schema.values import _ToDict

#: The exact Beta finite sum is used when it has at most this many terms; above, Monte Carlo.
EXACT_MAX_TERMS = 100_000
#: Monte Carlo draws are made in blocks of at most this many numbers (arms × draws per block).
_BLOCK = 1 << 21
#: Relative lift of normal means is reported only when P(θ_control ≤ 0) (or ≥ 0) is below this.
_RELATIVE_SIGN_TOL = 1e-3
_SQRT_2PI = math.sqrt(2.0 * math.pi)


# --------------------------------------------------------------------------------------- results
def _check_prob(what: str, p: float) -> None:
    if not (0.0 <= p <= 1.0):
        raise ValueError(f"{what} must be in [0, 1], got {p!r}")


def _check_ci(what: str, ci: tuple[float, float]) -> None:
    if not (ci[0] <= ci[1]):
        raise ValueError(f"{what}: ci lower {ci[0]!r} > upper {ci[1]!r}")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class PosteriorSummary(_ToDict):
    """Posterior mean and equal-tailed credible interval of one quantity."""

    mean: float
    ci: tuple[float, float]

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", float(self.mean))
        object.__setattr__(self, "ci", (float(self.ci[0]), float(self.ci[1])))
        _check_ci("posterior", self.ci)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ArmPosterior(_ToDict):
    """One arm: its posterior, the probability it is best, and the expected loss of shipping it.

    ``expected_loss = E[max_j θ_j − θ_arm]``: what is given up, on average over the posterior, by
    shipping this arm rather than the (unknown) best one.
    """

    label: str
    mean: float
    ci: tuple[float, float]
    prob_best: float
    expected_loss: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "ci", (float(self.ci[0]), float(self.ci[1])))
        _check_ci(self.label, self.ci)
        _check_prob(f"{self.label}: prob_best", self.prob_best)
        if not (self.expected_loss >= 0.0):
            raise ValueError(f"{self.label}: expected_loss must be >= 0, got {self.expected_loss!r}")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class LiftPosterior(_ToDict):
    """One variant against the control.

    Attributes:
        absolute: posterior of ``θ_variant − θ_control``.
        relative: posterior of ``θ_variant / θ_control − 1``; ``None`` for normal means when the
            control's posterior gives more than 0.1% to the other side of zero (the ratio then
            has no meaningful mean). For a Beta control with ``a + s ≤ 1`` its mean is ``inf``.
        prob_better: ``P(θ_variant > θ_control)``.
        expected_loss: ``E[max(θ_control − θ_variant, 0)]``, the loss of shipping the variant
            instead of the control (Stucchio 2015).
    """

    variant: str
    control: str
    absolute: PosteriorSummary
    relative: PosteriorSummary | None
    prob_better: float
    expected_loss: float

    def __post_init__(self) -> None:
        _check_prob(f"{self.variant}: prob_better", self.prob_better)
        if not (self.expected_loss >= 0.0):
            raise ValueError(f"{self.variant}: expected_loss must be >= 0, got {self.expected_loss!r}")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class BayesReadout(_ToDict):
    """The Bayesian readout of an A/B/n test.

    Attributes:
        model: ``"beta_binomial"`` or ``"normal"``.
        control: label of the control arm.
        prior: ``(a, b)`` of the Beta prior; ``None`` for the flat prior of the normal model.
        level: credible level of every interval (equal-tailed).
        draws: Monte Carlo draws per arm; seed: their seed.
        arms: one :class:`ArmPosterior` per arm, in input order.
        comparisons: one :class:`LiftPosterior` per variant, in input order, control left out.
        computed: for each quantity (``arm_ci``, ``lift_mean``, ``lift_ci``, ``relative_mean``,
            ``relative_ci``, ``prob_better``, ``comparison_loss``, ``prob_best``,
            ``expected_loss``), ``"exact"``, ``"monte_carlo"`` or ``"mixed"``.
    """

    model: str
    control: str
    prior: tuple[float, float] | None
    level: float
    draws: int
    seed: int
    arms: tuple[ArmPosterior, ...]
    comparisons: tuple[LiftPosterior, ...]
    computed: Mapping[str, str]

    def __post_init__(self) -> None:
        if not (0.0 < self.level < 1.0):
            raise ValueError(f"level must be in (0, 1), got {self.level!r}")
        object.__setattr__(self, "arms", tuple(self.arms))
        object.__setattr__(self, "comparisons", tuple(self.comparisons))
        if self.control not in self.labels:
            raise ValueError(f"control {self.control!r} is not one of the arms")

    @property
    def labels(self) -> tuple[str, ...]:
        """Arm labels, in input order."""
        return tuple(a.label for a in self.arms)

    def arm(self, label: str) -> ArmPosterior:
        """The :class:`ArmPosterior` of the arm called ``label``."""
        for a in self.arms:
            if a.label == label:
                return a
        raise KeyError(label)

    def comparison(self, variant: str) -> LiftPosterior:
        """The :class:`LiftPosterior` of ``variant`` against the control."""
        for c in self.comparisons:
            if c.variant == variant:
                return c
        raise KeyError(variant)


# ------------------------------------------------------------------------------ exact Beta maths
def _miller_sum(a_b: float, b_b: float, a_a: float, b_a: float) -> float:
    """``P(p_B > p_A)`` for ``p_A ~ Beta(a_a, b_a)``, ``p_B ~ Beta(a_b, b_b)``, integer ``a_b``.

    Evan Miller (2015), "Formulas for Bayesian A/B testing"::

        P = Σ_{i=0}^{a_b − 1} B(a_a + i, b_a + b_b) / ((b_b + i) B(1 + i, b_b) B(a_a, b_a))

    summed in log space (every term is positive).
    """
    i = np.arange(int(a_b), dtype=float)
    logs = betaln(a_a + i, b_a + b_b) - np.log(b_b + i) - betaln(1.0 + i, b_b) - betaln(a_a, b_a)
    return float(np.exp(logsumexp(logs)))


def _is_count(x: float) -> bool:
    return x >= 1.0 and float(x).is_integer()


def beta_prob_greater(a_x: float, b_x: float, a_y: float, b_y: float) -> float | None:
    """Exact ``P(X > Y)`` for independent ``X ~ Beta(a_x, b_x)``, ``Y ~ Beta(a_y, b_y)``.

    Miller's finite sum needs one integer parameter; by ``P(X > Y) = 1 − P(Y > X)`` and
    ``P(X > Y) = P(1 − Y > 1 − X)`` (``1 − X ~ Beta(b_x, a_x)``) any of the four will do, and the
    smallest integer one is summed (that many terms). Returns ``None`` when none is an integer or
    the sum would have more than :data:`EXACT_MAX_TERMS` terms.
    """
    options = []
    if _is_count(a_x):
        options.append((a_x, lambda: _miller_sum(a_x, b_x, a_y, b_y)))
    if _is_count(a_y):
        options.append((a_y, lambda: 1.0 - _miller_sum(a_y, b_y, a_x, b_x)))
    if _is_count(b_y):
        options.append((b_y, lambda: _miller_sum(b_y, a_y, b_x, a_x)))
    if _is_count(b_x):
        options.append((b_x, lambda: 1.0 - _miller_sum(b_x, a_x, b_y, a_y)))
    if not options:
        return None
    terms, fn = min(options, key=lambda o: o[0])
    if terms > EXACT_MAX_TERMS:
        return None
    return min(1.0, max(0.0, fn()))


def beta_expected_gain(a_x: float, b_x: float, a_y: float, b_y: float) -> float | None:
    """Exact ``E[max(X − Y, 0)]`` for independent Beta ``X`` and ``Y`` (``None`` as above).

    ``E[X 1{X > Y}] = E[X] P(X⁺ > Y)`` with ``X⁺ ~ Beta(a_x + 1, b_x)`` (the size-biased Beta), so
    ``E[max(X − Y, 0)] = E[X] P(X⁺ > Y) − E[Y] P(X > Y⁺)`` (Stucchio 2015; Miller 2015).
    """
    p1 = beta_prob_greater(a_x + 1.0, b_x, a_y, b_y)
    p2 = beta_prob_greater(a_x, b_x, a_y + 1.0, b_y)
    if p1 is None or p2 is None:
        return None
    return max(0.0, a_x / (a_x + b_x) * p1 - a_y / (a_y + b_y) * p2)


# -------------------------------------------------------------------------------- the two models
@dataclasses.dataclass(frozen=True)
class _BetaArms:
    a: np.ndarray
    b: np.ndarray

    def sample(self, j: int, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.beta(self.a[j], self.b[j], size=n)

    def mean(self, j: int) -> float:
        return float(self.a[j] / (self.a[j] + self.b[j]))

    def interval(self, j: int, lo: float, hi: float) -> tuple[float, float]:
        return float(betaincinv(self.a[j], self.b[j], lo)), float(betaincinv(self.a[j], self.b[j], hi))

    def prob_greater(self, i: int, j: int) -> float | None:
        return beta_prob_greater(self.a[i], self.b[i], self.a[j], self.b[j])

    def expected_gain(self, i: int, j: int) -> float | None:
        return beta_expected_gain(self.a[i], self.b[i], self.a[j], self.b[j])

    def diff_interval(self, i: int, j: int, lo: float, hi: float) -> tuple[float, float] | None:
        return None

    def relative_mean(self, v: int, c: int) -> float | None:
        # E[θ_v / θ_c] = E[θ_v] E[1/θ_c], E[1/θ_c] = (a + b − 1) / (a − 1) for a > 1, else infinite
        a, b = self.a[c], self.b[c]
        if a <= 1.0:
            return math.inf
        return float(self.mean(v) * (a + b - 1.0) / (a - 1.0) - 1.0)

    def relative_defined(self, c: int) -> bool:
        return True


@dataclasses.dataclass(frozen=True)
class _NormalArms:
    mu: np.ndarray
    sd: np.ndarray

    def sample(self, j: int, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.mu[j] + self.sd[j] * rng.standard_normal(n)

    def mean(self, j: int) -> float:
        return float(self.mu[j])

    def interval(self, j: int, lo: float, hi: float) -> tuple[float, float]:
        return float(self.mu[j] + self.sd[j] * ndtri(lo)), float(self.mu[j] + self.sd[j] * ndtri(hi))

    def _diff(self, i: int, j: int) -> tuple[float, float]:
        return float(self.mu[i] - self.mu[j]), math.hypot(self.sd[i], self.sd[j])

    def prob_greater(self, i: int, j: int) -> float | None:
        m, s = self._diff(i, j)  # θ_i − θ_j ~ N(m, s²): P(> 0) = Φ(m / s)
        return float(ndtr(m / s))

    def expected_gain(self, i: int, j: int) -> float | None:
        m, s = self._diff(i, j)  # E[max(d, 0)] = s φ(m/s) + m Φ(m/s)
        z = m / s
        return max(0.0, s * math.exp(-0.5 * z * z) / _SQRT_2PI + m * float(ndtr(z)))

    def diff_interval(self, i: int, j: int, lo: float, hi: float) -> tuple[float, float] | None:
        m, s = self._diff(i, j)
        return m + s * float(ndtri(lo)), m + s * float(ndtri(hi))

    def relative_mean(self, v: int, c: int) -> float | None:
        return None  # a ratio of normals has no mean; a Monte Carlo mean is reported when defined

    def relative_defined(self, c: int) -> bool:
        return bool(ndtr(-abs(self.mu[c]) / self.sd[c]) < _RELATIVE_SIGN_TOL)


_Arms = _BetaArms | _NormalArms  # independent posteriors of k arms, with the same methods


# ------------------------------------------------------------------------------------ validation
def _vector(name: str, x: ArrayLike) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise MethodError(f"{name} must be numbers, one per arm") from None
    if arr.ndim != 1:
        raise MethodError(f"{name} must be one number per arm (1-D), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise MethodError(f"{name} must be finite")
    return arr


def _check_common(
    k: int, labels: Sequence[str], control: int | str, level: float, draws: int, seed: int
) -> int:
    if k < 2:
        raise MethodError(f"a Bayesian readout needs at least 2 arms, got {k}")
    if isinstance(labels, str) or len(labels) != k:
        raise MethodError(f"labels must name each of the {k} arms")
    if not all(isinstance(x, str) for x in labels):
        raise MethodError("labels must be strings")
    if len(set(labels)) != k:
        raise MethodError("labels must be distinct")
    if isinstance(control, str):
        if control not in labels:
            raise MethodError(f"control {control!r} is not one of the labels")
        control = list(labels).index(control)
    elif isinstance(control, bool) or not isinstance(control, (int, np.integer)) or not 0 <= control < k:
        raise MethodError(f"control must be a label or an index in [0, {k}), got {control!r}")
    if not (0.0 < level < 1.0):
        raise MethodError(f"level must be in (0, 1), got {level!r}")
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1000:
        raise MethodError(f"draws must be an integer >= 1000, got {draws!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise MethodError(f"seed must be an integer >= 0, got {seed!r}")
    return int(control)


# ----------------------------------------------------------------------------------- public API
def beta_binomial(
    successes: ArrayLike,
    trials: ArrayLike,
    *,
    labels: Sequence[str],
    control: int | str = 0,
    prior: tuple[float, float] = (1.0, 1.0),
    level: float = 0.95,
    draws: int = 200_000,
    seed: int = 0,
) -> BayesReadout:
    """Bayesian readout of conversion rates: independent ``Beta(a + s, b + n − s)`` posteriors.

    Args:
        successes, trials: per arm counts ``s_k ≤ n_k`` (the sufficient statistics).
        labels: one name per arm; control: its index or label.
        prior: ``(a, b)`` of the common Beta prior; the default is uniform, ``(0.5, 0.5)`` is
            Jeffreys'.
        level: credible level of the equal-tailed intervals.
        draws, seed: Monte Carlo draws per arm and their seed.

    Exact: arm means and intervals (the Beta quantile function); lift means
    (``E[θ_v] − E[θ_c]``); the relative-lift mean (``E[θ_v] (a_c + b_c − 1)/(a_c − 1) − 1``);
    ``P(θ_v > θ_c)`` by Evan Miller's (2015) finite sum, and the pairwise expected loss
    ``E[max(θ_c − θ_v, 0)]`` from the same sum (Stucchio 2015) — both need an integer posterior
    parameter (integer prior) and at most :data:`EXACT_MAX_TERMS` terms (the smallest of
    ``a + s``, ``b + n − s`` over the pair), else Monte Carlo. With two arms ``P(best)`` and the
    arm expected losses follow from these. Monte Carlo: the lift and relative-lift intervals and,
    with three or more arms, ``P(best)`` and the expected loss against the best arm.
    """
    s = _vector("successes", successes)
    n = _vector("trials", trials)
    if s.shape != n.shape:
        raise MethodError(f"successes and trials must have one count per arm, got {s.size} and {n.size}")
    c = _check_common(s.size, labels, control, level, draws, seed)
    if np.any(s < 0) or np.any(n < 0):
        raise MethodError("successes and trials must be >= 0")
    if np.any(s != np.round(s)) or np.any(n != np.round(n)):
        raise MethodError("successes and trials must be whole numbers")
    if np.any(s > n):
        bad = labels[int(np.argmax(s > n))]
        raise MethodError(f"arm {bad!r}: successes exceed trials")
    try:
        a0, b0 = (float(p) for p in prior)
    except (TypeError, ValueError):
        raise MethodError(f"prior must be two numbers (a, b) > 0, got {prior!r}") from None
    if not (math.isfinite(a0) and math.isfinite(b0) and a0 > 0 and b0 > 0):
        raise MethodError(f"prior must be two numbers (a, b) > 0, got {prior!r}")
    arms = _BetaArms(a=a0 + s, b=b0 + (n - s))
    return _readout("beta_binomial", arms, (a0, b0), tuple(labels), c, level, int(draws), int(seed))


def normal_means(
    means: ArrayLike,
    variances: ArrayLike,
    *,
    labels: Sequence[str],
    control: int | str = 0,
    level: float = 0.95,
    draws: int = 200_000,
    seed: int = 0,
) -> BayesReadout:
    """Bayesian readout of means: with a flat prior, ``θ_k | data ≈ N(x̄_k, v_k)``.

    Args:
        means: per arm sample means ``x̄_k`` (or CUPED / regression-adjusted means).
        variances: the sampling variances of those means, ``v_k = s_k² / n_k`` (or the variance
            of the adjusted mean) — not the variance of the outcome.
        labels, control, level, draws, seed: as in :func:`beta_binomial`.

    The normal posterior is the large-sample posterior under a flat prior (Gelman et al. 2013,
    BDA3 §3.2; Deng 2015). Exact: arm and absolute-lift means and intervals
    (``θ_v − θ_c ~ N(Δ, σ²)``, ``σ² = v_v + v_c``), ``P(θ_v > θ_c) = Φ(Δ/σ)`` and the expected
    loss ``E[max(θ_c − θ_v, 0)] = σ φ(Δ/σ) − Δ Φ(−Δ/σ)``; with two arms ``P(best)`` and the arm
    expected losses follow. Monte Carlo: the relative lift (mean and interval; a ratio of normals
    has no mean, so it is reported only when the control's posterior puts less than 0.1% on the
    other side of zero, else ``None``) and, with three or more arms, ``P(best)`` and the expected
    loss against the best arm.
    """
    mu = _vector("means", means)
    v = _vector("variances", variances)
    if mu.shape != v.shape:
        raise MethodError(f"means and variances must have one value per arm, got {mu.size} and {v.size}")
    c = _check_common(mu.size, labels, control, level, draws, seed)
    if np.any(v <= 0):
        bad = labels[int(np.argmax(v <= 0))]
        raise MethodError(f"arm {bad!r}: variance of the mean must be > 0")
    arms = _NormalArms(mu=mu, sd=np.sqrt(v))
    return _readout("normal", arms, None, tuple(labels), c, level, int(draws), int(seed))


# -------------------------------------------------------------------------------------- the work
class _Ledger:
    """Records, per quantity, whether it came out exact, by Monte Carlo, or both (mixed)."""

    def __init__(self) -> None:
        self.seen: dict[str, set[str]] = {}

    def note(self, key: str, exact: bool) -> None:
        self.seen.setdefault(key, set()).add("exact" if exact else "monte_carlo")

    def result(self) -> dict[str, str]:
        return {k: (next(iter(v)) if len(v) == 1 else "mixed") for k, v in self.seen.items()}


def _readout(
    model: str, arms: _Arms, prior: tuple[float, float] | None, labels: tuple[str, ...], c: int,
    level: float, draws: int, seed: int,
) -> BayesReadout:
    k = len(labels)
    lo, hi = (1.0 - level) / 2.0, (1.0 + level) / 2.0
    streams = np.random.SeedSequence(seed).spawn(k)
    ledger = _Ledger()

    def draw(j: int) -> np.ndarray:
        return arms.sample(j, np.random.default_rng(streams[j]), draws)

    control_draws = draw(c)
    comparisons = []
    gain_over_control: dict[int, float] = {}  # E[max(θ_v − θ_c, 0)], for the two-arm case
    for v in range(k):
        if v == c:
            continue
        vd = draw(v)
        p = arms.prob_greater(v, c)
        ledger.note("prob_better", p is not None)
        if p is None:
            p = float(np.mean(vd > control_draws))
        loss = arms.expected_gain(c, v)
        gain = arms.expected_gain(v, c)
        ledger.note("comparison_loss", loss is not None)
        diff = vd - control_draws
        if loss is None or gain is None:
            loss = float(np.mean(np.maximum(-diff, 0.0)))
            gain = float(np.mean(np.maximum(diff, 0.0)))
        gain_over_control[v] = gain
        ci = arms.diff_interval(v, c, lo, hi)
        ledger.note("lift_mean", True)
        ledger.note("lift_ci", ci is not None)
        if ci is None:
            q = np.quantile(diff, [lo, hi])
            ci = (float(q[0]), float(q[1]))
        absolute = PosteriorSummary(mean=arms.mean(v) - arms.mean(c), ci=ci)
        del diff
        relative = None
        if arms.relative_defined(c):
            rel = vd / control_draws - 1.0
            rmean = arms.relative_mean(v, c)
            ledger.note("relative_mean", rmean is not None)
            ledger.note("relative_ci", False)
            if rmean is None:
                rmean = float(np.mean(rel))
            q = np.quantile(rel, [lo, hi])
            relative = PosteriorSummary(mean=rmean, ci=(float(q[0]), float(q[1])))
        comparisons.append(LiftPosterior(
            variant=labels[v], control=labels[c], absolute=absolute, relative=relative,
            prob_better=p, expected_loss=loss,
        ))
    del control_draws

    if k == 2:
        v = 1 - c
        p_v = comparisons[0].prob_better
        prob_best = np.empty(2)
        loss = np.empty(2)
        prob_best[v], prob_best[c] = p_v, 1.0 - p_v
        loss[v], loss[c] = comparisons[0].expected_loss, gain_over_control[v]
        exact = ledger.seen["prob_better"] == {"exact"} and ledger.seen["comparison_loss"] == {"exact"}
        ledger.note("prob_best", exact)
        ledger.note("expected_loss", exact)
    else:
        prob_best, loss = _best_by_monte_carlo(arms, k, draws, streams)
        ledger.note("prob_best", False)
        ledger.note("expected_loss", False)
    ledger.note("arm_ci", True)

    arm_results = tuple(
        ArmPosterior(label=labels[j], mean=arms.mean(j), ci=arms.interval(j, lo, hi),
                     prob_best=float(prob_best[j]), expected_loss=float(loss[j]))
        for j in range(k)
    )
    return BayesReadout(
        model=model, control=labels[c], prior=prior, level=float(level), draws=draws, seed=seed,
        arms=arm_results, comparisons=tuple(comparisons), computed=ledger.result(),
    )


def _best_by_monte_carlo(
    arms: _Arms, k: int, draws: int, streams: list[np.random.SeedSequence]
) -> tuple[np.ndarray, np.ndarray]:
    """``P(θ_j = max)`` and ``E[max − θ_j]`` from ``draws`` joint draws, in bounded blocks.

    Each arm's stream restarts from its seed, so these are the same draws as the comparisons use.
    """
    gens = [np.random.default_rng(s) for s in streams]
    block = max(1, min(draws, _BLOCK // k))
    wins = np.zeros(k, dtype=np.int64)
    shortfall = np.zeros(k)
    done = 0
    while done < draws:
        m = min(block, draws - done)
        x = np.empty((k, m))
        for j in range(k):
            x[j] = arms.sample(j, gens[j], m)
        wins += np.bincount(np.argmax(x, axis=0), minlength=k)
        shortfall += (x.max(axis=0) - x).sum(axis=1)
        done += m
    return wins / draws, shortfall / draws
