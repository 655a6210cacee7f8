"""Regression discontinuity and instrumental-variable data with known truth, and the close-elections
data of Lee, Moretti & Butler (2004).

``rd_data`` draws a running variable ``x = 2 Beta(2, 4) - 1`` (more mass left of the cutoff 0, as
in the simulations of Calonico, Cattaneo & Titiunik 2014) and an outcome whose regression functions
are the two quintic polynomials of their "Lee" model, shifted so that they meet at the cutoff
(``mu(0) = 0.48`` from both sides): with no treatment the outcome is continuous at 0.

* sharp (default): ``D = 1{x >= 0}``, ``y = mu(x) + effect * D + e``, ``e ~ N(0, 0.1295^2)``; the
  true jump at the cutoff is ``effect``.
* ``fuzzy=True``: the cutoff moves the probability of treatment from 0.15 to 0.75 (a first-stage
  jump of 0.6); units with a high unobserved ``u`` (which also raises ``y``) take up more often,
  so comparing treated with untreated units is biased, while the fuzzy RD estimand (reduced-form
  jump / first-stage jump) equals ``effect`` (a constant effect).
* ``manipulation=True``: 40 % of the units with ``x`` in ``[-0.1, 0)`` sort themselves just above
  the cutoff (``x ~ U(0, 0.05)``), so the density of ``x`` jumps at 0 (the density test should
  catch it) and the estimate is biased (the sorters have higher ``u``).

Every row also carries ``age``, a pre-treatment covariate smooth in ``x`` (balanced at the cutoff).

``encouragement`` is a randomized encouragement design: half the customers, at random (``z``), get
a nudge to try a feature (``exposed``); ``purchased`` is the outcome. Three latent types:
always-takers (use the feature anyway), never-takers (never do) and compliers (use it only when
nudged), with shares ``0.4 (1 - c)``, ``0.6 (1 - c)`` and ``c = complier_share``. Baseline purchase
rates differ by type (always-takers 0.30, compliers 0.12, never-takers 0.05) and the feature raises
the purchase probability by ``late`` for compliers and ``late + 0.05`` for always-takers. The LATE
(Imbens & Angrist 1994) is ``late``; the naive exposed-vs-not comparison mixes types and is biased
upwards (``truth.naive``, computed exactly from the type shares).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from truelift.datasets._personalization import Dataset

# Calonico, Cattaneo & Titiunik (2014), "Lee" design: coefficients of mu on each side.
_MU_LEFT = (0.48, 1.27, 7.18, 20.21, 21.54, 7.33)
_MU_RIGHT = (0.52, 0.84, -3.00, 7.99, -9.01, 3.56)
_SIGMA = 0.1295


@dataclasses.dataclass(frozen=True, slots=True)
class RDTruth:
    """The truth of :func:`rd_data`: the effect at the cutoff, the cutoff, the first-stage jump in
    the probability of treatment (1 for a sharp design) and whether units sorted around it."""

    effect: float
    cutoff: float
    first_stage: float
    fuzzy: bool
    manipulation: bool


@dataclasses.dataclass(frozen=True, slots=True)
class EncouragementTruth:
    """The truth of :func:`encouragement`.

    ``late``: effect of exposure on compliers; ``complier_share``: share of compliers (= the
    first-stage effect of the encouragement on exposure); ``itt``: effect of the encouragement on
    purchase (``late * complier_share``); ``ate``: average effect of exposure over all customers;
    ``naive``: population difference in purchase rates between exposed and unexposed customers.
    """

    late: float
    complier_share: float
    itt: float
    ate: float
    naive: float


def _mu(x: np.ndarray) -> np.ndarray:
    left = np.polynomial.polynomial.polyval(x, _MU_LEFT)
    right = np.polynomial.polynomial.polyval(x, _MU_RIGHT) - _MU_RIGHT[0] + _MU_LEFT[0]
    return np.where(x < 0, left, right)


def rd_data(
    n: int = 2000, effect: float = 0.1, fuzzy: bool = False, manipulation: bool = False, seed: int = 0
) -> Dataset:
    """A regression-discontinuity sample with a known effect at the cutoff 0 (module docstring).

    Columns: ``x`` (running variable), ``y`` (outcome), ``treated`` (0/1) and ``age`` (a balanced
    pre-treatment covariate). Returns ``Dataset(data, truth)`` with an :class:`RDTruth`.
    """
    if n < 20:
        raise ValueError("n must be at least 20")
    rng = np.random.default_rng(seed)
    x = 2.0 * rng.beta(2.0, 4.0, n) - 1.0
    u = rng.normal(size=n)
    if manipulation:
        near = (x >= -0.1) & (x < 0) & (rng.uniform(size=n) < 0.4)
        x = np.where(near, rng.uniform(0.0, 0.05, n), x)
        u = np.where(near, u + 1.0, u)
    above = (x >= 0).astype(float)
    if fuzzy:
        p = 0.15 + 0.6 * above
        p = np.clip(p + 0.1 * np.tanh(u), 0.0, 1.0)
        d = (rng.uniform(size=n) < p).astype(int)
        first_stage = 0.6
    else:
        d = above.astype(int)
        first_stage = 1.0
    y = _mu(x) + effect * d + _SIGMA * (0.6 * u + 0.8 * rng.normal(size=n))
    age = 45.0 + 8.0 * x + 10.0 * rng.normal(size=n)
    frame = pd.DataFrame({"x": x, "y": y, "treated": d, "age": age})
    truth = RDTruth(
        effect=float(effect), cutoff=0.0, first_stage=first_stage, fuzzy=fuzzy, manipulation=manipulation
    )
    return Dataset(frame, truth)


_BASE = {"always": 0.30, "complier": 0.12, "never": 0.05}
_EXTRA_ALWAYS = 0.05


def encouragement(n: int = 5000, late: float = 0.05, complier_share: float = 0.4, seed: int = 0) -> Dataset:
    """A randomized encouragement -> exposure -> purchase sample with a known LATE (module docstring).

    Columns: ``encouraged`` (the instrument, 0/1, random), ``exposed`` (the treatment, 0/1),
    ``purchased`` (0/1), ``visits_before`` (a pre-period count that differs by type; a valid
    covariate). Returns ``Dataset(data, truth)`` with an :class:`EncouragementTruth`.
    """
    if not 0.0 < complier_share <= 1.0:
        raise ValueError("complier_share must be in (0, 1]")
    if not (-0.05 <= late <= 0.6):
        raise ValueError("late must be in [-0.05, 0.6] so that every purchase probability is in [0, 1]")
    rng = np.random.default_rng(seed)
    shares = np.array([0.4 * (1 - complier_share), 0.6 * (1 - complier_share), complier_share])
    kind = rng.choice(3, size=n, p=shares)  # 0 always, 1 never, 2 complier
    z = rng.integers(0, 2, n)
    d = np.where(kind == 0, 1, np.where(kind == 1, 0, z))
    base = np.choose(kind, [_BASE["always"], _BASE["never"], _BASE["complier"]])
    effect = np.choose(kind, [late + _EXTRA_ALWAYS, 0.0, late])
    y = (rng.uniform(size=n) < base + effect * d).astype(int)
    visits = rng.poisson(np.choose(kind, [6.0, 1.5, 3.0]))
    frame = pd.DataFrame({"encouraged": z, "exposed": d, "purchased": y, "visits_before": visits})
    a, nt, c = shares
    treated_mean = (a * (_BASE["always"] + late + _EXTRA_ALWAYS) + 0.5 * c * (_BASE["complier"] + late)) / (
        a + 0.5 * c
    )
    control_mean = (nt * _BASE["never"] + 0.5 * c * _BASE["complier"]) / (nt + 0.5 * c) if nt + c > 0 else 0.0
    truth = EncouragementTruth(
        late=float(late),
        complier_share=float(complier_share),
        itt=float(late * complier_share),
        ate=float(a * (late + _EXTRA_ALWAYS) + c * late),
        naive=float(treated_mean - control_mean),
    )
    return Dataset(frame, truth)


def close_elections() -> pd.DataFrame:
    """US House close elections, 1946-1995 (Lee, Moretti & Butler 2004), as shipped by the
    ``causaldata`` package (``close_elections_lmb``; the Mixtape's ``lmb-data``).

    One row per district and election: ``demvoteshare`` (Democratic vote share; the running
    variable, cutoff 0.5), ``democrat`` (the Democrat won), ``score`` (the representative's ADA
    roll-call score, the outcome), ``lagdemvoteshare``/``lagdemocrat`` (the previous election),
    ``id``, ``state``, ``district``, ``year``. A new DataFrame (the package's copy is untouched).
    Raises ImportError when ``causaldata`` is not installed (``pip install causaldata``).
    """
    try:
        import causaldata
    except ImportError as exc:  # pragma: no cover - causaldata is a test dependency
        raise ImportError("close_elections() needs the causaldata package: pip install causaldata") from exc
    return causaldata.close_elections_lmb.load_pandas().data.copy()


__all__ = ["EncouragementTruth", "RDTruth", "close_elections", "encouragement", "rd_data"]
