"""Difference-in-differences data with known truth, and loaders for two published panels.

* :func:`staggered_panel`: units adopting a change at different periods (staggered cohorts) with
  effects that grow with time since adoption. The outcome is
  ``y_it = a_i + l_t + tau_it + e_it`` with unit effects ``a_i ~ N(cohort shift, 1)`` (adopters
  differ in level, which DiD allows), a common time path ``l_t``, noise ``e_it ~ N(0, noise^2)``
  and ``tau_it = effect + dynamic * (t - g_i)`` from the adoption period ``g_i`` on (0 before and
  for never-treated units). Parallel trends hold by construction, so the Callaway & Sant'Anna
  (2021) estimator is unbiased; two-way fixed effects is not, because it uses already-treated
  units (whose effect keeps growing) as controls for later adopters (Goodman-Bacon, 2021).
* :func:`two_by_two`: users of stores in two groups (treated, control), before and after a change
  in the treated stores; a store-level shock makes observations within a store correlated (the
  cluster).
* :func:`castle` and :func:`organ_donations`: the frames the ``causaldata`` package ships.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from truelift.datasets._personalization import Dataset


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class StaggeredTruth:
    """The true effects of a :func:`staggered_panel` draw.

    Attributes:
        att: the overall ATT as R's ``did`` "simple" aggregation defines it: the average of
            ``ATT(g, t)`` over post-adoption cells, weighted by the cohorts' sizes in this draw.
        dynamic: event time ``e >= 0`` -> ``ATT(e) = effect + dynamic * e``.
        att_gt: ``(g, t)`` -> ``ATT(g, t)`` for every post cell (periods as they appear in the data).
        cohorts: adoption period -> number of units.
        never_treated: units never treated.
    """

    att: float
    dynamic: Mapping[int, float]
    att_gt: Mapping[tuple[int, int], float]
    cohorts: Mapping[int, int]
    never_treated: int


def staggered_panel(*, units: int = 400, periods: int = 12, cohorts: Sequence[int] | int = (4, 7, 10),
                    effect: float = 1.0, dynamic: float = 0.3, never_share: float = 0.25,
                    noise: float = 1.0, seed: int = 0) -> Dataset:
    """A balanced panel with staggered adoption and effects growing with time since adoption.

    Args:
        units: number of units (``unit`` = 0..units-1).
        periods: number of periods (``period`` = 1..periods).
        cohorts: adoption periods (each in 2..periods), or a number of cohorts spread evenly over
            the middle of the panel.
        effect: the effect in the adoption period; ``dynamic``: its growth per period after.
        never_share: share of never-treated units; the rest split evenly across cohorts.
        noise: the idiosyncratic noise SD.
        seed: seed of ``numpy.random.default_rng``.

    Returns ``(data, truth)``; ``data`` has ``unit``, ``period``, ``treated`` (0/1, absorbing),
    ``cohort`` (adoption period, 0 for never treated) and ``y``.
    """
    rng = np.random.default_rng(seed)
    if isinstance(cohorts, int):
        lo, hi = max(2, periods // 4), max(2, periods - periods // 4)
        cohorts = sorted({round(float(x)) for x in np.linspace(lo, hi, cohorts)})
    cohorts = [int(c) for c in cohorts]
    if any(c < 2 or c > periods for c in cohorts):
        raise ValueError("every cohort must adopt in a period between 2 and periods")
    n_never = round(units * never_share)
    sizes = np.full(len(cohorts), (units - n_never) // len(cohorts))
    sizes[: (units - n_never) - sizes.sum()] += 1
    g = np.concatenate([np.zeros(n_never, dtype=int), np.repeat(cohorts, sizes)])
    g = rng.permutation(g)
    shift = np.where(g > 0, 0.5 * (g - np.mean(cohorts)) / max(periods, 1), 0.3)
    a = rng.normal(shift, 1.0)
    t = np.arange(1, periods + 1)
    lam = 0.15 * t + 0.5 * np.sin(t / 2.0)
    treated = (g[:, None] > 0) & (t[None, :] >= g[:, None])
    tau = np.where(treated, effect + dynamic * (t[None, :] - g[:, None]), 0.0)
    y = a[:, None] + lam[None, :] + tau + rng.normal(0.0, noise, size=(units, periods))
    data = pd.DataFrame({
        "unit": np.repeat(np.arange(units), periods),
        "period": np.tile(t, units),
        "treated": treated.ravel().astype(int),
        "cohort": np.repeat(g, periods),
        "y": y.ravel(),
    })
    counts = {c: int(np.sum(g == c)) for c in cohorts}
    att_gt = {(c, int(s)): effect + dynamic * (int(s) - c) for c in cohorts for s in t if s >= c}
    num = sum(counts[c] * v for (c, _), v in att_gt.items())
    den = sum(counts[c] for (c, _) in att_gt)
    dyn = {e: effect + dynamic * e for e in range(0, periods - min(cohorts) + 1)}
    truth = StaggeredTruth(att=float(num / den), dynamic=dyn, att_gt=att_gt, cohorts=counts,
                           never_treated=n_never)
    return Dataset(data=data, truth=truth)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class TwoByTwoTruth:
    """The truth of a :func:`two_by_two` draw: the effect on revenue per user in the treated stores
    after the change (``att``) and their expected revenue without it (``baseline``)."""

    att: float
    baseline: float


def two_by_two(*, users: int = 4000, stores: int = 40, effect: float = 2.0, base: float = 20.0,
               store_sd: float = 3.0, noise: float = 8.0,
               seed: int = 0) -> Dataset:
    """Users of ``stores`` stores (half treated) seen before or after a change (repeated cross-sections).

    Revenue per user is ``base + 1.5 (treated store) + 1.0 (after) + effect (treated and after) +
    u_store + u_store,after + e`` with ``u ~ N(0, store_sd^2)`` store shocks (the cluster) and
    ``e ~ N(0, noise^2)``. Returns ``(data, truth)``; ``data`` has ``user``, ``store``, ``group``
    ("treated"/"control"), ``period`` (0 before, 1 after), ``treated`` (1 for treated stores
    after the change) and ``revenue``.
    """
    rng = np.random.default_rng(seed)
    store = rng.integers(0, stores, size=users)
    period = rng.integers(0, 2, size=users)
    tr_store = np.arange(stores) < stores // 2
    u = rng.normal(0.0, store_sd, size=stores)
    u_after = rng.normal(0.0, store_sd / 2.0, size=stores)
    g = tr_store[store]
    d = (g & (period == 1)).astype(int)
    rev = (base + 1.5 * g + 1.0 * period + effect * d + u[store] + u_after[store] * period
           + rng.normal(0.0, noise, size=users))
    data = pd.DataFrame({"user": np.arange(users), "store": store,
                         "group": np.where(g, "treated", "control"), "period": period,
                         "treated": d, "revenue": rev})
    return Dataset(data=data, truth=TwoByTwoTruth(att=float(effect), baseline=float(base + 1.5 + 1.0)))


def castle() -> pd.DataFrame:
    """Castle-doctrine (stand-your-ground) laws and crime in 50 US states, 2000-2010.

    Source: Cheng, C. and Hoekstra, M. (2013), "Does strengthening self-defense law deter crime or
    escalate violence? Evidence from expansions to castle doctrine", Journal of Human Resources
    48(3); as shipped by the ``causaldata`` package (used in Cunningham, *Causal Inference: The
    Mixtape*, ch. 9). Key columns: ``sid`` (state), ``year``, ``post`` (law in effect),
    ``l_homicide`` (log homicide rate), ``popwt`` (population weight). A new frame on every call.
    """
    import causaldata

    return causaldata.castle.load_pandas().data.copy()


def organ_donations() -> pd.DataFrame:
    """Organ donation registration rates by US state and quarter, Q4 2010 - Q1 2012.

    Source: Kessler, J. B. and Roth, A. E. (2014), "Don't take 'no' for an answer: an experiment
    with actual organ donor registrations", NBER working paper 20378; as shipped by the
    ``causaldata`` package and used in Huntington-Klein, *The Effect* (2021), ch. 18. California
    switched to active-choice phrasing in Q3 2011 (``Quarter_Num`` 4). Columns: ``State``,
    ``Quarter``, ``Rate``, ``Quarter_Num``. A new frame on every call.
    """
    import causaldata

    return causaldata.organ_donations.load_pandas().data.copy()


def texas_prisons() -> pd.DataFrame:
    """Prison population by US state and year, 1985-2000, for the Texas prison-capacity synthetic
    control.

    Source: Cunningham, *Causal Inference: The Mixtape* (2021), ch. 10 (Texas expanded prison
    capacity in 1993; Cunningham & Kang); as shipped by the ``causaldata`` package (``texas``).
    Key columns: ``statefip`` (Texas is 48), ``year``, ``bmprison`` (black male prisoners). A new
    frame on every call.
    """
    import causaldata

    return causaldata.texas.load_pandas().data.copy()


__all__ = ["StaggeredTruth", "TwoByTwoTruth", "castle", "organ_donations", "staggered_panel",
           "two_by_two"]
