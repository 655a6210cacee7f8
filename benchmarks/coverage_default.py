"""Bias, SE calibration and 95% coverage of the DEFAULT ``tl.observe(..., method="aipw", refute=False)``.

Unlike ``coverage_observational.py`` (which fixes a logistic propensity and calls the estimators
directly), this runs the public entry with its defaults: nuisance models chosen by out-of-fold
loss, folds from a hash of the unit id, AIPW. Designs, ``--reps`` replications of ``--n`` rows:

* ``personalization``: ``tl.datasets.personalization`` with the demo's covariates, both outcomes,
  ATT and ATE, against the generator's *population* truth (as ``coverage_observational.py``);
* ``high_dim``: design (e) of ``_verdict_cases.py`` (60 correlated covariates, nonlinear selection
  on four, nonlinear outcome), against its population truth (a 2,000,000-row draw of ``tau(x)``
  and ``e(x)``).

The naive difference in means (``result.naive``) is the negative control. The table rows come
from ``coverage_observational.summarize``.

    .venv/bin/python benchmarks/coverage_default.py                 # 1,000 reps
    .venv/bin/python benchmarks/coverage_default.py --reps 100 --reps-high-dim 20
    # a long design in chunks, merged afterwards:
    .venv/bin/python benchmarks/coverage_default.py --designs high_dim --reps 300 --rep-start 0 \
        --out benchmarks/out/cov_hd_0.pkl --no-write
    .venv/bin/python benchmarks/coverage_default.py \
        --from-pkl benchmarks/out/cov_p.pkl,benchmarks/out/cov_hd_0.pkl
"""

from __future__ import annotations

import argparse
import functools
import os
import pickle
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _results
import _verdict_cases as vc
import coverage_observational as co

SECTION = "coverage_default"
BASE_SEED = 20_250_716
LEVEL = 0.95
DESIGNS = ("personalization", "high_dim")
RAW = Path(__file__).resolve().parent / "out" / "coverage_default.pkl"


@functools.lru_cache(maxsize=1)
def high_dim_population_truth() -> dict[str, dict[str, float]]:
    """Population ATE / ATT of design (e): 2,000,000 draws of e(x) and tau(x), in chunks."""
    from scipy.special import expit

    rng = np.random.default_rng(20_091_962)
    s_tau = s_etau = s_e = 0.0
    n_tot = 0
    for _ in range(20):
        n = 100_000
        common = rng.standard_normal((n, 1))
        x = np.sqrt(0.8) * rng.standard_normal((n, 5)) + np.sqrt(0.2) * common
        e = expit(-0.3 + 1.2 * (x[:, 0] > 0.5) + 0.7 * x[:, 1] * x[:, 2] - 0.4 * x[:, 3] ** 2
                  + 0.4 * x[:, 3])
        tau = 1.0 + 0.5 * (x[:, 0] > 0) + 0.3 * x[:, 1]
        s_tau += tau.sum()
        s_etau += (e * tau).sum()
        s_e += e.sum()
        n_tot += n
    return {"ATE": {"y": s_tau / n_tot}, "ATT": {"y": s_etau / s_e}}


def population_truth(design: str) -> dict[str, dict[str, float]]:
    if design == "personalization":
        from truelift.datasets._personalization import _population_truth

        ate, att = _population_truth()
        return {"ATE": dict(ate), "ATT": dict(att)}
    return high_dim_population_truth()


def replicate(design: str, rep: int, args: argparse.Namespace) -> dict:
    """One table; the default AIPW for each estimand; the naive difference."""
    import truelift as tl

    rng = np.random.default_rng([BASE_SEED, DESIGNS.index(design), rep])
    case = (vc.good_overlap if design == "personalization" else vc.high_dim)(args.n, rng)
    out: dict = {"rep": rep, "values": {}, "seconds": {}, "errors": {}, "nuisance": {},
                 "sample_truth": {"ATT": dict(case.att), "ATE": dict(case.ate)}}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for estimand in args.estimands:
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                res = tl.observe(case.data, treatment=case.treatment, outcome=list(case.outcomes),
                                 covariates=list(case.covariates), unit=case.id, estimand=estimand,
                                 method="aipw", refute=False, seed=rep)
            except Exception as exc:  # recorded and counted, never hidden
                out["errors"][("aipw", estimand)] = f"{type(exc).__name__}: {exc}"
                continue
            out["seconds"][("aipw", estimand)] = time.perf_counter() - t0
            out.setdefault("cpu_seconds", {})[estimand] = time.process_time() - c0
            out["nuisance"][estimand] = dict(res.provenance.parameters["nuisance_models"])
            for o in case.outcomes:
                est = res.estimate(o)
                out["values"][("aipw", estimand, o)] = (est.value, est.se, *est.ci)
            for est in res.naive:
                out["values"][("naive", "-", est.outcome)] = (est.value, est.se, *est.ci)
    out["warnings"] = len(caught)
    out["warning_texts"] = sorted({str(w.message)[:160] for w in caught})
    return out


