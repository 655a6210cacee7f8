"""Outcome regression (g-computation), with stacked-estimating-equation standard errors.

Fit ``m_a(x) = g^{-1}(x' beta_a)`` separately in each arm ``a`` (OLS, or logistic for 0/1
outcomes), then average the predictions over the estimand's population ``P`` (everyone for ATE,
the treated for ATT, the controls for ATC): ``mu_a = mean_{i in P} m_a(x_i)``, effect
``mu1 - mu0`` (Robins 1986; "regression adjustment", Stata's ``teffects ra``).

Standard errors stack the mean equation ``pi_i (m_a(x_i) - mu_a)`` (``pi_i`` = 1 if i is in P)
with the GLM score ``s_i = 1{T_i = a} x_i (y_i - m_a(x_i))``. The influence value of ``mu_a`` is

    phi_i = [pi_i (m_a(x_i) - mu_a) + A_a H_a^{-1} s_i] / mean(pi),
    A_a = mean(pi g'(eta) x),  H_a = mean(1{T=a} g'(eta) x x'),

and ``Var(mu1 - mu0) = mean((phi1 - phi0)^2) / n``: the sandwich (M-estimation) variance of
statsmodels' ``TreatmentEffect.ra`` (Stata's ``teffects ra``), here in closed form.

Rank-deficient arms. ``H_a`` is invertible only when the arm's own design has full column rank.
A one-hot level absent from one arm, a column constant within an arm (common after trimming) or
two columns equal on that arm's rows (ACIC 2016: two one-hot columns coincide among the treated)
leave ``beta_a`` unidentified along a null direction. Solving the near-singular ``H_a`` then
returns rounding noise blown up by ``1 / lambda_min`` (an SE that changes with the row order)
or raises ``LinAlgError``, and a minimum-norm ``lstsq`` splits the coefficient in a way that
depends on the scaling. Instead, :func:`arm_columns` keeps, in column order, the columns that are
not constant and not (numerically) a linear combination of the earlier kept ones *within the
arm* (the rule of R's ``lm`` and Stata's omitted variables; the same test, ``1 - R^2 < 1e-9``,
as :mod:`truelift.data.prepare` applies to the whole sample), so the dropped coefficients are
zero. The point estimate and the sandwich both use that reduced, full-rank design. Where a
dropped column is not redundant over the estimand's population as well, the prediction there
rests on that zero, and a WARN diagnostic says so. An arm with no more rows than kept
parameters leaves nothing to estimate its variance from: a :class:`MethodError`.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np
from scipy.linalg import solve_triangular

from truelift.data.prepare import Prepared
from truelift.errors import MethodError
from truelift.inference import covariance_from_influence, effect_from_means
from truelift.observational.base import Fit, Progress
from truelift.observational.logistic import logistic_mle
from truelift.observational.outcome_models import mean_and_derivative, resolve, standardized_design
from truelift.observational.propensity import FittedPropensity
from truelift.schema import Diagnostic, Status

COLLINEAR_TOL = 1e-9
"""A column is collinear within an arm when ``1 - R^2`` on the earlier kept columns is below this
(the threshold of :func:`truelift.data.prepare._drop_collinear`)."""

CONSTANT_TOL = 1e-7
"""A column is constant within an arm when its SD there is below this fraction of its overall SD."""

_ARM_NAMES = {True: "treated", False: "control"}


# --- the model ----------------------------------------------------------------------------------

def resolve_kind(kind: str, binary: bool) -> str:
    """The outcome model used for one outcome: ``auto`` is logistic for 0/1 outcomes, else linear
    (:func:`truelift.observational.outcome_models.resolve`, without the boosted model)."""
    if kind == "gbm":
        raise MethodError("outcome regression takes a linear or logistic model; "
                          "use AIPW for a boosted outcome model")
    if kind not in ("auto", "linear", "logistic"):
        raise MethodError(f"unknown outcome model {kind!r}; choose one of auto, linear, logistic")
    return resolve(kind, binary)


def _fit_arm(design: np.ndarray, y: np.ndarray, kind: str
             ) -> tuple[np.ndarray, np.ndarray | None, bool]:
    """``(beta, R, converged)`` of OLS or the unpenalized logistic MLE on a full-rank arm design.

    For OLS, ``R`` is the triangular factor of ``design = QR`` (``beta = R^{-1} Q'y``), which the
    sandwich reuses (``H = R'R / n``); for the logistic model it is ``None`` (``H`` has weights).
    """
    if kind == "linear":
        q, r = np.linalg.qr(design)
        return solve_triangular(r, q.T @ y), r, True
    if np.all(y == y[0]):
        raise MethodError("the outcome is constant within a treatment arm; "
                          "a logistic outcome model cannot be fitted")
    _, beta, converged = logistic_mle(design, y, fit_intercept=False)
    return beta, None, converged


# --- which columns an arm's model can use ------------------------------------------------------

@dataclasses.dataclass(frozen=True, slots=True)
class ArmColumns:
    """The design columns one arm's outcome model keeps (0 is the intercept, always kept).

    Attributes:
        keep: indices into the design of the kept columns, in order.
        constant: indices dropped because they are constant within the arm.
        collinear: indices dropped because, within the arm, they are a linear combination of the
            earlier kept columns.
    """

    keep: tuple[int, ...]
    constant: tuple[int, ...] = ()
    collinear: tuple[int, ...] = ()

    @property
    def dropped(self) -> tuple[int, ...]:
        """Every dropped column, in design order."""
        return tuple(sorted((*self.constant, *self.collinear)))


def arm_columns(design: np.ndarray, in_arm: np.ndarray) -> ArmColumns:
    """Choose, in column order, a full-rank set of the design's columns on the arm's rows.

    ``design`` is ``[1, x]`` over all rows. A covariate is *constant* within the arm when its SD
    there is below ``CONSTANT_TOL`` times its SD over all rows; it is *collinear* when, over the
    arm's rows, ``1 - R^2`` of its regression on the intercept and the earlier kept covariates is
    below ``COLLINEAR_TOL``. Both tests are invariant to shifting and scaling a column, as the fit
    itself is. ``1 - R^2`` of column ``j`` on the earlier ones is the squared ``j``-th diagonal of
    R in the (unpivoted) QR of the arm's centred, unit-norm columns. The first such column is
    dropped and the QR recomputed without it (on R itself, which has the data's Gram matrix), so
    the rounding left in the dropped direction cannot leak into the tests of the later columns.
    """
    rows = design[in_arm, 1:]
    centred = rows - rows.mean(axis=0)
    sd_arm = np.sqrt((centred ** 2).mean(axis=0))
    sd_all = design[:, 1:].std(axis=0)
    is_constant = sd_arm <= CONSTANT_TOL * sd_all
    constant = tuple(int(j) + 1 for j in np.flatnonzero(is_constant))
    cand = [int(j) for j in np.flatnonzero(~is_constant)]
    collinear: list[int] = []
    if cand:
        unit = centred[:, cand] / (sd_arm[cand] * np.sqrt(rows.shape[0]))
        # R'R = U'U, so a subset of R's columns has the same Gram matrix (and R factor) as that
        # subset of U's: after the one QR of the n x k data, the re-fits are k x k.
        r_all = np.linalg.qr(unit, mode="r")
        live = list(range(len(cand)))
        while live:
            diag = np.abs(np.diagonal(np.linalg.qr(r_all[:, live], mode="r"))) ** 2
            d2 = np.zeros(len(live))     # fewer rows than columns: the tail is dependent
            d2[: diag.size] = diag
            bad = np.flatnonzero(d2 < COLLINEAR_TOL)
            if bad.size == 0:
                break
            collinear.append(cand[live.pop(int(bad[0]))] + 1)
        keep = (0, *(cand[k] + 1 for k in live))
    else:
        keep = (0,)
    return ArmColumns(keep=keep, constant=constant, collinear=tuple(sorted(collinear)))


def extrapolated_rows(design: np.ndarray, in_arm: np.ndarray, cols: ArmColumns,
                      pop: np.ndarray) -> int:
    """Units of the population whose prediction from this arm depends on the dropped columns.

    On the arm's rows each dropped column equals a combination ``X_K c`` of the kept ones, so any
    coefficient on it fits the arm equally well; a population row with ``x_D != X_K c`` gets a
    prediction that rests on the dropped coefficient being zero (an extrapolation).
    """
    if not cols.dropped:
        return 0
    keep, drop = list(cols.keep), list(cols.dropped)
    coef, *_ = np.linalg.lstsq(design[in_arm][:, keep], design[in_arm][:, drop], rcond=None)
    rows = design[pop.astype(bool)]
    gap = np.abs(rows[:, drop] - rows[:, keep] @ coef)
    scale = np.maximum(design[:, drop].std(axis=0), 1.0)
    return int(np.count_nonzero((gap > 1e-6 * scale).any(axis=1)))


def _check_identified(cols: ArmColumns, n_arm: int, n_params: int, arm: str) -> None:
    """Raise unless the arm has more rows than the parameters its model keeps (residual df > 0)."""
    if n_arm <= len(cols.keep):
        raise MethodError(f"outcome regression: the {arm} arm has {n_arm} rows for {n_params} "
                          f"model parameters ({len(cols.keep)} estimable there), too few to fit "
                          "its outcome model and its variance; use fewer covariates or trim less")


# --- the estimator -------------------------------------------------------------------------------

def regression_influence(
    design: np.ndarray, y: np.ndarray, t: np.ndarray, estimand: str, kind: str,
    columns: tuple[ArmColumns, ArmColumns] | None = None,
) -> tuple[float, float, np.ndarray, bool]:
    """``(mu1, mu0, n x 2 influence values, converged)`` of g-computation with per-arm GLMs.

    ``columns`` gives the (treated, control) kept columns; by default :func:`arm_columns` chooses
    them. Each arm's model uses only its kept columns, for the fit and for the sandwich alike.
    """
    tb = t.astype(bool)
    pop = {"ATE": np.ones_like(tb), "ATT": tb, "ATC": ~tb}[estimand].astype(float)
    n = y.shape[0]
    mus: list[float] = []
    phis: list[np.ndarray] = []
    converged = True
    for k, arm in enumerate((True, False)):
        in_arm = tb == arm
        cols = columns[k] if columns is not None else arm_columns(design, in_arm)
        _check_identified(cols, int(in_arm.sum()), design.shape[1], _ARM_NAMES[arm])
        x = design[:, list(cols.keep)]
        beta, r, ok = _fit_arm(x[in_arm], y[in_arm], kind)
        converged &= ok
        m, gprime = mean_and_derivative(x @ beta, kind)
        mu = float((pop * m).sum() / pop.sum())
        a = ((pop * gprime)[:, None] * x).mean(axis=0)
        # H = X_a' W X_a / n = R'R / n with R from the QR of sqrt(W) X_a: H^{-1} a = n R^{-1} R^{-T} a,
        # two triangular solves on R (condition number cond(X_a), not its square).
        if r is None:
            r = np.linalg.qr(np.sqrt(gprime[in_arm])[:, None] * x[in_arm], mode="r")
        h_inv_a = n * solve_triangular(r, solve_triangular(r, a, trans="T"))
        score = x * (in_arm * (y - m))[:, None]
        phi = (pop * (m - mu) + score @ h_inv_a) / pop.mean()
        mus.append(mu)
        phis.append(phi)
    return mus[0], mus[1], np.column_stack(phis), converged


def dropped_columns_diagnostics(
    design: np.ndarray, t: np.ndarray, estimand: str, columns: tuple[ArmColumns, ArmColumns],
    names: tuple[str, ...],
) -> tuple[Diagnostic, ...]:
    """One diagnostic per arm whose model drops columns: WARN when the estimate extrapolates on them.

    ``names`` are the covariate names (design column ``j`` is ``names[j - 1]``).
    """
    tb = t.astype(bool)
    pop = {"ATE": np.ones_like(tb), "ATT": tb, "ATC": ~tb}[estimand]
    out: list[Diagnostic] = []
    for cols, arm in zip(columns, (True, False), strict=True):
        if not cols.dropped:
            continue
        label = _ARM_NAMES[arm]
        parts = []
        if cols.constant:
            parts.append("constant there: " + ", ".join(names[j - 1] for j in cols.constant))
        if cols.collinear:
            parts.append("collinear with earlier columns there: "
                         + ", ".join(names[j - 1] for j in cols.collinear))
        what = f"the {label}-arm outcome model drops {len(cols.dropped)} column(s) ({'; '.join(parts)})"
        n_out = extrapolated_rows(design, tb == arm, cols, pop)
        if n_out:
            status = Status.WARN
            message = (f"{what}; its predictions for {n_out} of the {int(pop.sum())} units in the "
                       f"{estimand} population extrapolate on them (their coefficient is taken as 0)")
        else:
            status = Status.INFO
            message = (f"{what}; they are redundant for the {estimand} population too, so the "
                       "estimate does not depend on them")
        out.append(Diagnostic(name=f"regression_dropped_columns_{label}",
                              value=float(len(cols.dropped)), status=status, message=message))
    return tuple(out)


@dataclasses.dataclass(frozen=True, slots=True)
class DroppedColumns:
    """The covariates each arm's outcome model left out (``Fit.extra`` of :class:`Regression`)."""

    treated: tuple[str, ...]
    control: tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class Regression:
    """g-computation with one outcome model per arm (``outcome_model``: auto, linear, logistic)."""

    outcome_model: str = "auto"
    name: ClassVar[str] = "regression"
    estimands: ClassVar[tuple[str, ...]] = ("ATE", "ATT", "ATC")

    def estimate(
        self,
        data: Prepared,
        *,
        estimand: str,
        level: float,
        propensity: FittedPropensity,
        rng: np.random.Generator,
        progress: Progress | None = None,
    ) -> Fit:
        """Regression adjustment of every outcome; the propensity is not used."""
        design = standardized_design(data.x)
        tb = data.t.astype(bool)
        kinds = {name: resolve_kind(self.outcome_model, data.binary[name])
                 for name in data.roles.outcomes}
        columns = (arm_columns(design, tb), arm_columns(design, ~tb))
        estimates = []
        for name in data.roles.outcomes:
            kind = kinds[name]
            mu1, mu0, phi, converged = regression_influence(design, data.y[name], data.t,
                                                            estimand, kind, columns)
            diags: tuple[Diagnostic, ...] = ()
            if not converged:
                diags = (Diagnostic(
                    name="outcome_model_converged", value=0.0, status=Status.WARN,
                    message=f"the {kind} outcome model for {name!r} did not converge "
                            "(separation?); its estimate may be unstable"),)
            estimates.append(effect_from_means(
                outcome=name, estimand=estimand, method=self.name, mu1=mu1, mu0=mu0,
                cov=covariance_from_influence(phi), level=level, se_kind="sandwich",
                n_treated=data.n_treated, n_control=data.n_control, diagnostics=diags))
        dropped = DroppedColumns(
            treated=tuple(data.x_names[j - 1] for j in columns[0].dropped),
            control=tuple(data.x_names[j - 1] for j in columns[1].dropped))
        return Fit(method=self.name, estimand=estimand, estimates=tuple(estimates),
                   weights=None,
                   diagnostics=dropped_columns_diagnostics(design, data.t, estimand, columns,
                                                           data.x_names),
                   extra=dropped)
