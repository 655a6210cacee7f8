"""A simulated region x day panel for geo experiments, with a known lift.

Region ``r`` (``r = 0..R-1``) has a size ``s_r = exp(N(log 5000, 0.8^2))`` users a day, a linear trend
``g_r ~ N(0, 0.10)`` (relative change over the whole panel), a spend per user ``m_r = 0.5 exp(N(0, 0.15^2))``
and a weekly pattern shared by all regions, ``w(t) = 1 + 0.15 sin(2 pi t / 7) + 0.05 cos(4 pi t / 7)``.
On day ``t`` (``t = 0..T-1``, ``T = pre_days + test_days``):

* users: ``U_rt = round(s_r (1 + g_r t / T) w(t) exp(N(0, 0.03^2)))``;
* revenue: ``Y_rt = U_rt m_r (1 + lift D_rt) (1 + e_rt)``, ``e_rt ~ N(0, 0.05^2)``, where
  ``D_rt = 1`` for treated regions on test days (``t >= pre_days``).

The region structure (sizes, trends, spend) comes from ``seed``; the daily noise from ``noise_seed``
(default ``seed``), so the same regions can be redrawn with fresh noise. ``truth`` holds the sample
effects without the noise term: the ATT per region-day ``mean_{D=1} U m lift (1 + e)`` (computed
with the noise actually drawn, so it is exactly the added revenue) and per user
``sum_{D=1} U m lift (1 + e) / sum_{D=1} U``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from truelift.datasets._personalization import Dataset

FIRST_DAY = pd.Timestamp("2024-01-01")


@dataclasses.dataclass(frozen=True, slots=True)
class GeoTruth:
    """The known effects of :func:`geo_panel` (see the module docstring)."""

    lift: float
    att_region_day: float
    att_per_user: float
    treated_regions: tuple[str, ...]
    start: pd.Timestamp


GeoData = Dataset
"""A geo panel (columns ``region``, ``date``, ``users``, ``revenue``, ``treated``) and its
:class:`GeoTruth`: the :class:`~truelift.datasets.Dataset` every generator returns."""


def geo_panel(regions: int = 40, pre_days: int = 84, test_days: int = 28, *, lift: float = 0.05,
              treated_share: float = 0.5, treated: Sequence[str] | None = None, seed: int = 0,
              noise_seed: int | None = None) -> GeoData:
    """Simulate a region x day panel (see the module docstring).

    ``test_days=0`` gives history only (no treatment). ``treated`` names the treated regions
    (labels ``"R00"``, ``"R01"``, ...); by default a random ``treated_share`` of them, drawn from
    ``seed``. ``treated`` (0/1) marks the treated regions on every day.
    """
    if regions < 2 or pre_days < 1 or test_days < 0:
        raise ValueError("need regions >= 2, pre_days >= 1 and test_days >= 0")
    rng = np.random.default_rng(seed)
    names = np.array([f"R{i:02d}" for i in range(regions)])
    size = np.exp(rng.normal(np.log(5000.0), 0.8, regions))
    trend = rng.normal(0.0, 0.10, regions)
    spend = 0.5 * np.exp(rng.normal(0.0, 0.15, regions))
    if treated is None:
        k = max(1, round(treated_share * regions))
        arm = np.zeros(regions, dtype=np.int8)
        arm[rng.choice(regions, size=k, replace=False)] = 1
    else:
        unknown = set(treated) - set(names)
        if unknown:
            raise ValueError(f"unknown regions {sorted(unknown)[:3]}")
        arm = np.isin(names, list(treated)).astype(np.int8)

    noise = np.random.default_rng(seed if noise_seed is None else noise_seed)
    days = pre_days + test_days
    t = np.arange(days)
    week = 1.0 + 0.15 * np.sin(2 * np.pi * t / 7) + 0.05 * np.cos(4 * np.pi * t / 7)
    base = size[:, None] * (1.0 + trend[:, None] * t[None, :] / days) * week[None, :]
    users = np.round(base * np.exp(noise.normal(0.0, 0.03, (regions, days))))
    users = np.maximum(users, 1.0)
    eps = noise.normal(0.0, 0.05, (regions, days))
    d = (arm[:, None] == 1) & (t[None, :] >= pre_days)
    added = users * spend[:, None] * lift * (1.0 + eps) * d
    revenue = users * spend[:, None] * (1.0 + eps) + added
    dates = FIRST_DAY + pd.to_timedelta(t, unit="D")
    frame = pd.DataFrame({
        "region": np.repeat(names, days),
        "date": np.tile(dates, regions),
        "users": users.ravel().astype(np.int64),
        "revenue": revenue.ravel(),
        "treated": np.repeat(arm, days),
    })
    att_rd = float(added[d].mean()) if d.any() else 0.0
    att_user = float(added[d].sum() / users[d].sum()) if d.any() else 0.0
    truth = GeoTruth(lift=float(lift), att_region_day=att_rd, att_per_user=att_user,
                     treated_regions=tuple(names[arm == 1]), start=FIRST_DAY + pd.Timedelta(days=pre_days))
    return Dataset(data=frame, truth=truth)


__all__ = ["GeoData", "GeoTruth", "geo_panel"]
