"""truelift's default observational AIPW against DoubleML and EconML on ACIC 2016 instances.

Data: the ten ACIC 2016 instances that causallib 0.10.0 ships (``_acic.py`` reads them out of the
wheel; Dorie et al. 2019), by default instances 2, 3, 5, 6, 8, 9 and 10: 4,802 units, 58
covariates (3 categorical), treatment ``z``, observed outcome ``y = z*y1 + (1-z)*y0``. Truth:
the *sample* ATE = mean(mu1 - mu0) over all units, the sample ATT = the same over the treated.

Rows, per instance and estimand (ATE, ATT):

- ``truelift``: ``tl.observe(df, treatment="z", outcome="y", covariates=<58 columns>,
  estimand=..., method="aipw", refute=False, seed=0)`` and the library's defaults otherwise
  (whatever they are at the revision measured; the propensity and outcome models used are read
  back from ``result.provenance.parameters``); truelift one-hot encodes the categoricals itself.
- ``truelift-seeds``: the same at seeds 1-9 (other hash folds, other model seeds), in one
  process: how much the one-split answer of seed 0 owes to its split (coverage over the ten
  seeds is reported beside it).
- ``doubleml``: ``DoubleMLIRM(score="ATE" | "ATTE", n_folds=5)``, DoubleML's other defaults
  (dml2, propensity clipped at 1e-2, no IPW normalization), ``ml_g = LGBMRegressor``,
  ``ml_m = LGBMClassifier``, both ``n_estimators=500, learning_rate=0.01, num_leaves=15``.
- ``econml`` (ATE only: EconML's DR learners give no ATT): ``LinearDRLearner(cv=5)`` with the
  same LightGBM nuisances, ``X=None`` and the covariates as ``W`` (so the final stage is the mean
  of the doubly robust pseudo-outcomes), estimate and CI from ``ate_inference()``.

The peers get the categoricals one-hot encoded (every level kept, ``_acic.design_matrix``).
Every row is its own process, timed whole by ``/usr/bin/time -v`` (start-up, imports, reading
the wheel, the fit; wall and CPU seconds); the fit alone is also timed inside the process.
truelift's rows of every instance run first (others edit ``src/`` concurrently: a short window),
each stamped with a hash of ``src/truelift``'s source, then the peers'. The peers run in
``benchmarks/.venv-peers``, truelift in the project's venv; both run this file in ``--worker``
mode, which prints one JSON line. A truelift exception is caught per row and reported.

    .venv/bin/python benchmarks/acic_observational.py              # all 7 instances, ~40 min on 2 busy cores
    .venv/bin/python benchmarks/acic_observational.py --instances 2,10 --no-write
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _acic  # noqa: E402
import _results  # noqa: E402

SECTION = "acic_observational"
RAW = HERE / "out" / "acic_observational.json"
ESTIMANDS = ("ATE", "ATT")
LEVEL = 0.95
SEED = 0
LGBM = {"n_estimators": 500, "learning_rate": 0.01, "num_leaves": 15}
METHODS = ("truelift", "truelift-seeds", "doubleml", "econml")
SPLIT_SEEDS = tuple(range(1, 10))
LABELS = {
    "truelift": "truelift default",
    "truelift-seeds": "truelift default, seeds 1-9",
    "doubleml": "DoubleML IRM (LGBM)",
    "econml": "EconML LinearDRLearner (LGBM)",
}


# ----------------------------------------------------------------------------- workers

def _truelift_fit(inst: _acic.Instance, estimand: str, seed: int) -> dict:
    import truelift as tl

    t0 = time.perf_counter()
    try:
        res = tl.observe(inst.data, treatment="z", outcome="y", covariates=inst.covariates,
                         estimand=estimand, method="aipw", refute=False, seed=seed)
    except Exception as exc:  # reported per row; the run goes on
        return {"error": f"{type(exc).__name__}: {exc}".replace("\n", " ")[:500],
                "traceback": traceback.format_exc()[-2000:],
                "fit": time.perf_counter() - t0, "kwargs": {}}
    fit = time.perf_counter() - t0
    est = next(e for e in res.estimates if e.method == "aipw" and e.outcome == "y")
    params = dict(res.provenance.parameters)
    settings = dict(params.get("method_settings", {}).get("aipw", {}))
    verdict = res.verdict
    status = getattr(verdict.status, "value", str(verdict.status))
    return {"estimate": float(est.value), "se": float(est.se),
            "ci": [float(est.ci[0]), float(est.ci[1])], "fit": fit, "kwargs": {},
            "verdict": status, "reasons": list(getattr(verdict, "reasons", ())),
            "propensity": params.get("propensity"),
            "aipw_settings": settings,
            "models": _models_text(params, settings),
            "version": res.provenance.truelift_version,
            "parameters": {k: v for k, v in params.items() if k != "covariates"}}


def _truelift_worker(inst: _acic.Instance, estimand: str, method: str) -> dict:
    fingerprint = _src_fingerprint()
    if method == "truelift":
        return {**_truelift_fit(inst, estimand, SEED), "src": fingerprint}
    runs = [{**_truelift_fit(inst, estimand, seed), "seed": seed} for seed in SPLIT_SEEDS]
    for r in runs:
        r.pop("parameters", None)
        r.pop("traceback", None)
    return {"seeds": runs, "fit": sum(r["fit"] for r in runs), "src": fingerprint}


def _models_text(params: dict, settings: dict) -> str:
    """Which propensity and outcome models the run used, as the provenance states them.

    ``nuisance_models`` (the models chosen, when the provenance has it) first, then the
    settings asked for.
    """
    chosen = params.get("nuisance_models") or {}
    prop = chosen.get("propensity") or settings.get("propensity_model") or params.get("propensity")
    out = chosen.get("y") or settings.get("outcome_model", params.get("outcome_model", "?"))
    asked = settings.get("outcome_model")
    if chosen.get("y") and asked is not None and asked != out:
        out = f"{out} (asked: {asked})"
    return f"propensity {prop}, outcome {out}"


def _src_fingerprint() -> str:
    """A short hash of src/truelift's Python files: tells rows run on different code apart."""
    h = hashlib.sha256()
    src = _results.ROOT / "src" / "truelift"
    for f in sorted(src.rglob("*.py")):
        h.update(str(f.relative_to(src)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:10]


def _doubleml_worker(inst: _acic.Instance, estimand: str) -> dict:
    import doubleml as dml
    import numpy as np
    from lightgbm import LGBMClassifier, LGBMRegressor

    x = _acic.design_matrix(inst)
    y = inst.data["y"].to_numpy(dtype=float)
    d = inst.data["z"].to_numpy(dtype=float)
    # DoubleML draws its sample splits from numpy's global generator
    np.random.seed(SEED)  # noqa: NPY002
    t0 = time.perf_counter()
    data = dml.DoubleMLData.from_arrays(x, y, d)
    model = dml.DoubleMLIRM(
        data,
        ml_g=LGBMRegressor(**LGBM, random_state=SEED, verbose=-1),
        ml_m=LGBMClassifier(**LGBM, random_state=SEED, verbose=-1),
        n_folds=5, score="ATE" if estimand == "ATE" else "ATTE")
    model.fit()
    fit = time.perf_counter() - t0
    ci = model.confint(level=LEVEL).to_numpy()[0]
    return {"estimate": float(model.coef[0]), "se": float(model.se[0]),
            "ci": [float(ci[0]), float(ci[1])], "fit": fit,
            "models": f"LGBM {LGBM}, 5 folds, score {'ATE' if estimand == 'ATE' else 'ATTE'}"}


def _econml_worker(inst: _acic.Instance, estimand: str) -> dict:
    from econml.dr import LinearDRLearner
    from lightgbm import LGBMClassifier, LGBMRegressor

    if estimand != "ATE":
        return {"error": "EconML's DR learners provide no ATT"}
    w = _acic.design_matrix(inst)
    y = inst.data["y"].to_numpy(dtype=float)
    t = inst.data["z"].to_numpy(dtype=int)
    t0 = time.perf_counter()
    model = LinearDRLearner(model_propensity=LGBMClassifier(**LGBM, random_state=SEED, verbose=-1),
                            model_regression=LGBMRegressor(**LGBM, random_state=SEED, verbose=-1),
                            cv=5, random_state=SEED)
    model.fit(y, t, X=None, W=w)
    inf = model.ate_inference()
    fit = time.perf_counter() - t0
    lo, hi = inf.conf_int_mean(alpha=1 - LEVEL)
    return {"estimate": float(inf.mean_point), "se": float(inf.stderr_mean),
            "ci": [float(lo), float(hi)], "fit": fit,
            "models": f"LGBM {LGBM}, cv=5, X=None, W=covariates, ate_inference()"}


def worker(method: str, instance: int, estimand: str) -> None:
    t_load = time.perf_counter()
    inst = _acic.load(instance, _acic.wheel_path(download=False))
    load = time.perf_counter() - t_load
    if method in ("truelift", "truelift-seeds"):
        out = _truelift_worker(inst, estimand, method)
    elif method == "doubleml":
        out = _doubleml_worker(inst, estimand)
    else:
        out = _econml_worker(inst, estimand)
    out["load"] = load
    print(json.dumps(out, default=str))


# ----------------------------------------------------------------------------- driver

def _python(method: str) -> Path:
    from speed_matching import PEERS_PY, PROJECT_PY

    return PROJECT_PY if method.startswith("truelift") else PEERS_PY


def _timed(python: Path, args: list[str], timeout: float) -> dict:
    """This file in a process under /usr/bin/time -v: wall, CPU (user + sys), peak RSS, JSON."""
    from speed_matching import _seconds

    cmd = ["/usr/bin/time", "-v", str(python), str(Path(__file__).resolve()), *args]
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              cwd=_results.ROOT, check=False)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"killed after the {timeout:.0f} s time limit",
                "wall": time.perf_counter() - started}

    def grab(pattern: str) -> str | None:
        m = re.search(pattern, proc.stderr)
        return m.group(1) if m else None

    wall, user, system = (grab(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)"),
                          grab(r"User time \(seconds\): (\S+)"),
                          grab(r"System time \(seconds\): (\S+)"))
    rss = grab(r"Maximum resident set size \(kbytes\): (\d+)")
    out: dict = {"ok": proc.returncode == 0,
                 "wall": _seconds(wall) if wall else float("nan"),
                 "cpu": float(user) + float(system) if user and system else float("nan"),
                 "rss_mib": int(rss) / 1024 if rss else float("nan")}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode == 0 and lines:
        out["result"] = json.loads(lines[-1])
    else:
        tail = [ln for ln in proc.stderr.splitlines() if ln.strip() and not ln.startswith("\t")]
        out["ok"] = False
        out["error"] = f"exit {proc.returncode}: " + " | ".join(tail[-3:])[-400:]
    return out


