"""Regression discontinuity: the effect of crossing a cutoff in a running variable (``tl.rd``).

Estimand (sharp design, Hahn, Todd & van der Klaauw 2001): the jump of the outcome's regression
function at the cutoff ``c``,

    tau = lim_{x -> c+} E[Y | X = x] - lim_{x -> c-} E[Y | X = x],

the average effect for units AT the cutoff, identified when the expected potential outcomes are
continuous in ``X`` at ``c`` (nothing else changes at the cutoff and units cannot sort precisely
around it). Units with ``X >= c`` are the treated side. In a fuzzy design (a ``treatment`` column
whose probability jumps at the cutoff) the estimand is the ratio of the outcome jump to the
treatment jump, the local average effect on compliers at the cutoff.

Estimation (Calonico, Cattaneo & Titiunik 2014, through ``rdrobust``): a local polynomial of order
``p`` on each side, weighted by ``kernel`` within the MSE-optimal bandwidth ``h`` (or the one
given); the headline is the conventional point estimate with the robust bias-corrected interval
and p-value (the bias is estimated with a ``p + 1`` polynomial in a pilot bandwidth ``b``, and the
standard error accounts for that estimation). Covariates, when given, enter the local regressions
linearly (Calonico, Cattaneo, Farrell & Titiunik 2019).

Diagnostics: the manipulation test of the running variable's density at the cutoff (Cattaneo,
Jansson & Ma 2020, through ``rddensity``); covariate balance at the cutoff (an RD on every
covariate, Holm-adjusted); in a fuzzy design the first-stage jump and its strength.
"""

from __future__ import annotations

import contextlib
import io
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from truelift.data.io import describe_source, read_columns
from truelift.errors import DataError, MethodError, boundary
from truelift.quasi.columns import numeric_frame
from truelift.quasi.result import (
    WEAK_F,
    Figure,
    QuasiAnalysis,
    Table,
    dropped_diagnostic,
    effect_estimate,
    first_stage_status,
)
from truelift.schema import Diagnostic, Estimate, Status, Verdict, make_provenance
from truelift.schema.rules import DENSITY_ALPHA, DENSITY_FAIL, MIN_PER_SIDE, RD_BALANCE_ALPHA

KERNELS = {"triangular": "tri", "epanechnikov": "epa", "uniform": "uni"}
BINS_PER_SIDE = 20
BALANCE_ALPHA = RD_BALANCE_ALPHA


