"""Revenue decomposition of a randomized test: where a lift in revenue per customer comes from.

Estimand: for each treatment arm ``B`` against control ``A``, the average effect of assignment on
revenue per customer, ``dRPC = RPC_B - RPC_A`` (ATE; randomization identifies it), split by the
accounting identity ``RPC = c x f x v`` into

* conversion rate ``c = mean(converted)``,
* orders per converter ``f = sum(orders) / sum(converted)``,
* average order value ``v = sum(revenue) / sum(orders)``,

using the exact log identity ``ln(RPC_B / RPC_A) = ln(c_B / c_A) + ln(f_B / f_A) + ln(v_B / v_A)``.
Each log ratio ``D_k = ln(k_B / k_A)`` is a *log contribution*; its share of the lift is
``D_k / ln(RPC_B / RPC_A)``. In currency per customer, the logarithmic mean Divisia index (LMDI-I;
Ang 2004, "Decomposition analysis for policymaking in energy", Energy Policy 32) gives

    contribution_k = L(RPC_B, RPC_A) * D_k = dRPC * ln(k_B / k_A) / ln(RPC_B / RPC_A),

with ``L(x, y) = (x - y) / (ln x - ln y)`` the logarithmic mean (``L(x, x) = x``), so that the three
contributions add up exactly to ``dRPC`` with no residual.

Uncertainty (the joint one, not products of marginal intervals): per customer ``i`` of an arm the
influence functions of the three ratio estimators of the logs are ``(conv_i - c) / c``,
``(orders_i - f conv_i) / (f * mean(conv))`` and ``(revenue_i - v orders_i) / (v * mean(orders))``;
they sum exactly to ``revenue_i / RPC - 1``, the influence function of ``ln RPC``. Their
cross-products give the joint covariance within an arm, ``sum_i IF_i IF_i' / (n (n - 1))`` (the
``n - 1`` makes the variance of the total exactly Welch's ``s_A^2 / n_A + s_B^2 / n_B``); the arms
are independent. The interval of each log contribution and of each currency contribution is the
delta method on these per-arm influence functions (Hampel 1974; Deng, Knoblich & Lu 2018 for
ratio metrics in A/B tests), the latter through the gradient of ``L(RPC_B, RPC_A) D_k``.

``f`` and ``v`` are measured among converters and orders, whose mix the variant may change: their
contributions are an exact accounting of the lift, not effects on a fixed population.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from truelift.errors import DataError, MethodError, boundary
from truelift.impact.result import Figure, ImpactAnalysis, Table, effect_estimate
from truelift.schema import Diagnostic, Estimate, Provenance, Status, Verdict, make_provenance
from truelift.schema.rules import MIN_CONVERTERS
from truelift.vocabulary import renamed

COMPONENTS = ("conversion", "orders_per_converter", "order_value")
LABELS = {"conversion": "conversion rate", "orders_per_converter": "orders per converter",
          "order_value": "average order value"}


# --------------------------------------------------------------------------------------------------
# shared input checks (also used by the funnel)


def check_frame(data: Any, columns: Sequence[str]) -> pd.DataFrame:
    """``data`` must be a DataFrame holding every column of ``columns``."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(None, f"data must be a pandas DataFrame, got {type(data).__name__}")
    from truelift.errors import check_frame_columns

    check_frame_columns(data.columns, list(columns))
    return data


def check_level(level: float) -> None:
    """``level`` must be in (0, 1)."""
    if not (0.0 < float(level) < 1.0):
        raise MethodError(f"level must be in (0, 1), got {level!r}")


def arm_labels(labels: pd.Series, variant: str, control: Any) -> tuple[Any, list[Any]]:
    """The control label and the treatment arms (in sorted order when sortable)."""
    seen = list(pd.unique(labels))
    with contextlib.suppress(TypeError):
        seen = sorted(seen)
    if control not in seen:
        raise DataError(variant, f"control arm {control!r} not found; arms: {', '.join(map(repr, seen))}")
    others = [a for a in seen if a != control]
    if not others:
        raise DataError(variant, f"only the control arm {control!r}; a test needs at least one treatment arm")
    return control, others


