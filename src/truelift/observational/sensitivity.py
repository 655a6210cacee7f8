"""Sensitivity to hidden confounding: the E-value (VanderWeele & Ding 2017).

The E-value is the minimum strength of association, on the risk-ratio scale, that an unmeasured
confounder would need with both the treatment and the outcome, beyond the measured covariates,
to explain away the estimate:

    E = RR + sqrt(RR (RR - 1))   for RR >= 1   (for RR < 1 use 1 / RR).

For the interval, the E-value is computed at the limit closer to the null (1 when the interval
includes the null). For a 0/1 outcome ``RR = mu1 / mu0`` directly, with the interval of the
delta-method relative lift. For a continuous outcome the effect is first put on the
standardized scale ``d = effect / sd(Y)`` and converted with ``RR ≈ exp(0.91 d)``
(VanderWeele & Ding 2017, sec. "Other effect measures"; Chinn 2000).
"""

from __future__ import annotations

import dataclasses
import math

from truelift.schema import Diagnostic, Estimate, Status
from truelift.schema.rules import EVALUE_WEAK
from truelift.schema.values import _ToDict


def evalue_rr(rr: float) -> float:
    """E-value of a risk ratio."""
    if rr <= 0 or not math.isfinite(rr):
        raise ValueError(f"risk ratio must be positive and finite, got {rr!r}")
    if rr < 1.0:
        rr = 1.0 / rr
    return rr + math.sqrt(rr * (rr - 1.0))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class EValue(_ToDict):
    """The E-value of one estimate and of its interval limit closer to the null."""

    outcome: str
    method: str
    scale: str
    risk_ratio: float
    risk_ratio_ci: tuple[float, float]
    evalue: float
    evalue_ci: float
    diagnostic: Diagnostic


def evalue(estimate: Estimate, *, binary: bool, outcome_sd: float) -> EValue:
    """E-value of ``estimate`` (risk-ratio scale for 0/1 outcomes, SMD conversion otherwise)."""
    if binary and estimate.relative is not None and estimate.baseline > 0:
        rr = estimate.mean_treated / estimate.baseline
        lo, hi = (1.0 + estimate.relative.ci[0], 1.0 + estimate.relative.ci[1])
        lo = max(lo, 1e-12)
        scale = "risk ratio"
    else:
        sd = outcome_sd if outcome_sd > 0 else 1.0
        rr = math.exp(0.91 * estimate.value / sd)
        lo, hi = math.exp(0.91 * estimate.ci[0] / sd), math.exp(0.91 * estimate.ci[1] / sd)
        scale = "standardized difference, RR ≈ exp(0.91 d)"
    rr = max(rr, 1e-12)
    e_point = evalue_rr(rr)
    includes_null = lo <= 1.0 <= hi
    e_ci = 1.0 if includes_null else evalue_rr(lo if rr >= 1.0 else hi)
    # Sensitivity informs the reading; it never moves the verdict (issue 12): an E-value
    # measures how much unmeasured confounding the conclusion can absorb, which no observed
    # diagnostic can test, so it is INFO whatever its size.
    status = Status.INFO
    if includes_null:
        msg = (f"{estimate.outcome}: the interval already includes no effect, so no hidden "
               f"confounder is needed to explain it away (E-value of the point estimate "
               f"{e_point:.2f})")
    else:
        msg = (f"{estimate.outcome}: to explain away the effect, a hidden confounder would need "
               f"to be associated with both treatment and outcome by a risk ratio of "
               f"{e_point:.2f} each ({e_ci:.2f} to move the interval to include no effect)"
               + ("" if e_ci >= EVALUE_WEAK else "; weak confounding would suffice, so the effect "
                                         "leans on the covariates having captured it"))
    diag = Diagnostic(name=f"evalue_ci_{estimate.outcome}", value=e_ci, threshold=EVALUE_WEAK,
                      status=status, message=msg)
    return EValue(outcome=estimate.outcome, method=estimate.method, scale=scale,
                  risk_ratio=rr, risk_ratio_ci=(lo, hi), evalue=e_point, evalue_ci=e_ci,
                  diagnostic=diag)
