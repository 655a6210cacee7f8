"""Simulated subscription tests with known lifetime value.

Model: ``n`` customers, assigned to ``"control"`` or ``"treatment"`` half and half at random. Every
customer is active in period 0 (sign-up) and, while active, stays active into the next period with
probability ``p_a`` (the arm's retention); once churned a customer never returns (geometric, or
shifted-geometric, lifetimes; Fader and Hardie, 2007, "How to project customer retention", Journal
of Interactive Marketing). An active customer pays a gamma-distributed amount with mean ``rev_a``
(shape 4, coefficient of variation 0.5); an inactive one pays 0. The table has one row per customer
and period ``0..periods-1``.

Truth: the share of assigned customers active in period ``t`` is ``p_a^t`` and the expected
revenue per assigned customer is ``m_t = rev_a p_a^t``, so the discounted lifetime value over ``H``
periods at discount rate ``d`` is::

    LTV_a(H, d) = rev_a sum_{t<H} (p_a / (1 + d))^t

which the estimator in :func:`truelift.impact.ltv.ltv` targets (its projection model is exactly
this one, so it is correctly specified here).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from truelift.datasets._personalization import Dataset

ARMS = ("control", "treatment")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class LTVTruth:
    """The truth behind :func:`subscription_test`.

    Attributes:
        retention: per-arm probability of staying active into the next period (control, treatment).
        revenue: per-arm mean revenue per active period (control, treatment).
        periods: periods simulated (0..periods-1).
        arms: the arm labels (control, treatment).
    """

    retention: tuple[float, float]
    revenue: tuple[float, float]
    periods: int
    arms: tuple[str, str] = ARMS

    def _index(self, arm: str) -> int:
        if arm not in self.arms:
            raise ValueError(f"unknown arm {arm!r}; one of {', '.join(self.arms)}")
        return self.arms.index(arm)

    def retention_curve(self, arm: str, periods: int | None = None) -> np.ndarray:
        """True share of the arm's customers active in each period ``t = 0..periods-1``: ``p^t``."""
        p = self.retention[self._index(arm)]
        return p ** np.arange(self.periods if periods is None else periods, dtype=float)

    def ltv(self, arm: str, horizon: int, discount: float = 0.0) -> float:
        """True discounted LTV per assigned customer: ``rev sum_{t<H} (p / (1 + d))^t``."""
        i = self._index(arm)
        ratio = self.retention[i] / (1.0 + discount)
        return float(self.revenue[i] * np.sum(ratio ** np.arange(horizon, dtype=float)))

    def incremental_ltv(self, horizon: int, discount: float = 0.0) -> float:
        """True incremental LTV per assigned customer, treatment minus control."""
        return self.ltv(self.arms[1], horizon, discount) - self.ltv(self.arms[0], horizon, discount)


def subscription_test(n: int = 5_000, periods: int = 6, *, seed: int = 0,
                      retention: tuple[float, float] = (0.80, 0.84),
                      revenue: tuple[float, float] = (20.0, 20.0)) -> Dataset:
    """A simulated subscription test: (data, truth).

    ``data`` has columns ``customer`` (int), ``period`` (0..periods-1), ``variant``
    (``"control"`` / ``"treatment"``) and ``revenue`` (0 when inactive), one row per customer and
    period. ``truth`` gives the true retention curves and LTV (see the module docstring).
    """
    if n < 2 or periods < 1:
        raise ValueError("n must be >= 2 and periods >= 1")
    if not all(0.0 <= p <= 1.0 for p in retention):
        raise ValueError("retention probabilities must be in [0, 1]")
    if not all(r >= 0 for r in revenue):
        raise ValueError("revenue must be >= 0")
    rng = np.random.default_rng(seed)
    arm = np.zeros(n, dtype=int)
    arm[rng.permutation(n)[: n // 2]] = 1
    p = np.asarray(retention, dtype=float)[arm]
    # lifetime L >= 1 periods: active in t < L; P(L > t) = p^t
    lifetime = np.where(p >= 1.0, periods, rng.geometric(np.clip(1.0 - p, 1e-12, 1.0)))
    t = np.arange(periods)
    active = t[None, :] < lifetime[:, None]
    mean_rev = np.asarray(revenue, dtype=float)[arm]
    amount = rng.gamma(4.0, 1.0, size=(n, periods)) * (mean_rev[:, None] / 4.0)
    rev = np.where(active, amount, 0.0)
    data = pd.DataFrame({
        "customer": np.repeat(np.arange(n), periods),
        "period": np.tile(t, n),
        "variant": np.repeat(np.asarray(ARMS, dtype=object)[arm], periods),
        "revenue": rev.ravel(),
    })
    truth = LTVTruth(retention=(float(retention[0]), float(retention[1])),
                     revenue=(float(revenue[0]), float(revenue[1])), periods=int(periods))
    return Dataset(data=data, truth=truth)


__all__ = ["LTVTruth", "subscription_test"]
