"""The method settings classes, for ``tl.methods.Matching(k=2, caliper=0.1)`` and friends."""

from truelift.observational.aipw import AIPW
from truelift.observational.analysis import METHODS
from truelift.observational.matching import Matching
from truelift.observational.propensity import BoostedPropensity, LogisticPropensity
from truelift.observational.regression import Regression
from truelift.observational.weighting import IPW

__all__ = ["AIPW", "IPW", "METHODS", "BoostedPropensity", "LogisticPropensity", "Matching",
           "Regression"]
