"""What an estimated effect is worth when rolled out: a linear projection with its interval.

An effect ``tau`` per customer (with standard error ``se``) rolled out to a share ``r`` of a base
of ``N`` customers gives an incremental total ``N r tau`` with standard error ``N r se`` (exact
for a linear projection; the interval is the estimate's interval scaled). The per-customer
figure refers to the estimand's population: for the ATT, customers like those who received the
change; for the ATE, a customer drawn from the whole base.
"""

from __future__ import annotations

import dataclasses

from truelift.errors import MethodError
from truelift.schema import Estimate
from truelift.schema.values import _ToDict


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Projection(_ToDict):
    """Incremental outcome per customer and in total for a rollout."""

    outcome: str
    method: str
    estimand: str
    per_customer: float
    per_customer_se: float
    per_customer_ci: tuple[float, float]
    customers: int
    rollout: float
    reached: float
    total: float
    total_se: float
    total_ci: tuple[float, float]
    level: float
    note: str


def project_linear(estimate: Estimate, *, customers: int, rollout: float) -> Projection:
    """Project ``estimate`` to ``customers * rollout`` treated customers."""
    if customers < 0:
        raise MethodError(f"customers must be >= 0, got {customers}")
    if not (0.0 <= rollout <= 1.0):
        raise MethodError(f"rollout share must be in [0, 1], got {rollout}")
    reached = customers * rollout
    who = ("customers like those who received it (ATT)" if estimand_is(estimate, "ATT") else
           "customers like those who did not receive it (ATC)" if estimand_is(estimate, "ATC")
           else "a customer drawn from the whole base (ATE)")
    return Projection(
        outcome=estimate.outcome, method=estimate.method, estimand=estimate.estimand,
        per_customer=estimate.value, per_customer_se=estimate.se, per_customer_ci=estimate.ci,
        customers=int(customers), rollout=float(rollout), reached=reached,
        total=reached * estimate.value, total_se=reached * estimate.se,
        total_ci=(reached * estimate.ci[0], reached * estimate.ci[1]), level=estimate.level,
        note=f"the per-customer effect is for {who}; the projection assumes the customers "
             "reached respond like them",
    )


def estimand_is(estimate: Estimate, estimand: str) -> bool:
    """Whether the estimate is for ``estimand``."""
    return estimate.estimand.upper() == estimand