@boundary
def rd(
    data: Any,
    *,
    outcome: str,
    running: str,
    cutoff: float,
    treatment: str | None = None,
    covariates: Sequence[str] = (),
    bandwidth: float | tuple[float, float] | None = None,
    kernel: str = "triangular",
    p: int = 1,
    cluster: str | None = None,
    level: float = 0.95,
    drop_missing: bool = False,
) -> QuasiAnalysis:
    """Regression discontinuity at ``cutoff`` (see the module docstring for estimand and method).

    Args:
        data: a pandas DataFrame, a CSV/Parquet path or an Ibis table.
        outcome: the outcome column. ``running``: the running variable (score); units with
            ``running >= cutoff`` are on the treated side.
        treatment: for a fuzzy design, the column of treatment actually received (0/1 or a dose);
            None for a sharp design.
        covariates: pre-treatment columns: added linearly to the local regressions, and each
            checked for a jump at the cutoff (balance).
        bandwidth: the bandwidth ``h`` (one number, or ``(left, right)``); default the
            MSE-optimal one (``mserd``). With ``h`` given, the bias bandwidth ``b`` equals ``h``.
        kernel: ``"triangular"`` (default), ``"epanechnikov"`` or ``"uniform"``.
        p: order of the local polynomial (1: local linear).
        cluster: a cluster column (CR1 cluster-robust variance).
        level: confidence level. ``drop_missing``: drop (and count) rows with a missing value in a
            used column instead of failing.

    Returns a :class:`QuasiAnalysis` with ``design="rd"``: estimates (the headline, robust
    bias-corrected; in a fuzzy design also the first-stage jump), diagnostics and verdict, tables
    ``rd_estimates``, ``rd_bandwidth`` and (with covariates) ``covariate_balance``, figures
    ``rd_plot`` (kind ``"rd"``) and ``running_histogram`` (kind ``"histogram"``).
    """
    covariates = (covariates,) if isinstance(covariates, str) else tuple(covariates)
    h_arg = _check_settings(kernel, p, level, bandwidth, cutoff)
    cutoff = float(cutoff)
    cols = [
        outcome,
        running,
        *([treatment] if treatment else []),
        *covariates,
        *([cluster] if cluster else []),
    ]
    if len(set(cols)) != len(cols):
        raise DataError(None, f"a column is named in two roles: {', '.join(cols)}")
    raw = read_columns(data, cols)
    n_read = len(raw[outcome])
    frame, dropped = numeric_frame(
        raw, [outcome, running, *([treatment] if treatment else []), *covariates], cluster, drop_missing
    )
    y = frame[outcome].to_numpy(float)
    x = frame[running].to_numpy(float)
    d = frame[treatment].to_numpy(float) if treatment else None
    z = frame[list(covariates)].to_numpy(float) if covariates else None
    cl = pd.factorize(frame[cluster])[0].astype(float) if cluster else None
    _check_sides(x, cutoff, running)
    if d is not None and np.ptp(d) == 0:
        raise DataError(treatment, f"the treatment is {d[0]:g} in every row; nothing to compare")
    if np.ptp(y) == 0:
        raise DataError(outcome, f"the outcome is {y[0]:g} in every row; there is no jump to estimate")
    for j, name in enumerate(covariates):
        assert z is not None
        if np.ptp(z[:, j]) == 0:
            raise DataError(name, "the covariate is constant; drop it")

    fit = _rdrobust(
        y, x, cutoff, fuzzy=d, covs=z, h=h_arg, kernel=kernel, p=p, cluster=cl, level=level, what=outcome
    )
    coef = fit.coef.iloc[:, 0].to_numpy(float)
    se = fit.se.iloc[:, 0].to_numpy(float)
    pv = fit.pv.iloc[:, 0].to_numpy(float)
    ci = fit.ci.to_numpy(float)
    h_l, h_r = (float(v) for v in fit.bws.iloc[0])
    b_l, b_r = (float(v) for v in fit.bws.iloc[1])
    n_l, n_r = (int(v) for v in fit.N_h)
    left_limit, right_limit = (float(v) for v in fit.tau_cl)
    value = float(coef[0])
    # sharp: mean_treated is the fitted limit from the right, baseline the limit from the left;
    # fuzzy: baseline is still the outcome's limit from the left and mean_treated = baseline + effect.
    mean_treated = right_limit if d is None else left_limit + value
    se_kind = "robust_bias_corrected"
    estimand = "jump at the cutoff" if d is None else "LATE at the cutoff (compliers)"
    method = "rd_sharp" if d is None else "rd_fuzzy"
    headline = effect_estimate(
        outcome=outcome,
        estimand=estimand,
        method=method,
        value=value,
        se=float(se[2]),
        level=level,
        se_kind=se_kind,
        n_treated=n_r,
        n_control=n_l,
        mean_treated=mean_treated,
        pvalue=float(pv[2]),
        ci=(float(ci[2, 0]), float(ci[2, 1])),
    )
    estimates: list[Estimate] = [headline]
    diagnostics: list[Diagnostic] = []
    rows = [
        ("conventional", coef[0], se[0], ci[0, 0], ci[0, 1], pv[0]),
        ("bias-corrected", coef[1], se[1], ci[1, 0], ci[1, 1], pv[1]),
        ("robust bias-corrected", coef[2], se[2], ci[2, 0], ci[2, 1], pv[2]),
    ]
    notes = [
        f"Local polynomial of order {p} with a {kernel} kernel; bandwidth h = {h_l:.4g} (left), "
        f"{h_r:.4g} (right){' (MSE-optimal)' if h_arg is None else ' (given)'}; {n_l} observations "
        f"left and {n_r} right of the cutoff inside it.",
        "The headline is the conventional estimate with the robust bias-corrected interval and "
        "p-value (Calonico, Cattaneo & Titiunik 2014); the interval is centred on the "
        "bias-corrected estimate, so it need not be symmetric around the headline.",
    ]

    if d is not None:
        fs = _first_stage(fit, treatment, level, n_r, n_l)
        estimates.append(fs)
        t_fs = fs.value / fs.se if fs.se > 0 else math.inf
        f_stat = float(t_fs**2)
        rows.append(("first stage (conventional)", fs.value, fs.se, fs.ci[0], fs.ci[1], fs.pvalue))
        diagnostics.append(_first_stage_diagnostic(f_stat, fs.value, treatment))
        notes.append(
            f"Fuzzy design: the effect is the outcome's jump divided by the jump in "
            f"{treatment!r} ({fs.value:.3g}); it applies to compliers at the cutoff."
        )

    diagnostics.append(_density_test(x, cutoff, running))
    tables = [
        Table(
            name="rd_estimates",
            title="Regression discontinuity estimates",
            columns=("estimate", "value", "se", "ci_low", "ci_high", "p_value"),
            rows=tuple(rows),
        ),
        Table(
            name="rd_bandwidth",
            title="Bandwidths and observations",
            columns=("side", "h", "b", "n", "n_effective"),
            rows=(("left", h_l, b_l, int(fit.N[0]), n_l), ("right", h_r, b_r, int(fit.N[1]), n_r)),
        ),
    ]
    if covariates:
        assert z is not None
        balance, diag = _balance(z, x, cutoff, covariates, kernel, p, cl, level)
        tables.append(balance)
        diagnostics.append(diag)
    drop = dropped_diagnostic(dropped, n_read)
    if drop is not None:
        diagnostics.append(drop)
    if min(n_l, n_r) < MIN_PER_SIDE:
        diagnostics.append(
            Diagnostic(
                name="effective_n",
                value=min(n_l, n_r),
                threshold=MIN_PER_SIDE,
                status=Status.WARN,
                message=f"only {n_l} (left) and {n_r} (right) observations fall inside the bandwidth; "
                "the estimate rests on very few units near the cutoff.",
            )
        )

    figures = [
        _rd_figure(x, y, cutoff, h_l, h_r, p, kernel, outcome, running),
        _histogram(x, cutoff, h_l, h_r, running),
    ]
    if covariates:
        notes.append("The fitted lines in the RD plot ignore the covariates; the estimate adjusts for them.")
    what = "Fuzzy" if d is not None else "Sharp"
    identification = (
        f"{what} regression discontinuity at {running} = {cutoff:g}: "
        + (
            "the effect is the jump in the expected outcome at the cutoff, for units at the cutoff. "
            if d is None
            else "the effect is the jump in the expected outcome divided by the jump in the treatment rate "
            "at the cutoff: the average effect on compliers (units treated because they cross the "
            "cutoff) at the cutoff (Hahn, Todd & van der Klaauw 2001). "
        )
        + "It assumes that without the treatment the expected outcome would be continuous at the "
        "cutoff: nothing else changes there and units cannot place themselves precisely on either "
        "side (checked by the density test and covariate balance)."
    )
    verdict = Verdict.from_diagnostics(diagnostics, subject="Regression discontinuity")

    provenance = make_provenance(
        parameters=dict(
            outcome=outcome,
            running=running,
            cutoff=cutoff,
            treatment=treatment,
            covariates=list(covariates),
            bandwidth=None
            if bandwidth is None
            else (list(bandwidth) if isinstance(bandwidth, tuple | list) else float(bandwidth)),
            kernel=kernel,
            p=p,
            cluster=cluster,
            level=level,
            drop_missing=drop_missing,
        ),
        seed=None,
        rows_read=n_read,
        rows_used=len(y),
        rows_dropped=dict(dropped),
        source=describe_source(data),
    )
    return QuasiAnalysis(
        design="rd",
        title=f"Regression discontinuity, {what.lower()}",
        outcome=outcome,
        estimates=tuple(estimates),
        identification=identification,
        diagnostics=tuple(diagnostics),
        verdict=verdict,
        provenance=provenance,
        tables=tuple(tables),
        figures=tuple(figures),
        notes=tuple(notes),
        level=level,
    )


