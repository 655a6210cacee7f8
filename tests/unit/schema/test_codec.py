"""The schema package stands alone, and its codec rebuilds values from their plain form."""

from __future__ import annotations

import ast
import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

import truelift.schema as schema
from truelift.schema import (
    CodecError,
    Diagnostic,
    Estimate,
    Figure,
    Relative,
    Status,
    Table,
    Verdict,
    from_dict,
)
from truelift.schema.codec import decode

SCHEMA_DIR = Path(schema.__file__).parent


def test_the_schema_imports_nothing_else_of_truelift_at_module_level():
    for path in SCHEMA_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:  # module level only: the render hooks import report lazily
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert not name.startswith("truelift") or name.startswith("truelift.schema"), \
                    f"{path.name} imports {name}"


def _estimate(**kw) -> Estimate:
    base = dict(outcome="y", estimand="ATT", method="aipw", value=1.5, se=0.5, ci=(0.52, 2.48),
                level=0.95, pvalue=0.003, se_kind="influence_function", n_treated=40,
                n_control=60, mean_treated=3.0, baseline=1.5,
                relative=Relative(value=1.0, se=0.3, ci=(0.4, 1.6)),
                diagnostics=(Diagnostic(name="d", value=math.nan, status="warn", message="m",
                                        threshold=None),))
    return Estimate(**{**base, **kw})


def test_an_estimate_comes_back_equal_nan_included():
    est = _estimate()
    back = from_dict(Estimate, est.to_dict())
    assert back.to_dict() == est.to_dict()
    assert back.ci == est.ci and isinstance(back.ci, tuple)
    assert back.diagnostics[0].status is Status.WARN and math.isnan(back.diagnostics[0].value)
    assert back.relative == est.relative


def test_tables_figures_and_verdicts_come_back_equal():
    table = Table(name="t", title="T", columns=("a", "b"), rows=((1, 2.5), ("x", None)))
    figure = Figure(name="f", kind="bars", title="F", data={"labels": ("a", "b"),
                                                            "values": (1.0, 2.0)})
    verdict = Verdict(status="fail", headline="h", reasons=("r1", "r2"))
    for value in (table, figure, verdict):
        assert from_dict(type(value), value.to_dict()) == value


@pytest.mark.parametrize(("tp", "plain", "expected"), [
    (float, None, math.nan),
    (float, 3, 3.0),
    (int, 4.0, 4),
    (float | None, None, None),
    (tuple[int, ...], [1, 2], (1, 2)),
    (tuple[str, float], ["a", 1], ("a", 1.0)),
    (dict[str, int], {"a": 1}, {"a": 1}),
    (Status, "info", Status.INFO),
    (np.ndarray, [1, 2], None),
])
def test_decode_follows_the_hint(tp, plain, expected):
    out = decode(tp, plain)
    if tp is np.ndarray:
        assert isinstance(out, np.ndarray) and out.tolist() == plain
    elif isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(out)
    else:
        assert out == expected and type(out) is type(expected)


@pytest.mark.parametrize(("tp", "plain", "message"), [
    (float, "1.0", "expected a number"),
    (int, 1.5, "expected an integer"),
    (bool, 1, "expected true/false"),
    (str, 3, "expected a string"),
    (tuple[str, float], ["a"], "expected 2 items"),
    (Status, "great", "not one of ok, info, warn, fail"),
    (Verdict, [1], "expected an object"),
])
def test_decode_refuses_what_does_not_fit(tp, plain, message):
    with pytest.raises(CodecError, match=message):
        decode(tp, plain)


def test_unsaved_fields_come_back_empty_and_missing_fields_are_named():
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Holder:
        name: str
        scores: np.ndarray = dataclasses.field(metadata={"to_dict": False})

    back = from_dict(Holder, {"name": "a"})
    assert back.name == "a" and back.scores.shape == (0,)
    with pytest.raises(CodecError, match="no field 'name'"):
        from_dict(Holder, {})
