"""Shared fixtures: small demo tables with known truth."""

from __future__ import annotations

import os

# pytest-xdist runs 2 workers on 2 cores: one OpenMP thread each for scikit-learn's gradient
# boosting, or the workers oversubscribe the cores (a 15 s test file took 145 s). Set before any
# library loads its OpenMP runtime.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pandas as pd
import pytest

from truelift.datasets import personalization

COVARIATES = ["engagement_score", "past_purchases", "account_age_days", "device_type"]
TREATMENT = "received_personalization"


@pytest.fixture(scope="session")
def demo_small() -> pd.DataFrame:
    """3,000 customers of the demo generator (seed 11)."""
    return personalization(3_000, seed=11).data


@pytest.fixture
def toy() -> pd.DataFrame:
    """A tiny well-formed table with numeric, categorical and outcome columns."""
    rng = np.random.default_rng(5)
    n = 200
    x = rng.normal(size=n)
    t = (rng.random(n) < 1 / (1 + np.exp(-x))).astype(int)
    return pd.DataFrame({
        "t": t,
        "y": (rng.random(n) < 0.3 + 0.1 * t).astype(int),
        "rev": rng.gamma(2.0, 10.0, size=n) * (1 + 0.1 * t),
        "x": x,
        "z": rng.uniform(size=n),
        "dev": rng.choice(["desktop", "mobile", "tablet"], size=n),
    })
