"""``plan``: sample size, minimum detectable effect or power of a randomized A/B/n test.

Of the three (effect, users per arm, power) give two and ``plan`` solves for the third, for a
fixed-horizon test or for a sequential one (group-sequential alpha spending, or an always-valid
confidence sequence).

Fixed-horizon power of one variant (``n1`` users, mean ``mu0 + d``) against control (``n0`` users,
mean ``mu0``) at per-comparison level ``alpha``, with ``s`` = 1 or 2 sides:

* **proportion** -- the two-proportion z-test, pooled variance under H0 and unpooled under H1
  (Fleiss, Levin & Paik 2003, ch. 4)::

      power = Phi((d - z_{1-alpha/s} sd0) / sd1) [+ Phi((-d - z_{1-alpha/s} sd0) / sd1) if s = 2]
      sd0**2 = pbar (1 - pbar) (1/n1 + 1/n0),  pbar = (n1 p1 + n0 p0) / (n1 + n0)
      sd1**2 = p1 (1 - p1) / n1 + p0 (1 - p0) / n0

  as ``statsmodels.stats.proportion.power_proportions_2indep``;
* **mean** -- the two-sample t-test with equal variances (Cohen 1988, ch. 2): noncentral t with
  ``n1 + n0 - 2`` degrees of freedom and noncentrality ``d / sd * sqrt(n1 n0 / (n1 + n0))``, as
  ``statsmodels.stats.power.TTestIndPower``.

Variance reduction (CUPED, Deng, Xu, Kohavi & Walker 2013) multiplies every variance by
``1 - variance_reduction`` (``= 1 - rho**2`` for a pre-period covariate correlated ``rho`` with the
outcome). Several variants are each compared with control at ``alpha / variants`` under
Bonferroni, and under Holm (1979) too: Holm's first step is Bonferroni, so that is the conservative
plan for it.

Sequential plans map the fixed-horizon power onto the drift of the canonical Brownian motion: a
sample with one-tail fixed-horizon power ``p`` has drift ``delta = z_{1-alpha/s} + z_p``, and the
sequential power is the probability that ``Z_t = (delta t + W_t) / sqrt(t)`` crosses the boundary
(:mod:`truelift.experiment.group_sequential`). The maximum sample size is therefore the fixed one
inflated by ``R = (delta_seq / delta_fixed)**2`` (Jennison & Turnbull 2000, ch. 2). For
``"always-valid"`` the boundary is the normal-mixture confidence sequence (Johari, Koomen, Pekelis
& Walsh 2022; Howard, Ramdas, McAuliffe & Sekhon 2021) tuned to be tightest at the maximum sample
size, ``c(t) = halfwidth(v_N / t) / sqrt(v_N / t)``, and continuous monitoring is approximated by
200 equally spaced looks.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from scipy.optimize import brentq
from scipy.special import nctdtr, ndtr, ndtri, stdtrit

from truelift.errors import MethodError, boundary
from truelift.experiment.always_valid import halfwidth, optimal_tau2
from truelift.experiment.group_sequential import (
    Boundaries,
    boundaries,
    crossing_probabilities,
    drift_for_power,
    fixed_drift,
)
from truelift.schema import (
    Analysis,
    Diagnostic,
    Estimate,
    Figure,
    Provenance,
    Status,
    Table,
    Verdict,
    make_provenance,
)
from truelift.schema.rules import MIN_DAYS, MIN_EVENTS, POWER_FAIL, POWER_WARN
from truelift.schema.values import _ToDict

METRICS: tuple[str, ...] = ("proportion", "mean")
CORRECTIONS: tuple[str, ...] = ("holm", "bonferroni", "none")
SEQUENTIAL: tuple[str, ...] = ("obrien-fleming", "pocock", "always-valid")
ALWAYS_VALID_LOOKS = 200
"""Equally spaced looks that stand in for continuous monitoring of an always-valid test."""

_MAX_TOTAL = 1e13


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SequentialPlan(_ToDict):
    """The sequential part of a plan.

    Attributes:
        kind: ``"obrien-fleming"``, ``"pocock"`` (Lan-DeMets spending) or ``"always-valid"``.
        looks: planned equally spaced looks (for ``"always-valid"``: the looks that approximate
            continuous monitoring).
        boundaries: z boundaries per look (group-sequential only).
        z_final: the critical |z| at the maximum sample size.
        tau2: mixing variance of the confidence sequence, in squared units of the lift, tightest
            at the planned maximum (always-valid only; pass it to the readout).
        inflation: ``R``, maximum over fixed-horizon sample size at the plan's power.
        drift: ``theta / se`` at the maximum sample size for the planned effect.
        fixed_n_per_arm, fixed_n_total: a fixed-horizon test at the same effect and power.
        expected_n_total_h0, expected_n_total_h1: expected users when stopping at the first
            crossing, with no effect and with the planned effect.
        expected_days_h0, expected_days_h1: the same in days (``None`` without daily traffic).
    """

    kind: str
    looks: int
    boundaries: Boundaries | None
    z_final: float
    tau2: float | None
    inflation: float
    drift: float
    fixed_n_per_arm: tuple[int, ...]
    fixed_n_total: int
    expected_n_total_h0: float
    expected_n_total_h1: float
    expected_days_h0: float | None
    expected_days_h1: float | None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class Plan(Analysis):
    """Result of :func:`plan`: the inputs, the solved quantity and what it means in users and days.

    ``solved_for`` is ``"n_per_arm"``, ``"mde"`` or ``"power"``. ``n_per_arm`` (control first, as
    ``arms``) is what the test commits to: the fixed-horizon size, or the maximum of a sequential
    test; ``n_per_arm_exact`` is the continuous solution before rounding up. ``power`` is the
    power of the weakest variant-vs-control comparison at that size (``power_per_variant`` lists
    each; ``power_target`` is the power asked for, ``None`` when solved for). ``mde`` is the
    absolute lift every comparison detects with that power, ``mde_relative`` the same over the
    baseline (``None`` when the baseline is 0), ``mean_treated = baseline + mde``.
    ``alpha_per_comparison`` is the level each comparison is tested at after the correction;
    ``duration_days`` the days ``n_total`` takes at ``daily_traffic``. ``notes`` are the plain
    assumptions behind the numbers.
    """

    kind: ClassVar[str] = "plan"

    metric: str
    solved_for: str
    baseline: float
    sd: float | None
    sided: int
    alpha: float
    correction: str
    alpha_per_comparison: float
    variants: int
    arms: tuple[str, ...]
    split: tuple[float, ...]
    variance_reduction: float
    n_per_arm: tuple[int, ...]
    n_per_arm_exact: tuple[float, ...]
    n_total: int
    power: float
    power_target: float | None
    power_per_variant: tuple[float, ...]
    mde: float
    mde_relative: float | None
    mean_treated: float
    daily_traffic: float | None
    duration_days: int | None
    sequential: SequentialPlan | None
    notes: tuple[str, ...]
    provenance: Provenance
    diagnostics: tuple[Diagnostic, ...] = ()
    verdict: Verdict | None = None


    def _title(self) -> str:
        return f"Sample-size plan ({self.metric} metric, solved for {self.solved_for})"

    def _estimates(self) -> tuple[Estimate, ...]:
        """A plan estimates no effect: none."""
        return ()

    def _tables(self) -> tuple[Table, ...]:
        out = [Table(name="arms", title="Users per arm",
                     columns=("arm", "split", "users", "users_exact"),
                     rows=tuple(zip(self.arms, self.split, self.n_per_arm, self.n_per_arm_exact,
                                    strict=True))),
               Table(name="power", title="Power of every comparison with control",
                     columns=("variant", "power"),
                     rows=tuple(zip(self.arms[1:], self.power_per_variant, strict=True)))]
        b = self.sequential.boundaries if self.sequential is not None else None
        if b is not None:
            out.append(Table(name="boundaries", title="Stopping boundaries at every look",
                             columns=("look", "information", "z", "alpha_spent", "nominal_p"),
                             rows=tuple((k + 1, f, z, a, p) for k, (f, z, a, p) in enumerate(
                                 zip(b.fractions, b.z, b.alpha_spent, b.nominal_p, strict=True)))))
        return tuple(out)

    def _figures(self) -> tuple[Figure, ...]:
        b = self.sequential.boundaries if self.sequential is not None else None
        if b is None:
            return ()
        return (Figure(name="boundaries", kind="series", title="Stopping boundary at every look",
                       data={"x": list(b.fractions), "lines": {"|z| to stop": list(b.z)}},
                       xlabel="information fraction", ylabel="|z| to stop"),)


def plan_diagnostics(*, metric: str, baseline: float, mde: float, power: float,
                     power_target: float | None, n_per_arm: Sequence[int],
                     duration_days: int | None) -> tuple[Diagnostic, ...]:
    """The checks of a plan: its power, the z-test's normal approximation (proportions) and
    its duration (see :data:`POWER_WARN`, :data:`POWER_FAIL`, :data:`MIN_EVENTS`,
    :data:`MIN_DAYS` for the thresholds and where they come from)."""
    out = []
    status = (Status.OK if power >= POWER_WARN - 1e-12 else
              Status.WARN if power >= POWER_FAIL else Status.FAIL)
    what = ("the power asked for" if power_target is not None and power >= power_target - 1e-9
            else "the power this plan has")
    message = {
        Status.OK: f"{what}, {power:.1%}, is at least the conventional {POWER_WARN:.0%}",
        Status.WARN: f"the test finds an effect of the MDE only {power:.1%} of the time (below "
                     f"the conventional {POWER_WARN:.0%}): a real effect may well be missed",
        Status.FAIL: f"the test finds an effect of the MDE only {power:.1%} of the time: it is "
                     "more likely to miss the effect than to find it; plan more users or a larger MDE",
    }[status]
    out.append(Diagnostic(name="power", value=power, threshold=POWER_WARN, status=status,
                          message=message))
    if metric == "proportion":
        rates = [baseline, min(max(baseline + mde, 0.0), 1.0)]
        events = min(min(n * p, n * (1.0 - p)) for n in n_per_arm for p in rates)
        ok = events >= MIN_EVENTS
        out.append(Diagnostic(
            name="expected_events", value=events, threshold=MIN_EVENTS,
            status=Status.OK if ok else Status.WARN,
            message=(f"every arm expects at least {events:,.0f} events and non-events, enough "
                     "for the z-test's normal approximation" if ok else
                     f"an arm expects only {events:,.1f} events or non-events (fewer than "
                     f"{MIN_EVENTS}): the z-test's normal approximation is poor; plan more users")))
    if duration_days is not None:
        ok = duration_days >= MIN_DAYS
        out.append(Diagnostic(
            name="duration", value=float(duration_days), threshold=MIN_DAYS,
            status=Status.OK if ok else Status.WARN,
            message=(f"the test runs {duration_days} days, at least a full week" if ok else
                     f"the test runs only {duration_days} day{'' if duration_days == 1 else 's'}: "
                     "weekday and weekend users "
                     "differ, so run at least a full week")))
    return tuple(out)


def plan_verdict(diagnostics: Sequence[Diagnostic]) -> Verdict:
    """The worst status of the plan's checks, with a headline in the words of a plan."""
    base = Verdict.from_diagnostics(tuple(diagnostics), subject="Plan")
    headline = {
        Status.OK: "Plan: PASS. The test has the power it needs and every check is within its "
                   "threshold.",
        Status.WARN: "Plan: WARN. The test can run, but read the reasons below first.",
        Status.FAIL: "Plan: FAIL. Do not run this test as planned; the reasons are below.",
    }[Status(base.status)]
    return Verdict(status=base.status, headline=headline, reasons=base.reasons)