def binary(values: pd.Series, column: str, what: str) -> np.ndarray:
    """A 0/1 (or boolean) column as an int8 array, or a DataError naming it."""
    if pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=np.int8)
    if not pd.api.types.is_numeric_dtype(values):
        raise DataError(column, f"{what} must be 0/1, got values of type {values.dtype}")
    x = values.to_numpy(dtype=float)
    bad = ~np.isin(x, (0.0, 1.0))
    if bad.any():
        raise DataError(column, f"{what} must be 0/1; {int(bad.sum())} values are not (e.g. {x[bad][0]!r})")
    return x.astype(np.int8)


def numeric(values: pd.Series, column: str) -> np.ndarray:
    """A numeric, finite, non-negative column as a float array, or a DataError naming it."""
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        raise DataError(column, f"must be numeric, got values of type {values.dtype}")
    x = values.to_numpy(dtype=float)
    if not np.isfinite(x).all():
        raise DataError(column, f"{int((~np.isfinite(x)).sum())} values are infinite")
    if (x < 0).any():
        raise DataError(column, f"{int((x < 0).sum())} negative values; it must be >= 0 per customer")
    return x


def arm_variance(infl: np.ndarray) -> np.ndarray:
    """Covariance of the estimators from per-customer influence functions (rows: customers),
    ``sum_i IF_i IF_i' / (n (n - 1))``."""
    n = infl.shape[0]
    return (infl.T @ infl) / (n * (n - 1))


def provenance(parameters: dict[str, Any], rows_read: int, rows_used: int,
               rows_dropped: dict[str, int]) -> Provenance:
    """The provenance of an impact analysis (no randomness: seed ``None``)."""

    return make_provenance(parameters=parameters, seed=None, rows_read=rows_read,
                      rows_used=rows_used, rows_dropped=dict(rows_dropped))


def two_arm_relative(estimate: Estimate, mu1: float, var1: float, mu0: float, var0: float,
                     level: float) -> Estimate:
    """``estimate`` with the relative lift ``mu1 / mu0 - 1`` by the delta method with both arms'
    variances (independent arms), as the randomized readout reports it."""
    import dataclasses

    from truelift.inference.normal import relative_lift

    rel = relative_lift(mu1, mu0, np.diag([var1, var0]), level)
    return dataclasses.replace(estimate, relative=rel)


# --------------------------------------------------------------------------------------------------
# one arm


class _Arm:
    """One arm's components, their log influence functions (n x 3) and that of RPC."""

    def __init__(self, label: Any, conv: np.ndarray, o: np.ndarray, r: np.ndarray,
                 names: tuple[str, str, str]):
        n = conv.shape[0]
        if n < 2:
            raise DataError(names[0], f"arm {label!r} has {n} customer(s); at least 2 are needed")
        mc, mo, mr = conv.mean(), o.mean(), r.mean()
        if mc == 0:
            raise DataError(names[0], f"arm {label!r} has no converters; the decomposition is undefined")
        if mo == 0 or mr == 0:
            raise DataError(names[2] if mr == 0 else names[1],
                            f"arm {label!r} has no revenue; the log decomposition is undefined")
        self.label, self.n = label, n
        self.converters = int(conv.sum())
        self.c, self.f, self.v = mc, mo / mc, mr / mo
        self.rpc = mr
        self.values = np.array([self.c, self.f, self.v])
        self.log_if = np.column_stack([(conv - mc) / mc, (o - self.f * conv) / (self.f * mc),
                                       (r - self.v * o) / (self.v * mo)])
        self.rpc_if = r - mr


def _logmean_terms(x: float, y: float) -> tuple[float, float, float]:
    """``L(x, y)`` and its derivatives with respect to ``ln x`` and ``ln y``."""
    s = math.log(x) - math.log(y)
    if abs(s) < 1e-8:  # series: L = y (e^s - 1)/s
        lm = y * (1.0 + s / 2.0 + s * s / 6.0)
        return lm, y * (0.5 + s / 3.0), y * (0.5 + s / 6.0)
    lm = (x - y) / s
    return lm, (x - lm) / s, (lm - y) / s


