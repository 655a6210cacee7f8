"""Sample-ratio mismatch: is the observed split of users the split that was planned?

Pearson's chi-square goodness-of-fit test of the users per arm against the planned shares,
``X2 = sum_a (n_a - N s_a)^2 / (N s_a)`` on ``k - 1`` degrees of freedom (Fabijan et al. 2019,
"Diagnosing sample ratio mismatch in online controlled experiments"). A mismatch means users
were lost or added unevenly (a redirect, a bot filter, a logging bug): the arms are then no
longer comparable and no lift read from them can be trusted. The default threshold is
p < 0.001, as is common practice, because the test is run on every experiment.

The same test within segments (a chi-square test of independence of arm and segment) finds a
split that differs by segment, the usual cause of Simpson's paradox in a randomized test.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import chdtrc

from truelift.errors import MethodError
from truelift.schema.values import _ToDict


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SampleRatio(_ToDict):
    """The observed and planned split, the chi-square statistic and its p-value."""

    labels: tuple[Any, ...]
    observed: tuple[int, ...]
    expected_share: tuple[float, ...]
    observed_share: tuple[float, ...]
    chi2: float
    df: int
    pvalue: float
    threshold: float

    @property
    def mismatch(self) -> bool:
        """True when the split differs from the plan at the threshold."""
        return self.pvalue < self.threshold


def sample_ratio(labels: Sequence[Any], counts: Sequence[int], expected: Sequence[float] | None = None,
                 *, threshold: float = 0.001) -> SampleRatio:
    """Chi-square goodness-of-fit of ``counts`` against ``expected`` shares (equal by default)."""
    n = np.asarray(counts, dtype=float)
    k = n.size
    if expected is None:
        share = np.full(k, 1.0 / k)
    else:
        share = np.asarray(expected, dtype=float)
        if share.size != k:
            raise MethodError(f"expected split has {share.size} shares for {k} variants")
        if np.any(share <= 0) or not np.isfinite(share).all():
            raise MethodError("expected split: every share must be > 0")
        share = share / share.sum()
    total = n.sum()
    exp = total * share
    chi2 = float(((n - exp) ** 2 / exp).sum())
    df = k - 1
    return SampleRatio(labels=tuple(labels), observed=tuple(int(v) for v in n),
                       expected_share=tuple(float(s) for s in share),
                       observed_share=tuple(float(v / total) for v in n), chi2=chi2, df=df,
                       pvalue=float(chdtrc(df, chi2)), threshold=threshold)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SplitBySegment(_ToDict):
    """Chi-square test that the split is the same in every level of a segment column."""

    column: str
    levels: tuple[Any, ...]
    shares: tuple[tuple[float, ...], ...]
    chi2: float
    df: int
    pvalue: float


def split_by_segment(column: str, levels: Sequence[Any], table: np.ndarray) -> SplitBySegment:
    """Pearson chi-square test of independence on the ``levels x arms`` table of user counts."""
    t = np.asarray(table, dtype=float)
    t = t[t.sum(axis=1) > 0]
    rows, cols = t.shape
    total = t.sum()
    exp = np.outer(t.sum(axis=1), t.sum(axis=0)) / total
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = float(np.where(exp > 0, (t - exp) ** 2 / exp, 0.0).sum())
    df = (rows - 1) * (cols - 1)
    shares = tuple(tuple(float(v) for v in r / r.sum()) for r in np.asarray(table, dtype=float)
                   if r.sum() > 0)
    return SplitBySegment(column=column, levels=tuple(levels), shares=shares, chi2=chi2, df=df,
                          pvalue=float(chdtrc(df, chi2)) if df > 0 else 1.0)
