"""The fronts of a randomized test: readout and plan in the terminal, HTML, notebook and JSON."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import truelift as tl
from truelift.datasets import homepage_test
from truelift.report import format as fmt
from truelift.report.draw import DRAW
from truelift.report.html import render_fragment, render_html
from truelift.report.terminal import render_text
from truelift.report.views import BUILDERS

HOSTILE = "<script>alert(1)</script>"
HOSTILE_METRIC = "<img src onerror alert(2)>"  # no "=" or "/": those are metric-spec syntax
FUNNEL = ["viewed_product", "added_to_cart", "checked_out", "purchased"]
FIGURES = ("tl-figure-forest", "tl-figure-funnel", "tl-figure-segments_device")


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def full():
    """Every part of a readout: CUPED, guardrail, segments, funnel, always-valid over days."""
    d = homepage_test(20_000, seed=1)
    return tl.readout(d.data, treatment="variant", control="control",
                      outcome=["purchased", "revenue", "aov=revenue/orders"],
                      guardrails=["ctr=clicks/impressions"], covariates=["revenue_pre", "sessions_pre"],
                      segments=["device", "visitor"], funnel=FUNNEL, time="day", sequential="always-valid")


@pytest.fixture(scope="module")
def text(full) -> str:
    return render_text(full)


@pytest.fixture(scope="module")
def html(full) -> str:
    return render_html(full)


@pytest.fixture(scope="module")
def three_arms():
    d = homepage_test(12_000, seed=1, variants=("control", "personalized", "recs_v2"))
    return tl.readout(d.data, treatment="variant", outcome=["purchased"], guardrails=["revenue"],
                      funnel=FUNNEL,
                      segments=["device"], time="day", sequential="obrien-fleming", horizon=12_000)


@pytest.fixture(scope="module")
def bare():
    """No time, segments, funnel or Bayesian part; a sample-ratio mismatch (60/40 for a 50/50 plan)."""
    rng = np.random.default_rng(5)
    n = 3_000
    arm = np.where(rng.random(n) < 0.6, "control", "treatment")
    frame = pd.DataFrame({"arm": arm, "bought": (rng.random(n) < 0.1).astype(int),
                          "spend": rng.gamma(2.0, 10.0, size=n)})
    return tl.readout(frame, treatment="arm", outcome=["bought", "spend"], bayes=False)


@pytest.fixture(scope="module")
def hostile():
    rng = np.random.default_rng(1)
    n = 3_000
    arm = rng.choice(["control", HOSTILE], size=n)
    s1 = (rng.random(n) < 0.6).astype(int)
    frame = pd.DataFrame({
        "arm": arm, "day": rng.integers(0, 5, size=n), "seg": rng.choice(["a", "<b>bold</b>"], size=n),
        "s1": s1, HOSTILE_METRIC: s1 * (rng.random(n) < 0.2 + 0.05 * (arm == HOSTILE)).astype(int),
    })
    return tl.readout(frame, treatment="arm", outcome=[HOSTILE_METRIC], segments=["seg"],
                      funnel=["s1", HOSTILE_METRIC], time="day", sequential="always-valid")


# --------------------------------------------------------------------------- terminal


def test_terminal_sections_in_order(full, text):
    assert full.verdict.headline in text
    order = ["truelift readout:", "Arms:", "Primary metrics", "Guardrails", "Bayesian readout",
             "Segments by device", "Segments by visitor", "Funnel: personalized vs control",
             "Over time", "rows read"]
    positions = [text.index(s) for s in order]
    assert positions == sorted(positions)


def test_terminal_plain_and_fits_width(text):
    assert "\x1b[" not in text
    assert max(len(line) for line in text.splitlines()) <= 110


def test_terminal_lift_table(full, text):
    t = flat(text)
    lift = full.lift("purchased")
    assert f"purchased: personalized {fmt.lift(lift.estimate.value, binary=True)} vs control" in t
    assert fmt.percent(lift.estimate.relative.value) in t
    assert "p Holm *" in t  # the column that decides significance
    assert "✓" in t
    assert "CUPED" in t and "var. cut" in t and fmt.share(lift.cuped.variance_reduction) in t
    assert "always-valid" in t and fmt.pvalue(lift.always_valid.pvalue) in t
    assert "purchased (pp)" in t  # 0/1 metric: lifts in percentage points
    assert fmt.share(full.srm.observed_share[0]) in t


def test_terminal_bayes_segments_funnel_sequential(full, text):
    t = flat(text)
    assert "P(best)" in t and "loss" in t and "credible" in t
    assert "Cochran Q" in t and "Simpson's paradox" in t
    assert "Split of users by device" in t
    assert "step conv." in t and "reach" in t
    assert "always-valid (normal-mixture confidence sequence)" in t
    assert fmt.count(full.provenance.rows_read) in t


def test_terminal_three_arms_group_sequential(three_arms):
    t = flat(render_text(three_arms))
    assert "recs_v2" in t and "personalized" in t
    assert "O'Brien–Fleming" in t
    assert "boundary" in t and "repeated" in t and ("yes, look" in t or "not yet" in t)
    assert "Funnel: recs_v2 vs control" in t


def test_terminal_srm_fail_and_missing_parts(bare):
    assert bare.verdict.status.value == "fail"
    t = flat(render_text(bare))
    assert "FAIL" in t and "sample-ratio mismatch" in t.lower()
    assert "not computed (bayes=False)" in t
    assert "no enrolment time given" in t
    assert "Segments by" not in t and "Funnel:" not in t


def test_terminal_prints_user_labels_as_they_are(hostile):
    t = render_text(hostile)
    assert HOSTILE in t and "<b>bold</b>" in t
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"arm": rng.choice(["control", "[/oops] [bold]x"], size=500),
                          "y": (rng.random(500) < 0.3).astype(int)})
    assert "[/oops] [bold]x" in render_text(tl.readout(frame, treatment="arm", outcome="y"))


def test_str_and_dispatch(full, text):
    assert str(full) == text
    assert {"readout", "plan", "observational"} <= set(BUILDERS)


# --------------------------------------------------------------------------- HTML


def test_html_has_every_figure_inline(html, full):
    for fig in FIGURES:
        assert re.search(rf'<figure class="tl-figure" id="{fig}">\s*<svg\b', html), fig
    assert html.count("<svg") == len(full.figure_names)
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html


def test_html_self_contained(html, full):
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?!#)""", html)
    assert not re.search(r"url\(\s*['\"]?(?!#)", html)
    assert full.verdict.headline in html
    for section in ("tl-reasons", "tl-arms", "tl-lifts-primary", "tl-bayes", "tl-segments-device",
                    "tl-funnel-personalized", "tl-sequential", "tl-metrics", "tl-provenance"):
        assert f'id="{section}"' in html
    assert 'data-truelift-kind="readout"' in html


