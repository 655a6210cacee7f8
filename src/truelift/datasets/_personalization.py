"""A personalized-homepage rollout that was not random, with known truth.

Engaged, tenured, desktop customers with many past purchases are both more likely to get the
personalized homepage and more likely to buy anyway, so the naive comparison overstates the
lift (about 16.5% vs 25.4% purchase rate, "+54%") while the true effect is far smaller.

The model, with ``z`` standardized covariates and ``expit`` the logistic function:

* treatment: ``P(T=1 | x) = expit(a + 0.6 z_eng + 0.28 z_age + 0.2 z_past + 0.45 desktop - 0.1 tablet)``;
* purchase under control: ``p0(x) = expit(b + 0.34 z_eng + 0.11 z_age + 0.16 z_past + 0.16 desktop)``;
* purchase under treatment: ``p1(x) = expit(logit p0(x) + 0.17 + 0.10 z_eng)`` (heterogeneous);
* order value: ``AOV = exp(3.9 + 0.15 z_past + 0.5 N(0,1))``; revenue ``= purchase * AOV``.

The per-customer effect is the conditional effect ``tau(x) = p1(x) - p0(x)`` on purchase and
``tau(x) * E[AOV | x]`` on revenue. ``truth`` reports the sample averages of these over all
customers (ATE) and the treated (ATT), and the population values (a 2,000,000-customer draw).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy.special import expit

_A_T = -0.14
_B_Y = -1.55
_EFFECT_LOGIT = 0.17
_EFFECT_SLOPE = 0.10
_AOV_MU, _AOV_SIGMA = 3.9, 0.5


@dataclasses.dataclass(frozen=True, slots=True)
class Truth:
    """The known effects of the generator.

    ``ate``/``att`` are sample averages of the conditional effect (over all / over the treated);
    ``population_ate``/``population_att`` are the superpopulation values that the estimators'
    standard errors target. ``per_customer`` has ``customer_id``, ``propensity`` and the
    conditional effect on each outcome.
    """

    ate: dict[str, float]
    att: dict[str, float]
    population_ate: dict[str, float]
    population_att: dict[str, float]
    per_customer: pd.DataFrame


class Dataset(NamedTuple):
    """A generated table and its known truth, what every generator of :mod:`truelift.datasets`
    returns: ``data, truth = tl.datasets.personalization()`` or ``ds.data`` and ``ds.truth``.

    ``truth`` is the generator's own truth type (:class:`Truth` here, ``HomepageTruth``,
    ``GeoTruth``, ``StaggeredTruth``, ...), holding the effects the data were drawn with.
    """

    data: pd.DataFrame
    truth: Any


def _draw(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    eng = 100.0 * rng.beta(2.0, 3.0, size=n)
    z_eng = (eng - 40.0) / 20.0
    past = rng.poisson(np.exp(0.6 + 0.5 * z_eng))
    z_past = (np.log1p(past) - 1.1) / 0.6
    age = np.maximum(1.0, np.round(rng.gamma(2.0, 300.0, size=n)))
    z_age = (np.log(age) - 6.1) / 0.8
    device = rng.choice(np.array(["desktop", "mobile", "tablet"]), size=n, p=[0.45, 0.45, 0.10])
    desktop = (device == "desktop").astype(float)
    tablet = (device == "tablet").astype(float)
    e = expit(_A_T + 0.6 * z_eng + 0.28 * z_age + 0.2 * z_past + 0.45 * desktop - 0.1 * tablet)
    lp0 = _B_Y + 0.34 * z_eng + 0.11 * z_age + 0.16 * z_past + 0.16 * desktop
    p0 = expit(lp0)
    p1 = expit(lp0 + _EFFECT_LOGIT + _EFFECT_SLOPE * z_eng)
    aov_mean = np.exp(_AOV_MU + 0.15 * z_past + 0.5 * _AOV_SIGMA**2)
    return {"eng": eng, "past": past, "age": age, "device": device, "e": e, "p0": p0, "p1": p1,
            "aov_mean": aov_mean, "z_past": z_past}


@functools.lru_cache(maxsize=1)
def _population_truth() -> tuple[dict[str, float], dict[str, float]]:
    d = _draw(2_000_000, np.random.default_rng(20_091_961))
    tau_p = d["p1"] - d["p0"]
    tau_r = tau_p * d["aov_mean"]
    e = d["e"]
    ate = {"made_purchase": float(tau_p.mean()), "revenue": float(tau_r.mean())}
    att = {"made_purchase": float((e * tau_p).sum() / e.sum()),
           "revenue": float((e * tau_r).sum() / e.sum())}
    return ate, att


def personalization(n: int = 10_000, seed: int | np.random.Generator | None = 0) -> Dataset:
    """Generate a CDP-like table of a biased personalization rollout, with its known truth.

    Columns: ``customer_id``, ``received_personalization`` (0/1), ``made_purchase`` (0/1),
    ``revenue`` (dollars), ``engagement_score`` (0-100), ``past_purchases``,
    ``account_age_days``, ``device_type`` (desktop/mobile/tablet).

    Args:
        n: number of customers.
        seed: an integer seed or a ``numpy.random.Generator``; the same seed gives the same table.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    rng = np.random.default_rng(seed)
    d = _draw(n, rng)
    t = (rng.random(n) < d["e"]).astype(np.int8)
    u = rng.random(n)
    y0 = u < d["p0"]
    y1 = u < d["p1"]
    y = np.where(t == 1, y1, y0).astype(np.int8)
    aov = np.exp(_AOV_MU + 0.15 * d["z_past"] + _AOV_SIGMA * rng.standard_normal(n))
    revenue = np.round(y * aov, 2)
    ids = np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), 7))
    frame = pd.DataFrame({
        "customer_id": ids,
        "received_personalization": t,
        "made_purchase": y,
        "revenue": revenue,
        "engagement_score": np.round(d["eng"], 1),
        "past_purchases": d["past"].astype(np.int64),
        "account_age_days": d["age"].astype(np.int64),
        "device_type": d["device"],
    })
    tau_p = d["p1"] - d["p0"]
    tau_r = tau_p * d["aov_mean"]
    per = pd.DataFrame({"customer_id": ids, "propensity": d["e"],
                        "effect_made_purchase": tau_p, "effect_revenue": tau_r})
    treated = t == 1
    pop_ate, pop_att = _population_truth()
    truth = Truth(
        ate={"made_purchase": float(tau_p.mean()), "revenue": float(tau_r.mean())},
        att={"made_purchase": float(tau_p[treated].mean()) if treated.any() else float("nan"),
             "revenue": float(tau_r[treated].mean()) if treated.any() else float("nan")},
        population_ate=pop_ate,
        population_att=pop_att,
        per_customer=per,
    )
    return Dataset(frame, truth)


__all__ = ["Dataset", "Truth", "personalization"]
