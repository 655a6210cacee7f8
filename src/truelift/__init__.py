"""truelift: the true, incremental effect of a personalization change.

Public entries (each returns an analysis result that renders in a notebook, the terminal,
HTML and JSON)::

    import truelift as tl
    data, truth = tl.datasets.personalization(n=10_000, seed=1)
    result = tl.observe(data, treatment="received_personalization",
                        outcomes=["made_purchase", "revenue"],
                        covariates=["engagement_score", "past_purchases",
                                    "account_age_days", "device_type"])

Heavy modules are imported on first use, so ``import truelift`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "observe": ("truelift.observational.analysis", "observe"),
    "ObservationalAnalysis": ("truelift.observational.analysis", "ObservationalAnalysis"),
    "Estimate": ("truelift.results", "Estimate"),
    "Diagnostic": ("truelift.results", "Diagnostic"),
    "Verdict": ("truelift.results", "Verdict"),
    "Status": ("truelift.results", "Status"),
    "TrueliftError": ("truelift.errors", "TrueliftError"),
    "DataError": ("truelift.errors", "DataError"),
    "RoleError": ("truelift.errors", "RoleError"),
    "MethodError": ("truelift.errors", "MethodError"),
    "TrueliftWarning": ("truelift.errors", "TrueliftWarning"),
    "datasets": ("truelift.datasets", None),
    "methods": ("truelift.observational.methods", None),
}

__all__ = [
    "DataError", "Diagnostic", "Estimate", "MethodError", "ObservationalAnalysis", "RoleError",
    "Status", "TrueliftError", "TrueliftWarning", "Verdict", "__version__", "datasets", "methods",
    "observe",
]

if TYPE_CHECKING:  # pragma: no cover
    from truelift import datasets
    from truelift.errors import DataError, MethodError, RoleError, TrueliftError, TrueliftWarning
    from truelift.observational.analysis import ObservationalAnalysis, observe
    from truelift.results import Diagnostic, Estimate, Status, Verdict


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'truelift' has no attribute {name!r}") from None
    mod = importlib.import_module(module)
    value = mod if attr is None else getattr(mod, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