# --------------------------------------------------------------------------- fixed-horizon power


@dataclasses.dataclass(frozen=True, slots=True)
class _Test:
    metric: str
    baseline: float
    sd: float | None
    alpha: float
    sided: int
    shrink: float  # 1 - variance_reduction

    def power(self, d: float, n1: float, n0: float, *, both_tails: bool = True) -> float:
        """Fixed-horizon power at lift ``d`` with ``n1`` treated and ``n0`` control users."""
        a = self.alpha / self.sided
        two = both_tails and self.sided == 2
        if self.metric == "proportion":
            p0, p1 = self.baseline, self.baseline + d
            pbar = (n1 * p1 + n0 * p0) / (n1 + n0)
            sd0 = math.sqrt(self.shrink * pbar * (1.0 - pbar) * (1.0 / n1 + 1.0 / n0))
            sd1 = math.sqrt(self.shrink * (p1 * (1.0 - p1) / n1 + p0 * (1.0 - p0) / n0))
            crit = float(ndtri(1.0 - a))
            out = ndtr((d - crit * sd0) / sd1) + (ndtr((-d - crit * sd0) / sd1) if two else 0.0)
        else:
            assert self.sd is not None
            df = n1 + n0 - 2.0
            nc = d / (self.sd * math.sqrt(self.shrink)) * math.sqrt(n1 * n0 / (n1 + n0))
            crit = float(stdtrit(df, 1.0 - a))
            near = 1.0 - float(nctdtr(df, nc, crit))
            far = float(nctdtr(df, nc, -crit)) if two else 0.0
            # the noncentral t cdf returns NaN deep in a tail; there the tail is ~0 (or ~1)
            near = near if math.isfinite(near) else float(ndtr(nc - crit))
            out = near + (far if math.isfinite(far) else 0.0)
        return float(out)

    def d_max(self) -> float:
        return 1.0 - self.baseline - 1e-9 if self.metric == "proportion" else math.inf

    def se(self, d: float, n1: float, n0: float) -> float:
        """Standard error of the lift under the alternative."""
        if self.metric == "proportion":
            p0, p1 = self.baseline, self.baseline + d
            return math.sqrt(self.shrink * (p1 * (1.0 - p1) / n1 + p0 * (1.0 - p0) / n0))
        assert self.sd is not None
        return self.sd * math.sqrt(self.shrink * (1.0 / n1 + 1.0 / n0))