def report(design: str, results: list[dict], args: argparse.Namespace, wall: float) -> str:
    pop = population_truth(design)
    outcomes = list(pop["ATE"])
    head = ("| estimator | estimand | population truth | bias ± MC SE | bias / SD | RMSE | "
            "mean SE | SD of estimates | mean SE / SD | 95% CI coverage ± binomial SE | "
            "coverage of the sample-average truth | reps |\n"
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    what = ("`tl.datasets.personalization` (demo covariates; population truth)"
            if design == "personalization" else
            "design (e) `high_dim` of `_verdict_cases.py` (60 covariates; population truth)")
    lines = [f"### {design}: {what}", "",
             f"Replications: {len(results)} of n = {args.n:,}.", ""]
    for o in outcomes:
        rows, biased, off = co.summarize(results, o, pop)
        rows = [r.replace("| aipw |", "| aipw (default) |") for r in rows]
        lines += [f"**{o}**", "", head, *rows, "",
                  f"Computed flags for {o}: bias beyond 3 Monte Carlo SE: "
                  + (", ".join(biased) if biased else "none")
                  + f"; coverage outside [{co.COVER_BAND[0]}, {co.COVER_BAND[1]}]: "
                  + (", ".join(off) if off else "none") + ".", ""]
    errors = [f"{k[1]}: {v}" for r in results for k, v in r["errors"].items()]
    lines.append("Failures (observe raised): " + (
        f"{len(errors)} (e.g. {errors[0][:160]})" if errors else "none") + ".  ")
    from collections import Counter

    for estimand in args.estimands:
        chosen = Counter(tuple(sorted(r["nuisance"][estimand].items())) for r in results
                         if estimand in r["nuisance"])
        txt = "; ".join(f"{', '.join(f'{k} {v}' for k, v in combo)}: {n}"
                        for combo, n in chosen.most_common(4))
        secs = [r["seconds"][("aipw", estimand)] for r in results
                if ("aipw", estimand) in r["seconds"]]
        cpu = [r["cpu_seconds"][estimand] for r in results if estimand in r.get("cpu_seconds", {})]
        cpu_s = f" ({np.median(cpu):.1f} s of CPU)" if cpu else ""
        lines.append(f"{estimand}: models chosen (runs) {txt}; median "
                     f"{np.median(secs):.1f} s per `observe` call{cpu_s}.  " if secs else
                     f"{estimand}: no successful run.  ")
    n_warn = sum(r["warnings"] for r in results)
    lines.append(f"Warnings raised: {n_warn}.")
    return "\n".join(lines)


INTRO = """## Coverage of the default observational pipeline (`coverage_default.py`)

`tl.observe(df, ..., id=..., estimand=..., method="aipw", refute=False, seed=rep)` with every
default (nuisance models chosen by out-of-fold loss, hash folds of the unit id). Truth is each
design's **population** ATT / ATE; the last coverage column scores the same intervals against the
drawn table's sample-average effect. The naive difference in means is the negative control. Bias
is given with its Monte Carlo SE, coverage with its binomial SE (about ±0.022 at R = 100, ±0.007 at
R = 1000); the flags use DESIGN.md's benchmark band [0.93, 0.97], meaningful only at R >= 1000."""


def _run_one(job: tuple[str, int, argparse.Namespace]) -> tuple[str, dict]:
    design, rep, args = job
    return design, replicate(design, rep, args)


def _combine(old: dict, new: dict) -> dict:
    """One replication's records from two runs (e.g. the ATT in one chunk, the ATE in another):
    the per-estimand fields are merged, the later run winning on a clash."""
    out = dict(old)
    for key in ("values", "seconds", "errors", "nuisance", "cpu_seconds"):
        out[key] = {**old.get(key, {}), **new.get(key, {})}
    out["warnings"] = int(old.get("warnings", 0)) + int(new.get("warnings", 0))
    out["warning_texts"] = sorted(set(old.get("warning_texts", ())) |
                                  set(new.get("warning_texts", ())))
    return out


def _load_chunks(paths: list[str]) -> tuple[dict[str, list[dict]], list[str], float]:
    """Merge saved runs (``--out`` pickles): replications keyed by rep; a rep in several files
    (other estimands) has its records combined, a later file winning on a clash."""
    merged: dict[str, dict[int, dict]] = {}
    notes, wall = [], 0.0
    for path in paths:
        with open(path, "rb") as fh:
            saved = pickle.load(fh)
        wall += float(saved["wall"])
        counts = []
        for design, results in saved["results"].items():
            reps = merged.setdefault(design, {})
            for r in results:
                reps[r["rep"]] = _combine(reps[r["rep"]], r) if r["rep"] in reps else r
            counts.append(f"{design} reps {min(r['rep'] for r in results)}-"
                          f"{max(r['rep'] for r in results)}" if results else f"{design} none")
        notes.append(f"`{path}`: {', '.join(counts)}; wall {float(saved['wall']):.0f} s "
                     f"({saved['args'].get('workers', 1)} process(es))"
                     + (f"; run started {saved['machine']}" if saved.get("machine") else "") + ".")
    return ({d: [v[k] for k in sorted(v)] for d, v in merged.items()}, notes, wall)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=1000, help="replications (default 1,000)")
    p.add_argument("--reps-high-dim", type=int, default=None,
                   help="replications of high_dim (default: --reps)")
    p.add_argument("--rep-start", type=int, default=0,
                   help="first replication number (to run a long design in chunks)")
    p.add_argument("--n", type=int, default=5_000, help="rows per table (default 5,000)")
    p.add_argument("--designs", default=",".join(DESIGNS), help="comma list of designs")
    p.add_argument("--estimands", default="ATT,ATE", help="comma list (default ATT,ATE)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (1 BLAS thread each)")
    p.add_argument("--out", type=Path, default=RAW, help="pickle of the raw runs")
    p.add_argument("--from-pkl", default=None,
                   help="comma list of saved --out pickles: merge them and report, run nothing")
    p.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md")
    args = p.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    args.estimands = [e.strip().upper() for e in args.estimands.split(",") if e.strip()]
    designs = [d.strip() for d in args.designs.split(",") if d.strip()]
    start = time.perf_counter()
    if args.from_pkl:
        raw, notes, wall = _load_chunks([x for x in args.from_pkl.split(",") if x])
        designs = [d for d in DESIGNS if d in raw]
        runs_line = ("Merged runs (wall times summed over the chunks, " f"{wall:.0f} s):  \n"
                     + "  \n".join(notes))
    else:
        reps = {"personalization": args.reps,
                "high_dim": args.reps if args.reps_high_dim is None else args.reps_high_dim}
        machine = _results.machine_line()  # the source state the runs use
        jobs = [(d, args.rep_start + r, args) for d in designs for r in range(reps[d])]
        raw = {d: [] for d in designs}
        done = 0
        if args.workers > 1:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(args.workers) as pool:
                for design, res in pool.map(_run_one, jobs, chunksize=1):
                    raw[design].append(res)
                    done += 1
                    if done % 10 == 0 or done == len(jobs):
                        print(f"  {done}/{len(jobs)}, {time.perf_counter() - start:.0f} s",
                              file=sys.stderr, flush=True)
        else:
            for job in jobs:
                design, res = _run_one(job)
                raw[design].append(res)
                done += 1
                if done % 10 == 0 or done == len(jobs):
                    print(f"  {done}/{len(jobs)}, {time.perf_counter() - start:.0f} s",
                          file=sys.stderr, flush=True)
        wall = time.perf_counter() - start
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with open(args.out, "wb") as fh:
            pickle.dump({"args": {k: (str(v) if isinstance(v, Path) else v)
                                  for k, v in vars(args).items()},
                         "wall": wall, "machine": machine, "results": raw}, fh)
        runs_line = (f"{args.workers} process(es); wall time of the whole run {wall:.0f} s; "
                     f"raw runs in `{args.out.name}`.")
    bodies = [report(d, raw[d], args, wall) for d in designs if raw.get(d)]
    body = "\n\n".join([INTRO, f"Command: `{_results.command_line()}`  \n"
                        f"Run: {_results.machine_line()}  \n" + runs_line, *bodies])
    if not args.no_write:
        _results.write_section(SECTION, body)
    print(body)

if __name__ == "__main__":
    main()
