"""Factorial tests: two or more factors randomized at once; main effects and interactions.

Every user gets one level of each factor (e.g. ``layout`` in {old, new} and ``banner`` in
{off, on}); the cells are the combinations. With ``mu_c`` the metric in cell ``c`` (CUPED-adjusted
to the pooled covariate mean when covariates are given) and ``V_c`` its sampling variance, every
effect is a contrast ``sum_c w_c mu_c`` with ``sum_c w_c = 0``, variance ``sum_c w_c^2 V_c``
(cells are independent), a normal interval and a z-test (Montgomery 2017, *Design and Analysis of
Experiments*, ch. 5–6; Kohavi, Tang & Xu 2020, ch. 4 for online tests):

* main effect of level ``l`` of factor ``F`` against its control level ``l0``: the difference
  ``mu(F=l) - mu(F=l0)`` averaged with equal weights over the combinations of the other factors;
* two-factor interaction of ``F=l`` and ``G=k``: the difference of differences
  ``[mu(l, k) - mu(l0, k)] - [mu(l, k0) - mu(l0, k0)]``, averaged over the other factors.

Holm-adjusted p-values are given across all effects of a metric. The split over cells is
checked with the sample-ratio test (equal shares by default).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from truelift.errors import DataError, MethodError, RoleError, boundary
from truelift.experiment.aggregate import Request, aggregate
from truelift.experiment.lift import arm_summaries
from truelift.experiment.metrics import Metric, check_metric_columns, resolve_metrics
from truelift.experiment.readout import _pairs, _resolve
from truelift.experiment.srm import SampleRatio, sample_ratio
from truelift.inference.multiplicity import holm
from truelift.inference.normal import normal_ci, normal_pvalue, p_phrase
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
from truelift.schema.rules import SRM_ALPHA
from truelift.schema.values import _ToDict
from truelift.vocabulary import renamed


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CellMean(_ToDict):
    """One cell of the design: its levels, users, metric value and standard error."""

    metric: str
    levels: tuple[Any, ...]
    users: int
    value: float
    se: float


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Effect(_ToDict):
    """A main effect or an interaction of one metric, with its Holm-adjusted p-value.

    The estimate's ``n_treated`` / ``mean_treated`` sum the cells entering the contrast with a
    positive weight and ``n_control`` / ``baseline`` those with a negative weight (for an
    interaction, the (control, control) cell enters with a positive weight).
    """

    metric: str
    term: str
    contrast: str
    estimate: Estimate
    pvalue_holm: float


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class Factorial(Analysis):
    """Result of :func:`factorial`."""

    kind: ClassVar[str] = "factorial"

    factors: tuple[str, ...]
    control_levels: tuple[Any, ...]
    levels: tuple[tuple[Any, ...], ...]
    metrics: tuple[str, ...]
    binary: dict[str, bool]
    cells: tuple[CellMean, ...]
    effects: tuple[Effect, ...]
    srm: SampleRatio
    level: float
    diagnostics: tuple[Diagnostic, ...]
    verdict: Verdict
    provenance: Provenance

    def _rates(self) -> frozenset[str]:
        return frozenset(m for m, b in self.binary.items() if b)

    def _title(self) -> str:
        return f"Factorial test of {' x '.join(self.factors)}"

    def _estimates(self) -> tuple[Estimate, ...]:
        """Every main effect and interaction of every metric (``arm`` is the term)."""
        return tuple(e.estimate if e.estimate.arm is not None
                     else dataclasses.replace(e.estimate, arm=e.term) for e in self.effects)

    def _tables(self) -> tuple[Table, ...]:
        return (
            Table(name="effects", title="Main effects and interactions",
                  columns=("metric", "term", "contrast", "estimate", "ci_low", "ci_high", "p_value",
                           "p_value_holm"),
                  rows=tuple((e.metric, e.term, e.contrast, e.estimate.value, *e.estimate.ci,
                              e.estimate.pvalue, e.pvalue_holm) for e in self.effects)),
            Table(name="cells", title="Every cell of the design",
                  columns=("metric", *self.factors, "users", "value", "se"),
                  rows=tuple((c.metric, *map(str, c.levels), c.users, c.value, c.se)
                             for c in self.cells)),
            Table(name="sample_ratio", title="Sample ratio check",
                  columns=("cell", "users", "planned_share", "observed_share"),
                  rows=tuple((str(lab), n, e, o) for lab, n, e, o in zip(
                      self.srm.labels, self.srm.observed, self.srm.expected_share,
                      self.srm.observed_share, strict=True))),
        )

    def _figures(self) -> tuple[Figure, ...]:
        """One figure per metric (metrics are on different scales)."""
        out = []
        for m in self.metrics:
            effects = [e for e in self.effects if e.metric == m]
            out.append(Figure(
                name=f"effects_{m}", kind="bars", title=f"Main effects and interactions on {m}",
                data={"labels": [e.term for e in effects],
                      "values": [e.estimate.value for e in effects],
                      "lower": [e.estimate.ci[0] for e in effects],
                      "upper": [e.estimate.ci[1] for e in effects]},
                xlabel="term", ylabel=f"effect on {m}"))
        return tuple(out)

    def effect(self, metric: str, term: str) -> Effect:
        """The effect ``term`` (e.g. ``"layout"`` or ``"layout x banner"``) of ``metric``."""
        for e in self.effects:
            if e.metric == metric and e.term == term:
                return e
        raise KeyError(f"no effect {term!r} for metric {metric!r}")


def _level_of_alpha(alpha: float) -> float:
    return 1.0 - alpha


@renamed(metrics="outcome", dropna="drop_missing", expected_split="split", alpha=("level", _level_of_alpha))
@boundary
def factorial(
    data: Any,
    *,
    factors: Mapping[str, Any] | Sequence[str],
    outcome: Sequence[str | Metric] | str | Metric,
    covariates: Mapping[str, Sequence[str]] | Sequence[str] | str | None = None,
    level: float = 0.95,
    split: Sequence[float] | None = None,
    srm_threshold: float = SRM_ALPHA,
    drop_missing: bool = False,
) -> Factorial:
    """Read out a factorial test: main effects and two-factor interactions of every metric.

    Args:
        data: a pandas DataFrame, a CSV/Parquet path or an Ibis table (one row per user).
        factors: the factor columns, mapped to their control level (or a list: the control
            level is then the first in sorted order).
        outcome: the metrics, as in :func:`~truelift.experiment.readout.readout` (formerly
            ``metrics``).
        covariates: CUPED pre-period covariates (one list for all metrics, or per metric).
        level: the level of every interval; tests are at ``1 - level`` (formerly ``alpha``).
        split: (formerly ``expected_split``) planned share of each cell (in sorted cell order);
            equal by default.
    """
    if not (0.0 < level < 1.0):
        raise MethodError(f"level must be in (0, 1), got {level!r}")
    alpha = round(1.0 - level, 15)  # 1 - 0.95 is 0.050000000000000044 in floats: 0.05
    metrics, dropna, expected_split = outcome, drop_missing, split  # body names
    names = tuple(factors) if not isinstance(factors, str) else (factors,)
    if len(names) < 2:
        raise RoleError("factors: a factorial test needs at least two factor columns")
    if len(set(names)) < len(names):
        raise RoleError(f"factors must be different columns, got {list(names)}")
    specs = resolve_metrics(metrics, covariates)
    for m in specs:
        check_metric_columns(m, {f: "a factor" for f in names})
    variables = list(dict.fromkeys(v for m in specs for v in (*m.variables, *m.covariates)))
    request = Request(keys=names, variables=tuple(variables),
                      pairs=_pairs(variables, [(*m.variables, *m.covariates) for m in specs]),
                      dropna=dropna)
    agg = aggregate(data, request)
    cells = agg.cells
    dropped = {f"missing {k}": v for k, v in agg.missing_by_column.items()} if agg.rows_dropped else {}
    for f in names:
        miss = cells.where(**{f: None})
        if miss.any():
            dropped[f"{f} missing"] = int(cells.rows[miss].sum())
            cells = cells.drop(miss)
    levels = [cells.levels(f) for f in names]
    controls = []
    for f, lv in zip(names, levels, strict=True):
        if not lv:
            raise DataError(f, "has no users with a level (the data has no usable rows)")
        if len(lv) < 2:
            raise DataError(f, f"has one level ({lv[0]!r}); a factor needs at least two")
        if isinstance(factors, Mapping):
            ctrl = factors[f]
            match = [x for x in lv if x == ctrl or str(x) == str(ctrl)]
            if not match:
                raise DataError(f, f"control level {ctrl!r} not found (levels: {', '.join(map(repr, lv))})")
            controls.append(match[0])
        else:
            controls.append(lv[0])
    combos = list(itertools.product(*levels))
    moments = {}
    for combo in combos:
        m = cells.total(cells.where(**dict(zip(names, combo, strict=True))))
        if m.n < 2:
            raise DataError(names[0], f"cell {dict(zip(names, combo, strict=True))} has {m.n} users; every "
                                      "combination of factor levels needs at least 2")
        moments[combo] = m
    specs = [_resolve(m, cells) for m in specs]
    srm = sample_ratio([" / ".join(map(str, c)) for c in combos], [moments[c].n for c in combos],
                       expected_split, threshold=srm_threshold)

    cell_rows: list[CellMean] = []
    effects: list[Effect] = []
    for m in specs:
        summ = {s.label: s for s in arm_summaries(m, moments)}
        for c in combos:
            cell_rows.append(CellMean(metric=m.name, levels=c, users=summ[c].n, value=summ[c].value,
                                      se=math.sqrt(summ[c].variance)))
        raw = list(_effects(m, names, levels, controls, combos, summ, level))
        adj = holm([e.estimate.pvalue for e in raw])
        effects += [dataclasses.replace(e, pvalue_holm=float(p)) for e, p in zip(raw, adj, strict=True)]

    diags = [Diagnostic(name="sample_ratio", value=srm.pvalue, threshold=srm.threshold,
                        status=Status.FAIL if srm.mismatch else Status.OK,
                        message=(f"Sample-ratio mismatch across the cells ({p_phrase(srm.pvalue)}); "
                                 "the cells "
                                 "are not comparable." if srm.mismatch else
                                 f"The split over cells matches the plan ({p_phrase(srm.pvalue)})."))]
    verdict = Verdict.from_diagnostics(diags, subject="Factorial readout")
    used = int(cells.rows.sum())
    prov = make_provenance(parameters={"factors": dict(zip(names, controls, strict=True)),
                                  "metrics": [m.name for m in specs], "alpha": alpha,
                                  "covariates": {m.name: list(m.covariates) for m in specs}},
                      seed=None, rows_read=cells.rows_read, rows_used=used, rows_dropped=dropped,
                      source=agg.source)
    return Factorial(factors=names, control_levels=tuple(controls), levels=tuple(tuple(lv) for lv in levels),
                     metrics=tuple(m.name for m in specs), binary={m.name: m.binary for m in specs},
                     cells=tuple(cell_rows), effects=tuple(effects), srm=srm, level=level,
                     diagnostics=tuple(diags), verdict=verdict, provenance=prov)


def _contrast(metric: Metric, term: str, label: str, weights: dict[tuple[Any, ...], float],
              summ: dict[Any, Any], level: float) -> Effect:
    value = float(sum(w * summ[c].value for c, w in weights.items()))
    var = float(sum(w * w * summ[c].variance for c, w in weights.items()))
    se = math.sqrt(max(var, 0.0))
    pos = [c for c, w in weights.items() if w > 0]
    neg = [c for c, w in weights.items() if w < 0]
    n_t = int(sum(summ[c].n for c in pos))
    n_c = int(sum(summ[c].n for c in neg))
    est = Estimate(outcome=metric.name, estimand="ATE", method="factorial contrast", value=value, se=se,
                   ci=normal_ci(value, se, level), level=level, pvalue=normal_pvalue(value, se),
                   se_kind="cuped" if metric.covariates else "delta", n_treated=n_t, n_control=n_c,
                   mean_treated=float(sum(w * summ[c].value for c, w in weights.items() if w > 0)),
                   baseline=float(-sum(w * summ[c].value for c, w in weights.items() if w < 0)),
                   arm=term)
    return Effect(metric=metric.name, term=term, contrast=label, estimate=est, pvalue_holm=1.0)


def _effects(metric: Metric, names: tuple[str, ...], levels: list[list[Any]], controls: list[Any],
             combos: list[tuple[Any, ...]], summ: dict[Any, Any], level: float) -> list[Effect]:
    out = []
    k = len(names)
    for i in range(k):
        others = math.prod(len(levels[j]) for j in range(k) if j != i)
        for lv in levels[i]:
            if lv == controls[i]:
                continue
            w = {c: (1.0 if c[i] == lv else -1.0 if c[i] == controls[i] else 0.0) / others for c in combos}
            out.append(_contrast(metric, names[i], f"{names[i]}={lv} vs {controls[i]}",
                                 {c: x for c, x in w.items() if x != 0.0}, summ, level))
    for i, j in itertools.combinations(range(k), 2):
        others = math.prod(len(levels[q]) for q in range(k) if q not in (i, j))
        for li in levels[i]:
            for lj in levels[j]:
                if li == controls[i] or lj == controls[j]:
                    continue
                w: dict[tuple[Any, ...], float] = {}
                for c in combos:
                    si = 1.0 if c[i] == li else -1.0 if c[i] == controls[i] else 0.0
                    sj = 1.0 if c[j] == lj else -1.0 if c[j] == controls[j] else 0.0
                    if si and sj:
                        w[c] = si * sj / others
                out.append(_contrast(metric, f"{names[i]} x {names[j]}",
                                     f"{names[i]}={li} x {names[j]}={lj}", w, summ, level))
    return out
