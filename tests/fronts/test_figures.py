"""Figures: inline SVG that embeds in HTML, drawn from result data only; matplotlib stays lazy."""

from __future__ import annotations

import subprocess
import sys

import pytest

from truelift.report import figures


def check_svg(svg: str) -> None:
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg and "DOCTYPE" not in svg
    assert "http://" not in svg and "https://" not in svg
    assert "<text" not in svg  # glyphs are paths: no font needed
    assert "<!--" not in svg


def test_love_plot(fast_analysis):
    check_svg(figures.love_plot(fast_analysis.balance))


def test_overlap_plot(fast_analysis):
    p = fast_analysis.propensity
    check_svg(figures.overlap_plot(p.bin_edges, p.counts_treated, p.counts_control,
                                   common_support=p.overlap.common_support))
    with pytest.raises(ValueError):
        figures.overlap_plot(p.bin_edges, p.counts_treated[:-1], p.counts_control)


def test_forest_plot(fast_analysis):
    svg = figures.forest_plot(fast_analysis.estimates, naive=fast_analysis.naive,
                              binary={"made_purchase": True}, primary=fast_analysis.primary)
    check_svg(svg)


def test_label_with_dollar_signs_is_text_not_tex(fast_analysis):
    import dataclasses

    ests = [dataclasses.replace(e, outcome="$odd_$name") for e in fast_analysis.estimates[:1]]
    check_svg(figures.forest_plot(ests))


def test_importing_truelift_and_report_does_not_import_matplotlib():
    code = ("import sys, truelift, truelift.report.html, truelift.report.figures, "
            "truelift.report.terminal, truelift.cli; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
