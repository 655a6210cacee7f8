"""Uncertainty maths shared by every method: intervals, delta method, influence functions."""

from truelift.inference.influence import covariance_from_influence, logistic_score_correction
from truelift.inference.normal import (
    effect_from_means,
    normal_ci,
    normal_pvalue,
    relative_lift,
    z_critical,
)

__all__ = [
    "covariance_from_influence",
    "effect_from_means",
    "logistic_score_correction",
    "normal_ci",
    "normal_pvalue",
    "relative_lift",
    "z_critical",
]
