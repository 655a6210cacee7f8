"""The Bayesian readout of one metric of a test, from the arms' sufficient statistics.

A proportion without CUPED covariates gets the conjugate Beta–binomial model on its counts; any
other metric (a mean, a ratio, a CUPED-adjusted metric) gets the normal model on each arm's
(adjusted) value and its sampling variance (see :mod:`truelift.experiment.bayes`). Arms are
labelled by their text; the control comes first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from truelift.experiment.bayes import BayesReadout, beta_binomial, normal_means
from truelift.experiment.cells import Moments
from truelift.experiment.lift import arm_summaries
from truelift.experiment.metrics import Metric
from truelift.schema.values import _ToDict


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class MetricBayes(_ToDict):
    """The Bayesian readout of one metric (higher taken as better).

    ``readout`` is None, with the reason in ``note``, when an arm's metric has no sampling
    variance (every user has the same value): no posterior can be formed.
    """

    metric: str
    readout: BayesReadout | None
    note: str = ""


def bayes_readout(metric: Metric, arms: Mapping[Any, Moments], *, control: Any, level: float,
                  seed: int = 0) -> MetricBayes:
    """Posterior of each arm's metric, the lifts over control, P(best) and expected loss."""
    order = [control, *[a for a in arms if a != control]]
    labels = [str(a) for a in order]
    if metric.kind == "proportion" and not metric.covariates:
        n = [arms[a].n for a in order]
        i = [arms[a].index(metric.variables)[0] for a in order]
        s = [round(float(arms[a].mean[j]) * arms[a].n) for a, j in zip(order, i, strict=True)]
        out = beta_binomial(s, n, labels=labels, control=0, level=level, seed=seed)
    else:
        summary = {s.label: s for s in arm_summaries(metric, {a: arms[a] for a in order})}
        flat = [a for a in order if not summary[a].variance > 0]
        if flat:
            return MetricBayes(metric=metric.name, readout=None,
                               note=f"no Bayesian readout: the metric does not vary within arm {flat[0]!r}")
        out = normal_means([summary[a].value for a in order], [summary[a].variance for a in order],
                           labels=labels, control=0, level=level, seed=seed)
    return MetricBayes(metric=metric.name, readout=out)
