"""Switchback tests: a treatment randomized by time slice (all rows of a slice share its arm).

A switchback test (e.g. a pricing or dispatch algorithm switched on and off every few hours in
a city) randomizes *time slices*, not customers. :func:`switchback` reads a period- or event-level
table, finds the slices (a ``slice`` column, fixed blocks of ``periods_per_slice`` periods, or runs
of constant treatment over time), drops a *washout* at the start of each slice that follows a
switch, and estimates

    y_i = alpha + tau * d_i + x_i' beta + (fixed effects) + e_i

by OLS on the rows that remain, with cluster-robust (CRV1) standard errors over the slices and
Student's t with ``G - 1`` degrees of freedom (``G`` clusters), as fixest and pyfixest report.

**Estimand.** ``tau``: the average effect, per period, of being in the treatment arm for a slice
rather than in control, excluding the carryover within the washout, i.e. the lag-m effect of
Bojinov, Simchi-Levi and Zhao (2023), "Design and analysis of switchback experiments",
Management Science 69(7), under their m-carryover assumption with m no longer than the washout:
a period's outcome depends on the arms of the slices that overlap the last m periods only, so
once the washout has passed it depends on the current arm alone. Bojinov et al. estimate it with
a Horvitz-Thompson estimator over periods whose last m+1 assignments agree; the regression here
uses the same periods (a period is dropped only when a switch happened within the washout before
it) and weighs the arms by their rows; its cluster-robust variance treats the slices as the
independent units of randomization.

**Clusters.** Without a unit, or when every unit shares the arm in each period (one schedule for
all cities), the cluster is the slice: the rows of a slice share its assignment and its time
shocks; clustering on (unit, slice) would count the cities' shared draw as independent draws and
understate the SE. When units follow their own schedules (the treatment differs across units in
some period), the unit of randomization is the (unit, slice) pair and that is the cluster. Unit
fixed effects are added whenever a unit is given.

**Carryover check.** On the rows kept (after the washout, first slice of each sequence left
out), ``y ~ d + d_prev`` with ``d_prev`` the previous slice's arm: a significant ``d_prev``
coefficient means effects spill into the next slice beyond the washout. The effect is also
reported without a washout and by washout length (0, 1, 2, ... periods).
"""

from __future__ import annotations

import datetime as _dt
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from truelift.errors import DataError, MethodError, boundary
from truelift.quasi.columns import read_periods
from truelift.quasi.result import Figure, QuasiAnalysis, Table, effect_estimate
from truelift.schema import Diagnostic, Estimate, Status, Verdict, make_provenance
from truelift.schema.rules import CARRYOVER_ALPHA, MIN_SLICES_PER_ARM, SLICE_BALANCE_ALPHA, WASHOUT_SHARE_WARN

BALANCE_ALPHA = SLICE_BALANCE_ALPHA
ESTIMAND = ("average effect per period of the treatment arm for a slice, "
            "excluding carryover within the washout")
ESTIMAND_NO_WASHOUT = ("average effect per period of the treatment arm for a slice, "
                       "every period kept (includes carryover after switches)")
SUBJECT = "Switchback test"