def _solve_total(test: _Test, d: float, power: float, s1: float, s0: float, both: bool) -> float:
    """Total users ``N`` at which the comparison with shares ``s1``, ``s0`` has ``power``."""
    def gap(n: float) -> float:
        return test.power(d, s1 * n, s0 * n, both_tails=both) - power

    lo = 2.0 / min(s1, s0)
    if gap(lo) >= 0.0:
        return lo
    hi = lo
    while gap(hi) < 0.0:
        lo, hi = hi, hi * 4.0
        if hi > _MAX_TOTAL:
            raise MethodError("the effect is too small to reach that power with fewer than 1e13 users")
    return float(brentq(gap, lo, hi, xtol=1e-10, rtol=1e-13, maxiter=500))


def _solve_mde(test: _Test, power: float, n1: float, n0: float, both: bool) -> float:
    """Smallest positive lift with ``power`` at ``n1``, ``n0`` users."""
    def gap(d: float) -> float:
        return test.power(d, n1, n0, both_tails=both) - power

    scale = test.se(0.0, n1, n0)
    lo, hi = scale * 1e-6, min(scale, test.d_max())
    if gap(lo) >= 0.0:
        raise MethodError("power must exceed alpha per comparison")
    while gap(hi) < 0.0:
        lo, hi = hi, min(hi * 2.0, test.d_max())
        if hi == lo:
            raise MethodError("no lift the metric allows reaches that power with these users")
    return float(brentq(gap, lo, hi, xtol=1e-14, rtol=1e-13, maxiter=500))


