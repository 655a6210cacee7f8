"""Lifetime value (LTV) of the customers of a randomized test, per arm, and its increment.

Input: a customer x period activity table, one row per customer and period since assignment
``t = 0..T-1``, with the revenue of that customer in that period (0 when the customer did not buy).
Every assigned customer has a row in every observed period, so customers who never bought are
counted; the table is checked for that. A customer is *active* in period ``t`` when the revenue is
above 0.

Per arm (``n`` customers, revenue ``R_it``, activity ``A_it = 1[R_it > 0]``):

* retention ``r_t = mean_i A_it`` (share of assigned customers active in ``t``);
* churn ``c_t = sum_i A_{i,t-1} (1 - A_it) / sum_i A_{i,t-1}`` (share of those active in ``t-1``
  not active in ``t``);
* repeat-purchase rate: share of customers who bought in at least one period who bought in two or
  more;
* revenue per assigned customer ``m_t = mean_i R_it``.

Discounted LTV over a horizon of ``H`` periods with discount rate ``d`` per period::

    LTV = sum_{t<H} m_t / (1 + d)^t

Within the observed window (``t < min(H, T)``) this is ``mean_i S_i`` with
``S_i = sum_t R_it / (1 + d)^t``: a plain mean over customers, whose standard error comes exactly
from the per-customer sums. Beyond the window (``T <= t < H``) it is projected with a stated model
(Fader and Hardie, 2007, "How to project customer retention", Journal of Interactive Marketing,
for the geometric (shifted-geometric) retention model; Gupta, Hanssens, Hardie et al., 2006,
"Modeling customer lifetime value", Journal of Service Research, for the discounted-margin
formula):

* geometric retention fitted to the observed tail: ``q = sum_{t in tail} r_t / sum_{t in tail} r_{t-1}``
  over the last ``k = max(1, ceil((T - 1) / 2))`` period-to-period transitions (the later ones,
  past early drop-off), and ``r_t = r_{T-1} q^{t-T+1}`` for ``t >= T``;
* constant revenue per active customer ``v = sum_{tail} sum_i R_it / sum_{tail} sum_i A_it``;

so the projected part is ``E = r_{T-1} v sum_{k=1}^{H-T} q^k / (1 + d)^{T-1+k}``.

Standard errors: every quantity above is a smooth function of five per-customer means
(``S_i``, ``A_{i,T-1}`` and the tail sums of ``A_it``, ``A_{i,t-1}`` and ``R_it``), so the arm's
LTV has the influence function ``S_i - mean(S) + grad(E) . (z_i - mean(z))`` (the delta method on
the fitted retention ``q``, the revenue per active customer ``v`` and the last retention level
jointly; Oehlert, 1992, "A note on the delta method", The American Statistician). Within the
window the influence function is ``S_i - mean(S)``: exact, no delta needed. Arms hold different
customers, so the variance of the increment (treatment minus control) is the sum of the arms'.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from truelift.errors import DataError, MethodError, boundary
from truelift.impact.result import Figure, ImpactAnalysis, Table, effect_estimate
from truelift.schema import Diagnostic, Status, Verdict, make_provenance
from truelift.schema.rules import EXTRAPOLATED_SHARE_WARN, MIN_PERIODS
from truelift.vocabulary import renamed


@renamed(variant="treatment", customer="unit", period="time")
@boundary
def ltv(data: Any, *, unit: str, time: str, revenue: str, treatment: str, control: Any,
        horizon: int, discount: float = 0.0, level: float = 0.95,
        drop_missing: bool = False, date_format: str | None = None) -> ImpactAnalysis:
    """Discounted lifetime value per arm and the incremental LTV per assigned customer.

    Estimand: the difference between arms in expected discounted revenue per assigned customer
    over ``horizon`` periods since assignment, ``LTV_treatment - LTV_control`` with
    ``LTV = sum_{t<H} m_t / (1 + discount)^t`` (an ATE, intention to treat: every assigned
    customer counts, whether they bought or not). Periods beyond those observed are projected with
    geometric retention fitted to the observed tail and constant revenue per active customer (Fader
    and Hardie, 2007); see the module docstring for the formulae and the delta-method standard
    error.

    Args:
        data: a DataFrame, CSV/Parquet path or Ibis table with one row per customer and period.
        unit: the customer id column (formerly ``customer``).
        time: (formerly ``period``) periods since assignment, integers ``0..T-1``; every
            customer has a row in each.
        revenue: revenue of the customer in the period (>= 0; 0 when inactive).
        treatment: (formerly ``variant``) the arm of each customer (constant per customer); exactly two arms.
        control: the control arm's label in ``variant``.
        horizon: ``H``, periods counted in the LTV (>= 1), observed or projected.
        discount: discount rate per period (>= 0), e.g. 0.01 a month.
        level: confidence level of the intervals.
        drop_missing: drop customers with a missing revenue (counted and reported) instead of
            failing.
        date_format: strftime codes of text dates in ``time`` (``"%d/%m/%Y"``); without it text must
            be ISO 8601 (``2024-03-04``), and ``03/04/2024`` is refused rather than guessed.

    Returns:
        :class:`ImpactAnalysis` with ``design="ltv"``: the incremental LTV (headline, total over the
        horizon) and the incremental observed-window LTV; tables ``retention`` and ``ltv``; figures
        ``retention`` and ``cumulative_value`` (kind ``"series"``).
    """
    variant, customer, period = treatment, unit, time  # body names
    _check_settings(horizon, discount, level)
    horizon = int(horizon)
    discount = float(discount)
    frame, arm_of, t_count, rows_read, dropped, source = _read(
        data, customer=customer, period=period, revenue=revenue, variant=variant, control=control,
        drop_missing=drop_missing, date_format=date_format)
    if t_count < 2 and horizon > t_count:
        raise MethodError(f"ltv: only {t_count} period observed; at least 2 are needed to fit retention "
                          f"for a horizon of {horizon} periods (or set horizon <= {t_count})")
    treat = next(a for a in arm_of.unique() if a != control)
    wide = frame.pivot(index="unit", columns="time", values="y")  # customers x periods, balanced
    arms = {}
    for label in (control, treat):
        ids = arm_of.index[arm_of.to_numpy() == label]
        arms[label] = _arm_ltv(wide.loc[ids].to_numpy(dtype=float), horizon, discount)
    c, t = arms[control], arms[treat]
    n_t, n_c = t["n"], c["n"]
    se = math.sqrt(t["var_total"] + c["var_total"])
    head = effect_estimate(outcome=revenue, estimand="ATE", method="ltv_geometric",
                           value=t["total"] - c["total"], se=se, level=level, se_kind="delta",
                           n_treated=n_t, n_control=n_c, mean_treated=t["total"])
    se_obs = math.sqrt(t["var_obs"] + c["var_obs"])
    obs = effect_estimate(outcome=revenue, estimand="ATE", method="ltv_observed",
                          value=t["observed"] - c["observed"], se=se_obs, level=level, se_kind="welch",
                          n_treated=n_t, n_control=n_c, mean_treated=t["observed"])
    per_arm = {label: _arm_interval(a, level) for label, a in arms.items()}

    diagnostics = _diagnostics(arms, t_count, horizon, dropped, rows_read)
    tables = (_retention_table(arms, t_count), _ltv_table(arms, per_arm, head))
    figures = _figures(arms, t_count, horizon, period, revenue)
    notes = _notes(arms, t_count, horizon, discount)

    provenance = make_provenance(
        parameters=dict(customer=customer, period=period, revenue=revenue, variant=variant,
                        control=_plain_label(control), treatment=_plain_label(treat), horizon=horizon,
                        discount=discount, level=level, drop_missing=drop_missing),
        seed=None, rows_read=rows_read, rows_used=len(frame), rows_dropped=dict(dropped), source=source)
    return ImpactAnalysis(
        design="ltv", title=f"Lifetime value over {horizon} periods, {treat} vs {control}",
        outcome=revenue, estimates=(head, obs),
        identification=("Customers were randomized between the arms, so the difference in discounted "
                        "revenue per assigned customer is the effect of the treatment on lifetime value "
                        "(intention to treat). Beyond the observed periods the value is projected: "
                        "retention keeps falling by the rate fitted to the last observed periods and "
                        "revenue per active customer stays at its recent level."),
        diagnostics=diagnostics, verdict=Verdict.from_diagnostics(diagnostics, subject="Lifetime value"),
        provenance=provenance, tables=tables, figures=figures, notes=notes, level=level)


# --------------------------------------------------------------------------------------------------
# input


def _check_settings(horizon: Any, discount: Any, level: Any) -> None:
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon <= 0:
        raise MethodError(f"ltv: horizon must be a whole number of periods >= 1, got {horizon!r}")
    try:
        d = float(discount)
    except (TypeError, ValueError):
        raise MethodError(f"ltv: discount must be a number >= 0, got {discount!r}") from None
    if not math.isfinite(d) or d < 0:
        raise MethodError(f"ltv: discount must be a rate per period >= 0, got {discount!r}")
    if not (isinstance(level, int | float) and 0.0 < float(level) < 1.0):
        raise MethodError(f"ltv: level must be in (0, 1), got {level!r}")


def _read(data: Any, *, customer: str, period: str, revenue: str, variant: str, control: Any,
          drop_missing: bool, date_format: str | None = None
          ) -> tuple[pd.DataFrame, pd.Series, int, int, dict[str, int], str]:
    from truelift.quasi.panel import read_panel

    panel = read_panel(data, unit=customer, time=period, outcome=revenue, extra=(variant,),
                       drop_missing=drop_missing, date_format=date_format)
    frame = panel.frame
    dropped = dict(panel.rows_dropped)
    time = frame["time"]
    if not pd.api.types.is_numeric_dtype(time):
        raise DataError(period, "the period must be an integer count of periods since assignment (0, 1, ...)")
    tv = time.to_numpy(dtype=float)
    if not np.all(tv == np.round(tv)):
        bad = float(tv[tv != np.round(tv)][0])
        raise DataError(period, f"periods must be whole numbers 0..T-1 since assignment; found {bad!r}")
    if (frame["y"] < 0).any():
        raise DataError(revenue, f"{int((frame['y'] < 0).sum())} rows have negative revenue; revenue per "
                                 "customer and period must be >= 0 (net refunds within the period)")
    periods = np.unique(tv).astype(int)
    t_count = int(periods.max()) + 1
    if periods.min() < 0 or len(periods) != t_count:
        present = set(periods.tolist())
        run = 0
        while run in present:
            run += 1
        outside = periods[periods < 0][0] if periods.min() < 0 else periods[periods >= run][0]
        span = f"0..{run - 1}" if run else "0..T-1 (no row in period 0)"
        raise DataError(period, f"period {int(outside)} is outside {span}; periods count from "
                                "assignment (0) with no gap")
    frame = frame.assign(time=tv.astype(int))

    if frame[variant].isna().any():
        raise DataError(variant, f"{int(frame[variant].isna().sum())} rows have a missing variant")
    n_var = frame.groupby("unit", sort=False)[variant].nunique()
    if (n_var > 1).any():
        raise DataError(variant, f"customer {n_var.index[n_var > 1][0]!r} is in more than one variant; "
                                 "each customer belongs to one arm")
    arm_of = frame.groupby("unit", sort=True)[variant].first()
    labels = list(pd.unique(arm_of))
    if control not in labels:
        raise DataError(variant, f"the control arm {control!r} is not among the variants "
                                 f"({', '.join(map(repr, labels))})")
    if len(labels) != 2:
        raise DataError(variant, f"ltv compares two arms; found {len(labels)} "
                                 f"({', '.join(map(repr, labels))}); filter to control and one treatment")

    counts = frame.groupby("unit", sort=True).size()
    short = counts[counts < t_count]
    if len(short):
        lost = set(frame.loc[frame["unit"].isin(short.index), "unit"]) if dropped else set()
        if drop_missing and dropped and set(short.index) <= lost:
            keep = ~frame["unit"].isin(short.index)
            dropped["other periods of customers with a missing revenue"] = int((~keep).sum())
            frame = frame.loc[keep]
            arm_of = arm_of.drop(short.index)
        else:
            raise DataError(customer, f"{len(short)} customers miss periods (e.g. {short.index[0]!r} has "
                                      f"{int(short.iloc[0])} of {t_count}); give a row per customer and "
                                      "period 0..T-1, with revenue 0 when the customer did not buy")
    for label in labels:
        if not (arm_of == label).any():
            raise DataError(variant, f"no customer of arm {label!r} is left")
    return frame, arm_of, t_count, panel.rows_read, dropped, panel.source


def _plain_label(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


# --------------------------------------------------------------------------------------------------
# one arm


def _arm_ltv(rev: np.ndarray, horizon: int, discount: float) -> dict[str, Any]:
    """LTV of one arm from its customers x periods revenue matrix (see the module docstring)."""
    n, t_count = rev.shape
    act = (rev > 0).astype(float)
    disc = (1.0 + discount) ** -np.arange(max(horizon, t_count))
    h_obs = min(horizon, t_count)
    s = rev[:, :h_obs] @ disc[:h_obs]                      # per-customer discounted observed sum
    observed = float(s.mean())
    retention = act.mean(axis=0)
    m = rev.mean(axis=0)
    prev = act[:, :-1].sum(axis=0)
    churn = np.full(t_count, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        churn[1:] = np.where(prev > 0, (act[:, :-1] * (1 - act[:, 1:])).sum(axis=0) / prev, np.nan)
    n_active = (act.sum(axis=1) > 0).sum()
    repeat = float((act.sum(axis=1) >= 2).sum() / n_active) if n_active else float("nan")

    if_total = s - observed
    extra, q, v, r_last = 0.0, float("nan"), float("nan"), float(retention[-1])
    k_tail = max(1, math.ceil((t_count - 1) / 2)) if t_count >= 2 else 0
    if k_tail:
        tail = np.arange(t_count - k_tail, t_count)
        a_i = act[:, tail].sum(axis=1)
        b_i = act[:, tail - 1].sum(axis=1)
        c_i = rev[:, tail].sum(axis=1)
        a, b, c = a_i.mean(), b_i.mean(), c_i.mean()
        q = a / b if b > 0 else float("nan")
        v = c / a if a > 0 else float("nan")
    if horizon > t_count:
        ks = np.arange(1, horizon - t_count + 1)
        w = disc[t_count - 1 + ks]
        if a == 0:                                           # nobody active in the tail: nothing to project
            extra = 0.0
        elif b == 0:
            raise MethodError("ltv: customers came back in the last periods after none were active; "
                              "geometric retention cannot be fitted")
        else:
            g = float(np.sum(q**ks * w))
            dg = float(np.sum(ks * q ** (ks - 1) * w))
            extra = r_last * v * g
            d_r = v * g
            d_c = r_last * g / a
            d_a = -r_last * c / a**2 * g + r_last * v * dg / b
            d_b = -r_last * v * dg * a / b**2
            if_total = if_total + (d_r * (act[:, -1] - r_last) + d_c * (c_i - c) + d_a * (a_i - a)
                                   + d_b * (b_i - b))
    var_obs = float(np.var(s, ddof=1) / n) if n > 1 else float("nan")
    var_total = float(np.var(if_total, ddof=1) / n) if n > 1 else float("nan")
    if not (math.isfinite(var_obs) and math.isfinite(var_total)):
        raise MethodError("ltv: an arm has fewer than 2 customers; no standard error can be computed")
    # the value per period over the horizon: observed, then projected
    m_h = np.zeros(horizon)
    m_h[:h_obs] = m[:h_obs]
    r_h = np.concatenate([retention, np.zeros(max(0, horizon - t_count))])
    if horizon > t_count and a > 0:
        ks = np.arange(1, horizon - t_count + 1)
        r_h[t_count:] = r_last * q**ks
        m_h[t_count:] = r_h[t_count:] * v
    return dict(n=n, observed=observed, extrapolated=float(extra), total=observed + float(extra),
                var_obs=var_obs, var_total=var_total, retention=retention, churn=churn, revenue=m,
                repeat=repeat, q=q, v=v, k_tail=k_tail, retention_h=r_h,
                cumulative=np.cumsum(m_h * disc[:horizon]))


def _arm_interval(a: dict[str, Any], level: float) -> tuple[float, float, float]:
    from scipy import stats

    se = math.sqrt(a["var_total"])
    z = float(stats.norm.ppf(0.5 + level / 2.0))
    return se, a["total"] - z * se, a["total"] + z * se


# --------------------------------------------------------------------------------------------------
# diagnostics, tables, figures, notes


def _share(a: dict[str, Any]) -> float:
    return abs(a["extrapolated"]) / abs(a["total"]) if a["total"] else 0.0


def _diagnostics(arms: dict[Any, dict[str, Any]], t_count: int, horizon: int, dropped: dict[str, int],
                 rows_read: int) -> tuple[Diagnostic, ...]:
    from truelift.quasi.result import dropped_diagnostic

    share = max(_share(a) for a in arms.values())
    worst = max(arms, key=lambda k: _share(arms[k]))
    diags = [Diagnostic(
        name="extrapolated_share", value=share, threshold=EXTRAPOLATED_SHARE_WARN,
        status=Status.WARN if share > EXTRAPOLATED_SHARE_WARN else Status.OK,
        message=(f"{share:.0%} of arm {worst!r}'s lifetime value lies beyond the {t_count} observed periods: "
                 "most of this value is projected, not observed; it holds only if retention keeps "
                 "falling at the fitted rate." if share > EXTRAPOLATED_SHARE_WARN else
                 f"At most {share:.0%} of an arm's lifetime value is projected beyond the observed "
                 "periods."))]
    few = t_count < MIN_PERIODS
    diags.append(Diagnostic(
        name="periods_observed", value=float(t_count), threshold=float(MIN_PERIODS),
        status=Status.WARN if few else Status.OK,
        message=(f"Only {t_count} periods were observed: retention is fitted on too few periods to show "
                 "its shape, so the projection is fragile." if few else
                 f"{t_count} periods were observed.")))
    if horizon > t_count:
        rising = [k for k, a in arms.items() if math.isfinite(a["q"]) and a["q"] >= 1.0]
        diags.append(Diagnostic(
            name="retention_falling", value=float(max(a["q"] for a in arms.values() if math.isfinite(a["q"]))
                                                  if any(math.isfinite(a["q"]) for a in arms.values())
                                                  else 0.0),
            threshold=1.0, status=Status.WARN if rising else Status.OK,
            message=(f"Retention did not fall over the last observed periods in arm {rising[0]!r}; the "
                     "projection assumes it never falls, which overstates lifetime value." if rising else
                     "Retention falls period to period in every arm, as the projection assumes.")))
    d = dropped_diagnostic(dropped, rows_read)
    if d is not None:
        diags.append(d)
    return tuple(diags)


def _retention_table(arms: dict[Any, dict[str, Any]], t_count: int) -> Table:
    labels = list(arms)
    cols = ["period", *(f"retention_{k}" for k in labels), *(f"churn_{k}" for k in labels),
            *(f"revenue_per_customer_{k}" for k in labels)]
    rows = []
    for t in range(t_count):
        rows.append((t, *(float(arms[k]["retention"][t]) for k in labels),
                     *(None if t == 0 else float(arms[k]["churn"][t]) for k in labels),
                     *(float(arms[k]["revenue"][t]) for k in labels)))
    return Table(name="retention", title="Retention, churn and revenue per assigned customer by period",
                 columns=tuple(cols), rows=tuple(rows))


def _ltv_table(arms: dict[Any, dict[str, Any]], per_arm: dict[Any, tuple[float, float, float]],
               head: Any) -> Table:
    cols = ("arm", "customers", "ltv_observed", "ltv_extrapolated", "ltv", "se", "ci_low", "ci_high",
            "repeat_purchase_rate", "fitted_retention", "revenue_per_active_customer")
    rows = [(str(k), a["n"], a["observed"], a["extrapolated"], a["total"], per_arm[k][0], per_arm[k][1],
             per_arm[k][2], a["repeat"], a["q"], a["v"]) for k, a in arms.items()]
    c, t = list(arms.values())
    rows.append(("difference", c["n"] + t["n"], t["observed"] - c["observed"],
                 t["extrapolated"] - c["extrapolated"], head.value, head.se, head.ci[0], head.ci[1],
                 None, None, None))
    return Table(name="ltv", title="Lifetime value per assigned customer", columns=cols, rows=tuple(rows))


def _figures(arms: dict[Any, dict[str, Any]], t_count: int, horizon: int, period: str,
             revenue: str) -> tuple[Figure, ...]:
    x_r = tuple(range(len(next(iter(arms.values()))["retention_h"])))
    marker = {"marker": t_count, "marker_label": "projected"} if horizon > t_count else {}
    proj = f" (projected from period {t_count})" if horizon > t_count else ""
    ret = Figure(name="retention", kind="series", title=f"Retention by arm{proj}",
                 data={"x": x_r, "lines": {str(k): a["retention_h"] for k, a in arms.items()}, **marker},
                 xlabel=period, ylabel="share of customers active")
    cum = Figure(name="cumulative_value", kind="series",
                 title=f"Cumulative discounted {revenue} per customer by arm{proj}",
                 data={"x": tuple(range(horizon)),
                       "lines": {str(k): a["cumulative"] for k, a in arms.items()}, **marker},
                 xlabel=period, ylabel=f"cumulative discounted {revenue} per customer")
    return ret, cum


def _notes(arms: dict[Any, dict[str, Any]], t_count: int, horizon: int, discount: float) -> tuple[str, ...]:
    notes = [f"LTV sums revenue per assigned customer over {horizon} periods, discounted at {discount:g} per "
             "period; customers who never bought count as 0."]
    if horizon > t_count:
        k = next(iter(arms.values()))["k_tail"]
        shares = "; ".join(f"{k_!s}: {_share(a):.0%} ({a['extrapolated']:.4g} of {a['total']:.4g})"
                           for k_, a in arms.items())
        notes.append(f"Periods {t_count}..{horizon - 1} are projected, not observed: geometric retention "
                     f"fitted to the last {k} period-to-period transitions and constant revenue per active "
                     f"customer. Projected share of LTV by arm: {shares}.")
        notes.append("The standard error of the projected part uses the delta method on the fitted "
                     "retention, the revenue per active customer and the last observed retention; it does "
                     "not cover the risk that the retention model itself is wrong.")
    elif horizon < t_count:
        notes.append(f"Periods {horizon}..{t_count - 1} are observed but beyond the horizon and not counted.")
    else:
        notes.append("The whole horizon is observed: nothing is projected.")
    return tuple(notes)


__all__ = ["ltv"]
