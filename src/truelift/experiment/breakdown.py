"""Segment and funnel breakdowns of a randomized test.

Segments (pre-specified, e.g. device, new vs returning): the lift in each level, Holm-adjusted
across the levels, metrics and variants of the breakdown; Cochran's Q test of heterogeneity,
``Q = sum_s w_s (d_s - d_w)^2`` with ``w_s = 1 / se_s^2`` and ``d_w`` the inverse-variance
weighted mean, on ``S - 1`` degrees of freedom (Cochran 1954); and a Simpson's-paradox check
that flags a pooled lift whose sign disagrees with the lift in every segment (Simpson 1951). In
a randomized test that can only happen when the split differs between segments (or over time),
which the chi-square test of the split by segment reports.

Funnel (visit -> product view -> add to cart -> checkout -> purchase, as nested 0/1 columns):
for every stage the lift in *reach* (share of all users who got that far, a proportion) and in
the *step conversion* (share of those who reached the previous stage who went on, the ratio
``sum(stage) / sum(previous stage)`` over users, delta method), so the report shows at which
step the lift happens.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import chdtrc

from truelift.errors import DataError, TrueliftError
from truelift.experiment.cells import Cells
from truelift.experiment.lift import Lift, compare
from truelift.experiment.metrics import Metric, Proportion, Ratio
from truelift.experiment.srm import SplitBySegment, split_by_segment
from truelift.inference.multiplicity import holm
from truelift.schema.values import _ToDict


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SegmentLift(_ToDict):
    """The lift of one metric and variant within one segment level."""

    level: Any
    lift: Lift
    pvalue_holm: float


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Heterogeneity(_ToDict):
    """Cochran's Q across a segment column's levels, and the Simpson's-paradox check."""

    metric: str
    variant: Any
    q: float
    df: int
    pvalue: float
    pooled: float
    simpson: bool
    levels_used: int


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SegmentBreakdown(_ToDict):
    """One segment column: per-level lifts, heterogeneity per metric and variant, split check."""

    column: str
    levels: tuple[Any, ...]
    users: tuple[int, ...]
    lifts: tuple[SegmentLift, ...]
    heterogeneity: tuple[Heterogeneity, ...]
    split: SplitBySegment
    skipped: tuple[str, ...] = ()


def segment_breakdown(
    cells: Cells, column: str, *, variant_col: str, control: Any, variants: Sequence[Any],
    metrics: Sequence[Metric], pooled: dict[tuple[str, Any], Lift], level: float, relative: str,
) -> SegmentBreakdown:
    """Lifts within each level of ``column`` (see the module docstring)."""
    levels = cells.levels(column)
    arms = [control, *variants]
    # cell indices of each (level, arm), in one pass over the cells
    by_level = cells.groups(column)
    arm_codes, _arm_values, arm_lookup = cells.codes(variant_col)
    empty = np.empty(0, dtype=np.int64)

    def cell_index(lv: Any, arm: Any) -> np.ndarray:
        idx = by_level.get(lv, empty)
        code = arm_lookup.get(arm)
        return idx[arm_codes[idx] == code] if code is not None else empty

    index = {(i, j): cell_index(lv, a) for i, lv in enumerate(levels) for j, a in enumerate(arms)}
    table = np.array([[cells.n[index[i, j]].sum() for j in range(len(arms))]
                      for i in range(len(levels))])
    raw: list[tuple[Any, Lift]] = []
    skipped: list[str] = []
    for i, lv in enumerate(levels):
        ctrl = cells.total(index[i, 0])
        for j, v in enumerate(variants, start=1):
            var = cells.total(index[i, j])
            if ctrl.n < 2 or var.n < 2:
                skipped.append(f"{column}={lv}: too few users in {v!r} or control to compare")
                continue
            for m in metrics:
                try:
                    lift = compare(m, var, ctrl, variant_label=v, control_label=control,
                                   role="segment", level=level, relative=relative)
                except TrueliftError as exc:  # a metric undefined in one level is reported, not fatal
                    skipped.append(f"{column}={lv}, {m.name}, {v!r}: {exc}")
                    continue
                raw.append((lv, lift))
    adj = holm([lift.estimate.pvalue for _, lift in raw])
    seg_lifts = tuple(SegmentLift(level=lv, lift=lift, pvalue_holm=float(p))
                      for (lv, lift), p in zip(raw, adj, strict=True))
    het = []
    for m in metrics:
        for v in variants:
            ds = [s.lift.estimate for s in seg_lifts if s.lift.metric == m.name and s.lift.variant == v]
            pool = pooled.get((m.name, v))
            if pool is None or len(ds) < 2:
                continue
            het.append(_heterogeneity(m.name, v, ds, pool.estimate.value))
    return SegmentBreakdown(column=column, levels=tuple(levels),
                            users=tuple(int(r.sum()) for r in table), lifts=seg_lifts,
                            heterogeneity=tuple(het), split=split_by_segment(column, levels, table),
                            skipped=tuple(skipped))