# --------------------------------------------------------------------------- sequential pieces


@functools.lru_cache(maxsize=32)
def _sequential_boundary(kind: str, looks: int, alpha: float, sided: int) -> tuple[
        tuple[float, ...], tuple[float, ...], Boundaries | None, float | None]:
    """(z per look, fractions, Boundaries or None, tau2 per unit variance or None)."""
    if kind == "always-valid":
        t = np.arange(1, ALWAYS_VALID_LOOKS + 1) / ALWAYS_VALID_LOOKS
        r = optimal_tau2(1.0, alpha)  # tau2 / v_N
        z = halfwidth(1.0 / t, alpha, r) * np.sqrt(t)
        return tuple(map(float, z)), tuple(map(float, t)), None, r
    b = boundaries(looks, alpha=alpha, kind=kind, sided=sided)
    return b.z, b.fractions, b, None


@functools.lru_cache(maxsize=64)
def _sequential_drift(kind: str, looks: int, alpha: float, sided: int, power: float) -> float:
    z, t, _, _ = _sequential_boundary(kind, looks, alpha, sided)
    return drift_for_power(z, t, power, sided=sided, alpha=alpha)


# --------------------------------------------------------------------------- the entry


@boundary
def plan(metric: str = "proportion", *, baseline: float, sd: float | None = None,
         mde: float | None = None, relative: bool = False,
         n_per_arm: int | Sequence[int] | None = None, power: float | None = None,
         alpha: float = 0.05, variants: int = 1, split: Sequence[float] | None = None,
         sided: int = 2, correction: str = "holm", daily_traffic: float | None = None,
         sequential: str | None = None, looks: int = 5, variance_reduction: float = 0.0) -> Plan:
    """Plan a randomized test: solve for the users, the detectable lift or the power.

    Give two of ``mde``, ``n_per_arm`` and ``power`` (``power`` defaults to 0.8 unless both others
    are given) and the third is solved for; see the module docstring for the formulas.

    Args:
        metric: ``"proportion"`` (a conversion rate) or ``"mean"``.
        baseline: control conversion rate (in (0, 1)) or control mean.
        sd: the outcome's standard deviation (means only).
        mde: smallest lift worth detecting, absolute, or relative to ``baseline`` when
            ``relative`` (0.05 = +5%).
        n_per_arm: users per arm: one number for every arm, or one per arm, control first (which
            then sets the split). For a sequential test, the maximum.
        power: probability of detecting ``mde`` (per variant-vs-control comparison).
        alpha: family-wise type-I error; ``sided``: 1 (an increase) or 2.
        variants: treatment arms besides control; ``correction``: ``"holm"``, ``"bonferroni"``
            (both plan each comparison at ``alpha / variants``) or ``"none"``.
        split: share of traffic per arm, control first (default equal).
        daily_traffic: eligible users per day over all arms, for the duration.
        sequential: ``None`` (fixed horizon), ``"obrien-fleming"`` or ``"pocock"`` (Lan-DeMets
            spending with ``looks`` equally spaced looks) or ``"always-valid"`` (two-sided only).
        variance_reduction: expected CUPED variance reduction ``1 - rho**2``, in [0, 1).

    Sample sizes are the continuous solution rounded up per arm (``ceil(share * N)``), so the
    power reached is at least the target.
    """
    test, shares, n_given, d_given, notes = _validate(
        metric, baseline, sd, mde, relative, n_per_arm, power, alpha, variants, split, sided,
        correction, daily_traffic, sequential, looks, variance_reduction)
    solved_for = "power" if (d_given is not None and n_given is not None) else (
        "n_per_arm" if n_given is None else "mde")
    target = None if solved_for == "power" else (0.8 if power is None else float(power))
    s0, s_var = shares[0], shares[1:]
    seq_kind = sequential
    seq_looks = ALWAYS_VALID_LOOKS if seq_kind == "always-valid" else looks
    crit = float(ndtri(1.0 - test.alpha / sided))

    def seq_power(d: float, n: Sequence[float]) -> tuple[list[float], list[float]]:
        """Power and drift of each comparison at lift ``d`` with arm sizes ``n``."""
        pw, dr = [], []
        for j in range(1, len(n)):
            one = min(max(test.power(d, n[j], n[0], both_tails=False), 1e-16), 1.0 - 1e-16)
            dr.append(crit + float(ndtri(one)))
            if seq_kind is None:
                pw.append(test.power(d, n[j], n[0]))
            else:
                z, t, _, _ = _sequential_boundary(seq_kind, seq_looks, test.alpha, sided)
                pw.append(crossing_probabilities(z, t, dr[-1], sided=sided).total)
        return pw, dr

    # the fixed-horizon power that a sequential plan needs to reach ``target``
    if seq_kind is not None and target is not None:
        delta_t = _sequential_drift(seq_kind, seq_looks, test.alpha, sided, target)
        fixed_target, both = float(ndtr(delta_t - crit)), False
    else:
        fixed_target, both = (target or 0.0), True

    if solved_for == "n_per_arm":
        assert d_given is not None
        total = max(_solve_total(test, d_given, fixed_target, sj, s0, both) for sj in s_var)
        exact = tuple(float(s * total) for s in shares)
        n_arms = tuple(math.ceil(x - 1e-9) for x in exact)
        d = d_given
    else:
        assert n_given is not None
        n_arms = n_given
        exact = tuple(map(float, n_given))
        if solved_for == "mde":
            d = max(_solve_mde(test, fixed_target, n_arms[j], n_arms[0], both)
                    for j in range(1, len(n_arms)))
        else:
            assert d_given is not None
            d = d_given
    powers, drifts = seq_power(d, n_arms)
    weakest = int(np.argmin(powers))
    n_total = int(sum(n_arms))
    duration = None if daily_traffic is None else math.ceil(n_total / daily_traffic - 1e-9)

    diags = plan_diagnostics(metric=test.metric, baseline=float(baseline), mde=float(d),
                             power=float(powers[weakest]), power_target=target, n_per_arm=n_arms,
                             duration_days=duration)
    seq_plan = None
    if seq_kind is not None:
        seq_plan = _sequential_plan(test, seq_kind, seq_looks, sided, d, powers[weakest],
                                    drifts[weakest], n_arms, shares, s_var[weakest], daily_traffic)
        notes.append(_sequential_note(seq_kind, seq_looks))
    if solved_for == "n_per_arm":
        notes.append("Users per arm are the continuous solution rounded up (ceil(share x N)), so "
                     "the power reached is at least the target.")
    params = {"metric": metric, "baseline": baseline, "sd": sd, "mde": mde, "relative": relative,
              "n_per_arm": None if n_per_arm is None else (
                  int(n_per_arm) if np.isscalar(n_per_arm) else [int(x) for x in n_per_arm]),
              "power": power, "alpha": alpha, "variants": variants,
              "split": None if split is None else [float(x) for x in split], "sided": sided,
              "correction": correction, "daily_traffic": daily_traffic, "sequential": sequential,
              "looks": looks, "variance_reduction": variance_reduction}
    return Plan(
        metric=metric, solved_for=solved_for, baseline=float(baseline),
        sd=None if sd is None else float(sd), sided=sided, alpha=float(alpha),
        correction=correction, alpha_per_comparison=test.alpha, variants=variants,
        arms=("control", *(f"variant_{j}" for j in range(1, variants + 1))),
        split=tuple(float(s) for s in shares), variance_reduction=float(variance_reduction),
        n_per_arm=tuple(int(n) for n in n_arms), n_per_arm_exact=exact, n_total=n_total,
        power=float(powers[weakest]), power_target=target,
        power_per_variant=tuple(float(p) for p in powers), mde=float(d),
        mde_relative=None if baseline == 0 else float(d / baseline),
        mean_treated=float(baseline + d),
        daily_traffic=None if daily_traffic is None else float(daily_traffic),
        duration_days=duration, sequential=seq_plan, notes=tuple(notes),
        provenance=make_provenance(parameters=params, seed=None,
                              rows_read=0, rows_used=0, source="plan"),
        diagnostics=diags, verdict=plan_verdict(diags))


