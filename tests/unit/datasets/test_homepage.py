"""Homepage test generators: reproducible, well-formed, and their analytic truth matches big draws."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from truelift.datasets import factorial_test, homepage_events, homepage_test
from truelift.datasets._homepage import FUNNEL, METRICS

THREE = ("control", "personalized", "recs_v2")
RATIOS = {"aov": ("revenue", "orders"), "ctr": ("clicks", "impressions"),
          "cart_given_view": ("added_to_cart", "viewed_product"),
          "checkout_given_cart": ("checked_out", "added_to_cart"),
          "purchase_given_checkout": ("purchased", "checked_out")}


@pytest.fixture(scope="module")
def big() -> tuple[pd.DataFrame, object]:
    return homepage_test(450_000, seed=123, variants=THREE)


def _mean_se(frame: pd.DataFrame, metric: str) -> tuple[float, float]:
    """Mean (or ratio of means) and its standard error (delta method for ratios)."""
    if metric in RATIOS:
        num, den = (frame[c].to_numpy(float) for c in RATIOS[metric])
        r = num.mean() / den.mean()
        return r, float(np.std(num - r * den) / den.mean() / np.sqrt(len(num)))
    y = frame[metric].to_numpy(float)
    return float(y.mean()), float(y.std() / np.sqrt(len(y)))


def _to_users(events: pd.DataFrame) -> pd.DataFrame:
    return events.groupby("user_id", sort=True).agg(
        variant=("variant", "first"), device=("device", "first"), visitor=("visitor", "first"),
        **{f: (f, "max") for f in FUNNEL},
        orders=("orders", "sum"), revenue=("revenue", "sum"), clicks=("clicks", "sum"),
        impressions=("impressions", "sum"),
    ).reset_index()


def test_same_seed_same_data_and_other_seed_other_data():
    a = homepage_test(3_000, seed=7, variants=THREE, srm=0.05)
    b = homepage_test(3_000, seed=7, variants=THREE, srm=0.05)
    pd.testing.assert_frame_equal(a.data, b.data)
    pd.testing.assert_frame_equal(a.truth.lifts, b.truth.lifts)
    assert not a.data.equals(homepage_test(3_000, seed=8, variants=THREE, srm=0.05).data)
    pd.testing.assert_frame_equal(homepage_events(500, seed=7).data, homepage_events(500, seed=7).data)
    pd.testing.assert_frame_equal(factorial_test(500, seed=7).data, factorial_test(500, seed=7).data)


def test_columns_and_funnel_nesting():
    data = homepage_test(20_000, seed=1).data
    assert list(data.columns) == [
        "user_id", "variant", "day", "device", "visitor", "sessions_pre", "revenue_pre", "converted_pre",
        *FUNNEL, "orders", "revenue", "clicks", "impressions"]
    assert data["user_id"].is_unique
    stages = data[list(FUNNEL)].to_numpy()
    assert set(np.unique(stages)) == {0, 1}
    assert (np.diff(stages, axis=1) <= 0).all()
    assert ((data["orders"] >= data["purchased"]) & ((data["orders"] > 0) == (data["purchased"] == 1))).all()
    assert ((data["revenue"] > 0) == (data["orders"] > 0)).all()
    assert (data["clicks"] <= data["impressions"]).all()
    assert 0.01 < (data["impressions"] == 0).mean() < 0.3
    assert data["day"].between(0, 13).all() and (data["day"] == 0).sum() > (data["day"] == 13).sum()
    assert set(data["device"]) == {"desktop", "mobile", "tablet"}
    new = data["visitor"] == "new"
    assert (data.loc[new, ["sessions_pre", "revenue_pre", "converted_pre"]] == 0).all().all()
    assert ((data["revenue_pre"] > 0) == (data["converted_pre"] == 1)).all()
    assert abs((data["variant"] == "personalized").mean() - 0.5) < 0.015


def test_truth_table_shape_and_accessors():
    truth = homepage_test(1_000, variants=THREE).truth
    lifts = truth.lifts
    assert list(lifts.columns) == ["variant", "metric", "segment_column", "segment", "control_value",
                                   "variant_value", "absolute", "relative"]
    assert len(lifts) == 2 * len(METRICS) * 6
    overall = lifts[lifts["segment_column"].isna()]
    assert len(overall) == 2 * len(METRICS) and overall["segment"].isna().all()
    assert truth.planned_split == pytest.approx({v: 1 / 3 for v in THREE})
    assert truth.control == "control"
    r = truth.row("revenue", "recs_v2", "device", "mobile")
    assert truth.absolute("revenue", "recs_v2", "device", "mobile") == r["variant_value"] - r["control_value"]
    rel = truth.absolute("purchased") / truth.baseline("purchased")
    assert truth.relative("purchased") == pytest.approx(rel)
    # the second arm has half the default effect scale, so a smaller lift
    assert 0 < truth.absolute("purchased", "recs_v2") < truth.absolute("purchased", "personalized")
    with pytest.raises(ValueError, match="unknown metric"):
        truth.row("bounce")


def test_effects_sit_at_cart_and_differ_by_segment():
    t = homepage_test(100).truth
    assert t.relative("cart_given_view") > 0.1
    assert abs(t.relative("purchase_given_checkout")) < 0.02 and abs(t.relative("checkout_given_cart")) < 0.03
    assert 0 < t.relative("aov") < 0.03 and t.relative("ctr") > 0.1
    by_device = {d: t.relative("purchased", None, "device", d) for d in ("desktop", "mobile", "tablet")}
    assert by_device["mobile"] > by_device["desktop"] > 10 * abs(by_device["tablet"])
    assert t.relative("revenue", None, "visitor", "returning") > t.relative("revenue", None, "visitor", "new")


def test_aa_and_zero_lifts_have_zero_truth():
    for kwargs in ({"aa": True}, {"lifts": 0.0}, {"aa": True, "lifts": {"recs_v2": 3.0}}):
        lifts = homepage_test(100, variants=THREE, **kwargs).truth.lifts
        assert (lifts["absolute"] == 0).all() and (lifts["relative"] == 0).all()


def test_lifts_scale_the_effects():
    base = homepage_test(100).truth.absolute("revenue")
    assert homepage_test(100, lifts=2.0).truth.absolute("revenue") > 1.8 * base
    assert homepage_test(100, lifts={"personalized": -1.0}).truth.absolute("revenue") < 0
    t = homepage_test(100, variants=THREE, lifts={"recs_v2": 1.0}).truth
    assert t.absolute("ctr", "recs_v2") == t.absolute("ctr", "personalized")
    with pytest.raises(ValueError, match="not treatment variants"):
        homepage_test(100, lifts={"control": 1.0})
    with pytest.raises(ValueError, match="two distinct"):
        homepage_test(100, variants=("a", "a"))


def test_srm_loses_the_requested_share_of_the_last_arm():
    full = homepage_test(seed=2, variants=THREE).data
    lossy = homepage_test(seed=2, variants=THREE, srm=0.03).data
    n_last = int((full["variant"] == "recs_v2").sum())
    assert len(full) - len(lossy) == round(0.03 * n_last)
    counts = lossy["variant"].value_counts()
    assert counts["recs_v2"] / counts["control"] == pytest.approx(0.97, abs=0.03)
    lost = full[~full["user_id"].isin(lossy["user_id"])]
    assert (lost["variant"] == "recs_v2").all() and (lost["viewed_product"] == 0).all()
    with pytest.raises(ValueError, match="bounce share"):
        homepage_test(2_000, srm=0.9)


def test_simpson_pooled_sign_disagrees_with_every_visitor_segment():
    data, truth = homepage_test(simpson=True)

    def diff(frame: pd.DataFrame) -> tuple[float, float]:
        g = frame.groupby("variant")["purchased"]
        m, v, n = g.mean(), g.var(), g.size()
        return m["personalized"] - m["control"], float(np.sqrt((v / n).sum()))

    pooled, _ = diff(data)
    assert pooled < 0 < truth.absolute("purchased")
    assert abs((data["variant"] == "control").mean() - 0.5) < 0.01  # the overall split looks fine
    strata = {}
    for visitor, share in (("new", 0.4), ("returning", 0.6)):
        part = data[data["visitor"] == visitor]
        d, se = diff(part)
        assert d > 0
        strata[visitor] = (share, d, se)
        planned_control = 0.2 if visitor == "new" else 0.7
        assert (part["variant"] == "control").mean() == pytest.approx(planned_control, abs=0.02)
    # post-stratifying by visitor type with the population shares recovers the truth
    est = sum(s * d for s, d, _ in strata.values())
    se = np.sqrt(sum((s * e) ** 2 for s, _, e in strata.values()))
    assert abs(est - truth.absolute("purchased")) < 4 * se


@pytest.mark.parametrize("variant", THREE[1:])
def test_truth_matches_a_big_draw(big, variant):
    data, truth = big
    control = data[data["variant"] == "control"]
    arm = data[data["variant"] == variant]
    for metric in METRICS:
        (c, se_c), (t, se_t) = _mean_se(control, metric), _mean_se(arm, metric)
        row = truth.row(metric, variant)
        assert abs(c - row["control_value"]) < 4 * se_c, metric
        assert abs((t - c) - row["absolute"]) < 4 * np.hypot(se_c, se_t), metric
    for column, segment in (("device", "mobile"), ("device", "tablet"), ("visitor", "new")):
        for metric in ("purchased", "revenue", "ctr"):
            part = data[data[column] == segment]
            (c, se_c), (t, se_t) = (_mean_se(part[part["variant"] == v], metric)
                                    for v in ("control", variant))
            assert abs((t - c) - truth.absolute(metric, variant, column, segment)) < 4 * np.hypot(se_c, se_t)


def test_cuped_on_revenue_pre_removes_a_visible_share_of_variance():
    data = homepage_test().data
    r = np.corrcoef(data["revenue"], data["revenue_pre"])[0, 1]
    assert 0.2 < r**2 < 0.5


def test_events_sum_to_the_user_table():
    events, truth = homepage_events(3_000, seed=4, variants=THREE, srm=0.02)
    users = homepage_test(3_000, seed=4, variants=THREE, srm=0.02)
    pd.testing.assert_frame_equal(truth.lifts, users.truth.lifts)
    agg = _to_users(events)
    ref = users.data.sort_values("user_id").reset_index(drop=True)
    cols = ["user_id", "variant", "device", "visitor", *FUNNEL, "orders", "clicks", "impressions"]
    pd.testing.assert_frame_equal(agg[cols], ref[cols], check_dtype=False)
    assert np.abs(agg["revenue"] - ref["revenue"]).max() <= 0.01 * ref["orders"].max()
    stages = events[list(FUNNEL)].to_numpy()
    assert (np.diff(stages, axis=1) <= 0).all() and (events["clicks"] <= events["impressions"]).all()
    assert ((events["orders"] > 0) == (events["purchased"] == 1)).all()
    assert events["timestamp"].is_monotonic_increasing and events["session_id"].is_unique
    assert len(events) > 1.5 * len(agg)
    first_day = events.groupby("user_id")["day"].min()
    assert (first_day.sort_index().to_numpy() == ref["day"].to_numpy()).all()


def test_factorial_truth_matches_a_big_draw():
    data, truth = factorial_test(400_000, seed=9)
    assert list(data.columns) == ["user_id", "layout", "banner", "purchased", "revenue", "revenue_pre"]
    assert ((data["revenue"] > 0) == (data["purchased"] == 1)).all()
    g = data.groupby(["layout", "banner"])
    means = g[["purchased", "revenue"]].mean()
    se = np.sqrt(g[["purchased", "revenue"]].var() / g.size().to_numpy()[:, None])
    signs = {"layout": {("new", "off"): 1, ("new", "on"): 1, ("old", "off"): -1, ("old", "on"): -1},
             "banner": {("old", "on"): 1, ("new", "on"): 1, ("old", "off"): -1, ("new", "off"): -1},
             "interaction": {("new", "on"): 2, ("old", "off"): 2, ("new", "off"): -2, ("old", "on"): -2}}
    for metric in ("purchased", "revenue"):
        for cell in means.index:
            assert abs(means.loc[cell, metric] - truth.cell_mean(*cell, metric)) < 4 * se.loc[cell, metric]
        for effect, w in signs.items():
            est = sum(w[c] * means.loc[c, metric] for c in w) / 2
            err = np.sqrt(sum((w[c] / 2 * se.loc[c, metric]) ** 2 for c in w))
            value = (truth.interaction(metric) if effect == "interaction"
                     else truth.main_effect(effect, metric))
            assert abs(est - value) < 4 * err, (effect, metric)
    assert truth.interaction("purchased") < 0 < truth.main_effect("layout", "purchased")


def test_generators_are_fast():
    for make, n in ((homepage_test, 40_000), (factorial_test, 40_000), (homepage_events, 5_000)):
        make(n, seed=0)  # warm the truth cache
        best = min(_timed(make, n) for _ in range(3))
        assert best < 0.5, (make.__name__, best)


def _timed(make: object, n: int) -> float:
    start = time.perf_counter()
    make(n, seed=1)  # type: ignore[operator]
    return time.perf_counter() - start
