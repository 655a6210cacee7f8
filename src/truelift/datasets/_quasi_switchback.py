"""Simulated switchback tests with known truth: orders per period in one or more cities, with the
treatment switched on and off by randomized time slices.

The model (``p`` the period index, ``h = p mod periods_per_day`` the time of day, ``s(p)`` the
slice, ``d_s`` its arm and ``d_{s-1}`` the previous slice's arm in the same sequence)::

    orders_{c,p} = base * city_c * (1 + amp * sin(2 pi (h - periods_per_day / 4) / periods_per_day))
                   * (1 + weekend * 1[day of week >= 5])
                   + effect_{c,p} + e_{c,p},       e_{c,p} = ar * e_{c,p-1} + N(0, noise_sd^2)

with ``effect_{c,p} = effect * d_s`` except in the first ``carryover_periods`` periods of a slice,
where a share ``carryover`` of the previous slice's effect lingers:
``effect_{c,p} = effect * ((1 - carryover) * d_s + carryover * d_{s-1})``. When the previous slice
had the same arm this is ``effect * d_s``: carryover only shows after a switch. The first slice
has no previous arm and no carryover.

So the effect of sustained treatment is ``effect`` in every period, and a switchback analysis
that drops a washout of at least ``carryover_periods`` periods after each switch estimates it
without bias (Bojinov, Simchi-Levi and Zhao, 2023, "Design and analysis of switchback
experiments", Management Science). Without a washout, with arms drawn with probability 1/2, the
difference in means is biased by about ``-effect * carryover * min(carryover_periods, L) / L``
(``L = periods_per_slice``), since half the slices follow a switch.

Cities (``cities >= 1``) add a ``city`` column and a multiplicative city size ``city_c`` (drawn
lognormal, sigma 0.3; 1 without cities); they share one schedule (every city in a slice gets the
same arm) unless ``independent_cities=True``, when each city has its own randomized schedule.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from truelift.datasets._personalization import Dataset


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SwitchbackTruth:
    """The truth behind :func:`switchback_orders`.

    Attributes:
        effect: the effect of sustained treatment on orders per period (the estimand once the
            washout covers the carryover).
        carryover: share of the previous slice's effect that lingers after a switch.
        carryover_periods: how many periods the carryover lasts.
        periods_per_slice: slice length in periods.
        n_slices: slices per sequence (per city when ``independent_cities``).
        approx_bias_no_washout: ``-effect * carryover * min(carryover_periods, L) / L``, the
            approximate bias of the estimate without a washout when arms are drawn 50/50.
    """

    effect: float
    carryover: float
    carryover_periods: int
    periods_per_slice: int
    n_slices: int
    approx_bias_no_washout: float


def switchback_orders(*, days: int = 14, periods_per_day: int = 24, periods_per_slice: int = 4,
                      effect: float = 2.0, carryover: float = 0.0, carryover_periods: int = 1,
                      cities: int = 0, independent_cities: bool = False, base: float = 20.0,
                      amp: float = 0.3, weekend: float = 0.1, noise_sd: float = 3.0,
                      ar: float = 0.5, p_treat: float = 0.5, seed: int = 0) -> Dataset:
    """Generate a switchback test (see the module docstring); returns ``Dataset(data, truth)``.

    Columns: ``time`` (timestamps from 2024-01-01, ``periods_per_day`` periods a day),
    ``hour`` (the period of the day, 0 .. periods_per_day - 1), ``slice`` (the slice number
    within its sequence), ``treatment`` (0/1), ``orders`` (a continuous rate), and ``city``
    when ``cities >= 1``.
    """
    if days < 1 or periods_per_day < 1 or periods_per_slice < 1:
        raise ValueError("days, periods_per_day and periods_per_slice must be >= 1")
    if not 0.0 <= carryover <= 1.0:
        raise ValueError("carryover is a share of the previous slice's effect, in [0, 1]")
    if carryover_periods < 0:
        raise ValueError("carryover_periods must be >= 0")
    rng = np.random.default_rng(seed)
    n_periods = days * periods_per_day
    p = np.arange(n_periods)
    n_slices = -(-n_periods // periods_per_slice)
    s = p // periods_per_slice
    pos = p - s * periods_per_slice
    h = p % periods_per_day
    step = pd.Timedelta(days=1) / periods_per_day
    time = pd.Timestamp("2024-01-01") + step * p
    dow = (p // periods_per_day) % 7  # 2024-01-01 is a Monday
    season = (1 + amp * np.sin(2 * np.pi * (h - periods_per_day / 4) / periods_per_day)) \
        * (1 + weekend * (dow >= 5))

    n_seq = max(cities, 1)
    shared = rng.random(n_slices) < p_treat
    frames = []
    for c in range(n_seq):
        arms = (rng.random(n_slices) < p_treat) if independent_cities else shared
        arms = arms.astype(np.int8)
        d = arms[s]
        d_prev = np.where(s > 0, arms[np.maximum(s - 1, 0)], d)
        early = (pos < carryover_periods) & (s > 0)
        eff = np.where(early, effect * ((1 - carryover) * d + carryover * d_prev), effect * d)
        size = float(np.exp(rng.normal(0.0, 0.3))) if cities else 1.0
        shocks = rng.normal(0.0, noise_sd, n_periods)
        e = np.empty(n_periods)
        prev = shocks[0] / np.sqrt(max(1.0 - ar**2, 1e-12))
        for t in range(n_periods):
            prev = (ar * prev + shocks[t]) if t else prev
            e[t] = prev
        y = base * size * season + eff + e
        cols = {"time": time, "hour": h, "slice": s, "treatment": d, "orders": y}
        if cities:
            cols = {"city": np.full(n_periods, f"city_{c:02d}"), **cols}
        frames.append(pd.DataFrame(cols))
    data = pd.concat(frames, ignore_index=True)
    L = periods_per_slice
    truth = SwitchbackTruth(effect=effect, carryover=carryover, carryover_periods=carryover_periods,
                            periods_per_slice=L, n_slices=n_slices,
                            approx_bias_no_washout=-effect * carryover * min(carryover_periods, L) / L)
    return Dataset(data, truth)


__all__ = ["SwitchbackTruth", "switchback_orders"]
