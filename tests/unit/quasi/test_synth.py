"""Unit tests of truelift.quasi.synth: result shape, known truth on a small factor panel, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from truelift.errors import DataError, MethodError
from truelift.quasi.synth import synth
from truelift.schema import Status


def _panel(effect: float = 5.0, donors: int = 12, periods: int = 20, start: int = 14, seed: int = 3,
           above: bool = False) -> pd.DataFrame:
    """Donors follow two common factors; the treated unit is a convex mix of three donors plus noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(periods)
    f1, f2 = np.sin(t / 3.0) * 5, t * 0.5
    load = rng.uniform(0.5, 1.5, (donors, 2))
    level = rng.uniform(10, 30, donors)
    y0 = level[:, None] + load[:, :1] * f1 + load[:, 1:] * f2 + rng.normal(0, 0.3, (donors, periods))
    w = np.zeros(donors)
    w[[0, 1, 2]] = (0.5, 0.3, 0.2)
    y1 = w @ y0 + rng.normal(0, 0.2, periods) + (100.0 if above else 0.0)
    y1 = y1 + effect * (t >= start)
    rows = [(f"d{j}", int(tt), float(y0[j, tt])) for j in range(donors) for tt in t]
    rows += [("tr", int(tt), float(y1[tt])) for tt in t]
    return pd.DataFrame(rows, columns=["unit", "period", "y"])


def _run(df: pd.DataFrame, **kw):
    base = dict(outcome="y", unit="unit", time="period", treated="tr", start=14)
    base.update(kw)
    return synth(df, **base)


def test_recovers_known_effect_and_shapes() -> None:
    df = _panel(effect=5.0)
    res = _run(df)
    est = res.estimate()
    assert res.design == "synth"
    assert est.estimand == "ATT of the treated unit, post period" and est.se_kind == "placebo"
    assert abs(est.value - 5.0) < 1.0  # noise SD 0.2-0.3 per period; 6 post periods
    assert est.ci[0] < est.value < est.ci[1]
    assert est.pvalue == pytest.approx(1 / 13)  # treated ratio ranks first of 13 units
    w = dict(res.table("donor_weights").rows)
    assert sum(w.values()) == pytest.approx(1.0, abs=1e-6)
    assert w["d0"] > 0.3  # the true largest weight is 0.5
    assert len(res.table("placebos").rows) == 13
    assert res.figure("series").data["marker"] == 14
    assert len(res.figure("gaps").data["placebos"]) == 12
    assert res.to_json()


def test_null_effect_is_not_significant() -> None:
    """Negative control: no effect, so the treated ratio should not rank first and the CI covers 0."""
    res = _run(_panel(effect=0.0, seed=5))
    assert res.estimate().pvalue > 0.1
    assert res.estimate().ci[0] < 0.0 < res.estimate().ci[1]


def test_diagnostics_flag_outside_hull_and_few_donors() -> None:
    res = _run(_panel(above=True, donors=5))
    d = {x.name: x for x in res.diagnostics}
    assert d["outside_donor_hull"].status is Status.FAIL
    assert d["pre_fit_rmspe_ratio"].status is not Status.OK
    assert d["placebo_min_pvalue"].status is Status.WARN
    assert res.verdict.status is Status.FAIL
    good = {x.name: x.status for x in _run(_panel(donors=25)).diagnostics}
    assert good == {"pre_fit_rmspe_ratio": Status.OK, "outside_donor_hull": Status.OK,
                    "placebo_min_pvalue": Status.OK}


def test_no_placebo_warns_and_does_not_mutate() -> None:
    df = _panel()
    before = df.copy()
    res = _run(df, placebo=False)
    pd.testing.assert_frame_equal(df, before)
    assert res.estimate().se_kind == "pre_period_residual"
    assert any(d.name == "placebo_inference" and d.status is Status.WARN for d in res.diagnostics)


def test_donor_subset_counts_rows_left_out() -> None:
    res = _run(_panel(), donors=["d0", "d1", "d2", "d3"])
    assert res.provenance.rows_dropped["units outside the donor pool"] == 8 * 20


@pytest.mark.parametrize(("kw", "column", "fragment"), [
    (dict(treated="nope"), "unit", "not in the data"),
    (dict(start=99), "period", "after the last period"),
    (dict(start=0), "period", "no pre period"),
    (dict(donors=["d0"]), "unit", "at least 2"),
    (dict(donors=["d0", "zz"]), "unit", "not in the data"),
])
def test_bad_input_one_line_errors(kw: dict, column: str, fragment: str) -> None:
    with pytest.raises(DataError) as err:
        _run(_panel(), **kw)
    assert err.value.column == column and fragment in str(err.value) and "\n" not in str(err.value)


def test_bad_settings() -> None:
    with pytest.raises(MethodError):
        _run(_panel(), level=1.5)
    with pytest.raises(MethodError):
        _run(_panel(), predictors=[("y", [1, 2])])
