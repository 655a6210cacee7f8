"""The one result type of every quasi-experimental design (DiD, event study, synthetic control,
geo tests, regression discontinuity, instrumental variables, switchbacks).

A :class:`QuasiAnalysis` holds, for one design and one outcome:

* ``estimates``: :class:`~truelift.schema.Estimate`s, the headline first (e.g. the
  heterogeneity-robust staggered DiD, then TWFE beside it), each complete with its standard error
  of the design's kind (``se_kind``: ``"crv1"`` cluster-robust, ``"robust_bias_corrected"`` for RD,
  ``"placebo"`` for synthetic control, ...);
* ``identification``: the identifying assumption and the estimand, in plain words (e.g. the LATE
  of compliers for IV);
* ``diagnostics`` and the ``verdict`` derived from them: whether the assumption looks credible
  from the data (pre-trends, pre-period fit, density at the cutoff, first-stage strength, ...);
* ``tables`` (:class:`Table`): named tables the fronts print as they are (event-time
  coefficients, donor weights, placebo results, covariate balance, ...);
* ``figures`` (:class:`Figure`): the numbers behind each figure, by figure ``kind`` (see
  :data:`truelift.schema.FIGURE_KINDS`); the fronts only draw them;
* ``notes``: plain sentences the reader needs (e.g. why TWFE and the robust estimator differ).

Everything is a frozen value, complete when built; no field points back to data or a model.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import ClassVar

from truelift.schema import (
    Analysis,
    Diagnostic,
    Estimate,
    Figure,
    Provenance,
    Status,
    Table,
    Verdict,
)
from truelift.schema.rules import FAIL_F, WEAK_F


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class QuasiAnalysis(Analysis):
    """The result of a quasi-experimental design (see the module docstring).

    ``design`` is the registry key (``"did"``, ``"synth"``, ``"geo"``, ``"rd"``, ``"iv"``,
    ``"switchback"``); ``title`` names the design as a reader would ("Difference-in-differences,
    staggered adoption"). ``estimate()`` is the headline (the first of ``estimates``);
    ``table(name)`` and ``figure(name)`` find a table or figure (the accessors every analysis has).
    """

    kind: ClassVar[str] = "quasi"

    design: str
    title: str
    outcome: str
    estimates: tuple[Estimate, ...]
    identification: str
    diagnostics: tuple[Diagnostic, ...]
    verdict: Verdict
    provenance: Provenance
    tables: tuple[Table, ...] = ()
    figures: tuple[Figure, ...] = ()
    notes: tuple[str, ...] = ()
    level: float = 0.95

    def __post_init__(self) -> None:
        if not self.estimates:
            raise ValueError("a quasi-experimental analysis needs at least one estimate")
        for name in ("estimates", "diagnostics", "tables", "figures", "notes"):
            object.__setattr__(self, name, tuple(getattr(self, name)))


def effect_estimate(*, outcome: str, estimand: str, method: str, value: float, se: float,
                    level: float, se_kind: str, n_treated: int, n_control: int,
                    mean_treated: float, df: float | None = None, pvalue: float | None = None,
                    ci: tuple[float, float] | None = None,
                    diagnostics: tuple[Diagnostic, ...] = ()) -> Estimate:
    """An :class:`Estimate` of an effect on the treated from its value and standard error.

    ``mean_treated`` is the treated units' observed mean outcome in the effect's cells (e.g. the
    treated post-period mean); the baseline (counterfactual mean) is ``mean_treated - value``.
    The interval and p-value use Student's t with ``df`` degrees of freedom when given (e.g.
    ``G - 1`` with ``G`` clusters, as fixest and pyfixest do for CRV1), else the normal; pass
    ``ci`` and ``pvalue`` to keep a method's own (e.g. RD's robust bias-corrected interval).
    Relative lift ``value / baseline`` gets a delta-method interval that treats the observed
    treated mean as fixed: ``se_rel = se * mean_treated / baseline**2``.
    """
    from scipy import stats

    from truelift.errors import MethodError
    from truelift.inference.normal import relative_lift

    value, se = float(value), float(se)
    if not (math.isfinite(value) and math.isfinite(se)):
        raise MethodError(f"{method}: the estimate of {outcome!r} is not finite")
    crit = (stats.t.ppf(0.5 + level / 2.0, df) if df is not None
            else stats.norm.ppf(0.5 + level / 2.0))
    if ci is None:
        ci = (value - crit * se, value + crit * se)
    if pvalue is None:
        if se == 0.0:
            pvalue = 1.0 if value == 0.0 else 0.0
        else:
            z = abs(value / se)
            pvalue = float(2.0 * (stats.t.sf(z, df) if df is not None else stats.norm.sf(z)))
    baseline = float(mean_treated) - value
    import numpy as np

    cov = np.array([[0.0, 0.0], [0.0, se**2]])
    return Estimate(outcome=outcome, estimand=estimand, method=method, value=value, se=se,
                    ci=(float(ci[0]), float(ci[1])), level=level, pvalue=min(max(float(pvalue), 0.0), 1.0),
                    se_kind=se_kind, n_treated=int(n_treated), n_control=int(n_control),
                    mean_treated=float(mean_treated), baseline=baseline,
                    relative=relative_lift(float(mean_treated), baseline, cov, level),
                    diagnostics=tuple(diagnostics))


def dropped_diagnostic(dropped: Mapping[str, int], rows_read: int) -> Diagnostic | None:
    """Information naming every reason rows were dropped and how many; ``None`` when none were.

    Rows are dropped only when the caller asked for it (``drop_missing=True``; without it a
    missing value is an error), so the drop is reported, not warned about.
    """
    total = sum(dropped.values())
    if not total:
        return None
    reasons = ", ".join(f"{k}: {v}" for k, v in dropped.items())
    return Diagnostic(name="rows_dropped", value=total, threshold=None, status=Status.INFO,
                      message=f"{total} of {rows_read} rows were dropped as asked ({reasons}); "
                              "the estimate describes the remaining rows.")


def first_stage_status(f: float) -> Status:
    """OK at ``F >= WEAK_F``, WARN at ``FAIL_F <= F < WEAK_F``, FAIL below (IV and fuzzy RD)."""
    return Status.OK if f >= WEAK_F else Status.WARN if f >= FAIL_F else Status.FAIL
