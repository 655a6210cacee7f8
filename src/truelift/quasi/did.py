"""Difference-in-differences and event studies: :func:`did`.

Designs, chosen from the data:

* **2x2 / one adoption date** (repeated cross-sections of users in groups, or a panel of units):
  two-way fixed effects ``y_it = a_i + l_t + beta D_it + e_it`` (with group instead of unit
  effects for repeated cross-sections), estimated by pyfixest's ``feols``; with two groups and two
  periods ``beta`` is exactly ``(ybar_T,post - ybar_T,pre) - (ybar_C,post - ybar_C,pre)``.
  Standard errors are cluster-robust (CRV1, by unit or by ``cluster``) and intervals use Student's
  t with ``G - 1`` degrees of freedom, as fixest and pyfixest do (Bertrand, Duflo and
  Mullainathan, 2004, on why clustering matters).
* **Staggered adoption** (units adopt at more than one period): the heterogeneity-robust
  group-time estimator of Callaway & Sant'Anna (2021) (:mod:`truelift.quasi.staggered`) is the
  headline, TWFE beside it. TWFE then averages 2x2 comparisons that include already-treated units
  as controls, with weights that can be negative (Goodman-Bacon, 2021; de Chaisemartin and
  D'Haultfoeuille, 2020), so with effects that change over time it can be far off.

The estimand is the ATT: the average effect on the treated units in their treated periods, in the
outcome's units; ``relative`` divides it by the treated units' counterfactual mean (observed
treated mean minus the ATT). Event studies give ATT by event time ``e = t - g`` (periods since
adoption) with ``e = -1`` the reference; a joint Wald test of the pre-period coefficients and a
placebo in time (a pretend adoption ``k`` periods before the real one, on pre-period data only)
check parallel trends.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Literal

import numpy as np
import pandas as pd

from truelift.errors import DataError, MethodError, boundary
from truelift.inference.normal import p_phrase
from truelift.quasi.columns import read_periods
from truelift.quasi.result import Figure, QuasiAnalysis, Table, dropped_diagnostic, effect_estimate
from truelift.schema import Diagnostic, Estimate, Status, Verdict, make_provenance
from truelift.schema.rules import MIN_CLUSTERS, MIN_COHORT, PRETREND_ALPHA, TWFE_GAP_Z

METHODS = {"auto": "the robust estimator for staggered adoption, else TWFE",
           "twfe": "two-way fixed effects (pyfixest feols)",
           "cs": "Callaway & Sant'Anna (2021) group-time ATT"}
"""The ``method`` keys of :func:`did`."""

CS_LABEL = "Callaway-Sant'Anna"
TWFE_LABEL = "TWFE"
_DEFAULT_SPAN = 20


@dataclasses.dataclass(frozen=True, slots=True)
class _Design:
    """Rows ready for estimation: one per unit-period (panel) or per person (cross-sections)."""

    frame: pd.DataFrame      # _y, _d, _fe, _t (period position), _ever, _g (cohort position), _c, _w
    kind: str                # "panel" or "cross_section"
    periods: np.ndarray
    cohorts: tuple[int, ...]
    balanced: bool
    rows_read: int
    rows_dropped: dict[str, int]
    source: str
    n_clusters: int


@boundary
def did(data: Any, *, outcome: str, time: str, treatment: str, unit: str | None = None,
        group: str | None = None, cluster: str | None = None, weights: str | None = None,
        method: Literal["auto", "twfe", "cs"] = "auto",
        control_group: Literal["never", "notyet"] = "never",
        window: tuple[int, int] | None = None, placebo: bool = True, drop_missing: bool = False,
        level: float = 0.95, seed: int = 0, date_format: str | None = None) -> QuasiAnalysis:
    """Difference-in-differences with an event study, pre-trend test and placebo (module docstring).

    Args:
        data: a DataFrame, CSV/Parquet path or Ibis table; never modified.
        outcome: the outcome column (its units are the effect's units).
        time: the period column (numeric or dates).
        treatment: 0/1, 1 in the rows where the change is in effect (treated unit or group, from its
            adoption period on). Treatment must be absorbing.
        unit: the unit id of a panel (one row per unit and period). Leave None for repeated
            cross-sections and give ``group``.
        group: for repeated cross-sections, the group each row belongs to (e.g. store or region;
            the groups with some treated row are the treated groups).
        cluster: the cluster of the CRV1 standard errors (default: the unit; for cross-sections
            heteroskedasticity-robust HC1 unless given). Must not vary within a unit.
        weights: optional non-negative weights (constant within a unit), e.g. population.
        method: ``"auto"``, ``"twfe"`` or ``"cs"`` (see :data:`METHODS`).
        control_group: for the robust estimator, ``"never"`` (never-treated units) or ``"notyet"``
            (units not yet treated).
        window: event times ``(lo, hi)`` shown in the event study; TWFE bins the endpoints. Default:
            all, at most 20 periods each side.
        placebo: run the placebo in time.
        drop_missing: drop (and count) rows with a missing outcome instead of failing.
        level: confidence level of the intervals.
        seed: recorded for provenance (nothing here is random).
        date_format: strftime codes of text dates in ``time`` (``"%d/%m/%Y"``); without it text must
            be ISO 8601 (``2024-03-04``), and ``03/04/2024`` is refused rather than guessed.

    Returns a :class:`QuasiAnalysis` with ``design="did"``: the headline ATT (and TWFE beside the
    robust estimator), the ``event_study`` and ``placebo`` tables, the ``event_study`` and
    ``series`` figures, the pre-trend, placebo and TWFE-vs-robust diagnostics and the verdict.
    Raises :class:`DataError` on bad input and :class:`MethodError` on bad settings.
    """
    params = {k: v for k, v in locals().items() if k != "data"}
    if method not in METHODS:
        raise MethodError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if control_group not in ("never", "notyet"):
        raise MethodError(f"control_group must be 'never' or 'notyet', got {control_group!r}")
    if not (0.0 < level < 1.0):
        raise MethodError(f"level must be between 0 and 1, got {level!r}")
    if window is not None and (len(window) != 2 or window[0] > -1 or window[1] < 0):
        raise MethodError(f"window must be (lo, hi) with lo <= -1 <= 0 <= hi, got {window!r}")
    if unit is None and group is None:
        raise MethodError("give unit= for a panel, or group= for repeated cross-sections")
    if unit is not None and group is not None:
        raise MethodError("give either unit= (a panel) or group= (repeated cross-sections), not both")

    design = (_read_panel(data, outcome, time, treatment, unit, cluster, weights, drop_missing,
                          date_format)
              if unit is not None else
              _read_cross_sections(data, outcome, time, treatment, group, cluster, weights, drop_missing,
                                   date_format))
    staggered = len(design.cohorts) > 1
    robust = design.kind == "panel" and (staggered or method == "cs")
    if robust and not design.balanced:
        if method == "twfe":
            robust = False
        else:
            raise DataError(unit, "the panel is unbalanced: the staggered (Callaway-Sant'Anna) "
                                  "estimator needs every unit in every period; balance it or pass "
                                  "method='twfe'")
    if method == "cs" and design.kind != "panel":
        raise MethodError("method='cs' needs a panel: give unit=")
    f = design.frame
    if not (~f["_ever"]).any() and (not robust or control_group == "never"):
        raise DataError(treatment, "every unit is treated at some point and there are no never-treated "
                                   "units to compare with" + ("; pass control_group='notyet'" if robust
                                                              else ""))
    lo, hi = _window(design, window)
    rows_dropped = dict(design.rows_dropped)
    diags: list[Diagnostic] = []
    notes: list[str] = []
    estimates: list[Estimate] = []
    es_rows: list[tuple] = []
    pre_test: tuple[str, float, int, float] | None = None

    twfe_est, twfe_es, twfe_pre = _twfe(design, outcome, level, lo, hi)
    if robust:
        cs_est, cs_es, cs_pre = _robust(design, outcome, level, lo, hi, control_group)
        if method == "twfe":
            estimates = [twfe_est, cs_est]
            es_rows = twfe_es + cs_es
            pre_test = twfe_pre
        else:
            estimates = [cs_est, twfe_est]
            es_rows = cs_es + twfe_es
            pre_test = cs_pre
        diags.append(_compare(cs_est, twfe_est))
        if staggered:
            notes.append(
                "Units adopted at different times. TWFE compares later adopters with units already "
                "treated, as if those were untreated; when the effect grows or changes after adoption "
                "those comparisons are wrong, and some treated periods even get negative weight "
                "(Goodman-Bacon, 2021). The Callaway-Sant'Anna estimate compares each adoption cohort "
                f"only with {'never-treated' if control_group == 'never' else 'not-yet-treated'} "
                "units, so it is the one to read; TWFE is shown for comparison.")
    else:
        estimates = [twfe_est]
        es_rows = twfe_es
        pre_test = twfe_pre
    headline = estimates[0]
    notes.append(f"Effect in {outcome!r} units: {headline.value:.4g} per treated unit and period; "
                 f"the counterfactual mean of the treated is {headline.baseline:.4g}.")
    if headline.se_kind == "crv1":
        notes.append(f"Standard errors are cluster-robust (CRV1, {design.n_clusters} clusters); "
                     f"intervals and p-values use Student's t with {design.n_clusters - 1} degrees "
                     "of freedom, as fixest does.")
    diags.append(_pretrend_diag(pre_test))
    placebo_table = None
    if placebo:
        pl = _placebo(design, outcome, level)
        if pl is None:
            notes.append("The placebo in time needs at least two periods before the first adoption; "
                         "it was not run.")
        else:
            diags.append(_placebo_diag(pl))
            placebo_table = Table(name="placebo", title="Placebo in time (pre-period data only)",
                                  columns=("pretend_start", "estimate", "se", "ci_low", "ci_high", "p_value"),
                                  rows=((_label(design.periods[pl[0]]), pl[1].value, pl[1].se,
                                         pl[1].ci[0], pl[1].ci[1], pl[1].pvalue),))
    if design.n_clusters < MIN_CLUSTERS and headline.se_kind == "crv1":
        diags.append(Diagnostic(name="clusters", value=design.n_clusters, threshold=MIN_CLUSTERS,
                                status=Status.WARN,
                                message=f"Only {design.n_clusters} clusters: cluster-robust standard "
                                        "errors are unreliable with so few; read the interval as rough."))
    if design.kind == "panel":
        sizes = f.loc[f["_ever"]].groupby("_g")["_u"].nunique()
        small = sizes[sizes < MIN_COHORT]
        if len(small):
            diags.append(Diagnostic(
                name="small_cohorts", value=int(small.min()), threshold=MIN_COHORT, status=Status.WARN,
                message=f"{len(small)} adoption cohort(s) have fewer than {MIN_COHORT} units "
                        "(the smallest has "
                        f"{int(small.min())}): their event-time estimates, standard errors and the "
                        "pre-trend test lean on very few units; read them with care."))
    drop = dropped_diagnostic(rows_dropped, design.rows_read)
    if drop is not None:
        diags.append(drop)

    tables = [Table(name="event_study", title="Event study: effect by periods since adoption "
                                              "(reference: -1)",
                    columns=("event_time", "method", "estimate", "se", "ci_low", "ci_high", "p_value"),
                    rows=tuple(es_rows))]
    if placebo_table is not None:
        tables.append(placebo_table)
    figures = [_event_figure(es_rows, outcome), _series_figure(design, outcome)]
    title = ("Difference-in-differences, staggered adoption" if staggered else
             "Difference-in-differences, 2x2" if len(design.periods) == 2 else
             "Difference-in-differences, one adoption date")

    prov = make_provenance(parameters=params, seed=seed,
                      rows_read=design.rows_read, rows_used=len(f), rows_dropped=rows_dropped,
                      source=design.source)
    return QuasiAnalysis(
        design="did", title=title, outcome=outcome, estimates=tuple(estimates),
        identification=("Parallel trends and no anticipation: without the change, the treated "
                        "units' average outcome would have moved like the comparison group's, and it "
                        "did not move before the change. Estimand: the ATT, the average effect on the "
                        "treated units in their treated periods."),
        diagnostics=tuple(diags),
        verdict=Verdict.from_diagnostics(diags, subject="Difference-in-differences"),
        provenance=prov, tables=tuple(tables), figures=tuple(figures), notes=tuple(notes), level=level)


# --------------------------------------------------------------------------------------- reading

def _read_panel(data: Any, outcome: str, time: str, treatment: str, unit: str, cluster: str | None,
                weights: str | None, drop_missing: bool, date_format: str | None = None) -> _Design:
    from truelift.quasi.panel import read_panel

    extra = tuple(c for c in dict.fromkeys((cluster, weights)) if c is not None and c != unit)
    p = read_panel(data, unit=unit, time=time, outcome=outcome, treatment=treatment, extra=extra,
                   drop_missing=drop_missing, require_absorbing=True, require_pre_periods=True,
                   date_format=date_format)
    fr = p.frame
    tpos = np.searchsorted(p.periods, fr["time"].to_numpy())
    ucodes, _ = pd.factorize(fr["unit"])
    first = fr.loc[fr["d"] == 1].groupby("unit", sort=False)["time"].min()
    adopt = fr["unit"].map(first)
    gpos = np.where(adopt.notna(), np.searchsorted(p.periods, adopt.to_numpy()), np.inf)
    frame = pd.DataFrame({"_y": fr["y"].to_numpy(), "_d": fr["d"].to_numpy().astype(float),
                          "_fe": ucodes, "_u": ucodes, "_t": tpos, "_ever": np.isfinite(gpos),
                          "_g": gpos.astype(float)})
    frame["_c"] = ucodes if cluster is None or cluster == unit else _within_unit(fr, cluster, ucodes)
    frame["_w"] = 1.0 if weights is None else _weights(fr[weights], weights, ucodes)
    cohorts = tuple(sorted({int(g) for g in gpos[np.isfinite(gpos)]}))
    return _Design(frame=frame, kind="panel", periods=p.periods, cohorts=cohorts, balanced=p.balanced,
                   rows_read=p.rows_read, rows_dropped=dict(p.rows_dropped), source=p.source,
                   n_clusters=int(frame["_c"].nunique()))


def _within_unit(fr: pd.DataFrame, col: str, ucodes: np.ndarray) -> np.ndarray:
    if fr[col].isna().any():
        raise DataError(col, f"{int(fr[col].isna().sum())} rows have a missing cluster")
    codes, _ = pd.factorize(fr[col])
    if pd.Series(codes).groupby(ucodes).nunique().max() > 1:
        raise DataError(col, "the cluster changes within a unit; a cluster must contain whole units")
    return codes


def _weights(s: pd.Series, col: str, ucodes: np.ndarray | None) -> np.ndarray:
    w = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise DataError(col, "weights must be numeric, finite, non-negative and not all zero")
    if ucodes is not None and pd.Series(w).groupby(ucodes).nunique().max() > 1:
        raise DataError(col, "weights must be constant within a unit")
    return w


def _read_cross_sections(data: Any, outcome: str, time: str, treatment: str, group: str,
                         cluster: str | None, weights: str | None, drop_missing: bool,
                         date_format: str | None = None) -> _Design:
    from truelift.data.io import describe_source, numbers, read_columns

    cols = list(dict.fromkeys(c for c in (outcome, time, treatment, group, cluster, weights) if c))
    raw = read_columns(data, cols)
    n = len(raw[outcome])
    y = numbers(raw[outcome], outcome)
    keep = y.notna().to_numpy()
    dropped: dict[str, int] = {}
    if not keep.all():
        if not drop_missing:
            raise DataError(outcome, f"{int((~keep).sum())} of {n} rows have a missing outcome; "
                                     "pass drop_missing=True to drop (and count) them")
        dropped[f"missing {outcome}"] = int((~keep).sum())
    t = read_periods(raw[time][keep].reset_index(drop=True), time, date_format)
    d = pd.to_numeric(raw[treatment][keep], errors="coerce").to_numpy()
    if np.isnan(d).any() or not np.all(np.isin(d, (0, 1))):
        raise DataError(treatment, "the treatment must be 0 or 1 in every row")
    if d.min() == d.max():
        raise DataError(treatment, f"the treatment is {int(d[0])} in every row; nothing to compare")
    gr = raw[group][keep].reset_index(drop=True)
    if gr.isna().any():
        raise DataError(group, f"{int(gr.isna().sum())} rows have a missing group")
    gcodes, _ = pd.factorize(gr)
    periods = np.sort(t.unique())
    tpos = np.searchsorted(periods, t.to_numpy())
    first = pd.Series(np.where(d == 1, tpos, np.iinfo(np.int64).max)).groupby(gcodes).min()
    gfirst = first.to_numpy()[gcodes].astype(float)
    gfirst[gfirst == np.iinfo(np.int64).max] = np.inf
    expected = (tpos >= gfirst).astype(float)
    if np.any(expected != d):
        raise DataError(treatment, "the treatment must be 1 exactly in the treated groups' rows from "
                                   "their first treated period on (absorbing, the same for the whole group)")
    if np.any(gfirst[np.isfinite(gfirst)] == 0):
        raise DataError(treatment, "a treated group is treated from the first period; there is no "
                                   "before to compare with")
    frame = pd.DataFrame({"_y": y[keep].to_numpy(dtype=float), "_d": d.astype(float), "_fe": gcodes,
                          "_t": tpos, "_ever": np.isfinite(gfirst), "_g": gfirst})
    if cluster is None:
        frame["_c"] = np.arange(len(frame))
    else:
        cl = raw[cluster][keep].reset_index(drop=True)
        if cl.isna().any():
            raise DataError(cluster, f"{int(cl.isna().sum())} rows have a missing cluster")
        frame["_c"] = pd.factorize(cl)[0]
    frame["_w"] = 1.0 if weights is None else _weights(raw[weights][keep], weights, None)
    cohorts = tuple(sorted({int(g) for g in gfirst[np.isfinite(gfirst)]}))
    return _Design(frame=frame, kind="cross_section", periods=periods, cohorts=cohorts, balanced=True,
                   rows_read=n, rows_dropped=dropped, source=describe_source(data),
                   n_clusters=int(frame["_c"].nunique()) if cluster is not None else 0)


def _window(design: _Design, window: tuple[int, int] | None) -> tuple[int, int]:
    T = len(design.periods)
    e_min, e_max = -max(design.cohorts), T - 1 - min(design.cohorts)
    if window is None:
        return max(e_min, -_DEFAULT_SPAN), min(e_max, _DEFAULT_SPAN)
    return max(int(window[0]), e_min), min(int(window[1]), e_max)


# ------------------------------------------------------------------------------------ estimators

def _vcov_arg(design: _Design) -> Any:
    return {"CRV1": "_c"} if design.kind == "panel" or design.n_clusters else "hetero"


def _se_kind(design: _Design) -> str:
    return "crv1" if design.kind == "panel" or design.n_clusters else "hc1"


def _feols(fml: str, frame: pd.DataFrame, design: _Design) -> Any:
    import warnings

    import pyfixest as pf

    w = "_w" if not np.all(frame["_w"].to_numpy() == 1.0) else None
    with warnings.catch_warnings():
        # pyfixest's pandas deprecation notices and its note on event-time dummies dropped as
        # collinear (they simply do not appear in the event study) are not the caller's concern
        warnings.simplefilter("ignore")
        return pf.feols(fml, data=frame, vcov=_vcov_arg(design), weights=w, copy_data=False,
                        store_data=False)


def _from_fit(fit: Any, name: str, *, outcome: str, method: str, estimand: str, level: float,
              se_kind: str, n_treated: int, n_control: int, mean_treated: float) -> Estimate:
    ci = fit.confint(alpha=1 - level).loc[name]
    return effect_estimate(outcome=outcome, estimand=estimand, method=method,
                           value=float(fit.coef()[name]), se=float(fit.se()[name]), level=level,
                           se_kind=se_kind, n_treated=n_treated, n_control=n_control,
                           mean_treated=mean_treated, pvalue=float(fit.pvalue()[name]),
                           ci=(float(ci.iloc[0]), float(ci.iloc[1])))


def _counts(design: _Design) -> tuple[int, int]:
    f = design.frame
    if design.kind == "panel":
        return int(f.loc[f["_ever"], "_u"].nunique()), int(f.loc[~f["_ever"], "_u"].nunique())
    return int(f["_ever"].sum()), int((~f["_ever"]).sum())


def _twfe(design: _Design, outcome: str, level: float, lo: int,
          hi: int) -> tuple[Estimate, list[tuple], tuple[str, float, int, float] | None]:
    """TWFE ATT (``_y ~ _d | _fe + _t``) and the binned event study ``i(rel, ref=-1)``."""
    f = design.frame
    fit = _feols("_y ~ _d | _fe + _t", f, design)
    n_t, n_c = _counts(design)
    treated = f["_d"].to_numpy() == 1
    w = f["_w"].to_numpy()
    mean_t = float(np.average(f["_y"].to_numpy()[treated], weights=w[treated]))
    est = _from_fit(fit, "_d", outcome=outcome, method="twfe", estimand="ATT", level=level,
                    se_kind=_se_kind(design), n_treated=n_t, n_control=n_c, mean_treated=mean_t)
    rel = np.where(f["_ever"].to_numpy(), f["_t"].to_numpy() - f["_g"].to_numpy(), -1)
    ef = f.assign(_rel=np.clip(rel, lo, hi).astype(int))
    es = _feols("_y ~ i(_rel, ref=-1) | _fe + _t", ef, design)
    coefs, ses, pv = es.coef(), es.se(), es.pvalue()
    ci = es.confint(alpha=1 - level)
    rows: list[tuple] = []
    leads: list[int] = []
    for e in range(lo, hi + 1):
        if e == -1:
            rows.append((-1, TWFE_LABEL, 0.0, None, None, None, None))
            continue
        name = f"_rel::{e}"
        if name not in coefs.index:
            continue
        rows.append((e, TWFE_LABEL, float(coefs[name]), float(ses[name]), float(ci.loc[name].iloc[0]),
                     float(ci.loc[name].iloc[1]), float(pv[name])))
        if e < -1:
            leads.append(list(coefs.index).index(name))
    pre = None
    if leads:
        from scipy import stats

        b = coefs.to_numpy()[leads]
        v = np.asarray(es._vcov)[np.ix_(leads, leads)]
        q = int(np.linalg.matrix_rank(v))
        wstat = float(b @ np.linalg.pinv(v) @ b)
        pre = ("F", wstat / q, q, float(stats.f.sf(wstat / q, q, es._df_t)))
    return est, rows, pre


def _robust(design: _Design, outcome: str, level: float, lo: int, hi: int,
            control_group: str) -> tuple[Estimate, list[tuple], tuple[str, float, int, float] | None]:
    """Callaway-Sant'Anna simple ATT and dynamic ATT(e) with a universal base period."""
    from scipy import stats

    from truelift.quasi import staggered as st

    f = design.frame.sort_values(["_u", "_t"], kind="mergesort")
    n_units, T = int(f["_u"].max()) + 1, len(design.periods)
    y = np.full((n_units, T), np.nan)
    y[f["_u"].to_numpy(), f["_t"].to_numpy()] = f["_y"].to_numpy()
    first = f.groupby("_u", sort=True).first()
    cohort, w, cl = first["_g"].to_numpy(), first["_w"].to_numpy(), first["_c"].to_numpy()
    cluster = None if np.array_equal(cl, first.index.to_numpy()) else cl
    gt = st.group_time_att(y, cohort, control_group=control_group, base_period="universal",
                           weights=None if np.all(w == 1.0) else w)
    agg = st.simple_att(gt)
    se = agg.se(cluster)
    n_t = int(np.isfinite(cohort).sum())
    n_c = int((~np.isfinite(cohort)).sum() if control_group == "never"
              else (cohort > min(design.cohorts)).sum())
    est = effect_estimate(outcome=outcome, estimand="ATT", method="cs", value=agg.value, se=se,
                          level=level, se_kind="influence_function", n_treated=n_t, n_control=n_c,
                          mean_treated=st.treated_mean(gt, agg))
    dyn = st.dynamic_att(gt, np.arange(lo, hi + 1))
    z = stats.norm.ppf(0.5 + level / 2)
    rows: list[tuple] = []
    pre_e = []
    for e in range(lo, hi + 1):
        if e == -1:
            rows.append((-1, CS_LABEL, 0.0, None, None, None, None))
            continue
        if e not in dyn:
            continue
        a = dyn[e]
        s = a.se(cluster)
        p = float(2 * stats.norm.sf(abs(a.value / s))) if s > 0 else float("nan")
        rows.append((e, CS_LABEL, a.value, s, a.value - z * s, a.value + z * s, p))
        if e < -1:
            pre_e.append(e)
    # A cohort of one unit has no treated-side variance in its influence function, which makes a
    # Wald statistic explode; the pre-trend test uses the cohorts of two or more units.
    sizes = {g: int(np.sum(cohort == g)) for g in design.cohorts}
    big = np.array([g for g, k in sizes.items() if k >= 2])
    pre = None
    if pre_e and big.size:
        dpre = st.dynamic_att(gt, np.array(pre_e), cohorts=big)
        if dpre:
            es_ = sorted(dpre)
            stat, df, p = st.wald(np.array([dpre[e].value for e in es_]),
                                  np.column_stack([dpre[e].inf for e in es_]), cluster)
            if df > 0:
                pre = ("chi2", stat, df, p)
    return est, rows, pre


def _placebo(design: _Design, outcome: str, level: float) -> tuple[int, Estimate] | None:
    """TWFE on the periods before the first adoption with a pretend start ``k = f0 // 2`` earlier."""
    f0 = min(design.cohorts)
    if f0 < 2:
        return None
    start = f0 - max(1, f0 // 2)
    f = design.frame
    pre = f.loc[f["_t"].to_numpy() < f0]
    pre = pre.assign(_d=(pre["_ever"].to_numpy() & (pre["_t"].to_numpy() >= start)).astype(float))
    if pre["_d"].nunique() < 2 or pre["_ever"].all():
        return None
    fit = _feols("_y ~ _d | _fe + _t", pre, design)
    d = pre["_d"].to_numpy() == 1
    mean_t = float(np.average(pre["_y"].to_numpy()[d], weights=pre["_w"].to_numpy()[d]))
    n_t, n_c = _counts(design)
    est = _from_fit(fit, "_d", outcome=outcome, method="placebo_twfe", estimand="placebo ATT",
                    level=level, se_kind=_se_kind(design), n_treated=n_t, n_control=n_c,
                    mean_treated=mean_t)
    return start, est


# ----------------------------------------------------------------------------------- diagnostics

def _compare(robust: Estimate, twfe: Estimate) -> Diagnostic:
    comb = math.sqrt(robust.se**2 + twfe.se**2)
    z = abs(robust.value - twfe.value) / comb if comb > 0 else 0.0
    if z > TWFE_GAP_Z:
        return Diagnostic(name="twfe_vs_robust", value=z, threshold=TWFE_GAP_Z, status=Status.WARN,
                          message=f"TWFE ({twfe.value:.4g}) and the robust estimate ({robust.value:.4g}) "
                                  f"differ by {z:.1f} combined standard errors: the effect changes over "
                                  "time or across adoption cohorts, and TWFE's comparisons with already-"
                                  "treated units distort it. Trust the robust estimate.")
    return Diagnostic(name="twfe_vs_robust", value=z, threshold=TWFE_GAP_Z, status=Status.OK,
                      message=f"TWFE and the robust estimate agree (they differ by {z:.1f} combined "
                              "standard errors).")


def _pretrend_diag(pre: tuple[str, float, int, float] | None) -> Diagnostic:
    if pre is None:
        return Diagnostic(name="pretrend", value=float("nan"), threshold=PRETREND_ALPHA, status=Status.WARN,
                          message="There is only one period before adoption, so parallel trends cannot "
                                  "be checked from the data; the estimate rests on the assumption alone.")
    kind, stat, df, p = pre
    if p < PRETREND_ALPHA:
        return Diagnostic(name="pretrend", value=p, threshold=PRETREND_ALPHA, status=Status.FAIL,
                          message=f"Pre-trend test failed ({kind}={stat:.3g}, {df} pre-period "
                                  f"coefficients, {p_phrase(p)}): the groups were already drifting apart "
                                  "before the change; the DiD estimate is not credible.")
    return Diagnostic(name="pretrend", value=p, threshold=PRETREND_ALPHA, status=Status.OK,
                      message=f"No sign of diverging trends before the change ({kind}={stat:.3g}, "
                              f"{df} pre-period coefficients jointly 0, {p_phrase(p)}).")


def _placebo_diag(pl: tuple[int, Estimate]) -> Diagnostic:
    e = pl[1]
    if e.pvalue < PRETREND_ALPHA:
        return Diagnostic(name="placebo_in_time", value=e.pvalue, threshold=PRETREND_ALPHA,
                          status=Status.WARN,
                          message=f"A pretend change before the real one shows an 'effect' of {e.value:.4g} "
                                  f"({p_phrase(e.pvalue)}) where there can be none: trends differed before "
                                  "the change, so part of the estimate may be drift.")
    return Diagnostic(name="placebo_in_time", value=e.pvalue, threshold=PRETREND_ALPHA, status=Status.OK,
                      message=f"A pretend change before the real one shows no effect ({e.value:.4g}, "
                              f"{p_phrase(e.pvalue)}), as it should.")


# --------------------------------------------------------------------------------------- figures

def _label(v: Any) -> Any:
    if isinstance(v, np.datetime64 | pd.Timestamp):
        return pd.Timestamp(v).date().isoformat()
    return v.item() if hasattr(v, "item") else v


def _event_figure(rows: list[tuple], outcome: str) -> Figure:
    def num(v: Any) -> float:
        return float("nan") if v is None else float(v)

    return Figure(name="event_study", kind="event_study",
                  title="Effect by periods since adoption (reference period -1)",
                  data={"x": tuple(r[0] for r in rows), "series": tuple(r[1] for r in rows),
                        "value": tuple(num(r[2]) for r in rows), "lower": tuple(num(r[4]) for r in rows),
                        "upper": tuple(num(r[5]) for r in rows), "reference": -1},
                  xlabel="periods since adoption", ylabel=f"effect on {outcome}")


def _series_figure(design: _Design, outcome: str) -> Figure:
    f = design.frame
    t = f["_t"].to_numpy()
    y, w = f["_y"].to_numpy(), f["_w"].to_numpy()
    ever = f["_ever"].to_numpy()
    comp_mask = ~ever if (~ever).any() else (f["_g"].to_numpy() > t)
    T = len(design.periods)

    def means(mask: np.ndarray) -> tuple[float, ...]:
        num = np.bincount(t[mask], weights=(w * y)[mask], minlength=T)
        den = np.bincount(t[mask], weights=w[mask], minlength=T)
        with np.errstate(invalid="ignore", divide="ignore"):
            return tuple(float(v) for v in num / den)

    comp = "comparison (never treated)" if (~ever).any() else "comparison (not yet treated)"
    return Figure(name="series", kind="series", title=f"Mean {outcome}: treated vs comparison",
                  data={"x": tuple(_label(p) for p in design.periods),
                        "lines": {"treated": means(ever), comp: means(comp_mask)},
                        "marker": _label(design.periods[min(design.cohorts)]),
                        "adoptions": tuple(_label(design.periods[g]) for g in design.cohorts)},
                  xlabel="period", ylabel=outcome)


__all__ = ["METHODS", "did"]
