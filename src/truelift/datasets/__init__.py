"""Data with known truth (generators) and loaders for real data that packages ship."""

from truelift.datasets.homepage import (
    FactorialTruth,
    HomepageTruth,
    factorial_test,
    homepage_events,
    homepage_test,
)
from truelift.datasets.personalization import Dataset, Truth, personalization

__all__ = [
    "Dataset",
    "FactorialTruth",
    "HomepageTruth",
    "Truth",
    "factorial_test",
    "homepage_events",
    "homepage_test",
    "personalization",
]
