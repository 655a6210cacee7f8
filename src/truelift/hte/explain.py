"""Which covariates drive the variation of the effect, and how the effect moves with them.

* **Importance** of covariate ``j`` for a CATE model ``tau``: the share of the variance of
  ``tau(X)`` that is lost when ``j`` is scrambled (permutation importance, Breiman 2001; "model
  reliance", Fisher, Rudin & Dominici 2019, JMLR 20)::

      I_j = E[(tau(X) - tau(X^(j)))^2] / (2 Var tau(X))

  with ``X^(j)`` equal to ``X`` but column(s) ``j`` permuted across customers (all one-hot columns
  of one categorical covariate together). For an additive ``tau = sum_j f_j(x_j)`` with
  independent covariates ``I_j = Var f_j / Var tau``, the share of the effect's variance due to
  ``j``; interactions make the shares add up to more than 1. Computed on at most ``max_rows``
  customers (a seeded sample).
* **Effect by covariate bin**: customers binned by a covariate (its levels, or quintiles of a
  numeric one); in each bin the mean predicted CATE against the observed doubly robust effect,
  the mean AIPW pseudo-outcome with its standard error ``sd/sqrt(n)``.
* **Distribution** of the predicted CATE: quantiles and a histogram.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from truelift.inference.normal import normal_ci
from truelift.schema.values import _ToDict


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Importance(_ToDict):
    """Share of the predicted effect's variance that depends on one covariate (see the module)."""

    covariate: str
    importance: float


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class EffectBin(_ToDict):
    """Customers in one bin of a covariate: predicted and observed (doubly robust) effect."""

    label: str
    n: int
    predicted: float
    observed: float
    se: float
    ci: tuple[float, float]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class EffectByCovariate(_ToDict):
    """The effect across the bins of one covariate."""

    covariate: str
    bins: tuple[EffectBin, ...]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Distribution(_ToDict):
    """Quantiles (5, 25, 50, 75, 95 %) and a histogram of the predicted CATE."""

    quantiles: tuple[float, ...]
    edges: tuple[float, ...]
    counts: tuple[int, ...]
    share_negative: float


def importance(predict: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
               columns: Mapping[str, Sequence[int]], rng: np.random.Generator,
               max_rows: int = 5000) -> tuple[Importance, ...]:
    """Permutation importance of every covariate for the CATE model, largest first.

    ``columns`` maps each covariate to the column indices of ``x`` that encode it.
    """
    if x.shape[0] > max_rows:
        x = x[rng.choice(x.shape[0], max_rows, replace=False)]
    base = predict(x)
    var = float(np.var(base))
    out = []
    for name, cols in columns.items():
        if var <= 0.0:
            out.append(Importance(covariate=name, importance=0.0))
            continue
        xp = x.copy()
        perm = rng.permutation(x.shape[0])
        xp[:, list(cols)] = x[perm][:, list(cols)]
        out.append(Importance(covariate=name,
                              importance=float(np.mean((base - predict(xp)) ** 2) / (2.0 * var))))
    return tuple(sorted(out, key=lambda r: -r.importance))


def effect_by_bins(name: str, labels: np.ndarray, order: Sequence[str], tau: np.ndarray,
                   pseudo: np.ndarray, level: float) -> EffectByCovariate:
    """Mean predicted and observed (AIPW) effect in each bin ``order`` of ``labels``."""
    bins = []
    for lab in order:
        m = labels == lab
        n = int(m.sum())
        if n < 2:
            continue
        obs = float(pseudo[m].mean())
        se = float(pseudo[m].std(ddof=1)) / math.sqrt(n)
        bins.append(EffectBin(label=str(lab), n=n, predicted=float(tau[m].mean()), observed=obs,
                              se=se, ci=normal_ci(obs, se, level)))
    return EffectByCovariate(covariate=name, bins=tuple(bins))


def numeric_bins(values: np.ndarray, quantiles: int = 5) -> tuple[np.ndarray, list[str]]:
    """Labels of ``values`` by level (at most 10 distinct values) or by quantile bin."""
    uniq = np.unique(values)
    if uniq.shape[0] <= 10:
        labels = np.array([f"{v:g}" for v in values], dtype=object)
        return labels, [f"{v:g}" for v in uniq]
    edges = np.unique(np.quantile(values, np.linspace(0, 1, quantiles + 1)))
    idx = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, edges.shape[0] - 2)
    names = [f"[{edges[j]:.4g}, {edges[j + 1]:.4g}{']' if j == edges.shape[0] - 2 else ')'}"
             for j in range(edges.shape[0] - 1)]
    return np.array(names, dtype=object)[idx], names


def distribution(tau: np.ndarray, bins: int = 30) -> Distribution:
    """Quantiles and histogram of the predicted CATE."""
    q = tuple(float(v) for v in np.quantile(tau, [0.05, 0.25, 0.5, 0.75, 0.95]))
    lo, hi = float(tau.min()), float(tau.max())
    if hi <= lo:
        hi = lo + 1e-12
    counts, edges = np.histogram(tau, bins=bins, range=(lo, hi))
    return Distribution(quantiles=q, edges=tuple(float(e) for e in edges),
                        counts=tuple(int(c) for c in counts),
                        share_negative=float(np.mean(tau < 0)))


__all__ = ["Distribution", "EffectBin", "EffectByCovariate", "Importance", "distribution",
           "effect_by_bins", "importance", "numeric_bins"]
