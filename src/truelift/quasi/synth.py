"""Synthetic control for one treated unit, on pysyncon, with placebo-in-space inference.

Estimand: the ATT of the treated unit averaged over the post period,
``tau = (1/T1) sum_{t >= start} (Y_1t - sum_j w_j Y_jt)``, where the donor weights ``w`` (``w_j >= 0``,
``sum_j w_j = 1``) make the weighted donors reproduce the treated unit before ``start``
(Abadie & Gardeazabal 2003; Abadie, Diamond & Hainmueller 2010):
``w = argmin (X_1 - X_0 w)' V (X_1 - X_0 w)`` over the simplex, with ``X`` the predictors (each row
scaled by its standard deviation across units, as R's and pysyncon's ``Synth`` do) and ``V`` a
diagonal matrix of predictor importances.

Inference is placebo in space (Abadie, Diamond & Hainmueller 2010; Abadie 2021): every donor in turn
is treated as if it had been treated at ``start``, with the other donors as its pool; for each unit
the ratio ``post RMSPE / pre RMSPE`` is computed and the permutation p-value is the rank of the
treated unit's ratio among all ``J + 1`` ratios divided by ``J + 1``. The standard error
(``se_kind="placebo"``) is the standard deviation of the donors' placebo average post-period gaps,
and the interval is read off the placebo distribution: ``[tau - q_{1-a/2}, tau - q_{a/2}]``, where
``q`` are the empirical quantiles of the placebo average gaps (the estimation error a unit with no
effect shows; Firpo & Possebom 2018 invert the same permutation logic). It is *not* the conformal
interval of Chernozhukov, Wuthrich & Zhu (2021), which pysyncon offers per period only and at the
cost of dozens of refits per period.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from truelift.errors import DataError, MethodError, boundary
from truelift.quasi.panel import Panel, read_panel
from truelift.quasi.result import Figure, QuasiAnalysis, Table, effect_estimate
from truelift.schema import Diagnostic, Provenance, Status, Verdict, make_provenance
from truelift.schema.rules import HULL_FAIL, PRE_FIT_FAIL, PRE_FIT_WARN

Predictor = str | tuple[str, Sequence[Any], str]


@boundary
def synth(
    data: Any,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated: Any,
    start: Any,
    predictors: Sequence[Predictor] | None = None,
    donors: Sequence[Any] | None = None,
    v: Sequence[float] | None = None,
    optimize_v: bool = False,
    placebo: bool = True,
    level: float = 0.95,
    seed: int = 0,
    date_format: str | None = None,
) -> QuasiAnalysis:
    """Synthetic control of one treated unit; see the module docstring for the estimand and formulas.

    Args:
        data: a long unit x time panel (DataFrame, CSV/Parquet path or Ibis table), one row per
            unit and period, balanced.
        outcome, unit, time: the column names.
        treated: the label of the treated unit; ``start``: its first treated period (the pre
            period is every period before it).
        predictors: ``None`` (default) matches the outcome in every pre period (``V`` = identity).
            Otherwise a list of columns (averaged over the pre period) and/or special predictors
            ``(column, periods, op)`` with ``op`` one of pysyncon's ``"mean"``, ``"median"``, ... .
        donors: the donor pool (default: every other unit).
        v: predictor importances (the diagonal of ``V``), e.g. the ``solution.v`` of R's Synth.
            With predictors and no ``v``, every (scaled) predictor gets equal weight unless
            ``optimize_v``.
        optimize_v: choose ``V`` with pysyncon's nested optimiser (Nelder-Mead over ``V``, SLSQP for
            ``w``) for the treated unit, then reuse it for every placebo. Off by default: on the
            Texas prison data (Cunningham, *The Mixtape*, ch. 10) it took 280 s for one fit and
            stopped at a pre-period loss 1.9x that of R's Synth, so it is unsuitable as a default
            and far too slow to repeat for every placebo unit.
        placebo: run placebo-in-space inference (one refit per donor). Without it the standard
            error is the pre-period residual SD over ``sqrt(T1)`` (``se_kind="pre_period_residual"``),
            which assumes independent gaps, and a WARN says so.
        level: confidence level. ``seed``: recorded in provenance (the fit is deterministic).
        date_format: strftime codes of text dates in ``time`` (``"%d/%m/%Y"``); without it text must
            be ISO 8601 (``2024-03-04``), and ``03/04/2024`` is refused rather than guessed.

    Returns:
        ``QuasiAnalysis(design="synth")`` with the headline ``Estimate``, the tables
        ``donor_weights`` and ``placebos``, the figures ``series``, ``gaps`` and ``weights``.
    """
    if not 0.0 < level < 1.0:
        raise MethodError(f"synth: level must be in (0, 1), got {level!r}")
    specs = _predictor_specs(predictors)
    extra = tuple(dict.fromkeys(c for c, _, _ in specs if c != outcome))
    panel = read_panel(data, unit=unit, time=time, outcome=outcome, extra=extra, require_balanced=True,
                       date_format=date_format)
    start_v = _as_period(start, panel)
    pre, _post = _split(panel, start_v, time)
    pool = _donor_pool(panel, treated, donors, unit)
    fit = _SynthFit.run(panel, treated, pool, pre, specs, v, optimize_v, outcome)
    y_wide = fit.y_wide

    gap = fit.gap(treated)
    pre_mask = np.isin(y_wide.index.to_numpy(), pre)
    att = float(gap[~pre_mask].mean())
    pre_rmspe = float(np.sqrt(np.mean(gap[pre_mask] ** 2)))
    post_rmspe = float(np.sqrt(np.mean(gap[~pre_mask] ** 2)))
    treated_post_mean = float(y_wide[treated].to_numpy()[~pre_mask].mean())

    placebo_rows: list[tuple[Any, ...]] = []
    placebo_gaps: dict[str, np.ndarray] = {}
    diags: list[Diagnostic] = []
    alpha = 1.0 - level
    if placebo:
        ratios, avg_gaps = [], []
        for j in pool:
            others = [d for d in pool if d != j]
            g = fit.refit_gap(j, others)
            placebo_gaps[str(j)] = g
            pr = float(np.sqrt(np.mean(g[pre_mask] ** 2)))
            po = float(np.sqrt(np.mean(g[~pre_mask] ** 2)))
            ratios.append(po / pr if pr > 0 else np.inf)
            avg_gaps.append(float(g[~pre_mask].mean()))
            placebo_rows.append((str(j), pr, po, ratios[-1], avg_gaps[-1]))
        ratio = post_rmspe / pre_rmspe if pre_rmspe > 0 else np.inf
        all_ratios = np.array([ratio, *ratios])
        pvalue = float(np.mean(all_ratios >= ratio))
        null = np.asarray(avg_gaps)
        se = float(np.std(null, ddof=1))
        q_lo, q_hi = np.quantile(null, [alpha / 2.0, 1.0 - alpha / 2.0])
        ci = (att - float(q_hi), att - float(q_lo))
        se_kind = "placebo"
        ranks = (-all_ratios).argsort(kind="mergesort").argsort() + 1
        rows = [(str(treated), pre_rmspe, post_rmspe, ratio, att, int(ranks[0]), True)]
        rows += [(*r, int(k), False) for r, k in zip(placebo_rows, ranks[1:], strict=True)]
        placebo_table = Table(name="placebos", title="Placebo in space: every donor as a fake treated unit",
                              columns=("unit", "pre_rmspe", "post_rmspe", "ratio", "avg_post_gap", "rank",
                                       "treated"),
                              rows=tuple(sorted(rows, key=lambda r: r[5])))
        min_p = 1.0 / (len(pool) + 1)
        diags.append(Diagnostic(
            name="placebo_min_pvalue", value=min_p, threshold=alpha,
            status=Status.OK if min_p < alpha else Status.WARN,
            message=(f"With {len(pool)} donors the smallest permutation p-value possible is {min_p:.3f}"
                     + ("." if min_p < alpha else
                        f", not below {alpha:g}: the placebo test cannot declare this effect significant "
                        "at that level however large it is; add donors "
                        f"(at least {int(np.ceil(1 / alpha))})."))))
    else:
        resid = gap[pre_mask]
        t1 = int((~pre_mask).sum())
        se = float(np.std(resid, ddof=1) / np.sqrt(t1)) if resid.size > 1 else 0.0
        pvalue, ci, se_kind, placebo_table = None, None, "pre_period_residual", None
        diags.append(Diagnostic(
            name="placebo_inference", value=0.0, status=Status.WARN,
            message="No placebo inference was run: the interval treats the pre-period gaps as independent "
                    "noise, which understates the uncertainty of a synthetic control; rerun with "
                    "placebo=True."))

    diags = [*_fit_diagnostics(y_wide, treated, pool, pre_mask, pre_rmspe, len(pool)), *diags]
    est = effect_estimate(outcome=outcome, estimand="ATT of the treated unit, post period", method="synth",
                          value=att, se=se, level=level, se_kind=se_kind, n_treated=1,
                          n_control=len(pool), mean_treated=treated_post_mean,
                          pvalue=pvalue, ci=ci)
    x = _x_values(y_wide.index)
    start_x = _x_values(pd.Index([start_v]))[0]
    weights = sorted(zip(pool, fit.weights, strict=True), key=lambda p: -p[1])
    shown = [(d, w) for d, w in weights if w > 1e-6]
    tables = [Table(name="donor_weights",
                    title=f"Donor weights of the synthetic control ({len(pool) - len(shown)} donors with "
                          "weight below one in a million not shown)",
                    columns=("donor", "weight"), rows=tuple((str(d), float(w)) for d, w in shown))]
    if placebo_table is not None:
        tables.append(placebo_table)
    figures = [
        Figure(name="series", kind="series", title=f"{treated} and its synthetic control",
               data={"x": x, "lines": {str(treated): y_wide[treated].to_numpy(),
                                       "synthetic": fit.synthetic(treated)}, "marker": start_x},
               xlabel=time, ylabel=outcome),
        Figure(name="gaps", kind="gaps", title="Gap: treated minus synthetic, with placebo gaps",
               data={"x": x, "treated": gap, "placebos": placebo_gaps, "marker": start_x},
               xlabel=time, ylabel=f"gap in {outcome}"),
        Figure(name="weights", kind="bars", title="Donor weights",
               data={"labels": [str(d) for d, _ in shown], "values": [float(w) for _, w in shown]},
               ylabel="weight"),
    ]
    notes = [f"Pre-period RMSPE {pre_rmspe:.4g}; post-period RMSPE {post_rmspe:.4g}.",
             "Interval: quantiles of the donors' placebo average gaps (not conformal); the p-value ranks "
             "post/pre RMSPE ratios instead, so the two need not agree." if placebo else
             "No placebo run."]
    params = dict(outcome=outcome, unit=unit, time=time, treated=str(treated), start=str(start_v),
                  predictors=[list(map(str, (c, list(map(str, p)), o))) if p is not None else c
                              for c, p, o in specs] if predictors is not None else None,
                  donors=[str(d) for d in pool], v=list(fit.v), optimize_v=optimize_v, placebo=placebo,
                  level=level)
    return QuasiAnalysis(
        design="synth", title="Synthetic control", outcome=outcome, estimates=(est,),
        identification=(f"Had {treated} not been treated, its {outcome} after {start_v} would have followed "
                        "the same weighted average of donors that reproduced it before; no donor was "
                        "affected by the treatment."),
        diagnostics=tuple(diags), verdict=Verdict.from_diagnostics(diags, subject="Synthetic control"),
        provenance=_provenance(panel, params, seed, [treated, *pool]), tables=tuple(tables),
        figures=tuple(figures),
        notes=tuple(notes), level=level)


# --------------------------------------------------------------------------------------------------
# the fit


class _SynthFit:
    """Predictor matrix of every used unit, ``V``, and the treated unit's weights (a private helper)."""

    def __init__(self, y_wide: pd.DataFrame, x: pd.DataFrame, pre: np.ndarray, v: np.ndarray,
                 treated: Any, weights: np.ndarray, pool: list[Any]) -> None:
        self.y_wide, self.x, self.pre, self.v = y_wide, x, pre, v
        self.treated, self.weights, self.pool = treated, weights, pool

    @classmethod
    def run(cls, panel: Panel, treated: Any, pool: list[Any], pre: np.ndarray,
            specs: list[tuple[str, Any, str]], v: Sequence[float] | None, optimize_v: bool,
            outcome: str) -> _SynthFit:
        from pysyncon import Synth

        frame = panel.frame
        y_wide = frame.pivot(index="time", columns="unit", values="y")[[treated, *pool]]
        x = _predictor_matrix(frame, y_wide, treated, pool, pre, specs, outcome)
        k = x.shape[0]
        if v is None:
            v_arr = np.ones(k)
        else:
            v_arr = np.asarray(v, dtype=float)
            if v_arr.shape != (k,) or not np.all(np.isfinite(v_arr)) or np.any(v_arr < 0) or v_arr.sum() <= 0:
                raise MethodError(f"synth: v must be {k} non-negative finite importances (one per predictor)")
        z = y_wide.loc[pre]
        s = Synth()
        if optimize_v:
            s.fit(X0=x[pool], X1=x[treated], Z0=z[pool], Z1=z[treated])
            v_arr = np.asarray(s.V, dtype=float)
        else:
            s.fit(X0=x[pool], X1=x[treated], Z0=z[pool], Z1=z[treated], custom_V=v_arr)
        return cls(y_wide, x, pre, v_arr, treated, np.asarray(s.W, dtype=float), pool)

    def synthetic(self, unit: Any) -> np.ndarray:
        return self.y_wide[self.pool].to_numpy() @ self.weights if unit == self.treated else np.array([])

    def gap(self, unit: Any) -> np.ndarray:
        return self.y_wide[unit].to_numpy() - self.synthetic(unit)

    def refit_gap(self, unit: Any, others: list[Any]) -> np.ndarray:
        """The gap of ``unit`` refitted as if treated, with ``others`` as donors and the same ``V``."""
        from pysyncon import Synth

        z = self.y_wide.loc[self.pre]
        s = Synth()
        s.fit(X0=self.x[others], X1=self.x[unit], Z0=z[others], Z1=z[unit], custom_V=self.v)
        return self.y_wide[unit].to_numpy() - self.y_wide[others].to_numpy() @ np.asarray(s.W, dtype=float)


