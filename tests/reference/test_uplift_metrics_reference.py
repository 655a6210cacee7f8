"""Normalized uplift / Qini areas and uplift at k against scikit-uplift (sklift.metrics).

The reference numbers were produced once, outside the project, with scikit-uplift 0.5.1
(scikit-learn 1.9.1, NumPy 2.4.6) in a throwaway venv::

    python3 -m venv /tmp/sku-venv && /tmp/sku-venv/bin/pip install scikit-uplift
    /tmp/sku-venv/bin/python  # then, on the data built by ``_data()`` below:
    sklift.metrics.qini_auc_score(y, score, t)          # negative_effect=True (default)
    sklift.metrics.uplift_auc_score(y, score, t)
    sklift.metrics.uplift_at_k(y, s2, t, strategy="overall", k=0.3)

``score`` is rounded to one decimal so it has many ties (scikit-uplift, like truelift, never
splits a run of equal scores in its curves). ``s2`` is continuous (no ties), since
scikit-uplift's ``uplift_at_k`` breaks ties by row order. ``y2`` has more control responders
than treated non-responders, the other branch of scikit-uplift's perfect uplift curve.
Agreement seen: ~1e-16 relative; asked: 1e-12.
"""

from __future__ import annotations

import numpy as np
import pytest

from truelift.hte.evaluation import auuc, qini_coefficient, uplift_at_k


def _data() -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(20261123)
    n = 400
    t = rng.integers(0, 2, n)
    score = np.round(rng.normal(size=n), 1)
    y = (rng.random(n) < 0.3 + 0.2 * t * (score > 0) - 0.1 * t * (score < -1)).astype(int)
    s2 = rng.normal(size=n)
    y2 = (rng.random(n) < 0.7 + 0.2 * t * (score > 0)).astype(int)
    return y, t, score, s2, y2


def test_against_scikit_uplift_0_5_1() -> None:
    y, t, score, s2, y2 = _data()
    assert qini_coefficient(y, t, score) == pytest.approx(0.04095004405846345, rel=1e-12)
    assert auuc(y, t, score) == pytest.approx(0.04398080162994753, rel=1e-12)
    assert qini_coefficient(y, t, s2) == pytest.approx(-0.014378457378699427, rel=1e-12)
    assert auuc(y, t, s2) == pytest.approx(-0.014703118611252173, rel=1e-12)
    assert uplift_at_k(y, t, s2, 0.3).uplift == pytest.approx(-0.023895526535148648, rel=1e-12)
    assert np.sum((y2 == 1) & (t == 0)) > np.sum((y2 == 0) & (t == 1))
    assert auuc(y2, t, score) == pytest.approx(0.11032840695606871, rel=1e-12)
    assert qini_coefficient(y2, t, score) == pytest.approx(0.059720588034206774, rel=1e-12)