# --------------------------------------------------------------------------------------------------
# input


def _check_settings(kernel: str, p: int, level: float, bandwidth: Any, cutoff: Any) -> Any:
    if kernel not in KERNELS:
        raise MethodError(f"unknown kernel {kernel!r}; one of {', '.join(KERNELS)}")
    if isinstance(p, bool) or not isinstance(p, int | np.integer) or not 0 <= p <= 4:
        raise MethodError(f"p (the polynomial order) must be an integer from 0 to 4, got {p!r}")
    if not 0.0 < level < 1.0:
        raise MethodError(f"level must be in (0, 1), got {level!r}")
    try:
        c = float(cutoff)
    except (TypeError, ValueError):
        raise MethodError(f"cutoff must be a number, got {cutoff!r}") from None
    if not math.isfinite(c):
        raise MethodError(f"cutoff must be finite, got {cutoff!r}")
    if bandwidth is None:
        return None
    h = [bandwidth] if np.ndim(bandwidth) == 0 else list(bandwidth)
    if len(h) not in (1, 2) or not all(
        isinstance(v, int | float | np.number) and math.isfinite(v) and v > 0 for v in h
    ):
        raise MethodError(f"bandwidth must be a positive number or a (left, right) pair, got {bandwidth!r}")
    return [float(v) for v in h] if len(h) == 2 else float(h[0])