def _predictor_specs(predictors: Sequence[Predictor] | None) -> list[tuple[str, Any, str]]:
    if predictors is None:
        return []
    if isinstance(predictors, str):
        predictors = [predictors]
    specs: list[tuple[str, Any, str]] = []
    for p in predictors:
        if isinstance(p, str):
            specs.append((p, None, "mean"))
        elif isinstance(p, tuple) and len(p) == 3 and isinstance(p[0], str):
            periods = p[1] if isinstance(p[1], list | tuple | range | np.ndarray) else [p[1]]
            specs.append((p[0], list(periods), str(p[2])))
        else:
            raise MethodError(f"synth: a predictor is a column name or (column, periods, op), got {p!r}")
    if not specs:
        raise MethodError("synth: predictors is empty; pass None to match the pre-period outcome")
    return specs


def _predictor_matrix(frame: pd.DataFrame, y_wide: pd.DataFrame, treated: Any, pool: list[Any],
                      pre: np.ndarray, specs: list[tuple[str, Any, str]], outcome: str) -> pd.DataFrame:
    """Rows = predictors, columns = treated + donors (pysyncon's ``X``)."""
    if not specs:
        x = y_wide.loc[pre].copy()
        x.index = [f"{outcome}[{t}]" for t in x.index]
        return x
    from pysyncon import Dataprep

    foo = frame.rename(columns={"y": outcome}) if outcome not in frame.columns else frame
    plain = [c for c, p, _ in specs if p is None]
    special = [(c, p, o) for c, p, o in specs if p is not None]
    for c, p, _ in specs:
        rows = foo["time"].isin(pre if p is None else p) & foo["unit"].isin([treated, *pool])
        if foo.loc[rows, c].isna().any():
            raise DataError(c, "the predictor has missing values in the periods it is averaged over")
        if p is not None and not foo["time"].isin(p).any():
            raise DataError(c, f"none of the predictor's periods {p!r} are in the data")
    try:
        dp = Dataprep(foo=foo, predictors=plain, predictors_op="mean", dependent=outcome,
                      unit_variable="unit", time_variable="time", treatment_identifier=treated,
                      controls_identifier=list(pool), time_predictors_prior=list(pre),
                      time_optimize_ssr=list(pre), special_predictors=special or None)
    except ValueError as e:
        raise MethodError(f"synth: pysyncon rejected the predictors: {e}") from None
    x0, x1 = dp.make_covariate_mats()
    return pd.concat([x1.rename(treated), x0], axis=1).astype(float)


