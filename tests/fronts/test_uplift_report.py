"""The fronts of an uplift analysis: terminal, HTML (standalone and notebook), JSON, a real browser."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from test_browser import laid_out_figures

import truelift as tl
from truelift.report.html import render_html
from truelift.report.terminal import render_text
from truelift.report.uplift import view
from truelift.report.views import BUILDERS

HOSTILE_OUTCOME = "<script>x</script>"
HOSTILE_COVARIATE = '"><img src=x onerror=alert(2)>'
HOSTILE_ARM = "<b>bold</b>"
COVARIATES = [f"x{i}" for i in range(1, 11)]
FAST = {"learner": "t", "base": "linear", "folds": 3, "seed": 1}
SECTIONS = ("tl-summary", "tl-reasons", "tl-policy", "tl-diagnostics", "tl-provenance")


def _expected_figures(analysis) -> list[str]:
    return [f"tl-figure-{name}" for name in analysis.figure_names]


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def two():
    """Two arms (control, coupon), two outcomes, a policy and a segment."""
    data, _ = tl.datasets.coupon_campaign(n=3000, seed=1)
    return tl.uplift(data, treatment="arm", control="control", outcome=["converted", "revenue"],
                     covariates=COVARIATES, value=30.0, cost=1.0, segments=["x3"], **FAST)


@pytest.fixture(scope="module")
def three():
    """Three arms, one outcome, a cost per arm and a binding customer budget."""
    data, _ = tl.datasets.coupon_campaign(n=4500, seed=2, arms=("control", "coupon", "email"))
    return tl.uplift(data, treatment="arm", control="control", outcome="converted", covariates=COVARIATES,
                     value=30.0, cost={"coupon": 1.0, "email": 0.2}, max_customers=500, segments=["x3"],
                     **FAST)


@pytest.fixture(scope="module")
def hostile():
    """User strings that are markup: an outcome, a covariate (also a segment) and an arm label."""
    data, _ = tl.datasets.coupon_campaign(n=2000, seed=3)
    frame = data.rename(columns={"converted": HOSTILE_OUTCOME, "x3": HOSTILE_COVARIATE})
    frame["arm"] = np.where(frame["arm"] == "coupon", HOSTILE_ARM, "control")
    covariates = [HOSTILE_COVARIATE if c == "x3" else c for c in COVARIATES]
    return tl.uplift(frame, treatment="arm", control="control", outcome=HOSTILE_OUTCOME,
                     covariates=covariates, segments=[HOSTILE_COVARIATE], **FAST)


@pytest.fixture(scope="module")
def two_html(two) -> str:
    return render_html(two)


@pytest.fixture(scope="module")
def three_html(three) -> str:
    return render_html(three)


def _figures(page: str) -> list[str]:
    return re.findall(r'<figure class="tl-figure" id="([a-zA-Z0-9_-]+)">\s*<svg\b', page)


# --------------------------------------------------------------------------------------------
# terminal


def test_registered():
    assert "uplift" in BUILDERS


def test_terminal_two_arms(two):
    text = render_text(two, width=100)
    assert "\x1b[" not in text
    assert max(len(line) for line in text.splitlines()) <= 100
    assert two.verdict.headline in text
    order = ["truelift uplift: arm (control vs coupon) -> converted, revenue", "Average effect (AIPW)",
             "Targeting quality (held-out)", "Customer groups", "Segments by x3", "top drivers",
             "Targeting policy on converted", "Diagnostics:", "rows read"]
    positions = [text.index(s) for s in order]
    assert positions == sorted(positions)
    for group in ("persuadable", "sure thing", "lost cause", "sleeping dog"):
        assert group in text
    assert "converted (0/1 outcome: effects in percentage points)" in text
    assert "treating everyone with coupon" in text and "treating nobody" in text
    assert "in-sample: optimistic" in text
    assert "Best arm per customer" not in text  # one arm: nothing to choose
    assert str(two) == render_text(two)


def test_terminal_three_arms(three):
    text = render_text(three, width=100)
    assert max(len(line) for line in text.splitlines()) <= 100
    flat_text = flat(text)
    assert "control vs coupon, email" in flat_text
    assert "Best arm per customer" in text
    assert "customer cap (max_customers) binds" in flat_text
    assert "coupon" in text and "email" in text
    n_by_arm = three.policy.n_by_arm
    assert f"coupon {n_by_arm['coupon']:,}" in flat_text and f"email {n_by_arm['email']:,}" in flat_text


def test_view_has_no_unformatted_numbers(two):
    def walk(x):
        if isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, (list, tuple)):
            for v in x:
                walk(v)
        else:
            assert isinstance(x, (str, bool, int)) or x is None, repr(x)  # counts only; floats go via fmt

    walk(view(two))


# --------------------------------------------------------------------------------------------
# HTML


def test_html_two_arms_sections_and_figures(two, two_html):
    page = two_html
    assert page.lstrip().startswith("<!DOCTYPE html>")
    assert 'data-truelift-kind="uplift"' in page
    for section in (*SECTIONS, *(f"tl-outcome-{o}" for o in two.outcomes)):
        assert f'id="{section}"' in page, section
    assert 'id="tl-best-arm"' not in page
    expected = _expected_figures(two)
    assert sorted(_figures(page)) == sorted(expected)
    assert page.count("<svg") == len(expected) and len(two.outcomes) == 2
    assert {"tl-figure-profit", "tl-figure-qini_converted", "tl-figure-qini_revenue"} <= set(expected)
    assert two.verdict.headline in page
    assert "sleeping dog" in page and "shrunk" in page
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page


def test_html_three_arms(three, three_html):
    page = three_html
    for section in (*SECTIONS, "tl-best-arm"):
        assert f'id="{section}"' in page, section
    expected = _expected_figures(three)
    assert sorted(_figures(page)) == sorted(expected)
    assert page.count("<svg") == len(expected)
    assert "treating everyone with email" in page and "(max_customers) binds" in page


@pytest.mark.parametrize("name", ["two_html", "three_html"])
def test_html_self_contained(name, request):
    page = request.getfixturevalue(name)
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?!#)""", page), "only in-page links"
    assert "@import" not in page
    assert not re.search(r"url\(\s*['\"]?(?!#)", page), "only in-page url(#id) references"
    assert len(re.findall(r"<script\b", page, flags=re.I)) == 1  # the figure counter


