"""The CLI is a package: one module per family and one shared module, no private imports across
modules, no cycles, and every multi-value flag takes a comma list and repeats alike."""

from __future__ import annotations

import ast
from pathlib import Path

import truelift.cli
from truelift.cli.shared import app, split_names

PACKAGE = Path(truelift.cli.__file__).parent
FAMILIES = ("demo", "experiment", "hte", "impact", "observational", "quasi")


def _imports(module: str) -> list[tuple[str, str]]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("truelift.cli"):
            out += [(node.module or "", a.name) for a in node.names]
    return out


def test_one_module_per_family_and_a_shared_one():
    assert {p.stem for p in PACKAGE.glob("*.py")} == {"__init__", "__main__", "shared", *FAMILIES}


def test_no_private_name_is_imported_across_modules():
    for module in ("shared", *FAMILIES):
        private = [(m, n) for m, n in _imports(module) if n.startswith("_")]
        assert not private, (module, private)


def test_shared_imports_no_family_and_families_form_no_cycle():
    assert _imports("shared") == []
    graph = {m: {src.rsplit(".", 1)[-1] for src, _ in _imports(m)} - {"shared"} for m in FAMILIES}
    seen: set[str] = set()

    def visit(node: str, path: tuple[str, ...]) -> None:
        assert node not in path, f"import cycle: {' -> '.join((*path, node))}"
        if node in seen:
            return
        for nxt in graph.get(node, ()):
            visit(nxt, (*path, node))
        seen.add(node)

    for m in FAMILIES:
        visit(m, ())


def test_every_multi_value_flag_says_it_repeats_and_takes_commas():
    import typer.main

    found = 0
    for command in typer.main.get_command(app).commands.values():  # type: ignore[attr-defined]
        for param in command.params:
            if getattr(param, "multiple", False):
                found += 1
                help_text = " ".join((param.help or "").split())
                assert "repeat" in help_text and "comma" in help_text, (command.name, param.name)
    assert found >= 15


def test_split_names_takes_repeats_and_commas_alike():
    assert split_names(["a,b", " c "]) == split_names("a, b,c") == ["a", "b", "c"]