# --------------------------------------------------------------------------------------------------
# checks


def _as_period(start: Any, panel: Panel) -> Any:
    if pd.api.types.is_datetime64_any_dtype(panel.frame["time"]):
        try:
            return pd.Timestamp(start)
        except (TypeError, ValueError):
            raise DataError(panel.time, f"start {start!r} is not a date") from None
    return start


def _split(panel: Panel, start: Any, time: str) -> tuple[np.ndarray, np.ndarray]:
    periods = pd.Index(panel.periods)
    try:
        pre_mask = periods < start
    except TypeError:
        raise DataError(time, f"start {start!r} cannot be compared with the periods") from None
    if periods.max() < start:
        raise DataError(time, f"start {start!r} is after the last period ({periods.max()}); no post period")
    if not pre_mask.any():
        raise DataError(time, f"start {start!r} is at or before the first period ({periods.min()}); "
                              "no pre period to fit the synthetic control on")
    if pre_mask.sum() < 2:
        raise DataError(time, "only one pre period before start; a synthetic control needs at least two")
    return periods[pre_mask].to_numpy(), periods[~pre_mask].to_numpy()


def _donor_pool(panel: Panel, treated: Any, donors: Sequence[Any] | None, unit: str) -> list[Any]:
    units = list(panel.units)
    if treated not in units:
        raise DataError(unit, f"the treated unit {treated!r} is not in the data")
    if donors is None:
        pool = [u for u in units if u != treated]
    else:
        pool = list(dict.fromkeys(donors))
        missing = [d for d in pool if d not in units]
        if missing:
            raise DataError(unit, f"{len(missing)} donors are not in the data (e.g. {missing[0]!r})")
        if treated in pool:
            raise DataError(unit, f"the treated unit {treated!r} is also listed as a donor")
    if len(pool) < 2:
        raise DataError(unit, f"{len(pool)} donor(s); a synthetic control needs at least 2")
    return pool