def test_html_escapes_user_strings(hostile):
    page = render_html(hostile)
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "<img" not in page and "<b>bold</b>" not in page
    assert len(re.findall(r"<script\b", page, flags=re.I)) == 1  # the page's own figure counter
    assert page.count("<svg") == len(hostile.figure_names)  # labels are drawn as paths, not markup


def test_repr_html_is_the_fragment(full, bare):
    frag = full._repr_html_()
    assert "<html" not in frag and "<body" not in frag and "<script" not in frag
    assert 'class="tl-report"' in frag and "<style>" in frag
    assert frag.count("<svg") == len(full.figure_names) and full.verdict.headline in frag
    assert bare._repr_html_() == render_fragment(bare)  # the same body (cheap: one figure)


def test_html_without_optional_parts(bare):
    page = render_html(bare)
    assert page.count("<svg") == 1  # the forest plot only
    assert "Bayesian readout: not computed (bayes=False)" in page
    assert "No segments" in page and "No funnel" in page and "no enrolment time" in page
    assert 'tl-verdict fail' in page


def test_html_three_arms(three_arms):
    page = render_html(three_arms)
    assert page.count("<svg") == len(three_arms.figure_names)
    assert "Group-sequential boundaries" in page and "recs_v2" in page


# --------------------------------------------------------------------------- JSON


