"""Rollout scenarios: what a measured effect is worth over a horizon, with Monte Carlo uncertainty.

Model. An effect ``tau`` per customer and period (the estimate's estimand: for an ATT, customers
like those who received the change) rolled out to a share ``rollout`` of ``N`` customers, of whom
a share ``reach`` is actually reached, decays geometrically: in period ``t = 0 .. H-1`` it is
``tau_t = tau (1 - decay)^t``. With ``value`` converting one unit of the outcome to money and
``R = N * rollout * reach`` customers reached,

* incremental value of period ``t``: ``R * tau_t * value``; over the horizon
  ``V = R * value * tau * S_H`` with ``S_H = sum_{t<H} (1 - decay)^t``;
* cost: ``C = R * cost_per_customer * H + fixed_cost`` (cost per reached customer and period,
  the fixed cost paid up front);
* profit: ``P = V - C``; the cumulative profit after ``k`` periods is
  ``R value tau S_k - R cost_per_customer k - fixed_cost``.

Uncertainty. Only ``tau`` is uncertain: it is drawn ``draws`` times from the estimate's sampling
distribution, normal with mean the estimate and standard deviation its standard error (the
large-sample distribution of every truelift estimator), with ``numpy.random.default_rng(seed)``;
the same draws serve every scenario (common random numbers), so scenarios compare without
simulation noise between them. Reported per scenario: the median and the 80% and ``level``
(default 95%) intervals of ``V`` and ``P``, the probability of a loss ``P(P < 0)`` and of reaching
the target ``P(P >= target)``. As ``V`` is linear in ``tau``, its exact interval is the
estimate's normal interval scaled by ``R value S_H`` (``analytic_revenue_ci``): the Monte Carlo
interval must agree with it within simulation error (a check, and a test). This is the
probabilistic sensitivity analysis of health economics (Doubilet et al. 1985; Briggs, Claxton &
Sculpher 2006), applied to a rollout; the tornado diagram is its one-way sensitivity analysis
(Eschenbach 1992).

Figures (:class:`~truelift.quasi.result.Figure`):

* ``"fan"`` (name ``"cumulative_profit"``): ``{"x": (1, ..., H), "series": {scenario: {"p2.5":
  (...), "p10": (...), "p50": (...), "p90": (...), "p97.5": (...)}}}``, the quantiles over the
  draws of the cumulative profit at the end of each period;
* ``"tornado"`` (name ``"sensitivity"``): ``{"labels": (input, ...), "low": (...), "high": (...),
  "base": profit, "low_input": (...), "high_input": (...)}``, the profit of the moderate scenario
  (the one named ``"moderate"``, else the middle one) at the point estimate (``base``) and when
  each input alone is set to its low and its high setting (``low_input`` / ``high_input``): the
  effect at the bounds of its interval, the rollout share and the cost per customer at -50% / +50%
  (rollout capped at 1), the decay at 0 and at twice its value (capped at 1). Sorted by swing,
  largest first.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from truelift.errors import MethodError, boundary
from truelift.impact.load import LoadedResult, loaded_estimates
from truelift.impact.projection import estimand_is
from truelift.quasi.result import Figure, Table
from truelift.schema import Analysis, Diagnostic, Estimate, Provenance, Status, Verdict, make_provenance
from truelift.schema.rules import LOSS_THRESHOLD
from truelift.schema.values import _ToDict

FAN_QUANTILES = (("p2.5", 0.025), ("p10", 0.10), ("p50", 0.50), ("p90", 0.90), ("p97.5", 0.975))
MIN_DRAWS = 1000
MAX_CELLS = 50_000_000
"""The most draws x horizon cells a projection computes (each draws x horizon float array takes
400 MB at the bound): beyond it ``project`` refuses with a clear error instead of exhausting
memory."""


@dataclasses.dataclass(frozen=True, slots=True)
class Scenario(_ToDict):
    """A rollout scenario: its ``name``, the share of customers it rolls out to (``rollout``), the
    share of those actually reached (``reach``), and optionally its own cost per customer and
    period and its own decay (``None``: those of :func:`project`)."""

    name: str
    rollout: float
    reach: float = 1.0
    cost_per_customer: float | None = None
    decay: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise MethodError(f"a scenario needs a non-empty name, got {self.name!r}")
        for what in ("rollout", "reach"):
            v = getattr(self, what)
            if not isinstance(v, int | float) or not (0.0 <= v <= 1.0):
                raise MethodError(f"scenario {self.name!r}: {what} share must be in [0, 1], got {v!r}")
        if self.cost_per_customer is not None:
            _check_nonneg(f"scenario {self.name!r}: cost_per_customer", self.cost_per_customer)
        if self.decay is not None:
            _check_decay(self.decay, f"scenario {self.name!r}: ")


DEFAULT_SCENARIOS = (Scenario("baseline", 0.25), Scenario("moderate", 0.5), Scenario("aggressive", 1.0))
"""Roll out to a quarter, half and all of the customers, all reached."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ScenarioOutcome(_ToDict):
    """One scenario's projection over the horizon (money in the units of ``value``).

    ``revenue`` / ``profit`` are at the point estimate; ``*_p50`` the Monte Carlo medians;
    ``*_80`` the 80% and ``*_ci`` the ``level`` intervals (2.5/97.5 percentiles at 95%);
    ``analytic_revenue_ci`` the exact normal interval of the incremental value; ``prob_target``
    is ``None`` without a target.
    """

    name: str
    rollout: float
    reach: float
    customers_reached: float
    cost_per_customer: float
    decay: float
    revenue: float
    revenue_p50: float
    revenue_80: tuple[float, float]
    revenue_ci: tuple[float, float]
    analytic_revenue_ci: tuple[float, float]
    cost: float
    profit: float
    profit_p50: float
    profit_80: tuple[float, float]
    profit_ci: tuple[float, float]
    prob_loss: float
    prob_target: float | None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class ScenarioAnalysis(Analysis):
    """The result of :func:`project` (see the module docstring).

    ``source_estimate`` is the per-customer effect projected (named ``estimate_name`` in the
    source; ``estimate()`` returns it too);
    ``scenarios`` one :class:`ScenarioOutcome` each; ``moderate`` names the scenario of the
    tornado and of the loss diagnostic. Tables: ``"scenarios"``; figures: ``"cumulative_profit"``
    (fan) and ``"sensitivity"`` (tornado).
    """

    kind: ClassVar[str] = "project"

    outcome: str
    estimate_name: str
    source_estimate: Estimate
    source: str
    source_kind: str
    customers: int | float
    value: float
    cost_per_customer: float
    fixed_cost: float
    horizon: int
    decay: float
    target: float | None
    draws: int
    level: float
    moderate: str
    scenarios: tuple[ScenarioOutcome, ...]
    tables: tuple[Table, ...]
    figures: tuple[Figure, ...]
    diagnostics: tuple[Diagnostic, ...]
    verdict: Verdict
    provenance: Provenance
    notes: tuple[str, ...] = ()

    def scenario(self, name: str) -> ScenarioOutcome:
        """The outcome of the scenario named ``name``."""
        for s in self.scenarios:
            if s.name == name:
                return s
        raise KeyError(f"no scenario {name!r}; scenarios: {', '.join(s.name for s in self.scenarios)}")

    def _title(self) -> str:
        return f"Rollout scenarios for {self.outcome}"

    def _estimates(self) -> tuple[Estimate, ...]:
        """The effect that was projected (from the source analysis)."""
        return (self.source_estimate,)


