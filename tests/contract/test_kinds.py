"""The catalogue of :mod:`kinds`: one analysis per public entry, each with a kind, a strict-JSON
``to_dict()`` and, where its class has one, a verdict."""

from __future__ import annotations

import json

import pytest
from kinds import ENTRIES, build_all

import truelift as tl


@pytest.fixture(scope="module")
def analyses() -> dict[str, object]:
    return build_all()


def test_one_analysis_per_entry(analyses):
    assert len(ENTRIES) == 16 and len(set(ENTRIES)) == 16
    assert tuple(analyses) == ENTRIES
    assert all(callable(getattr(tl, entry)) for entry in ENTRIES)
    assert all(analyses[entry] is not None for entry in ENTRIES)
    assert build_all()["readout"] is analyses["readout"]  # cached


@pytest.mark.parametrize("entry", ENTRIES)
def test_kind_json_and_verdict(analyses, entry):
    result = analyses[entry]
    kind = result.kind
    assert isinstance(kind, str) and kind
    d = result.to_dict()
    assert d["kind"] == kind
    json.dumps(d, allow_nan=False)  # strict JSON: no NaN or infinity, only serialisable values
    assert isinstance(result.verdict, tl.Verdict)  # every kind has one, the plan included
