"""Fixtures of the front tests: small tables on disk, one in-process analysis, a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from truelift.datasets import personalization

COVARIATES = ["engagement_score", "past_purchases", "account_age_days", "device_type"]
TREATMENT = "received_personalization"
OUTCOMES = ["made_purchase", "revenue"]
FAST = ["ipw", "regression"]


def run_cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run ``truelift ARGS`` in a fresh interpreter (as a user would) and capture everything."""
    env = {**os.environ, "COLUMNS": "110", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "truelift.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env, check=False)


@pytest.fixture(scope="session")
def demo_frame() -> pd.DataFrame:
    """2,000 customers of the demo generator."""
    return personalization(2_000, seed=7).data


@pytest.fixture(scope="session")
def demo_csv(demo_frame: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "demo.csv"
    demo_frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def fast_analysis(demo_frame: pd.DataFrame):
    """An in-process analysis (IPW and regression) with a projection."""
    from truelift import observe

    return observe(demo_frame, treatment=TREATMENT, outcome=OUTCOMES, covariates=COVARIATES,
                   unit="customer_id", method=FAST, seed=3, customers=1_000_000, rollout=0.5)


@pytest.fixture(scope="session")
def separated_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A covariate that almost separates the arms: the verdict must be FAIL."""
    rng = np.random.default_rng(0)
    n = 1_500
    x = rng.normal(size=n)
    t = (x + 0.3 * rng.normal(size=n) > 0).astype(int)
    frame = pd.DataFrame({"t": t, "y": (rng.random(n) < 0.2 + 0.1 * t).astype(int), "x": x,
                          "z": rng.normal(size=n)})
    path = tmp_path_factory.mktemp("data") / "separated.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def cli():
    """``cli(*args)`` runs the ``truelift`` command in a subprocess."""
    return run_cli
