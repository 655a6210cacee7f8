"""A coupon / e-mail campaign for uplift modelling, with a known effect for every customer.

Each customer has covariates ``x1..xp`` (``p = covariates >= 6``); the first six carry the signal:

* ``x1 ~ N(0, 1)`` (engagement): drives the baseline **and** the effect (through the reach below);
* ``x2 ~ N(0, 1)`` (spend level): drives the baseline and the basket size only;
* ``x3 ~ Bernoulli(0.35)`` (loyalty member): drives the baseline only;
* ``x4 ~ N(0, 1)`` (price sensitivity): drives the effect only (up for the first treatment arm,
  down for the second);
* ``x5 ~ Bernoulli(0.2)`` (contact-fatigued): drives the effect only (strongly negative: the
  sleeping dogs);
* ``x6 ~ Bernoulli(0.5)`` (app user): drives the baseline and the second treatment arm's effect;
* ``x7, x8, ...`` are pure noise, alternately ``N(0, 1)`` and ``Bernoulli(0.5)``.

With ``expit`` the logistic function and arm ``k`` (0 = control, the first label of ``arms``):

* conversion under control: ``p0(x) = expit(-1.3 + 1.3 x1 + 0.6 x2 + 0.7 x3 + 0.4 x6)``;
* conversion under treatment arm ``k``: ``p_k(x) = expit(logit p0(x) + g_k(x))`` with
  ``g_k = r(x1) h_k - 2.0 x5``, where ``r(x1) = expit(2.5 (x1 + 1.0)) expit(2.5 (0.6 - x1))`` is the
  reach (the disengaged ignore the campaign and the most engaged buy anyway), ``h_1 = 1.0 + 0.6 x4``
  and ``h_2 = 0.6 - 0.6 x4 + 1.0 x6`` (the first treatment helps the price-sensitive, the second app
  users and the price-insensitive; both annoy the contact-fatigued, who become sleeping dogs);
* basket: ``B = exp(3.6 + 0.3 x2 + 1.0 N(0, 1))`` (heavy-tailed, unaffected by treatment), drawn
  once per customer; ``revenue = converted * B``, rounded to cents;
* potential outcomes share one uniform: ``converted_k = U < p_k(x)``.

The per-customer effects of arm ``k`` are ``cate_converted = p_k(x) - p0(x)`` and
``cate_revenue = (p_k(x) - p0(x)) E[B | x]`` with ``E[B | x] = exp(3.6 + 0.3 x2 + 0.5)``.
Every customer is labelled per treatment arm by the true effect ``tau`` and baseline ``p0``:
``"persuadable"`` if ``tau >= 0.05``, ``"sleeping dog"`` if ``tau <= -0.02``, otherwise
``"sure thing"`` if ``p0 >= 0.5`` and ``"lost cause"`` if ``p0 < 0.5``.

Assignment: randomized with the planned ``shares`` (equal by default) when ``confounded=False``.
When ``confounded=True`` the marketer targets engaged loyalty members, who buy more anyway and
are less persuadable: ``e_k(x) = 0.05 + (1 - 0.05 K) softmax_k(s(x))`` over the ``K`` arms, with
``s_0 = 0`` and ``s_k = -0.3 + 1.0 x1 + 0.8 x3`` for every treatment arm, so every propensity lies in
``[0.05, 0.95]`` and the naive difference in means overstates the effect.

``truth`` reports, per treatment arm and outcome, the sample average of the per-customer effect
(``ate``) and the population value (``population_ate``), computed by Gauss-Hermite quadrature over
``(x1, x2, x4)`` (60 nodes each; cached) and exact sums over ``(x3, x5, x6)``, with
relative error below 1e-6.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import expit

from truelift.datasets._personalization import Dataset

GROUPS = ("persuadable", "sure thing", "lost cause", "sleeping dog")
PERSUADABLE_MIN = 0.05
SLEEPING_DOG_MAX = -0.02
SURE_THING_MIN_P0 = 0.5
OUTCOMES = ("converted", "revenue")

_N_SIGNAL = 6
_P_X3, _P_X5, _P_X6 = 0.35, 0.2, 0.5
_B0 = np.array([-1.3, 1.3, 0.6, 0.7, 0.4])  # intercept, x1, x2, x3, x6
# h_k of the treatment arms: intercept, x4, x6; then the x5 effect and the reach r(x1)
_G = np.array([[1.0, 0.6, 0.0],
               [0.6, -0.6, 1.0]])
_G_X5 = -2.0
_W_SLOPE, _W_LO, _W_HI = 2.5, -1.0, 0.6
_BASKET_MU, _BASKET_X2, _BASKET_SIGMA = 3.6, 0.3, 1.0
_EPS = 0.05
_S0, _S_X1, _S_X3 = -0.3, 1.0, 0.8
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(60)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


@dataclasses.dataclass(frozen=True, slots=True)
class UpliftTruth:
    """The known effects of :func:`coupon_campaign`.

    ``ate[arm][outcome]`` is the sample average of the per-customer effect of treatment ``arm``
    against control on ``outcome`` (``"converted"`` or ``"revenue"``); ``population_ate`` the
    superpopulation value. ``per_customer`` has ``customer_id``, ``propensity_<arm>`` for every arm,
    ``p0`` and ``p_<arm>`` (conversion probabilities under control and each treatment arm),
    ``cate_converted_<arm>``, ``cate_revenue_<arm>`` and ``group_<arm>`` (one of :data:`GROUPS`)
    for every treatment arm. ``shares`` is the planned split (the average propensity when
    ``confounded``).
    """

    control: str
    treatments: tuple[str, ...]
    confounded: bool
    shares: dict[str, float]
    ate: dict[str, dict[str, float]]
    population_ate: dict[str, dict[str, float]]
    per_customer: pd.DataFrame

    def group_shares(self, arm: str | None = None) -> dict[str, float]:
        """Share of customers in each true group for ``arm`` (default: the first treatment)."""
        arm = self.treatments[0] if arm is None else arm
        counts = self.per_customer[f"group_{arm}"].value_counts(normalize=True)
        return {g: float(counts.get(g, 0.0)) for g in GROUPS}


def _baseline_logit(x1: np.ndarray, x2: np.ndarray, x3: np.ndarray, x6: np.ndarray) -> np.ndarray:
    return _B0[0] + _B0[1] * x1 + _B0[2] * x2 + _B0[3] * x3 + _B0[4] * x6


def _effect_logit(k: int, x1: np.ndarray, x4: np.ndarray, x5: np.ndarray, x6: np.ndarray) -> np.ndarray:
    g = _G[k - 1]
    reach = expit(_W_SLOPE * (x1 - _W_LO)) * expit(_W_SLOPE * (_W_HI - x1))
    return reach * (g[0] + g[1] * x4 + g[2] * x6) + _G_X5 * x5


def _basket_mean(x2: np.ndarray) -> np.ndarray:
    return np.exp(_BASKET_MU + _BASKET_X2 * x2 + 0.5 * _BASKET_SIGMA**2)


@functools.lru_cache(maxsize=1)
def _population_ate() -> tuple[dict[str, float], ...]:
    """Population effect of each treatment arm (index 1, 2) by quadrature; cached."""
    z1, z2, z4 = np.meshgrid(_NODES, _NODES, _NODES, indexing="ij")
    w = (_WEIGHTS[:, None, None] * _WEIGHTS[None, :, None] * _WEIGHTS[None, None, :]).ravel()
    z1, z2, z4 = z1.ravel(), z2.ravel(), z4.ravel()
    out: list[dict[str, float]] = []
    for k in range(1, len(_G) + 1):
        conv = rev = 0.0
        for b3 in (0, 1):
            for b5 in (0, 1):
                for b6 in (0, 1):
                    pw = ((_P_X3 if b3 else 1 - _P_X3) * (_P_X5 if b5 else 1 - _P_X5)
                          * (_P_X6 if b6 else 1 - _P_X6))
                    lp0 = _baseline_logit(z1, z2, b3, b6)
                    tau = expit(lp0 + _effect_logit(k, z1, z4, b5, b6)) - expit(lp0)
                    conv += pw * float(w @ tau)
                    rev += pw * float(w @ (tau * _basket_mean(z2)))
        out.append({"converted": conv, "revenue": rev})
    return tuple(out)


def _groups(tau: np.ndarray, p0: np.ndarray) -> np.ndarray:
    labels = np.where(p0 >= SURE_THING_MIN_P0, GROUPS[1], GROUPS[2]).astype(object)
    labels[tau >= PERSUADABLE_MIN] = GROUPS[0]
    labels[tau <= SLEEPING_DOG_MAX] = GROUPS[3]
    return labels


def _check(n: int, arms: Sequence[str], covariates: int, shares: Sequence[float] | None) -> None:
    if n < 1:
        raise ValueError("n must be at least 1")
    if len(arms) not in (2, 3) or len(set(arms)) != len(arms):
        raise ValueError("arms must be 2 or 3 distinct labels, control first")
    if covariates < _N_SIGNAL:
        raise ValueError(f"covariates must be at least {_N_SIGNAL}")
    if shares is not None:
        s = np.asarray(shares, dtype=float)
        if s.shape != (len(arms),) or np.any(s <= 0) or not np.isclose(s.sum(), 1.0):
            raise ValueError("shares must be one positive number per arm, summing to 1")


def coupon_campaign(n: int = 20_000, *, seed: int | np.random.Generator | None = 0,
                    arms: Sequence[str] = ("control", "coupon"), confounded: bool = False,
                    covariates: int = 10, shares: Sequence[float] | None = None) -> Dataset:
    """Generate a coupon / e-mail campaign for uplift modelling, with the known effect per customer.

    Columns: ``customer_id``, ``arm`` (a label of ``arms``), ``x1..x{covariates}`` (float; the
    binary ones are 0.0/1.0), ``converted`` (0/1) and ``revenue`` (>= 0, 0 unless converted). The
    model, the group thresholds and the assignment are in the module docstring; ``truth`` is an
    :class:`UpliftTruth`.

    Args:
        n: number of customers.
        seed: an integer seed or a ``numpy.random.Generator``; the same seed gives the same table.
        arms: the arm labels, control first; 2 or 3 arms, e.g. ``("control", "email_a", "email_b")``.
        confounded: assignment depends on ``x1`` and ``x3``, which also drive conversion; otherwise
            randomized.
        covariates: number of covariates, at least 6 (the rest are noise).
        shares: the planned split when randomized (equal by default); ignored when ``confounded``.
    """
    _check(n, arms, covariates, shares)
    arms = tuple(arms)
    k_arms = len(arms)
    rng = np.random.default_rng(seed)
    x = np.empty((n, covariates))
    normal = np.ones(covariates, dtype=bool)
    normal[[2, 4, 5]] = False
    normal[_N_SIGNAL + 1::2] = False
    x[:, normal] = rng.standard_normal((n, int(normal.sum())))
    p_bin = np.full(covariates, 0.5)
    p_bin[[2, 4, 5]] = (_P_X3, _P_X5, _P_X6)
    x[:, ~normal] = (rng.random((n, int((~normal).sum()))) < p_bin[~normal]).astype(float)
    x1, x2, x3, x4, x5, x6 = x[:, :_N_SIGNAL].T

    lp0 = _baseline_logit(x1, x2, x3, x6)
    p = np.empty((n, k_arms))
    p[:, 0] = expit(lp0)
    for k in range(1, k_arms):
        p[:, k] = expit(lp0 + _effect_logit(k, x1, x4, x5, x6))

    if confounded:
        s = np.zeros((n, k_arms))
        s[:, 1:] = (_S0 + _S_X1 * x1 + _S_X3 * x3)[:, None]
        s = np.exp(s - s.max(axis=1, keepdims=True))
        e = _EPS + (1 - _EPS * k_arms) * s / s.sum(axis=1, keepdims=True)
    else:
        planned = np.full(k_arms, 1.0 / k_arms) if shares is None else np.asarray(shares, dtype=float)
        e = np.broadcast_to(planned, (n, k_arms)).copy()
    cum = np.cumsum(e, axis=1)
    arm = np.minimum((rng.random(n)[:, None] >= cum).sum(axis=1), k_arms - 1)

    u = rng.random(n)
    converted = (u < p[np.arange(n), arm]).astype(np.int8)
    basket = np.exp(_BASKET_MU + _BASKET_X2 * x2 + _BASKET_SIGMA * rng.standard_normal(n))
    revenue = np.round(converted * basket, 2)

    ids = np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), 7))
    frame = pd.DataFrame({"customer_id": ids, "arm": np.asarray(arms, dtype=object)[arm]})
    frame = pd.concat([frame, pd.DataFrame(x, columns=[f"x{j + 1}" for j in range(covariates)])], axis=1)
    frame["converted"] = converted
    frame["revenue"] = revenue

    basket_mean = _basket_mean(x2)
    per: dict[str, np.ndarray] = {"customer_id": ids}
    per.update({f"propensity_{a}": e[:, j] for j, a in enumerate(arms)})
    per["p0"] = p[:, 0]
    ate: dict[str, dict[str, float]] = {}
    pop = _population_ate()
    for k in range(1, k_arms):
        a = arms[k]
        tau = p[:, k] - p[:, 0]
        tau_r = tau * basket_mean
        per[f"p_{a}"] = p[:, k]
        per[f"cate_converted_{a}"] = tau
        per[f"cate_revenue_{a}"] = tau_r
        per[f"group_{a}"] = _groups(tau, p[:, 0])
        ate[a] = {"converted": float(tau.mean()), "revenue": float(tau_r.mean())}
    truth = UpliftTruth(
        control=arms[0],
        treatments=arms[1:],
        confounded=confounded,
        shares={a: float(v) for a, v in zip(arms, e.mean(axis=0), strict=True)},
        ate=ate,
        population_ate={arms[k]: dict(pop[k - 1]) for k in range(1, k_arms)},
        per_customer=pd.DataFrame(per),
    )
    return Dataset(frame, truth)


__all__ = ["GROUPS", "UpliftTruth", "coupon_campaign"]