def test_to_json_round_trips(full):
    data = json.loads(full.to_json())
    assert data["schema_version"] >= 1 and data["kind"] == "readout"
    assert len(data["lifts"]) == len(full.lifts)
    assert data["lifts"][0]["estimate"]["value"] == full.lifts[0].estimate.value  # full precision


# --------------------------------------------------------------------------- plan


@pytest.mark.parametrize("kwargs", [
    {"baseline": 0.05, "mde": 0.1, "relative": True, "daily_traffic": 20_000},
    {"metric": "mean", "baseline": 18.0, "sd": 40.0, "mde": 1.5, "variants": 2,
     "sequential": "obrien-fleming", "looks": 4, "daily_traffic": 5_000},
    {"baseline": 0.05, "n_per_arm": 20_000, "sequential": "pocock", "looks": 3},
])
def test_plan_renders(kwargs):
    plan = tl.plan(**kwargs)
    t = flat(render_text(plan))
    assert "truelift plan" in t and fmt.count(plan.n_total) in t
    assert fmt.share(plan.power) in t
    if plan.sequential is not None:
        assert "Sequential design" in t and "expected users" in t
    page = render_html(plan)
    assert 'data-truelift-kind="plan"' in page
    # a group-sequential plan draws its stopping boundaries; a fixed-horizon plan has no figure
    assert ("<svg" in page) == (plan.sequential is not None and plan.sequential.boundaries is not None)
    assert fmt.count(plan.n_total) in page
    assert plan._repr_html_() == render_fragment(plan)
    assert json.loads(plan.to_json())["kind"] == "plan"


# --------------------------------------------------------------------------- figures and formats


def test_series_takes_text_times_and_empty_bands():
    from truelift.schema import Figure

    fig = Figure(name="c", kind="series", title="x", data={
        "x": ["2024-01-01", "2024-01-02", "2024-01-03"], "lines": {"lift": [0.1, 0.2, 0.15]},
        "band": {"line": "lift", "lower": [-0.5, 0.1, 0.2], "upper": [0.6, 0.3, 0.1]}})
    svg = DRAW["series"](fig)  # the last band is empty (low > high)
    assert svg.startswith("<svg") and "http" not in svg


@pytest.mark.parametrize(("value", "text"), [
    (0.9731, "97.3%"), (0.99996, "> 99.9%"), (1.0, "> 99.9%"), (2e-9, "< 0.1%"), (0.0, "< 0.1%"),
    (None, "—"),
])
def test_probability(value, text):
    assert fmt.probability(value) == text


def test_small_formats():
    assert fmt.p_equals(0.0421) == "p = 0.042"
    assert fmt.p_equals(1e-9) == "p < 0.001"
    assert fmt.loss(1e-9, binary=True) == "< 0.0001 pp"
    assert fmt.loss(0.0123, binary=True) == "1.2 pp"
    assert fmt.loss(0.255, binary=False) == "0.255"
    assert fmt.short(0.05) == "0.05" and fmt.short(1 / 60) == "0.0167"


def test_factorial_renders_in_terminal_html_and_json():
    import json as _json

    import truelift as _tl

    data = _tl.datasets.factorial_test(n=4_000, seed=2).data.copy()
    data["layout"] = data["layout"].replace({"new": "<b>new</b>"})
    f = _tl.factorial(data, factors={"layout": "old", "banner": "off"}, outcome=["purchased", "revenue"])
    text = str(f)
    assert "Main effects and interactions" in text and "layout x banner" in text
    html = f._repr_html_()
    assert "&lt;b&gt;new&lt;/b&gt;" in html and "<b>new</b>" not in html
    assert _json.loads(f.to_json())["kind"] == "factorial"
