"""Figures: inline SVG that embeds in HTML, drawn from typed figure data only (one drawer per
kind); matplotlib stays lazy."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from truelift.report.draw import DRAW
from truelift.schema import Figure


def check_svg(svg: str) -> None:
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg and "DOCTYPE" not in svg
    assert "http://" not in svg and "https://" not in svg
    assert "<text" not in svg  # glyphs are paths: no font needed
    assert "<!--" not in svg


def test_love_plot(fast_analysis):
    fig = fast_analysis.figure("balance")
    assert fig.kind == "love" and set(fig.data["after"]) == {b.method for b in fast_analysis.balance}
    check_svg(DRAW["love"](fig))


def test_overlap_histogram(fast_analysis):
    fig = fast_analysis.figure("overlap")
    assert set(fig.data["series"]) == {"treated", "control"}
    check_svg(DRAW[fig.kind](fig))


def test_forest_plot(fast_analysis):
    fig = fast_analysis.figure("forest_made_purchase")
    assert fig.kind == "forest" and fig.data["labels"][0] == "naive"
    check_svg(DRAW["forest"](fig))


def test_forest_refuses_no_rows():
    with pytest.raises(ValueError, match="no rows"):
        DRAW["forest"](Figure(name="f", kind="forest", title="t",
                              data={"labels": [], "values": [], "lower": [], "upper": []}))


def test_label_with_dollar_signs_is_text_not_tex(fast_analysis):
    fig = fast_analysis.figure("forest_made_purchase")
    odd = dataclasses.replace(fig, data={**fig.data, "labels": ["$odd_$name"] * len(fig.data["labels"])})
    check_svg(DRAW["forest"](odd))


def test_importing_truelift_and_report_does_not_import_matplotlib():
    code = ("import sys, truelift, truelift.report.html, truelift.report.figures, "
            "truelift.report.terminal, truelift.report.views, truelift.cli; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
