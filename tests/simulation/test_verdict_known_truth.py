"""The observational verdict on known truth: it must not FAIL a right answer, and must flag a bad case.

A reduced form of ``benchmarks/verdict_observational.py``: the default pipeline
(``tl.observe(..., id=..., method="all", seed=rep)``, refutations on) on 4 replications of

* a sound case: selection depending on interactions and thresholds, a nonlinear-ish outcome,
  n = 2,000 (AIPW's 95% interval covers the sample ATE); the verdict must never be FAIL;
* an unsound case: near-separation (``logit e = 4 x1``), an outcome surface that bends where only
  one arm has data, n = 1,000; the verdict must be WARN or FAIL.

Measured on 6 seeds (0-5) when the test was written: the sound case's AIPW interval covered the
sample ATE 6 of 6 times (mean |error| 0.05), every verdict WARN (estimator agreement), the naive
interval missed 6 of 6 (bias about +0.85); the unsound case's AIPW errors were 0.06-0.63 (one
miss in 6, wide intervals) and every verdict FAIL, with ``share_extreme_propensity`` FAIL in 6 of
6 (it was ``ok`` in 6 of 6 on the sound case). About 10 s of CPU.

Negative controls, so each check is shown able to fail: the naive difference on the sound case's
tables misses the truth (so the coverage check is not vacuous), and the overlap diagnostic that
fails the unsound case is ``ok`` on the sound one (so the flag is not raised on everything).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

import truelift as tl

pytestmark = pytest.mark.slow

REPS = 4


def _table(x: np.ndarray, e: np.ndarray, y0: np.ndarray, tau: np.ndarray,
           rng: np.random.Generator) -> tuple[pd.DataFrame, float]:
    n = x.shape[0]
    t = (rng.random(n) < e).astype(int)
    df = pd.DataFrame(x, columns=[f"x{j + 1}" for j in range(x.shape[1])])
    df["unit"] = np.arange(n)
    df["t"] = t
    df["y"] = y0 + t * tau + rng.standard_normal(n)
    return df, float(tau.mean())


def _sound(rep: int) -> tuple[pd.DataFrame, float]:
    rng = np.random.default_rng([11, rep])
    x = rng.standard_normal((2_000, 4))
    e = expit(-0.4 + 1.6 * (x[:, 0] > 0) * (x[:, 1] > 0) - 0.9 * x[:, 0] * x[:, 2]
              + 0.8 * (x[:, 3] > 1))
    y0 = 2 * x[:, 0] + x[:, 1] + 0.5 * x[:, 2] + 0.5 * x[:, 3] + 0.5 * x[:, 0] * x[:, 1]
    return _table(x, e, y0, 1.0 + 0.5 * (x[:, 0] > 0), rng)


def _unsound(rep: int) -> tuple[pd.DataFrame, float]:
    rng = np.random.default_rng([12, rep])
    x = rng.standard_normal((1_000, 3))
    e = expit(4.0 * x[:, 0])
    y0 = x[:, 0] + 1.5 * np.maximum(x[:, 0], 0) ** 2 + 0.5 * x[:, 1]
    return _table(x, e, y0, 1.0 + x[:, 0] ** 2, rng)


def _run(make, rep: int):
    df, truth = make(rep)
    res = tl.observe(df, treatment="t", outcome="y", covariates=[c for c in df if c[0] == "x"],
                     unit="unit", estimand="ATE", method="all", seed=rep)
    return res, truth


@pytest.fixture(scope="module")
def sound_runs():
    return [_run(_sound, rep) for rep in range(REPS)]


@pytest.fixture(scope="module")
def unsound_runs():
    return [_run(_unsound, rep) for rep in range(REPS)]


def _covers(ci: tuple[float, float], truth: float) -> bool:
    return ci[0] <= truth <= ci[1]


def _status(res, name: str) -> str:
    return next(str(d.status.value) for d in res.diagnostics if d.name == name)


def test_sound_case_is_right_and_never_failed(sound_runs):
    covered = [_covers(res.estimate("y").ci, truth) for res, truth in sound_runs]
    assert sum(covered) >= REPS - 1  # AIPW is right here
    verdicts = [str(res.verdict.status.value) for res, _ in sound_runs]
    assert "fail" not in verdicts, [res.verdict.reasons for res, _ in sound_runs]


def test_negative_control_naive_misses_on_the_sound_case(sound_runs):
    missed = [not _covers(res.naive[0].ci, truth) for res, truth in sound_runs]
    assert all(missed)


def test_unsound_case_is_flagged(unsound_runs):
    verdicts = [str(res.verdict.status.value) for res, _ in unsound_runs]
    assert set(verdicts) <= {"warn", "fail"}
    assert all(_status(res, "share_extreme_propensity") == "fail" for res, _ in unsound_runs)


def test_negative_control_overlap_flag_is_ok_on_the_sound_case(sound_runs):
    assert all(_status(res, "share_extreme_propensity") == "ok" for res, _ in sound_runs)
