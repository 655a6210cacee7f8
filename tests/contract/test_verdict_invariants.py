"""Verdicts never contradict their numbers: invariants held over one analysis of every kind."""

from __future__ import annotations

import re

import pytest
from kinds import ENTRIES, build, build_all

import truelift as tl
from truelift.schema import Diagnostic, Status

LABEL = {Status.OK: "PASS", Status.INFO: "INFO", Status.WARN: "WARN", Status.FAIL: "FAIL"}
WORDS = re.compile(r"\b(PASS|WARN|FAIL)\b")


def _diagnostics(analysis) -> list[Diagnostic]:
    out = list(getattr(analysis, "diagnostics", ()))
    for est in getattr(analysis, "estimates", ()):
        out.extend(est.diagnostics)
    return out


def _cases() -> dict[str, object]:
    cases = dict(build_all())
    # a projection of a WARN source: its source row must be WARN, not PASS
    cases["project of a WARN observe"] = tl.project(build("observe"), customers=10_000,
                                                    value=1.0)
    return cases


@pytest.fixture(scope="module")
def cases() -> dict[str, object]:
    return _cases()


@pytest.mark.parametrize("name", [*ENTRIES, "project of a WARN observe"])
def test_a_badge_is_the_status_its_own_text_reports(cases, name):
    for d in _diagnostics(cases[name]):
        said = set(WORDS.findall(d.message))
        if len(said) == 1:
            assert said == {LABEL[Status(d.status)]}, f"{d.name}: {d.status} but says {d.message!r}"


@pytest.mark.parametrize("name", [*ENTRIES, "project of a WARN observe"])
def test_the_verdict_is_the_worst_of_the_diagnostics(cases, name):
    analysis = cases[name]
    verdict = analysis.verdict
    assert verdict is not None, f"{name} has no verdict"
    diags = list(getattr(analysis, "diagnostics", ()))
    assert verdict.status is Status.worst(d.status for d in diags)
    assert set(WORDS.findall(verdict.headline)) == {LABEL[verdict.status]}


def test_a_projection_never_says_roll_out_on_a_warn_or_fail_source(cases):
    from truelift.report.project import recommendation

    warn = cases["project of a WARN observe"]
    assert {d.name: d for d in warn.diagnostics}["source_verdict"].status is Status.WARN
    status, sentence = recommendation(warn)
    assert status != "ok" and not sentence.startswith("Roll out")


BADGE = re.compile(r'<span class="tl-badge ([^"]*)">([^<]*)</span>')
SECTION = re.compile(r'<section class="tl-verdict ?([^"]*)"')


@pytest.mark.parametrize("name", [*ENTRIES, "project of a WARN observe"])
def test_every_html_badge_is_styled_and_says_its_status(cases, name):
    html = cases[name]._repr_html_()
    styled = {"ok": "PASS", "info": "INFO", "warn": "WARN", "fail": "FAIL"}
    badges = BADGE.findall(html)
    for cls, text in badges:
        assert cls in styled, f"badge class {cls!r} has no style (text {text!r})"
        if text.strip() in styled.values():  # a status word must be its own colour
            assert text.strip() == styled[cls], (cls, text)
    for cls in SECTION.findall(html):
        assert cls in styled or cls == "", f"verdict section class {cls!r} has no style"