def _check_sides(x: np.ndarray, cutoff: float, running: str) -> None:
    lo, hi = float(x.min()), float(x.max())
    if not lo < cutoff <= hi:
        raise DataError(
            running,
            f"the cutoff {cutoff:g} lies outside the running variable's range "
            f"[{lo:g}, {hi:g}]; there must be units on both sides",
        )
    n_l, n_r = int((x < cutoff).sum()), int((x >= cutoff).sum())
    if min(n_l, n_r) < MIN_PER_SIDE:
        raise DataError(
            running,
            f"only {n_l} rows below and {n_r} at or above the cutoff {cutoff:g}; "
            f"need at least {MIN_PER_SIDE} on each side",
        )
    if len(np.unique(x[x < cutoff])) < 5 or len(np.unique(x[x >= cutoff])) < 5:
        raise DataError(
            running,
            "fewer than 5 distinct values on one side of the cutoff; a local polynomial cannot be fitted",
        )


# --------------------------------------------------------------------------------------------------
# estimation


def _rdrobust(
    y: np.ndarray,
    x: np.ndarray,
    cutoff: float,
    *,
    fuzzy: np.ndarray | None,
    covs: Any,
    h: Any,
    kernel: str,
    p: int,
    cluster: np.ndarray | None,
    level: float,
    what: str,
) -> Any:
    """``rdrobust`` with its console output and warnings kept out of the caller's way."""
    from rdrobust import rdrobust

    kwargs: dict[str, Any] = dict(c=cutoff, p=p, kernel=KERNELS[kernel], level=100.0 * level)
    if fuzzy is not None:
        kwargs["fuzzy"] = fuzzy
    if covs is not None:
        kwargs["covs"] = covs
    if h is not None:
        kwargs["h"] = h
    if cluster is not None:
        kwargs["cluster"] = cluster
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = rdrobust(y, x, **kwargs)
    except (ValueError, np.linalg.LinAlgError, ZeroDivisionError, IndexError) as exc:
        raise MethodError(
            f"rdrobust could not fit {what!r}: {str(exc).splitlines()[0] if str(exc) else exc!r}"
        ) from None
    vals = np.concatenate([fit.coef.to_numpy(float).ravel(), fit.se.to_numpy(float).ravel()])
    if not np.all(np.isfinite(vals)):
        raise MethodError(
            f"rdrobust returned a non-finite estimate for {what!r}; too few distinct "
            "values of the running variable near the cutoff?"
        )
    return fit


def _first_stage(fit: Any, treatment: str, level: float, n_r: int, n_l: int) -> Estimate:
    """The jump in the treatment at the cutoff (conventional estimate and standard error)."""
    value = float(fit.tau_T.iloc[0, 0])
    se = float(fit.se_T.iloc[0, 0])
    ci = fit.ci_T.to_numpy(float)[0]
    left = float(fit.beta_T_p_l[0]) if fit.beta_T_p_l is not None else 0.0
    return effect_estimate(
        outcome=treatment,
        estimand="first-stage jump at the cutoff",
        method="rd_first_stage",
        value=value,
        se=se,
        level=level,
        se_kind="conventional",
        n_treated=n_r,
        n_control=n_l,
        mean_treated=left + value,
        pvalue=float(fit.pv_T.iloc[0, 0]),
        ci=(float(ci[0]), float(ci[1])),
    )


def _first_stage_diagnostic(f_stat: float, jump: float, treatment: str) -> Diagnostic:
    status = first_stage_status(f_stat)
    if status is Status.OK:
        msg = (f"crossing the cutoff moves {treatment!r} by {jump:.3g} (first-stage "
               f"F = {f_stat:.1f}): a strong first stage.")
    else:
        msg = (f"crossing the cutoff barely moves {treatment!r} (jump {jump:.3g}, first-stage F = "
               f"{f_stat:.1f} < {WEAK_F:g}): the fuzzy estimate divides by a number close to zero, so it "
               "is unstable and its interval unreliable.")
    return Diagnostic(name="first_stage_f", value=f_stat, threshold=WEAK_F, status=status, message=msg)


