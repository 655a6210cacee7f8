"""Bias, RMSE, standard-error calibration and 95% coverage of the observational estimators.

On the demo generator ``truelift.datasets._personalization`` (a confounded personalization
rollout with known truth), each replication draws a fresh table of ``--n`` customers, fits the
logistic propensity once, and runs IPW, AIPW (5-fold cross-fitting), matching (defaults:
k=1, caliper 0.2 SD of the logit score, with replacement) and outcome regression, for the ATT
and the ATE. Every estimate is compared with the generator's POPULATION truth
(``truth.population_att`` / ``truth.population_ate``); the naive difference in means is the
negative control (it must be biased and fail coverage).

``--spec raw`` gives the covariates as the demo does (engagement_score, past_purchases,
account_age_days, device_type), while the generator uses log1p(past) and log(age): both the
propensity and the outcome models are then mildly misspecified. ``--spec true`` passes
``log_past = log1p(past_purchases)`` and ``log_age = log(account_age_days)`` instead, so the
logistic propensity and the logistic purchase models are correctly specified (the linear
revenue model stays misspecified: E[revenue | x, T] = p_T(x) * exp(linear in log1p past)).

Writes its section of benchmarks/RESULTS.md (only the subsection of the spec that was run).

    .venv/bin/python benchmarks/coverage_observational.py --reps 500 --spec raw
    .venv/bin/python benchmarks/coverage_observational.py --reps 500 --spec true
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import pickle
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _results

SECTION = "coverage_observational"
TREATMENT = "received_personalization"
OUTCOMES = ("made_purchase", "revenue")
COVARIATES = {
    "raw": ("engagement_score", "past_purchases", "account_age_days", "device_type"),
    "true": ("engagement_score", "log_past", "log_age", "device_type"),
}
METHODS = ("ipw", "aipw", "match", "regression")
ESTIMANDS = ("ATT", "ATE")
LEVEL = 0.95
BASE_SEED = 20_250_601
COVER_BAND = (0.93, 0.97)
RAW_DIR = Path(__file__).resolve().parent / "out"


def _methods() -> dict:
    from truelift.observational.aipw import AIPW
    from truelift.observational.matching import Matching
    from truelift.observational.regression import Regression
    from truelift.observational.weighting import IPW

    return {"ipw": IPW(), "aipw": AIPW(folds=5), "match": Matching(), "regression": Regression()}


def replicate(job: tuple[int, int, str]) -> dict:
    """One replication: a fresh table, one propensity fit, every method x estimand."""
    import truelift.data as tld
    from truelift.datasets import personalization
    from truelift.observational.naive import naive_difference
    from truelift.observational.propensity import LogisticPropensity

    rep, n, spec = job
    rng = np.random.default_rng([BASE_SEED, rep])
    df, truth = personalization(n=n, seed=rng)
    if spec == "true":
        df = df.assign(log_past=np.log1p(df["past_purchases"]), log_age=np.log(df["account_age_days"]))
    out: dict = {"rep": rep, "values": {}, "seconds": {}, "errors": {}, "warnings": 0,
                 "unmatched": {}, "sample_truth": {"ATT": dict(truth.att), "ATE": dict(truth.ate)}}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = tld.prepare(df, tld.Roles(treatment=TREATMENT, outcomes=list(OUTCOMES),
                                         covariates=list(COVARIATES[spec])))
        t0 = time.perf_counter()
        prop = LogisticPropensity().fit(data.x, data.t)
        out["seconds"]["propensity"] = time.perf_counter() - t0
        for est in naive_difference(data, LEVEL):
            out["values"][("naive", "-", est.outcome)] = (est.value, est.se, *est.ci)
        for name, method in _methods().items():
            for estimand in ESTIMANDS:
                t0 = time.perf_counter()
                try:
                    fit = method.estimate(data, estimand=estimand, level=LEVEL, propensity=prop,
                                          rng=np.random.default_rng([BASE_SEED, rep, 1]))
                except Exception as exc:  # recorded and counted, never hidden
                    out["errors"][(name, estimand)] = f"{type(exc).__name__}: {exc}"
                    continue
                out["seconds"][(name, estimand)] = time.perf_counter() - t0
                for est in fit.estimates:
                    out["values"][(name, estimand, est.outcome)] = (est.value, est.se, *est.ci)
                for d in fit.diagnostics:
                    if d.name == "unmatched_share":
                        out["unmatched"][estimand] = d.value
    out["warnings"] = len(caught)
    out["warning_texts"] = sorted({str(w.message)[:160] for w in caught})
    return out


def _fmt(x: float, digits: int = 4) -> str:
    if not math.isfinite(x):
        return "n/a"
    return f"{x:.{digits}g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.2e}"


def summarize(results: list[dict], outcome: str, pop_truth: dict
              ) -> tuple[list[str], list[str], list[str]]:
    """Markdown table rows for one outcome, and the rows whose bias or coverage stands out."""
    rows: list[str] = []
    biased: list[str] = []
    off: list[str] = []
    keys = [(m, e) for m in METHODS for e in ESTIMANDS] + [("naive", "ATT"), ("naive", "ATE")]
    for method, estimand in keys:
        vkey = (method, "-" if method == "naive" else estimand, outcome)
        vals = np.array([r["values"][vkey] for r in results if vkey in r["values"]], dtype=float)
        if vals.size == 0:
            continue
        truth = pop_truth[estimand][outcome]
        sample = np.array([r["sample_truth"][estimand][outcome] for r in results
                           if vkey in r["values"]])
        est, se, lo, hi = vals.T
        r_ = est.shape[0]
        bias = est.mean() - truth
        bias_mc = est.std(ddof=1) / math.sqrt(r_)
        rmse = math.sqrt(np.mean((est - truth) ** 2))
        sd = est.std(ddof=1)
        cover = np.mean((lo <= truth) & (truth <= hi))
        cover_se = math.sqrt(cover * (1 - cover) / r_)
        cover_s = np.mean((lo <= sample) & (sample <= hi))
        label = "naive (diff. in means)" if method == "naive" else method
        if method != "naive" and abs(bias) > 3 * bias_mc:
            biased.append(f"{label} {estimand} ({bias / bias_mc:+.1f} MC SE, "
                          f"{bias / sd:+.2f} SD)")
        if method != "naive" and not (COVER_BAND[0] <= cover <= COVER_BAND[1]):
            off.append(f"{label} {estimand} ({cover:.3f})")
        rows.append(
            f"| {label} | {estimand} | {_fmt(truth)} | {_fmt(bias)} ± {_fmt(bias_mc, 2)} | "
            f"{_fmt(bias / sd, 2)} | {_fmt(rmse)} | {_fmt(se.mean())} | {_fmt(sd)} | "
            f"{se.mean() / sd:.3f} | **{cover:.3f}** ± {cover_se:.3f} | {cover_s:.3f} | {r_} |")
    return rows, biased, off


def report(results: list[dict], args: argparse.Namespace, wall: float) -> str:
    from truelift.datasets._personalization import _population_truth

    pop_ate, pop_att = _population_truth()
    pop = {"ATT": pop_att, "ATE": pop_ate}
    covs = ", ".join(COVARIATES[args.spec])
    head = ("| estimator | estimand | population truth | bias ± MC SE | bias / SD | RMSE | "
            "mean SE | SD of estimates | mean SE / SD | 95% CI coverage ± binomial SE | "
            "coverage of the sample-average truth | reps |\n"
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    lines = [f"### `--spec {args.spec}`: covariates {covs}", "",
             f"Command: `{_results.command_line()}`  ",
             f"Run: {_results.machine_line()}  ",
             f"Replications: {len(results)} of n = {args.n:,}, {args.workers} worker processes "
             f"(1 BLAS thread each); wall time of the whole run {wall:.0f} s "
             "(measured by the script, from start to the table).", ""]
    for outcome in OUTCOMES:
        rows, biased, off = summarize(results, outcome, pop)
        lines += [f"**{outcome}**", "", head, *rows, "",
                  f"Computed flags for {outcome}: bias beyond 3 Monte Carlo SE: "
                  + (", ".join(biased) if biased else "none")
                  + f"; coverage outside [{COVER_BAND[0]}, {COVER_BAND[1]}]: "
                  + (", ".join(off) if off else "none") + ".", ""]
    # failures, warnings, matching drops, per-fit time
    errors: dict = {}
    for r in results:
        for k, msg in r["errors"].items():
            errors.setdefault(k, []).append(msg)
    n_warn = sum(r["warnings"] for r in results)
    texts = sorted({t for r in results for t in r["warning_texts"]})
    lines.append("Failures (estimator raised): " + (
        "; ".join(f"{m} {e}: {len(v)} (e.g. {v[0]})" for (m, e), v in errors.items())
        if errors else "none") + ".  ")
    lines.append(f"Warnings raised: {n_warn}" + (f" ({'; '.join(texts[:3])})" if texts else "")
                 + ".  ")
    for estimand in ESTIMANDS:
        un = np.array([r["unmatched"].get(estimand, np.nan) for r in results], dtype=float)
        if np.isfinite(un).any():
            lines.append(f"Matching {estimand}: share of the estimand's population dropped by the "
                         f"caliper, mean {np.nanmean(un):.4%}, max {np.nanmax(un):.4%}.  ")
    secs = []
    prop_s = np.median([r["seconds"]["propensity"] for r in results])
    secs.append(f"propensity {prop_s * 1e3:.0f} ms")
    for m in METHODS:
        for e in ESTIMANDS:
            v = [r["seconds"][(m, e)] for r in results if (m, e) in r["seconds"]]
            if v:
                secs.append(f"{m} {e} {np.median(v) * 1e3:.0f} ms")
    lines.append("Median time per fit in a worker: " + ", ".join(secs) + ".")
    return "\n".join(lines)


INTRO = """## Coverage of the observational estimators (`coverage_observational.py`)

