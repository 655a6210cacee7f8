"""``tl.uplift``: who benefits, by how much, and whom to target.

For a treatment with a control and ``K >= 1`` arms (a coupon; two different e-mails) and one or
more outcomes, the analysis

1. cross-fits the population nuisances (outcome model per arm, propensity: known by design in a
   randomized test, estimated in an observational one) and forms each customer's doubly robust
   (AIPW) pseudo-outcome of every arm (:mod:`truelift.hte.nuisance`);
2. fits the chosen CATE learner (S, T, X, DR, R or the causal forest, :mod:`truelift.hte.learners`)
   for every arm against control, on the rows of those two arms, with honest out-of-fold scores;
   rows of the other arms are scored by the learner's final fit, which never saw them;
3. evaluates the scores on held-out rows only: Qini and uplift curves, Qini coefficient and AUUC,
   uplift at the top 10/20/30/50 %, calibration by predicted-uplift decile (observed = AIPW mean
   in the decile, with its CI) and the BLP heterogeneity test (Chernozhukov et al. 2018/2023);
4. splits customers into persuadables, sure things, lost causes and sleeping dogs, estimates
   pre-specified covariate segments (Holm, empirical-Bayes shrinkage) and explains the effect
   (permutation importance, effect by covariate bin, distribution);
5. with a value per unit of the first outcome and a cost per treated customer, builds the
   targeting policy (profit curve, policy value with a doubly robust CI against treat-all and
   treat-none, budget, best arm per customer).

The ATE of every arm is the cross-fitted AIPW estimate ``mean(Gamma_k - Gamma_0)`` with the
influence-function standard error; it does not depend on the CATE learner.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from truelift.data.prepare import Prepared, Roles, prepare
from truelift.errors import DataError, MethodError, boundary
from truelift.hte import evaluation as ev
from truelift.hte import explain
from truelift.hte.learners import LEARNERS, FittedCATE
from truelift.hte.nuisance import CLIP, Nuisances, nuisances
from truelift.hte.policy import TargetingPolicy, targeting_policy
from truelift.hte.segments import (
    FourGroups,
    SubgroupEffects,
    default_thresholds,
    four_groups,
    subgroup_effects,
)
from truelift.inference.influence import covariance_from_influence
from truelift.inference.normal import effect_from_means, p_phrase
from truelift.nuisance.crossfit import default_folds, fold_ids
from truelift.nuisance.folds import canonicalize
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
from truelift.schema.rules import GROUP_MIN, HETEROGENEITY_ALPHA, UPLIFT_CLIPPED_FAIL, UPLIFT_CLIPPED_OK
from truelift.schema.values import _ToDict
from truelift.vocabulary import renamed

Progress = Callable[[str, int, int], None]
DESIGNS = ("randomized", "observational")
TOP_SHARES = (0.1, 0.2, 0.3, 0.5)
CURVE_BINS = 100
MIN_PER_ARM = 20


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ArmUplift(_ToDict):
    """One treatment arm against control, for one outcome.

    Attributes:
        ate: cross-fitted AIPW average effect of the arm (all customers), with relative lift.
        learner_ate: the CATE learner's own average (mean of its out-of-fold scores).
        qini, uplift: curves on the arm's and control's held-out rows (100 cuts).
        qini_coefficient, auuc: normalized areas (scikit-uplift's definitions; 0 = random,
            1 = the best ordering of this sample).
        top: observed uplift among the top 10/20/30/50 % by score (difference in means).
        calibration: predicted vs observed (AIPW) uplift by decile of the score.
        blp: the best-linear-predictor heterogeneity test.
        groups: the four customer groups; subgroups: pre-specified covariate segments.
        importance, by_covariate, distribution: what drives the effect, and its spread.
        interval_excludes_zero: with the causal forest, the share of customers whose CI lies
            above 0 and below 0 (``None`` for other learners).
    """

    arm: str
    outcome: str
    ate: Estimate
    learner_ate: float
    qini: ev.UpliftCurve
    uplift: ev.UpliftCurve
    qini_coefficient: float
    auuc: float
    top: tuple[ev.UpliftAtK, ...]
    calibration: ev.CalibrationResult
    blp: ev.BLPResult
    groups: FourGroups
    subgroups: tuple[SubgroupEffects, ...]
    importance: tuple[explain.Importance, ...]
    by_covariate: tuple[explain.EffectByCovariate, ...]
    distribution: explain.Distribution
    interval_excludes_zero: tuple[float, float] | None
    diagnostics: tuple[Diagnostic, ...]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeUplift(_ToDict):
    """Every arm's results for one outcome, and how many customers each arm suits best."""

    outcome: str
    binary: bool
    arms: tuple[ArmUplift, ...]
    best_arm_counts: Mapping[str, int]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class UpliftAnalysis(Analysis):
    """The result of :func:`uplift` (see the module docstring).

    ``scores()`` returns the per-customer scores and decisions as a DataFrame (for export).
    """

    kind: ClassVar[str] = "uplift"

    treatment: str
    control: str
    arms: tuple[str, ...]
    outcomes: tuple[str, ...]
    covariates: tuple[str, ...]
    learner: str
    base: str
    design: str
    folds: int
    level: float
    propensity: str
    results: tuple[OutcomeUplift, ...]
    policy: TargetingPolicy | None
    diagnostics: tuple[Diagnostic, ...]
    verdict: Verdict
    provenance: Provenance
    _scores: Mapping[str, np.ndarray] = dataclasses.field(repr=False, compare=False,
                                                          metadata={"to_dict": False})

    def scores(self) -> Any:
        """Per-customer export: id (when given), arm, each arm's predicted effect per outcome,
        the customer group, and (with a policy) the predicted net profit and the decision."""
        import pandas as pd

        return pd.DataFrame({k: np.asarray(v) for k, v in self._scores.items()})

    def _rates(self) -> frozenset[str]:
        return frozenset(r.outcome for r in self.results if r.binary)

    def _title(self) -> str:
        return f"Uplift and targeting: {self.treatment}"

    def _estimates(self) -> tuple[Estimate, ...]:
        """The cross-fitted AIPW average effect of every arm on every outcome (``arm`` set)."""
        return tuple(a.ate if a.ate.arm is not None else dataclasses.replace(a.ate, arm=a.arm)
                     for r in self.results for a in r.arms)

    def _tables(self) -> tuple[Table, ...]:
        arms = [a for r in self.results for a in r.arms]
        out = [
            Table(name="arms", title="Average effect and ranking quality of every arm",
                  columns=("outcome", "arm", "ate", "ci_low", "ci_high", "learner_ate",
                           "qini_coefficient", "auuc"),
                  rows=tuple((a.outcome, a.arm, a.ate.value, *a.ate.ci, a.learner_ate,
                              a.qini_coefficient, a.auuc) for a in arms)),
            Table(name="groups", title="The four customer groups",
                  columns=("outcome", "arm", "group", "customers", "share", "predicted",
                           "observed", "se"),
                  rows=tuple((a.outcome, a.arm, g.name, g.n, g.share, g.predicted, g.observed, g.se)
                             for a in arms for g in a.groups.groups)),
            Table(name="top", title="Observed uplift among the customers ranked highest",
                  columns=("outcome", "arm", "top_share", "customers", "uplift", "se"),
                  rows=tuple((a.outcome, a.arm, t.share, t.n, t.uplift, t.se)
                             for a in arms for t in a.top)),
            Table(name="calibration", title="Predicted against observed uplift by score group",
                  columns=("outcome", "arm", "group", "customers", "predicted", "observed",
                           "ci_low", "ci_high"),
                  rows=tuple((a.outcome, a.arm, g.group, g.n, g.predicted, g.observed, *g.ci)
                             for a in arms for g in a.calibration.groups)),
            Table(name="importance", title="What drives the predicted effect",
                  columns=("outcome", "arm", "covariate", "importance"),
                  rows=tuple((a.outcome, a.arm, i.covariate, i.importance)
                             for a in arms for i in a.importance)),
        ]
        if self.policy is not None:
            out.append(Table(
                name="policy", title="Profit of the targeting rule against alternatives",
                columns=("policy", "against", "per_customer", "ci_low", "ci_high", "p_value",
                         "total"),
                rows=tuple((v.name, v.vs, v.value, *v.ci, v.pvalue, v.total)
                           for v in self.policy.values)))
        return tuple(out)

    def _figures(self) -> tuple[Figure, ...]:
        out = []
        for r in self.results:
            same_x = len({tuple(a.qini.x) for a in r.arms}) == 1
            for group in ([list(r.arms)] if same_x else [[a] for a in r.arms]):
                first = group[0]
                out.append(Figure(   # one figure per arm when the arms' curves have their own grids
                    name=f"qini_{r.outcome}" + ("" if same_x else f"_{first.arm}"), kind="series",
                    title=f"Qini curve: {r.outcome}" + ("" if same_x else f", {first.arm}"),
                    data={"x": [float(v) for v in first.qini.x],
                          "lines": {**{a.arm: [float(v) for v in a.qini.values] for a in group},
                                    "random": [float(v) for v in first.qini.random]}},
                    xlabel="share of customers targeted", ylabel="incremental outcome"))
            for a in r.arms:
                cal = [g for g in a.calibration.groups if g.n > 0]
                if cal:
                    out.append(Figure(
                        name=f"calibration_{r.outcome}_{a.arm}", kind="forest",
                        title=f"Observed against predicted effect of {a.arm} on {r.outcome}, by score "
                              "group (grey tick: predicted)",
                        data={"labels": [f"group {g.group}" for g in cal],
                              "values": [g.observed for g in cal],
                              "lower": [g.ci[0] for g in cal], "upper": [g.ci[1] for g in cal],
                              "reference": [g.predicted for g in cal]},
                        xlabel="score group (1: lowest predicted effect)",
                        ylabel="observed (doubly robust) effect"))
                out.append(Figure(
                    name=f"importance_{r.outcome}_{a.arm}", kind="bars",
                    title=f"What drives the effect of {a.arm} on {r.outcome}",
                    data={"labels": [i.covariate for i in a.importance],
                          "values": [i.importance for i in a.importance]},
                    xlabel="covariate", ylabel="importance"))
                out.append(Figure(
                    name=f"distribution_{r.outcome}_{a.arm}", kind="histogram",
                    title=f"Predicted effect of {a.arm} on {r.outcome} across customers",
                    data={"edges": list(a.distribution.edges),
                          "counts": list(a.distribution.counts)},
                    xlabel="predicted effect", ylabel="customers"))
        if self.policy is not None:
            c = self.policy.curve
            out.append(Figure(
                name="profit", kind="series", title="Incremental profit by share targeted",
                data={"x": [float(v) for v in c.share],
                      "lines": {"profit": [float(v) for v in c.values]},
                      "band": {"line": "profit", "lower": [float(v) for v in c.lower],
                               "upper": [float(v) for v in c.upper]}},
                xlabel="share of customers targeted", ylabel="profit per customer"))
        return tuple(out)

    def arm(self, outcome: str | None = None, arm: str | None = None) -> ArmUplift:
        """The results of one arm for one outcome (default: the first of each)."""
        res = self.results[0] if outcome is None else next(
            (r for r in self.results if r.outcome == outcome), None)
        if res is None:
            raise MethodError(f"no outcome {outcome!r}; outcomes: {', '.join(self.outcomes)}")
        hit = res.arms[0] if arm is None else next((a for a in res.arms if a.arm == str(arm)), None)
        if hit is None:
            raise MethodError(f"no arm {arm!r}; arms: {', '.join(self.arms[1:])}")
        return hit