def _compare(a: _Arm, b: _Arm, revenue: str, level: float) -> dict[str, Any]:
    from truelift.inference.normal import normal_ci, z_critical

    z = z_critical(level)
    d_rpc = b.rpc - a.rpc
    var_a, var_b = float(arm_variance(a.rpc_if[:, None])[0, 0]), float(arm_variance(b.rpc_if[:, None])[0, 0])
    se_total = math.sqrt(var_a + var_b)
    d = np.log(b.values) - np.log(a.values)
    s = float(math.log(b.rpc) - math.log(a.rpc))
    cov_d = arm_variance(a.log_if) + arm_variance(b.log_if)
    se_d = np.sqrt(np.diag(cov_d))
    lm, dl_b, dl_a = _logmean_terms(b.rpc, a.rpc)
    contrib = lm * d
    # influence functions of contribution_k = L * D_k in each arm (module docstring)
    if_b = np.outer(b.rpc_if / b.rpc, d * dl_b) + lm * b.log_if
    if_a = np.outer(a.rpc_if / a.rpc, d * dl_a) - lm * a.log_if
    cov_c = arm_variance(if_b) + arm_variance(if_a)
    se_c = np.sqrt(np.diag(cov_c))
    head = effect_estimate(outcome=revenue, estimand="ATE: revenue per customer",
                           method="revenue decomposition", value=d_rpc, se=se_total, level=level,
                           se_kind="influence_function",
                           n_treated=b.n, n_control=a.n, mean_treated=b.rpc)
    head = two_arm_relative(head, b.rpc, var_b, a.rpc, var_a, level)
    parts = []
    for k, comp in enumerate(COMPONENTS):
        est = effect_estimate(outcome=f"{revenue}: {comp}", estimand="LMDI contribution to the revenue "
                              "per customer lift", method="revenue decomposition (LMDI)",
                              value=float(contrib[k]), se=float(se_c[k]), level=level, se_kind="delta",
                              n_treated=b.n, n_control=a.n, mean_treated=a.rpc + float(contrib[k]))
        log_ci = normal_ci(float(d[k]), float(se_d[k]), level)
        parts.append({"component": comp, "estimate": est, "log": float(d[k]), "log_se": float(se_d[k]),
                      "log_ci": log_ci, "control": float(a.values[k]), "treatment": float(b.values[k]),
                      "relative": math.expm1(d[k]),
                      "relative_ci": (math.expm1(log_ci[0]), math.expm1(log_ci[1])),
                      "share": float(d[k] / s) if s != 0.0 else None})
    se_s = math.sqrt(var_a / a.rpc**2 + var_b / b.rpc**2)
    return {"head": head, "parts": parts, "log_total": s, "log_total_se": se_s,
            "log_total_ci": (s - z * se_s, s + z * se_s)}


# --------------------------------------------------------------------------------------------------
# the public entry


