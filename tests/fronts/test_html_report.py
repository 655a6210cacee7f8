"""The HTML report: self-contained, escapes user strings, carries the three figures."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from truelift import observe
from truelift.report.html import render_fragment, render_html, write_html

HOSTILE = "<script>alert(1)</script>"
HOSTILE_OUTCOME = '"><img src=x onerror=alert(2)>'


@pytest.fixture(scope="module")
def html(fast_analysis) -> str:
    return render_html(fast_analysis)


@pytest.fixture(scope="module")
def hostile_analysis():
    rng = np.random.default_rng(1)
    n = 1_500
    x = rng.normal(size=n)
    t = (rng.random(n) < 1 / (1 + np.exp(-0.5 * x))).astype(int)
    frame = pd.DataFrame({
        "arm": t, HOSTILE_OUTCOME: (rng.random(n) < 0.2 + 0.05 * t + 0.05 * (x > 0)).astype(int),
        HOSTILE: x, "seg": rng.choice(["a", "<b>bold</b>"], size=n),
    })
    return observe(frame, treatment="arm", outcome=HOSTILE_OUTCOME, covariates=[HOSTILE, "seg"],
                   method=["ipw", "regression"], customers=1000)


def test_hostile_column_names_are_escaped(hostile_analysis):
    for page in (render_html(hostile_analysis), render_fragment(hostile_analysis)):
        assert HOSTILE not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<img" not in page
        assert "<b>bold</b>" not in page
        # the only script element is the report's own figure counter (standalone page only)
        assert len(re.findall(r"<script\b", page, flags=re.I)) <= 1
    assert "<script" not in render_fragment(hostile_analysis)


def test_no_external_references(html):
    assert "http://" not in html
    assert "https://" not in html
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?!#)""", html), "only in-page links"
    assert "@import" not in html
    assert not re.search(r"url\(\s*['\"]?(?!#)", html), "only in-page url(#id) references"


def test_every_figure_inline_svg(html, fast_analysis):
    names = fast_analysis.figure_names
    assert {"balance", "overlap", *(f"forest_{o}" for o in fast_analysis.roles.outcomes)} <= set(names)
    for fig in names:
        m = re.search(rf'<figure class="tl-figure" id="tl-figure-{fig}">\s*<svg\b', html)
        assert m, f"{fig} has no inline svg"
    assert html.count("<svg") == len(names)
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html


def test_page_shell_and_sections(html, fast_analysis):
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in html
    assert fast_analysis.verdict.headline in html
    assert f'tl-verdict {fast_analysis.verdict.status.value}' in html
    for section in ("tl-estimates", "tl-reasons", "tl-balance", "tl-overlap", "tl-figures",
                    "tl-sensitivity", "tl-refutations", "tl-projections", "tl-provenance"):
        assert f'id="{section}"' in html
    assert "document.body.dataset.figures" in html
    # every covariate of the balance table is shown
    for row in fast_analysis.balance[0].rows:
        assert row.covariate in html


def test_fragment_is_the_body_without_shell(fast_analysis):
    frag = render_fragment(fast_analysis)
    assert "<html" not in frag and "<body" not in frag and "<script" not in frag
    assert 'class="tl-report"' in frag and "<style>" in frag
    assert fast_analysis._repr_html_() == frag


def test_write_html_utf8(fast_analysis, tmp_path):
    path = write_html(fast_analysis, tmp_path / "report.html")
    text = path.read_bytes().decode("utf-8")
    assert "—" in text or "→" in text  # non-ASCII survived as UTF-8
    assert text == render_html(fast_analysis)


def test_html_is_deterministic(fast_analysis, html):
    assert render_html(fast_analysis) == html


def test_sections_say_what_was_not_run(demo_frame):
    analysis = observe(demo_frame, treatment="received_personalization",
                       outcome="made_purchase", covariates=["engagement_score", "device_type"],
                       method="regression", refute=False)
    page = render_html(analysis)
    assert "Not run (refutations were switched off" in page
    assert "No projection" in page
    assert "Rosenbaum bounds: not computed (they need the matched design" in page
    assert 'id="tl-figure-balance"' in page  # the IPW balance check is always there


def test_nuisance_models_table_lists_every_candidate(html, fast_analysis):
    from truelift.report.terminal import render_text

    assert 'id="tl-nuisance"' in html
    text = render_text(fast_analysis, width=80)
    assert "Nuisance models" in text
    from truelift.report import format as fmt

    assert fast_analysis.nuisance  # the propensity's choice at least
    for choice in fast_analysis.nuisance:
        assert f">{choice.chosen}</td>" in html
        for cand in choice.candidates:
            shown = "failed" if cand.error is not None else fmt.number(cand.loss, 4)
            assert f"{cand.name} {shown}" in html
    assert all(len(line) <= 80 for line in text.splitlines())
