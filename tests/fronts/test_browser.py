"""The report opens in a real browser, offline, and lays out its three figures.

Needs headless Chromium (Debian package ``chromium``). Without it the test fails in CI
(``CI=true``) and is skipped elsewhere.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from truelift.report.html import write_html

pytestmark = pytest.mark.browser


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("chromium is not on PATH (apt-get install -y chromium)")
    pytest.skip("chromium is not on PATH")
    raise AssertionError  # unreachable


def laid_out_figures(html_path, tmp_path) -> tuple[str, int]:
    """Open ``html_path`` in headless Chromium, offline; return the DOM and how many figures the
    page's own counter saw laid out with a non-empty box."""
    browser = chromium()
    proc = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=5000", "--dump-dom", html_path.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    dom = proc.stdout
    assert proc.returncode == 0, proc.stderr[-2000:]
    m = re.search(r'<body[^>]*\bdata-figures="(\d+)"', dom)
    assert m, "the figure counter did not run: " + dom[:500]
    return dom, int(m.group(1))


def test_report_renders_figures_in_chromium(fast_analysis, tmp_path):
    report = write_html(fast_analysis, tmp_path / "report.html")
    dom, figures = laid_out_figures(report, tmp_path)
    assert figures >= 3
    for fig in ("tl-figure-balance", "tl-figure-overlap", "tl-figure-forest_made_purchase"):
        assert f'id="{fig}"' in dom