def run_one(method: str, instance: int, estimand: str, timeout: float) -> dict:
    res = _timed(_python(method),
                 ["--worker", method, "--instance", str(instance), "--estimand", estimand],
                 timeout)
    row: dict = {"instance": instance, "estimand": estimand, "method": method,
                 "wall": res.get("wall"), "cpu": res.get("cpu"), "rss_mib": res.get("rss_mib")}
    if res.get("ok"):
        row.update(res["result"])
    else:
        row["error"] = f"process failed: {res.get('error')}"
    return row


def _finish(row: dict, inst: _acic.Instance) -> dict:
    truth = inst.truth(row["estimand"])
    row["truth"] = truth
    for r in row.get("seeds", ()):
        if "error" not in r:
            r["error_est"] = r["estimate"] - truth
            r["covers"] = bool(r["ci"][0] <= truth <= r["ci"][1])
    if "error" not in row and "seeds" not in row:
        lo, hi = row["ci"]
        row["error_est"] = row["estimate"] - truth
        row["half_width"] = (hi - lo) / 2
        row["covers"] = bool(lo <= truth <= hi)
    return row


def _f(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def table(rows: list[dict]) -> list[str]:
    lines = ["| instance | estimand | truth | method | estimate | error | se | CI half-width | "
             "covers | wall (s) | CPU (s) | fit (s) | verdict | models (from provenance) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        if "seeds" in r:
            continue
        head = f"| {r['instance']} | {r['estimand']} | {r['truth']:.3f} | {LABELS[r['method']]} |"
        wall = f"{_f(r.get('wall'), 1)} | {_f(r.get('cpu'), 1)}"
        if "error" in r:
            lines.append(f"{head} failed | | | | | {wall} | {_f(r.get('fit'), 1)} | | "
                         f"{r['error'].replace('|', '/')} |")
            continue
        lines.append(
            f"{head} {r['estimate']:.3f} | {r['error_est']:+.3f} | {r['se']:.3f} | "
            f"{r['half_width']:.3f} | {'yes' if r['covers'] else 'no'} | {wall} | "
            f"{_f(r.get('fit'), 1)} | {r.get('verdict', '')} | {r.get('models', '')}"
            + (f"; src {r['src']}" if r.get("src") else "") + " |")
    return lines


def _median(values: list) -> float:
    vals = sorted(v for v in values if v is not None and not math.isnan(v))
    return statistics.median(vals) if vals else float("nan")


def summary(rows: list[dict]) -> list[str]:
    lines = ["| method | estimand | rows | failed | max abs error | mean abs error | "
             "max CI half-width | covered | median wall (s) | median CPU (s) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for method in METHODS:
        for estimand in ESTIMANDS:
            rs = [r for r in rows if r["method"] == method and r["estimand"] == estimand
                  and "seeds" not in r]
            if not rs or all(r.get("error", "").startswith("EconML's DR") for r in rs):
                continue
            ok = [r for r in rs if "error" not in r]
            med = f"{_median([r.get('wall') for r in rs]):.1f} | {_median([r.get('cpu') for r in rs]):.1f}"
            if ok:
                errs = [abs(r["error_est"]) for r in ok]
                lines.append(
                    f"| {LABELS[method]} | {estimand} | {len(rs)} | {len(rs) - len(ok)} | "
                    f"{max(errs):.3f} | {sum(errs) / len(errs):.3f} | "
                    f"{max(r['half_width'] for r in ok):.3f} | "
                    f"{sum(r['covers'] for r in ok)} of {len(rs)} | {med} |")
            else:
                lines.append(f"| {LABELS[method]} | {estimand} | {len(rs)} | {len(rs)} | n/a | "
                             f"n/a | n/a | 0 of {len(rs)} | {med} |")
    return lines


def split_table(rows: list[dict]) -> list[str]:
    """The default over seeds 0-9: coverage, errors and the spread the split alone causes."""
    lines = ["| instance | estimand | truth | covered (of 10 seeds) | mean error | error range | "
             "SD of the estimate over seeds | mean SE | seed 0 covers |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    totals: dict[str, list[int]] = {}
    for r in rows:
        if "seeds" not in r:
            continue
        base = next((b for b in rows if b["method"] == "truelift" and b["instance"] == r["instance"]
                     and b["estimand"] == r["estimand"] and "error" not in b), None)
        runs = [x for x in r["seeds"] if "error" not in x] + ([base] if base else [])
        if not runs:
            continue
        errs = [x["error_est"] for x in runs]
        cov = sum(x["covers"] for x in runs)
        totals.setdefault(r["estimand"], []).append(cov)
        sd = statistics.stdev([x["estimate"] for x in runs]) if len(runs) > 1 else float("nan")
        lines.append(f"| {r['instance']} | {r['estimand']} | {r['truth']:.3f} | {cov} of "
                     f"{len(runs)} | {statistics.mean(errs):+.3f} | {min(errs):+.3f} to "
                     f"{max(errs):+.3f} | {sd:.3f} | {statistics.mean(x['se'] for x in runs):.3f} | "
                     f"{'yes' if base and base['covers'] else 'no'} |")
    foot = [f"{e}: {sum(v)} of {10 * len(v)} runs cover; instances covered on a majority of seeds: "
            f"{sum(c > 5 for c in v)} of {len(v)}" for e, v in totals.items()]
    return lines + ([""] + [f"- {f}" for f in foot] if foot else [])


def _versions() -> str:
    return _results.versions((
        "truelift", "numpy", "pandas", "scikit-learn", "lightgbm", "doubleml", "econml"))


def report(rows: list[dict], meta: dict) -> str:
    lines = ["## ACIC 2016 (causallib's instances): truelift's default AIPW vs DoubleML and "
             "EconML (`acic_observational.py`)", "",
             f"- Command: `{meta['command']}` — {meta['machine']}; the whole run took "
             f"{meta['minutes']} min" + (f"; {meta['reused']}" if meta.get("reused") else "")
             + ".",
             f"- Versions: {meta['versions']}",
             f"- Instances {', '.join(map(str, meta['instances']))} of causallib 0.10.0's "
             "`acic_challenge_2016` (4,802 units, 58 covariates, 3 categorical; Dorie et al. "
             "2019). Truth = the sample ATE (mean of mu1 − mu0 over all units) or sample ATT "
             "(over the treated). Error = estimate − truth; covers = the 95% CI contains "
             "the truth.",
             "- truelift: `tl.observe(..., method=\"aipw\", estimand=..., refute=False, seed=0)` "
             "with the library's defaults (the models column is read from "
             "`result.provenance.parameters`); `seeds 1-9` reruns it with other seeds (other hash "
             "folds) to show how much one split decides. "
             "DoubleML: `DoubleMLIRM(n_folds=5, score=\"ATE\"/\"ATTE\")`, otherwise defaults; "
             "EconML: `LinearDRLearner(cv=5)`, `X=None`, covariates as `W`, `ate_inference()` "
             "(ATE only: EconML's DR learners have no ATT). Peers' nuisances: "
             "`LGBMRegressor` / `LGBMClassifier(n_estimators=500, learning_rate=0.01, "
             "num_leaves=15)`; categoricals one-hot encoded (all levels).",
             "- Wall = the whole process under `/usr/bin/time -v` (start-up, imports, reading the "
             "wheel, the fit), one run per row, rows run one after another (truelift's rows of "
             "every instance first, then the peers'); CPU = its user + "
             "system seconds (less sensitive than wall to other load on a shared machine); fit = "
             "the estimator's call alone, wall clock inside the process. verdict = truelift's "
             "verdict status; models = `nuisance_models` of the provenance (the models chosen) or, "
             "when it has none, the settings asked for (`outcome_model`); src = a hash of "
             "`src/truelift/**/*.py` when the row ran (others edit the library concurrently).", "",
             *(["- The reused rows' wall and CPU times were measured in their own run, on that "
                "run's machine: compare speeds only between rows of one run."]
               if meta.get("reused") else []), "",
             "Summary per method and estimand (seed 0):", "", *summary(rows), "",
             *((["The default over seeds 0-9 (the split's share of the answer):", "",
                 *split_table(rows), ""]) if any("seeds" in r for r in rows) else
               ["The default over seeds 1-9 was not rerun this time (`--methods truelift`); "
                "the last such table is in this file's history.", ""]),
             "Every row:", "", *table(rows)]
    notes = []
    for r in rows:
        if r["method"].startswith("truelift") and r.get("reasons"):
            notes.append(f"instance {r['instance']} {r['estimand']} {LABELS[r['method']]}: "
                         f"verdict {r['verdict']}: " + "; ".join(r["reasons"]))
        if "error" in r and not r["error"].startswith("EconML's DR"):
            notes.append(f"instance {r['instance']} {r['estimand']} {LABELS[r['method']]} "
                         f"failed: {r['error']}")
    srcs = sorted({r["src"] for r in rows if r.get("src")})
    if len(srcs) > 1:
        notes.insert(0, f"src/truelift changed during the run: the truelift rows ran on "
                        f"{len(srcs)} different source states ({', '.join(srcs)}; column `src`)")
    if notes:
        lines += ["", "Notes:", "", *[f"- {n}" for n in notes]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", default=",".join(map(str, _acic.INSTANCES)),
                        help="comma-separated instance numbers (1-10)")
    parser.add_argument("--methods", default=",".join(METHODS),
                        help=f"comma-separated subset of {','.join(METHODS)}")
    parser.add_argument("--out", type=Path, default=RAW, help="JSON of the raw results")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per row")
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    parser.add_argument("--reuse-peers", type=Path, default=None,
                        help="take the peers' rows from this earlier raw JSON instead of rerunning "
                             "them (they do not depend on truelift's code); the report says so")
    parser.add_argument("--from-json", type=Path, default=None,
                        help="write the section from this earlier raw JSON (its rows and meta) "
                             "without running anything")
    parser.add_argument("--worker", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--instance", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--estimand", choices=ESTIMANDS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.instance, args.estimand)
        return

    if args.from_json is not None:
        saved = json.loads(args.from_json.read_text())
        body = report(saved["rows"], saved["meta"])
        if not args.no_write:
            _results.write_section(SECTION, body)
        print(body)
        return
    instances = [int(s) for s in args.instances.split(",") if s.strip()]
    methods = [s.strip() for s in args.methods.split(",") if s.strip()]
    unknown = set(methods) - set(METHODS)
    if unknown:
        parser.error(f"unknown methods {sorted(unknown)}")
    start = time.perf_counter()
    _acic.wheel_path()  # download once, before any worker needs it
    if not _python("doubleml").exists():
        print("the peers' venv benchmarks/.venv-peers is missing; peers not run", file=sys.stderr)
        methods = [m for m in methods if m.startswith("truelift")]
    loaded = {k: _acic.load(k) for k in instances}
    # truelift's rows first, all instances in a row: the shortest window for src/ to change in
    # (others edit it concurrently); then the peers'.
    order = [(m, k, e) for group in (("truelift", "truelift-seeds"), ("doubleml", "econml"))
             for k in instances for e in ESTIMANDS for m in methods
             if m in group and not (m == "econml" and e != "ATE")]
    rows: list[dict] = []
    reused = ""
    if args.reuse_peers is not None:
        old = json.loads(args.reuse_peers.read_text())
        peers = [r for r in old["rows"] if not r["method"].startswith("truelift")
                 and r["instance"] in instances]
        rows.extend(peers)
        order = [o for o in order if o[0].startswith("truelift")]
        methods = sorted(set(methods) | {r["method"] for r in peers}, key=METHODS.index)
        reused = (f"the peers' {len(peers)} rows are reused from `{args.reuse_peers.name}` "
                  f"({old['meta']['machine']}), not rerun")
    for method, k, estimand in order:
        row = _finish(run_one(method, k, estimand, args.timeout), loaded[k])
        rows.append(row)
        msg = (f"FAILED {row['error']}" if "error" in row else
               f"{sum(x.get('covers', False) for x in row['seeds'])} of {len(row['seeds'])} "
               "seeds cover" if "seeds" in row else
               f"{row['estimate']:.3f} (truth {row['truth']:.3f}, ±{row['half_width']:.3f}, "
               f"{'covers' if row['covers'] else 'misses'})")
        print(f"[{time.perf_counter() - start:6.0f} s] instance {k} {estimand} {method}: {msg}; "
              f"wall {_f(row.get('wall'), 1)} s", file=sys.stderr, flush=True)
    rows.sort(key=lambda r: (instances.index(r["instance"]), ESTIMANDS.index(r["estimand"]),
                             METHODS.index(r["method"])))
    meta = {"command": _results.command_line(), "machine": _results.machine_line(),
            "minutes": round((time.perf_counter() - start) / 60, 1), "versions": _versions(),
            "instances": instances, "methods": methods, "reused": reused}
    body = report(rows, meta)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2, default=str))
    if not args.no_write:
        _results.write_section(SECTION, body)
    print(body)


if __name__ == "__main__":
    main()