def _fit_diagnostics(y_wide: pd.DataFrame, treated: Any, pool: list[Any], pre_mask: np.ndarray,
                     pre_rmspe: float, n_donors: int) -> list[Diagnostic]:
    y1 = y_wide[treated].to_numpy()[pre_mask]
    pooled = y_wide.to_numpy()[pre_mask].ravel()
    sd = float(np.std(pooled, ddof=1))
    rel = pre_rmspe / sd if sd > 0 else (0.0 if pre_rmspe == 0 else np.inf)
    status = Status.OK if rel <= PRE_FIT_WARN else Status.WARN if rel <= PRE_FIT_FAIL else Status.FAIL
    msg = (f"Pre-period fit: RMSPE is {rel:.2f} of the outcome's pre-period SD (all units and periods)"
           + ("." if status is Status.OK else
              "; the synthetic control does not track the treated unit before treatment, so its post-period "
              "gap mixes the effect with misfit."))
    out = [Diagnostic(name="pre_fit_rmspe_ratio", value=float(min(rel, 1e300)), threshold=PRE_FIT_WARN,
                      status=status, message=msg)]
    y0 = y_wide[pool].to_numpy()[pre_mask]
    outside = (y1 > y0.max(axis=1)) | (y1 < y0.min(axis=1))
    share = float(outside.mean())
    status = Status.OK if share == 0 else Status.WARN if share < HULL_FAIL else Status.FAIL
    out.append(Diagnostic(
        name="outside_donor_hull", value=share, threshold=0.0, status=status,
        message=("The treated unit lies within the donors' range in every pre period." if share == 0 else
                 f"In {share:.0%} of pre periods the treated unit is above (or below) every donor: no "
                 "weighted average of donors can reach it, so the synthetic control is biased toward "
                 "the donors.")))
    return out


def _x_values(index: pd.Index) -> list[Any]:
    if pd.api.types.is_datetime64_any_dtype(index):
        return [pd.Timestamp(t).date().isoformat() for t in index]
    return [float(t) if isinstance(t, float | np.floating) else int(t) if isinstance(t, int | np.integer)
            else str(t) for t in index]


def _provenance(panel: Panel, params: dict[str, Any], seed: int | None, used: list[Any]) -> Provenance:

    n_used = int(panel.frame["unit"].isin(used).sum())
    dropped = dict(panel.rows_dropped)
    if n_used < len(panel.frame):
        dropped["units outside the donor pool"] = len(panel.frame) - n_used
    return make_provenance(parameters=params, seed=seed, rows_read=panel.rows_read,
                      rows_used=n_used, rows_dropped=dropped, source=panel.source)


__all__ = ["synth"]
