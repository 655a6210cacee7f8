"""``truelift demo --kind K`` runs every analysis kind on data whose truth is known."""

from __future__ import annotations

import json

import pytest

import truelift as tl
from truelift.cli import DEMO_KINDS
from truelift.cli.demo import DEMOS

KIND_OF = {"plan": "plan", "factorial": "factorial", "synth": "quasi", "geo": "quasi",
           "geo-plan": "geo_plan", "rd": "quasi", "iv": "quasi", "switchback": "quasi",
           "decompose": "impact", "funnel": "impact", "ltv": "impact", "project": "project"}


def test_there_is_a_demo_for_every_entry():
    entries = {"observe", "readout", "plan", "factorial", "uplift", "did", "synth", "geo", "geo_plan",
               "rd", "iv", "switchback", "decompose", "funnel", "ltv", "project"}
    assert {k.replace("-", "_") for k in DEMO_KINDS} == entries
    assert set(DEMOS) == set(KIND_OF) == set(DEMO_KINDS) - {"observe", "readout", "uplift", "did"}


@pytest.mark.parametrize("kind", list(KIND_OF))
def test_a_demo_writes_its_report_and_json_and_prints_the_truth(cli, kind, tmp_path):
    out, html = tmp_path / "r.json", tmp_path / "r.html"
    proc = cli("demo", "--kind", kind, "--json", out, "--report", html, "--compact")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Known truth of the generator:" in proc.stdout
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["kind"] == KIND_OF[kind]
    assert type(tl.load(out)).__name__ and "<svg" in html.read_text(encoding="utf-8")


def test_an_unknown_demo_kind_lists_them_all(cli):
    proc = cli("demo", "--kind", "nope")
    assert proc.returncode == 2
    assert "--kind must be one of observe, readout" in proc.stderr and "project" in proc.stderr
