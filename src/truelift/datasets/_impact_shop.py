"""A randomized shop test with known stage-wise effects, for the impact analyses.

``shop_test`` draws one row per customer of an A/B(/n) test. Every customer of arm ``a`` goes
through a nested funnel visit -> view -> cart -> checkout -> purchase: the first stage is reached
with probability ``steps[a][0]`` and stage ``k`` given stage ``k - 1`` with probability
``steps[a][k]`` (independently of everything else), so the true step conversions are those
numbers and the true reach of stage ``k`` is their product. A purchaser places
``1 + Poisson(extra_orders[a])`` orders (so the true orders per converter is
``f = 1 + extra_orders``) and each order's value is lognormal with log-mean ``log_value[a]`` and
log-sd ``sigma[a]`` (true average order value ``v = exp(log_value + sigma**2 / 2)``). Revenue is
the sum of the customer's order values; the true revenue per customer is ``RPC = c f v`` with
``c`` the reach of the purchase stage.

The default treatment lifts the view -> cart step (0.30 -> 0.36), slightly lowers checkout
(0.60 -> 0.58), adds orders per converter (1.30 -> 1.36) and lowers the order value by about 4%,
so conversion and orders move with the total while the order value moves against it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from truelift.datasets._personalization import Dataset

STAGES = ("visit", "view", "cart", "checkout", "purchase")
COMPONENTS = ("conversion", "orders_per_converter", "order_value")

DEFAULT_EFFECTS: dict[str, dict[str, Any]] = {
    "control": {"steps": (0.60, 0.50, 0.30, 0.60, 0.70), "extra_orders": 0.30, "log_value": 3.80,
                "sigma": 0.50},
    "treatment": {"steps": (0.60, 0.52, 0.36, 0.58, 0.70), "extra_orders": 0.36, "log_value": 3.76,
                  "sigma": 0.50},
}
"""Per arm: step probabilities of the five stages, mean extra orders of a converter (Poisson),
log-mean and log-sd of an order's value. The first arm is control."""


@dataclasses.dataclass(frozen=True, slots=True)
class ShopTruth:
    """The true values of :func:`shop_test`.

    ``step[a]`` and ``reach[a]`` are per stage; ``conversion[a]`` is the purchase reach,
    ``orders_per_converter[a]`` and ``order_value[a]`` the other two components, ``rpc[a]``
    revenue per customer. ``ratio[a]`` maps each component (and ``"rpc"``) to its ratio arm /
    control; ``contribution[a]`` the LMDI split of the true RPC lift into the three components
    (``dRPC * ln(ratio_k) / ln(ratio_rpc)``, Ang 2004).
    """

    control: str
    stages: tuple[str, ...]
    step: Mapping[str, tuple[float, ...]]
    reach: Mapping[str, tuple[float, ...]]
    conversion: Mapping[str, float]
    orders_per_converter: Mapping[str, float]
    order_value: Mapping[str, float]
    rpc: Mapping[str, float]
    ratio: Mapping[str, Mapping[str, float]]
    contribution: Mapping[str, Mapping[str, float]]


def _truth(effects: Mapping[str, Mapping[str, Any]]) -> ShopTruth:
    arms = list(effects)
    control = arms[0]
    step = {a: tuple(float(p) for p in effects[a]["steps"]) for a in arms}
    reach = {a: tuple(float(x) for x in np.cumprod(step[a])) for a in arms}
    conv = {a: reach[a][-1] for a in arms}
    f = {a: 1.0 + float(effects[a]["extra_orders"]) for a in arms}
    v = {a: math.exp(float(effects[a]["log_value"]) + float(effects[a]["sigma"]) ** 2 / 2.0) for a in arms}
    rpc = {a: conv[a] * f[a] * v[a] for a in arms}
    ratio: dict[str, dict[str, float]] = {}
    contribution: dict[str, dict[str, float]] = {}
    for a in arms[1:]:
        ratio[a] = {"conversion": conv[a] / conv[control],
                    "orders_per_converter": f[a] / f[control],
                    "order_value": v[a] / v[control], "rpc": rpc[a] / rpc[control]}
        s = math.log(ratio[a]["rpc"])
        d = rpc[a] - rpc[control]
        lm = d / s if s != 0.0 else rpc[control]
        contribution[a] = {k: lm * math.log(ratio[a][k]) for k in COMPONENTS}
    return ShopTruth(control=control, stages=STAGES, step=step, reach=reach, conversion=conv,
                     orders_per_converter=f, order_value=v, rpc=rpc, ratio=ratio, contribution=contribution)


def shop_test(n: int = 20_000, *, seed: int = 0, effects: Mapping[str, Mapping[str, Any]] | None = None
              ) -> Dataset:
    """Draw ``n`` customers of a randomized shop test (see the module docstring).

    Args:
        n: customers in all arms together; the arms get equal shares (balanced, shuffled).
        seed: seed of ``numpy.random.default_rng``.
        effects: per arm (first = control) a mapping with ``steps`` (five step probabilities),
            ``extra_orders``, ``log_value`` and ``sigma``; :data:`DEFAULT_EFFECTS` by default.

    Returns:
        ``(data, truth)``: columns ``customer_id``, ``arm``, the five 0/1 stages, ``orders`` and
        ``revenue``; and the :class:`ShopTruth`.
    """
    effects = DEFAULT_EFFECTS if effects is None else effects
    if len(effects) < 2:
        raise ValueError("effects: give control and at least one treatment arm")
    for a, e in effects.items():
        if len(e["steps"]) != len(STAGES) or not all(0.0 < p <= 1.0 for p in e["steps"]):
            raise ValueError(f"effects[{a!r}]['steps']: five probabilities in (0, 1]")
    rng = np.random.default_rng(seed)
    arms = list(effects)
    arm_idx = rng.permutation(np.arange(int(n)) % len(arms))
    steps = np.array([effects[a]["steps"] for a in arms], dtype=float)[arm_idx]  # n x 5
    u = rng.random((int(n), len(STAGES)))
    reached = np.cumprod(u < steps, axis=1).astype(np.int8)
    purchased = reached[:, -1].astype(bool)
    extra = np.array([effects[a]["extra_orders"] for a in arms], dtype=float)[arm_idx]
    orders = np.where(purchased, 1 + rng.poisson(extra), 0).astype(np.int64)
    mu = np.array([effects[a]["log_value"] for a in arms], dtype=float)[arm_idx]
    sd = np.array([effects[a]["sigma"] for a in arms], dtype=float)[arm_idx]
    owner = np.repeat(np.arange(int(n)), orders)
    values = rng.lognormal(mu[owner], sd[owner])
    revenue = np.bincount(owner, weights=values, minlength=int(n))
    data = pd.DataFrame({"customer_id": np.arange(int(n)), "arm": np.array(arms, dtype=object)[arm_idx]})
    for k, s in enumerate(STAGES):
        data[s] = reached[:, k]
    data["orders"] = orders
    data["revenue"] = revenue
    return Dataset(data=data, truth=_truth(effects))


__all__ = ["DEFAULT_EFFECTS", "STAGES", "ShopTruth", "shop_test"]