@boundary
def switchback(data: Any, *, outcome: str, time: str, treatment: str, slice: str | None = None,
               unit: str | None = None, washout: int | _dt.timedelta = 0,
               periods_per_slice: int | None = None, covariates: Sequence[str] = (),
               fixed_effects: Sequence[str] = (), level: float = 0.95,
               drop_missing: bool = False, date_format: str | None = None) -> QuasiAnalysis:
    """Analyse a switchback test (see the module docstring for the estimand and the model).

    Args:
        data: a DataFrame, a CSV/Parquet path or an Ibis table, one row per period (or per event,
            or per unit and period when ``unit`` is given).
        outcome, time, treatment: columns; ``time`` numeric or dates; ``treatment`` 0/1.
        slice: the slice id column; the treatment must be constant within a slice (within a unit
            and slice when a unit is given). Without it, slices are blocks of ``periods_per_slice``
            periods counted from the first period, or else runs of constant treatment over time
            (consecutive slices of the same arm then merge into one).
        unit: an optional unit column (a city); the data is then a unit x time panel.
        washout: dropped at the start of every slice that follows a switch: the first ``washout``
            periods (distinct values of ``time``), or, with dates, a ``timedelta`` from the slice's
            first period.
        covariates: numeric columns added to the regression.
        fixed_effects: columns absorbed as fixed effects (e.g. the hour of the day).
        level: confidence level of the intervals.
        drop_missing: drop (and count) rows with a missing outcome or covariate instead of failing.
        date_format: strftime codes of text dates in ``time`` (``"%d/%m/%Y"``); without it text must
            be ISO 8601 (``2024-03-04``), and ``03/04/2024`` is refused rather than guessed.

    Returns:
        ``QuasiAnalysis(design="switchback")``: the headline estimate (with the washout) and, when
        a washout is used, the estimate without it; tables ``washout``, ``carryover``, ``arms``;
        figures ``outcome_by_slice`` (series) and ``effect_by_washout`` (bars).
    """
    covariates, fixed_effects = tuple(covariates), tuple(fixed_effects)
    if not 0.0 < level < 1.0:
        raise MethodError(f"level must be in (0, 1), got {level!r}")
    if slice is not None and periods_per_slice is not None:
        raise MethodError("give either slice= or periods_per_slice=, not both")
    if periods_per_slice is not None and (isinstance(periods_per_slice, bool)
                                          or not isinstance(periods_per_slice, int | np.integer)
                                          or periods_per_slice < 1):
        raise MethodError(f"periods_per_slice must be a whole number >= 1, got {periods_per_slice!r}")
    w_delta = isinstance(washout, _dt.timedelta | np.timedelta64)
    if w_delta:
        washout = pd.Timedelta(washout)
        if washout < pd.Timedelta(0):
            raise MethodError(f"washout must be >= 0, got {washout}")
    elif isinstance(washout, bool) or not isinstance(washout, int | np.integer) or washout < 0:
        raise MethodError(f"washout must be a whole number of periods >= 0 or a timedelta, got {washout!r}")

    f, rows_read, dropped, source = _read(data, outcome=outcome, time=time, treatment=treatment,
                                          slice_col=slice, unit=unit, covariates=covariates,
                                          fixed_effects=fixed_effects, drop_missing=drop_missing,
                                          date_format=date_format)
    if w_delta and not pd.api.types.is_datetime64_any_dtype(f["time"]):
        raise MethodError(f"a timedelta washout needs dates in {time!r}; give a number of periods")

    shared = _shared_schedule(f, unit=unit, slice_col=slice, treatment=treatment)
    f["seq"] = 0 if shared else f["unit"]
    f["g"] = _slice_ids(f, slice_col=slice, periods_per_slice=periods_per_slice, treatment=treatment)
    slices = _slice_table(f)
    counts = slices.groupby("arm").size().reindex([0, 1], fill_value=0)
    if counts.min() < 2:
        raise DataError(treatment, f"a switchback needs at least 2 slices per arm; found {int(counts[1])} "
                                   f"treated and {int(counts[0])} control slices")
    f = f.merge(slices[["first_pidx", "start", "follows_switch", "prev_arm"]], left_on="g",
                right_index=True, how="left").reset_index(drop=True)
    f["pos"] = f["pidx"] - f["first_pidx"]
    switch_len = slices.loc[slices["follows_switch"], "n_periods"]
    min_len = int(switch_len.min()) if len(switch_len) else int(slices["n_periods"].min())

    drop = _washout_mask(f, washout, w_delta)
    lost = slices.index[slices["follows_switch"]].difference(f.loc[~drop, "g"].unique())
    if len(lost):
        col = slice if slice is not None else time
        raise DataError(col, f"the washout ({_describe(washout)}) is as long as the slices: it removes every "
                             f"row of {len(lost)} slices that follow a switch (the shortest has {min_len} "
                             "periods); shorten the washout")
    n_washout = int(drop.sum())
    if n_washout:
        dropped["washout"] = n_washout
    kept = f.loc[~drop]

    fe = (["unit"] if unit is not None else []) + [f"f{j}" for j in range(len(fixed_effects))]
    xs = [f"x{j}" for j in range(len(covariates))]
    head = _effect(kept, xs, fe, outcome=outcome, method="switchback", level=level, estimand=ESTIMAND)
    estimates = [head]
    raw = None
    if n_washout:
        raw = _effect(f, xs, fe, outcome=outcome, method="switchback_no_washout", level=level,
                      estimand=ESTIMAND_NO_WASHOUT)
        estimates.append(raw)

    diagnostics = [*_slice_diagnostics(slices, counts)]
    carry_diag, carry_table = _carryover(kept, xs, fe, level)
    diagnostics.append(carry_diag)
    diagnostics.extend(_drop_diagnostics(dropped, rows_read, n_washout, washout))

    w_periods = int(f.loc[drop, "pos"].max()) + 1 if n_washout else 0
    grid = list(range(0, min(min_len, max(w_periods + 3, 4))))
    bars = [(w, head if (w == w_periods and not w_delta) else
             raw if (w == 0 and raw is not None) else
             _effect(f.loc[~_washout_mask(f, w, False)], xs, fe, outcome=outcome,
                     method=f"washout_{w}", level=level, estimand=ESTIMAND)) for w in grid]

    tables = (_washout_table(head, raw, kept, f, washout), carry_table, _arms_table(f, drop))
    figures = (_series_figure(f, slices, shared, outcome, time),
               Figure(name="effect_by_washout", kind="bars",
                      title="Effect by washout length (periods dropped after each switch)",
                      data={"labels": tuple(str(w) for w in grid),
                            "values": tuple(e.value for _, e in bars),
                            "lower": tuple(e.ci[0] for _, e in bars),
                            "upper": tuple(e.ci[1] for _, e in bars)},
                      xlabel="washout (periods)", ylabel=f"effect on {outcome}"))
    notes = _notes(shared, unit, slice, periods_per_slice, int(slices.shape[0]), head, raw, washout)

    provenance = make_provenance(
        seed=None, rows_read=rows_read, rows_used=len(kept),
        rows_dropped=dropped, source=source,
        parameters=dict(outcome=outcome, time=time, treatment=treatment, slice=slice, unit=unit,
                        washout=_describe(washout), periods_per_slice=periods_per_slice,
                        covariates=list(covariates), fixed_effects=list(fixed_effects), level=level,
                        drop_missing=drop_missing))
    identification = (
        "Treatment was randomized by time slice, so the arms differ only by chance once the carryover "
        f"from the previous slice has passed. Estimand: the {ESTIMAND} ({_describe(washout)} dropped "
        "after each switch; Bojinov, Simchi-Levi and Zhao, 2023). It assumes carryover lasts no longer "
        "than the washout.")
    diagnostics = tuple(diagnostics)
    return QuasiAnalysis(design="switchback", title="Switchback test", outcome=outcome,
                         estimates=tuple(estimates), identification=identification,
                         diagnostics=diagnostics,
                         verdict=Verdict.from_diagnostics(diagnostics, subject=SUBJECT),
                         provenance=provenance, tables=tables, figures=figures, notes=notes, level=level)


