"""Metrics of a randomized test and the statistics they need.

Every metric is a smooth function ``f`` of the per-user means of one or two columns:

* :class:`Proportion` (conversion, a user-level click-through): ``f = mean(y)``, ``y`` in {0, 1};
* :class:`Mean` (revenue per user, sessions per user): ``f = mean(y)``;
* :class:`Ratio` (AOV = revenue / orders, CTR = clicks / impressions, with users as the
  randomization unit): ``f = mean(num) / mean(den)``, a ratio of means whose variance comes from
  the delta method (Deng, Knoblich & Lu 2018, "Applying the delta method in metric analytics"):
  gradient ``(1 / mean(den), -mean(num) / mean(den)**2)``.

A metric declares the columns it needs (``variables``); with CUPED covariates, the readout asks
the engine for the co-moments of every pair among the metric's columns and its covariates.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np

from truelift.errors import RoleError


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Metric:
    """Base of the metric specifications (settings only; nothing is computed on construction)."""

    kind: ClassVar[str] = "metric"
    name: str = ""
    covariates: tuple[str, ...] = ()
    higher_is_better: bool = True

    @property
    def variables(self) -> tuple[str, ...]:
        """The columns whose per-user means the metric is a function of."""
        raise NotImplementedError

    def value(self, mean: np.ndarray) -> float:
        """The metric at the given means of ``variables``."""
        return float(mean[0])

    def gradient(self, mean: np.ndarray) -> np.ndarray:
        """Gradient of :meth:`value` with respect to the means of ``variables``."""
        return np.ones(1)

    @property
    def binary(self) -> bool:
        """True when the metric is a rate in [0, 1] (shown in percentage points)."""
        return False

    def describe(self) -> str:
        """A short description: ``proportion of converted``."""
        return f"{self.kind} of {', '.join(self.variables)}"

    def with_covariates(self, covariates: Sequence[str]) -> Metric:
        """A copy with these CUPED covariates."""
        return dataclasses.replace(self, covariates=tuple(covariates))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _Column(Metric):
    column: str

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", self.column)
        object.__setattr__(self, "covariates", tuple(self.covariates))

    @property
    def variables(self) -> tuple[str, ...]:
        return (self.column,)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Proportion(_Column):
    """A 0/1 user-level outcome (converted, clicked): the difference of two proportions.

    Without covariates: Wald interval with the unpooled variance ``p (1 - p) / n`` per arm and the
    two-proportion z-test p-value with the pooled variance (equal to Pearson's chi-square test of
    the 2x2 table without continuity correction).
    """

    kind: ClassVar[str] = "proportion"

    @property
    def binary(self) -> bool:
        return True


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Mean(_Column):
    """A numeric user-level outcome (revenue per user): Welch's unequal-variance t-test."""

    kind: ClassVar[str] = "mean"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Ratio(Metric):
    """A ratio of means ``mean(numerator) / mean(denominator)`` over users (delta method)."""

    kind: ClassVar[str] = "ratio"
    numerator: str
    denominator: str

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", f"{self.numerator}/{self.denominator}")
        object.__setattr__(self, "covariates", tuple(self.covariates))

    @property
    def variables(self) -> tuple[str, ...]:
        return (self.numerator, self.denominator)

    def value(self, mean: np.ndarray) -> float:
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(mean[0] / mean[1])

    def gradient(self, mean: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.array([1.0 / mean[1], -mean[0] / mean[1] ** 2])

    def describe(self) -> str:
        return f"ratio {self.numerator} / {self.denominator}"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Auto(_Column):
    """A column given by name only: a :class:`Proportion` if it holds only 0/1, else a :class:`Mean`."""

    kind: ClassVar[str] = "auto"

    def resolve(self, binary: bool) -> Metric:
        cls = Proportion if binary else Mean
        return cls(column=self.column, name=self.name, covariates=self.covariates,
                   higher_is_better=self.higher_is_better)


METRICS: dict[str, type[Metric]] = {"proportion": Proportion, "mean": Mean, "ratio": Ratio}
"""Registry of metric kinds."""

_RATIO = re.compile(r"^\s*(?:(?P<name>[^=]+?)\s*=\s*)?(?P<num>[^/=]+?)\s*/\s*(?P<den>[^/=]+?)\s*$")


def parse_metric(spec: str | Metric) -> Metric:
    """A metric from a string: ``"converted"`` (kind from the data), ``"aov=revenue/orders"``."""
    if isinstance(spec, Metric):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise RoleError(f"metric {spec!r}: give a column name, 'name=numerator/denominator' or a Metric")
    m = _RATIO.match(spec)
    if m:
        return Ratio(numerator=m["num"], denominator=m["den"], name=(m["name"] or "").strip())
    if "=" in spec:
        name, column = (s.strip() for s in spec.split("=", 1))
        return Auto(column=column, name=name)
    return Auto(column=spec.strip())


def resolve_metrics(
    metrics: Sequence[str | Metric] | str | Metric,
    covariates: Mapping[str, Sequence[str]] | Sequence[str] | str | None,
) -> list[Metric]:
    """Parse metric specs and attach CUPED covariates (one list for all, or per metric name)."""
    if isinstance(metrics, (str, Metric)):
        metrics = [metrics]
    out = [parse_metric(m) for m in metrics]
    if covariates is None:
        return out
    if isinstance(covariates, str):
        covariates = [covariates]
    if isinstance(covariates, Mapping):
        names = {m.name for m in out}
        for key in covariates:
            if key not in names:
                raise RoleError(f"covariates given for {key!r}, which is not a metric "
                                f"(metrics: {', '.join(sorted(names))})")
        return [m.with_covariates(tuple(m.covariates) + tuple(covariates.get(m.name, ()))) for m in out]
    return [m.with_covariates(tuple(m.covariates) + tuple(covariates)) for m in out]


def check_metric_columns(metric: Metric, role_columns: Mapping[str, str]) -> None:
    """A metric or covariate column may not also be the variant, a segment or the time."""
    for col in (*metric.variables, *metric.covariates):
        if col in role_columns:
            raise RoleError(f"column {col!r} is both a metric/covariate of {metric.name!r} and the "
                            f"{role_columns[col]} column")
    clash = set(metric.variables) & set(metric.covariates)
    if clash:
        raise RoleError(f"column {sorted(clash)[0]!r} is both an outcome and a CUPED covariate of "
                        f"{metric.name!r}: a covariate must be measured before the test starts")