# --------------------------------------------------------------------------------------------------
# the entry


@renamed(id="unit")
@boundary
def uplift(
    data: Any,
    *,
    treatment: str,
    outcome: str | Sequence[str],
    covariates: str | Sequence[str],
    control: Any = None,
    learner: str | Any = "dr",
    base: str = "lightgbm",
    design: str = "randomized",
    propensity: str | None = None,
    value: float | None = None,
    cost: float | Sequence[float] | Mapping[Any, float] | None = None,
    max_customers: int | None = None,
    max_spend: float | None = None,
    segments: Sequence[str] = (),
    categorical: Sequence[str] = (),
    unit: str | None = None,
    effect_threshold: float | None = None,
    baseline_threshold: float | None = None,
    folds: int | None = None,
    level: float = 0.95,
    seed: int = 0,
    drop_missing: bool = False,
    progress: Progress | None = None,
) -> UpliftAnalysis:
    """Heterogeneous effects, uplift evaluation, customer groups and a cost-aware targeting rule.

    Args:
        data: a pandas DataFrame, or a CSV or Parquet path.
        treatment: the arm column; ``control`` names the control label (needed unless the
            column is 0/1 or boolean, where 0 / False is the control). Every other label is a
            treatment arm, compared with the control.
        outcome: one or more outcome columns (0/1 conversion, or a number such as revenue); the
            policy values the first.
        covariates: pre-treatment columns (non-numeric ones, and ``categorical``, one-hot encoded).
        learner: ``"s"``, ``"t"``, ``"x"``, ``"dr"`` (default), ``"r"``, ``"cf"`` (causal forest), or
            a learner instance (e.g. ``DRLearner(base="linear")``).
        base: base models of the learner and the nuisances: ``"lightgbm"``, ``"gbm"`` or ``"linear"``.
        design: ``"randomized"`` (the propensity is known: each arm's share, or the ``propensity``
            column) or ``"observational"`` (estimated by the cross-fitted model with the lower
            out-of-fold log loss, penalized logistic or LightGBM, clipped at 0.01, with an
            overlap diagnostic).
        propensity: with two arms in a randomized test, a column of each row's known probability of
            treatment (when it differed between customers).
        value: value of one unit of the first outcome (e.g. margin per conversion, or 0.4 for a
            40 % margin on revenue). ``cost``: cost of treating one customer, one number or one
            per arm (a mapping label -> cost). Both are needed for the targeting policy.
        max_customers, max_spend: a budget for the policy.
        segments: covariates whose levels (or quintiles) are pre-specified subgroups.
        unit: a customer id column, kept in ``scores()`` (formerly ``id``).
        effect_threshold, baseline_threshold: thresholds of the four groups on the first outcome
            (default: break-even ``cost/value``, else 10 % of the mean predicted control outcome;
            0.5 for a 0/1 outcome, else the median predicted control outcome). Other outcomes
            always use the defaults without money, on their own scale.
        folds: cross-fitting folds (default: 5 below 100,000 rows, 3 from there on;
            :func:`truelift.nuisance.crossfit.default_folds`). ``level``: confidence level.
            ``seed``: every random step.
        drop_missing: drop (and count) rows with a missing covariate instead of failing.
        progress: ``progress(step, done, total)`` callback.
    """
    id = unit  # body names
    outcomes = (outcome,) if isinstance(outcome, str) else tuple(outcome)
    covariates_t = (covariates,) if isinstance(covariates, str) else tuple(covariates)
    segments = (segments,) if isinstance(segments, str) else tuple(segments)
    _check_settings(design, propensity, value, cost, max_customers, max_spend, folds, level,
                    segments, covariates_t)
    settings = _learner(learner, base, folds, level)
    roles = Roles(treatment=treatment, outcomes=outcomes, covariates=covariates_t, id=id,
                  categorical=tuple(categorical), control=control)
    steps = 2 + len(outcomes) * 2
    done = 0

    def tick(step: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(step, done, steps)

    prepared = prepare(data, roles, drop_missing=drop_missing, min_per_arm=MIN_PER_ARM)
    arms = tuple(str(a) for a in prepared.arms)
    known = _known_propensity(data, prepared, propensity) if propensity is not None else None
    # Hash order (truelift.nuisance.folds): any row order gives the same folds, fits and scores;
    # the per-customer scores are put back in the caller's row order at the end.
    prepared, order = canonicalize(prepared, salt=seed)
    if known is not None:
        known = known[order]
    t = np.asarray(prepared.t)
    k_arms = len(arms)
    if folds is None:
        folds = default_folds(t.shape[0])
        settings = _learner(learner, base, folds, level)
    _check_folds(t, arms, folds, treatment)
    costs = _costs(cost, arms) if value is not None else None
    tick("read and validate")

    rng = np.random.default_rng(seed)
    fold = fold_ids(t, folds, rng)
    regress = settings._regress
    results: list[OutcomeUplift] = []
    scores: dict[str, np.ndarray] = {}
    if prepared.ids is not None:
        scores[id or "id"] = np.asarray(prepared.ids)
    scores[treatment] = np.asarray([arms[c] for c in t], dtype=object)
    diagnostics: list[Diagnostic] = []
    policy: TargetingPolicy | None = None
    nuis0: Nuisances | None = None
    for j, out in enumerate(outcomes):
        y = np.asarray(prepared.y[out])
        for a in range(k_arms):
            if np.ptp(y[t == a]) == 0:
                raise DataError(out, f"outcome is constant ({y[t == a][0]:g}) in arm {arms[a]!r}; "
                                     "no effect can be learned")
        nuis = nuisances(prepared.x, t, y, arms=k_arms, folds=fold, regress=regress, rng=rng,
                         propensity=known, estimate_propensity=design == "observational")
        nuis0 = nuis0 or nuis
        pseudo = nuis.pseudo(y, t)
        gamma = nuis.gamma(y, t)
        tick(f"nuisances ({out})")
        arm_results, tau = [], np.empty((t.shape[0], k_arms - 1))
        for k in range(1, k_arms):
            # money (value, cost) prices the first outcome only; the others use the plain thresholds
            res, tau[:, k - 1], fitted = _arm(settings, prepared, t, y, k, arms, out, nuis, pseudo[:, k - 1],
                                              gamma, segments, value if j == 0 else None,
                                              costs if j == 0 else None,
                                              effect_threshold if j == 0 else None,
                                              baseline_threshold if j == 0 else None, level, design, seed)
            arm_results.append(res)
            scores[f"tau_{out}_{arms[k]}"] = tau[:, k - 1]
            if fitted.oof_interval is not None:
                lo, hi = _forest_interval(fitted, prepared.x, t, k)
                scores[f"tau_{out}_{arms[k]}_lower"], scores[f"tau_{out}_{arms[k]}_upper"] = lo, hi
            scores[f"group_{out}_{arms[k]}"] = res.groups.labels
        best = np.where(tau.max(axis=1) > 0, tau.argmax(axis=1) + 1, 0)
        scores[f"best_arm_{out}"] = np.asarray([arms[c] for c in best], dtype=object)
        counts = {arms[c]: int((best == c).sum()) for c in range(k_arms)}
        results.append(OutcomeUplift(outcome=out, binary=bool(prepared.binary[out]),
                                     arms=tuple(arm_results), best_arm_counts=counts))
        if j == 0 and value is not None:
            assert costs is not None
            policy = targeting_policy(pseudo, tau, value=value, cost=costs, max_customers=max_customers,
                                      max_spend=max_spend, level=level, arm_names=arms[1:])
            scores["net_profit"] = policy.net_profit
            scores["decision"] = np.asarray(["none" if d < 0 else arms[d + 1] for d in policy.decision],
                                            dtype=object)
        tick(f"learners ({out})")

    assert nuis0 is not None
    diagnostics += _design_diagnostics(design, nuis0, prepared)
    all_diag = [*diagnostics, *(d for r in results for a in r.arms for d in a.diagnostics)]
    verdict = Verdict.from_diagnostics(all_diag, subject="Uplift")
    provenance = _provenance(prepared, locals_=dict(
        treatment=treatment, outcome=list(outcomes), covariates=list(covariates_t), control=control,
        learner=settings.name, base=base, design=design, propensity=propensity, value=value,
        cost=cost if not isinstance(cost, Mapping) else {str(k): v for k, v in cost.items()},
        max_customers=max_customers, max_spend=max_spend, segments=list(segments), folds=folds,
        level=level), seed=seed)
    back = np.empty_like(order)
    back[order] = np.arange(order.shape[0])
    scores = {k: np.asarray(v)[back] for k, v in scores.items()}
    for v in scores.values():
        v.setflags(write=False)
    return UpliftAnalysis(
        treatment=treatment, control=arms[0], arms=arms, outcomes=outcomes,
        covariates=tuple(prepared.x_names), learner=settings.name, base=base, design=design,
        folds=folds, level=level,
        propensity=(("estimated (cross-fitted; penalized logistic or LightGBM, whichever has the "
                     "lower out-of-fold log loss; clipped at 0.01)" if k_arms == 2 else
                     "estimated (cross-fitted multinomial logistic, clipped at 0.01)")
                    if design == "observational"
                    else f"known ({propensity!r} column)" if propensity else "known (each arm's share)"),
        results=tuple(results), policy=policy, diagnostics=tuple(diagnostics), verdict=verdict,
        provenance=provenance, _scores=scores)


# --------------------------------------------------------------------------------------------------
# one arm against control


def _arm(settings: Any, prepared: Prepared, t: np.ndarray, y: np.ndarray, k: int, arms: tuple[str, ...],
         out: str, nuis: Nuisances, pseudo: np.ndarray, gamma: np.ndarray, segments: tuple[str, ...],
         value: float | None, costs: tuple[float, ...] | None, effect_threshold: float | None,
         baseline_threshold: float | None, level: float, design: str, seed: int
         ) -> tuple[ArmUplift, np.ndarray, FittedCATE]:
    rows = (t == 0) | (t == k)
    tk = (t[rows] == k).astype(np.int8)
    yk = y[rows]
    e_rows = nuis.e[rows, k] / (nuis.e[rows, k] + nuis.e[rows, 0])
    fitted = settings.fit(prepared.x[rows], tk, yk, propensity=e_rows, seed=seed + k)
    tau = np.empty(t.shape[0])
    tau[rows] = fitted.oof
    if (~rows).any():
        tau[~rows] = fitted.predict(prepared.x[~rows])
    score = tau[rows]

    ate = _ate(gamma[:, k], gamma[:, 0], out, level, int((t == k).sum()), int((t == 0).sum()))
    ate = dataclasses.replace(ate, arm=str(arms[k]))
    qini = ev.qini_curve(yk, tk, score, bins=CURVE_BINS)
    upl = ev.uplift_curve(yk, tk, score, bins=CURVE_BINS)
    top = tuple(ev.uplift_at_k(yk, tk, score, s) for s in TOP_SHARES)
    calib = ev.dr_calibration(tau, pseudo, level=level)
    blp = ev.blp_test(yk, tk, score, e_rows, baseline=nuis.mu[rows, 0], level=level)

    mu0 = nuis.mu[:, 0]
    binary = bool(np.isin(y, (0.0, 1.0)).all())
    arm_cost = None if costs is None else costs[k - 1]
    priced = value is not None and arm_cost is not None and arm_cost > 0
    eff, base_thr, _reason = default_thresholds(mu0, tau, binary=binary, value=value if priced else None,
                                                cost=arm_cost if priced else None)
    eff = eff if effect_threshold is None else effect_threshold
    base_thr = base_thr if baseline_threshold is None else baseline_threshold
    groups = four_groups(mu0, mu0 + tau, pseudo, effect_threshold=eff, baseline_threshold=base_thr,
                         level=level)
    subgroups = tuple(subgroup_effects(pseudo, _segment_labels(prepared, s)[0], name=s, level=level)
                      for s in segments)
    rng = np.random.default_rng(seed + 1000 + k)
    imp = explain.importance(fitted.predict, prepared.x, _columns(prepared), rng)
    by_cov = tuple(explain.effect_by_bins(c.covariate, *_segment_labels(prepared, c.covariate), tau,
                                          pseudo, level) for c in imp[:3])
    interval = None
    if fitted.oof_interval is not None:
        lo, hi = fitted.oof_interval[:, 0], fitted.oof_interval[:, 1]
        interval = (float(np.mean(lo > 0)), float(np.mean(hi < 0)))
    qini_coef = ev.qini_coefficient(yk, tk, score)
    diags = _arm_diagnostics(arms[k], out, blp, qini_coef, calib, design) + _group_diagnostics(
        arms[k], out, groups)
    res = ArmUplift(
        arm=arms[k], outcome=out, ate=ate, learner_ate=float(fitted.ate), qini=qini, uplift=upl,
        qini_coefficient=qini_coef, auuc=ev.auuc(yk, tk, score), top=top,
        calibration=calib, blp=blp, groups=groups, subgroups=subgroups, importance=imp,
        by_covariate=by_cov, distribution=explain.distribution(tau), interval_excludes_zero=interval,
        diagnostics=diags)
    return res, tau, fitted


def _ate(g1: np.ndarray, g0: np.ndarray, out: str, level: float, n1: int, n0: int) -> Estimate:
    """AIPW ATE ``mean(Gamma_k - Gamma_0)`` with the influence-function covariance of the two means."""
    phi = np.column_stack([g1 - g1.mean(), g0 - g0.mean()])
    return effect_from_means(outcome=out, estimand="ATE", method="aipw", mu1=float(g1.mean()),
                             mu0=float(g0.mean()), cov=covariance_from_influence(phi), level=level,
                             se_kind="influence_function", n_treated=n1, n_control=n0)


# --------------------------------------------------------------------------------------------------
# helpers


def _learner(learner: Any, base: str, folds: int | None, level: float) -> Any:
    if isinstance(learner, str):
        key = learner.lower()
        if key not in LEARNERS:
            raise MethodError(f"unknown learner {learner!r}; choose one of {', '.join(LEARNERS)}")
        settings = LEARNERS[key](folds=folds, base=base)
        if key == "cf":  # the forest's per-customer intervals at the analysis's level
            settings = dataclasses.replace(settings, level=level)
        return settings
    if not hasattr(learner, "fit") or not hasattr(learner, "_regress"):
        raise MethodError(f"learner must be a key of LEARNERS or a learner instance, got {learner!r}")
    return learner


def _check_settings(design: str, propensity: str | None, value: float | None, cost: Any,
                    max_customers: int | None, max_spend: float | None, folds: int | None,
                    level: float,
                    segments: tuple[str, ...], covariates: tuple[str, ...]) -> None:
    if design not in DESIGNS:
        raise MethodError(f"unknown design {design!r}; choose 'randomized' or 'observational'")
    if propensity is not None and design != "randomized":
        raise MethodError("a known propensity column goes with design='randomized'")
    if cost is not None and value is None:
        raise DataError("value", "cost is given without value: give the value of one unit of the "
                                 "outcome (e.g. margin per conversion) so profit can be computed")
    if value is not None and not (math.isfinite(value) and value > 0):
        raise DataError("value", f"must be a positive number, got {value!r}")
    if (max_customers is not None or max_spend is not None) and value is None:
        raise DataError("value", "a budget is given without value and cost: the policy needs both")
    if folds is not None and (isinstance(folds, bool) or not isinstance(folds, int) or folds < 2):
        raise MethodError(f"folds must be an integer >= 2, got {folds!r}")
    if not (0.0 < level < 1.0):
        raise MethodError(f"level must be in (0, 1), got {level!r}")
    for s in segments:
        if s not in covariates:
            raise DataError(s, "segment column must also be a covariate (a pre-specified subgroup "
                               "of a pre-treatment column)")


def _check_folds(t: np.ndarray, arms: tuple[str, ...], folds: int, col: str) -> None:
    counts = np.bincount(t, minlength=len(arms))
    for code, cnt in enumerate(counts):
        if cnt < 2 * folds:
            raise DataError(col, f"arm {arms[code]!r} has {int(cnt)} rows: too few for {folds}-fold "
                                 f"cross-fitting (every fold needs the arm; at least {2 * folds})")


def _costs(cost: Any, arms: tuple[str, ...]) -> tuple[float, ...]:
    k = len(arms) - 1
    if cost is None:
        return (0.0,) * k
    if isinstance(cost, Mapping):
        named = {str(a): float(c) for a, c in cost.items()}
        missing = [a for a in arms[1:] if a not in named]
        if missing:
            raise DataError("cost", f"no cost for arm(s) {', '.join(map(repr, missing))}")
        out = tuple(named[a] for a in arms[1:])
    elif np.ndim(cost) == 0:
        out = (float(cost),) * k
    else:
        out = tuple(float(c) for c in cost)
        if len(out) != k:
            raise DataError("cost", f"expected one cost per treatment arm ({k}), got {len(out)}")
    if not all(math.isfinite(c) and c >= 0 for c in out):
        raise DataError("cost", f"costs must be finite and >= 0, got {out}")
    return out


def _known_propensity(data: Any, prepared: Prepared, column: str) -> np.ndarray:
    from truelift.data.io import read_columns

    if len(prepared.arms) != 2:
        raise MethodError("a propensity column is supported for two arms only")
    if prepared.rows_dropped:
        raise MethodError("a propensity column cannot be combined with drop_missing")
    values = read_columns(data, [column])[column].to_numpy(dtype=float, na_value=np.nan)
    if not np.all((values > 0) & (values < 1)):
        raise DataError(column, "known propensity must lie strictly inside (0, 1) on every row")
    return values


def _columns(prepared: Prepared) -> dict[str, list[int]]:
    cols: dict[str, list[int]] = {}
    for j, name in enumerate(prepared.x_names):
        cols.setdefault(prepared.x_source[name], []).append(j)
    return cols


def _segment_labels(prepared: Prepared, covariate: str) -> tuple[np.ndarray, list[str]]:
    """Labels of every row for a covariate: its levels, or quintile bins of a numeric one."""
    if covariate in prepared.levels:
        labels = [str(v) for v in prepared.level_labels[covariate]]
        return np.asarray(labels, dtype=object)[prepared.levels[covariate]], labels
    if covariate not in prepared.x_names:
        raise DataError(covariate, "is not a usable covariate (dropped as constant or collinear)")
    return explain.numeric_bins(prepared.x[:, prepared.x_names.index(covariate)])


def _forest_interval(fitted: FittedCATE, x: np.ndarray, t: np.ndarray, k: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    rows = (t == 0) | (t == k)
    lo, hi = np.empty(t.shape[0]), np.empty(t.shape[0])
    assert fitted.oof_interval is not None
    lo[rows], hi[rows] = fitted.oof_interval[:, 0], fitted.oof_interval[:, 1]
    if (~rows).any():
        iv = fitted.predict_interval(x[~rows])
        lo[~rows], hi[~rows] = iv[:, 0], iv[:, 1]
    return lo, hi


def _arm_diagnostics(arm: str, out: str, blp: ev.BLPResult, qini: float, calib: ev.CalibrationResult,
                     design: str) -> tuple[Diagnostic, ...]:
    what = f"{arm} on {out}"
    diags = []
    het = blp.pvalue_heterogeneity
    if blp.beta2 > 0 and het < HETEROGENEITY_ALPHA:
        diags.append(Diagnostic(name="heterogeneity", value=het, threshold=HETEROGENEITY_ALPHA,
                                status=Status.OK,
                                message=f"{what}: the scores predict who benefits more (BLP slope "
                                        f"{blp.beta2:.2f}, {p_phrase(het)})."))
    else:
        diags.append(Diagnostic(name="heterogeneity", value=het, threshold=HETEROGENEITY_ALPHA,
                                status=Status.WARN,
                                message=f"{what}: no heterogeneity worth targeting was detected (BLP "
                                        f"slope {blp.beta2:.2f}, {p_phrase(het)}); targeting by these "
                                        "scores may do no better than treating everyone or no one."))
    if qini <= 0:
        diags.append(Diagnostic(name="qini", value=qini, threshold=0.0, status=Status.WARN,
                                message=f"{what}: the held-out Qini coefficient is {qini:.3f}, no "
                                        "better than random targeting."))
    if design == "observational":
        diags.append(Diagnostic(name="raw_curves", value=1.0, status=Status.WARN,
                                message=f"{what}: Qini, AUUC and uplift@k compare raw treated and "
                                        "control outcomes, which assumes random assignment; on "
                                        "observational data read the doubly robust calibration, "
                                        "groups and policy value instead."))
    return tuple(diags)


def _group_diagnostics(arm: str, out: str, groups: FourGroups) -> tuple[Diagnostic, ...]:
    """Do the groups the model predicts to gain (lose) really gain (lose)? Checked when 100+ customers."""
    diags = []
    for g in groups.groups:
        if g.n < GROUP_MIN or not math.isfinite(g.se):
            continue
        wrong = (g.name == "sleeping dog" and g.ci[0] > 0) or (g.name == "persuadable" and g.ci[1] < 0)
        if wrong:
            sign = "gain" if g.name == "sleeping dog" else "lose"
            diags.append(Diagnostic(
                name=f"{g.name.replace(' ', '_')}_observed", value=g.observed, threshold=0.0,
                status=Status.WARN,
                message=f"{arm} on {out}: the {g.n} customers predicted to be {g.name}s in fact "
                        f"{sign} from it (observed effect {g.observed:+.3g}, CI {g.ci[0]:+.3g} to "
                        f"{g.ci[1]:+.3g}); the model's predictions for this group are not reliable."))
    return tuple(diags)


def _design_diagnostics(design: str, nuis: Nuisances, prepared: Prepared) -> list[Diagnostic]:
    diags = []
    if design == "observational":
        share = nuis.clipped / prepared.n
        status = (Status.OK if share <= UPLIFT_CLIPPED_OK else Status.WARN if share <= UPLIFT_CLIPPED_FAIL
                  else Status.FAIL)
        diags.append(Diagnostic(
            name="overlap_clipped", value=share, threshold=UPLIFT_CLIPPED_OK, status=status,
            message=(f"{nuis.clipped} customers ({share:.1%}) have an estimated propensity below "
                     f"{CLIP} for some arm (clipped): "
                     + ("overlap is adequate." if status is Status.OK else
                        "overlap is poor there; their effects are extrapolated by the outcome model.")
                     )))
    dropped = sum(prepared.rows_dropped.values())
    if dropped:
        # only with drop_missing=True (a missing value is an error otherwise): reported
        diags.append(Diagnostic(name="rows_dropped", value=dropped, status=Status.INFO,
                                message=f"{dropped} of {prepared.rows_read} rows were dropped as "
                                        "asked ("
                                        + ", ".join(f"{k}: {v}" for k, v in prepared.rows_dropped.items())
                                        + ")."))
    return diags


def _provenance(prepared: Prepared, locals_: dict[str, Any], seed: int) -> Provenance:

    return make_provenance(parameters=locals_, seed=seed,
                      rows_read=prepared.rows_read, rows_used=prepared.n,
                      rows_dropped=dict(prepared.rows_dropped), source=prepared.source)


__all__ = ["ArmUplift", "OutcomeUplift", "UpliftAnalysis", "uplift"]
