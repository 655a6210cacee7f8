"""Every output block of the README comes from running what it shows.

A block marked ``<!-- output: NAME -->`` holds a command (``$ truelift ...`` lines, or the
command of :data:`COMMANDS` for blocks that show no prompt) and what it printed. The test runs
the command at the README's width (110 columns) and checks that every shown line (``...`` lines
mark what was left out) is printed, in order: a number that drifts fails here.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SHARED = ROOT.parent / "shared" / "data"
WIDTH = 110

COMMANDS = {  # blocks that show output without the command that printed it
    "demo-observe": "truelift demo --report demo.html",
}
NEEDS_SHARED = {"hillstrom-readout", "hillstrom-uplift"}


def _blocks() -> dict[str, list[str]]:
    text = README.read_text(encoding="utf-8")
    out = {}
    for m in re.finditer(r"<!-- output: ([\w-]+)[^>]*-->\n```[^\n]*\n(.*?)\n```", text, re.S):
        out[m.group(1)] = m.group(2).split("\n")
    return out


def _command(name: str, lines: list[str]) -> tuple[str, list[str]]:
    if name in COMMANDS:
        return COMMANDS[name], lines
    cmd, k = [], 0
    while k < len(lines) and (lines[k].startswith("$ ") or (cmd and cmd[-1].endswith("\\"))):
        cmd.append(lines[k].removeprefix("$ ").rstrip())
        k += 1
    assert cmd, f"README block {name!r} shows no '$ ' command"
    return " ".join(c.removesuffix("\\").strip() for c in cmd), lines[k:]


def test_the_readme_marks_its_output_blocks():
    assert set(_blocks()) >= {"demo-observe", "hillstrom-readout", "hillstrom-uplift"}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["demo-observe", "hillstrom-readout", "hillstrom-uplift"])
def test_a_readme_output_block_is_what_the_command_prints(name, tmp_path):
    if name in NEEDS_SHARED and not (SHARED / "hillstrom.csv").exists():
        pytest.skip("../shared/data/hillstrom.csv not present")
    command, shown = _command(name, _blocks()[name])
    argv = shlex.split(command.replace("../shared/data/", f"{SHARED}/"))
    assert argv[0] == "truelift"
    exe = Path(sys.executable).with_name("truelift")
    env = {**os.environ, "COLUMNS": str(WIDTH), "NO_COLOR": "1", "TERM": "dumb"}
    proc = subprocess.run([str(exe), *argv[1:]], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    printed = [line.rstrip() for line in proc.stdout.split("\n")]
    at = 0
    for line in (x.rstrip() for x in shown):
        if not line or line.startswith("..."):
            continue
        try:
            at = printed.index(line, at) + 1
        except ValueError:
            pytest.fail(f"README block {name!r} shows a line the command no longer prints "
                        f"(in this order):\n{line}\nre-run: {command}")