# --------------------------------------------------------------------------------------------------
# reading and slices


def _read(data: Any, *, outcome: str, time: str, treatment: str, slice_col: str | None, unit: str | None,
          covariates: tuple[str, ...], fixed_effects: tuple[str, ...], drop_missing: bool,
          date_format: str | None = None) -> tuple[pd.DataFrame, int, dict[str, int], str]:
    """A new frame with ``y, d, time, unit?, slice?, x0.., f0..`` and ``pidx`` (dense period rank)."""
    extra = tuple(c for c in (slice_col, *covariates, *fixed_effects) if c is not None)
    roles = [outcome, time, treatment, *([unit] if unit else []), *extra]
    if len(set(roles)) != len(roles):
        raise DataError(None, f"a column is named in two roles: {', '.join(roles)}")
    if unit is not None:
        from truelift.quasi.panel import read_panel

        panel = read_panel(data, unit=unit, time=time, outcome=outcome, treatment=treatment,
                           extra=extra, drop_missing=drop_missing, require_pre_periods=False,
                           date_format=date_format)
        p = panel.frame
        f = pd.DataFrame({"y": p["y"].to_numpy(), "d": p["d"].to_numpy(), "time": p["time"].to_numpy(),
                          "unit": p["unit"].to_numpy()})
        ext = {c: p[c].to_numpy() for c in extra}
        rows_read, dropped, source = panel.rows_read, dict(panel.rows_dropped), panel.source
    else:
        f, ext, rows_read, dropped, source = _read_periods(data, outcome, time, treatment, extra,
                                                           drop_missing, date_format)
    if slice_col is not None:
        s = ext[slice_col]
        if pd.isna(s).any():
            raise DataError(slice_col, f"{int(pd.isna(s).sum())} rows have a missing slice id")
        f["slice"] = s
    keep = np.ones(len(f), dtype=bool)
    for j, c in enumerate(covariates):
        x = pd.to_numeric(pd.Series(ext[c]), errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(x) & ~pd.isna(ext[c])
        if bad.any():
            raise DataError(c, "the covariate must be numeric")
        if np.isinf(x).any():
            raise DataError(c, "the covariate must be finite (no inf)")
        f[f"x{j}"] = x
    for j, c in enumerate(fixed_effects):
        f[f"f{j}"] = pd.factorize(pd.Series(ext[c]), use_na_sentinel=True)[0]
    for j, c in enumerate((*covariates, *fixed_effects)):
        col = f"x{j}" if j < len(covariates) else f"f{j - len(covariates)}"
        miss = (f[col].isna().to_numpy() if col.startswith("x") else (f[col] < 0).to_numpy()) & keep
        if miss.any():
            if not drop_missing:
                raise DataError(c, f"{int(miss.sum())} rows have a missing value; pass drop_missing=True "
                                   "to drop (and count) them")
            dropped[f"missing {c}"] = int(miss.sum())
            keep &= ~miss
    if not keep.all():
        f = f.loc[keep].reset_index(drop=True)
        if f["d"].min() == f["d"].max():
            raise DataError(treatment, "after dropping missing values every row has the same arm")
    order = ["unit", "time"] if unit is not None else ["time"]
    f = f.sort_values(order, kind="mergesort").reset_index(drop=True)
    f["pidx"] = pd.factorize(f["time"], sort=True)[0]
    return f, rows_read, dropped, source


def _read_periods(data: Any, outcome: str, time: str, treatment: str, extra: tuple[str, ...],
                  drop_missing: bool, date_format: str | None = None
                  ) -> tuple[pd.DataFrame, dict[str, Any], int, dict[str, int], str]:
    from truelift.data.io import describe_source, numbers, read_columns

    raw = read_columns(data, [outcome, time, treatment, *extra])
    n = len(raw[outcome])
    t = read_periods(raw[time], time, date_format)
    y = numbers(raw[outcome], outcome).to_numpy(dtype=float)
    d = pd.to_numeric(raw[treatment], errors="coerce").to_numpy(dtype=float)
    if np.isnan(d).any():
        raise DataError(treatment, f"{int(np.isnan(d).sum())} rows have a missing or non-numeric treatment")
    if not np.isin(d, (0, 1)).all():
        raise DataError(treatment, "the treatment must be 0 or 1 in every row")
    dropped: dict[str, int] = {}
    keep = ~np.isnan(y)
    if not keep.all():
        if not drop_missing:
            raise DataError(outcome, f"{int((~keep).sum())} of {n} rows have a missing outcome; "
                                     "pass drop_missing=True to drop (and count) them")
        dropped[f"missing {outcome}"] = int((~keep).sum())
    if d[keep].min() == d[keep].max():
        raise DataError(treatment, f"the treatment is {int(d[keep][0])} in every row; nothing to compare")
    f = pd.DataFrame({"y": y[keep], "d": d[keep].astype(np.int8), "time": t.to_numpy()[keep]})
    ext = {c: raw[c].to_numpy()[keep] for c in extra}
    return f, ext, n, dropped, describe_source(data)


def _shared_schedule(f: pd.DataFrame, *, unit: str | None, slice_col: str | None, treatment: str) -> bool:
    """Whether every row of a period has the same arm (one schedule for all units)."""
    varies = f.groupby("pidx")["d"].nunique() > 1
    if unit is None and slice_col is None and varies.any():
        t = f.loc[f["pidx"] == varies.index[varies][0], "time"].iloc[0]
        raise DataError(treatment, f"the treatment differs between rows of the same period (e.g. {t}); "
                                   "give the slice column (slice=) or the unit (unit=)")
    return unit is None or not bool(varies.any())


def _slice_ids(f: pd.DataFrame, *, slice_col: str | None, periods_per_slice: int | None,
               treatment: str) -> np.ndarray:
    """Integer slice (cluster) ids, one per (sequence, slice)."""
    if slice_col is not None:
        key = pd.MultiIndex.from_arrays([f["seq"], f["slice"]])
        g = pd.factorize(key)[0]
        bad = pd.Series(f["d"].to_numpy()).groupby(g).nunique() > 1
        if bad.any():
            label = f["slice"].to_numpy()[g == bad.index[bad][0]][0]
            raise DataError(treatment, f"the treatment is not constant within slice {label!r} of "
                                       f"{slice_col!r} ({int(bad.sum())} slices mix both arms); every row "
                                       "of a slice must share its arm")
        return g
    if periods_per_slice is not None:
        block = f["pidx"].to_numpy() // periods_per_slice
        g = pd.factorize(pd.MultiIndex.from_arrays([f["seq"], block]))[0]
        bad = pd.Series(f["d"].to_numpy()).groupby(g).nunique() > 1
        if bad.any():
            raise DataError(treatment, f"the treatment changes within a slice of {periods_per_slice} periods "
                                       f"({int(bad.sum())} slices mix both arms); check periods_per_slice "
                                       "or give the slice column")
        return g
    per = f.groupby(["seq", "pidx"], sort=True)["d"].first().reset_index()
    new = (per["d"] != per.groupby("seq")["d"].shift()) | (per["seq"] != per["seq"].shift())
    per["g"] = np.cumsum(new.to_numpy()) - 1
    return f[["seq", "pidx"]].merge(per, on=["seq", "pidx"], how="left")["g"].to_numpy()


def _slice_table(f: pd.DataFrame) -> pd.DataFrame:
    """One row per slice: sequence, arm, first period, start time, periods, previous arm, switch."""
    s = f.groupby("g").agg(seq=("seq", "first"), arm=("d", "first"), first_pidx=("pidx", "min"),
                           start=("time", "min"), n_periods=("pidx", "nunique"), rows=("y", "size"),
                           mean=("y", "mean"))
    s = s.sort_values(["seq", "first_pidx"], kind="mergesort")
    prev = s.groupby("seq")["arm"].shift()
    s["prev_arm"] = prev
    s["follows_switch"] = prev.notna() & (prev != s["arm"])
    return s


def _washout_mask(f: pd.DataFrame, washout: Any, w_delta: bool) -> np.ndarray:
    early = (f["time"] - f["start"] < washout) if w_delta else (f["pos"] < washout)
    return (f["follows_switch"].to_numpy(dtype=bool) & early.to_numpy(dtype=bool))


def _describe(washout: Any) -> str:
    if isinstance(washout, pd.Timedelta):
        return str(washout)
    return f"{int(washout)} period" + ("" if washout == 1 else "s")


# --------------------------------------------------------------------------------------------------
# regressions


def _ols_crv1(frame: pd.DataFrame, rhs: list[str], fe: list[str]) -> tuple[pd.Series, pd.Series, int]:
    """OLS of ``y`` on ``rhs`` (absorbing ``fe``) with CRV1 SEs clustered on ``g`` (pyfixest)."""
    import pyfixest as pf

    cols = ["y", *rhs, *fe, "g"]
    fml = "y ~ " + " + ".join(rhs) + (" | " + " + ".join(fe) if fe else "")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.feols(fml, frame[cols].reset_index(drop=True), vcov={"CRV1": "g"}, fixef_rm="none")
    coef, se = fit.coef(), fit.se()
    missing = [v for v in rhs if v not in coef.index]
    if missing or len(frame) != fit._N:
        raise MethodError(f"switchback: the regression dropped {', '.join(missing) or 'rows'} "
                          "(collinear with the fixed effects or covariates)")
    return coef, se, int(frame["g"].nunique())


def _effect(frame: pd.DataFrame, xs: list[str], fe: list[str], *, outcome: str, method: str,
            level: float, estimand: str) -> Estimate:
    coef, se, G = _ols_crv1(frame, ["d", *xs], fe)
    arm = frame.groupby("g")["d"].first()
    return effect_estimate(outcome=outcome, estimand=estimand, method=method, value=float(coef["d"]),
                           se=float(se["d"]), level=level, se_kind="crv1", n_treated=int(arm.sum()),
                           n_control=int((arm == 0).sum()),
                           mean_treated=float(frame.loc[frame["d"] == 1, "y"].mean()), df=G - 1)


def _varies_apart(a: pd.Series, b: pd.Series) -> bool:
    """``b`` takes two values and is not a linear function of ``a``."""
    if b.nunique() < 2 or a.nunique() < 2:
        return False
    return bool(abs(np.corrcoef(a.to_numpy(dtype=float), b.to_numpy(dtype=float))[0, 1]) < 1 - 1e-9)


def _carryover(kept: pd.DataFrame, xs: list[str], fe: list[str], level: float) -> tuple[Diagnostic, Table]:
    from scipy import stats

    cols = ("term", "coefficient", "se", "ci_low", "ci_high", "p_value")
    title = "Carryover: the outcome on the current and the previous slice's arm (rows after the washout)"
    rows = kept.loc[kept["prev_arm"].notna()].assign(dp=lambda z: z["prev_arm"].astype(float))
    terms = [("d", "current slice's arm"), ("dp", "previous slice's arm")]
    if len(rows) and rows["g"].nunique() > 2 and not _varies_apart(rows["d"], rows["dp"]):
        # arms that strictly alternate (e.g. slices found as runs): d_prev = 1 - d, so test instead
        # whether the previous arm lingers in the first period kept after each switch
        first = rows["pos"] == rows.groupby("g")["pos"].transform("min")
        early = (first & rows["follows_switch"].astype(bool)).astype(float)
        rows = rows.assign(early=early, dp=(rows["dp"] - rows["d"]) * early)
        terms = [("d", "current slice's arm"), ("early", "first period kept after a switch"),
                 ("dp", "previous arm minus current, first period kept after a switch")]
        title = ("Carryover: does the previous slice's arm linger in the first period kept after a switch "
                 "(the arms alternate, so the previous arm is the opposite of the current one)")
    testable = (len(rows) > 0 and rows["g"].nunique() > 2
                and all(_varies_apart(rows["d"], rows[t]) for t, _ in terms[1:]))
    if not testable:
        diag = Diagnostic(name="carryover", value=float("nan"), threshold=CARRYOVER_ALPHA, status=Status.WARN,
                          message="carryover cannot be tested: the previous slice's arm does not vary "
                                  "apart from the current one and the slices are too short to compare "
                                  "their first period with the rest; randomize the slices so that both "
                                  "arms follow both arms")
        return diag, Table(name="carryover", title=title, columns=cols, rows=())
    coef, se, G = _ols_crv1(rows, [t for t, _ in terms] + xs, fe)
    crit = float(stats.t.ppf(0.5 + level / 2.0, G - 1))
    out = []
    for term, name in terms:
        b, s = float(coef[term]), float(se[term])
        p = float(2 * stats.t.sf(abs(b / s), G - 1)) if s > 0 else float(b != 0)
        out.append((name, b, s, b - crit * s, b + crit * s, p))
    _, b, _, _, _, p = out[-1]
    if p < CARRYOVER_ALPHA:
        diag = Diagnostic(name="carryover", value=p, threshold=CARRYOVER_ALPHA, status=Status.WARN,
                          message=f"effects spill into the next slice; lengthen the washout (after the "
                                  f"washout the previous slice's arm still shifts the outcome by {b:.4g}, "
                                  f"p = {p:.3g})")
    else:
        diag = Diagnostic(name="carryover", value=p, threshold=CARRYOVER_ALPHA, status=Status.OK,
                          message=f"no sign that the previous slice's arm moves the outcome after the "
                                  f"washout (p = {p:.3g})")
    return diag, Table(name="carryover", title=title, columns=cols, rows=tuple(out))


# --------------------------------------------------------------------------------------------------
# diagnostics, tables, figures


def _slice_diagnostics(slices: pd.DataFrame, counts: pd.Series) -> list[Diagnostic]:
    from scipy import stats

    n1, n0 = int(counts[1]), int(counts[0])
    low = min(n0, n1)
    if low < MIN_SLICES_PER_ARM:
        arm = "treatment" if n1 < n0 else "control"
        d1 = Diagnostic(name="slices_per_arm", value=low, threshold=MIN_SLICES_PER_ARM, status=Status.WARN,
                        message=f"only {low} slices in the {arm} arm: cluster-robust standard errors over so "
                                "few slices are unreliable; run the test longer or use shorter slices")
    else:
        d1 = Diagnostic(name="slices_per_arm", value=low, threshold=MIN_SLICES_PER_ARM, status=Status.OK,
                        message=f"{n1} treated and {n0} control slices")
    p = float(stats.binomtest(n1, n0 + n1, 0.5).pvalue)
    if p < BALANCE_ALPHA:
        d2 = Diagnostic(name="slice_balance", value=p, threshold=BALANCE_ALPHA, status=Status.WARN,
                        message=f"{n1} of {n0 + n1} slices were treated: a 50/50 draw gives so uneven a "
                                f"split with p = {p:.3g}; check how the slices were randomized")
    else:
        d2 = Diagnostic(name="slice_balance", value=p, threshold=BALANCE_ALPHA, status=Status.OK,
                        message=f"{n1} of {n0 + n1} slices treated, as a 50/50 draw would give (p = {p:.3g})")
    return [d1, d2]


def _drop_diagnostics(dropped: dict[str, int], rows_read: int, n_washout: int,
                      washout: Any) -> list[Diagnostic]:
    out = []
    missing = sum(v for k, v in dropped.items() if k != "washout")
    if missing:
        what = ", ".join(f"{v} ({k})" for k, v in dropped.items() if k != "washout")
        # only with drop_missing=True (a missing value is an error otherwise): reported
        out.append(Diagnostic(name="rows_dropped", value=missing, status=Status.INFO,
                              message=f"{missing} of {rows_read} rows were dropped as asked for "
                                      f"missing values: {what}"))
    share = n_washout / max(rows_read, 1)
    status = Status.WARN if share > WASHOUT_SHARE_WARN else Status.OK
    msg = (f"the washout ({_describe(washout)} after each switch) dropped {n_washout} of {rows_read} rows "
           f"({share:.0%})")
    if status is Status.WARN:
        msg += "; most of the test is washout, so the estimate rests on few periods: use longer slices"
    out.append(Diagnostic(name="washout_dropped", value=n_washout, threshold=WASHOUT_SHARE_WARN * rows_read,
                          status=status, message=msg))
    return out


def _washout_table(head: Estimate, raw: Estimate | None, kept: pd.DataFrame, f: pd.DataFrame,
                   washout: Any) -> Table:
    rows = [("with washout", _describe(washout), len(kept), head.n, head.value, head.se, *head.ci,
             head.pvalue)]
    if raw is not None:
        rows.append(("without washout", _describe(0), len(f), raw.n, raw.value, raw.se, *raw.ci, raw.pvalue))
    return Table(name="washout", title="The effect with and without the washout",
                 columns=("analysis", "washout", "rows", "slices", "estimate", "se", "ci_low", "ci_high",
                          "p_value"), rows=tuple(rows))


def _arms_table(f: pd.DataFrame, drop: np.ndarray) -> Table:
    rows = []
    for arm, name in ((1, "treatment"), (0, "control")):
        m = f["d"].to_numpy() == arm
        rows.append((name, int(f.loc[m, "g"].nunique()), int(m.sum()), int((m & ~drop).sum()),
                     float(f.loc[m & ~drop, "y"].mean())))
    return Table(name="arms", title="Slices and rows by arm",
                 columns=("arm", "slices", "rows", "rows_after_washout", "mean_outcome"), rows=tuple(rows))


def _x_values(t: pd.Series) -> tuple[Any, ...]:
    if pd.api.types.is_datetime64_any_dtype(t):
        return tuple(pd.Timestamp(v).isoformat() for v in t)
    return tuple(float(v) for v in t)


def _series_figure(f: pd.DataFrame, slices: pd.DataFrame, shared: bool, outcome: str, time: str) -> Figure:
    if shared:
        s = slices.sort_values("first_pidx", kind="mergesort")
        x = _x_values(s["start"])
        treated = np.where(s["arm"] == 1, s["mean"], np.nan)
        control = np.where(s["arm"] == 0, s["mean"], np.nan)
        title = f"{outcome} by slice (mean of each slice, by its arm)"
    else:
        m = f.pivot_table(index="time", columns="d", values="y", aggfunc="mean").reindex(columns=[0, 1])
        x = _x_values(pd.Series(m.index))
        treated, control = m[1].to_numpy(), m[0].to_numpy()
        title = f"{outcome} over time (mean of the units in each arm)"
    return Figure(name="outcome_by_slice", kind="series", title=title, xlabel=time, ylabel=outcome,
                  data={"x": x, "lines": {"treatment": tuple(float(v) for v in treated),
                                          "control": tuple(float(v) for v in control)}})


def _notes(shared: bool, unit: str | None, slice_col: str | None, periods_per_slice: int | None,
           n_slices: int, head: Estimate, raw: Estimate | None, washout: Any) -> tuple[str, ...]:
    notes = []
    if unit is None:
        notes.append(f"Standard errors are cluster-robust (CRV1) over the {n_slices} slices, the units of "
                     "randomization, with t(G - 1) intervals.")
    elif shared:
        notes.append(f"Every {unit} shares the arm in each slice, so the {n_slices} slices (across every "
                     f"{unit}) are the clusters; clustering on ({unit}, slice) would treat the shared draw "
                     f"as independent and understate the standard error. {unit} fixed effects are included.")
    else:
        notes.append(f"Each {unit} follows its own schedule, so the {n_slices} ({unit}, slice) pairs are the "
                     f"units of randomization and the clusters. {unit} fixed effects are included; shocks "
                     "common to every unit in a period can be absorbed with the time as a fixed effect.")
    if slice_col is None and periods_per_slice is None:
        notes.append("Slices were taken as runs of constant treatment over time: consecutive slices of the "
                     "same arm merge into one, which is harmless for the estimate; give slice= or "
                     "periods_per_slice= to count the randomized slices exactly.")
    if raw is not None:
        notes.append(f"Without the washout the estimate is {raw.value:.4g} (se {raw.se:.4g}) against "
                     f"{head.value:.4g} (se {head.se:.4g}) with it; a gap beyond noise means carryover "
                     "after switches.")
    n_rows = "slices" if unit is None or shared else f"({unit}, slice) pairs"
    notes.append(f"n_treated and n_control count {n_rows} (the randomized units), not rows.")
    return tuple(notes)


__all__ = ["switchback"]
