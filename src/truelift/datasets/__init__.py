"""Data with known truth (generators) and loaders for real data that packages ship."""

from truelift.datasets.personalization import Dataset, Truth, personalization

__all__ = ["Dataset", "Truth", "personalization"]
