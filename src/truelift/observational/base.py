"""How an observational method plugs in.

A method is a frozen settings dataclass (construction does no work) with one call::

    method.estimate(data, estimand="ATT", level=0.95, propensity=fitted, rng=rng) -> Fit

It covers every outcome in one call, because the adjustment (the matched sets, the weights)
does not depend on the outcome: matching is done once, then read for each outcome. This is the
one departure from DESIGN.md's ``-> Estimate``; :class:`Fit` carries one :class:`Estimate` per
outcome plus what the balance table and the exports need.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar, Protocol

import numpy as np

from truelift.data.prepare import Prepared
from truelift.observational.propensity import FittedPropensity
from truelift.schema import Diagnostic, Estimate

Progress = Callable[[str, int, int], None]
"""``progress(step, done, total)``: called by long-running work; the CLI draws a bar with it."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Fit:
    """What one method returns for one estimand.

    Attributes:
        method: registry key.
        estimand: ``"ATT"``, ``"ATE"`` or ``"ATC"``.
        estimates: one :class:`Estimate` per outcome, in the order of ``data.roles.outcomes``.
        weights: the weight each row carries in the adjusted comparison (0 = not used), for the
            balance table; ``None`` for methods that do not reweight units (outcome regression).
        diagnostics: method-level checks (e.g. treated units left unmatched by the caliper).
        extra: method-specific, render-free data (e.g. matched sets for export).
    """

    method: str
    estimand: str
    estimates: tuple[Estimate, ...]
    weights: np.ndarray | None
    diagnostics: tuple[Diagnostic, ...] = ()
    extra: Any = None


class Method(Protocol):
    """The contract every observational method fulfils."""

    name: ClassVar[str]
    estimands: ClassVar[tuple[str, ...]]

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
        """Estimate the effect on every outcome of ``data`` for ``estimand``."""
        ...
