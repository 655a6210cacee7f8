"""Behaviour of ``tl.readout``: errors at the door, diagnostics, invariances, corrections, CUPED,
event-level rows, sequential monitoring, Fieller, the Bayesian readout and JSON."""

from __future__ import annotations

import itertools
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import truelift as tl
from truelift.datasets import homepage_events, homepage_test
from truelift.errors import DataError, MethodError, RoleError, TrueliftError
from truelift.schema import Status

THREE = ("control", "personalized", "recs_v2")


# ------------------------------------------------------------------------------------ fixtures
def _small(n: int = 2_000, seed: int = 0) -> pd.DataFrame:
    """A small well-formed user table: 2 arms, a 0/1, a float, a count, a covariate, a segment."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "variant": rng.choice(np.array(["control", "b"], dtype=object), size=n),
        "y": rng.integers(0, 2, size=n),
        "rev": rng.gamma(2.0, 10.0, size=n),
        "orders": rng.poisson(1.0, size=n),
        "x": rng.normal(size=n),
        "seg": rng.choice(np.array(["p", "q"], dtype=object), size=n),
    })


@pytest.fixture(scope="module")
def hp() -> pd.DataFrame:
    """20,000 users of the 2-arm homepage test."""
    return homepage_test(20_000, seed=3).data


@pytest.fixture(scope="module")
def hp3() -> pd.DataFrame:
    """20,000 users of the 3-arm homepage test."""
    return homepage_test(20_000, seed=3, variants=THREE).data


@pytest.fixture(scope="module")
def hp3_readout(hp3: pd.DataFrame) -> tl.Readout:
    """3 arms, 2 primary metrics and 2 guardrails (holm, primary family)."""
    return tl.readout(hp3, treatment="variant", outcome=["purchased", "revenue"],
                      guardrails=["aov=revenue/orders", "clicks"], bayes=False)


@pytest.fixture(scope="module")
def monitored(hp: pd.DataFrame) -> tl.Readout:
    return tl.readout(hp, treatment="variant", outcome=["purchased", "revenue"], time="day",
                      sequential="always-valid", horizon=20_000, bayes=False)


def _holm_ref(p: list[float]) -> list[float]:
    """Holm (1979) step-down, written as the textbook loop (statsmodels costs seconds to import)."""
    m, order, out, run = len(p), sorted(range(len(p)), key=lambda i: p[i]), [0.0] * len(p), 0.0
    for rank, i in enumerate(order):
        run = max(run, min(1.0, (m - rank) * p[i]))
        out[i] = run
    return out


def _bh_ref(p: list[float]) -> list[float]:
    """Benjamini-Hochberg (1995) step-up, as the textbook loop from the largest p-value down."""
    m, order, out, run = len(p), sorted(range(len(p)), key=lambda i: p[i]), [0.0] * len(p), 1.0
    for rank in range(m - 1, -1, -1):
        i = order[rank]
        run = min(run, m * p[i] / (rank + 1))
        out[i] = run
    return out


def _close(a: float, b: float, tol: float = 1e-10) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def _assert_one_line(err: Exception, column: str | None) -> None:
    msg = str(err)
    assert "\n" not in msg
    if column is not None:
        assert repr(column) in msg or column in msg
        if isinstance(err, DataError):
            assert err.column == column


# ------------------------------------------------------------------------------------ errors
def _set(col, rows, value):
    def f(d):
        d[col] = d[col].astype(float) if isinstance(value, float) else d[col]
        d.loc[rows, col] = value
        return d
    return f


def _assign(**cols):
    def f(d):
        for k, v in cols.items():
            d[k] = v(d) if callable(v) else v
        return d
    return f


_same = _assign()

ERRORS = {
    "unknown control": (_same, {"outcome": "y", "control": "nope"}, DataError, "variant"),
    "planned arm without users": (_same, {"outcome": "y", "split": {"control": 1, "b": 1, "c": 1}},
                                  DataError, "variant"),
    "negative ratio denominator": (_set("orders", 3, -1), {"outcome": "aov=rev/orders"}, DataError, "orders"),
    "ratio denominator always 0": (_assign(orders=0), {"outcome": "aov=rev/orders"}, DataError, "orders"),
    "missing covariate": (_set("x", [3, 8], np.nan), {"outcome": "rev", "covariates": ["x"]}, DataError, "x"),
    "missing metric": (_set("rev", [3, 4], np.nan), {"outcome": "rev"}, DataError, "rev"),
    "non-numeric metric": (_assign(s="a"), {"outcome": "s"}, DataError, "s"),
    "proportion not 0/1": (_same, {"outcome": tl.Proportion(column="rev")}, DataError, "rev"),
    "unknown metric column": (_same, {"outcome": "nope"}, DataError, "nope"),
    "unknown segment column": (_same, {"outcome": "y", "segments": ["nope"]}, DataError, "nope"),
    "funnel not nested": (_assign(s1=lambda d: d["y"], s2=1), {"outcome": "rev", "funnel": ["s1", "s2"]},
                          DataError, "s2"),
    "single arm": (_assign(variant="control"), {"outcome": "y"}, DataError, "variant"),
    "metric is the variant": (_same, {"outcome": "variant"}, RoleError, "variant"),
    "duplicate metric": (_same, {"outcome": ["y", "y"]}, RoleError, None),
    "bad correction": (_same, {"outcome": "y", "correction": "bonferroni"}, MethodError, None),
    "bad level": (_same, {"outcome": "y", "level": 1.5}, MethodError, None),
    "bad expected split": (_same, {"outcome": "y", "split": [1, -1]}, MethodError, None),
}


def test_negative_ratio_numerator_is_allowed():
    """Net revenue after refunds can be negative for a user; only the denominator counts events."""
    r = tl.readout(_set("rev", 3, -5.0)(_small()), treatment="variant", outcome="aov=rev/orders", bayes=False)
    assert np.isfinite(r.lift("aov").estimate.value)


@pytest.mark.parametrize("case", list(ERRORS), ids=list(ERRORS))
def test_bad_input_raises_one_line_error_naming_the_column(case):
    mutate, kwargs, kind, column = ERRORS[case]
    with pytest.raises(kind) as err:
        tl.readout(mutate(_small()), treatment="variant", **kwargs)
    _assert_one_line(err.value, column)


PARQUET_CASES = ["missing metric", "missing covariate", "negative ratio denominator", "unknown metric column",
                 "non-numeric metric", "unknown control", "single arm"]


@pytest.mark.parametrize("case", PARQUET_CASES)
def test_parquet_path_raises_the_same_error_as_pandas(case, tmp_path):
    mutate, kwargs, kind, column = ERRORS[case]
    frame = mutate(_small())
    path = tmp_path / "test.parquet"
    frame.to_parquet(path)
    errors = []
    for source in (frame, str(path)):
        with pytest.raises(kind) as err:
            tl.readout(source, treatment="variant", **kwargs)
        _assert_one_line(err.value, column)
        errors.append(err.value)
    assert type(errors[0]) is type(errors[1])


def test_csv_path_names_the_unknown_column(tmp_path):
    path = tmp_path / "test.csv"
    _small().to_csv(path, index=False)
    with pytest.raises(DataError) as err:
        tl.readout(str(path), treatment="variant", outcome="nope")
    _assert_one_line(err.value, "nope")


def test_same_column_as_metric_and_covariate_is_refused():
    with pytest.raises(TrueliftError) as err:
        tl.readout(_small(), treatment="variant", outcome="rev", covariates=["rev"])
    _assert_one_line(err.value, "rev")


def test_same_column_as_metric_and_covariate_is_a_role_error():
    with pytest.raises(RoleError):
        tl.readout(_small(), treatment="variant", outcome="rev", covariates=["rev"])


def _events_two_arms() -> pd.DataFrame:
    return pd.DataFrame({"u": [1, 1, 2, 2, 3, 4, 5, 6], "variant": ["control", "b", "control", "control", "b",
                                                                    "b", "control", "b"],
                         "y": [1, 0, 1, 1, 0, 1, 0, 0]})


def test_event_rows_with_a_user_in_two_variants_are_refused():
    with pytest.raises(DataError) as err:
        tl.readout(_events_two_arms(), treatment="variant", outcome="y", unit="u", bayes=False)
    _assert_one_line(err.value, "u")


def test_event_rows_with_a_user_in_two_variants_are_refused_on_parquet(tmp_path):
    path = tmp_path / "events.parquet"
    _events_two_arms().to_parquet(path)
    with pytest.raises(DataError) as err:
        tl.readout(str(path), treatment="variant", outcome="y", unit="u", bayes=False)
    _assert_one_line(err.value, "u")


@pytest.mark.parametrize("source", ["pandas", "parquet"])
def test_dropna_drops_and_counts_missing_metric_rows(source, tmp_path):
    frame = _small()
    frame["rev"] = frame["rev"].astype(float)
    frame.loc[[3, 4, 10], "rev"] = np.nan
    data: object = frame
    if source == "parquet":
        data = str(tmp_path / "t.parquet")
        frame.to_parquet(data)
    r = tl.readout(data, treatment="variant", outcome="rev", drop_missing=True, bayes=False)
    assert r.provenance.rows_dropped == {"missing rev": 3}
    assert r.provenance.rows_read == len(frame)
    assert r.provenance.rows_used == len(frame) - 3
    ref = tl.readout(frame.dropna(subset=["rev"]), treatment="variant", outcome="rev", bayes=False)
    assert _close(r.lift().estimate.value, ref.lift().estimate.value)
    assert _close(r.lift().estimate.se, ref.lift().estimate.se)


@pytest.mark.parametrize("source", ["pandas", "parquet"])
def test_infinite_metric_value_is_a_data_error(source, tmp_path):
    frame = _small()
    frame.loc[3, "rev"] = np.inf
    data: object = frame
    if source == "parquet":
        data = str(tmp_path / "t.parquet")
        frame.to_parquet(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(DataError) as err:
            tl.readout(data, treatment="variant", outcome="rev", bayes=False)
    _assert_one_line(err.value, "rev")


@pytest.mark.parametrize("source", ["pandas", "parquet"])
def test_infinite_covariate_value_is_a_truelift_error(source, tmp_path):
    frame = _small()
    frame.loc[3, "x"] = np.inf
    data: object = frame
    if source == "parquet":
        data = str(tmp_path / "t.parquet")
        frame.to_parquet(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(TrueliftError):
            tl.readout(data, treatment="variant", outcome="y", covariates=["x"], bayes=False)


def test_huge_metric_values_are_one_data_error_naming_the_column():
    frame = _small()
    frame["rev"] = frame["rev"] * 1e299
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning escapes either
        with pytest.raises(DataError, match="column 'rev': too large to sum and square"):
            tl.readout(frame, treatment="variant", outcome="rev", bayes=False)
    # large but representable values still read out
    frame["rev"] = _small()["rev"] * 1e60
    r = tl.readout(frame, treatment="variant", outcome="rev", bayes=False)
    assert np.isfinite(r.lift("rev").estimate.se)


def test_constant_metric_does_not_break_the_default_readout():
    frame = _small().assign(flat=5.0)
    plain = tl.readout(frame, treatment="variant", outcome=["y", "flat"], bayes=False)
    assert plain.lift("flat").estimate.se == 0.0
    r = tl.readout(frame, treatment="variant", outcome=["y", "flat"])
    assert r.lift("flat").estimate.value == 0.0


# ------------------------------------------------------------------------------------ SRM, Simpson
def test_sample_ratio_mismatch_fails_the_verdict():
    # 10% of the last arm's users lost: the split is off by ~7 standard deviations at n = 20,000.
    data = homepage_test(20_000, seed=1, srm=0.1).data
    r = tl.readout(data, treatment="variant", outcome="purchased", bayes=False)
    assert r.srm.mismatch
    assert r.verdict.status is Status.FAIL
    diag = {d.name: d for d in r.diagnostics}["sample_ratio"]
    assert diag.status is Status.FAIL
    assert diag.value < 0.001
    assert "\n" not in diag.message


def test_aa_test_without_srm_passes_the_sample_ratio_check():
    data = homepage_test(20_000, seed=1, aa=True).data
    r = tl.readout(data, treatment="variant", outcome="purchased", bayes=False)
    diag = {d.name: d for d in r.diagnostics}["sample_ratio"]
    assert diag.status is Status.OK
    assert not r.srm.mismatch
    assert r.verdict.status is Status.OK


def test_expected_split_changes_the_sample_ratio_check():
    frame = _small(4_000)
    even = tl.readout(frame, treatment="variant", outcome="y", bayes=False)
    skew = tl.readout(frame, treatment="variant", outcome="y", split={"control": 0.2, "b": 0.8},
                      bayes=False)
    assert even.srm.pvalue > 0.001
    assert skew.srm.mismatch and skew.verdict.status is Status.FAIL
    assert [a.planned_share for a in skew.arms] == pytest.approx([0.2, 0.8])


@pytest.mark.parametrize("simpson", [True, False])
def test_simpson_paradox_is_flagged_by_visitor_segment(simpson):
    data = homepage_test(20_000, seed=0, simpson=simpson).data
    r = tl.readout(data, treatment="variant", outcome="purchased", segments=["visitor"], bayes=False)
    names = {d.name: d for d in r.diagnostics}
    simpson_diag = [d for n, d in names.items() if n.startswith("simpson:visitor:purchased")]
    split_diag = names.get("split_by_segment:visitor")
    if simpson:
        assert len(simpson_diag) == 1 and simpson_diag[0].status is Status.WARN
        assert split_diag is not None and split_diag.status is Status.WARN
        assert r.verdict.status is Status.WARN
        pooled = r.lift("purchased").estimate.value
        seg = [s.lift.estimate.value for s in r.segments[0].lifts]
        assert pooled < 0 and len(seg) == 2 and all(v > 0 for v in seg)
    else:  # negative control: the same readout on a clean test raises neither flag
        assert not simpson_diag and split_diag is None
        assert r.verdict.status is Status.OK


# ------------------------------------------------------------------------------------ invariances
FULL = {"outcome": ["purchased", "revenue", "aov=revenue/orders"], "covariates": ["revenue_pre"],
        "segments": ["device"], "time": "day"}


def _numbers(r: tl.Readout) -> list[float]:
    out = []
    for lift in r.lifts:
        e = lift.estimate
        out += [e.value, e.se, *e.ci, e.pvalue, e.relative.value, *e.relative.ci]
    for seg in r.segments:
        for s in seg.lifts:
            out += [s.lift.estimate.value, s.lift.estimate.se]
    return out


def test_input_frame_is_not_modified(hp):
    frame = hp.copy(deep=True)
    frame["variant"] = frame["variant"].astype("category")
    frame["purchased"] = frame["purchased"].astype(bool)
    frame["revenue"] = frame["revenue"].astype(float)
    frame.loc[frame.index[:5], "revenue"] = np.nan
    before = frame.copy(deep=True)
    tl.readout(frame, treatment="variant", outcome=["purchased", "revenue"], covariates=["revenue_pre"],
               segments=["device"], time="day", drop_missing=True, sequential="always-valid")
    pd.testing.assert_frame_equal(frame, before, check_exact=True)


def test_event_input_frame_is_not_modified():
    events = homepage_events(1_000, seed=4).data
    before = events.copy(deep=True)
    tl.readout(events, treatment="variant", outcome=["revenue", "ctr=clicks/impressions"], unit="user_id",
               time="day", bayes=False)
    pd.testing.assert_frame_equal(events, before, check_exact=True)


def test_row_order_does_not_change_any_estimate(hp):
    a = tl.readout(hp, treatment="variant", **FULL)
    shuffled = hp.sample(frac=1.0, random_state=7)
    b = tl.readout(shuffled, treatment="variant", **FULL)
    na, nb = _numbers(a), _numbers(b)
    assert len(na) == len(nb) > 0
    assert all(_close(x, y) for x, y in zip(na, nb, strict=True))
    for ba, bb in zip(a.bayes, b.bayes, strict=True):
        assert ba.readout.comparisons[0].prob_better == pytest.approx(bb.readout.comparisons[0].prob_better,
                                                                      abs=1e-9)


def test_swapping_control_flips_the_sign_of_the_lift(hp):
    kw = {"outcome": ["purchased", "revenue", "aov=revenue/orders"], "bayes": False}
    for cov in (None, ["revenue_pre"]):
        a = tl.readout(hp, treatment="variant", control="control", covariates=cov, **kw)
        b = tl.readout(hp, treatment="variant", control="personalized", covariates=cov, **kw)
        for la, lb in zip(a.lifts, b.lifts, strict=True):
            assert la.metric == lb.metric and la.variant == "personalized" and lb.variant == "control"
            assert la.estimate.value != 0.0
            assert _close(la.estimate.value, -lb.estimate.value)
            assert _close(la.estimate.se, lb.estimate.se)
            assert _close(la.estimate.pvalue, lb.estimate.pvalue)
            assert _close(la.estimate.ci[0], -lb.estimate.ci[1])


@pytest.mark.parametrize("c", [1e3, 0.01, 7.5])
@pytest.mark.parametrize("cov", [None, ["revenue_pre"]])
def test_scaling_a_mean_metric_scales_value_and_se(hp, c, cov):
    a = tl.readout(hp, treatment="variant", outcome=["revenue", "aov=revenue/orders"], covariates=cov,
                   bayes=False)
    b = tl.readout(hp.assign(revenue=hp["revenue"] * c), treatment="variant",
                   outcome=["revenue", "aov=revenue/orders"], covariates=cov, bayes=False)
    for la, lb in zip(a.lifts, b.lifts, strict=True):
        ea, eb = la.estimate, lb.estimate
        assert _close(eb.value, c * ea.value, 1e-9)
        assert _close(eb.se, c * ea.se, 1e-9)
        assert _close(eb.pvalue, ea.pvalue, 1e-9)
        assert _close(eb.relative.value, ea.relative.value, 1e-9)
        assert _close(eb.relative.ci[0], ea.relative.ci[0], 1e-9)
        assert _close(eb.relative.ci[1], ea.relative.ci[1], 1e-9)


# ------------------------------------------------------------------------------------ multiplicity
def test_adjusted_pvalues_bound_the_raw_ones(hp3_readout):
    lifts = hp3_readout.lifts
    assert len(lifts) == 8
    for lift in lifts:
        p = lift.estimate.pvalue
        assert lift.pvalue_holm >= p - 1e-15
        assert lift.pvalue_bh <= lift.pvalue_holm + 1e-15
        assert lift.pvalue_bh >= p - 1e-15


def test_guardrails_are_their_own_family_by_default(hp3_readout):
    for role in ("primary", "guardrail"):
        group = [lift for lift in hp3_readout.lifts if lift.role == role]
        assert len(group) == 4
        raw = [lift.estimate.pvalue for lift in group]
        holm = _holm_ref(raw)
        bh = _bh_ref(raw)
        np.testing.assert_allclose([lift.pvalue_holm for lift in group], holm, rtol=1e-12)
        np.testing.assert_allclose([lift.pvalue_bh for lift in group], bh, rtol=1e-12)


def test_family_all_adjusts_guardrails_with_primary(hp3, hp3_readout):
    r = tl.readout(hp3, treatment="variant", outcome=["purchased", "revenue"],
                   guardrails=["aov=revenue/orders", "clicks"], family="all", bayes=False)
    raw = [lift.estimate.pvalue for lift in r.lifts]
    np.testing.assert_allclose([lift.pvalue_holm for lift in r.lifts], _holm_ref(raw),
                               rtol=1e-12)
    # the family of 8 adjusts at least as much as the family of 4, and strictly more somewhere
    h_all = np.array([lift.pvalue_holm for lift in r.lifts])
    h_sep = np.array([lift.pvalue_holm for lift in hp3_readout.lifts])
    assert np.all(h_all >= h_sep - 1e-15) and np.any(h_all > h_sep)


@pytest.mark.parametrize("correction", ["holm", "bh", "none"])
def test_significant_follows_the_chosen_correction(hp3, correction):
    r = tl.readout(hp3, treatment="variant", outcome=["purchased", "revenue"],
                   guardrails=["aov=revenue/orders", "clicks"], correction=correction, level=0.95,
                   bayes=False)
    for lift in r.lifts:
        chosen = {"holm": lift.pvalue_holm, "bh": lift.pvalue_bh, "none": lift.estimate.pvalue}[correction]
        assert lift.significant == (chosen < 0.05)


# ------------------------------------------------------------------------------------ CUPED
def test_cuped_reduces_variance_with_a_correlated_covariate(hp):
    r = tl.readout(hp, treatment="variant", outcome=["revenue", "purchased"], covariates=["revenue_pre"],
                   bayes=False)
    plain = tl.readout(hp, treatment="variant", outcome=["revenue", "purchased"], bayes=False)
    for lift, p in zip(r.lifts, plain.lifts, strict=True):
        assert lift.cuped is not None and lift.cuped.covariates == ("revenue_pre",)
        assert lift.cuped.variance_reduction > 0.05
        assert lift.estimate.se < p.estimate.se
        assert all(math.isfinite(z) for z in lift.cuped.imbalance_z)
        assert lift.estimate.method.startswith("cuped")


def test_cuped_with_a_pure_noise_covariate_reduces_nothing(hp):
    noise = np.random.default_rng(11).normal(size=len(hp))
    r = tl.readout(hp.assign(noise=noise), treatment="variant", outcome=["revenue", "purchased"],
                   covariates=["noise"], bayes=False)
    plain = tl.readout(hp, treatment="variant", outcome=["revenue", "purchased"], bayes=False)
    for lift, p in zip(r.lifts, plain.lifts, strict=True):
        assert abs(lift.cuped.variance_reduction) < 0.01
        assert all(math.isfinite(z) for z in lift.cuped.imbalance_z)
        assert lift.estimate.se == pytest.approx(p.estimate.se, rel=0.01)


def test_cuped_per_metric_covariates(hp):
    r = tl.readout(hp, treatment="variant", outcome=["revenue", "purchased"],
                   covariates={"revenue": ["revenue_pre"]}, bayes=False)
    assert r.lift("revenue").cuped is not None
    assert r.lift("purchased").cuped is None
    with pytest.raises(RoleError):
        tl.readout(hp, treatment="variant", outcome=["revenue"], covariates={"nope": ["revenue_pre"]})


# ------------------------------------------------------------------------------------ event level
def test_event_level_readout_equals_users_summed_by_hand():
    events = homepage_events(4_000, seed=2).data
    metrics = ["purchased", "revenue", "aov=revenue/orders", "ctr=clicks/impressions"]
    r = tl.readout(events, treatment="variant", outcome=metrics, unit="user_id", segments=["device"],
                   time="day")
    users = events.groupby(["user_id", "variant", "device"], sort=False).agg(
        purchased=("purchased", "sum"), revenue=("revenue", "sum"), orders=("orders", "sum"),
        clicks=("clicks", "sum"), impressions=("impressions", "sum"), day=("day", "min")).reset_index()
    assert users["user_id"].is_unique
    ref = tl.readout(users, treatment="variant", outcome=metrics, segments=["device"], time="day")
    assert r.provenance.rows_read == len(events) > len(users)
    assert r.provenance.rows_used == len(events)  # rows of the source; users are in the arms
    assert sum(arm.users for arm in r.arms) == len(users)
    na, nb = _numbers(r), _numbers(ref)
    assert all(_close(x, y) for x, y in zip(na, nb, strict=True))
    assert [a.users for a in r.arms] == [a.users for a in ref.arms]


# ------------------------------------------------------------------------------------ sequential
def test_always_valid_interval_is_wider_than_the_fixed_one(monitored):
    assert monitored.sequential is not None and monitored.sequential.method == "always-valid"
    for lift in monitored.lifts:
        av = lift.always_valid
        assert av is not None and av.looks == 14
        lo, hi = lift.estimate.ci
        assert av.ci[0] < lo and av.ci[1] > hi
        assert av.ci[0] <= lift.estimate.value <= av.ci[1]
        assert lift.estimate.pvalue <= av.pvalue <= 1.0
        assert lift.decision_pvalue == av.pvalue


def test_monitoring_paths_have_increasing_users(monitored):
    assert len(monitored.sequential.paths) == 2
    for path in monitored.sequential.paths:
        ns = [look.n for look in path.looks]
        assert len(ns) == len(path.times) == 14
        assert all(b > a for a, b in itertools.pairwise(ns))
        assert list(path.times) == sorted(path.times)
        assert ns[-1] == monitored.lift(path.metric).estimate.n


def test_group_sequential_obrien_fleming(hp):
    r = tl.readout(hp, treatment="variant", outcome=["purchased", "revenue"], time="day",
                   sequential="obrien-fleming", horizon=len(hp), bayes=False)
    gs = r.sequential.group_sequential
    assert [(g.metric, g.variant) for g in gs] == [("purchased", "personalized"), ("revenue", "personalized")]
    for g in gs:
        fr = g.monitoring.boundaries.fractions
        assert all(b > a for a, b in itertools.pairwise(fr))
        assert fr[-1] == pytest.approx(1.0)  # every planned user has arrived
    assert all(lift.always_valid is None for lift in r.lifts)


def test_group_sequential_complete_three_arm_test_reaches_information_one(hp3):
    r = tl.readout(hp3, treatment="variant", outcome=["purchased"], time="day", sequential="obrien-fleming",
                   horizon=len(hp3), bayes=False)
    for g in r.sequential.group_sequential:
        assert g.monitoring.boundaries.fractions[-1] == pytest.approx(1.0, abs=0.02)


@pytest.mark.parametrize("kw", [{"time": "day"}, {"horizon": 20_000}, {}])
def test_group_sequential_needs_time_and_horizon(hp, kw):
    with pytest.raises(MethodError) as err:
        tl.readout(hp, treatment="variant", outcome="purchased", sequential="obrien-fleming", **kw)
    assert "\n" not in str(err.value) and "horizon" in str(err.value)


def test_unknown_sequential_method_is_refused(hp):
    with pytest.raises(MethodError):
        tl.readout(hp, treatment="variant", outcome="purchased", sequential="peeking")


# ------------------------------------------------------------------------------------ Fieller, Bayes
def test_fieller_relative_interval_is_close_to_delta_at_large_n(hp):
    kw = {"outcome": ["purchased", "revenue", "aov=revenue/orders"], "bayes": False}
    delta = tl.readout(hp, treatment="variant", relative="delta", **kw)
    fieller = tl.readout(hp, treatment="variant", relative="fieller", **kw)
    for ld, lf in zip(delta.lifts, fieller.lifts, strict=True):
        rd, rf = ld.estimate.relative, lf.estimate.relative
        assert lf.relative_method == "fieller"
        assert all(math.isfinite(x) for x in rf.ci)
        assert rf.ci[0] < rf.value < rf.ci[1]
        wd, wf = rd.ci[1] - rd.ci[0], rf.ci[1] - rf.ci[0]
        assert abs(wf - wd) <= 0.05 * wd
        assert rf.ci != rd.ci  # it is a different interval
    json.loads(fieller.to_json())


@pytest.mark.parametrize("aa", [False, True])
def test_bayes_readout_agrees_with_the_one_sided_pvalue(hp, aa):
    data = homepage_test(20_000, seed=3, aa=True).data if aa else hp
    r = tl.readout(data, treatment="variant", outcome=["purchased", "revenue"], guardrails=["clicks"])
    assert [b.metric for b in r.bayes] == ["purchased", "revenue", "clicks"]
    models = {b.metric: b.readout.model for b in r.bayes}
    assert models["purchased"] == "beta_binomial" and models["revenue"] == "normal"
    for lift, b in zip(r.lifts, r.bayes, strict=True):
        p = lift.estimate.pvalue
        one_sided = p / 2 if lift.estimate.value > 0 else 1 - p / 2
        better = b.readout.comparisons[0].prob_better
        assert (better - 0.5) * (0.5 - one_sided) > 0  # same side of 0.5
        assert better == pytest.approx(1 - one_sided, abs=0.02)


def test_bayes_is_off_when_asked(hp):
    r = tl.readout(hp, treatment="variant", outcome="purchased", bayes=False)
    assert r.bayes == () and r.provenance.seed is None


# ------------------------------------------------------------------------------------ JSON
def test_to_dict_and_to_json(hp):
    r = tl.readout(hp, treatment="variant", outcome=["purchased", "revenue", "aov=revenue/orders"],
                   covariates=["revenue_pre"], segments=["device"],
                   funnel=["viewed_product", "added_to_cart", "checked_out", "purchased"], time="day",
                   sequential="always-valid")
    d = r.to_dict()
    assert d["kind"] == "readout" and "schema_version" in d
    assert len(d["lifts"]) == 3
    loaded = json.loads(r.to_json())
    assert loaded["kind"] == "readout" and loaded["schema_version"] == d["schema_version"]
    assert loaded["lifts"][0]["estimate"]["value"] == pytest.approx(r.lifts[0].estimate.value)
    assert len(loaded["funnel"]) == 4 and len(loaded["segments"]) == 1
    assert list(r.to_frame()["outcome"]) == ["purchased", "revenue", "aov"]
    assert list(r.table("lifts").to_frame()["metric"]) == ["purchased", "revenue", "aov"]


@pytest.mark.parametrize("source", ["pandas", "parquet"])
def test_dropna_counts_a_row_missing_two_values_once(source, tmp_path):
    frame = _small()
    frame["rev"] = frame["rev"].astype(float)
    frame["x"] = frame["x"].astype(float)
    frame.loc[[3, 4], "rev"] = np.nan
    frame.loc[[4, 9], "x"] = np.nan
    data: object = frame
    if source == "parquet":
        data = str(tmp_path / "t.parquet")
        frame.to_parquet(data)
    r = tl.readout(data, treatment="variant", outcome="rev", covariates=["x"], drop_missing=True, bayes=False)
    assert r.provenance.rows_dropped == {"missing rev, x": 3}
    assert r.provenance.rows_used == len(frame) - 3
