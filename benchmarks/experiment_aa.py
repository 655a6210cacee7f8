"""A/A and A/B simulations of the randomized-test readout, through the real ``tl.readout``.

Each replication draws ``truelift.datasets.homepage_test`` (``--n`` users, two arms) and reads it
out with ``tl.readout`` on purchased (proportion), revenue (mean) and AOV (ratio), with and
without CUPED (``revenue_pre``, ``sessions_pre``), with a look after every ``--look`` users
(users in enrolment order; the look index is the time column):

* A/A (``aa=True``): the fixed-horizon test at the last look must reject at 5% ± 1%; the naive
  "reject if any look has p < 0.05" rule must be shown inflated; the always-valid rule
  (normal-mixture confidence sequence tuned to the horizon) must stay at or below 5%, also with
  CUPED;
* CUPED's variance reduction on revenue must match ``1 - (1 - R^2)`` where ``R^2`` is the pooled
  within-arm squared correlation of revenue with the covariates, within 2 points;
* A/B (default lifts): 95% intervals must cover the generator's true lift about 95% of the time.

    .venv/bin/python benchmarks/experiment_aa.py --reps 2000
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _results

SECTION = "experiment_aa"
METRICS = ["purchased", "revenue", "aov=revenue/orders"]
NAMES = ["purchased", "revenue", "aov"]
COVS = ["revenue_pre", "sessions_pre"]


def _reads(data, n: int, covariates):
    import truelift as tl

    return tl.readout(data, treatment="variant", control="control", outcome=METRICS, covariates=covariates,
                      time="look", sequential="always-valid", horizon=n, bayes=False)


def replicate(job: tuple[int, int, int]) -> dict:
    from truelift.datasets import homepage_test

    rep, n, look = job
    out: dict = {"rep": rep}
    for kind, aa in (("aa", True), ("ab", False)):
        data, truth = homepage_test(n=n, seed=10_000 + rep, aa=aa, days=1)
        data = data.assign(look=np.arange(len(data)) // look)
        for adj, covs in (("plain", None), ("cuped", COVS)):
            r = _reads(data, n, covs)
            for name in NAMES:
                lift = r.lift(name)
                path = next(p for p in r.sequential.paths if p.metric == name)
                true = 0.0 if aa else float(truth.absolute(name, "personalized"))
                key = (kind, adj, name)
                out[key] = {
                    "fixed_reject": lift.estimate.pvalue < 0.05,
                    "covers": lift.estimate.ci[0] <= true <= lift.estimate.ci[1],
                    "naive_any": any(lk.pvalue_naive < 0.05 for lk in path.looks),
                    "av_any": any(lk.pvalue_always_valid < 0.05 for lk in path.looks),
                    "av_covers": all(lk.cs[0] <= true <= lk.cs[1] for lk in path.looks),
                    "vr": lift.cuped.variance_reduction if lift.cuped else np.nan,
                    "looks": len(path.looks),
                }
            if kind == "aa" and adj == "plain":
                out["r2"] = _within_r2(data)
    return out


def _within_r2(data) -> float:
    """Pooled within-arm R^2 of revenue on the CUPED covariates (what CUPED removes)."""
    y = data.revenue.to_numpy(float)
    x = data[COVS].to_numpy(float)
    g = (data.variant == "control").to_numpy()
    resid_y, resid_x = y.copy(), x.copy()
    for m in (g, ~g):
        resid_y[m] -= y[m].mean()
        resid_x[m] -= x[m].mean(axis=0)
    beta, *_ = np.linalg.lstsq(resid_x, resid_y, rcond=None)
    return 1.0 - float(((resid_y - resid_x @ beta) ** 2).sum() / (resid_y**2).sum())


def _rate(results: list[dict], key: tuple, field: str) -> tuple[float, float]:
    v = np.array([r[key][field] for r in results], dtype=float)
    p = float(v.mean())
    return p, float(np.sqrt(p * (1 - p) / len(v)))


def report(results: list[dict], args: argparse.Namespace, wall: float) -> str:
    reps = len(results)
    looks = results[0][("aa", "plain", "revenue")]["looks"]
    lines = ["## Randomized readout: A/A false positives, peeking, CUPED, coverage (`experiment_aa.py`)", "",
             f"Command: `{_results.command_line()}`  ", f"Run: {_results.machine_line()}  ",
             f"{reps} replications (seeds {10_000 + args.first_rep:,} to "
             f"{10_000 + args.first_rep + reps - 1:,}) "
             f"of `homepage_test(n={args.n:,})`, read out by `tl.readout` with a look "
             f"every {args.look:,} users ({looks} looks; always-valid mixture tuned to the horizon "
             f"n = {args.n:,}); wall time {wall:.0f} s on {args.workers} worker processes.", "",
             "**A/A** (no true difference; 5% nominal; ± is the binomial SE)", "",
             "| metric | CUPED | fixed horizon rejects | naive: any look p < 0.05 | always-valid: any look |",
             "| --- | --- | --- | --- | --- |"]
    flags = []
    for adj in ("plain", "cuped"):
        for name in NAMES:
            key = ("aa", adj, name)
            f, fse = _rate(results, key, "fixed_reject")
            nv, nse = _rate(results, key, "naive_any")
            av, ase = _rate(results, key, "av_any")
            lines.append(f"| {name} | {'yes' if adj == 'cuped' else 'no'} | {f:.4f} ± {fse:.4f} | "
                         f"{nv:.4f} ± {nse:.4f} | {av:.4f} ± {ase:.4f} |")
            if not (0.04 <= f <= 0.06):
                flags.append(f"fixed-horizon rate of {name} ({adj}) outside 5% ± 1%")
            if av > 0.05 + 2 * ase:
                flags.append(f"always-valid rate of {name} ({adj}) above 5%")
            if nv <= 0.08:
                flags.append(f"naive peeking of {name} ({adj}) not shown inflated")
    vr = np.array([r[("aa", "cuped", "revenue")]["vr"] for r in results])
    r2 = np.array([r["r2"] for r in results])
    lines += ["", f"**CUPED on revenue** (covariates {', '.join(COVS)}): mean variance reduction "
                  f"{vr.mean():.4f} (SD {vr.std():.4f}); mean pooled within-arm R² of revenue on "
                  "them (ρ² for one covariate) "
                  f"{r2.mean():.4f}; difference {100 * (vr.mean() - r2.mean()):+.2f} points.", ""]
    if abs(vr.mean() - r2.mean()) > 0.02:
        flags.append("CUPED variance reduction differs from R² by more than 2 points")
    lines += ["**A/B** (default lifts of the generator; coverage of the true population lift)", "",
              "| metric | CUPED | 95% CI coverage | always-valid sequence covers at every look "
              "| power (fixed) |",
              "| --- | --- | --- | --- | --- |"]
    for adj in ("plain", "cuped"):
        for name in NAMES:
            key = ("ab", adj, name)
            c, cse = _rate(results, key, "covers")
            a, _ = _rate(results, key, "av_covers")
            pw, _ = _rate(results, key, "fixed_reject")
            lines.append(f"| {name} | {'yes' if adj == 'cuped' else 'no'} | {c:.4f} ± {cse:.4f} | {a:.4f} | "
                         f"{pw:.3f} |")
            if not (0.93 <= c <= 0.97):
                flags.append(f"coverage of {name} ({adj}) outside [0.93, 0.97]")
    lines += ["", "Computed flags: " + ("; ".join(flags) if flags else "none") + "."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--look", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--first-rep", type=int, default=0, help="first replication (seed offset)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    start = time.perf_counter()
    jobs = [(rep, args.n, args.look) for rep in range(args.first_rep, args.first_rep + args.reps)]
    results = []
    with mp.get_context("spawn").Pool(args.workers) as pool:
        for i, res in enumerate(pool.imap_unordered(replicate, jobs, chunksize=8), start=1):
            results.append(res)
            if i % 100 == 0 or i == args.reps:
                print(f"  {i}/{args.reps}, {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    results.sort(key=lambda r: r["rep"])
    body = report(results, args, time.perf_counter() - start)
    print(body)
    if not args.no_write:
        _results.write_section(SECTION, body)


if __name__ == "__main__":
    main()