@boundary
def project(result: Any, *, customers: int, scenarios: Sequence[Scenario] | None = None,
            outcome: str | None = None, value: float | None = None, cost_per_customer: float = 0.0,
            fixed_cost: float = 0.0, horizon: int = 12, decay: float = 0.0, target: float | None = None,
            draws: int = 20000, seed: int = 0, level: float = 0.95) -> ScenarioAnalysis:
    """Project a measured effect to rollout scenarios over a horizon, with Monte Carlo intervals.

    Estimand: the incremental value (and profit) of rolling the change out, ``V = R value tau S_H``
    (module docstring), for ``tau`` the per-customer effect of the chosen estimate.

    Args:
        result: an analysis (``tl.observe``, ``tl.readout``, ``tl.uplift``, ``tl.did``, ...), its
            ``to_dict()`` or the path of its saved JSON (read by :func:`truelift.load`).
        customers: the customer base ``N`` (>= 0).
        scenarios: :class:`Scenario` objects (default: baseline / moderate / aggressive at rollout
            0.25 / 0.5 / 1.0, reach 1).
        outcome: which estimate: an outcome or metric (its headline estimate) or a full name of
            :attr:`LoadedResult.names`; default the result's headline.
        value: money per unit of the outcome (default 1: the outcome is already money).
        cost_per_customer: cost per reached customer and period (>= 0).
        fixed_cost: one-off cost (>= 0).
        horizon: number of periods ``H`` (>= 1).
        decay: per-period decay of the effect, in [0, 1] (0: the effect persists).
        target: a profit to reach (optional): its probability is reported.
        draws: Monte Carlo draws of the effect (>= 1000).
        seed: seed of ``numpy.random.default_rng``; the same seed gives the same numbers.
        level: level of the wide interval (the 80% interval is always reported).
    """
    loaded = result if isinstance(result, LoadedResult) else loaded_estimates(result)
    name, est = loaded.pick(outcome)
    customers = _check_settings(customers, value, cost_per_customer, fixed_cost, horizon, decay, target,
                                draws, level)
    scen = DEFAULT_SCENARIOS if scenarios is None else tuple(scenarios)
    _check_scenarios(scen)
    value_ = 1.0 if value is None else float(value)
    cost = float(cost_per_customer)
    mid = next((s for s in scen if s.name == "moderate"), scen[len(scen) // 2])

    rng = np.random.default_rng(seed)
    tau = est.value + est.se * rng.standard_normal(draws)
    z = _z(level)
    outcomes, fan = [], {}
    for s in scen:
        c = cost if s.cost_per_customer is None else float(s.cost_per_customer)
        d = decay if s.decay is None else float(s.decay)
        r = customers * s.rollout * s.reach
        cum_s = np.cumsum((1.0 - d) ** np.arange(horizon))              # S_k, k = 1..H
        slope = r * value_ * cum_s                                       # value per unit of tau
        costs = r * c * np.arange(1, horizon + 1) + fixed_cost           # cumulative cost
        cum_profit = tau[:, None] * slope[None, :] - costs[None, :]      # draws x H
        rev = tau * slope[-1]
        prof = cum_profit[:, -1]
        q = np.quantile(cum_profit, [p for _, p in FAN_QUANTILES], axis=0)
        fan[s.name] = {k: tuple(float(v) for v in q[i]) for i, (k, _) in enumerate(FAN_QUANTILES)}
        lo_a, hi_a = sorted((slope[-1] * (est.value - z * est.se), slope[-1] * (est.value + z * est.se)))
        outcomes.append(ScenarioOutcome(
            name=s.name, rollout=float(s.rollout), reach=float(s.reach), customers_reached=float(r),
            cost_per_customer=c, decay=d, revenue=float(slope[-1] * est.value),
            revenue_p50=float(np.median(rev)), revenue_80=_interval(rev, 0.80),
            revenue_ci=_interval(rev, level), analytic_revenue_ci=(float(lo_a), float(hi_a)),
            cost=float(costs[-1]), profit=float(slope[-1] * est.value - costs[-1]),
            profit_p50=float(np.median(prof)), profit_80=_interval(prof, 0.80),
            profit_ci=_interval(prof, level), prob_loss=float(np.mean(prof < 0.0)),
            prob_target=None if target is None else float(np.mean(prof >= target)),
        ))
    moderate = next(o for o in outcomes if o.name == mid.name)
    figures = (
        Figure(name="cumulative_profit", kind="fan", title="Cumulative profit by scenario",
               data={"x": tuple(range(1, horizon + 1)), "series": fan},
               xlabel="periods since rollout", ylabel="cumulative profit"),
        Figure(name="sensitivity", kind="tornado",
               title=f"Profit of the {mid.name!r} scenario when one input moves",
               data=_tornado(est, customers, mid, moderate, value_, horizon, fixed_cost),
               xlabel="profit over the horizon", ylabel=""),
    )
    diags = _diagnostics(moderate, loaded)
    params = dict(customers=customers, scenarios=[dataclasses.asdict(s) for s in scen], outcome=outcome,
                  value=value, cost_per_customer=cost, fixed_cost=float(fixed_cost), horizon=horizon,
                  decay=float(decay), target=target, draws=draws, seed=seed, level=level)

    return ScenarioAnalysis(
        outcome=est.outcome, estimate_name=name, source_estimate=est, source=loaded.source,
        source_kind=loaded.kind, customers=customers, value=value_, cost_per_customer=cost,
        fixed_cost=float(fixed_cost), horizon=horizon, decay=float(decay),
        target=None if target is None else float(target), draws=draws, level=level,
        moderate=mid.name, scenarios=tuple(outcomes), tables=(_table(outcomes, level, target),),
        figures=figures, diagnostics=diags,
        verdict=Verdict.from_diagnostics(diags, subject="Rollout projection"),
        provenance=make_provenance(parameters=params, seed=seed, rows_read=0,
                              rows_used=0, source=loaded.source),
        notes=_notes(est, horizon),
    )


def _check_nonneg(what: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
        raise MethodError(f"{what} must be a finite number >= 0, got {v!r}")
    return float(v)


def _check_decay(v: Any, prefix: str = "") -> None:
    if isinstance(v, bool) or not isinstance(v, int | float) or not (0.0 <= v <= 1.0):
        raise MethodError(f"{prefix}decay must be in [0, 1], got {v!r}")


def _check_settings(customers: Any, value: Any, cost: Any, fixed: Any, horizon: Any, decay: Any,
                    target: Any, draws: Any, level: Any) -> int | float:
    if isinstance(customers, bool) or not isinstance(customers, int | float | np.integer) \
            or not math.isfinite(customers) or customers < 0:
        raise MethodError(f"customers must be a number >= 0, got {customers!r}")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                              or not math.isfinite(value)):
        raise MethodError(f"value (money per unit of the outcome) must be a finite number, got {value!r}")
    _check_nonneg("cost_per_customer", cost)
    _check_nonneg("fixed_cost", fixed)
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise MethodError(f"horizon must be a whole number of periods >= 1, got {horizon!r}")
    _check_decay(decay)
    if target is not None and (isinstance(target, bool) or not isinstance(target, int | float)
                               or not math.isfinite(target)):
        raise MethodError(f"target must be a finite profit, got {target!r}")
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < MIN_DRAWS:
        raise MethodError(f"draws must be a whole number >= {MIN_DRAWS}, got {draws!r}")
    if int(draws) * int(horizon) > MAX_CELLS:
        raise MethodError(f"draws x horizon = {int(draws) * int(horizon):,} Monte Carlo cells; at "
                          f"most {MAX_CELLS:,} (each working array of that size takes "
                          f"{MAX_CELLS * 8 // 10**6:,} MB): lower draws or horizon")
    if isinstance(level, bool) or not isinstance(level, int | float) or not (0.8 < level < 1.0):
        raise MethodError(f"level must be in (0.8, 1) (the 80% interval is always reported), got {level!r}")
    return int(customers) if float(customers).is_integer() else customers


def _check_scenarios(scen: tuple[Any, ...]) -> None:
    if not scen:
        raise MethodError("scenarios: give at least one Scenario")
    for s in scen:
        if not isinstance(s, Scenario):
            raise MethodError(f"scenarios: every entry must be a Scenario, got {type(s).__name__}")
    names = [s.name for s in scen]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise MethodError(f"scenarios: names must be unique; repeated: {', '.join(dup)}")


def _z(level: float) -> float:
    from scipy.special import ndtri

    return float(ndtri(0.5 + level / 2.0))


def _interval(x: np.ndarray, level: float) -> tuple[float, float]:
    lo, hi = np.quantile(x, [0.5 - level / 2.0, 0.5 + level / 2.0])
    return float(lo), float(hi)


def _profit(tau: float, customers: float, rollout: float, reach: float, cost: float, decay: float,
            value: float, horizon: int, fixed_cost: float) -> float:
    r = customers * rollout * reach
    s_h = float(np.sum((1.0 - decay) ** np.arange(horizon)))
    return r * value * tau * s_h - r * cost * horizon - fixed_cost


def _tornado(est: Estimate, customers: float, s: Scenario, out: ScenarioOutcome, value: float,
             horizon: int, fixed_cost: float) -> dict[str, Any]:
    base = dict(tau=est.value, customers=customers, rollout=s.rollout, reach=s.reach,
                cost=out.cost_per_customer, decay=out.decay, value=value, horizon=horizon,
                fixed_cost=fixed_cost)
    moves = (("effect (interval bounds)", "tau", est.ci[0], est.ci[1]),
             ("rollout share (-50% / +50%)", "rollout", 0.5 * s.rollout, min(1.5 * s.rollout, 1.0)),
             ("cost per customer (-50% / +50%)", "cost", 0.5 * out.cost_per_customer,
              1.5 * out.cost_per_customer),
             ("decay (0 / twice)", "decay", 0.0, min(2.0 * out.decay, 1.0)))
    rows = []
    for label, key, lo, hi in moves:
        p_lo = _profit(**{**base, key: lo})
        p_hi = _profit(**{**base, key: hi})
        rows.append((label, p_lo, p_hi, lo, hi))
    rows.sort(key=lambda r: -abs(r[2] - r[1]))
    return {"labels": tuple(r[0] for r in rows), "low": tuple(r[1] for r in rows),
            "high": tuple(r[2] for r in rows), "base": _profit(**base),
            "low_input": tuple(r[3] for r in rows), "high_input": tuple(r[4] for r in rows)}


def _diagnostics(moderate: ScenarioOutcome, loaded: LoadedResult) -> tuple[Diagnostic, ...]:
    p = moderate.prob_loss
    loss = Diagnostic(
        name="probability_of_loss", value=p, threshold=LOSS_THRESHOLD,
        status=Status.WARN if p > LOSS_THRESHOLD else Status.OK,
        message=(f"the {moderate.name!r} scenario loses money in {p:.0%} of the draws of the effect "
                 f"(more than {LOSS_THRESHOLD:.0%}): the effect is too uncertain, or too small for the "
                 "costs, to count on a profit" if p > LOSS_THRESHOLD else
                 f"the {moderate.name!r} scenario loses money in {p:.0%} of the draws of the effect"))
    diags = [loss]
    if loaded.verdict is not None:
        # the projection is only as good as the effect: it carries the source's own status
        source = Status.worst([loaded.verdict.status])
        message = {
            Status.OK: f"the saved {loaded.kind} analysis passed its own checks (verdict PASS)",
            Status.WARN: f"the saved {loaded.kind} analysis's own checks gave verdict WARN: "
                         "read its reasons before acting on this projection",
            Status.FAIL: f"the saved {loaded.kind} analysis failed its own checks (verdict FAIL): "
                         "the measured effect is not trustworthy, so neither is its projection",
        }[source]
        diags.append(Diagnostic(name="source_verdict", value=float(source is not Status.OK),
                                threshold=0.0, status=source, message=message))
    return tuple(diags)


def _table(outs: list[ScenarioOutcome], level: float, target: float | None) -> Table:
    cols = ("scenario", "rollout", "reach", "customers_reached", "value_median", "value_80_low",
            "value_80_high", "value_ci_low", "value_ci_high", "cost", "profit_median", "profit_80_low",
            "profit_80_high", "profit_ci_low", "profit_ci_high", "prob_loss", "prob_target")
    rows = tuple((o.name, o.rollout, o.reach, o.customers_reached, o.revenue_p50, *o.revenue_80,
                  *o.revenue_ci, o.cost, o.profit_p50, *o.profit_80, *o.profit_ci, o.prob_loss,
                  o.prob_target) for o in outs)
    title = (f"Rollout scenarios (ci: the {level:.0%} interval; 80: the 80% interval)"
             + ("" if target is None else f"; target profit {target:g}"))
    return Table(name="scenarios", title=title, columns=cols, rows=rows)


def _notes(est: Estimate, horizon: int) -> tuple[str, ...]:
    who = ("customers like those who received the change (ATT)" if estimand_is(est, "ATT") else
           "customers like those who did not receive it (ATC)" if estimand_is(est, "ATC") else
           "a customer drawn from the whole base (ATE)")
    return (f"The effect per customer is for {who}; the projection assumes the customers reached "
            "respond like them.",
            f"The effect is assumed to apply in each of the {horizon} periods (less any decay); the "
            "cost per customer is paid every period, the fixed cost once.",
            "Only the effect is uncertain here: it is drawn from a normal distribution with the "
            "estimate's standard error; customers, reach, value and costs are taken as known.")


__all__ = ["DEFAULT_SCENARIOS", "Scenario", "ScenarioAnalysis", "ScenarioOutcome", "project"]
