"""Bias and 95% CI coverage of the regression discontinuity (robust bias-corrected) and IV (2SLS)
estimators of truelift.quasi, on generators with known truth (truelift.datasets._quasi_rd_iv).

Designs (each ``--reps`` replications, a fresh seeded sample per replication):

* ``rd_sharp``: ``rd_data(n, effect=0.1)`` (the "Lee" design of Calonico, Cattaneo & Titiunik 2014),
  ``rd(..., cutoff=0)`` with the MSE-optimal bandwidth; negative control: the difference in means
  of all units above and below the cutoff (Welch CI), which is biased by the slope of the outcome.
* ``rd_fuzzy``: ``rd_data(n, effect=0.1, fuzzy=True)``, ``rd(..., treatment="treated")``.
* ``iv``: ``encouragement(n, late=0.05, complier_share=0.4)``, ``iv(...)`` (2SLS, HC1); negative
  control: the naive OLS of purchase on exposure (the iv_stages table).

Prints a markdown table (bias, mean SE, SD of the estimates, coverage of the 95% interval).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/coverage_rd_iv.py --reps 300
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _results
from truelift.datasets._quasi_rd_iv import encouragement, rd_data
from truelift.quasi.iv import iv
from truelift.quasi.rd import rd


def run(design: str, reps: int, n: int, seed0: int = 0) -> dict[str, dict[str, float]]:
    """Replicate one design; returns {estimator: {bias, se, sd, coverage, truth, seconds}}."""
    est: dict[str, list[tuple[float, float, float, float]]] = {}
    truth = math.nan
    t0 = time.perf_counter()
    for r in range(reps):
        seed = seed0 + r
        if design.startswith("rd"):
            fuzzy = design == "rd_fuzzy"
            data, tr = rd_data(n, effect=0.1, fuzzy=fuzzy, seed=seed)
            truth = tr.effect
            res = rd(data, outcome="y", running="x", cutoff=0.0, treatment="treated" if fuzzy else None)
            e = res.estimate()
            est.setdefault(design, []).append((e.value, e.se, *e.ci))
            if not fuzzy:
                x, y = data["x"].to_numpy(), data["y"].to_numpy()
                a, b = y[x >= 0], y[x < 0]
                diff = a.mean() - b.mean()
                se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
                est.setdefault("naive difference in means", []).append(
                    (diff, se, diff - 1.96 * se, diff + 1.96 * se)
                )
        else:
            data, tr = encouragement(n, late=0.05, complier_share=0.4, seed=seed)
            truth = tr.late
            res = iv(data, outcome="purchased", treatment="exposed", instrument="encouraged")
            e = res.estimate()
            est.setdefault("iv_2sls", []).append((e.value, e.se, *e.ci))
            row = res.table("iv_stages").to_frame().set_index("stage").loc["OLS (naive)"]
            est.setdefault("naive OLS", []).append(
                (row["value"], row["se"], row["ci_lower"], row["ci_upper"])
            )
    seconds = (time.perf_counter() - t0) / reps
    out = {}
    for name, rows in est.items():
        a = np.array(rows, dtype=float)
        out[name] = dict(
            truth=truth,
            bias=float(a[:, 0].mean() - truth),
            se=float(a[:, 1].mean()),
            sd=float(a[:, 0].std(ddof=1)),
            coverage=float(((a[:, 2] <= truth) & (truth <= a[:, 3])).mean()),
            seconds=seconds,
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=300)
    ap.add_argument("--n-rd", type=int, default=2000)
    ap.add_argument("--n-iv", type=int, default=5000)
    ap.add_argument("--designs", default="rd_sharp,rd_fuzzy,iv")
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = ap.parse_args()
    t_start = time.perf_counter()
    lines = [
        f"Replications: {args.reps}; RD n = {args.n_rd}, IV n = {args.n_iv}; coverage of the 95% CI "
        f"(binomial SE about {math.sqrt(0.95 * 0.05 / args.reps):.3f}).",
        "",
        "| design | estimator | truth | bias | mean SE | SD of estimates | coverage | seconds / rep |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for design in args.designs.split(","):
        n = args.n_iv if design == "iv" else args.n_rd
        for name, s in run(design, args.reps, n).items():
            lines.append(
                f"| {design} | {name} | {s['truth']:.3f} | {s['bias']:+.4f} | {s['se']:.4f} | "
                f"{s['sd']:.4f} | {s['coverage']:.3f} | {s['seconds']:.3f} |"
            )
    lines[1:1] = ["", f"- Command: `{_results.command_line()}` — {_results.machine_line()}; took "
                      f"{(time.perf_counter() - t_start) / 60:.1f} min.", ""]
    body = "\n".join(lines)
    print(body)
    if not args.no_write:
        _results.write_section("coverage_rd_iv", "## Coverage of RD and IV (`coverage_rd_iv.py`)\n\n" + body)


if __name__ == "__main__":
    main()
