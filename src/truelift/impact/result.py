"""The result type of the impact analyses (revenue decomposition, funnel, lifetime value).

:class:`ImpactAnalysis` is the quasi-experiments' :class:`~truelift.quasi.result.QuasiAnalysis`
under its own kind (``"impact"``): estimates (each a complete :class:`~truelift.schema.Estimate`),
the assumptions in plain words (``identification``), diagnostics and a verdict, named tables,
the data behind each figure and notes; the same fronts render both. ``design`` names the analysis:
``"revenue"`` (decomposition), ``"funnel"``, ``"ltv"``. Figures use the kinds of
:data:`truelift.schema.FIGURE_KINDS` (a funnel is ``"bars"``, a retention curve
``"series"``).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from truelift.quasi.result import Figure, QuasiAnalysis, Table, effect_estimate


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class ImpactAnalysis(QuasiAnalysis):
    """An impact analysis (see the module docstring)."""

    kind: ClassVar[str] = "impact"


__all__ = ["Figure", "ImpactAnalysis", "Table", "effect_estimate"]
