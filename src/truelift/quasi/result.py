"""The one result type of every quasi-experimental design (DiD, event study, synthetic control,
geo tests, regression discontinuity, instrumental variables, switchbacks).

A :class:`QuasiAnalysis` holds, for one design and one outcome:

* ``estimates``: :class:`~truelift.results.Estimate`s, the headline first (e.g. the
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
  :data:`FIGURE_KINDS`); the fronts only draw them;
* ``notes``: plain sentences the reader needs (e.g. why TWFE and the robust estimator differ).

Everything is a frozen value, complete when built; no field points back to data or a model.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any, ClassVar

from truelift.results import Analysis, Diagnostic, Estimate, Provenance, Status, Verdict, _ToDict

FIGURE_KINDS = {
    "event_study": "x: event time; value, lower, upper per series (optional 'series' labels); "
                   "a reference period drawn at 0",
    "series": "x: time (numbers or ISO dates as strings); lines: name -> values; optional band "
              "{line, lower, upper}; marker: the treatment start (marker_label names it otherwise)",
    "gaps": "x: time; treated: the treated unit's gap; placebos: one gap series per donor",
    "rd": "x: bin centres; y: bin means; fit_x/fit_y left and right of the cutoff; cutoff",
    "bars": "labels and values (e.g. donor weights, the first stage by instrument); optional lower and "
            "upper (intervals) and groups",
    "histogram": "edges and counts (e.g. the running variable around the cutoff)",
    "fan": "x: periods; series: scenario -> {'p2.5', 'p10', 'p50', 'p90', 'p97.5'} quantiles per period",
    "tornado": "labels (inputs), low and high (the result when each input moves alone), base",
}
"""Figure kinds and what each one's ``data`` holds."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Table(_ToDict):
    """A small named table: ``columns`` and ``rows`` of plain values (str, int, float, None).

    ``name`` is a stable key (``"event_study"``, ``"donor_weights"``, ...); ``title`` is what a
    reader sees. Floats stay unrounded; the fronts format them.
    """

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        rows = tuple(tuple(_plain_cell(c) for c in r) for r in self.rows)
        for r in rows:
            if len(r) != len(self.columns):
                raise ValueError(f"table {self.name!r}: a row has {len(r)} cells for "
                                 f"{len(self.columns)} columns")
        object.__setattr__(self, "rows", rows)

    def to_frame(self) -> Any:
        """The table as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(list(self.rows), columns=list(self.columns))


def _plain_cell(c: Any) -> Any:
    if c is None or isinstance(c, str | bool):
        return c
    if isinstance(c, int):
        return int(c)
    try:
        f = float(c)
    except (TypeError, ValueError):
        return str(c)
    if f.is_integer() and not isinstance(c, float) and abs(f) < 2**53:
        return int(f)
    return f if math.isfinite(f) else None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Figure(_ToDict):
    """The data behind one figure: ``kind`` (a key of :data:`FIGURE_KINDS`), a title, axis labels,
    and ``data``: named sequences (tuples of floats or strings) or nested mappings of them."""

    name: str
    kind: str
    title: str
    data: Mapping[str, Any]
    xlabel: str = ""
    ylabel: str = ""

    def __post_init__(self) -> None:
        if self.kind not in FIGURE_KINDS:
            raise ValueError(f"unknown figure kind {self.kind!r}; one of {', '.join(FIGURE_KINDS)}")
        object.__setattr__(self, "data", _freeze(self.data))


def _freeze(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {str(k): _freeze(x) for k, x in v.items()}
    if isinstance(v, str | int | float | bool) or v is None:
        return v
    try:
        return tuple(_freeze(x) for x in v)
    except TypeError:
        return _plain_cell(v)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class QuasiAnalysis(Analysis):
    """The result of a quasi-experimental design (see the module docstring).

    ``design`` is the registry key (``"did"``, ``"synth"``, ``"geo"``, ``"rd"``, ``"iv"``,
    ``"switchback"``); ``title`` names the design as a reader would ("Difference-in-differences,
    staggered adoption"). ``estimate`` is the headline (the first of ``estimates``).
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

    @property
    def estimate(self) -> Estimate:
        """The headline estimate."""
        return self.estimates[0]

    def table(self, name: str) -> Table:
        """The table named ``name``."""
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(f"no table {name!r}; tables: {', '.join(t.name for t in self.tables)}")

    def figure(self, name: str) -> Figure:
        """The figure named ``name``."""
        for f in self.figures:
            if f.name == name:
                return f
        raise KeyError(f"no figure {name!r}; figures: {', '.join(f.name for f in self.figures)}")


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
    """A WARN that names every reason rows were dropped and how many; ``None`` when none were."""
    total = sum(dropped.values())
    if not total:
        return None
    reasons = ", ".join(f"{k}: {v}" for k, v in dropped.items())
    return Diagnostic(name="rows_dropped", value=total, threshold=0, status=Status.WARN,
                      message=f"{total} of {rows_read} rows were dropped ({reasons}); the estimate "
                              "describes the remaining rows.")


WEAK_F = 10.0
"""A first-stage F below this is a weak instrument (Staiger & Stock 1997's rule of thumb): WARN."""
FAIL_F = 5.0
"""A first-stage F below this: FAIL (the estimate's bias and interval are not to be trusted)."""


def first_stage_status(f: float) -> Status:
    """OK at ``F >= WEAK_F``, WARN at ``FAIL_F <= F < WEAK_F``, FAIL below (IV and fuzzy RD)."""
    return Status.OK if f >= WEAK_F else Status.WARN if f >= FAIL_F else Status.FAIL
