"""Third-party failures leave a public entry as one TrueliftError, translated at one boundary
(:func:`truelift.errors.boundary`); a bug of ours is not disguised as bad input."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

import truelift as tl
import truelift.quasi.panel as panel_module
from truelift.errors import DataError, MethodError, TrueliftError, translate

ENTRIES = ("observe", "readout", "plan", "factorial", "uplift", "did", "synth", "geo", "geo_plan", "rd",
           "iv", "switchback", "project", "decompose", "funnel", "ltv", "load")


def _pyfixest_error() -> Exception:
    cls = type("MatrixNotFullRankError", (Exception,), {"__module__": "pyfixest.errors"})
    return cls("the design matrix is not full rank\nsecond line")


@pytest.fixture(scope="module")
def geo_data():
    ds = tl.datasets.geo_panel(12, 28, 14, treated=["R00"], seed=1)
    return ds.data, ds.truth.start


@pytest.mark.parametrize(("raised", "kind", "says"), [
    (np.linalg.LinAlgError("Singular matrix"), MethodError, "synth: a linear system is singular"),
    (_pyfixest_error(), MethodError, "synth: pyfixest failed: MatrixNotFullRankError: the design"),
    (duckdb.ConversionException("Could not convert"), DataError, "synth: the engine (duckdb) refused"),
    (OverflowError("math range error"), DataError, "synth: a value is too large"),
])
def test_a_third_party_failure_is_one_line_of_the_right_kind(monkeypatch, geo_data, raised, kind, says):
    def boom(*args, **kwargs):
        raise raised

    monkeypatch.setattr(panel_module, "read_panel", boom)
    monkeypatch.setattr("truelift.quasi.synth.read_panel", boom)
    frame, start = geo_data
    with pytest.raises(kind) as info:
        tl.synth(frame, outcome="revenue", unit="region", time="date", treated="R00", start=start)
    assert str(info.value).startswith(says) and "\n" not in str(info.value)
    assert info.value.__cause__ is raised            # the original stays reachable


def test_a_bug_of_ours_is_not_disguised(monkeypatch, geo_data):
    def bug(*args, **kwargs):
        raise KeyError("a programming error")

    monkeypatch.setattr("truelift.quasi.synth.read_panel", bug)
    frame, start = geo_data
    with pytest.raises(KeyError):
        tl.synth(frame, outcome="revenue", unit="region", time="date", treated="R00", start=start)
    assert translate(KeyError("x"), "synth") is None and translate(DataError("c", "p"), "x") is None


@pytest.mark.parametrize("name", ENTRIES)
def test_every_public_entry_is_behind_the_boundary(name):
    entry = getattr(tl, name)
    assert entry.__code__.co_name == "wrapper" and entry.__wrapped__ is not None, name
    assert issubclass(MethodError, TrueliftError)
