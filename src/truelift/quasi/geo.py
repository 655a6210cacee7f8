"""Geo experiments: plan (assignment and power from history) and analysis (region x day panel).

**Analysis** (:func:`geo`). Estimand: the ATT of the treated regions over the test period, in the
outcome per region-day, or per user when ``users`` names a column of users per region-day.

* ``method="did"``: two-way fixed-effects difference-in-differences
  ``y_rt = a_r + l_t + tau D_rt + e_rt`` with ``D_rt = 1`` for treated regions from ``start`` on,
  fitted by pyfixest with CRV1 standard errors clustered by region and Student-t with ``G - 1``
  degrees of freedom (Bertrand, Duflo & Mullainathan 2004). Per user, ``y = outcome / users`` and
  the regression is weighted by users, so ``tau`` is the users-weighted lift per user.
* ``method="synth"``: a synthetic control (Abadie, Diamond & Hainmueller 2010) of the aggregate of
  the treated regions (``sum outcome / sum users`` per day, or the mean over treated regions) with
  the control regions as donors; inference by placebo in space (:func:`truelift.quasi.synth.synth`).

**Plan** (:func:`geo_plan`). Assignment: ``"random"`` draws ``round(treated_share * R)`` treated
regions; ``"pairs"`` (Vaver & Koehler 2011, matched-pair geo experiments) pairs regions greedily by
the Euclidean distance of their history series and randomizes within each pair. Power: placebo
re-analysis of history, where nothing was treated. ``reps`` times, a window of ``pre_periods`` +
``test_periods`` periods is drawn from history and a fresh assignment (same method) is analysed with
the DiD estimator, in its exact collapsed form for a balanced panel:
``tau = mean_{r in T} d_r - mean_{r in C} d_r`` with ``d_r`` the region's post mean minus its pre mean
(equal to the TWFE coefficient), and the two-sample standard error
``sqrt(var_T(d)/n_T + var_C(d)/n_C)`` (the region-level form of CRV1). The null estimates' SD gives
the minimum detectable effect ``MDE = (z_{1-alpha/2} + z_power) * SD`` (absolute, per region-day)
and ``MDE / baseline`` (relative, baseline = mean outcome per region-day in history); the share of
null windows whose test rejects at ``alpha`` is the empirical false-positive rate.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from truelift.errors import DataError, MethodError, boundary
from truelift.quasi.panel import Panel, read_panel
from truelift.quasi.result import Figure, QuasiAnalysis, Table, effect_estimate
from truelift.quasi.synth import _as_period, _split, _x_values, synth
from truelift.schema import Analysis, Diagnostic, Estimate, Provenance, Status, Verdict, make_provenance
from truelift.schema.rules import FPR_BAND_SIGMAS, HISTORY_WINDOWS, MIN_CLUSTERS
from truelift.vocabulary import renamed

METHODS = ("did", "synth")
PLAN_METHODS = ("pairs", "random")
FEW_REGIONS = MIN_CLUSTERS


# --------------------------------------------------------------------------------------------------
# analysis


@renamed(region="unit")
@boundary
def geo(data: Any, *, unit: str, time: str, outcome: str, treatment: str, start: Any,
        method: str = "did", users: str | None = None, level: float = 0.95, seed: int = 0,
        date_format: str | None = None) -> QuasiAnalysis:
    """Analyse a geo experiment on a region x period panel (see the module docstring).

    Args:
        data: the long panel, one row per region and period, balanced.
        region, time, outcome: column names. ``treatment``: 0/1 marking the treated regions (on
            every period, or only from ``start`` on). ``start``: the first test period.
        method: ``"did"`` (TWFE DiD, CRV1 by region) or ``"synth"`` (synthetic control of the
            treated aggregate).
        users: optional column of users per region-period; the outcome is then analysed per user.
        level: confidence level. ``seed``: recorded (both methods are deterministic).
        date_format: strftime codes of text dates in ``time`` (``"%d/%m/%Y"``); without it text must
            be ISO 8601 (``2024-03-04``), and ``03/04/2024`` is refused rather than guessed.
    """
    region = unit  # body names
    if method not in METHODS:
        raise MethodError(f"geo: unknown method {method!r}; one of {', '.join(METHODS)}")
    if not 0.0 < level < 1.0:
        raise MethodError(f"geo: level must be in (0, 1), got {level!r}")
    panel = read_panel(data, unit=region, time=time, outcome=outcome, treatment=treatment,
                       extra=(users,) if users else (), require_balanced=True, require_pre_periods=False,
                       date_format=date_format)
    start_v = _as_period(start, panel)
    pre, _post = _split(panel, start_v, time)
    f = panel.frame.copy()
    arm = f.groupby("unit")["d"].transform("max").astype(int)
    f["arm"] = arm
    f["post"] = (~f["time"].isin(pre)).astype(int)
    if users:
        u = pd.to_numeric(f[users], errors="coerce")
        if u.isna().any() or (u <= 0).any():
            raise DataError(users, "users must be a positive number in every row")
        f["w"] = u.astype(float)
        f["yy"] = f["y"] / f["w"]
    else:
        f["w"] = 1.0
        f["yy"] = f["y"]
    n_t = int(f.loc[f["arm"] == 1, "unit"].nunique())
    n_c = int(f.loc[f["arm"] == 0, "unit"].nunique())
    if n_t < 1 or n_c < 1:
        raise DataError(treatment, "need at least one treated and one control region")
    per = f"{outcome} per user" if users else f"{outcome} per region-{time}"
    params = dict(region=region, time=time, outcome=outcome, treatment=treatment, start=str(start_v),
                  method=method, users=users, level=level)
    if method == "did":
        return _geo_did(f, panel, n_t, n_c, per, level, params, seed, time, start_v, bool(users))
    return _geo_synth(f, panel, n_t, n_c, per, level, params, seed, time, start_v, bool(users))


def _twfe(f: pd.DataFrame, weighted: bool) -> tuple[float, float, int]:
    import pyfixest as pf

    d = pd.DataFrame({"yy": f["yy"].to_numpy(), "D": (f["arm"] * f["post"]).to_numpy(),
                      "unit": f["unit"].astype(str).to_numpy(), "time": f["time"].astype(str).to_numpy(),
                      "w": f["w"].to_numpy()})
    with warnings.catch_warnings():  # pyfixest's own deprecation notices are not the user's business
        warnings.simplefilter("ignore")
        fit = pf.feols("yy ~ D | unit + time", data=d, vcov={"CRV1": "unit"},
                       weights="w" if weighted else None)
        return float(fit.coef()["D"]), float(fit.se()["D"]), int(d["unit"].nunique())


def _geo_did(f: pd.DataFrame, panel: Panel, n_t: int, n_c: int, per: str, level: float,
             params: dict[str, Any], seed: int, time: str, start: Any, weighted: bool) -> QuasiAnalysis:
    from scipy import stats

    tau, se, g = _twfe(f, weighted)
    tp = f[(f["arm"] == 1) & (f["post"] == 1)]
    mean_treated = float((tp["yy"] * tp["w"]).sum() / tp["w"].sum())
    est = effect_estimate(outcome=per, estimand="ATT of the treated regions, test period", method="did",
                          value=tau, se=se, level=level, se_kind="crv1", n_treated=n_t, n_control=n_c,
                          mean_treated=mean_treated, df=g - 1)
    diags = [_few_regions(g)]
    pre_f = f[f["post"] == 0]
    pre_periods = np.sort(pre_f["time"].unique())
    if len(pre_periods) >= 4:
        fake = pre_periods[len(pre_periods) // 2]
        pf_ = pre_f.assign(post=(pre_f["time"] >= fake).astype(int))
        ptau, pse, _ = _twfe(pf_, weighted)
        p = float(2 * stats.t.sf(abs(ptau / pse), g - 1)) if pse > 0 else 1.0
        ok = p >= 1.0 - level
        diags.append(Diagnostic(
            name="pre_period_placebo_pvalue", value=p, threshold=1.0 - level,
            status=Status.OK if ok else Status.WARN,
            message=(f"A placebo test start inside the pre period shows no effect (p = {p:.2f})." if ok else
                     f"A placebo test start inside the pre period shows an 'effect' of {ptau:.4g} "
                     f"(p = {p:.3f}): treated and control regions already drifted apart before the test, so "
                     "the DiD estimate may carry that drift.")))
    # figure: treated aggregate vs the DiD counterfactual (control change added to the treated pre level)
    agg = _aggregate(f)
    pre_m = agg["post"] == 0
    cf = agg["t"][pre_m].mean() + (agg["c"] - agg["c"][pre_m].mean())
    crit = float(stats.t.ppf(0.5 + level / 2.0, g - 1))
    post_m = ~pre_m
    lower = np.where(post_m, cf - crit * se, np.nan)
    upper = np.where(post_m, cf + crit * se, np.nan)
    x = _x_values(pd.Index(agg.index))
    fig = Figure(name="series", kind="series", title="Treated regions: actual vs counterfactual (DiD)",
                 data={"x": x, "lines": {"treated": agg["t"].to_numpy(), "counterfactual": cf.to_numpy()},
                       "band": {"line": "counterfactual", "lower": lower, "upper": upper},
                       "marker": _x_values(pd.Index([start]))[0]}, xlabel=time, ylabel=per)
    return QuasiAnalysis(
        design="geo", title="Geo experiment, difference-in-differences", outcome=per, estimates=(est,),
        identification="Without the test, treated and control regions would have moved in parallel (the "
                       "same change from the pre period to the test period), and control regions were not "
                       "affected by the test.",
        diagnostics=tuple(diags), verdict=Verdict.from_diagnostics(diags, subject="Geo experiment"),
        provenance=_provenance(panel, params, seed), figures=(fig,),
        tables=(_arms_table(f),), notes=("Regression weighted by users." if weighted else
                                         "Every region-day weighs the same.",), level=level)


def _geo_synth(f: pd.DataFrame, panel: Panel, n_t: int, n_c: int, per: str, level: float,
               params: dict[str, Any], seed: int, time: str, start: Any, weighted: bool) -> QuasiAnalysis:
    tr = f[f["arm"] == 1].assign(num=lambda d: d["yy"] * d["w"])
    agg = tr.groupby("time").agg(num=("num", "sum"), w=("w", "sum"))
    treated_series = pd.DataFrame({"unit": "__treated__", "time": agg.index,
                                   "y": (agg["num"] / agg["w"]).to_numpy()})
    ctrl = f.loc[f["arm"] == 0, ["unit", "time", "yy"]].rename(columns={"yy": "y"})
    ctrl = ctrl.assign(unit=ctrl["unit"].astype(str))
    long = pd.concat([treated_series, ctrl], ignore_index=True)
    res = synth(long, outcome="y", unit="unit", time="time", treated="__treated__", start=start,
                placebo=True, level=level, seed=seed)
    e = res.estimate()
    est = dataclasses.replace(e, outcome=per, estimand="ATT of the treated regions (aggregate), test period",
                              n_treated=n_t, n_control=n_c)
    series = res.figure("series")
    gaps = res.figure("gaps")
    synth_line = np.asarray(series.data["lines"]["synthetic"], dtype=float)
    plac = np.array([np.asarray(v, dtype=float) for v in gaps.data["placebos"].values()])
    alpha = 1.0 - level
    lo_q, hi_q = np.quantile(plac, [alpha / 2, 1 - alpha / 2], axis=0)
    fig = Figure(name="series", kind="series", title="Treated regions: actual vs synthetic control",
                 data={"x": series.data["x"],
                       "lines": {"treated": series.data["lines"]["__treated__"],
                                 "counterfactual": synth_line},
                       "band": {"line": "counterfactual", "lower": synth_line + lo_q,
                                "upper": synth_line + hi_q},
                       "marker": series.data["marker"]}, xlabel=time, ylabel=per)
    return QuasiAnalysis(
        design="geo", title="Geo experiment, synthetic control", outcome=per, estimates=(est,),
        identification=res.identification.replace("__treated__", "the treated regions"),
        diagnostics=res.diagnostics,
        verdict=Verdict.from_diagnostics(res.diagnostics, subject="Geo experiment"),
        provenance=_provenance(panel, params, seed), tables=(_arms_table(f), *res.tables),
        figures=(fig, gaps), notes=(*res.notes, "Band: the synthetic control plus the placebo gaps' "
                                                f"{alpha / 2:.1%}-{1 - alpha / 2:.1%} quantiles per period."),
        level=level)


def _aggregate(f: pd.DataFrame) -> pd.DataFrame:
    g = f.assign(num=f["yy"] * f["w"]).groupby(["time", "arm"]).agg(num=("num", "sum"), w=("w", "sum"),
                                                                   post=("post", "max"))
    y = (g["num"] / g["w"]).unstack("arm")
    post = g["post"].groupby(level="time").max()
    return pd.DataFrame({"t": y[1], "c": y[0], "post": post})


def _arms_table(f: pd.DataFrame) -> Table:
    g = f.groupby("unit").agg(arm=("arm", "max"))
    return Table(name="arms", title="Regions by arm", columns=("region", "arm"),
                 rows=tuple((str(u), "treatment" if a else "control") for u, a in g["arm"].items()))


def _few_regions(g: int) -> Diagnostic:
    ok = g >= FEW_REGIONS
    return Diagnostic(name="regions", value=float(g), threshold=float(FEW_REGIONS),
                      status=Status.OK if ok else Status.WARN,
                      message=(f"{g} regions." if ok else
                               f"Only {g} regions: cluster-robust standard errors with few clusters are "
                               "unreliable and the interval may be too narrow."))


def _provenance(panel: Panel, params: dict[str, Any], seed: int | None) -> Provenance:

    return make_provenance(parameters=params, seed=seed, rows_read=panel.rows_read,
                      rows_used=len(panel.frame), rows_dropped=dict(panel.rows_dropped), source=panel.source)


# --------------------------------------------------------------------------------------------------
# plan


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class GeoPlan(Analysis):
    """A geo-experiment design: the assignment and the power read from history (see :func:`geo_plan`).

    Attributes:
        assignment: table region -> arm (and pair id for matched pairs).
        mde, mde_relative: minimum detectable lift per region-period (absolute; relative to baseline).
        null_sd: SD of the DiD estimate over the placebo windows; baseline: mean outcome per region-period.
        false_positive_rate: share of placebo windows whose test rejected at ``alpha``.
        power_at_effect: with ``effect`` (relative), the power ``Phi(effect * baseline / null_sd - z)``.
    """

    kind: ClassVar[str] = "geo_plan"

    region: str
    time: str
    outcome: str
    method: str
    treated_share: float
    test_periods: int
    pre_periods: int
    alpha: float
    power: float
    reps: int
    n_regions: int
    n_treated: int
    assignment: Table
    baseline: float
    null_sd: float
    mde: float
    mde_relative: float
    false_positive_rate: float
    effect: float | None
    power_at_effect: float | None
    windows: int
    diagnostics: tuple[Diagnostic, ...]
    verdict: Verdict
    provenance: Provenance
    figures: tuple[Figure, ...] = ()
    notes: tuple[str, ...] = ()

    def _title(self) -> str:
        return f"Geo experiment plan for {self.outcome}"

    def _estimates(self) -> tuple[Estimate, ...]:
        """A plan estimates no effect: none."""
        return ()

    def _tables(self) -> tuple[Table, ...]:
        return (self.assignment,)

    def assignment_frame(self) -> pd.DataFrame:
        """The assignment as a DataFrame."""
        return self.assignment.to_frame()


@renamed(region="unit")
@boundary
def geo_plan(history: Any, *, unit: str, time: str, outcome: str, treated_share: float = 0.5,
             method: str = "pairs", test_periods: int = 28, pre_periods: int | None = None,
             effect: float | None = None, alpha: float = 0.05, power: float = 0.8, reps: int = 200,
             seed: int = 0, date_format: str | None = None) -> GeoPlan:
    """Design a geo experiment from history (see the module docstring).

    Args:
        history: region x period panel with no treatment, balanced.
        treated_share: share of regions treated (``"pairs"`` needs 0.5).
        method: ``"pairs"`` (matched pairs, randomized within pairs) or ``"random"``.
        test_periods: length of the test; ``pre_periods``: length of the pre period the analysis
            will use (default ``max(1, (T - test_periods) // 2)`` with ``T`` history periods, so
            several windows fit); analyse the real test with the same pre length.
        effect: an expected relative lift (0.05 = +5 %) to report the power at.
        alpha, power: test level and target power. ``reps``: placebo windows. ``seed``: every draw.
        date_format: strftime codes of text dates in ``time`` (``"%d/%m/%Y"``); without it text must
            be ISO 8601 (``2024-03-04``), and ``03/04/2024`` is refused rather than guessed.
    """
    region = unit  # body names
    from scipy import stats

    if method not in PLAN_METHODS:
        raise MethodError(f"geo_plan: unknown method {method!r}; one of {', '.join(PLAN_METHODS)}")
    if not 0.0 < treated_share < 1.0:
        raise MethodError(f"geo_plan: treated_share must be in (0, 1), got {treated_share!r}")
    if method == "pairs" and abs(treated_share - 0.5) > 1e-12:
        raise MethodError("geo_plan: matched pairs treat half of the regions; use method='random' for "
                          f"treated_share={treated_share}")
    if not (0.0 < alpha < 1.0 and 0.0 < power < 1.0):
        raise MethodError("geo_plan: alpha and power must be in (0, 1)")
    if reps < 10:
        raise MethodError(f"geo_plan: reps must be at least 10, got {reps}")
    panel = read_panel(history, unit=region, time=time, outcome=outcome, require_balanced=True,
                       date_format=date_format)
    y = panel.frame.pivot(index="unit", columns="time", values="y")
    units = [str(u) for u in y.index]
    mat = y.to_numpy()
    n_reg, n_per = mat.shape
    if n_reg < 4:
        raise DataError(region, f"{n_reg} regions; a geo experiment needs at least 4")
    if test_periods < 1:
        raise MethodError(f"geo_plan: test_periods must be >= 1, got {test_periods}")
    pre_len = max(1, (n_per - test_periods) // 2) if pre_periods is None else int(pre_periods)
    if pre_len < 1 or pre_len + test_periods > n_per:
        raise DataError(time, f"history has {n_per} periods; it needs at least pre_periods + test_periods = "
                              f"{pre_len + test_periods}")
    rng = np.random.default_rng(seed)
    n_t = round(treated_share * n_reg) if method == "random" else n_reg // 2
    if n_t < 2 or n_reg - n_t < 2:
        raise MethodError(f"geo_plan: {n_t} treated of {n_reg} regions; each arm needs at least 2")
    pairs = _pairs(mat) if method == "pairs" else None

    def draw() -> np.ndarray:
        arm = np.zeros(n_reg, dtype=bool)
        if pairs is None:
            arm[rng.choice(n_reg, size=n_t, replace=False)] = True
        else:
            flip = rng.random(len(pairs)) < 0.5
            for (a, b), fl in zip(pairs, flip, strict=True):
                arm[b if fl else a] = True
        return arm

    assignment = draw()
    starts = np.arange(pre_len, n_per - test_periods + 1)
    est = np.empty(reps)
    reject = np.empty(reps, dtype=bool)
    for i in range(reps):
        s = int(rng.choice(starts))
        d = mat[:, s:s + test_periods].mean(axis=1) - mat[:, s - pre_len:s].mean(axis=1)
        arm = draw()
        est[i], se, df = _collapsed_did(d, arm)
        reject[i] = se > 0 and abs(est[i] / se) > stats.t.ppf(1 - alpha / 2, df)
    null_sd = float(np.std(est, ddof=1))
    mde = float((stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)) * null_sd)
    baseline = float(mat.mean())
    mde_rel = mde / baseline if baseline != 0 else float("inf")
    fpr = float(reject.mean())
    pae = None
    if effect is not None:
        pae = float(stats.norm.cdf(abs(effect) * abs(baseline) / null_sd - stats.norm.ppf(1 - alpha / 2))) \
            if null_sd > 0 else 1.0
    rows = []
    for k, u in enumerate(units):
        pid = None
        if pairs is not None:
            pid = next((p for p, (a, b) in enumerate(pairs) if k in (a, b)), None)
        rows.append((u, "treatment" if assignment[k] else "control", pid))
    table = Table(name="assignment", title="Assignment of regions to arms", columns=("region", "arm", "pair"),
                  rows=tuple(rows))
    diags = _plan_diagnostics(fpr, alpha, reps, n_reg, len(starts))
    counts, edges = np.histogram(est, bins=min(30, max(5, reps // 10)))
    fig = Figure(name="null_estimates", kind="histogram", title="DiD estimates on history (no effect)",
                 data={"edges": edges, "counts": counts}, xlabel=f"estimate ({outcome} per region-{time})",
                 ylabel="windows")
    notes = [f"{len(starts)} distinct windows of {pre_len} pre + {test_periods} test periods; "
             f"{reps} draws of window and assignment."]
    notes.append("The MDE assumes the same absolute lift in every treated region; a lift proportional to "
                 "region size adds variance history cannot show (in truelift's simulation, power 0.70 "
                 "instead of 0.80 at the MDE).")
    if pairs is not None:
        notes.append("Pairs are randomized within pairs, but the analysis (geo) ignores the pairing, so its "
                     "false-positive rate is below alpha and the MDE is a little optimistic for it.")
    if pairs is not None and n_reg % 2:
        notes.append("One region is left unpaired and stays in control.")

    prov = make_provenance(parameters=dict(
        region=region, time=time, outcome=outcome, treated_share=treated_share, method=method,
        test_periods=test_periods, pre_periods=pre_len, effect=effect, alpha=alpha, power=power, reps=reps),
        seed=seed, rows_read=panel.rows_read, rows_used=len(panel.frame),
        rows_dropped=dict(panel.rows_dropped), source=panel.source)
    return GeoPlan(region=region, time=time, outcome=outcome, method=method, treated_share=treated_share,
                   test_periods=test_periods, pre_periods=pre_len, alpha=alpha, power=power, reps=reps,
                   n_regions=n_reg, n_treated=int(assignment.sum()), assignment=table, baseline=baseline,
                   null_sd=null_sd, mde=mde, mde_relative=mde_rel, false_positive_rate=fpr, effect=effect,
                   power_at_effect=pae, windows=len(starts), diagnostics=tuple(diags),
                   verdict=Verdict.from_diagnostics(diags, subject="Geo plan"), provenance=prov,
                   figures=(fig,), notes=tuple(notes))


def _collapsed_did(d: np.ndarray, arm: np.ndarray) -> tuple[float, float, int]:
    """DiD of region-level changes ``d`` and its two-sample (region-clustered) SE, with df ``G - 2``."""
    dt, dc = d[arm], d[~arm]
    tau = float(dt.mean() - dc.mean())
    se = float(np.sqrt(dt.var(ddof=1) / dt.size + dc.var(ddof=1) / dc.size))
    return tau, se, d.size - 2


def _pairs(mat: np.ndarray) -> list[tuple[int, int]]:
    """Greedy matched pairs: repeatedly pair the two closest unpaired regions (Euclidean distance of
    their history series)."""
    n = mat.shape[0]
    sq = (mat**2).sum(axis=1)
    dist = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * mat @ mat.T, 0.0))
    np.fill_diagonal(dist, np.inf)
    free = np.ones(n, dtype=bool)
    out: list[tuple[int, int]] = []
    order = np.dstack(np.unravel_index(np.argsort(dist, axis=None), dist.shape))[0]
    for a, b in order:
        if len(out) == n // 2:
            break
        if a < b and free[a] and free[b]:
            out.append((int(a), int(b)))
            free[a] = free[b] = False
    return out


def _plan_diagnostics(fpr: float, alpha: float, reps: int, n_reg: int, windows: int) -> list[Diagnostic]:
    band = FPR_BAND_SIGMAS * np.sqrt(alpha * (1 - alpha) / reps)
    ok = fpr <= alpha + band
    out = [Diagnostic(
        name="false_positive_rate", value=fpr, threshold=alpha + band,
        status=Status.OK if ok else Status.WARN,
        message=(f"On history the test rejected in {fpr:.1%} of windows, near the nominal {alpha:.0%}." if ok
                 else f"On history, where nothing happened, the test rejected in {fpr:.1%} of windows, well "
                      f"above the nominal {alpha:.0%}: its standard error is too small for these data, so "
                      "significant results will be over-reported."))]
    out.append(Diagnostic(
        name="regions", value=float(n_reg), threshold=float(FEW_REGIONS),
        status=Status.OK if n_reg >= FEW_REGIONS else Status.WARN,
        message=f"{n_reg} regions." if n_reg >= FEW_REGIONS else
        f"Only {n_reg} regions: the estimate rests on few clusters and its standard error is unreliable."))
    out.append(Diagnostic(
        name="history_windows", value=float(windows), threshold=float(HISTORY_WINDOWS),
        status=Status.OK if windows >= HISTORY_WINDOWS else Status.WARN,
        message=f"{windows} distinct history windows." if windows >= HISTORY_WINDOWS else
        f"Only {windows} distinct history windows: the power estimate reuses the same few periods; "
        "provide a longer history."))
    return out


__all__ = ["METHODS", "PLAN_METHODS", "GeoPlan", "geo", "geo_plan"]