def _density_test(x: np.ndarray, cutoff: float, running: str) -> Diagnostic:
    """Cattaneo, Jansson & Ma (2020): is the density of the running variable continuous at c?"""
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from rddensity import rddensity

            res = rddensity(np.asarray(x, dtype=float), c=cutoff, bino_flag=False)
        pval = float(res.test["p_jk"])
        t = float(res.test["t_jk"])
    except Exception as exc:
        return Diagnostic(
            name="density_test",
            value=float("nan"),
            threshold=DENSITY_ALPHA,
            status=Status.WARN,
            message=f"the manipulation (density) test of {running!r} could not run "
            f"({type(exc).__name__}); sorting around the cutoff was not checked.",
        )
    if not math.isfinite(pval):
        return Diagnostic(
            name="density_test",
            value=float("nan"),
            threshold=DENSITY_ALPHA,
            status=Status.WARN,
            message=f"the manipulation (density) test of {running!r} gave no p-value; "
            "sorting around the cutoff was not checked.",
        )
    if pval >= DENSITY_ALPHA:
        return Diagnostic(
            name="density_test",
            value=pval,
            threshold=DENSITY_ALPHA,
            status=Status.OK,
            message=f"the density of {running!r} is continuous at the cutoff (p = {pval:.2g}): "
            "no sign that units sorted themselves across it.",
        )
    side = "above" if t > 0 else "below"
    status = Status.FAIL if pval < DENSITY_FAIL else Status.WARN
    return Diagnostic(
        name="density_test",
        value=pval,
        threshold=DENSITY_ALPHA,
        status=status,
        message=f"the density of {running!r} jumps at the cutoff (more units just {side} it; "
        f"p = {pval:.2g}): units may have manipulated their score to land on one "
        "side, so those just above and just below are not comparable and the "
        "estimate may be biased.",
    )


def _balance(
    z: np.ndarray,
    x: np.ndarray,
    cutoff: float,
    names: tuple[str, ...],
    kernel: str,
    p: int,
    cl: np.ndarray | None,
    level: float,
) -> tuple[Table, Diagnostic]:
    """An RD on every covariate (its own MSE-optimal bandwidth); Holm-adjusted robust p-values."""
    from truelift.inference.multiplicity import holm

    rows, pvals = [], []
    for j, name in enumerate(names):
        fit = _rdrobust(
            z[:, j],
            x,
            cutoff,
            fuzzy=None,
            covs=None,
            h=None,
            kernel=kernel,
            p=p,
            cluster=cl,
            level=level,
            what=name,
        )
        pv = float(fit.pv.iloc[2, 0])
        pvals.append(pv)
        rows.append(
            [
                name,
                float(fit.coef.iloc[0, 0]),
                float(fit.ci.iloc[2, 0]),
                float(fit.ci.iloc[2, 1]),
                pv,
                float(fit.bws.iloc[0, 0]),
                int(sum(fit.N_h)),
            ]
        )
    adj = holm(pvals)
    for r, a in zip(rows, adj, strict=True):
        r.insert(5, float(a))
    table = Table(
        name="covariate_balance",
        title="Covariate balance at the cutoff (RD on each covariate)",
        columns=("covariate", "jump", "ci_low", "ci_high", "p_value", "p_value_holm", "h", "n_effective"),
        rows=tuple(tuple(r) for r in rows),
    )
    worst = int(np.argmin(adj))
    if adj[worst] < BALANCE_ALPHA:
        bad = [names[k] for k in range(len(names)) if adj[k] < BALANCE_ALPHA]
        diag = Diagnostic(
            name="covariate_balance",
            value=float(adj[worst]),
            threshold=BALANCE_ALPHA,
            status=Status.WARN,
            message=f"pre-treatment covariate(s) {', '.join(map(repr, bad))} jump at the cutoff "
            f"(Holm p = {adj[worst]:.2g}): units on the two sides differ in more than "
            "the treatment, so the jump in the outcome may not be its effect.",
        )
    else:
        diag = Diagnostic(
            name="covariate_balance",
            value=float(adj[worst]),
            threshold=BALANCE_ALPHA,
            status=Status.OK,
            message=f"no covariate jumps at the cutoff (smallest Holm p = {adj[worst]:.2g}).",
        )
    return table, diag


