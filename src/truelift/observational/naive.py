"""The naive comparison: difference in outcome means between the arms, with a Welch standard error.

``mu1 = mean(Y | T=1)``, ``mu0 = mean(Y | T=0)``, ``Var = s1^2/n1 + s0^2/n0`` (Welch 1947); the
relative lift uses the delta method with independent arms. This is an association, not a causal
effect, whenever treatment was not randomized; it is shown beside the causal estimates so the
gap between the two is plain.
"""

from __future__ import annotations

import numpy as np

from truelift.data.prepare import Prepared
from truelift.inference import effect_from_means
from truelift.schema import Estimate


def naive_difference(data: Prepared, level: float) -> tuple[Estimate, ...]:
    """Difference in means of every outcome, treated minus control."""
    tb = data.t.astype(bool)
    out = []
    for name in data.roles.outcomes:
        y = data.y[name]
        y1, y0 = y[tb], y[~tb]
        cov = np.diag([y1.var(ddof=1) / y1.shape[0], y0.var(ddof=1) / y0.shape[0]])
        out.append(effect_from_means(
            outcome=name, estimand="difference in means", method="naive", mu1=float(y1.mean()),
            mu0=float(y0.mean()), cov=cov, level=level, se_kind="welch",
            n_treated=int(y1.shape[0]), n_control=int(y0.shape[0])))
    return tuple(out)
