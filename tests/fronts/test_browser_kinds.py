"""Every analysis kind's HTML report in headless Chromium, at a laptop and a narrow window:
every figure is laid out, and the page is never wider than its window (wide tables scroll inside
their own box)."""

from __future__ import annotations

import re
import subprocess

import pytest
from test_browser import chromium
from tests.contract.kinds import ENTRIES, build

from truelift.report.html import write_html

pytestmark = pytest.mark.browser


def _open(path, tmp_path, width: int) -> str:
    proc = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={width},1000",
         "--virtual-time-budget=5000", "--dump-dom", path.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.mark.parametrize("width", [800, pytest.param(1400, marks=pytest.mark.slow)])
@pytest.mark.parametrize("entry", ENTRIES)
def test_every_kind_lays_out_its_figures_within_the_window(entry, width, tmp_path):
    r = build(entry)
    dom = _open(write_html(r, tmp_path / f"{entry}.html"), tmp_path, width)
    laid_out = re.search(r'<body[^>]*\bdata-figures="(\d+)"', dom)
    overflow = re.search(r'<body[^>]*\bdata-overflow="(\d+)"', dom)
    assert laid_out and overflow, "the page's own checks did not run"
    drawn = dom.count('<figure class="tl-figure"')
    assert int(laid_out.group(1)) == drawn, "a figure has an empty box"
    assert drawn >= 1 and r._figures(), f"{entry}: no figure drawn"
    assert int(overflow.group(1)) == 0, f"the page is {overflow.group(1)} px wider than {width} px"
