"""Data with known truth (generators) and loaders for real data that packages ship."""

from truelift.datasets.homepage import (
    FactorialTruth,
    HomepageTruth,
    factorial_test,
    homepage_events,
    homepage_test,
)
from truelift.datasets.personalization import Dataset, Truth, personalization
from truelift.datasets.uplift import UpliftTruth, coupon_campaign

__all__ = [
    "Dataset",
    "FactorialTruth",
    "HomepageTruth",
    "Truth",
    "UpliftTruth",
    "coupon_campaign",
    "factorial_test",
    "homepage_events",
    "homepage_test",
    "personalization",
]
