"""A new analysis kind needs no change in the fronts.

The kind below exists only in this test: it declares its fields and nothing else (no renderer,
no template, no view). The terminal, the HTML report and JSON show it in full through the one
page that :func:`truelift.report.views.generic_page` builds from the schema.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import ClassVar

import truelift as tl
from truelift.report.html import render_html
from truelift.report.terminal import render_text
from truelift.report.views import BUILDERS
from truelift.schema import (
    Analysis,
    Diagnostic,
    Estimate,
    Figure,
    Provenance,
    Relative,
    Status,
    Table,
    Verdict,
)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class ToyAnalysis(Analysis):
    kind: ClassVar[str] = "toy_kind_for_tests"
    title: str
    outcome: str
    estimates: tuple[Estimate, ...]
    diagnostics: tuple[Diagnostic, ...]
    verdict: Verdict
    tables: tuple[Table, ...]
    figures: tuple[Figure, ...]
    notes: tuple[str, ...]
    provenance: Provenance


def _toy() -> ToyAnalysis:
    est = Estimate(outcome="basket_size", arm="bold_banner", estimand="ATE", method="toy_method",
                   value=1.2345, se=0.4321, ci=(0.3876, 2.0814), level=0.95, pvalue=0.0043,
                   se_kind="influence_function", n_treated=4321, n_control=1234,
                   baseline=8.765, mean_treated=9.9995,
                   relative=Relative(value=0.1408, se=0.0493, ci=(0.0442, 0.2375)))
    warn = Diagnostic(name="toy_check", value=7.5, threshold=5.0, status=Status.WARN,
                      message="the toy check is above its threshold of 5")
    return ToyAnalysis(
        title="A toy analysis", outcome="basket_size", estimates=(est,), diagnostics=(warn,),
        verdict=Verdict(status=Status.WARN, headline="Toy: WARN. Read the reason.",
                        reasons=(warn.message,)),
        tables=(Table(name="by_week", title="Effect by week", columns=("week", "effect", "p_value"),
                      rows=((1, 0.9876, 0.2), (2, 1.4321, 0.0004))),),
        figures=(Figure(name="weekly", kind="bars", title="Effect by week",
                        data={"labels": ["1", "2"], "values": [0.9876, 1.4321]},
                        xlabel="week", ylabel="effect"),),
        notes=("a note of the toy kind",),
        provenance=Provenance(truelift_version=tl.__version__, parameters={"knob": 3}, seed=7,
                              rows_read=5600, rows_used=5555, rows_dropped={"missing outcome": 45}))


def test_a_kind_with_no_front_code_is_shown_in_full():
    toy = _toy()
    assert toy.kind not in BUILDERS   # nothing registered for it anywhere in the fronts
    text = render_text(toy, width=80)
    for shown in ("A toy analysis", "WARN", "+1.23", "[+0.388, +2.08]", "p 0.004", "+14.1%",
                  "the toy check is above its threshold of 5", "Effect by week", "1.43",
                  "a note of the toy kind", "5,555", "missing outcome"):
        assert shown in text, shown
    assert max(len(line) for line in text.splitlines()) <= 80 and "…" not in text
    html = render_html(toy)
    for shown in ("A toy analysis", "tl-badge warn", "+1.23", "Effect by week", "a note of the toy kind",
                  'id="tl-figure-weekly"', "knob"):
        assert shown in html, shown
    assert len(re.findall(r"<svg\b", html)) == 1
    back = tl.load(json.loads(toy.to_json()))
    assert back == toy and back.to_frame().equals(toy.to_frame())
    assert back.estimate(arm="bold_banner").value == 1.2345
