"""Cost-aware targeting: whom to treat, with which arm, and what the rule is worth.

Inputs for ``n`` customers and ``K >= 1`` treatment arms besides control:

* ``pseudo[i, k]``: the cross-fitted doubly robust (AIPW) pseudo-outcome of arm ``k`` against
  control for customer ``i``; its mean over any set of customers chosen *without* looking at the
  row's own outcome estimates that set's average effect of arm ``k``;
* ``score[i, k]``: the out-of-fold predicted CATE ``τ̂_ik`` of arm ``k`` against control;
* ``value`` (> 0): what one unit of the outcome is worth (25 per conversion, 0.4 margin per unit
  of revenue, ...); ``cost_k`` (>= 0): the cost of treating one customer with arm ``k``.

Definitions
-----------
Predicted net profit of arm ``k`` for customer ``i`` and the best arm::

    g_ik = value · τ̂_ik − cost_k,     a(i) = argmax_k g_ik (ties: lowest k),     g_i = max_k g_ik.

Realized (doubly robust) net profit of giving arm ``k`` to ``i``::

    c_ik = value · pseudo_ik − cost_k.

**The rule.** Treat ``i`` with arm ``a(i)`` iff ``g_i > 0`` (the break-even uplift of arm ``k``
is ``cost_k / value``). With a budget, the customers with ``g_i > 0`` are ranked by ``g_i``
descending (equal ``g_i`` keep row order: a stable sort on the row index) and the longest prefix
is kept that has at most ``max_customers`` customers and a cumulative cost of the assigned arms
``<= max_spend``. The spend rule is greedy and stops at the *first* customer who would exceed
the budget (cheaper customers further down are not picked up); when every arm costs the same it
is the exact optimum of the predicted profit under the budget, otherwise an approximation of
the knapsack.

**Value of a policy** ``d`` (``d_i = -1`` for no treatment, else the arm) against treating
nobody, per customer of the population (Manski 2004; Athey & Wager 2021, "Policy learning with
observational data", Econometrica 89(1), the doubly robust value of a policy)::

    V(d) = (1/n) Σ_i c_{i, d_i}            (c_{i, -1} = 0),
    SE   = sd_i(c_{i, d_i}) / √n            (sd with ddof = 1),

with a normal interval and a two-sided p-value; ``total = n · V`` is the profit over the whole
population (its interval is ``n`` times the one of ``V``). Comparisons use the paired per-row
differences: policy against treating everyone with arm ``k`` is the mean of
``c_{i, d_i} − c_ik`` with ``SE = sd_i(c_{i, d_i} − c_ik) / √n``; treat-all-with-``k`` against
nobody is the mean of ``c_ik``. These intervals are conditional on the policy, which is fixed by
the scores alone; they are honest when the scores are out-of-fold and the pseudo-outcomes
cross-fitted (the residual dependence through the fitted nuisances is ignored, as usual).

**Profit curve** (Radcliffe 2007; Gutierrez & Gérardy 2017, the uplift curve in money). Sort
all customers by ``g_i`` descending (stable) and give each its best arm ``a(i)``. Targeting the
first ``j`` customers yields, per customer of the population::

    P(j) = (1/n) Σ_{first j} c_{i, a(i)},
    SE(j) = sd over all n rows of (c_{i, a(i)} · 1[i among the first j]) / √n   (pointwise).

The curve is reported at ``points`` evenly spaced shares ``s`` in [0, 1] at the integer cuts
``j = floor(s·n + 1/2)``; customers with equal ``g_i`` may be split by a cut (in row order).
Past the customers with ``g_i > 0`` the curve keeps treating, each with its least bad arm, so at
``s = 1`` it is "everyone with their best arm" (which differs from treat-all-with-``k`` when
``K > 1``). The share with the largest ``P`` on the grid is reported as ``optimal_share``: it is
chosen by looking at the outcomes of this very sample and is therefore *optimistic*, whereas the
rule ``g_i > 0`` picks its cut from the predictions alone.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from truelift.errors import DataError, MethodError
from truelift.inference.normal import normal_ci, normal_pvalue, z_critical
from truelift.schema.values import _ToDict

__all__ = ["PolicyValue", "ProfitCurve", "TargetingPolicy", "targeting_policy"]

_NO_DICT = {"to_dict": False}


# --------------------------------------------------------------------------------------------
# results


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class PolicyValue(_ToDict):
    """Doubly robust profit of policy ``name`` against policy ``vs``, per customer of the population.

    ``value = (1/n) Σ_i (c_i(name) − c_i(vs))`` with ``c_i`` the realized net profit of the
    arm each policy gives to ``i`` (0 for no treatment); ``se`` is the sd of the paired per-row
    differences (ddof = 1) over ``√n``; normal ``ci`` at ``level`` and two-sided ``pvalue`` of no
    difference. ``total = n · value`` is the difference in money over the whole population.

    Names: ``"policy"`` (the targeting rule), ``"none"`` (treat nobody) and ``"all:<arm>"``
    (treat everyone with that arm).
    """

    name: str
    vs: str
    value: float
    se: float
    ci: tuple[float, float]
    pvalue: float
    level: float
    n: int
    total: float

    def __post_init__(self) -> None:
        if not (self.se >= 0.0) or not math.isfinite(self.se):
            raise ValueError(f"{self.name} vs {self.vs}: se must be finite and >= 0, got {self.se!r}")
        if not (0.0 <= self.pvalue <= 1.0):
            raise ValueError(f"pvalue must be in [0, 1], got {self.pvalue!r}")
        object.__setattr__(self, "ci", (float(self.ci[0]), float(self.ci[1])))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ProfitCurve(_ToDict):
    """Incremental profit per customer of the population when targeting the top share by ``g_i``.

    At each grid point ``share[p]`` the first ``n_targeted[p] = floor(share·n + 1/2)`` customers
    by predicted net profit are treated with their best arm: ``spend`` is their total cost,
    ``values`` the doubly robust profit ``P(j)`` per customer of the population, ``se`` its
    pointwise standard error, ``lower``/``upper`` the pointwise normal interval at ``level``, and
    ``predicted`` the same sum with the predicted ``g_i`` instead of the realized ``c_i``. The
    band is pointwise, not simultaneous (module docstring for the formulas).
    """

    share: np.ndarray
    n_targeted: np.ndarray
    spend: np.ndarray
    values: np.ndarray
    se: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    predicted: np.ndarray
    level: float
    n: int

    @property
    def totals(self) -> np.ndarray:
        """The curve in money over the whole population, ``n · values``."""
        return self.values * self.n


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class TargetingPolicy(_ToDict):
    """The targeting rule "treat with the best arm iff its predicted net profit is > 0", and its value.

    Attributes:
        value: worth of one unit of the outcome.
        cost: cost of treating one customer, per arm.
        arm_names: the arms' names, in column order.
        max_customers, max_spend: the budget (``None`` = no limit).
        binding: ``"max_customers"`` or ``"max_spend"`` when that limit left out customers with
            positive predicted net profit, else ``None``. When both limits stop at the same
            customer, ``"max_customers"`` is reported.
        break_even: ``cost_k / value``, the predicted uplift above which arm ``k`` pays.
        level: confidence level of every interval.
        n: customers.
        n_eligible: customers with ``g_i > 0`` (before the budget).
        n_targeted: customers the rule treats.
        n_by_arm: customers the rule treats, per arm name (zeros included).
        spend: total cost of the treatments the rule assigns.
        predicted_profit: ``(1/n) Σ_{treated} g_i``, the profit the scores promise per customer of
            the population (compare with the doubly robust ``policy_value.value``).
        values: the doubly robust comparisons: policy vs none, policy vs all-with-``k`` for each
            arm, all-with-``k`` vs none for each arm (:class:`PolicyValue`).
        curve: the profit curve over shares targeted (:class:`ProfitCurve`).
        optimal_share, optimal_value: the grid share with the largest ``P`` (the smallest such
            share on ties) and that ``P``. Chosen in-sample by looking at the outcomes, hence
            optimistic (``optimal_in_sample`` is always True to say so); the rule's own cut
            ``g_i > 0`` does not look at the outcomes.
        decision: per row, the arm index the rule gives (``-1`` = no treatment). Not in ``to_dict``.
        best_arm: per row, ``a(i)`` whether or not the row is treated. Not in ``to_dict``.
        net_profit: per row, the predicted net profit ``g_i`` of the best arm (all rows, also
            those not treated). Not in ``to_dict``.
        rank: per row, ``1..n`` by ``g_i`` descending over *all* rows (equal ``g_i`` in row
            order), the order of the profit curve; the rule treats ranks ``1..n_targeted``.
            Not in ``to_dict``.
    """

    value: float
    cost: tuple[float, ...]
    arm_names: tuple[str, ...]
    max_customers: int | None
    max_spend: float | None
    binding: Literal["max_customers", "max_spend"] | None
    break_even: tuple[float, ...]
    level: float
    n: int
    n_eligible: int
    n_targeted: int
    n_by_arm: dict[str, int]
    spend: float
    predicted_profit: float
    values: tuple[PolicyValue, ...]
    curve: ProfitCurve
    optimal_share: float
    optimal_value: float
    optimal_in_sample: bool = True
    decision: np.ndarray = dataclasses.field(metadata=_NO_DICT)
    best_arm: np.ndarray = dataclasses.field(metadata=_NO_DICT)
    net_profit: np.ndarray = dataclasses.field(metadata=_NO_DICT)
    rank: np.ndarray = dataclasses.field(metadata=_NO_DICT)

    @property
    def policy_value(self) -> PolicyValue:
        """The rule against treating nobody (``V(d)``)."""
        return self.values[0]

    def compare(self, name: str, vs: str = "none") -> PolicyValue:
        """The comparison ``name`` vs ``vs`` (names ``"policy"``, ``"none"``, ``"all:<arm>"``)."""
        for v in self.values:
            if v.name == name and v.vs == vs:
                return v
        known = ", ".join(f"{v.name} vs {v.vs}" for v in self.values)
        raise KeyError(f"no comparison {name!r} vs {vs!r}; known: {known}")


# --------------------------------------------------------------------------------------------
# validation


def _matrix(name: str, a: ArrayLike) -> np.ndarray:
    try:
        out = np.array(a, dtype=float)  # a copy: the caller's array is never touched
    except (TypeError, ValueError):
        raise DataError(name, "must be numeric") from None
    if out.ndim == 1:
        out = out[:, None]
    if out.ndim != 2:
        raise DataError(name, f"must be 1-D (one arm) or 2-D (customers x arms), got shape {out.shape}")
    if not np.all(np.isfinite(out)):
        raise DataError(name, "has missing or non-finite values")
    return out


def _is_real(x: object) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


def _validate(
    pseudo: ArrayLike,
    score: ArrayLike,
    value: float,
    cost: float | Sequence[float],
    max_customers: int | None,
    max_spend: float | None,
    level: float,
    points: int,
    arm_names: Sequence[str] | None,
) -> tuple[np.ndarray, np.ndarray, float, np.ndarray, tuple[str, ...]]:
    p = _matrix("pseudo", pseudo)
    s = _matrix("score", score)
    if p.shape != s.shape:
        raise DataError("score", f"shape {s.shape} differs from pseudo's {p.shape}")
    n, k = p.shape
    if n < 2:
        raise DataError("pseudo", f"at least 2 customers are needed, got {n}")
    if k < 1:
        raise DataError("pseudo", "at least one treatment arm (column) is needed")
    if not _is_real(value) or not math.isfinite(value) or value <= 0:
        raise DataError("value", f"the value of one unit of outcome must be finite and > 0, got {value!r}")
    try:
        c = np.array(cost, dtype=float)
    except (TypeError, ValueError):
        raise DataError("cost", "must be a number or one number per arm") from None
    if c.ndim == 0:
        c = np.full(k, float(c))
    if c.ndim != 1 or c.size != k:
        raise DataError("cost", f"must be a number or {k} numbers (one per arm), got shape {c.shape}")
    if not np.all(np.isfinite(c)) or np.any(c < 0):
        raise DataError("cost", "must be finite and >= 0")
    bad_count = not isinstance(max_customers, (int, np.integer)) or isinstance(max_customers, bool)
    if max_customers is not None and (bad_count or max_customers <= 0):
        raise DataError("max_customers", f"must be a positive integer or None, got {max_customers!r}")
    if max_spend is not None and (not _is_real(max_spend) or not math.isfinite(max_spend) or max_spend <= 0):
        raise DataError("max_spend", f"must be finite and > 0 or None, got {max_spend!r}")
    if not _is_real(level) or not (0.0 < level < 1.0):
        raise MethodError(f"level must be in (0, 1), got {level!r}")
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or points < 2:
        raise MethodError(f"points must be an integer >= 2, got {points!r}")
    if arm_names is None:
        names = tuple(f"arm{j + 1}" for j in range(k))
    else:
        if isinstance(arm_names, str):
            arm_names = [arm_names]
        names = tuple(str(a) for a in arm_names)
        if len(names) != k:
            raise DataError("arm_names", f"need {k} names (one per arm), got {len(names)}")
        if len(set(names)) != k or "none" in names:
            raise DataError("arm_names", "names must be distinct and not 'none'")
    return p, s, float(value), c, names


# --------------------------------------------------------------------------------------------
# computation


def _compare(name: str, vs: str, diff: np.ndarray, level: float) -> PolicyValue:
    n = diff.size
    v = float(diff.mean())
    se = float(diff.std(ddof=1)) / math.sqrt(n)
    return PolicyValue(
        name=name, vs=vs, value=v, se=se, ci=normal_ci(v, se, level), pvalue=normal_pvalue(v, se),
        level=level, n=n, total=n * v,
    )


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def _curve(
    order: np.ndarray, realized: np.ndarray, predicted: np.ndarray, arm_cost: np.ndarray, level: float,
    points: int,
) -> ProfitCurve:
    n = order.size
    share = np.linspace(0.0, 1.0, points)
    j = np.minimum(np.floor(share * n + 0.5).astype(np.int64), n)
    x = realized[order]
    s1 = np.r_[0.0, np.cumsum(x)][j]
    s2 = np.r_[0.0, np.cumsum(x * x)][j]
    values = s1 / n
    # sd (ddof = 1) over all n rows of x·1[top j]: (Σx² − (Σx)²/n) / (n − 1)
    var = np.maximum((s2 - s1 * s1 / n) / (n - 1), 0.0)
    se = np.sqrt(var / n)
    z = z_critical(level)
    return ProfitCurve(
        share=_frozen(share),
        n_targeted=_frozen(j),
        spend=_frozen(np.r_[0.0, np.cumsum(arm_cost[order])][j]),
        values=_frozen(values),
        se=_frozen(se),
        lower=_frozen(values - z * se),
        upper=_frozen(values + z * se),
        predicted=_frozen(np.r_[0.0, np.cumsum(predicted[order])][j] / n),
        level=float(level),
        n=n,
    )


def targeting_policy(
    pseudo: ArrayLike,
    score: ArrayLike,
    *,
    value: float,
    cost: float | Sequence[float],
    max_customers: int | None = None,
    max_spend: float | None = None,
    level: float = 0.95,
    points: int = 101,
    arm_names: Sequence[str] | None = None,
) -> TargetingPolicy:
    """Treat each customer with the arm of largest predicted net profit, iff that profit is > 0.

    Estimand: the doubly robust value of the rule against treating nobody, per customer of the
    population, ``V(d) = (1/n) Σ_i (value · pseudo_{i,d_i} − cost_{d_i})`` over the treated
    (Manski 2004; Athey & Wager 2021), plus paired comparisons with treating everyone with each
    arm and a profit curve over the share targeted (Radcliffe 2007; Gutierrez & Gérardy 2017).
    The rule is ``d_i = argmax_k g_ik`` if ``max_k g_ik > 0`` else none, with
    ``g_ik = value · score_ik − cost_k``; a budget keeps the greedy prefix by ``g_i`` descending
    (module docstring for every formula and convention).

    Args:
        pseudo: ``(n, K)`` cross-fitted AIPW pseudo-outcomes of each arm against control
            (1-D for a single arm).
        score: ``(n, K)`` out-of-fold predicted CATEs, same shape as ``pseudo``.
        value: worth of one unit of the outcome, finite and > 0.
        cost: cost of treating one customer, one number for every arm or one per arm, >= 0.
        max_customers: at most this many customers are treated.
        max_spend: the total cost of the treatments stays at or below this.
        level: confidence level of the intervals.
        points: grid points of the profit curve over shares 0..1.
        arm_names: names of the arms (default ``arm1..armK``).

    Returns:
        A :class:`TargetingPolicy`. The inputs are not modified.

    Raises:
        DataError: on a bad ``pseudo``, ``score``, ``value``, ``cost``, ``max_customers``,
            ``max_spend`` or ``arm_names``.
        MethodError: on a bad ``level`` or ``points``.
    """
    p, s, val, c, names = _validate(pseudo, score, value, cost, max_customers, max_spend, level, points,
                                    arm_names)
    n, k = p.shape
    rows = np.arange(n)
    g_all = val * s - c
    realized_all = val * p - c
    best = np.argmax(g_all, axis=1)  # first maximum: ties go to the lowest arm
    g = g_all[rows, best]
    realized = realized_all[rows, best]
    arm_cost = c[best]

    order = np.argsort(-g, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(1, n + 1)

    # the rule: eligible prefix (g > 0) of the ranking, cut by the budget
    n_eligible = int(np.sum(g > 0))
    elig = order[:n_eligible]
    m_count = n_eligible if max_customers is None else min(n_eligible, int(max_customers))
    if max_spend is None:
        m_spend = n_eligible
    else:
        cum = np.cumsum(arm_cost[elig])
        # cum is non-decreasing, so this is the prefix up to the first customer that would exceed
        m_spend = int(np.searchsorted(cum, float(max_spend), side="right"))
    n_targeted = min(m_count, m_spend)
    binding: Literal["max_customers", "max_spend"] | None = None
    if n_targeted < n_eligible:
        binding = "max_customers" if m_count <= m_spend else "max_spend"
    treated = elig[:n_targeted]

    decision = np.full(n, -1, dtype=np.int64)
    decision[treated] = best[treated]
    contrib = np.zeros(n)
    contrib[treated] = realized[treated]

    values = [_compare("policy", "none", contrib, level)]
    values += [_compare("policy", f"all:{names[j]}", contrib - realized_all[:, j], level) for j in range(k)]
    values += [_compare(f"all:{names[j]}", "none", realized_all[:, j], level) for j in range(k)]

    curve = _curve(order, realized, g, arm_cost, level, points)
    best_point = int(np.argmax(curve.values))
    counts = np.bincount(best[treated], minlength=k)

    return TargetingPolicy(
        value=val,
        cost=tuple(float(x) for x in c),
        arm_names=names,
        max_customers=None if max_customers is None else int(max_customers),
        max_spend=None if max_spend is None else float(max_spend),
        binding=binding,
        break_even=tuple(float(x) / val for x in c),
        level=float(level),
        n=n,
        n_eligible=n_eligible,
        n_targeted=int(n_targeted),
        n_by_arm={names[j]: int(counts[j]) for j in range(k)},
        spend=float(arm_cost[treated].sum()),
        predicted_profit=float(g[treated].sum()) / n,
        values=tuple(values),
        curve=curve,
        optimal_share=float(curve.share[best_point]),
        optimal_value=float(curve.values[best_point]),
        decision=_frozen(decision),
        best_arm=_frozen(best.astype(np.int64)),
        net_profit=_frozen(g),
        rank=_frozen(rank),
    )
