"""Shared helpers of the benchmark scripts: provenance lines and marked sections of RESULTS.md.

Each script owns one section of ``benchmarks/RESULTS.md`` between
``<!-- NAME:start -->`` and ``<!-- NAME:end -->``; writing replaces only that section (it is
appended when missing), so the sections of other scripts survive a rerun.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import re
import shlex
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "RESULTS.md"
HEADER = ("# Benchmark results\n\n"
          "Measured tables written by the scripts in `benchmarks/` (see `benchmarks/README.md`). "
          "Every section names the command that produced it; rerun that command to refresh it.\n")


def command_line() -> str:
    """The command that is running, as typed from the repository root."""
    exe = Path(sys.executable)
    try:
        exe_s = str(exe.relative_to(ROOT))
    except ValueError:
        exe_s = str(exe)
    script = Path(sys.argv[0]).resolve()
    try:
        script_s = str(script.relative_to(ROOT))
    except ValueError:
        script_s = str(script)
    return " ".join([exe_s, script_s, *map(shlex.quote, sys.argv[1:])])


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _git_revision() -> str:
    try:
        rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return rev + (" + uncommitted changes in src/" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine_line() -> str:
    """Date, cores, memory, CPU, Python and the truelift revision, on one line."""
    try:
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{mem_kb / 1024**2:.0f} GiB RAM"
    except (OSError, AttributeError):
        mem = "RAM unknown"
    now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (f"{now}; nproc = {os.cpu_count()}, {mem}, {_cpu_model()}; "
            f"Python {platform.python_version()}; truelift at git {_git_revision()}")


PROJECT_PY = ROOT / ".venv" / "bin" / "python"
PEERS_PY = HERE / ".venv-peers" / "bin" / "python"


def versions(packages: tuple[str, ...]) -> str:
    """``"project .venv: numpy 2.4.6, ...; peers .venv-peers: ..."``: the installed versions of
    ``packages`` in each environment that exists (a package missing there is left out)."""
    code = ("import importlib.metadata as m\n"
            f"for p in {packages!r}:\n"
            "    try: print(p, m.version(p))\n"
            "    except Exception: pass\n")
    out = []
    for label, py in (("project .venv", PROJECT_PY), ("peers .venv-peers", PEERS_PY)):
        if py.exists():
            text = subprocess.run([str(py), "-c", code], capture_output=True, text=True,
                                  check=False).stdout
            out.append(f"{label}: " + ", ".join(text.split("\n")[:-1]))
    return "; ".join(out)


def write_section(name: str, body: str, path: Path = RESULTS) -> None:
    """Replace (or append) the section ``name`` of RESULTS.md with ``body``."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    text = path.read_text() if path.exists() else HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)


def read_section(name: str, path: Path = RESULTS) -> str | None:
    """The current body of section ``name``, or ``None``."""
    if not path.exists():
        return None
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    m = re.search(re.escape(start) + r"\n?(.*?)\n?" + re.escape(end), path.read_text(), re.DOTALL)
    return None if m is None else m.group(1)
