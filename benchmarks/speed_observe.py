"""Whole-process speed of the default ``tl.observe`` with flexible nuisance models.

Two runs, each a separate process timed by ``/usr/bin/time -v`` (wall clock and peak RSS), the
median of ``--repeats`` (issue 12's goals in brackets):

* ``acic``: ACIC 2016 instance 2 (4,802 x 58), every method, refutations on (< 15 s);
* ``big``: ``--n`` customers (default 1,000,000) x 20 covariates, binary outcome,
  ``method="aipw"``, tuning on the stated subsample (< 120 s).

    .venv/bin/python benchmarks/speed_observe.py --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _results
from speed_matching import PROJECT_PY, timed

SECTION = "speed_observe"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--designs", default="acic,big")
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args()
    designs = [d.strip() for d in a.designs.split(",") if d.strip()]
    runs: dict[str, list[dict]] = {d: [] for d in designs}
    for _ in range(a.repeats):                      # interleaved rounds
        for d in designs:
            args = ["--design", d] + (["--n", str(a.n)] if d == "big" else [])
            runs[d].append(timed(PROJECT_PY, "_run_observe_speed.py", args, timeout=1800))
    goal = {"acic": "< 15 s", "big": "< 120 s"}
    what = {"acic": "ACIC 2016 instance 2, 4,802 x 58, method all, refutations on",
            "big": f"{a.n:,} x 20, binary outcome, method aipw, no refutations"}
    lines = [f"_{_results.machine_line()}_", "", f"Command: `{_results.command_line()}`", "",
             "| run | wall median (runs) | fit inside | peak RSS | goal | models | rows tuned |"
             " estimate (truth) | verdict |", "|---|---|---|---|---|---|---|---|---|"]
    for d in designs:
        ok = [r for r in runs[d] if r.get("ok")]
        if not ok:
            lines.append(f"| {what[d]} | failed: {runs[d][-1].get('error', '?')} | | | | | | | |")
            continue
        res = ok[-1]["result"]
        wall = statistics.median(r["wall"] for r in ok)
        fit = statistics.median(r["result"]["fit_seconds"] for r in ok)
        rss = statistics.median(r["rss_mib"] for r in ok)
        each = " / ".join(f"{r['wall']:.1f}" for r in runs[d] if r.get("ok"))
        lines.append(f"| {what[d]} | {wall:.1f} s ({each}) | {fit:.1f} s | {rss:,.0f} MiB | "
                     f"{goal[d]} | {res['models']} | {res['rows_tuned']} | "
                     f"{res['estimate']:.4f} ({res['truth']:.4f}) | {res['verdict']} |")
    body = "\n".join(lines) + "\n"
    print(body)
    if not a.no_write:
        _results.write_section(SECTION, "## speed_observe: the default observe with flexible "
                                        "nuisance models\n\n" + body)


if __name__ == "__main__":
    main()
