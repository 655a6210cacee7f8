"""Funnel decomposition of a randomized test: at which step the lift enters and where it leaks.

Stages are nested 0/1 columns (visit -> view -> cart -> checkout -> purchase): a customer at
stage ``k`` reached stage ``k - 1``. Per arm, the *reach* of stage ``k`` is ``R_k = mean(y_k)``
(share of all customers who got that far) and its *step conversion* is
``s_k = sum(y_k) / sum(y_{k-1})`` (``s_1 = R_1``), so that ``R_K = prod_k s_k``.

Estimands, for each treatment arm ``B`` against control ``A`` (randomization identifies them):

* the final-stage conversion lift ``R_K^B - R_K^A`` (the headline, an ATE on a proportion);
* the step lifts ``s_k^B - s_k^A``, absolute and relative ``s_k^B / s_k^A - 1``;
* the additive log decomposition of the final-stage lift,
  ``ln(R_K^B / R_K^A) = sum_k ln(s_k^B / s_k^A)``, each term a stage's *log contribution*.

Uncertainty: the step estimators are ratio estimators with influence functions
``(y_k - s_k y_{k-1}) / mean(y_{k-1})``; the variance of a step is the delta method on these
(``sum IF^2 / (n (n - 1))``, exactly the randomized readout's ratio metric), that of the first
stage and of the final reach the unpooled Wald variance ``p (1 - p) / n``. In a nested funnel the
step conversions are the conditional probabilities of a sequential (continuation-ratio) model,
whose maximum-likelihood estimates are asymptotically independent (Fienberg 1980, "The Analysis
of Cross-Classified Categorical Data", ch. 6; Agresti 2013, "Categorical Data Analysis", sec.
8.5): the product of the step likelihoods factorises. Here the sample influence functions of
two steps are even exactly orthogonal, so the variance of the sum of log contributions is the
sum of their variances. Step lifts are *conditional* on reaching the previous stage, a
population the variant may change: they locate the lift, they are not effects on a fixed group.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from truelift.errors import DataError, MethodError, boundary
from truelift.impact.result import Figure, ImpactAnalysis, Table, effect_estimate
from truelift.impact.revenue import arm_labels, binary, check_frame, check_level, provenance, two_arm_relative
from truelift.schema import Diagnostic, Estimate, Status, Verdict
from truelift.schema.rules import MIN_REACHED
from truelift.vocabulary import renamed


class _ArmFunnel:
    """One arm: reach, step conversions, their variances (module docstring)."""

    def __init__(self, label: Any, y: np.ndarray, stages: Sequence[str]):
        n = y.shape[0]
        if n < 2:
            raise DataError(stages[0], f"arm {label!r} has {n} customer(s); at least 2 are needed")
        counts = y.sum(axis=0)
        for k, s in enumerate(stages):
            if counts[k] == 0:
                raise DataError(s, f"no customer in arm {label!r} reached this stage; its step conversion "
                                   "and the log decomposition are undefined")
        self.label, self.n, self.counts = label, n, counts
        means = counts / n
        self.reach = means
        self.step = np.empty(len(stages))
        self.step_var = np.empty(len(stages))
        self.step[0] = means[0]
        self.step_var[0] = means[0] * (1.0 - means[0]) / n
        for k in range(1, len(stages)):
            s = counts[k] / counts[k - 1]
            infl = (y[:, k] - s * y[:, k - 1]) / means[k - 1]
            self.step[k] = s
            self.step_var[k] = float(infl @ infl) / (n * (n - 1))
        self.reach_var = means * (1.0 - means) / n


@renamed(variant="treatment")
@boundary
def funnel(data: pd.DataFrame, *, treatment: str, control: Any, stages: Sequence[str],
           level: float = 0.95) -> ImpactAnalysis:
    """Locate the lift of a randomized test along a nested funnel (see the module docstring).

    Args:
        data: one row per customer.
        treatment: the column holding each customer's arm (formerly ``variant``).
        control: the control arm's label; every other label is a treatment arm.
        stages: nested 0/1 stage columns, in funnel order.
        level: confidence level of the intervals.

    Returns:
        ``ImpactAnalysis(design="funnel")``: per treatment arm the final-stage conversion lift
        (headline for the first arm) then the step lifts; table ``funnel``; figures ``reach``
        (reach of each stage by arm) and ``step_lifts`` (bars with intervals).
    """
    variant = treatment  # body names
    from truelift.inference.normal import normal_ci

    check_level(level)
    if isinstance(stages, str) or len(stages) == 0:
        raise MethodError("stages: give a list of the funnel's 0/1 stage columns, in order")
    stages = tuple(stages)
    if len(set(stages)) < len(stages) or variant in stages:
        raise MethodError("stages must be distinct columns, none of them the variant column")
    cols = [variant, *stages]
    check_frame(data, cols)
    for c in cols:
        n_miss = int(data[c].isna().sum())
        if n_miss:
            raise DataError(c, f"{n_miss} missing values; a funnel needs every customer's arm and stages")
    y = np.column_stack([binary(data[s], s, "a funnel stage") for s in stages])
    for k in range(1, len(stages)):
        bad = (y[:, k] == 1) & (y[:, k - 1] == 0)
        if bad.any():
            raise DataError(stages[k], f"is 1 for {int(bad.sum())} customers who did not reach the previous "
                                       f"stage {stages[k - 1]!r}; funnel stages must be nested")
    labels = data[variant]
    control, treated = arm_labels(labels, variant, control)
    lab = labels.to_numpy()
    arms = {a: _ArmFunnel(a, y[lab == a], stages) for a in [control, *treated]}
    a = arms[control]

    estimates: list[Estimate] = []
    rows: list[tuple[Any, ...]] = []
    lift_labels: list[str] = []
    lift_val: list[float] = []
    lift_lo: list[float] = []
    lift_hi: list[float] = []
    notes: list[str] = []
    diags: list[Diagnostic] = []
    last = stages[-1]
    for t in treated:
        b = arms[t]
        head = effect_estimate(outcome=last, estimand="ATE: final-stage conversion", method="funnel",
                               value=b.reach[-1] - a.reach[-1],
                               se=math.sqrt(b.reach_var[-1] + a.reach_var[-1]), level=level,
                               se_kind="unpooled", n_treated=b.n, n_control=a.n, mean_treated=b.reach[-1])
        estimates.append(two_arm_relative(head, b.reach[-1], b.reach_var[-1], a.reach[-1], a.reach_var[-1],
                                          level))
        steps: list[Estimate] = []
        logs, log_vars = [], []
        prefix = f"{t}: " if len(treated) > 1 else ""
        for k, s in enumerate(stages):
            what = s if k == 0 else f"{stages[k - 1]} -> {s}"
            est = effect_estimate(outcome=what, estimand="ATE: step conversion" if k else "ATE: reach",
                                  method="funnel", value=b.step[k] - a.step[k],
                                  se=math.sqrt(b.step_var[k] + a.step_var[k]), level=level,
                                  se_kind="unpooled" if k == 0 else "delta", n_treated=b.n, n_control=a.n,
                                  mean_treated=b.step[k])
            est = two_arm_relative(est, b.step[k], b.step_var[k], a.step[k], a.step_var[k], level)
            steps.append(est)
            lg = math.log(b.step[k] / a.step[k])
            lv = b.step_var[k] / b.step[k] ** 2 + a.step_var[k] / a.step[k] ** 2
            logs.append(lg)
            log_vars.append(lv)
            lci = normal_ci(lg, math.sqrt(lv), level)
            rel = est.relative
            rows.append((str(t), s, a.reach[k], b.reach[k], a.step[k], b.step[k], est.value, est.ci[0],
                         est.ci[1], rel.value if rel else None, rel.ci[0] if rel else None,
                         rel.ci[1] if rel else None, lg, lci[0], lci[1]))
            lift_labels.append(prefix + what)
            lift_val.append(est.value)
            lift_lo.append(est.ci[0])
            lift_hi.append(est.ci[1])
        estimates.extend(steps)
        total, total_se = float(sum(logs)), math.sqrt(sum(log_vars))
        tci = normal_ci(total, total_se, level)
        rows.append((str(t), f"total ({last})", 1.0, 1.0, a.reach[-1], b.reach[-1], head.value, head.ci[0],
                     head.ci[1], head.relative.value if head.relative else None,
                     head.relative.ci[0] if head.relative else None,
                     head.relative.ci[1] if head.relative else None, total, tci[0], tci[1]))
        notes.append(_where(t, stages, steps, head, level))
    for arm in arms.values():
        few = [(s, int(c)) for s, c in zip(stages, arm.counts, strict=True) if c < MIN_REACHED]
        diags.append(Diagnostic(
            name=f"reached[{arm.label}]", value=float(arm.counts.min()), threshold=MIN_REACHED,
            status=Status.WARN if few else Status.OK,
            message=(f"In arm {arm.label!r} few customers reached "
                     f"{', '.join(f'{s!r} ({c})' for s, c in few)}: the step conversions after it rest on "
                     "fewer than 30 customers and their intervals on a normal approximation that may not "
                     "hold." if few else
                     f"In arm {arm.label!r} at least {MIN_REACHED} customers reached every stage.")))
    table = Table(name="funnel", title="Funnel: reach and step conversion by arm, step lifts and each "
                  "stage's log contribution to the final-stage lift",
                  columns=("variant", "stage", "reach_control", "reach_treatment", "step_control",
                           "step_treatment", "step_lift", "step_lift_ci_low", "step_lift_ci_high",
                           "step_relative", "step_relative_ci_low", "step_relative_ci_high",
                           "log_contribution", "log_ci_low", "log_ci_high"),
                  rows=tuple(rows))
    reach_labels, reach_vals, reach_groups = [], [], []
    for s_i, s in enumerate(stages):
        for arm in arms.values():
            reach_labels.append(f"{s} ({arm.label})")
            reach_vals.append(float(arm.reach[s_i]))
            reach_groups.append(str(arm.label))
    figures = (
        Figure(name="reach", kind="bars", title="Reach of each stage by arm",
               data={"labels": tuple(reach_labels), "values": tuple(reach_vals),
                     "groups": tuple(reach_groups)},
               xlabel="stage (arm)", ylabel="share of all customers"),
        Figure(name="step_lifts", kind="bars", title="Lift in step conversion at each stage",
               data={"labels": tuple(lift_labels), "values": tuple(lift_val), "lower": tuple(lift_lo),
                     "upper": tuple(lift_hi)},
               xlabel="step", ylabel="step conversion, treatment - control"),
    )
    notes.append("ln(R_K^B/R_K^A) = sum_k ln(s_k^B/s_k^A): each stage's log contribution; the step estimates "
                 "of a nested funnel are asymptotically independent (Fienberg 1980; Agresti 2013), so the "
                 "total's variance is the sum of the stages'.")
    return ImpactAnalysis(
        design="funnel", title="Funnel decomposition", outcome=last, estimates=tuple(estimates),
        identification=("Randomized assignment: differences in reach and in the final-stage conversion are "
                        "average effects of the variant (ATE). Step conversions are measured among customers "
                        "who reached the previous stage, a group the variant may change: step lifts locate "
                        "where the lift enters and leaks, they are not effects on a fixed group."),
        diagnostics=tuple(diags), verdict=Verdict.from_diagnostics(diags, subject="Funnel decomposition"),
        provenance=provenance(dict(variant=variant, control=control, stages=list(stages), level=level),
                              len(data), len(data), {}),
        tables=(table,), figures=figures, notes=tuple(notes), level=level)


def _where(arm: Any, stages: Sequence[str], steps: Sequence[Estimate], head: Estimate, level: float) -> str:
    """The plain answer: where the lift enters and where it leaks."""
    alpha = 1.0 - level
    names = [s if k == 0 else f"{stages[k - 1]} -> {s}" for k, s in enumerate(stages)]
    up = [n for n, e in zip(names, steps, strict=True) if e.pvalue < alpha and e.value > 0]
    down = [n for n, e in zip(names, steps, strict=True) if e.pvalue < alpha and e.value < 0]
    enters = f"the lift enters at {', '.join(up)}" if up else "no step is significantly higher"
    leaks = f"it leaks at {', '.join(down)}" if down else "no step is significantly lower"
    return (f"Arm {arm!r}: final-stage conversion changed by {head.value:+.4g} ({level:.0%} CI "
            f"{head.ci[0]:.4g} to {head.ci[1]:.4g}); {enters}; {leaks} (each step at p < {alpha:g}, "
            "not adjusted for the number of steps).")


__all__ = ["funnel"]
