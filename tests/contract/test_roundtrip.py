"""``truelift.load`` rebuilds every kind of analysis as the very class that saved it."""

from __future__ import annotations

import json

import pytest
from kinds import ENTRIES, build_all

import truelift as tl
from truelift.errors import DataError
from truelift.schema import SCHEMA_VERSION, Analysis, kinds


@pytest.fixture(scope="module")
def analyses() -> dict[str, object]:
    return build_all()


@pytest.mark.parametrize("entry", ENTRIES)
def test_round_trip_rebuilds_the_same_class_and_renders_the_same(analyses, entry, tmp_path):
    result = analyses[entry]
    path = tmp_path / f"{entry}.json"
    path.write_text(result.to_json())
    back = tl.load(path)
    assert type(back) is type(result)
    assert back.to_dict() == result.to_dict()
    assert str(back) == str(result)
    assert back._repr_html_() == result._repr_html_()
    # a JSON string and the parsed dict load the same way
    assert tl.load(result.to_json()).to_dict() == result.to_dict()
    assert tl.load(json.loads(result.to_json())).to_dict() == result.to_dict()


def test_every_entry_kind_is_registered(analyses):
    assert {a.kind for a in analyses.values()} <= set(kinds())
    assert all(isinstance(a, Analysis) for a in analyses.values())


def _saved(analyses) -> dict:
    return json.loads(analyses["did"].to_json())


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(schema_version=SCHEMA_VERSION + 1), "schema_version"),
    (lambda d: d.update(schema_version="1"), "schema_version"),
    (lambda d: d.pop("kind"), "not a saved truelift analysis"),
    (lambda d: d.update(kind="nonsense"), "unknown analysis kind 'nonsense'"),
    (lambda d: d.update(kind="readout"), "has no field"),
    (lambda d: d.pop("estimates"), "no field 'estimates'"),
    (lambda d: d["estimates"][0].update(se="a lot"), "estimates\\[0\\].se"),
    (lambda d: d["estimates"][0].update(ci=[1.0]), "estimates\\[0\\].ci"),
    (lambda d: d["verdict"].update(status="great"), "status"),
])
def test_a_saved_result_that_does_not_fit_is_one_clear_error(analyses, change, message):
    saved = _saved(analyses)
    change(saved)
    with pytest.raises(DataError, match=message) as info:
        tl.load(saved)
    assert "\n" not in str(info.value)


def test_files_that_are_not_results_are_one_clear_error(tmp_path):
    missing = tmp_path / "missing.json"
    with pytest.raises(DataError, match="cannot read"):
        tl.load(missing)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(DataError, match="is not JSON"):
        tl.load(bad)
    with pytest.raises(DataError, match="not a saved truelift analysis"):
        tl.load('{"a": 1}')
    with pytest.raises(DataError, match="cannot load a list"):
        tl.load([1, 2])
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(DataError, match=r"nested too deeply|cannot load a list"):
        tl.load(deep)


def test_an_unknown_kind_lists_the_kinds_this_release_saves():
    import truelift as tl
    from truelift.errors import DataError

    with pytest.raises(DataError, match=r"unknown analysis kind 'martian'; this release saves .*readout"):
        tl.load({"schema_version": 2, "kind": "martian"})
