"""The values every analysis is made of: :class:`Estimate`, :class:`Relative`,
:class:`Diagnostic`, :class:`Status`, :class:`Verdict` and :class:`Provenance`.

They are values: frozen dataclasses, complete when constructed, holding no reference back to
an estimator or to the data. Numbers are never rounded here; the fronts (``truelift.report``)
format them. ``to_dict()`` gives plain JSON-ready Python (non-finite floats become ``None``).
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

SCHEMA_VERSION = 2


class Status(enum.StrEnum):
    """How a diagnostic (or a whole analysis) came out."""

    OK = "ok"
    INFO = "info"
    WARN = "warn"
    FAIL = "fail"

    @staticmethod
    def worst(statuses: Any) -> Status:
        """The worst of several statuses (``OK`` when there are none).

        ``INFO`` is context (e.g. a sensitivity analysis): it never moves a verdict, so it ranks
        with ``OK``; the verdict is PASS, WARN or FAIL.
        """
        order = {Status.OK: 0, Status.INFO: 0, Status.WARN: 1, Status.FAIL: 2}
        out = Status.OK
        for s in statuses:
            if order[Status(s)] > order[out]:
                out = Status(s)
        return out


def _plain(value: Any) -> Any:
    """Convert a result field to plain JSON-ready Python."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return value.to_dict() if hasattr(value, "to_dict") else _fields_dict(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    return value


def _fields_dict(obj: Any) -> dict[str, Any]:
    return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)
            if f.metadata.get("to_dict", True)}


class _ToDict:
    def to_dict(self) -> dict[str, Any]:
        """The result as plain Python (dicts, lists, floats, strings); NaN/inf become None."""
        return _fields_dict(self)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Diagnostic(_ToDict):
    """One check of an assumption, with the value seen, the threshold and a plain message."""

    name: str
    value: float
    status: Status
    message: str
    threshold: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))
        object.__setattr__(self, "value", float(self.value))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Relative(_ToDict):
    """Relative lift ``effect / baseline`` with its delta-method standard error and interval."""

    value: float
    se: float
    ci: tuple[float, float]

    __open_intervals__ = ("ci",)  # a bound saved as None (an infinity) is open, never NaN

    def __post_init__(self) -> None:
        _check_interval("relative", self.value, self.se, self.ci)


def _check_interval(what: str, value: float, se: float, ci: tuple[float, float]) -> None:
    if not math.isfinite(value):
        raise ValueError(f"{what}: value must be finite, got {value!r}")
    if not (se >= 0) or not math.isfinite(se):
        raise ValueError(f"{what}: se must be finite and >= 0, got {se!r}")
    lo, hi = ci
    if not (lo <= hi):
        raise ValueError(f"{what}: ci lower {lo!r} > upper {hi!r}")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Estimate(_ToDict):
    """One causal (or associational) estimate, complete with its uncertainty.

    Attributes:
        outcome: the outcome column.
        estimand: ``"ATE"``, ``"ATT"``, ``"ATC"``, or ``"difference in means"`` for the naive
            association.
        method: the registry key of the method (``"aipw"``, ``"ipw"``, ``"match"``, ...).
        value: the point estimate, ``mean_treated - baseline``.
        se: its standard error (of the kind named by ``se_kind``).
        ci: the two-sided interval at ``level``.
        pvalue: two-sided p-value of the null of no effect.
        se_kind: ``"influence_function"``, ``"abadie_imbens"``, ``"welch"``, ``"sandwich"``, ...
        n_treated, n_control: units of each arm that the estimate uses.
        mean_treated: mean outcome under treatment in the estimand's population.
        baseline: counterfactual mean under control in the estimand's population.
        relative: ``value / baseline`` with a delta-method interval; ``None`` when the baseline
            is 0 (a relative lift is then undefined).
        diagnostics: checks specific to this estimate.
        arm: the arm compared with control, for analyses with several (a readout's variant, an
            uplift arm, a factorial term); ``None`` for a single treatment.
    """

    outcome: str
    estimand: str
    method: str
    value: float
    se: float
    ci: tuple[float, float]
    level: float
    pvalue: float
    se_kind: str
    n_treated: int
    n_control: int
    mean_treated: float
    baseline: float
    relative: Relative | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    arm: str | None = None

    __open_intervals__ = ("ci",)  # a bound saved as None (an infinity) is open, never NaN

    def __post_init__(self) -> None:
        _check_interval(f"{self.method}/{self.outcome}", self.value, self.se, self.ci)
        if not (0.0 <= self.pvalue <= 1.0):
            raise ValueError(f"pvalue must be in [0, 1], got {self.pvalue!r}")
        if not (0.0 < self.level < 1.0):
            raise ValueError(f"level must be in (0, 1), got {self.level!r}")
        if self.n_treated < 0 or self.n_control < 0:
            raise ValueError("n_treated and n_control must be >= 0")
        object.__setattr__(self, "ci", (float(self.ci[0]), float(self.ci[1])))
        object.__setattr__(self, "diagnostics", tuple(self.diagnostics))

    @property
    def n(self) -> int:
        """Units used, both arms."""
        return self.n_treated + self.n_control


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Verdict(_ToDict):
    """Can the estimate be trusted? The status and the plain-words reasons behind it."""

    status: Status
    headline: str
    reasons: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))
        object.__setattr__(self, "reasons", tuple(self.reasons))

    @classmethod
    def from_diagnostics(
        cls, diagnostics: tuple[Diagnostic, ...] | list[Diagnostic], *, subject: str
    ) -> Verdict:
        """Derive the verdict from diagnostics: the worst status, reasons from those not OK."""
        status = Status.worst(d.status for d in diagnostics)
        reasons = tuple(d.message for d in diagnostics
                        if Status(d.status) in (Status.WARN, Status.FAIL))
        if status is Status.OK:
            headline = f"{subject}: PASS. Every diagnostic is within its threshold."
        elif status is Status.WARN:
            headline = f"{subject}: WARN. Usable with care; read the reasons below."
        else:
            headline = f"{subject}: FAIL. The data cannot support this estimate as it stands."
        return cls(status=status, headline=headline, reasons=reasons)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Provenance(_ToDict):
    """Where a result came from: version, parameters, seed, rows read, used and dropped."""

    truelift_version: str
    parameters: Mapping[str, Any]
    seed: int | None
    rows_read: int
    rows_used: int
    rows_dropped: Mapping[str, int] = dataclasses.field(default_factory=dict)
    source: str = "pandas.DataFrame"


def make_provenance(*, parameters: Mapping[str, Any], seed: int | None, rows_read: int,
                    rows_used: int, rows_dropped: Mapping[str, int] | None = None,
                    source: str = "pandas.DataFrame") -> Provenance:
    """The :class:`Provenance` of a result of this release: every method builds it here, so the
    version is stamped in one place (methods never import the package root for it)."""
    from truelift.schema.version import VERSION

    return Provenance(truelift_version=VERSION, parameters=parameters, seed=seed,
                      rows_read=rows_read, rows_used=rows_used, rows_dropped=dict(rows_dropped or {}),
                      source=source)