def _heterogeneity(metric: str, variant: Any, estimates: Sequence[Any], pooled: float) -> Heterogeneity:
    d = np.array([e.value for e in estimates])
    se = np.array([e.se for e in estimates])
    ok = se > 0
    d, se = d[ok], se[ok]
    w = 1.0 / se**2
    dw = float((w * d).sum() / w.sum()) if w.size else math.nan
    q = float((w * (d - dw) ** 2).sum()) if w.size else 0.0
    df = max(int(d.size) - 1, 0)
    signs = np.sign(d)
    simpson = bool(d.size >= 2 and pooled != 0.0 and np.all(signs == signs[0]) and signs[0] != 0
                   and np.sign(pooled) == -signs[0])
    return Heterogeneity(metric=metric, variant=variant, q=q, df=df,
                         pvalue=float(chdtrc(df, q)) if df > 0 else 1.0, pooled=pooled,
                         simpson=simpson, levels_used=int(d.size))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FunnelStage(_ToDict):
    """One funnel stage for one variant: lift in reach and in step conversion.

    ``step`` is None, with the reason in ``note``, when the step conversion is undefined (nobody
    in an arm reached the previous stage).
    """

    stage: str
    previous: str | None
    variant: Any
    reach: Lift
    step: Lift | None
    note: str = ""


def funnel_metrics(stages: Sequence[str]) -> list[tuple[str, Metric, Metric]]:
    """For each stage: its reach (a proportion) and its step conversion (a ratio of means)."""
    out = []
    for k, s in enumerate(stages):
        reach = Proportion(column=s, name=f"reach: {s}")
        step = reach if k == 0 else Ratio(numerator=s, denominator=stages[k - 1],
                                          name=f"{stages[k - 1]} -> {s}")
        out.append((s, reach, step))
    return out


def check_funnel(cells: Cells, stages: Sequence[str]) -> None:
    """Stages must be 0/1 and nested (a user at a stage reached every earlier stage)."""
    total = cells.total()
    for k, s in enumerate(stages):
        i = total.index([s])[0]
        m = total.mean[i]
        if not cells.is_binary(s)[0]:
            raise DataError(s, "a funnel stage must be 0/1 per user (reached the stage or not)")
        if k:
            j = total.index([stages[k - 1]])[0]
            both = total.comoment[i, j] + total.n * total.mean[i] * total.mean[j]  # sum(s_k * s_{k-1})
            if abs(both - total.n * m) > 1e-6 * max(total.n, 1):
                raise DataError(s, f"is 1 for users who did not reach the previous stage "
                                   f"{stages[k - 1]!r}; funnel stages must be nested")


def funnel_breakdown(cells: Cells, stages: Sequence[str], *, variant_col: str, control: Any,
                     variants: Sequence[Any], level: float, relative: str) -> tuple[FunnelStage, ...]:
    """Reach and step-conversion lifts at every stage for every variant."""
    ctrl = cells.total(cells.where(**{variant_col: control}))
    out = []
    for v in variants:
        var = cells.total(cells.where(**{variant_col: v}))
        for k, (s, reach_m, step_m) in enumerate(funnel_metrics(stages)):
            reach = compare(reach_m, var, ctrl, variant_label=v, control_label=control, role="funnel",
                            level=level, relative=relative)
            note = ""
            try:
                step = reach if k == 0 else compare(step_m, var, ctrl, variant_label=v,
                                                    control_label=control, role="funnel", level=level,
                                                    relative=relative)
            except TrueliftError:
                step = None
                note = f"no step conversion: nobody reached {stages[k - 1]!r} in one of the arms"
            out.append(FunnelStage(stage=s, previous=stages[k - 1] if k else None, variant=v,
                                   reach=reach, step=step, note=note))
    return tuple(out)