def _sequential_plan(test: _Test, kind: str, looks: int, sided: int, d: float, power: float,
                     drift: float, n_arms: tuple[int, ...], shares: tuple[float, ...],
                     s1: float, daily: float | None) -> SequentialPlan:
    z, t, bounds, r = _sequential_boundary(kind, looks, test.alpha, sided)
    h1 = crossing_probabilities(z, t, drift, sided=sided).expected_fraction
    h0 = crossing_probabilities(z, t, 0.0, sided=sided).expected_fraction
    n_total = sum(n_arms)
    fixed_pw = min(max(power, test.alpha / sided + 1e-9), 1.0 - 1e-12)
    total = _solve_total(test, d, fixed_pw, s1, shares[0], True)
    fixed = tuple(math.ceil(s * total - 1e-9) for s in shares)
    tau2 = None
    if r is not None:  # tau2 in units of the lift: r times the variance at the maximum size
        v_n = max(test.se(d, n_arms[j], n_arms[0]) ** 2 for j in range(1, len(n_arms)))
        tau2 = float(r * v_n)
    return SequentialPlan(
        kind=kind, looks=looks, boundaries=bounds, z_final=float(z[-1]), tau2=tau2,
        inflation=float((drift / fixed_drift(test.alpha, fixed_pw, sided)) ** 2), drift=float(drift),
        fixed_n_per_arm=fixed, fixed_n_total=int(sum(fixed)),
        expected_n_total_h0=float(h0 * n_total), expected_n_total_h1=float(h1 * n_total),
        expected_days_h0=None if daily is None else float(h0 * n_total / daily),
        expected_days_h1=None if daily is None else float(h1 * n_total / daily))


