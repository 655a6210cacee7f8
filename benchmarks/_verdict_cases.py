"""Known-truth cases of ``verdict_observational.py`` and ``coverage_default.py``.

Every case draws one table and returns a :class:`Case`: the data, the roles to pass to
``tl.observe`` and the *sample* truths (the average of the known conditional effect
``tau(x)`` over every unit, ATE, and over the treated, ATT), per outcome.

Simulations (``n`` rows, covariates standard normal unless said otherwise, noise N(0, 1)):

* ``good_overlap``: ``tl.datasets.personalization`` as the demo gives it (both outcomes).
* ``poor_overlap``: strong selection, ``logit e = 2.6 x1 + 1.2 x2`` (scores routinely below
  0.02 and above 0.98); ``y0 = x1 + 0.5 x2 + 0.4 x1^2 + 0.5 x3``, ``tau = 1 + 0.5 x1``.
* ``misspecified_outcome``: linear-looking selection ``logit e = 0.6 x1 - 0.5 x2 + 0.4 x3``;
  outcome surface ``y0 = 2 sin(2 x1) + x2^2 + exp(x3 / 2) + x1 x4``, ``tau = 1 + 0.5 x2^2``.
* ``nonlinear_selection``: ``logit e = -0.4 + 1.6 [x1 > 0][x2 > 0] - 0.9 x1 x3 + 0.8 [x4 > 1]``;
  ``y0 = x1 + x2 + 0.5 x3 + 0.5 x4 + 0.5 x1 x2``, ``tau = 1 + 0.5 [x1 > 0]``.
* ``high_dim``: 60 covariates (x1..x60, pairwise correlation 0.2 within blocks of 10), selection
  on four of them, ``logit e = -0.3 + 1.2 [x1 > 0.5] + 0.7 x2 x3 - 0.4 x4^2 + 0.4 x4``; outcome
  ``y0 = 2 sin(x1) + 0.5 x2^2 + x3 x5 + 0.3 (x6 + ... + x10)``, ``tau = 1 + 0.5 [x1 > 0] + 0.3 x2``.

ACIC 2016 (instances of causallib's wheel, read by ``_acic.py``): replication ``r`` is a resample
of the 4,802 units (``subsample``: 80% without replacement; ``bootstrap``: with replacement, the
original row index passed as the id so that duplicates of a unit should share a cross-fitting
fold -- but ``truelift.nuisance.folds.hash_folds`` deals equal keys round-robin, so today the
copies land in different folds and leak into each other's out-of-fold predictions);
the truth is the mean of ``mu1 - mu0`` over the resample (ATE) and over its treated (ATT).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.special import expit

SIMULATIONS = ("good_overlap", "poor_overlap", "misspecified_outcome", "nonlinear_selection",
               "high_dim")


@dataclasses.dataclass(frozen=True)
class Case:
    """One drawn table, its roles for ``tl.observe`` and its sample truths per outcome."""

    name: str
    data: pd.DataFrame
    treatment: str
    outcomes: tuple[str, ...]
    covariates: tuple[str, ...]
    id: str
    ate: dict[str, float]
    att: dict[str, float]

    def truth(self, estimand: str) -> dict[str, float]:
        return {"ATE": self.ate, "ATT": self.att}[estimand]


def _frame(name: str, x: np.ndarray, e: np.ndarray, y0: np.ndarray, tau: np.ndarray,
           rng: np.random.Generator) -> Case:
    n = x.shape[0]
    t = (rng.random(n) < e).astype(np.int8)
    y = y0 + t * tau + rng.standard_normal(n)
    cols = [f"x{j + 1}" for j in range(x.shape[1])]
    df = pd.DataFrame(x, columns=cols)
    df.insert(0, "unit", np.arange(n))
    df["t"] = t
    df["y"] = y
    tb = t == 1
    return Case(name=name, data=df, treatment="t", outcomes=("y",), covariates=tuple(cols),
                id="unit", ate={"y": float(tau.mean())},
                att={"y": float(tau[tb].mean()) if tb.any() else float("nan")})


def good_overlap(n: int, rng: np.random.Generator) -> Case:
    from truelift.datasets import personalization

    df, truth = personalization(n=n, seed=rng)
    return Case(name="good_overlap", data=df, treatment="received_personalization",
                outcomes=("made_purchase", "revenue"),
                covariates=("engagement_score", "past_purchases", "account_age_days",
                            "device_type"),
                id="customer_id", ate=dict(truth.ate), att=dict(truth.att))


def poor_overlap(n: int, rng: np.random.Generator) -> Case:
    x = rng.standard_normal((n, 4))
    e = expit(2.6 * x[:, 0] + 1.2 * x[:, 1])
    y0 = x[:, 0] + 0.5 * x[:, 1] + 0.4 * x[:, 0] ** 2 + 0.5 * x[:, 2]
    tau = 1.0 + 0.5 * x[:, 0]
    return _frame("poor_overlap", x, e, y0, tau, rng)


def misspecified_outcome(n: int, rng: np.random.Generator) -> Case:
    x = rng.standard_normal((n, 5))
    e = expit(0.6 * x[:, 0] - 0.5 * x[:, 1] + 0.4 * x[:, 2])
    y0 = 2 * np.sin(2 * x[:, 0]) + x[:, 1] ** 2 + np.exp(x[:, 2] / 2) + x[:, 0] * x[:, 3]
    tau = 1.0 + 0.5 * x[:, 1] ** 2
    return _frame("misspecified_outcome", x, e, y0, tau, rng)


def nonlinear_selection(n: int, rng: np.random.Generator) -> Case:
    x = rng.standard_normal((n, 5))
    e = expit(-0.4 + 1.6 * (x[:, 0] > 0) * (x[:, 1] > 0) - 0.9 * x[:, 0] * x[:, 2]
              + 0.8 * (x[:, 3] > 1))
    y0 = x[:, 0] + x[:, 1] + 0.5 * x[:, 2] + 0.5 * x[:, 3] + 0.5 * x[:, 0] * x[:, 1]
    tau = 1.0 + 0.5 * (x[:, 0] > 0)
    return _frame("nonlinear_selection", x, e, y0, tau, rng)


def high_dim(n: int, rng: np.random.Generator, p: int = 60) -> Case:
    blocks = p // 10
    common = rng.standard_normal((n, blocks))
    x = np.sqrt(0.8) * rng.standard_normal((n, p)) + np.sqrt(0.2) * np.repeat(common, 10, axis=1)
    e = expit(-0.3 + 1.2 * (x[:, 0] > 0.5) + 0.7 * x[:, 1] * x[:, 2] - 0.4 * x[:, 3] ** 2
              + 0.4 * x[:, 3])
    y0 = (2 * np.sin(x[:, 0]) + 0.5 * x[:, 1] ** 2 + x[:, 2] * x[:, 4]
          + 0.3 * x[:, 5:10].sum(axis=1))
    tau = 1.0 + 0.5 * (x[:, 0] > 0) + 0.3 * x[:, 1]
    return _frame("high_dim", x, e, y0, tau, rng)


GENERATORS: dict[str, Callable[[int, np.random.Generator], Case]] = {
    "good_overlap": good_overlap, "poor_overlap": poor_overlap,
    "misspecified_outcome": misspecified_outcome, "nonlinear_selection": nonlinear_selection,
    "high_dim": high_dim,
}


@functools.lru_cache(maxsize=16)
def acic_instance(number: int) -> tuple[pd.DataFrame, list[str], list[str], np.ndarray]:
    """ACIC instance ``number``: table (covariates, z, y), covariates, categoricals, mu1 - mu0."""
    import zipfile

    import _acic

    inst = _acic.load(number)
    with zipfile.ZipFile(_acic.wheel_path()) as zf:
        zymu = _acic._read(zf, f"zymu_{number}.csv")
    tau = (zymu["mu1"] - zymu["mu0"]).to_numpy(dtype=float)
    return inst.data, inst.covariates, inst.categorical, tau


def acic_case(number: int, rng: np.random.Generator, resample: str = "bootstrap") -> Case:
    """A resample of ACIC instance ``number`` with its sample truths."""
    data, covs, _cat, tau = acic_instance(number)
    n = data.shape[0]
    if resample == "bootstrap":
        idx = rng.integers(0, n, n)
    elif resample == "subsample":
        idx = np.sort(rng.choice(n, size=int(0.8 * n), replace=False))
    elif resample == "none":
        idx = np.arange(n)
    else:
        raise ValueError(f"unknown resample {resample!r}")
    df = data.iloc[idx].reset_index(drop=True)
    df.insert(0, "unit", idx)
    z = df["z"].to_numpy() == 1
    tr = tau[idx]
    return Case(name=f"acic_{number}", data=df, treatment="z", outcomes=("y",),
                covariates=tuple(covs), id="unit", ate={"y": float(tr.mean())},
                att={"y": float(tr[z].mean())})
