"""Instrumental variables: the effect of a treatment moved by an instrument (``tl.iv``).

Estimand: the local average treatment effect (LATE) of Imbens & Angrist (1994), the average
effect of the treatment on compliers, the units whose treatment is moved by the instrument (e.g.
customers who use a feature because they were encouraged to and would not have otherwise). It is
identified when the instrument is as good as random (given the covariates), affects the outcome
only through the treatment (exclusion), moves the treatment (relevance) and moves nobody against
its direction (monotonicity; Angrist, Imbens & Rubin 1996).

Estimator: two-stage least squares through ``pyfixest`` (``y ~ 1 + covariates | d ~ z``),

    beta_2sls = (X' P_Z X)^{-1} X' P_Z y,  P_Z = Z (Z'Z)^{-1} Z',

with ``X = [1, covariates, d]`` and ``Z = [1, covariates, z]``; heteroskedasticity-robust (HC1)
standard errors, or CRV1 cluster-robust ones with a ``cluster`` column; intervals use Student's t
as pyfixest does (``n - k`` degrees of freedom, ``G - 1`` with ``G`` clusters). With one binary
instrument, one binary treatment and no covariates this is the Wald ratio
``(E[Y|Z=1] - E[Y|Z=0]) / (E[D|Z=1] - E[D|Z=0])`` (reduced form / first stage), and the first stage
is the share of compliers (minus defiers, assumed absent).

Diagnostics: first-stage strength, by the F statistic of the instrument in the first stage (robust
to the variance chosen; the effective F of Montiel Olea & Pflueger 2013 when pyfixest gives it):
below 10 a WARN, below 5 a FAIL (Staiger & Stock 1997; Stock & Yogo 2005).
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
    FAIL_F,
    WEAK_F,
    Figure,
    QuasiAnalysis,
    Table,
    dropped_diagnostic,
    effect_estimate,
    first_stage_status,
)
from truelift.schema import Diagnostic, Status, Verdict, make_provenance

MIN_ROWS = 10


@boundary
def iv(
    data: Any,
    *,
    outcome: str,
    treatment: str,
    instrument: str,
    covariates: Sequence[str] = (),
    cluster: str | None = None,
    level: float = 0.95,
    drop_missing: bool = False,
) -> QuasiAnalysis:
    """Two-stage least squares estimate of the LATE (see the module docstring).

    Args:
        data: a pandas DataFrame, a CSV/Parquet path or an Ibis table.
        outcome: the outcome column (e.g. purchased). ``treatment``: the exposure actually
            received (0/1 or a dose). ``instrument``: the column that moves the treatment and
            nothing else (e.g. a randomized encouragement).
        covariates: pre-treatment controls, in both stages (numeric).
        cluster: a cluster column for CRV1 standard errors (default: HC1).
        level: confidence level. ``drop_missing``: drop (and count) rows with a missing value in a
            used column instead of failing.

    Returns a :class:`QuasiAnalysis` with ``design="iv"``: estimates (2SLS LATE, first stage,
    reduced form), the first-stage strength diagnostic, table ``iv_stages`` (first stage, reduced
    form, OLS, 2SLS; the complier share) and figure ``first_stage`` (kind ``"bars"``).
    """
    covariates = (covariates,) if isinstance(covariates, str) else tuple(covariates)
    if not 0.0 < level < 1.0:
        raise MethodError(f"level must be in (0, 1), got {level!r}")
    if not isinstance(instrument, str):
        raise MethodError("iv takes one instrument column (a string)")
    numeric = [outcome, treatment, instrument, *covariates]
    cols = [*numeric, *([cluster] if cluster else [])]
    if len(set(cols)) != len(cols):
        raise DataError(None, f"a column is named in two roles: {', '.join(cols)}")
    raw = read_columns(data, cols)
    n_read = len(raw[outcome])
    frame, dropped = numeric_frame(raw, numeric, cluster, drop_missing)
    n = len(frame)
    if n < MIN_ROWS + len(covariates):
        raise DataError(outcome, f"only {n} usable rows; 2SLS needs more")
    for c, role in ((instrument, "instrument"), (treatment, "treatment"), (outcome, "outcome")):
        if np.ptp(frame[c].to_numpy()) == 0:
            raise DataError(
                c,
                f"the {role} is {frame[c].iloc[0]:g} in every row; "
                + ("it cannot move the treatment" if role == "instrument" else "nothing to compare"),
            )
    for c in covariates:
        if np.ptp(frame[c].to_numpy()) == 0:
            raise DataError(c, "the covariate is constant; drop it")

    # pyfixest on safe column names (user names may hold spaces or operators)
    names = {
        outcome: "y_",
        treatment: "d_",
        instrument: "z_",
        **{c: f"w{j}_" for j, c in enumerate(covariates)},
        **({cluster: "g_"} if cluster else {}),
    }
    work = pd.DataFrame({names[c]: frame[c].to_numpy() for c in cols})
    if cluster:
        work["g_"] = pd.factorize(work["g_"])[0]
    vcov: Any = {"CRV1": "g_"} if cluster else "hetero"
    rhs = " + ".join(["1", *(names[c] for c in covariates)])
    tsls = _feols(f"y_ ~ {rhs} | d_ ~ z_", work, vcov)
    first = _feols(f"d_ ~ z_ + {rhs}", work, vcov)
    reduced = _feols(f"y_ ~ z_ + {rhs}", work, vcov)
    ols = _feols(f"y_ ~ d_ + {rhs}", work, vcov)
    f_stat, eff_f = _first_stage_f(tsls)

    y = frame[outcome].to_numpy(float)
    d = frame[treatment].to_numpy(float)
    z = frame[instrument].to_numpy(float)
    binary_d = bool(np.isin(d, (0.0, 1.0)).all())
    binary_z = bool(np.isin(z, (0.0, 1.0)).all())
    value, se, pv, df = _coef(tsls, "d_")
    fs_value, fs_se, fs_p, fs_df = _coef(first, "z_")
    rf_value, rf_se, rf_p, rf_df = _coef(reduced, "z_")
    ols_value, ols_se, ols_p, _ = _coef(ols, "d_")
    if not all(math.isfinite(v) for v in (value, se)):
        raise MethodError(
            "2SLS gave a non-finite estimate: the instrument does not move the treatment at all"
        )

    baseline = (
        _complier_baseline(y, d, z, value)
        if binary_d and binary_z and f_stat >= FAIL_F
        else float(np.mean(y) - value * np.mean(d))
    )
    n_t, n_c = (int((d == 1).sum()), int((d == 0).sum())) if binary_d else (n, 0)
    headline = effect_estimate(
        outcome=outcome,
        estimand="LATE (compliers)",
        method="2sls",
        value=value,
        se=se,
        level=level,
        se_kind="crv1" if cluster else "hc1",
        n_treated=n_t,
        n_control=n_c,
        mean_treated=baseline + value,
        df=df,
        pvalue=pv,
    )
    zn1, zn0 = (int((z == 1).sum()), int((z == 0).sum())) if binary_z else (n, 0)
    first_est = effect_estimate(
        outcome=treatment,
        estimand="first stage (effect of the instrument on the treatment)",
        method="first_stage",
        value=fs_value,
        se=fs_se,
        level=level,
        se_kind="crv1" if cluster else "hc1",
        n_treated=zn1,
        n_control=zn0,
        mean_treated=float(d[z == 1].mean()) if binary_z else float(d.mean()) + fs_value,
        df=fs_df,
        pvalue=fs_p,
    )
    reduced_est = effect_estimate(
        outcome=outcome,
        estimand="reduced form (effect of the instrument on the outcome)",
        method="reduced_form",
        value=rf_value,
        se=rf_se,
        level=level,
        se_kind="crv1" if cluster else "hc1",
        n_treated=zn1,
        n_control=zn0,
        mean_treated=float(y[z == 1].mean()) if binary_z else float(y.mean()) + rf_value,
        df=rf_df,
        pvalue=rf_p,
    )

    diagnostics = [_strength(f_stat, eff_f, instrument, treatment)]
    drop = dropped_diagnostic(dropped, n_read)
    if drop is not None:
        diagnostics.append(drop)
    crit = headline.ci
    rows = [
        ("first stage", treatment, fs_value, fs_se, first_est.ci[0], first_est.ci[1], fs_p),
        ("reduced form", outcome, rf_value, rf_se, reduced_est.ci[0], reduced_est.ci[1], rf_p),
        ("OLS (naive)", outcome, ols_value, ols_se, *_t_ci(ols_value, ols_se, level, df), ols_p),
        ("2SLS (LATE)", outcome, value, se, crit[0], crit[1], pv),
    ]
    tables = [
        Table(
            name="iv_stages",
            title="Instrumental variables: stages",
            columns=("stage", "outcome", "value", "se", "ci_low", "ci_high", "p_value"),
            rows=tuple(rows),
        )
    ]
    notes = [
        f"First-stage F = {f_stat:.1f}"
        + (f", effective F (Montiel Olea & Pflueger 2013) = {eff_f:.1f}" if eff_f is not None else "")
        + ".",
        f"The naive comparison (OLS of {outcome} on {treatment}) gives {ols_value:.4g}; 2SLS gives "
        f"{value:.4g}. The difference is the selection into {treatment} that the instrument removes "
        "(and the difference between compliers and everyone).",
    ]
    if binary_d and binary_z:
        tables.append(
            Table(
                name="compliers",
                title="Compliance (binary instrument and treatment)",
                columns=("quantity", "value"),
                rows=(
                    ("complier share (first stage)", fs_value),
                    ("always-takers (treated without the instrument)", float(d[z == 0].mean())),
                    ("never-takers (untreated with the instrument)", float(1.0 - d[z == 1].mean())),
                    ("compliers' mean outcome untreated", baseline),
                    ("compliers' mean outcome treated", baseline + value),
                ),
            )
        )
        notes.append(
            f"About {fs_value:.1%} of units are compliers: the LATE describes them, not the "
            "always-takers or never-takers."
        )
    figures = [_first_stage_figure(z, d, binary_z, instrument, treatment)]
    identification = (
        f"LATE: the average effect of {treatment!r} on {outcome!r} for compliers, the units whose "
        f"{treatment!r} is moved by {instrument!r} (Imbens & Angrist 1994). It assumes {instrument!r} is as "
        f"good as random{' given the covariates' if covariates else ''}, changes {outcome!r} only through "
        f"{treatment!r} (exclusion), moves {treatment!r} (relevance; see the first-stage F) and moves "
        "nobody the other way (monotonicity). It is not the effect on everyone: always-takers and "
        "never-takers are not moved by the instrument and tell us nothing about their own effect."
    )
    verdict = Verdict.from_diagnostics(diagnostics, subject="Instrumental variables")

    provenance = make_provenance(
        parameters=dict(
            outcome=outcome,
            treatment=treatment,
            instrument=instrument,
            covariates=list(covariates),
            cluster=cluster,
            level=level,
            drop_missing=drop_missing,
        ),
        seed=None,
        rows_read=n_read,
        rows_used=n,
        rows_dropped=dict(dropped),
        source=describe_source(data),
    )
    return QuasiAnalysis(
        design="iv",
        title="Instrumental variables (2SLS)",
        outcome=outcome,
        estimates=(headline, first_est, reduced_est),
        identification=identification,
        diagnostics=tuple(diagnostics),
        verdict=verdict,
        provenance=provenance,
        tables=tuple(tables),
        figures=tuple(figures),
        notes=tuple(notes),
        level=level,
    )




def _feols(fml: str, data: pd.DataFrame, vcov: Any) -> Any:
    import pyfixest as pf

    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pf.feols(fml, data=data, vcov=vcov)
    except (ValueError, np.linalg.LinAlgError, ZeroDivisionError) as exc:
        raise MethodError(
            f"pyfixest could not fit {fml!r}: {str(exc).splitlines()[0] if str(exc) else exc!r}"
        ) from None


def _coef(model: Any, name: str) -> tuple[float, float, float, float]:
    """Coefficient, standard error, p-value and the t degrees of freedom pyfixest used."""
    names = list(
        model._coefnames
    )  # pyfixest's arrays, read directly: coef()/se()/pvalue() rebuild a table each
    if name not in names:
        raise MethodError(
            f"the {'treatment' if name == 'd_' else 'instrument'} was dropped as collinear "
            "with the covariates"
        )
    j = names.index(name)
    return (
        float(np.ravel(model._beta_hat)[j]),
        float(np.ravel(model._se)[j]),
        float(np.ravel(model._pvalue)[j]),
        float(model._df_t),
    )


def _first_stage_f(model: Any) -> tuple[float, float | None]:
    """First-stage F (variance-adjusted, pyfixest's IV_Diag) and the effective F when available."""
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.IV_Diag()
        f_stat = float(model._f_stat_1st_stage)
        eff = getattr(model, "_eff_F", None)
        eff_f = float(eff) if eff is not None and math.isfinite(float(eff)) else None
    except Exception:
        fs = model._model_1st_stage
        t = float(fs.tstat()["z_"])
        f_stat, eff_f = t * t, None
    return (f_stat if math.isfinite(f_stat) else 0.0), eff_f


def _strength(f_stat: float, eff_f: float | None, instrument: str, treatment: str) -> Diagnostic:
    """Weak-instrument check on the effective F when available (equal to the robust F with one instrument)."""
    f = eff_f if eff_f is not None else f_stat
    label = "effective F" if eff_f is not None else "first-stage F"
    status = first_stage_status(f)
    message = (f"{instrument!r} moves {treatment!r} strongly ({label} = {f:.1f})." if status is Status.OK else
               f"weak instrument ({label} = {f:.1f} < {WEAK_F:g}): {instrument!r} barely moves "
               f"{treatment!r}; the 2SLS estimate is biased towards OLS and its CI is unreliable.")
    return Diagnostic(name="first_stage_f", value=f, threshold=WEAK_F, status=status, message=message)


def _complier_baseline(y: np.ndarray, d: np.ndarray, z: np.ndarray, value: float) -> float:
    """Compliers' mean outcome without treatment (Imbens & Rubin 1997):
    ``(E[Y(1-D) | Z=1] - E[Y(1-D) | Z=0]) / (E[1-D | Z=1] - E[1-D | Z=0])``."""
    one, zero = z == 1, z == 0
    num = float((y * (1 - d))[one].mean() - (y * (1 - d))[zero].mean())
    den = float((1 - d)[one].mean() - (1 - d)[zero].mean())
    if den == 0:
        return float(np.mean(y) - value * np.mean(d))
    return num / den


def _t_ci(value: float, se: float, level: float, df: float) -> tuple[float, float]:
    from scipy import stats

    q = float(stats.t.ppf(0.5 + level / 2.0, df))
    return (value - q * se, value + q * se)


def _first_stage_figure(
    z: np.ndarray, d: np.ndarray, binary_z: bool, instrument: str, treatment: str
) -> Figure:
    if binary_z:
        labels = [f"{instrument} = 0", f"{instrument} = 1"]
        values = [float(d[z == 0].mean()), float(d[z == 1].mean())]
    else:
        edges = np.unique(np.quantile(z, np.linspace(0, 1, 6)))
        idx = np.clip(np.searchsorted(edges, z, side="right") - 1, 0, len(edges) - 2)
        labels, values = [], []
        for k in range(len(edges) - 1):
            if (idx == k).any():
                labels.append(f"{edges[k]:.3g} to {edges[k + 1]:.3g}")
                values.append(float(d[idx == k].mean()))
    return Figure(
        name="first_stage",
        kind="bars",
        title=f"Mean {treatment} by {instrument}",
        data={"labels": labels, "values": values},
        xlabel=instrument,
        ylabel=f"mean {treatment}",
    )


__all__ = ["iv"]
