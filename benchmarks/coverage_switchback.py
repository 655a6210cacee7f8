"""Bias and coverage of truelift's switchback analysis, with and without a washout.

Design (truelift.datasets._quasi_switchback.switchback_orders): 14 days of hourly periods, 4-hour
slices (84 slices), true effect 2, AR(1) noise (0.5, sd 3), hour fixed effects, CRV1 by slice,
t(G-1) intervals. Scenarios: no carryover, and carryover (the first 2 periods after a switch
answer fully to the previous arm; approximate bias without washout -1). Each scenario is analysed
with washout 0 and 2 (one call gives both: the headline and the no-washout estimate).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/coverage_switchback.py --reps 300
prints a markdown table for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _results
from truelift.datasets._quasi_switchback import switchback_orders
from truelift.quasi.switchback import switchback


def run(reps: int, days: int) -> list[tuple]:
    rows = []
    for carry in (0.0, 1.0):
        vals = {0: [], 2: []}
        cover = {0: [], 2: []}
        ses = {0: [], 2: []}
        t0 = time.perf_counter()
        for seed in range(reps):
            data, truth = switchback_orders(days=days, carryover=carry, carryover_periods=2, seed=seed)
            res = switchback(data, outcome="orders", time="time", treatment="treatment", slice="slice",
                             washout=2, fixed_effects=("hour",))
            for w, e in ((2, res.estimates[0]), (0, res.estimates[-1])):
                vals[w].append(e.value)
                ses[w].append(e.se)
                cover[w].append(e.ci[0] <= truth.effect <= e.ci[1])
        secs = (time.perf_counter() - t0) / reps
        for w in (0, 2):
            v = np.array(vals[w])
            rows.append((carry, w, truth.effect, v.mean() - truth.effect, v.std(ddof=1) / np.sqrt(reps),
                         v.std(ddof=1), np.mean(ses[w]), np.mean(cover[w]), secs))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=300)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    rows = run(args.reps, args.days)
    lines = [f"Switchback: {args.reps} replications, {args.days} days x 24 hourly periods, 4-hour slices, "
             "effect 2, hour FE, CRV1 by slice", "",
             f"- Command: `{_results.command_line()}` — {_results.machine_line()}", "",
             "| carryover share | washout (periods) | truth | bias | MC se of bias | sd of estimate "
             "| mean CRV1 se | coverage of 95% CI | s per analysis |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for c, w, eff, bias, mc, sd, se, cov, secs in rows:
        lines.append(f"| {c:g} | {w} | {eff:g} | {bias:+.3f} | {mc:.3f} | {sd:.3f} | {se:.3f} | {cov:.3f} "
                     f"| {secs:.2f} |")
    body = "\n".join(lines)
    print(body)
    if not args.no_write:
        _results.write_section("coverage_switchback",
                               "## Coverage of switchback analyses (`coverage_switchback.py`)\n\n" + body)

if __name__ == "__main__":
    main()
