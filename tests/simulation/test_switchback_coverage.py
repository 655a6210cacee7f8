"""Switchback tests with known truth: carryover biases the estimate without a washout (the negative
control) and a washout as long as the carryover removes the bias; 95% CIs cover.

Design: 7 days of hourly periods, 4-hour slices (42 slices), true effect 2, AR(1) noise (0.5,
sd 3), hour fixed effects. With carryover (the first 2 periods after a switch answer to the
previous arm), the no-washout estimate is biased by about -1 (``truth.approx_bias_no_washout``).
80 replications (kept small: each analysis runs about six pyfixest fits): the Monte Carlo SE
of a 95% coverage is about 0.024, hence the wide band [0.87, 0.99];
the full-size run is benchmarks/coverage_switchback.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from truelift.datasets._quasi_switchback import switchback_orders
from truelift.quasi.switchback import switchback

REPS = 80


def _run(carryover: float, washout: int,
         reps: int = REPS) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Estimates and coverage with the washout (``head``) and without (``raw``) over ``reps`` seeds."""
    head, raw = [], []
    truth = None
    for seed in range(reps):
        data, truth = switchback_orders(days=7, carryover=carryover, carryover_periods=2, seed=1000 + seed)
        res = switchback(data, outcome="orders", time="time", treatment="treatment", slice="slice",
                         washout=washout, fixed_effects=("hour",))
        head.append(res.estimates[0])
        raw.append(res.estimates[-1])
    eff = truth.effect
    v_head = np.array([e.value for e in head])
    v_raw = np.array([e.value for e in raw])
    cover = np.array([[e.ci[0] <= eff <= e.ci[1] for e in head], [e.ci[0] <= eff <= e.ci[1] for e in raw]])
    return v_head, v_raw, cover.mean(axis=1), truth.approx_bias_no_washout


@pytest.mark.slow
def test_washout_removes_carryover_bias_and_covers():
    v_head, v_raw, cover, approx_bias = _run(carryover=1.0, washout=2)
    eff = 2.0
    mc_head = v_head.std(ddof=1) / np.sqrt(len(v_head))
    mc_raw = v_raw.std(ddof=1) / np.sqrt(len(v_raw))
    # with the washout: unbiased within 3.5 Monte Carlo SEs, coverage in the wide band
    assert abs(v_head.mean() - eff) < 3.5 * mc_head, (v_head.mean(), mc_head)
    assert 0.87 <= cover[0] <= 0.99, cover
    # negative control: without the washout the bias is there (about -1) and coverage collapses
    assert v_raw.mean() - eff < approx_bias / 2, (v_raw.mean(), approx_bias)
    assert abs(v_raw.mean() - eff) > 3.5 * mc_raw
    assert cover[1] < 0.80, cover
