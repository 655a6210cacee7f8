"""Fronts of the quasi-experiment result: terminal, HTML, JSON and every figure kind (issue 5).

The analysis here is built by hand (no estimator runs), so these tests check the rendering alone:
each figure kind draws, user strings are escaped, the JSON is the result's ``to_dict()``.
"""

from __future__ import annotations

import json

import pytest
from test_browser import laid_out_figures

from truelift.quasi.result import QuasiAnalysis, effect_estimate
from truelift.report.draw import DRAW
from truelift.report.html import render_html, write_html
from truelift.schema import FIGURE_KINDS, Diagnostic, Figure, Provenance, Status, Table, Verdict

FIGURES = (
    Figure(name="es", kind="event_study", title="Event study", xlabel="periods since adoption",
           data={"x": (-3, -2, -1, 0, 1, 2), "reference": -1,
                 "series": {"robust": {"value": (0.01, -0.02, 0.0, 0.5, 0.6, 0.7),
                                       "lower": (-0.1, -0.1, 0.0, 0.4, 0.5, 0.6),
                                       "upper": (0.1, 0.1, 0.0, 0.6, 0.7, 0.8)},
                            "TWFE": {"value": (0.0, 0.0, 0.0, 0.4, 0.4, 0.3)}}}),
    Figure(name="series", kind="series", title="Treated vs synthetic",
           data={"x": ("2024-01-01", "2024-01-02", "2024-01-03"), "lines": {"treated": (1, 2, 3),
                                                                          "synthetic": (1, 1.5, 2)},
                 "band": {"lower": (0.9, 1.2, 1.6), "upper": (1.1, 1.8, 2.4)}, "marker": "2024-01-02"}),
    Figure(name="gaps", kind="gaps", title="Placebo gaps",
           data={"x": (1, 2, 3), "treated": (0, 0.1, 1.0),
                 "placebos": {"a": (0, 0.1, -0.2), "b": (0.1, 0, 0.2)}, "marker": 2}),
    Figure(name="rd", kind="rd", title="RD plot",
           data={"x": (-0.5, -0.2, 0.2, 0.5), "y": (1, 1.2, 2.0, 2.1), "cutoff": 0.0,
                 "fit_x_left": (-0.6, 0.0), "fit_y_left": (0.9, 1.3),
                 "fit_x_right": (0.0, 0.6), "fit_y_right": (1.9, 2.2)}),
    Figure(name="bars", kind="bars", title="Donor weights",
           data={"labels": ("<b>x</b>", "b"), "values": (0.7, 0.3)}),
    Figure(name="hist", kind="histogram", title="Running variable",
           data={"edges": (-1, 0, 1), "counts": (10, 12), "cutoff": 0}),
    Figure(name="fan", kind="fan", title="Cumulative profit",
           data={"x": (0, 1, 2), "series": {"moderate": {"p2.5": (-1, -1, 0), "p10": (-0.5, 0, 1),
                                                          "p50": (0, 1, 2), "p90": (0.5, 2, 3),
                                                          "p97.5": (1, 3, 4)}}}),
    Figure(name="tornado", kind="tornado", title="Sensitivity",
           data={"labels": ("effect", "rollout"), "low": (-1.0, 0.5), "high": (3.0, 1.5), "base": 1.0}),
)


def _analysis() -> QuasiAnalysis:
    est = effect_estimate(outcome="revenue_<i>", estimand="ATT", method="callaway_santanna", value=0.5,
                          se=0.1, level=0.95, se_kind="influence_function", n_treated=40, n_control=60,
                          mean_treated=5.5, df=99)
    twfe = effect_estimate(outcome="revenue_<i>", estimand="ATT", method="twfe", value=0.3, se=0.1,
                           level=0.95, se_kind="crv1", n_treated=40, n_control=60, mean_treated=5.5)
    diags = (Diagnostic(name="pre_trends", value=0.4, status=Status.OK, message="no drift before <adoption>",
                        threshold=0.05),
             Diagnostic(name="twfe_vs_robust", value=1.4, status=Status.WARN,
                        message="TWFE differs from the robust estimate", threshold=2.0))
    return QuasiAnalysis(
        design="did", title="Difference-in-differences, staggered adoption", outcome="revenue_<i>",
        estimates=(est, twfe), identification="Parallel trends: <assumption>.", diagnostics=diags,
        verdict=Verdict.from_diagnostics(diags, subject="DiD"),
        provenance=Provenance(truelift_version="0", parameters={"method": "auto"}, seed=0, rows_read=100,
                              rows_used=100),
        tables=(Table(name="event_study", title="Event study", columns=("event time", "estimate", "n"),
                      rows=((-1, 0.0, 10), (0, 0.5, 10), (1, None, 3))),),
        figures=FIGURES, notes=("TWFE compares late adopters with early ones.",))


def test_every_figure_kind_has_a_drawer_and_draws() -> None:
    assert set(DRAW) == set(FIGURE_KINDS)
    for f in FIGURES:
        svg = DRAW[f.kind](f)
        assert svg.startswith("<svg") and "</svg>" in svg


def test_terminal_summary_names_the_verdict_estimates_and_tables() -> None:
    text = str(_analysis())
    assert "WARN" in text and "Callaway & Sant'Anna" in text and "two-way fixed effects" in text
    assert "Event study" in text and "TWFE compares late adopters" in text
    assert "+0.5" in text


def test_html_escapes_user_strings_and_embeds_the_figures() -> None:
    html = render_html(_analysis())
    assert "revenue_&lt;i&gt;" in html and "revenue_<i>" not in html
    assert "<b>x</b>" not in html  # an SVG label is drawn as paths, never as markup
    assert html.count("<svg") >= len(FIGURES)
    assert "Parallel trends: &lt;assumption&gt;." in html


def test_json_round_trip() -> None:
    a = _analysis()
    d = json.loads(a.to_json())
    assert d["kind"] == "quasi" and d["design"] == "did"
    assert d["estimates"][0]["value"] == pytest.approx(0.5)
    assert d["tables"][0]["rows"][2] == [1, None, 3]
    assert d["figures"][0]["data"]["series"]["robust"]["value"][3] == pytest.approx(0.5)


def test_table_rejects_ragged_rows_and_unknown_figure_kinds() -> None:
    with pytest.raises(ValueError, match="cells"):
        Table(name="t", title="t", columns=("a", "b"), rows=((1,),))
    with pytest.raises(ValueError, match="figure kind"):
        Figure(name="f", kind="pie", title="f", data={})


def test_effect_estimate_uses_t_with_df_and_relative_to_the_counterfactual() -> None:
    e = effect_estimate(outcome="y", estimand="ATT", method="twfe", value=1.0, se=0.5, level=0.95,
                        se_kind="crv1", n_treated=5, n_control=5, mean_treated=11.0, df=9)
    from scipy import stats

    assert e.ci[1] - 1.0 == pytest.approx(stats.t.ppf(0.975, 9) * 0.5)
    assert e.pvalue == pytest.approx(2 * stats.t.sf(2.0, 9))
    assert e.baseline == pytest.approx(10.0)
    assert e.relative is not None and e.relative.value == pytest.approx(0.1)
    assert e.relative.se == pytest.approx(0.5 * 11.0 / 100.0)


@pytest.mark.browser
def test_every_figure_kind_is_laid_out_in_chromium(tmp_path):
    report = write_html(_analysis(), tmp_path / "quasi.html")
    dom, figures = laid_out_figures(report, tmp_path)
    assert figures == len(FIGURES)
    assert 'data-truelift-kind="quasi"' in dom