def _sequential_note(kind: str, looks: int) -> str:
    if kind == "always-valid":
        return (f"Always-valid: the normal-mixture confidence sequence may be checked at any time; "
                f"power and expected users are computed with {looks} equally spaced looks, so "
                "continuous checking stops a little sooner and has slightly more power.")
    return (f"Group-sequential ({kind} spending, {looks} equally spaced looks): stop at the first "
            "look whose |z| reaches its boundary; the maximum users are the fixed-horizon users "
            "times the inflation factor.")


def _check_number(name: str, value: Any) -> None:
    """A one-line error when ``value`` is given but is not a real number (e.g. the text "0.1")."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise MethodError(f"{name} must be a number, got {value!r} ({type(value).__name__})")


def _validate(metric: str, baseline: float, sd: float | None, mde: float | None, relative: bool,
              n_per_arm: Any, power: float | None, alpha: float, variants: int,
              split: Sequence[float] | None, sided: int, correction: str,
              daily_traffic: float | None, sequential: str | None, looks: int,
              variance_reduction: float) -> tuple[_Test, tuple[float, ...], tuple[int, ...] | None,
                                                  float | None, list[str]]:
    if metric not in METRICS:
        raise MethodError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
    for name, value in (("baseline", baseline), ("sd", sd), ("mde", mde), ("power", power),
                        ("alpha", alpha), ("daily_traffic", daily_traffic),
                        ("variance_reduction", variance_reduction)):
        _check_number(name, value)
    for value in (n_per_arm if isinstance(n_per_arm, (list, tuple)) else [n_per_arm]):
        if value is not None and (isinstance(value, bool)
                                  or not isinstance(value, (int, float, np.integer, np.floating))):
            raise MethodError(f"n_per_arm must be a number of users (or one per arm), got "
                              f"{value!r} ({type(value).__name__})")
    if not math.isfinite(baseline):
        raise MethodError(f"baseline must be finite, got {baseline!r}")
    if metric == "proportion":
        if not (0.0 < baseline < 1.0):
            raise MethodError(f"baseline must be a rate in (0, 1) for a proportion, got {baseline!r}")
        if sd is not None:
            raise MethodError("sd is only for metric='mean'; a proportion's variance follows from it")
    elif sd is None or not (math.isfinite(sd) and sd > 0.0):
        raise MethodError(f"metric='mean' needs sd > 0 (the outcome's standard deviation), got {sd!r}")
    if sided not in (1, 2):
        raise MethodError(f"sided must be 1 or 2, got {sided!r}")
    if not (0.0 < alpha < 0.5):
        raise MethodError(f"alpha must be in (0, 0.5), got {alpha!r}")
    if not (isinstance(variants, (int, np.integer)) and variants >= 1):
        raise MethodError(f"variants must be an integer >= 1, got {variants!r}")
    if correction not in CORRECTIONS:
        raise MethodError(f"correction must be one of {', '.join(CORRECTIONS)}, got {correction!r}")
    if not (0.0 <= variance_reduction < 1.0):
        raise MethodError(f"variance_reduction must be in [0, 1), got {variance_reduction!r}")
    if daily_traffic is not None and not (math.isfinite(daily_traffic) and daily_traffic > 0):
        raise MethodError(f"daily_traffic must be > 0, got {daily_traffic!r}")
    if sequential is not None and sequential not in SEQUENTIAL:
        raise MethodError(f"sequential must be None or one of {', '.join(SEQUENTIAL)}, got {sequential!r}")
    if sequential == "always-valid" and sided != 2:
        raise MethodError("sequential='always-valid' is a two-sided confidence sequence; use sided=2")
    if sequential in ("obrien-fleming", "pocock") and not (isinstance(looks, (int, np.integer))
                                                           and looks >= 1):
        raise MethodError(f"looks must be an integer >= 1, got {looks!r}")
    given = [x is not None for x in (mde, n_per_arm, power)]
    if all(given):
        raise MethodError("mde, n_per_arm and power are all given; leave one out to solve for it")
    if mde is None and n_per_arm is None:
        raise MethodError("give mde (to solve for users), n_per_arm (to solve for mde), or both (for power)")
    arms = variants + 1

    n_given = None
    if n_per_arm is not None:
        raw = [n_per_arm] * arms if np.isscalar(n_per_arm) else list(n_per_arm)
        if len(raw) != arms:
            raise MethodError(f"n_per_arm has {len(raw)} counts but there are {arms} arms (control first)")
        if not all(float(x).is_integer() and x >= 2 for x in raw):
            raise MethodError("n_per_arm must be whole numbers >= 2")
        n_given = tuple(int(x) for x in raw)
        if split is not None and not np.isscalar(n_per_arm):
            raise MethodError("give split or one n_per_arm per arm, not both")
        if split is not None and len(set(n_given)) == 1 and len({round(s, 9) for s in split}) > 1:
            raise MethodError("an unequal split needs n_per_arm given per arm (control first)")
    if n_given is not None and not np.isscalar(n_per_arm):
        shares = tuple(n / sum(n_given) for n in n_given)
    elif split is not None:
        shares = tuple(float(s) for s in split)
        if len(shares) != arms:
            raise MethodError(f"split has {len(shares)} shares but there are {arms} arms (control first)")
        if not all(s > 0.0 for s in shares) or abs(sum(shares) - 1.0) > 1e-6:
            raise MethodError(f"split must be positive shares summing to 1, got {list(shares)}")
    else:
        shares = (1.0 / arms,) * arms

    alpha_pc = alpha / variants if correction != "none" else alpha
    notes = []
    if variants > 1 and correction == "holm":
        notes.append(f"Holm: each comparison is planned at alpha/{variants} = {alpha_pc:.4g}, Holm's "
                     "first (strictest) step; Holm rejects at least what Bonferroni does, so this "
                     "plan is conservative.")
    elif variants > 1 and correction == "bonferroni":
        notes.append(f"Bonferroni: each comparison is tested at alpha/{variants} = {alpha_pc:.4g}.")
    elif variants > 1:
        notes.append("No multiplicity correction: the chance of a false positive in some variant "
                     f"exceeds alpha = {alpha:g}.")
    if power is not None and not (alpha_pc / sided < power < 1.0):
        raise MethodError(f"power must be in (alpha per comparison, 1), got {power!r}")

    d_given = None
    if mde is not None:
        if not (math.isfinite(mde) and mde > 0.0):
            raise MethodError(f"mde must be > 0 (the smallest lift worth detecting), got {mde!r}")
        if relative and not baseline > 0.0:
            raise MethodError("a relative mde needs a baseline > 0")
        d_given = float(mde * baseline) if relative else float(mde)
        if metric == "proportion" and baseline + d_given >= 1.0:
            raise MethodError(f"baseline + mde = {baseline + d_given:g} must stay below 1 for a proportion")
    if metric == "proportion":
        notes.append("Two-proportion z-test: pooled variance under no effect, unpooled under the "
                     "effect (as statsmodels power_proportions_2indep).")
    else:
        notes.append("Two-sample t-test with equal variances (as statsmodels TTestIndPower).")
    if sided == 1:
        notes.append("One-sided: only an increase is tested.")
    if variance_reduction > 0.0:
        notes.append(f"Variances are multiplied by 1 - {variance_reduction:g} (CUPED with a covariate "
                     f"correlated {math.sqrt(variance_reduction):.2f} with the outcome).")
    test = _Test(metric=metric, baseline=float(baseline), sd=None if sd is None else float(sd),
                 alpha=float(alpha_pc), sided=sided, shrink=1.0 - float(variance_reduction))
    return test, shares, n_given, d_given, notes