def test_html_escapes_user_strings(hostile):
    assert hostile.policy is None
    page = render_html(hostile)
    assert HOSTILE_OUTCOME not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert re.search(r"<title>truelift uplift: arm \([^<]*\) -&gt; &lt;script&gt;x&lt;/script&gt;</title>",
                     page)
    assert "<img" not in page
    assert HOSTILE_ARM not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert len(re.findall(r"<script\b", page, flags=re.I)) == 1  # the report's own figure counter
    assert "not built (give value=" in page  # no value and cost: no policy
    text = render_text(hostile)
    assert HOSTILE_OUTCOME in text and HOSTILE_ARM in text  # the terminal prints labels as they are


def _body(page: str) -> str:
    start = page.index('<div class="tl-report"')
    return page[start:page.index("</footer>", start)]


def test_repr_html_is_the_fragment_and_deterministic(three, three_html):
    frag = three._repr_html_()
    assert "<html" not in frag and "<body" not in frag and "<script" not in frag
    assert 'class="tl-report"' in frag and "<style>" in frag
    assert frag.count("<svg") == len(three.figure_names)
    assert _body(frag) == _body(three_html)  # two renders, the same report


# --------------------------------------------------------------------------------------------
# JSON


@pytest.mark.parametrize("name", ["two", "three"])
def test_to_json_round_trips(name, request):
    analysis = request.getfixturevalue(name)
    data = json.loads(analysis.to_json())
    assert data["kind"] == "uplift"
    assert "schema_version" in data
    assert data["outcomes"] == list(analysis.outcomes)
    assert len(data["results"][0]["arms"]) == len(analysis.arms) - 1
    assert data == json.loads(json.dumps(analysis.to_dict(), allow_nan=False))


# --------------------------------------------------------------------------------------------
# a real browser


@pytest.mark.browser
def test_uplift_report_lays_out_figures_in_chromium(three, three_html, tmp_path):
    report = tmp_path / "uplift.html"
    report.write_text(three_html, encoding="utf-8")
    dom, figures = laid_out_figures(report, tmp_path)
    assert figures == len(three.figure_names)
    for fig in _expected_figures(three):
        assert f'id="{fig}"' in dom