# --------------------------------------------------------------------------------------------------
# figures


def _plot_range(x: np.ndarray, cutoff: float, h_l: float, h_r: float) -> tuple[float, float]:
    return max(float(x.min()), cutoff - 2.0 * h_l), min(float(x.max()), cutoff + 2.0 * h_r)


_KERNEL_W = {
    "triangular": lambda u: np.maximum(0.0, 1.0 - np.abs(u)),
    "epanechnikov": lambda u: np.maximum(0.0, 0.75 * (1.0 - u**2)),
    "uniform": lambda u: (np.abs(u) <= 1.0) * 0.5,
}


def local_fit(
    x: np.ndarray, y: np.ndarray, cutoff: float, h: float, p: int, kernel: str, side: str
) -> np.ndarray:
    """Coefficients of the kernel-weighted polynomial of ``y`` on ``x - cutoff`` on one side
    (``"left"``: ``x < c``; ``"right"``: ``x >= c``) within ``h``: rdrobust's conventional fit
    without covariates. The first coefficient is the fitted limit at the cutoff."""
    on = (x < cutoff) if side == "left" else (x >= cutoff)
    u = (x[on] - cutoff) / h
    w = _KERNEL_W[kernel](u)
    keep = w > 0
    r = (x[on][keep] - cutoff)[:, None] ** np.arange(p + 1)
    sw = np.sqrt(w[keep])
    coef, *_ = np.linalg.lstsq(r * sw[:, None], y[on][keep] * sw, rcond=None)
    return coef


def _rd_figure(
    x: np.ndarray,
    y: np.ndarray,
    cutoff: float,
    h_l: float,
    h_r: float,
    p: int,
    kernel: str,
    outcome: str,
    running: str,
) -> Figure:
    lo, hi = _plot_range(x, cutoff, h_l, h_r)
    centres, means, counts = [], [], []
    for a, b in ((lo, cutoff), (cutoff, hi)):
        edges = np.linspace(a, b, BINS_PER_SIDE + 1)
        on = (x >= a) & (x < b) if b == cutoff else (x >= a) & (x <= b)
        idx = np.clip(np.searchsorted(edges, x[on], side="right") - 1, 0, BINS_PER_SIDE - 1)
        cnt = np.bincount(idx, minlength=BINS_PER_SIDE)
        sums = np.bincount(idx, weights=y[on], minlength=BINS_PER_SIDE)
        for k in np.flatnonzero(cnt):
            centres.append(float((edges[k] + edges[k + 1]) / 2))
            means.append(float(sums[k] / cnt[k]))
            counts.append(int(cnt[k]))
    fit_x, fit_y = {}, {}
    for side, h, a, b in (
        ("left", h_l, max(lo, cutoff - h_l), cutoff),
        ("right", h_r, cutoff, min(hi, cutoff + h_r)),
    ):
        coef = local_fit(x, y, cutoff, h, p, kernel, side)
        grid = np.linspace(a, b, 50)
        fit_x[side] = tuple(float(v) for v in grid)
        fit_y[side] = tuple(float(v) for v in (grid - cutoff)[:, None] ** np.arange(p + 1) @ coef)
    return Figure(
        name="rd_plot",
        kind="rd",
        title=f"{outcome} around the cutoff",
        data={"x": centres, "y": means, "count": counts, "fit_x": fit_x, "fit_y": fit_y, "cutoff": cutoff},
        xlabel=running,
        ylabel=f"mean {outcome}",
    )


def _histogram(x: np.ndarray, cutoff: float, h_l: float, h_r: float, running: str) -> Figure:
    lo, hi = _plot_range(x, cutoff, h_l, h_r)
    edges = np.concatenate(
        [np.linspace(lo, cutoff, BINS_PER_SIDE + 1)[:-1], np.linspace(cutoff, hi, BINS_PER_SIDE + 1)]
    )
    counts, _ = np.histogram(x[(x >= lo) & (x <= hi)], bins=edges)
    return Figure(
        name="running_histogram",
        kind="histogram",
        title=f"{running} near the cutoff",
        data={"edges": [float(e) for e in edges], "counts": [int(c) for c in counts], "cutoff": cutoff},
        xlabel=running,
        ylabel="units",
    )


__all__ = ["KERNELS", "local_fit", "rd"]
