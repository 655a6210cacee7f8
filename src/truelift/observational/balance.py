"""Covariate balance: standardized mean differences and variance ratios, before and after adjustment.

For covariate ``x`` and (balancing) weights ``w``:

* ``SMD = (mean_w(x | T=1) - mean_w(x | T=0)) / sqrt((s1^2 + s0^2) / 2)`` where ``s1, s0`` are
  the *unweighted* standard deviations, so that before and after share one yardstick
  (Austin 2009; Stuart 2010);
* variance ratio ``var_w(x | T=1) / var_w(x | T=0)`` for numeric covariates (not for 0/1
  indicators, whose variance is fixed by their mean).

Thresholds: ``|SMD| <= 0.1`` is balanced; ``0.1 < |SMD| <= 0.25`` is a warning;
``|SMD| > 0.25`` fails (Stuart 2010); a variance ratio outside ``[0.5, 2]`` is a warning
(Rubin 2001).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from truelift.data.moments import weighted_moments
from truelift.schema import Diagnostic, Status
from truelift.schema.rules import SMD_FAIL, SMD_OK, VARIANCE_RATIO
from truelift.schema.values import _ToDict


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class BalanceRow(_ToDict):
    """Balance of one (encoded) covariate before and after adjustment."""

    covariate: str
    mean_treated: float
    mean_control: float
    smd_before: float
    variance_ratio_before: float
    mean_treated_after: float
    mean_control_after: float
    smd_after: float
    variance_ratio_after: float


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Balance(_ToDict):
    """The balance table of one adjustment (``method``), with its summary diagnostic."""

    method: str
    rows: tuple[BalanceRow, ...]
    max_abs_smd_before: float
    max_abs_smd_after: float
    diagnostic: Diagnostic


def balance_table(
    x: np.ndarray, names: tuple[str, ...], t: np.ndarray, weights: np.ndarray | None,
    method: str,
) -> Balance:
    """Balance of every column of ``x``; ``weights`` (one per row, 0 = unused) give "after".

    All four weighted moments (each arm, before and after) come from one blockwise pass
    (:func:`truelift.data.moments.weighted_moments`): exact, and no full-size temporary.
    """
    tf = t.astype(float)
    w = np.ones_like(tf) if weights is None else np.asarray(weights, dtype=float)
    wmat = np.vstack([tf, 1.0 - tf, w * tf, w * (1.0 - tf)])       # 4 x n
    first, var = weighted_moments(x, wmat)
    (m1, m0, am1, am0), (v1, v0, av1, av0) = first, var
    sd = np.sqrt((v1 + v0) / 2.0)
    sd = np.where(sd > 0, sd, np.nan)
    lo, hi = x.min(axis=0), x.max(axis=0)
    binary = np.zeros(x.shape[1], dtype=bool)
    for j in np.flatnonzero((lo == 0.0) & (hi == 1.0)):
        binary[j] = bool(np.all((x[:, j] == 0.0) | (x[:, j] == 1.0)))
    with np.errstate(divide="ignore", invalid="ignore"):
        vr_b, vr_a = v1 / v0, av1 / av0
    rows = []
    for j, name in enumerate(names):
        rows.append(BalanceRow(
            covariate=name,
            mean_treated=float(m1[j]), mean_control=float(m0[j]),
            smd_before=float((m1[j] - m0[j]) / sd[j]),
            variance_ratio_before=math.nan if binary[j] else float(vr_b[j]),
            mean_treated_after=float(am1[j]), mean_control_after=float(am0[j]),
            smd_after=float((am1[j] - am0[j]) / sd[j]),
            variance_ratio_after=math.nan if binary[j] else float(vr_a[j]),
        ))
    smd_b = np.array([abs(r.smd_before) for r in rows])
    smd_a = np.array([abs(r.smd_after) for r in rows])
    max_b = float(np.nanmax(smd_b)) if smd_b.size else 0.0
    max_a = float(np.nanmax(smd_a)) if smd_a.size else 0.0
    worst = names[int(np.nanargmax(smd_a))] if smd_a.size else ""
    vr = np.array([r.variance_ratio_after for r in rows], dtype=float)
    lo_vr, hi_vr = VARIANCE_RATIO
    bad_vr = [names[j] for j in np.flatnonzero(~np.isnan(vr) & ((vr < lo_vr) | (vr > hi_vr)))]
    if max_a <= SMD_OK:
        status = Status.OK
        msg = (f"balance reached after {method}: every |SMD| <= {SMD_OK} "
               f"(largest {max_a:.3f}, was {max_b:.3f} before)")
    elif max_a <= SMD_FAIL:
        status = Status.WARN
        msg = (f"balance not fully reached after {method}: |SMD| of {worst!r} is {max_a:.3f} "
               f"(> {SMD_OK})")
    else:
        status = Status.FAIL
        msg = (f"imbalance left after {method}: |SMD| of {worst!r} is {max_a:.3f} "
               f"(> {SMD_FAIL}); the adjusted groups are not comparable")
    if bad_vr and status is Status.OK:
        status = Status.WARN
        msg += (f"; variance ratio outside [{lo_vr:g}, {hi_vr:g}] for "
                f"{', '.join(map(repr, bad_vr[:3]))}")
    diag = Diagnostic(name=f"max_abs_smd_after_{method}", value=max_a, threshold=SMD_OK,
                      status=status, message=msg)
    return Balance(method=method, rows=tuple(rows), max_abs_smd_before=max_b,
                   max_abs_smd_after=max_a, diagnostic=diag)