@renamed(variant="treatment")
@boundary
def decompose(data: pd.DataFrame, *, treatment: str, control: Any, revenue: str, orders: str,
              converted: str | None = None, level: float = 0.95, drop_missing: bool = False
              ) -> ImpactAnalysis:
    """Split the revenue-per-customer lift of a randomized test into conversion, orders per
    converter and order value (see the module docstring for the estimand, formulas and papers).

    Args:
        data: one row per customer: arm, number of orders, revenue (and optionally converted).
        treatment: the column holding each customer's arm (formerly ``variant``).
        control: the control arm's label; every other label is a treatment arm.
        revenue: revenue per customer (>= 0; > 0 only with orders > 0).
        orders: number of orders per customer (>= 0).
        converted: 0/1 conversion column; default ``orders > 0``. A customer with orders must
            have converted.
        level: confidence level of the intervals.
        drop_missing: drop rows with a missing value in these columns (counted, WARN) instead of
            raising a DataError.

    Returns:
        ``ImpactAnalysis(design="revenue")``: per treatment arm the total lift (headline for the
        first arm) then the three currency contributions; table ``decomposition``; figure
        ``contributions`` (bars with intervals).
    """
    variant = treatment  # body names
    check_level(level)
    cols = [variant, revenue, orders] + ([converted] if converted is not None else [])
    if len(set(cols)) < len(cols):
        raise MethodError("variant, revenue, orders and converted must be different columns")
    check_frame(data, cols)
    rows_read = len(data)
    rows_dropped: dict[str, int] = {}
    missing = data[cols].isna()
    keep = ~missing.any(axis=1).to_numpy()
    if not keep.all():
        if not drop_missing:
            col = next(c for c in cols if missing[c].any())
            raise DataError(col, f"{int(missing[col].sum())} missing values; pass drop_missing=True to drop "
                                 "those rows (they are counted)")
        taken = np.zeros(len(data), dtype=bool)
        for c in cols:  # one disjoint reason per dropped row: its first missing column
            m = missing[c].to_numpy() & ~taken
            if m.any():
                rows_dropped[f"missing {c}"] = int(m.sum())
            taken |= m
    frame = data.loc[keep, cols]
    if frame.empty:
        raise DataError(variant, "no rows left")
    r = numeric(frame[revenue], revenue)
    o = numeric(frame[orders], orders)
    bad = (r > 0) & (o == 0)
    if bad.any():
        raise DataError(revenue, f"{int(bad.sum())} customers have revenue > 0 with 0 orders in {orders!r}")
    if converted is None:
        conv = (o > 0).astype(np.int8)
    else:
        conv = binary(frame[converted], converted, "a conversion flag")
        bad = (o > 0) & (conv == 0)
        if bad.any():
            raise DataError(converted, f"is 0 for {int(bad.sum())} customers with orders > 0 in {orders!r}")
    labels = frame[variant]
    control, treated = arm_labels(labels, variant, control)
    names = (converted or orders, orders, revenue)
    lab = labels.to_numpy()
    arms = {a: _Arm(a, conv[lab == a], o[lab == a], r[lab == a], names) for a in [control, *treated]}

    estimates: list[Estimate] = []
    rows: list[tuple[Any, ...]] = []
    fig_labels: list[str] = []
    fig_val: list[float] = []
    fig_lo: list[float] = []
    fig_hi: list[float] = []
    diags: list[Diagnostic] = []
    notes: list[str] = []
    for t in treated:
        res = _compare(arms[control], arms[t], revenue, level)
        head = res["head"]
        estimates.append(head)
        estimates.extend(p["estimate"] for p in res["parts"])
        prefix = f"{t}: " if len(treated) > 1 else ""
        for p in res["parts"]:
            e = p["estimate"]
            rows.append((str(t), LABELS[p["component"]], p["control"], p["treatment"], p["relative"],
                         p["relative_ci"][0], p["relative_ci"][1], p["log"], p["log_ci"][0], p["log_ci"][1],
                         e.value, e.ci[0], e.ci[1], p["share"]))
            fig_labels.append(prefix + LABELS[p["component"]])
            fig_val.append(e.value)
            fig_lo.append(e.ci[0])
            fig_hi.append(e.ci[1])
            diags.extend(_against(t, p, head))
        a, b = arms[control], arms[t]
        rel_ci = (math.expm1(res["log_total_ci"][0]), math.expm1(res["log_total_ci"][1]))
        rows.append((str(t), "revenue per customer", a.rpc, b.rpc, b.rpc / a.rpc - 1.0, rel_ci[0], rel_ci[1],
                     res["log_total"], res["log_total_ci"][0], res["log_total_ci"][1], head.value, head.ci[0],
                     head.ci[1], 1.0 if res["log_total"] != 0.0 else None))
        notes.append(_summary(t, res, head, level))
    for a in arms.values():
        diags.append(Diagnostic(
            name=f"converters[{a.label}]", value=a.converters, threshold=MIN_CONVERTERS,
            status=Status.WARN if a.converters < MIN_CONVERTERS else Status.OK,
            message=(f"Arm {a.label!r} has only {a.converters} converters (fewer than {MIN_CONVERTERS}): "
                     "orders per converter and order value rest on few customers, and their intervals "
                     "on a normal approximation that may not hold yet." if a.converters < MIN_CONVERTERS else
                     f"Arm {a.label!r} has {a.converters} converters, enough for the normal approximation.")))
    from truelift.quasi.result import dropped_diagnostic

    drop = dropped_diagnostic(rows_dropped, rows_read)
    if drop is not None:
        diags.append(drop)
    table = Table(name="decomposition", title="Revenue per customer = conversion x orders per converter x "
                  "order value: each component's change and its share of the lift",
                  columns=("variant", "component", "control", "treatment", "relative_change",
                           "relative_ci_low", "relative_ci_high", "log_contribution", "log_ci_low",
                           "log_ci_high", "contribution", "contribution_ci_low", "contribution_ci_high",
                           "share_of_lift"),
                  rows=tuple(rows))
    figure = Figure(name="contributions", kind="bars",
                    title="Contribution of each component to the revenue-per-customer lift",
                    data={"labels": tuple(fig_labels), "values": tuple(fig_val), "lower": tuple(fig_lo),
                          "upper": tuple(fig_hi)},
                    xlabel="component", ylabel=f"{revenue} per customer")
    notes.append("Contributions in currency use the logarithmic mean Divisia index (Ang 2004): "
                 "contribution_k = dRPC x ln(k_B/k_A) / ln(RPC_B/RPC_A); they add up exactly to the lift. "
                 "Intervals are the delta method on per-customer influence functions, joint within each arm.")
    return ImpactAnalysis(
        design="revenue", title="Revenue decomposition (conversion x orders per converter x order value)",
        outcome=revenue, estimates=tuple(estimates),
        identification=("Randomized assignment: the difference in revenue per customer between arms is the "
                        "average effect of the variant (ATE). Its split into conversion rate, orders per "
                        "converter and average order value is an exact accounting identity; the last two are "
                        "measured among converters and orders, whose mix the variant may change, so they "
                        "describe where the lift shows up, not effects on a fixed group of customers."),
        diagnostics=tuple(diags), verdict=Verdict.from_diagnostics(diags, subject="Revenue decomposition"),
        provenance=provenance(dict(variant=variant, control=control, revenue=revenue, orders=orders,
                                   converted=converted, level=level, drop_missing=drop_missing),
                              rows_read, int(keep.sum()), rows_dropped),
        tables=(table,), figures=(figure,), notes=tuple(notes), level=level)


