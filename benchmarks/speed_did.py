"""Speed of the staggered DiD: truelift ``did(...)`` vs pyfixest's TWFE event study.

Data: ``staggered_panel(units=--units, periods=--periods, cohorts=5, seed=round)`` (by default
1,000 regions x 365 days, 5 adoption cohorts, 25% never treated), drawn inside each process (its
time is reported separately as "data").

(a) truelift: ``did(data, outcome="y", time="period", treatment="treated", unit="unit")``: the
    Callaway & Sant'Anna group-time ATTs (every cohort x every day), the simple and dynamic
    aggregations with influence-function SEs, the pre-trend Wald test, TWFE and its binned event
    study (event times -20..20, pyfixest), the placebo in time and the figures.
(b) pyfixest reference: ``feols("y ~ i(rel, ref=-1) | unit + period", vcov={"CRV1": "unit"})``
    with the same binned event time (-20..20): the TWFE event study alone.

Each run is a whole process under ``/usr/bin/time -v`` (wall clock and peak RSS); median of
``--repeats`` interleaved rounds. Prints a markdown table for benchmarks/RESULTS.md.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/speed_did.py --repeats 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _results
from speed_matching import PROJECT_PY, timed

SPAN = 20


def child(tool: str, units: int, periods: int, seed: int) -> None:
    t0 = time.perf_counter()
    import numpy as np

    from truelift.datasets._quasi_did import staggered_panel

    data, truth = staggered_panel(units=units, periods=periods, cohorts=5, seed=seed)
    t1 = time.perf_counter()
    if tool == "truelift":
        from truelift.quasi.did import did

        res = did(data, outcome="y", time="period", treatment="treated", unit="unit")
        value, se = res.estimate().value, res.estimate().se
    else:
        import pyfixest as pf

        rel = np.where(data["cohort"] > 0, data["period"] - data["cohort"], -1)
        d = data.assign(rel=np.clip(rel, -SPAN, SPAN))
        fit = pf.feols("y ~ i(rel, ref=-1) | unit + period", data=d, vcov={"CRV1": "unit"})
        value, se = float(fit.coef()["rel::0"]), float(fit.se()["rel::0"])
    t2 = time.perf_counter()
    print(json.dumps({"gen": t1 - t0, "fit": t2 - t1, "value": value, "se": se, "true_att": truth.att}))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--periods", type=int, default=365)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.units, args.periods, args.seed)
        return
    runs: dict[str, list[dict]] = {"truelift": [], "pyfixest": []}
    for rnd in range(1, args.repeats + 1):
        for tool, done in runs.items():
            res = timed(PROJECT_PY, "speed_did.py", ["--child", tool, "--units", str(args.units),
                                                     "--periods", str(args.periods), "--seed", str(rnd)],
                        args.timeout)
            done.append(res)
            msg = f"{res['wall']:.1f} s" if res.get("ok") else res.get("error", "")
            print(f"round {rnd} {tool}: {msg}", file=sys.stderr, flush=True)
    labels = {"truelift": "truelift `did()` (CS ATT(g,t) + aggregations + TWFE + event studies + "
                          "pre-test + placebo)",
              "pyfixest": "pyfixest `feols` TWFE event study, `i(rel, ref=-1)`, rel binned to ±20"}
    lines = [f"### {args.units:,} units × {args.periods} periods, 5 cohorts",
             "", f"- Command: `{_results.command_line()}` — {_results.machine_line()}", "",
             "| tool | wall median (s) | wall runs (s) | data (s) | fit median (s) | peak RSS (MiB) | "
             "estimate (se) |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for tool, rs in runs.items():
        ok = [r for r in rs if r.get("ok")]
        if not ok:
            lines.append(f"| {labels[tool]} | failed | | | | | |")
            continue
        med = statistics.median(r["wall"] for r in ok)
        fit = statistics.median(r["result"]["fit"] for r in ok)
        gen = statistics.median(r["result"]["gen"] for r in ok)
        rss = statistics.median(r["rss_mib"] for r in ok)
        runs_s = " / ".join(f"{r['wall']:.1f}" for r in ok)
        r0 = ok[0]["result"]
        lines.append(f"| {labels[tool]} | {med:.1f} | {runs_s} | {gen:.1f} | {fit:.1f} | {rss:.0f} | "
                     f"{r0['value']:.4f} ({r0['se']:.4f}) |")
    lines += ["", "truelift's estimate is the overall ATT (true value "
              f"{ok[0]['result']['true_att']:.4f} in round 1); pyfixest's is the event-time-0 "
              "coefficient (true 1.0)."] if runs["truelift"] and runs["truelift"][0].get("ok") else []
    body = "\n".join(lines)
    print(body)
    if not args.no_write:
        title = "## Speed of the staggered DiD and event study (`speed_did.py`)"
        _results.write_section("speed_did", title + "\n\n" + body)


if __name__ == "__main__":
    main()
