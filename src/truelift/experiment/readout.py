"""``readout``: the whole readout of a randomized A/B/n test, from a table to a verdict.

Steps: validate the roles at the door; one aggregate query for the sufficient statistics of
every cell (variant x segments x enrolment time) on the data's own engine; the sample-ratio
check; every metric for every variant against control (CUPED when covariates are given);
multiple-testing adjustment over the chosen family; always-valid or group-sequential inference
when the test is monitored; the Bayesian readout; segment and funnel breakdowns; and a verdict
derived from the diagnostics.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from truelift.errors import DataError, MethodError, RoleError, boundary
from truelift.experiment.aggregate import Aggregated, Request, aggregate, is_dataframe
from truelift.experiment.cells import Cells
from truelift.experiment.metrics import Auto, Metric, Proportion, Ratio, check_metric_columns, resolve_metrics
from truelift.inference.multiplicity import CORRECTIONS, benjamini_hochberg, holm
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
from truelift.schema.rules import PRE_BALANCE_Z, SEGMENT_SPLIT_ALPHA, SRM_ALPHA
from truelift.schema.values import _ToDict
from truelift.vocabulary import renamed

# The statistics modules (they import scipy.special) are imported inside ``readout``, while the
# aggregate query runs: on a large file that hides their import time behind the query.
if TYPE_CHECKING:  # pragma: no cover
    from truelift.experiment import sequential as seq
    from truelift.experiment.bayes_readout import MetricBayes
    from truelift.experiment.breakdown import FunnelStage, SegmentBreakdown
    from truelift.experiment.lift import Lift
    from truelift.experiment.srm import SampleRatio

Progress = Callable[[str, int, int], None]
SEQUENTIAL = ("always-valid", "obrien-fleming", "pocock")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Arm(_ToDict):
    """One arm: its label, users and planned share."""

    label: Any
    users: int
    planned_share: float
    control: bool


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class MetricInfo(_ToDict):
    """A metric as read out: its name, kind, role and CUPED covariates."""

    name: str
    kind: str
    role: str
    description: str
    covariates: tuple[str, ...]
    binary: bool
    higher_is_better: bool


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class Readout(Analysis):
    """Result of :func:`readout`. Renders in a notebook, the terminal, HTML and JSON.

    ``lifts`` holds one :class:`~truelift.experiment.lift.Lift` per metric and variant (primary
    metrics first, then guardrails); raw p-values sit in each estimate, adjusted ones beside them.
    """

    kind: ClassVar[str] = "readout"

    variant_column: str
    control: Any
    arms: tuple[Arm, ...]
    metrics: tuple[MetricInfo, ...]
    lifts: tuple[Lift, ...]
    alpha: float
    level: float
    correction: str
    family: str
    srm: SampleRatio
    sequential: seq.Monitoring | None
    bayes: tuple[MetricBayes, ...]
    segments: tuple[SegmentBreakdown, ...]
    funnel: tuple[FunnelStage, ...]
    diagnostics: tuple[Diagnostic, ...]
    verdict: Verdict
    provenance: Provenance

    def lift(self, metric: str | None = None, variant: Any = None) -> Lift:
        """The lift of ``metric`` (default: the first) for ``variant`` (default: the first)."""
        for lift in self.lifts:
            if (metric is None or lift.metric == metric) and (variant is None or lift.variant == variant):
                return lift
        raise KeyError(f"no lift for metric {metric!r} and variant {variant!r}")

    def _rates(self) -> frozenset[str]:
        return frozenset(m.name for m in self.metrics if m.binary)

    def _title(self) -> str:
        return f"A/B test readout of {self.variant_column}"

    def _estimates(self) -> tuple[Estimate, ...]:
        """One estimate per metric and variant (primary metrics first, then guardrails), each
        with ``arm`` set to its variant."""
        return tuple(_with_arm(lift.estimate, lift.variant) for lift in self.lifts)

    def _tables(self) -> tuple[Table, ...]:
        nan = float("nan")
        out = [Table(
            name="lifts", title="Lift of every metric and variant against control",
            columns=("metric", "role", "kind", "variant", "control_value", "variant_value", "lift",
                     "se", "ci_low", "ci_high", "relative", "relative_ci_low", "relative_ci_high",
                     "p_value", "p_value_holm", "p_value_bh", "significant", "test",
                     "variance_reduction", "n_variant", "n_control"),
            rows=tuple((
                lift.metric, lift.role, lift.kind, str(lift.variant), lift.control_value,
                lift.variant_value, lift.estimate.value, lift.estimate.se, *lift.estimate.ci,
                *((lift.estimate.relative.value, *lift.estimate.relative.ci)
                  if lift.estimate.relative else (nan, nan, nan)),
                lift.estimate.pvalue, lift.pvalue_holm, lift.pvalue_bh, lift.significant,
                lift.estimate.method, lift.cuped.variance_reduction if lift.cuped else None,
                lift.estimate.n_treated, lift.estimate.n_control) for lift in self.lifts)),
            Table(name="arms", title="Arms", columns=("arm", "users", "planned_share", "control"),
                  rows=tuple((str(a.label), a.users, a.planned_share, a.control) for a in self.arms)),
            Table(name="sample_ratio", title="Sample ratio check",
                  columns=("arm", "users", "planned_share", "observed_share"),
                  rows=tuple((str(lab), n, e, o) for lab, n, e, o in zip(
                      self.srm.labels, self.srm.observed, self.srm.expected_share,
                      self.srm.observed_share, strict=True)))]
        bayes = [(b.metric, a) for b in self.bayes if b.readout is not None for a in b.readout.arms]
        if bayes:
            out.append(Table(name="bayes", title="Bayesian readout: posterior of every arm",
                             columns=("metric", "arm", "mean", "ci_low", "ci_high", "prob_best",
                                      "expected_loss"),
                             rows=tuple((m, str(a.label), a.mean, *a.ci, a.prob_best, a.expected_loss)
                                        for m, a in bayes)))
        for b in self.segments:
            out.append(Table(
                name=f"segments_{b.column}", title=f"Lift by {b.column}",
                columns=("level", "metric", "variant", "lift", "ci_low", "ci_high", "relative",
                         "p_value", "p_value_holm", "n_variant", "n_control"),
                rows=tuple((str(x.level), x.lift.metric, str(x.lift.variant), x.lift.estimate.value,
                            *x.lift.estimate.ci,
                            x.lift.estimate.relative.value if x.lift.estimate.relative else None,
                            x.lift.estimate.pvalue, x.pvalue_holm, x.lift.estimate.n_treated,
                            x.lift.estimate.n_control) for x in b.lifts)))
        if self.funnel:
            out.append(Table(
                name="funnel", title="Funnel: reach and step conversion by stage",
                columns=("stage", "variant", "reach_control", "reach_variant", "reach_lift",
                         "step_lift", "step_ci_low", "step_ci_high"),
                rows=tuple((f.stage, str(f.variant), f.reach.control_value, f.reach.variant_value,
                            f.reach.estimate.value,
                            *((f.step.estimate.value, *f.step.estimate.ci) if f.step
                              else (None, None, None))) for f in self.funnel)))
        if self.sequential is not None and self.sequential.paths:
            out.append(Table(
                name="sequential", title="The readout at every look",
                columns=("metric", "variant", "time", "users", "estimate", "ci_low", "ci_high",
                         "cs_low", "cs_high", "p_value", "p_value_always_valid"),
                rows=tuple((p.metric, str(p.variant), str(t), lk.n, lk.estimate, *lk.ci, *lk.cs,
                            lk.pvalue_naive, lk.pvalue_always_valid)
                           for p in self.sequential.paths
                           for t, lk in zip(p.times, p.looks, strict=True))))
        return tuple(out)

    def _figures(self) -> tuple[Figure, ...]:
        rows = [lift for lift in self.lifts if lift.estimate.relative is not None]
        out = []
        if rows:
            out.append(Figure(
                name="forest", kind="forest",
                title=f"Relative lift with its {round(self.level * 100)}% interval",
                data={"labels": [f"{lift.metric}{' (guardrail)' if lift.role == 'guardrail' else ''}"
                                 + (f" · {lift.variant}" if len(self.arms) > 2 else "") for lift in rows],
                      "values": [lift.estimate.relative.value for lift in rows],
                      "lower": [lift.estimate.relative.ci[0] for lift in rows],
                      "upper": [lift.estimate.relative.ci[1] for lift in rows],
                      "groups": [lift.metric for lift in rows],
                      "series": [str(lift.variant) for lift in rows],
                      "filled": [bool(lift.significant) for lift in rows], "scale": "percent"},
                xlabel="metric and variant", ylabel="relative lift over control (%)"))
        primary = {m.name for m in self.metrics if m.role == "primary"}
        pooled = {(lift.metric, str(lift.variant)): lift.estimate.relative for lift in self.lifts}
        for b in self.segments:
            seg = sorted((x for x in b.lifts if x.lift.metric in primary
                          and x.lift.estimate.relative is not None),
                         key=lambda x: (x.pvalue_holm, str(x.level)))[:SEGMENT_FIGURE_ROWS]
            if not seg:
                continue
            seg.sort(key=lambda x: (x.lift.metric, str(x.lift.variant), str(x.level)))
            out.append(Figure(
                name=f"segments_{b.column}", kind="forest",
                title=f"Relative lift by {b.column} (grey tick: all users)",
                data={"labels": [f"{x.lift.metric} · {x.level}"
                                 + (f" · {x.lift.variant}" if len(self.arms) > 2 else "") for x in seg],
                      "values": [x.lift.estimate.relative.value for x in seg],
                      "lower": [x.lift.estimate.relative.ci[0] for x in seg],
                      "upper": [x.lift.estimate.relative.ci[1] for x in seg],
                      "groups": [x.lift.metric for x in seg],
                      "series": [str(x.lift.variant) for x in seg],
                      "filled": [bool(x.pvalue_holm < self.alpha) for x in seg],
                      "reference": [getattr(pooled.get((x.lift.metric, str(x.lift.variant))), "value",
                                            None) for x in seg],
                      "scale": "percent", "hollow": "not significant after Holm"},
                xlabel=f"{b.column} level", ylabel="relative lift over control (%)"))
        for p in self.sequential.paths if self.sequential is not None else ():
            if len(p.looks) < 2:
                continue
            out.append(Figure(
                name=f"cumulative_{p.metric}_{p.variant}", kind="series",
                title=f"{p.metric}: {p.variant} vs {self.control} over time",
                data={"x": [t if isinstance(t, int | float) and not isinstance(t, bool) else str(t)
                            for t in p.times],
                      "lines": {"lift": [lk.estimate for lk in p.looks]},
                      "band": {"line": "lift", "lower": [lk.cs[0] for lk in p.looks],
                               "upper": [lk.cs[1] for lk in p.looks]}},
                xlabel=str(self.sequential.time or "look"), ylabel="lift"))
        if self.funnel:
            out.append(Figure(
                name="funnel", kind="bars", title="Reach of every funnel stage by arm",
                data={"labels": [f"{f.stage} · {a}" for f in self.funnel
                                 for a in (self.control, f.variant)],
                      "values": [v for f in self.funnel
                                 for v in (f.reach.control_value, f.reach.variant_value)],
                      "groups": [f.stage for f in self.funnel for _ in (0, 1)]},
                xlabel="stage and arm", ylabel="share reaching the stage"))
        return tuple(out)


SEGMENT_FIGURE_ROWS = 30
"""At most this many segment lifts per figure (those with the strongest evidence); the table in
JSON keeps every level."""


def _with_arm(est: Estimate, arm: Any) -> Estimate:
    return est if est.arm is not None else dataclasses.replace(est, arm=str(arm))


def _names(value: str | Sequence[str] | None, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    out = tuple(value)
    for v in out:
        if not isinstance(v, str) or not v:
            raise RoleError(f"{what}: every entry must be a column name, got {v!r}")
    return out


def _pairs(variables: list[str], groups: list[tuple[str, ...]]) -> tuple[tuple[int, int], ...]:
    pos = {v: i for i, v in enumerate(variables)}
    pairs: set[tuple[int, int]] = set()
    for group in groups:
        idx = sorted(pos[v] for v in group)
        for a_i, a in enumerate(idx):
            for b in idx[a_i:]:
                pairs.add((a, b))
    return tuple(sorted(pairs))


def _level_of_alpha(alpha: float) -> float:
    return 1.0 - alpha


@renamed(variant="treatment", metrics="outcome", dropna="drop_missing", expected_split="split",
         alpha=("level", _level_of_alpha))
@boundary
def readout(
    data: Any,
    *,
    treatment: str,
    control: Any = None,
    outcome: Sequence[str | Metric] | str | Metric,
    guardrails: Sequence[str | Metric] | str | Metric = (),
    covariates: Mapping[str, Sequence[str]] | Sequence[str] | str | None = None,
    segments: Sequence[str] | str = (),
    funnel: Sequence[str] = (),
    time: str | None = None,
    unit: str | None = None,
    split: Mapping[Any, float] | Sequence[float] | None = None,
    level: float = 0.95,
    correction: str = "holm",
    family: str = "primary",
    relative: str = "delta",
    sequential: str | None = None,
    horizon: int | None = None,
    bayes: bool = True,
    srm_threshold: float = SRM_ALPHA,
    drop_missing: bool = False,
    seed: int = 0,
    progress: Progress | None = None,
) -> Readout:
    """Read out a randomized A/B/n test: every metric, every variant against control.

    Args:
        data: a pandas DataFrame, a CSV/Parquet path (aggregated by DuckDB) or an Ibis table
            (aggregated on its backend: DuckDB, Postgres, BigQuery, Snowflake, Spark, ...). Only
            the per-cell sufficient statistics leave the engine.
        treatment: the column holding each user's arm (formerly ``variant``).
        control: the control arm's label (default: ``"control"`` if present).
        outcome: the primary metrics (formerly ``metrics``): a column (a 0/1 column is a
            proportion, else a mean),
            ``"name=numerator/denominator"`` for a ratio of means (AOV, CTR), or a
            :class:`~truelift.experiment.metrics.Metric`.
        guardrails: metrics watched for harm; kept out of the corrected family by default.
        covariates: CUPED pre-period covariates: one list for every metric, or per metric name.
        segments: pre-specified segment columns for per-segment lifts.
        funnel: nested 0/1 stage columns, in funnel order, for the funnel breakdown.
        time: enrolment time (e.g. day) for the cumulative path and sequential monitoring.
        unit: user id, when rows are events: rows are summed to users first.
        split: planned share per arm (formerly ``expected_split``; mapping label -> share, or
            shares in the arms'
            sorted order); equal shares by default. Its labels are the planned arms: a planned
            arm with no users is an error.
        level: the level of every interval; tests are at ``alpha = 1 - level`` (formerly
            ``alpha=0.05``).
        correction: ``"holm"`` (family-wise error) or ``"bh"`` (false discovery rate), or
            ``"none"``; both adjusted p-values are reported, this one drives ``significant``.
        family: ``"primary"`` (primary metrics x variants; guardrails apart) or ``"all"``.
        relative: relative-lift interval by ``"delta"`` method or ``"fieller"``.
        sequential: ``None`` (fixed horizon), ``"always-valid"`` (normal-mixture confidence
            sequence: valid however often one looks), ``"obrien-fleming"`` or ``"pocock"``
            (group-sequential alpha spending over the looks at each ``time`` value).
        horizon: planned total users, for sequential designs (the mixture is tuned to it; the
            group-sequential information fractions are ``n / horizon``).
        bayes: add the Bayesian readout (posterior of the lift, P(best), expected loss).
        srm_threshold: p-value below which the split is declared mismatched.
        drop_missing: (formerly ``dropna``) drop rows with a missing metric or covariate value
            (counted) instead of raising.
        seed: seed of the Monte Carlo parts of the Bayesian readout.
        progress: optional callback ``(stage, done, total)``.
    """
    if not (0.0 < level < 1.0):
        raise MethodError(f"level must be in (0, 1), got {level!r}")
    alpha = round(1.0 - level, 15)  # 1 - 0.95 is 0.050000000000000044 in floats: 0.05
    variant, metrics, dropna, expected_split = treatment, outcome, drop_missing, split  # body names
    if correction not in CORRECTIONS:
        raise MethodError(f"correction {correction!r}: use one of {', '.join(CORRECTIONS)}")
    if family not in ("primary", "all"):
        raise MethodError(f"family {family!r}: use 'primary' or 'all'")
    if relative not in ("delta", "fieller"):
        raise MethodError(f"relative {relative!r}: use 'delta' or 'fieller'")
    if sequential not in (None, *SEQUENTIAL):
        raise MethodError(f"sequential {sequential!r}: use one of {', '.join(SEQUENTIAL)}")
    if sequential in ("obrien-fleming", "pocock") and (time is None or horizon is None):
        raise MethodError(f"sequential={sequential!r} needs time= (the looks) and horizon= (planned users)")
    if not isinstance(variant, str) or not variant:
        raise RoleError("variant: give the name of the column holding each user's arm")
    seg_cols = _names(segments, "segments")
    stages = _names(funnel, "funnel")
    metric_list = [metrics] if isinstance(metrics, (str, Metric)) else list(metrics)
    guard_list = [guardrails] if isinstance(guardrails, (str, Metric)) else list(guardrails)
    resolved = resolve_metrics([*metric_list, *guard_list], covariates)
    primary, guards = resolved[:len(metric_list)], resolved[len(metric_list):]
    if not primary:
        raise RoleError("metrics: give at least one metric")
    names = [m.name for m in (*primary, *guards)]
    if len(set(names)) < len(names):
        raise RoleError(f"metric names must be unique, got {names}")
    roles = {variant: "variant"}
    for c in seg_cols:
        roles[c] = "segment"
    if time is not None:
        roles[time] = "time"
    if unit is not None:
        roles[unit] = "unit"
    if len(roles) < 1 + len(seg_cols) + (time is not None) + (unit is not None):
        raise RoleError("variant, segments, time and unit must be different columns")
    for m in (*primary, *guards):
        check_metric_columns(m, roles)
    for s in stages:
        if s in roles:
            raise RoleError(f"column {s!r} is both a funnel stage and the {roles[s]} column")

    keys = (variant, *seg_cols, *((time,) if time is not None else ()))
    variables = list(dict.fromkeys([v for m in (*primary, *guards) for v in (*m.variables, *m.covariates)]
                                   + list(stages)))
    groups = [(*m.variables, *m.covariates) for m in (*primary, *guards)]
    groups += [tuple(stages[max(k - 1, 0):k + 1]) for k in range(len(stages))]
    binary = [m.column for m in (*primary, *guards) if isinstance(m, (Auto, Proportion))] + list(stages)
    groups += [(v,) for v in binary]
    denominators = [m.denominator for m in (*primary, *guards) if isinstance(m, Ratio)]
    request = Request(keys=keys, variables=tuple(variables), pairs=_pairs(variables, groups), unit=unit,
                      time=time, dropna=dropna, binary=tuple(dict.fromkeys(binary)),
                      nonnegative=tuple(dict.fromkeys(denominators)))
    if progress:
        progress("aggregate", 0, 1)
    agg = _aggregate_while_importing(data, request)
    if progress:
        progress("aggregate", 1, 1)
    from truelift.experiment import sequential as seq
    from truelift.experiment.breakdown import check_funnel, funnel_breakdown, segment_breakdown
    from truelift.experiment.lift import compare
    from truelift.experiment.srm import sample_ratio

    cells = agg.cells
    # One disjoint reason per dropped row (a row missing two values is dropped once).
    rows_dropped = ({f"missing {', '.join(agg.missing_by_column)}": agg.rows_dropped}
                    if agg.rows_dropped else {})
    missing_arm = cells.where(**{variant: None})
    if missing_arm.any():
        rows_dropped["variant missing"] = int(cells.rows[missing_arm].sum())
        cells = cells.drop(missing_arm)
    if cells.n.sum() == 0:
        raise DataError(variant, "no users with a variant label")

    labels = cells.levels(variant)
    planned, shares = _planned_arms(labels, expected_split, variant)
    counts = {a: int(cells.n[cells.where(**{variant: a})].sum()) for a in planned}
    for a, n in counts.items():
        if n == 0:
            raise DataError(variant, f"variant {a!r} has no users")
    control = _control(control, planned, variant)
    if len(planned) < 2:
        raise DataError(variant, f"only one variant ({planned[0]!r}); a test needs control and at least "
                                 "one variant")
    variants = [a for a in planned if a != control]
    primary = [_resolve(m, cells) for m in primary]
    guards = [_resolve(m, cells) for m in guards]
    if stages:
        check_funnel(cells, stages)

    arms_order = [control, *variants]
    srm = sample_ratio(arms_order, [counts[a] for a in arms_order],
                       [shares[planned.index(a)] for a in arms_order], threshold=srm_threshold)
    moments = {a: cells.total(cells.where(**{variant: a})) for a in arms_order}

    lifts: list[Lift] = []
    for role, group in (("primary", primary), ("guardrail", guards)):
        for m in group:
            for v in variants:
                lifts.append(compare(m, moments[v], moments[control], variant_label=v,
                                     control_label=control, role=role, level=level, relative=relative))
    monitoring = None
    if sequential is not None or time is not None:
        all_metrics = [*primary, *guards]
        pair_share = {v: srm.expected_share[0] + srm.expected_share[arms_order.index(v)] for v in variants}
        monitoring = seq.monitor(cells, all_metrics, variant_col=variant, control=control, variants=variants,
                                 time=time, method=sequential, horizon=horizon, alpha=alpha, level=level,
                                 pair_share=pair_share, family_size=_family_sizes(primary, guards, variants,
                                                                                  family))
        if sequential is not None:
            lifts = [seq.attach(lift, monitoring) for lift in lifts]
    lifts = _adjust(lifts, family=family, correction=correction, alpha=alpha)
    if monitoring is not None and sequential in ("obrien-fleming", "pocock"):
        # A planned-looks design decides by its boundaries, not by the fixed-horizon p-value.
        lifts = [dataclasses.replace(lift, significant=bool(seq.crossed(lift, monitoring)))
                 for lift in lifts]

    bayes_out: tuple[Any, ...] = ()
    if bayes:
        from truelift.experiment.bayes_readout import bayes_readout

        bayes_out = tuple(bayes_readout(m, moments, control=control, level=level, seed=seed)
                          for m in (*primary, *guards))
    pooled = {(lift.metric, lift.variant): lift for lift in lifts}
    breakdowns = tuple(
        segment_breakdown(cells, col, variant_col=variant, control=control, variants=variants,
                          metrics=[*primary, *guards], pooled=pooled, level=level, relative=relative)
        for col in seg_cols)
    funnel_out = funnel_breakdown(cells, stages, variant_col=variant, control=control, variants=variants,
                                  level=level, relative=relative) if stages else ()

    arms = tuple(Arm(label=a, users=counts[a], planned_share=srm.expected_share[i], control=a == control)
                 for i, a in enumerate(arms_order))
    infos = tuple(MetricInfo(name=m.name, kind=m.kind, role=role, description=m.describe(),
                             covariates=tuple(m.covariates), binary=m.binary,
                             higher_is_better=m.higher_is_better)
                  for role, group in (("primary", primary), ("guardrail", guards)) for m in group)
    diagnostics = _diagnostics(srm, lifts, breakdowns, monitoring, alpha=alpha)
    verdict = Verdict.from_diagnostics(diagnostics, subject="Readout")
    if srm.mismatch:
        verdict = dataclasses.replace(verdict, headline="Readout: FAIL. The split of users does not match "
                                      "the plan (sample-ratio mismatch): the arms are not comparable and "
                                      "no lift in this readout can be trusted until the cause is found.")
    params = {"variant": variant, "control": control, "metrics": [m.name for m in primary],
              "guardrails": [m.name for m in guards], "covariates": {m.name: list(m.covariates)
                                                                     for m in (*primary, *guards)},
              "segments": list(seg_cols), "funnel": list(stages), "time": time, "unit": unit,
              "alpha": alpha, "correction": correction, "family": family, "relative": relative,
              "sequential": sequential, "horizon": horizon, "srm_threshold": srm_threshold,
              "dropna": dropna}
    used = int(cells.rows.sum())  # rows of the source (events, with unit=); users are in `arms`
    prov = make_provenance(parameters=params, seed=seed if bayes else None,
                      rows_read=cells.rows_read, rows_used=used, rows_dropped=rows_dropped,
                      source=agg.source)
    return Readout(variant_column=variant, control=control, arms=arms, metrics=infos, lifts=tuple(lifts),
                   alpha=alpha, level=level, correction=correction, family=family, srm=srm,
                   sequential=monitoring, bayes=bayes_out, segments=breakdowns, funnel=funnel_out,
                   diagnostics=diagnostics, verdict=verdict, provenance=prov)


def _aggregate_while_importing(data: Any, request: Request) -> Aggregated:
    """Run the aggregate; for a file or an engine, import the statistics modules meanwhile.

    The query runs in its engine (DuckDB releases the GIL), so a worker thread can wait on it
    while this thread pays the one-off import of SciPy, started once the query is on its way (so
    the two do not fight over the GIL while the query is being set up). A DataFrame is aggregated
    in NumPy here.
    """
    if is_dataframe(data):
        return aggregate(data, request)
    import threading
    from concurrent.futures import ThreadPoolExecutor

    sent = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(aggregate, data, request, sent.set)
        sent.wait(timeout=10.0)
        import truelift.experiment.breakdown
        import truelift.experiment.sequential  # noqa: F401  (scipy.special and the estimators)
        return future.result()


def _family_sizes(primary: list[Metric], guards: list[Metric], variants: list[Any], family: str
                  ) -> dict[str, int]:
    """Comparisons in the multiplicity family of each metric (for the group-sequential alpha split)."""
    if family == "all":
        size = (len(primary) + len(guards)) * len(variants)
        return {m.name: size for m in (*primary, *guards)}
    return {**{m.name: len(primary) * len(variants) for m in primary},
            **{m.name: len(guards) * len(variants) for m in guards}}


def _planned_arms(labels: list[Any], expected: Mapping[Any, float] | Sequence[float] | None,
                  variant: str) -> tuple[list[Any], list[float]]:
    if expected is None:
        return labels, [1.0 / len(labels)] * len(labels)
    if isinstance(expected, Mapping):
        planned = list(expected)
        extra = [a for a in labels if a not in expected]
        if extra:
            raise DataError(variant, f"label {extra[0]!r} is not in expected_split "
                                     f"({', '.join(map(repr, planned))})")
        shares = [float(expected[a]) for a in planned]
    else:
        shares = [float(s) for s in expected]
        if len(shares) != len(labels):
            raise MethodError(f"expected_split has {len(shares)} shares but the data has {len(labels)} "
                              f"variants ({', '.join(map(repr, labels))})")
        planned = labels
    if any(not (s > 0) or not math.isfinite(s) for s in shares):
        raise MethodError("expected_split: every share must be > 0")
    total = sum(shares)
    return planned, [s / total for s in shares]


def _control(control: Any, planned: list[Any], variant: str) -> Any:
    if control is None:
        if "control" in planned:
            return "control"
        raise RoleError(f"control: name the control arm of {variant!r} (labels: "
                        f"{', '.join(map(repr, planned))})")
    if control in planned:
        return control
    # A label typed on the command line arrives as a string: match it against the labels' text.
    text = [a for a in planned if str(a) == str(control)]
    if len(text) == 1:
        return text[0]
    raise DataError(variant, f"control label {control!r} not found (labels: {', '.join(map(repr, planned))})")


def _resolve(metric: Metric, cells: Cells) -> Metric:
    """Decide Auto metrics from the data and check proportions and ratio denominators."""
    if isinstance(metric, (Auto, Proportion)):
        binary, lo, hi = cells.is_binary(metric.column)
        if isinstance(metric, Auto):
            return metric.resolve(binary)
        if not binary:
            shown = f" (values from {lo:g} to {hi:g})" if math.isfinite(lo) and math.isfinite(hi) else ""
            raise DataError(metric.column, f"a proportion metric must be 0/1 per user{shown}")
    if isinstance(metric, Ratio):
        total = cells.total()
        j = total.index([metric.denominator])[0]
        lo = float(np.nanmin(cells.minimum[:, j]))
        if lo < 0:
            raise DataError(metric.denominator, f"negative values (minimum {lo:g}) in the denominator of "
                                                f"{metric.name!r}; counts per user must be >= 0")
        if total.mean[j] == 0:
            raise DataError(metric.denominator, f"is 0 for every user, so the ratio {metric.name!r} is "
                                                "undefined")
    return metric


def _adjust(lifts: list[Lift], *, family: str, correction: str, alpha: float) -> list[Lift]:
    """Holm and BH over the family; guardrails are a family of their own unless family='all'."""
    out = list(lifts)
    groups = [[i for i, lift in enumerate(out)]] if family == "all" else [
        [i for i, lift in enumerate(out) if lift.role == "primary"],
        [i for i, lift in enumerate(out) if lift.role == "guardrail"]]
    for idx in groups:
        if not idx:
            continue
        p = [out[i].decision_pvalue for i in idx]
        h, b = holm(p), benjamini_hochberg(p)
        for j, i in enumerate(idx):
            chosen = {"holm": h[j], "bh": b[j], "none": p[j]}[correction]
            out[i] = dataclasses.replace(out[i], pvalue_holm=float(h[j]), pvalue_bh=float(b[j]),
                                         significant=bool(chosen < alpha))
    return out


def _diagnostics(srm: SampleRatio, lifts: list[Lift], breakdowns: tuple[SegmentBreakdown, ...],
                 monitoring: seq.Monitoring | None, *, alpha: float) -> tuple[Diagnostic, ...]:
    out = []
    shares = ", ".join(f"{lab}: {o:.1%} (planned {e:.1%})"
                       for lab, o, e in zip(srm.labels, srm.observed_share, srm.expected_share, strict=True))
    if srm.mismatch:
        out.append(Diagnostic(name="sample_ratio", value=srm.pvalue, threshold=srm.threshold,
                              status=Status.FAIL,
                              message=f"Sample-ratio mismatch: the split is {shares}; chi-square p "
                                      f"{_p(srm.pvalue)}, below {srm.threshold:g}. Users were lost or added "
                                      "unevenly, so the readout cannot be trusted."))
    else:
        out.append(Diagnostic(name="sample_ratio", value=srm.pvalue, threshold=srm.threshold,
                              status=Status.OK,
                              message=f"The split matches the plan ({shares}; p {_p(srm.pvalue)})."))
    for lift in lifts:
        if lift.cuped is None:
            continue
        worst = max((abs(z) for z in lift.cuped.imbalance_z), default=0.0)
        if worst > PRE_BALANCE_Z:  # two-sided p < 0.001
            out.append(Diagnostic(
                name=f"pre_period_balance:{lift.metric}:{lift.variant}", value=worst, threshold=PRE_BALANCE_Z,
                status=Status.WARN,
                message=f"The pre-period covariates of {lift.metric!r} differ between {lift.variant!r} and "
                        f"control (|z| = {worst:.1f}); randomization may be broken."))
    for lift in lifts:
        if lift.role != "guardrail":
            continue
        worse = lift.estimate.value < 0 if _higher_better(lift) else lift.estimate.value > 0
        p = lift.decision_pvalue
        if worse and p < alpha:
            out.append(Diagnostic(
                name=f"guardrail:{lift.metric}:{lift.variant}", value=p, threshold=alpha, status=Status.WARN,
                message=f"Guardrail {lift.metric!r} got worse in {lift.variant!r} (p {_p(p)})."))
    for b in breakdowns:
        for h in b.heterogeneity:
            if h.simpson:
                out.append(Diagnostic(
                    name=f"simpson:{b.column}:{h.metric}:{h.variant}", value=h.pooled, status=Status.WARN,
                    message=f"Simpson's paradox on {h.metric!r} ({h.variant!r}): the pooled lift has the "
                            f"opposite sign to the lift in every {b.column!r} segment; the split differs "
                            f"by segment (p {_p(b.split.pvalue)}), so trust the segment lifts and "
                            "find why."))
        if b.split.pvalue < SEGMENT_SPLIT_ALPHA:
            out.append(Diagnostic(
                name=f"split_by_segment:{b.column}", value=b.split.pvalue, threshold=SEGMENT_SPLIT_ALPHA,
                status=Status.WARN,
                message=f"The split differs between {b.column!r} segments (chi-square p "
                        f"{_p(b.split.pvalue)}); pooled lifts may be confounded by {b.column!r}."))
    if monitoring is not None:
        out.extend(monitoring.diagnostics)
        for path in monitoring.group_sequential:
            lift = next((x for x in lifts if x.metric == path.metric and x.variant == path.variant), None)
            if lift is not None and lift.estimate.pvalue < alpha and path.monitoring.first_crossing is None:
                last = path.monitoring.looks[-1]
                out.append(Diagnostic(
                    name=f"interim:{path.metric}:{path.variant}", value=abs(last.z), threshold=last.boundary,
                    status=Status.WARN,
                    message=f"{path.metric!r} ({path.variant!r}) has p {_p(lift.estimate.pvalue)} at "
                            f"information {last.fraction:.0%}, but |z| = {abs(last.z):.2f} has not crossed "
                            f"its group-sequential boundary {last.boundary:.2f}: not significant yet, "
                            "keep the test running."))
    return tuple(out)


def _p(p: float) -> str:
    """A p-value in a message: two significant digits, never a bare 0."""
    return f"= {p:.2g}" if p >= 1e-16 else "< 1e-16"


def _higher_better(lift: Lift) -> bool:
    return lift.higher_is_better