def _against(arm: Any, part: dict[str, Any], head: Estimate) -> list[Diagnostic]:
    """An OK diagnostic when a component moves against the total lift."""
    d, total = part["log"], head.value
    if d == 0.0 or total == 0.0 or (d > 0) == (total > 0):
        return []
    comp = LABELS[part["component"]]
    return [Diagnostic(
        name=f"against_total[{arm}:{part['component']}]", value=part["estimate"].value, status=Status.OK,
        message=(f"In arm {arm!r} the {comp} {'rose' if d > 0 else 'fell'} by {abs(part['relative']):.1%} "
                 f"while revenue per customer {'rose' if total > 0 else 'fell'}: this component "
                 f"{'took back' if total > 0 else 'made up'} {abs(part['estimate'].value):.4g} per customer "
                 "of the lift."))]


def _summary(arm: Any, res: dict[str, Any], head: Estimate, level: float) -> str:
    parts = sorted(res["parts"], key=lambda p: -abs(p["estimate"].value))
    words = ", ".join(f"{LABELS[p['component']]} {p['estimate'].value:+.4g} "
                      f"[{p['estimate'].ci[0]:.4g}, {p['estimate'].ci[1]:.4g}]" for p in parts)
    return (f"Arm {arm!r}: revenue per customer changed by {head.value:+.4g} "
            f"({level:.0%} CI {head.ci[0]:.4g} to {head.ci[1]:.4g}); by component: {words}.")


__all__ = ["decompose"]
