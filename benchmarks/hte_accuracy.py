"""Accuracy of the CATE learners on the coupon campaign: PEHE and ATE error, over replications.

For each design (randomized, confounded), outcome (converted, revenue) and learner (s, t, x, dr,
r, cf with their default settings, LightGBM base models), ``coupon_campaign(n, seed=rep,
confounded=...)`` is drawn and the learner fitted on ``x1..x10`` with the propensity known (the
truth's ``propensity_coupon``) in the randomized design and estimated (``propensity=None``:
cross-fitted logistic, clipped) in the confounded one. Per replication:

* PEHE = sqrt(mean((oof - true CATE)^2)) over the training rows, with the learner's out-of-fold
  (out-of-bag for the forest) scores;
* ATE error = ``fitted.ate`` - mean of the true per-customer CATE of the sample.

The table reports the mean PEHE, the mean ATE error (bias) and the root mean square ATE error.

    .venv/bin/python benchmarks/hte_accuracy.py --n 20000 --reps 5
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _results
from truelift.datasets._uplift import coupon_campaign
from truelift.hte.learners import LEARNERS

HERE = Path(__file__).resolve().parent
SECTION = "hte_accuracy"
RAW = HERE / "out" / "hte_accuracy.json"
DESIGNS = {"randomized": False, "confounded": True}
OUTCOMES = ("converted", "revenue")


def one_rep(n: int, rep: int, confounded: bool, learners: list[str]) -> list[dict]:
    data, truth = coupon_campaign(n, seed=rep, confounded=confounded)
    cols = [c for c in data.columns if c.startswith("x") and c[1:].isdigit()]
    x = data[cols].to_numpy(dtype=float)
    t = (data["arm"] == "coupon").to_numpy().astype(int)
    per = truth.per_customer
    e = per["propensity_coupon"].to_numpy(dtype=float) if not confounded else None
    rows = []
    for outcome in OUTCOMES:
        y = data[outcome].to_numpy(dtype=float)
        tau = per[f"cate_{outcome}_coupon"].to_numpy(dtype=float)
        for name in learners:
            start = time.perf_counter()
            fitted = LEARNERS[name]().fit(x, t, y, propensity=e, seed=rep)
            rows.append({"design": "confounded" if confounded else "randomized",
                         "outcome": outcome, "learner": name, "rep": rep,
                         "pehe": float(np.sqrt(np.mean((fitted.oof - tau) ** 2))),
                         "ate_err": float(fitted.ate - tau.mean()), "true_ate": float(tau.mean()),
                         "seconds": time.perf_counter() - start})
    return rows


def report(rows: list[dict], args: argparse.Namespace, invocation: dict, learners: list[str]
           ) -> str:
    lines = ["## Accuracy of the CATE learners (`hte_accuracy.py`)", "",
             f"Measured by `{invocation['command']}` — {invocation['run']}; took "
             f"{invocation['minutes']} min.", "",
             f"Data: `coupon_campaign(n={args.n:,}, seed=rep, confounded=...)` (10 covariates), "
             f"reps = {args.reps} (seeds 0..{args.reps - 1}); every learner with its default "
             "settings (5 folds, LightGBM base: 100 trees, 15 leaves, 40 rows per leaf). "
             "Randomized: propensity given (the truth's `propensity_coupon`, 0.5); confounded: "
             "propensity estimated (`propensity=None`, cross-fitted logistic, clipped to "
             "[0.01, 0.99]). PEHE = sqrt(mean((oof - true CATE)^2)) over the training rows "
             "(out-of-fold scores; out-of-bag for `cf`), averaged over reps. ATE error = "
             "`fitted.ate` - sample mean of the true CATE; bias is its mean over reps, RMSE the "
             "root of its mean square. Revenue is in currency units per customer.", ""]
    for outcome in OUTCOMES:
        true_ate = np.mean([r["true_ate"] for r in rows if r["outcome"] == outcome])
        lines += [f"### Outcome `{outcome}` (mean true ATE over reps and designs "
                  f"{true_ate:.4f})", "",
                  "| design | learner | PEHE | ATE bias | ATE RMSE | fit s (mean) |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for design in DESIGNS:
            for name in learners:
                sel = [r for r in rows if r["design"] == design and r["outcome"] == outcome
                       and r["learner"] == name]
                if not sel:
                    continue
                err = np.array([r["ate_err"] for r in sel])
                lines.append(f"| {design} | {name} | {np.mean([r['pehe'] for r in sel]):.4f} | "
                             f"{err.mean():+.4f} | {np.sqrt(np.mean(err**2)):.4f} | "
                             f"{np.mean([r['seconds'] for r in sel]):.1f} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--learners", default=",".join(LEARNERS))
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    learners = [s.strip() for s in args.learners.split(",") if s.strip()]
    start = time.perf_counter()
    rows: list[dict] = []
    for rep in range(args.reps):
        for design, confounded in DESIGNS.items():
            rows += one_rep(args.n, rep, confounded, learners)
            print(f"[{time.perf_counter() - start:6.0f} s] rep {rep} {design} done",
                  file=sys.stderr, flush=True)
    invocation = {"command": _results.command_line(), "run": _results.machine_line(),
                  "minutes": round((time.perf_counter() - start) / 60, 1)}
    RAW.parent.mkdir(parents=True, exist_ok=True)
    RAW.write_text(json.dumps({"invocation": invocation, "rows": rows}, indent=2))
    body = report(rows, args, invocation, learners)
    if not args.no_write:
        _results.write_section(SECTION, body)
    print(body)


if __name__ == "__main__":
    main()