Demo generator `truelift.datasets._personalization` (confounded rollout, known truth). Each
replication: a fresh table, one logistic propensity fit, then IPW (Hájek, influence-function SE
with the propensity-estimation correction), AIPW (5-fold cross-fitting), matching (`Matching()`
defaults: k = 1 on the logit score, caliper 0.2 SD, with replacement, Abadie–Imbens SE) and
outcome regression (per-arm logistic/linear, sandwich SE), for ATT and ATE. Truth is the
generator's **population** ATT / ATE. The naive difference in means is the negative control
(compared with both truths). "bias / SD" is the bias in units of the estimator's own sampling
SD; "mean SE / SD" near 1 means the standard errors are calibrated (its own Monte Carlo error
is about 1/sqrt(2R): ±0.03 at R = 500, ±0.022 at R = 1000). The binomial SE of a 95% coverage
is about ±0.010 at R = 500 and ±0.007 at R = 1000; the flags below each table list, computed
from the table, every estimator whose bias exceeds 3 Monte Carlo SE and every coverage outside
DESIGN.md's benchmark band [0.93, 0.97]. The last coverage column scores the same intervals
against the sample-average effect of the drawn table (`truth.att` / `truth.ate`), for information."""


def write(results: list[dict], args: argparse.Namespace, wall: float) -> str:
    body = report(results, args, wall)
    subsections = {}
    for spec in COVARIATES:
        name = f"{SECTION}:{spec}"
        if spec == args.spec:
            subsections[spec] = body
        else:
            old = _results.read_section(name)
            subsections[spec] = old if old is not None else (
                f"### `--spec {spec}`\n\nNot run yet: "
                f"`.venv/bin/python benchmarks/coverage_observational.py --spec {spec}`.")
    parts = [INTRO]
    for spec, text in subsections.items():
        parts.append(f"<!-- {SECTION}:{spec}:start -->\n{text.strip()}\n<!-- {SECTION}:{spec}:end -->")
    if not args.no_write:
        _results.write_section(SECTION, "\n\n".join(parts))
    return body


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=500, help="replications (default 500)")
    parser.add_argument("--n", type=int, default=10_000, help="customers per table (default 10,000)")
    parser.add_argument("--spec", choices=tuple(COVARIATES), default="raw",
                        help="raw covariates (demo) or the generator's true transformations")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md")
    args = parser.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")  # one BLAS thread per (spawned) worker process
    start = time.perf_counter()
    jobs = [(rep, args.n, args.spec) for rep in range(args.reps)]
    results = []
    with mp.get_context("spawn").Pool(args.workers) as pool:
        for i, res in enumerate(pool.imap_unordered(replicate, jobs, chunksize=4), start=1):
            results.append(res)
            if i % 50 == 0 or i == args.reps:
                print(f"  {i}/{args.reps} replications, {time.perf_counter() - start:.0f} s",
                      file=sys.stderr, flush=True)
    results.sort(key=lambda r: r["rep"])
    wall = time.perf_counter() - start
    RAW_DIR.mkdir(exist_ok=True)
    with open(RAW_DIR / f"coverage_observational_{args.spec}.pkl", "wb") as fh:
        pickle.dump({"args": vars(args), "wall": wall, "results": results}, fh)
    print(write(results, args, wall))


if __name__ == "__main__":
    main()
