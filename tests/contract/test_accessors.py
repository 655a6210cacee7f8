"""The one accessor family, on every analysis kind: ``estimate()``, ``to_frame()``, ``table()``,
``figure()``, a one-line ``repr``, and the same answers after a JSON round trip."""

from __future__ import annotations

import copy
import math
import warnings

import pandas as pd
import pytest
from tests.contract.kinds import ENTRIES, build

import truelift as tl
from truelift.errors import DataError, MethodError
from truelift.report.draw import DRAW
from truelift.schema import FRAME_COLUMNS, SCHEMA_VERSION

NO_ESTIMATES = {"plan", "geo_plan"}
WITH_ARMS = {"readout", "uplift", "factorial"}


@pytest.fixture(params=ENTRIES)
def entry(request) -> str:
    return request.param


def test_to_frame_has_the_same_columns_for_every_kind(entry):
    r = build(entry)
    frame = r.to_frame()
    assert list(frame.columns) == list(FRAME_COLUMNS)
    ests = r._estimates()
    assert len(frame) == len(ests)
    assert (len(frame) == 0) == (entry in NO_ESTIMATES)
    for row, e in zip(frame.itertuples(index=False), ests, strict=True):
        assert row.estimate == e.value and row.se == e.se and row.p_value == e.pvalue
        assert (row.ci_low, row.ci_high) == e.ci and row.outcome == e.outcome
        assert (row.n_treated == e.n_treated and row.baseline == e.baseline) or (
            math.isnan(row.baseline) and math.isnan(e.baseline))


def test_estimate_finds_the_headline_and_names_what_exists(entry):
    r = build(entry)
    if entry in NO_ESTIMATES:
        assert r.headline is None
        with pytest.raises(MethodError, match="holds no effect estimates"):
            r.estimate()
        return
    assert r.estimate() == r.headline == r._estimates()[0]
    for e in r._estimates():
        got = r.estimate(e.outcome, arm=e.arm, method=e.method)
        assert (got.outcome, got.arm, got.method) == (e.outcome, e.arm, e.method)
    outcomes = sorted({e.outcome for e in r._estimates()})
    with pytest.raises(MethodError) as err:
        r.estimate("no such outcome")
    msg = str(err.value)
    assert "\n" not in msg and "no such outcome" in msg and all(o in msg for o in outcomes)
    with pytest.raises(MethodError, match="methods: "):
        r.estimate(method="no such method")
    if entry in WITH_ARMS:
        assert all(e.arm is not None for e in r._estimates())
        with pytest.raises(MethodError, match="arms: "):
            r.estimate(arm="no such arm")


def test_tables_and_figures_are_found_by_name_and_every_figure_draws(entry):
    r = build(entry)
    assert r.table_names, f"{entry} has no tables"
    for name in r.table_names:
        t = r.table(name)
        assert t.name == name and isinstance(t.to_frame(), pd.DataFrame)
    with pytest.raises(MethodError, match="tables: "):
        r.table("no such table")
    for name in r.figure_names:
        fig = r.figure(name)
        svg = DRAW[fig.kind](fig)        # one drawer per figure kind draws every kind's figures
        assert svg.lstrip().startswith("<svg") and len(svg) > 1000, name
    with pytest.raises(MethodError, match="figures: "):
        r.figure("no such figure")


def test_repr_is_one_short_line_with_kind_headline_and_verdict(entry):
    r = build(entry)
    text = repr(r)
    assert "\n" not in text and len(text) < 400 and text.startswith("<truelift ")
    status = r.verdict.status.value
    assert ("PASS" if status == "ok" else status.upper()) in text
    if r.headline is not None:
        assert r.headline.outcome in text


def test_the_accessors_answer_the_same_after_a_json_round_trip(entry):
    r = build(entry)
    back = tl.load(r.to_json())
    pd.testing.assert_frame_equal(back.to_frame(), r.to_frame())
    assert back.table_names == r.table_names and back.figure_names == r.figure_names
    for name in r.table_names:
        assert back.table(name) == r.table(name)
    for name in r.figure_names:
        assert back.figure(name).to_dict() == r.figure(name).to_dict()


def test_the_old_attribute_form_of_estimate_warns_and_still_answers():
    r = build("did")
    with pytest.warns(DeprecationWarning, match=r"call it: result.estimate\(\).value"):
        value = r.estimate.value
    assert value == r.estimate().value


def test_schema_version_1_is_read_and_upgraded():
    """A version-1 file (no ``Estimate.arm``; ``project``'s effect under ``estimate``) loads."""
    r = build("project")
    v1 = copy.deepcopy(r.to_dict())
    v1["schema_version"] = 1
    v1["estimate"] = v1.pop("source_estimate")

    def strip_arm(x):
        if isinstance(x, dict):
            x.pop("arm", None)
            for v in x.values():
                strip_arm(v)
        elif isinstance(x, list):
            for v in x:
                strip_arm(v)
    strip_arm(v1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = tl.load(v1)
    assert type(back) is type(r)
    assert back.source_estimate.value == r.source_estimate.value
    assert back.estimate() == back.source_estimate
    assert back.to_dict()["schema_version"] == SCHEMA_VERSION == 2
    with pytest.raises(DataError, match="schema_version 3; this release reads 1, 2"):
        tl.load({**r.to_dict(), "schema_version": 3})
