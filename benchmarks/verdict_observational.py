"""Operating characteristics of the observational verdict: does it FAIL right answers, flag wrong ones?

Runs the DEFAULT pipeline a user gets, ``tl.observe(df, treatment=..., outcome=...,
covariates=..., id=..., estimand=..., method="all", seed=rep)`` (refutations on), over known-truth
cases (``_verdict_cases.py``: five simulations and ACIC 2016 resamples), and scores only the
primary (AIPW) estimate and the verdict. Per case: coverage of the 95% interval of the sample
truth, bias, mean |error|, the share of runs by verdict and which diagnostics caused WARN / FAIL.
A case is *sound* when its coverage (the lowest over its outcomes) is >= 0.90 and *unsound* when
< 0.85; the goals: among runs of sound cases >= 90% are not FAIL, among runs of unsound cases
>= 80% are WARN or FAIL (every run weighs the same).

Raw per-run rows (every diagnostic's name, status and value) go to
``benchmarks/out/verdict_observational.json``; the table to RESULTS.md section
``verdict_observational``.

    .venv/bin/python benchmarks/verdict_observational.py                       # full: 50 reps
    .venv/bin/python benchmarks/verdict_observational.py --reps 10 --acic-reps 5 --instances 2,5,10
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _results
import _verdict_cases as vc

SECTION = "verdict_observational"
BASE_SEED = 20_250_715
LEVEL = 0.95
SOUND, UNSOUND = 0.90, 0.85
GOAL_SOUND, GOAL_UNSOUND = 0.90, 0.80
OUT = Path(__file__).resolve().parent / "out" / "verdict_observational.json"


def run_one(case_name: str, rep: int, estimand: str, args: argparse.Namespace) -> dict:
    """One replication of one case: draw, run the default pipeline, score AIPW and the verdict."""
    import truelift as tl

    if case_name.startswith("acic_"):
        number = int(case_name.split("_")[1])
        case = vc.acic_case(number, np.random.default_rng([BASE_SEED, 1000 + number, rep]),
                            resample=args.acic_resample)
    else:
        k = vc.SIMULATIONS.index(case_name)
        case = vc.GENERATORS[case_name](args.n, np.random.default_rng([BASE_SEED, k, rep]))
    truth = case.truth(estimand)
    row: dict = {"case": case_name, "rep": rep, "estimand": estimand, "n": len(case.data),
                 "truth": truth}
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = tl.observe(case.data, treatment=case.treatment, outcome=list(case.outcomes),
                             covariates=list(case.covariates), unit=case.id, estimand=estimand,
                             method=args.method, refute=not args.no_refute, seed=rep)
    except Exception as exc:  # recorded per run, never hidden
        row.update(error=f"{type(exc).__name__}: {str(exc)[:300]}",
                   seconds=time.perf_counter() - t0)
        return row
    row["seconds"] = time.perf_counter() - t0
    row["cpu_seconds"] = time.process_time() - c0
    row["warnings"] = sorted({str(w.message)[:160] for w in caught})
    row["primary"] = res.primary
    row["verdict"] = str(res.verdict.status.value)
    row["diagnostics"] = [{"name": d.name, "status": str(d.status.value), "value": d.value,
                           "threshold": d.threshold,
                           "secondary": "not of the primary" in d.message}
                          for d in res.diagnostics]
    row["nuisance"] = dict(res.provenance.parameters.get("nuisance_models", {}))
    row["estimates"] = {}
    for out in case.outcomes:
        est = res.estimate(out)
        naive = next(e for e in res.naive if e.outcome == out)
        row["estimates"][out] = {
            "value": est.value, "se": est.se, "ci": list(est.ci),
            "covered": bool(est.ci[0] <= truth[out] <= est.ci[1]),
            "naive": {"value": naive.value, "se": naive.se, "ci": list(naive.ci),
                      "covered": bool(naive.ci[0] <= truth[out] <= naive.ci[1])},
            # every method's estimate of the estimand, kept so a threshold can be re-derived
            "methods": {e.method: {"value": e.value, "se": e.se}
                        for e in res.estimates if e.outcome == out and e.estimand == estimand}}
    return row


def _fmt(x: float, d: int = 3) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:.{d}g}"


def summarize_case(rows: list[dict]) -> dict:
    ok = [r for r in rows if "error" not in r]
    outs = list(ok[0]["estimates"]) if ok else []
    per_out = {}
    for o in outs:
        err = np.array([r["estimates"][o]["value"] - r["truth"][o] for r in ok])
        cov = np.array([r["estimates"][o]["covered"] for r in ok], dtype=float)
        ncov = np.array([r["estimates"][o]["naive"]["covered"] for r in ok], dtype=float)
        per_out[o] = {"coverage": float(cov.mean()), "bias": float(err.mean()),
                      "mae": float(np.abs(err).mean()), "naive_coverage": float(ncov.mean()),
                      "scale": float(np.mean([abs(r["truth"][o]) for r in ok]))}
    verdicts = Counter(r["verdict"] for r in ok)
    causes: dict[str, Counter] = {"warn": Counter(), "fail": Counter()}
    for r in ok:
        for d in r["diagnostics"]:
            if d["status"] in causes:
                causes[d["status"]][d["name"]] += 1
    cov_min = min((v["coverage"] for v in per_out.values()), default=float("nan"))
    cls = ("sound" if cov_min >= SOUND else "unsound" if cov_min < UNSOUND else "in between")
    return {"runs": len(ok), "errors": len(rows) - len(ok), "per_outcome": per_out,
            "coverage_min": cov_min, "class": cls, "verdicts": dict(verdicts), "causes": causes,
            "seconds": float(np.median([r["seconds"] for r in rows])) if rows else float("nan")}


def _source_line(a: dict, wall: float | None) -> str:
    sims = [c for c in a["cases"].split(",") if c]
    inst = [i for i in a["instances"].split(",") if i]
    parts = []
    if sims:
        first = a.get("rep_start", 0)
        parts.append(f"simulations {', '.join(sims)}: n = {a['n']:,}, {a['reps']} replications "
                     f"each (reps {first}-{first + a['reps'] - 1})")
    if inst:
        parts.append(f"ACIC 2016 instances {', '.join(inst)}: {a['acic_reps']} "
                     f"{a['acic_resample']} resamples of 4,802 units each")
    est = ", ".join(a["estimands"])
    w = "" if wall is None else f"; wall time {wall:.0f} s"
    return (f"{'; '.join(parts)}; estimands {est}; method {a['method']!r}"
            + (", refute=False" if a["no_refute"] else "") + f"; 1 process{w}")


def report(rows: list[dict], args: argparse.Namespace, wall: float,
           sources: list[str] | None = None) -> str:
    keys = sorted({(r["case"], r["estimand"]) for r in rows},
                  key=lambda k: (list(args.case_order).index(k[0]), k[1]))
    summ = {k: summarize_case([r for r in rows if (r["case"], r["estimand"]) == k]) for k in keys}
    head = ("| case | estimand | outcome | runs | coverage | bias | mean abs error | "
            "naive coverage | class | PASS | WARN | FAIL | median s / run |\n"
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    lines = [
        "## Verdict operating characteristics (`verdict_observational.py`)", "",
        "The default pipeline (`tl.observe(..., id=..., estimand=..., method=" + repr(args.method)
        + (", refute=False" if args.no_refute else "") + ", seed=rep)`) on known-truth cases; "
        "only the primary AIPW estimate and the verdict are scored. Coverage is of the 95% "
        "interval of the sample truth; a case is *sound* when its coverage (lowest over its "
        f"outcomes) is >= {SOUND}, *unsound* below {UNSOUND}, otherwise in between (excluded). "
        "With few replications a case's class is itself noisy (binomial SE of a coverage of 0.95 "
        "over 10 runs: 0.07).", "",
        f"Command: `{_results.command_line()}`  ",
        f"Run: {_results.machine_line()}  ",
        *(sources or [_source_line(vars(args), wall) + "."]), "",
        head]
    for (case, estimand), s in summ.items():
        v = s["verdicts"]
        runs = max(s["runs"], 1)
        for j, (o, po) in enumerate(s["per_outcome"].items()):
            first = j == 0
            lines.append(
                f"| {case if first else ''} | {estimand if first else ''} | {o} | {s['runs']} | "
                f"{po['coverage']:.2f} | {_fmt(po['bias'])} | {_fmt(po['mae'])} | "
                f"{po['naive_coverage']:.2f} | {s['class'] if first else ''} | "
                + (f"{v.get('ok', 0) / runs:.0%} | {v.get('warn', 0) / runs:.0%} | "
                   f"{v.get('fail', 0) / runs:.0%} | {s['seconds']:.1f} |" if first else
                   "| | | |"))
    lines += ["", "Diagnostics behind WARN / FAIL (runs in which each fired, by status):", "",
              "| case | estimand | class | FAIL | WARN |", "| --- | --- | --- | --- | --- |"]
    for (case, estimand), s in summ.items():
        f = ", ".join(f"{k} {n}" for k, n in s["causes"]["fail"].most_common()) or "-"
        w = ", ".join(f"{k} {n}" for k, n in s["causes"]["warn"].most_common()) or "-"
        lines.append(f"| {case} | {estimand} | {s['class']} | {f} | {w} |")
    sound = [(k, s) for k, s in summ.items() if s["class"] == "sound"]
    unsound = [(k, s) for k, s in summ.items() if s["class"] == "unsound"]
    n_s = sum(s["runs"] for _, s in sound)
    n_u = sum(s["runs"] for _, s in unsound)
    ok_s = sum(s["runs"] - s["verdicts"].get("fail", 0) for _, s in sound)
    flag_u = sum(s["verdicts"].get("warn", 0) + s["verdicts"].get("fail", 0) for _, s in unsound)
    rate_s = ok_s / n_s if n_s else float("nan")
    rate_u = flag_u / n_u if n_u else float("nan")

    def _list(items: list) -> str:
        return ", ".join(f"{c} {e} ({s['runs']} runs)" for (c, e), s in items) or "none"

    lines += ["",
              f"**Sound cases** (weight = runs): {_list(sound)}. Not FAIL: {ok_s} of {n_s} = "
              f"**{_fmt(rate_s)}** (goal >= {GOAL_SOUND}: "
              + ("met" if n_s and rate_s >= GOAL_SOUND else "not met" if n_s else "no case")
              + ").  ",
              f"**Unsound cases**: {_list(unsound)}. WARN or FAIL: {flag_u} of {n_u} = "
              f"**{_fmt(rate_u)}** (goal >= {GOAL_UNSOUND}: "
              + ("met" if n_u and rate_u >= GOAL_UNSOUND else "not met" if n_u else "no case")
              + ").  ",
              "In between (excluded): " + _list([(k, s) for k, s in summ.items()
                                                  if s["class"] == "in between"]) + ".  "]
    errs = [r for r in rows if "error" in r]
    lines.append("Runs that raised: " + (
        "; ".join(f"{r['case']} rep {r['rep']}: {r['error'][:120]}" for r in errs[:5])
        if errs else "none") + ".  ")
    lines.append(f"Raw runs: `{args.out}`.")
    lines += ["", *predictive_table(rows)]
    return "\n".join(lines)


_SUFFIX = re.compile(r"_(made_purchase|revenue|y|treated|control)$")


def predictive_table(rows: list[dict]) -> list[str]:
    """What each check predicts: the primary interval's coverage in the runs where the check
    fired (its status WARN or FAIL; a secondary method's check that crossed its own threshold,
    shown as INFO / WARN, counts as fired) and in the runs where it did not, over every run."""
    fired: dict[str, list[int]] = {}
    for r in rows:
        if "error" in r:
            continue
        covered = all(v["covered"] for v in r["estimates"].values())
        hit: dict[str, bool] = {}
        for d in r["diagnostics"]:
            fam = _SUFFIX.sub("", d["name"])
            if fam.startswith("nuisance") or fam.startswith("rosenbaum") or fam.startswith("evalue"):
                continue  # information by design
            on = d["status"] in ("warn", "fail") or bool(d.get("secondary"))
            hit[fam] = hit.get(fam, False) or on
        for fam, on in hit.items():
            acc = fired.setdefault(fam, [0, 0, 0, 0])
            acc[0 if on else 2] += 1
            acc[1 if on else 3] += covered
    out = ["What each check predicts (all runs, every case): coverage of the primary interval when "
           "the check fired and when it did not. A check worth a WARN or FAIL fires more often on "
           "runs whose interval misses.", "",
           "| check | runs fired | coverage when fired | runs not fired | coverage when not |",
           "| --- | --- | --- | --- | --- |"]
    for fam, (a, b, c, e) in sorted(fired.items(), key=lambda kv: -kv[1][0]):
        if a == 0:
            continue
        out.append(f"| {fam} | {a} | {b / a:.2f} | {c} | "
                   f"{(e / c) if c else float('nan'):.2f} |")
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=50, help="replications per simulation (50)")
    p.add_argument("--acic-reps", type=int, default=None,
                   help="resamples per ACIC instance (default: --reps)")
    p.add_argument("--rep-start", type=int, default=0,
                   help="first replication number (to extend an earlier run; default 0)")
    p.add_argument("--n", type=int, default=5_000, help="rows per simulated table (5,000)")
    p.add_argument("--cases", default=",".join(vc.SIMULATIONS),
                   help="comma list of simulations (empty for none)")
    p.add_argument("--instances", default="2,3,5,6,8,9,10",
                   help="ACIC 2016 instances (empty for none)")
    p.add_argument("--acic-resample", choices=("bootstrap", "subsample"), default="subsample",
                   help="replications of an ACIC instance: 80%% subsamples without replacement "
                        "(default) or bootstrap resamples (id = original row; see README: today "
                        "hash_folds deals a unit's copies to different folds)")
    p.add_argument("--estimands", default="ATT", help="comma list of ATT, ATE (default ATT)")
    p.add_argument("--method", default="all", help='observe(method=...) (default "all")')
    p.add_argument("--no-refute", action="store_true", help="refute=False (faster)")
    p.add_argument("--out", type=Path, default=OUT.relative_to(_results.ROOT))
    p.add_argument("--no-write", action="store_true", help="leave RESULTS.md alone")
    p.add_argument("--from-json", default=None,
                   help="comma list of raw files of earlier runs: merge their rows and write the "
                        "table without running anything")
    args = p.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    args.estimands = [e.strip().upper() for e in args.estimands.split(",") if e.strip()]
    sims = [c.strip() for c in args.cases.split(",") if c.strip()]
    inst = [int(i) for i in args.instances.split(",") if i.strip()]
    args.acic_reps = args.reps if args.acic_reps is None else args.acic_reps
    args.case_order = [*vc.SIMULATIONS, *(f"acic_{i}" for i in range(1, 11))]
    if args.from_json:
        rows, sources = [], []
        for path in args.from_json.split(","):
            saved = json.loads(Path(path).read_text())
            rows += saved["rows"]
            counts = Counter(r["case"] for r in saved["rows"])
            a = saved["args"]
            sources.append(
                f"From `{path}`: " + ", ".join(f"{c} {k} runs" for c, k in counts.items())
                + f" (n = {a['n']:,} for simulations; "
                + (f"ACIC {a['acic_resample']} resamples; "
                   if any(c.startswith("acic_") for c in counts) else "")
                + f"estimands {', '.join(a['estimands'])}; method {a['method']!r}"
                + (", refute=False" if a["no_refute"] else "")
                + (f"; wall {saved['wall']:.0f} s" if "wall" in saved else "; interrupted")
                + (f"; runs started {saved['machine']}" if "machine" in saved else "")
                + ").  ")
        body = report(rows, args, 0.0, sources)
        if args.out.resolve() not in {Path(q).resolve() for q in args.from_json.split(",")}:
            with open(args.out, "w") as fh:  # the merged raw rows
                json.dump({"args": {"from_json": args.from_json}, "sources": sources,
                           "rows": rows}, fh, default=float)
        if not args.no_write:
            _results.write_section(SECTION, body)
        print(body)
        return
    jobs = [(c, r, e) for c in sims for e in args.estimands
            for r in range(args.rep_start, args.rep_start + args.reps)]
    jobs += [(f"acic_{i}", r, e) for i in inst for e in args.estimands
             for r in range(args.rep_start, args.rep_start + args.acic_reps)]
    start = time.perf_counter()
    machine = _results.machine_line()  # the source state the runs use (recorded in the JSON)
    rows: list[dict] = []
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for j, (c, r, e) in enumerate(jobs, start=1):
        rows.append(run_one(c, r, e, args))
        last = rows[-1]
        print(f"  {j}/{len(jobs)} {c} {e} rep {r}: {last.get('verdict', 'error')} "
              f"{last['seconds']:.1f} s (total {time.perf_counter() - start:.0f} s)",
              file=sys.stderr, flush=True)
        with open(args.out, "w") as fh:  # after every run, so an interrupted run keeps its rows
            json.dump({"args": {k: v for k, v in vars(args).items() if k != "out"}
                       | {"out": str(args.out)}, "machine": machine, "rows": rows}, fh,
                      default=float)
    wall = time.perf_counter() - start
    with open(args.out, "w") as fh:
        json.dump({"args": {k: v for k, v in vars(args).items() if k != "out"}
                   | {"out": str(args.out)}, "machine": machine, "wall": wall, "rows": rows}, fh,
                  default=float)
    body = report(rows, args, wall)
    if not args.no_write:
        _results.write_section(SECTION, body)
    print(body)


if __name__ == "__main__":
    main()
