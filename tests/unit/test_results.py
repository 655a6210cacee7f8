"""The result type: invariants, to_dict, the delta-method relative lift."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from truelift.inference import effect_from_means, normal_ci, normal_pvalue, z_critical
from truelift.schema import Diagnostic, Estimate, Status, Verdict


def _kw(**over):
    kw = dict(outcome="y", estimand="ATT", method="ipw", value=0.1, se=0.02, ci=(0.06, 0.14),
              level=0.95, pvalue=0.001, se_kind="influence_function", n_treated=10, n_control=12,
              mean_treated=0.3, baseline=0.2)
    kw.update(over)
    return kw


@pytest.mark.parametrize(("field", "bad"), [("se", -1.0), ("pvalue", 1.5), ("value", math.nan),
                                            ("ci", (0.2, 0.1)), ("level", 1.0), ("n_treated", -1)])
def test_estimate_invariants(field, bad):
    with pytest.raises(ValueError):
        Estimate(**_kw(**{field: bad}))


def test_estimate_is_frozen_and_serializable():
    e = Estimate(**_kw())
    with pytest.raises(AttributeError):
        e.value = 2  # type: ignore[misc]
    d = e.to_dict()
    assert d["ci"] == [0.06, 0.14]
    json.dumps(d)
    assert e.n == 22


def test_effect_from_means_delta_method():
    cov = np.array([[4e-4, 1e-4], [1e-4, 2.5e-4]])
    e = effect_from_means(outcome="y", estimand="ATE", method="m", mu1=0.3, mu0=0.2, cov=cov,
                          level=0.95, se_kind="x", n_treated=5, n_control=5)
    assert e.value == pytest.approx(0.1)
    assert e.se == pytest.approx(math.sqrt(4e-4 + 2.5e-4 - 2e-4))
    g = np.array([1 / 0.2, -0.3 / 0.04])
    assert e.relative.value == pytest.approx(0.5)
    assert e.relative.se == pytest.approx(math.sqrt(g @ cov @ g))
    # no relative lift when the baseline is zero
    z = effect_from_means(outcome="y", estimand="ATE", method="m", mu1=0.3, mu0=0.0, cov=cov,
                          level=0.95, se_kind="x", n_treated=5, n_control=5)
    assert z.relative is None


def test_normal_helpers_match_scipy():
    from scipy import stats

    assert z_critical(0.95) == pytest.approx(stats.norm.ppf(0.975), rel=1e-12)
    assert normal_pvalue(1.0, 0.5) == pytest.approx(2 * stats.norm.sf(2.0), rel=1e-12)
    lo, hi = normal_ci(1.0, 0.5, 0.9)
    assert (hi - lo) / 2 == pytest.approx(0.5 * stats.norm.ppf(0.95), rel=1e-12)


def test_verdict_from_diagnostics():
    ok = Diagnostic(name="a", value=0.0, status="ok", message="fine")
    warn = Diagnostic(name="b", value=1.0, status="warn", message="hmm")
    fail = Diagnostic(name="c", value=2.0, status="fail", message="broken")
    assert Verdict.from_diagnostics([ok], subject="X").status is Status.OK
    v = Verdict.from_diagnostics([ok, warn], subject="X")
    assert v.status is Status.WARN and v.reasons == ("hmm",)
    v = Verdict.from_diagnostics([fail, ok, warn], subject="X")
    assert v.status is Status.FAIL and v.reasons == ("broken", "hmm")


def test_nonfinite_floats_become_none():
    d = Diagnostic(name="a", value=math.nan, status="ok", message="m").to_dict()
    assert d["value"] is None
