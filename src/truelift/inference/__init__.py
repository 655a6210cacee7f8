"""Uncertainty maths shared by every method: intervals, delta method, influence functions,
multiplicity. The names below load on first use, so importing one module of the package (e.g.
``truelift.inference.multiplicity``) does not pull in SciPy."""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "covariance_from_influence": "truelift.inference.influence",
    "logistic_score_correction": "truelift.inference.influence",
    "effect_from_means": "truelift.inference.normal",
    "normal_ci": "truelift.inference.normal",
    "normal_pvalue": "truelift.inference.normal",
    "relative_lift": "truelift.inference.normal",
    "z_critical": "truelift.inference.normal",
}

__all__ = ["covariance_from_influence", "effect_from_means", "logistic_score_correction", "normal_ci",
           "normal_pvalue", "relative_lift", "z_critical"]


def __getattr__(name: str) -> Any:
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'truelift.inference' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
