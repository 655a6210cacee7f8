"""The terminal summary: content, order, plain text, and the dispatch on the analysis kind."""

from __future__ import annotations

import pytest

from truelift.report.terminal import render_text, renderable
from truelift.report.views import BUILDERS


def flat(text: str) -> str:
    return " ".join(text.split())


def test_render_text_has_headline_and_sections_in_order(fast_analysis):
    text = render_text(fast_analysis)
    assert fast_analysis.verdict.headline in text
    order = ["Causal estimate:", "Why:", "Naive vs causal", "Overlap of the propensity score",
             "Covariate balance", "Sensitivity to hidden confounding", "Refutation tests",
             "Rollout projection", "rows read"]
    positions = [text.index(s) for s in order]
    assert positions == sorted(positions)


def test_plain_text_has_no_ansi_and_fits_width(fast_analysis):
    text = render_text(fast_analysis)
    assert "\x1b[" not in text
    assert max(len(line) for line in text.splitlines()) <= 110


def test_sentence_names_primary_estimate_against_naive(fast_analysis):
    text = flat(render_text(fast_analysis))
    est = fast_analysis.estimate("made_purchase")
    assert "made_purchase by" in text
    assert "naive +" in text
    assert "pp (95% CI" in text  # 0/1 outcome in percentage points
    assert f"[{est.method}]" in text


def test_table_has_every_method_and_naive(fast_analysis):
    text = render_text(fast_analysis)
    for m in ("naive", "ipw *", "regression"):
        assert m in text
    assert "1,000,000" in text  # projection customers with thousands separators


def test_str_and_rich_hooks(fast_analysis):
    assert str(fast_analysis) == render_text(fast_analysis)
    assert fast_analysis.__rich__() is not None
    assert type(fast_analysis.__rich__()) is type(renderable(fast_analysis))


def test_not_an_analysis_is_refused():
    class Other:
        kind = "nonsense"

    with pytest.raises(AttributeError):
        renderable(Other())
    assert "observational" in BUILDERS


def test_a_plan_at_80_columns_shows_every_number_whole():
    import truelift as tl
    from truelift.report.terminal import render_text

    plan = tl.plan(baseline=0.1, mde=0.01, n_per_arm=3_000, daily_traffic=2_000)
    for width, wide in ((80, False), (120, True)):
        text = render_text(plan, width=width)
        assert "…" not in text and max(map(len, text.splitlines())) <= width
        for number in ("24.4%", "3,000", "6,000", "+1.0 pp", "+10.0%", "3 days"):
            assert number in text, (width, number)
        # the one-row table where it fits, label/value pairs where it does not
        assert ("MDE relative  alpha / comparison" in text) is wide, width
