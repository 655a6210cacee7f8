"""One vocabulary: every entry takes the glossary's names; the old names still work this release,
with a DeprecationWarning naming the new one; passing both is a one-line error."""

from __future__ import annotations

import inspect
import warnings
from pathlib import Path

import pytest

import truelift as tl
from truelift.errors import RoleError
from truelift.vocabulary import GLOSSARY, glossary_markdown

README = Path(__file__).resolve().parents[2] / "README.md"

RENAMED = {  # entry -> old keyword -> new keyword
    "readout": {"variant": "treatment", "metrics": "outcome", "dropna": "drop_missing",
                "expected_split": "split", "alpha": "level"},
    "factorial": {"metrics": "outcome", "dropna": "drop_missing", "expected_split": "split",
                  "alpha": "level"},
    "observe": {"outcomes": "outcome", "id": "unit"},
    "uplift": {"id": "unit"},
    "decompose": {"variant": "treatment"},
    "funnel": {"variant": "treatment"},
    "ltv": {"variant": "treatment", "customer": "unit", "period": "time"},
    "geo": {"region": "unit"},
    "geo_plan": {"region": "unit"},
}


@pytest.mark.parametrize("entry", list(RENAMED))
def test_entries_take_the_new_names_only_in_their_signature(entry):
    params = inspect.signature(getattr(tl, entry)).parameters
    for old, new in RENAMED[entry].items():
        assert new in params and old not in params, (entry, old, new)


def test_no_entry_uses_a_replaced_name():
    """Across all 16 entries, the concepts of the glossary go by one name."""
    replaced = {"variant", "metrics", "outcomes", "dropna", "expected_split", "id", "customer",
                "period", "region"}
    for entry in ("observe", "readout", "plan", "factorial", "uplift", "did", "synth", "geo",
                  "geo_plan", "rd", "iv", "switchback", "decompose", "funnel", "ltv", "project"):
        clash = replaced & set(inspect.signature(getattr(tl, entry)).parameters)
        assert not clash, f"{entry} still takes {sorted(clash)}"


def _hp():
    return tl.datasets.homepage_test(2_000, seed=4).data


def test_old_keywords_warn_and_give_the_same_result():
    data = _hp()
    new = tl.readout(data, treatment="variant", outcome=["purchased"], level=0.9, split=[0.5, 0.5],
                     drop_missing=True, bayes=False)
    with pytest.warns(DeprecationWarning) as caught:
        old = tl.readout(data, variant="variant", metrics=["purchased"], alpha=0.1,
                         expected_split=[0.5, 0.5], dropna=True, bayes=False)
    said = " ".join(str(w.message) for w in caught)
    for old_name, new_name in RENAMED["readout"].items():
        assert f"readout({old_name}=...) is deprecated; use {new_name}=" in said
    assert old.to_dict()["lifts"] == new.to_dict()["lifts"] and old.level == new.level == 0.9


def test_old_and_new_name_together_is_a_one_line_error():
    data = _hp()
    with (pytest.raises(RoleError, match=r"variant= is the old name of treatment=; pass treatment= only"),
          warnings.catch_warnings()):
        warnings.simplefilter("ignore")
        tl.readout(data, variant="variant", treatment="variant", outcome=["purchased"])


def test_the_readme_shows_the_generated_glossary():
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- glossary:start")
    body = text[text.index("-->", start) + 4:text.index("<!-- glossary:end -->")]
    assert body == glossary_markdown(), "README's glossary is stale: paste glossary_markdown()"
    keywords = {t.keyword for t in GLOSSARY}
    for renames in RENAMED.values():
        assert set(renames.values()) <= keywords | {"level"}


def test_the_version_is_written_once_and_every_result_carries_it():
    import tomllib
    from pathlib import Path

    import truelift as tl
    from truelift.schema.version import VERSION

    meta = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert tl.__version__ == VERSION == meta["project"]["version"]
    r = tl.plan("proportion", baseline=0.1, mde=0.02)
    assert r.provenance.truelift_version == VERSION
