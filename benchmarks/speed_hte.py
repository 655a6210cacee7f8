"""Speed, memory and accuracy of CATE learners at scale: truelift vs causalml.

Every row is a whole process timed with ``/usr/bin/time -v`` (its "Elapsed (wall clock)" and
"Maximum resident set size"): Python start-up, imports, drawing the data with
``coupon_campaign(n, covariates=20, seed=round)`` (randomized, outcome ``converted``; its time is
measured inside the process and reported separately), the fit, and scoring the training rows.
Configurations are run in interleaved rounds (round 1 of every configuration, then round 2, ...),
all on the same data within a round (``--append`` adds rounds to the saved runs of the same
``--n``, numbered on, so a slow size can be measured in several invocations); we report the
median and every run, and the ratios truelift / causalml pair runs of the same round.

(a) truelift ``DRLearner()`` (LightGBM base, its default folds: 3 from 100,000 rows,
    ``propensity=None``: cross-fitted, the model chosen by out-of-fold log loss)
    on ``--n`` rows (``_run_hte_truelift.py``); PEHE of its out-of-fold scores.
(b) causalml 0.15.5 ``BaseDRLearner`` and ``BaseXRegressor`` with
    ``LGBMRegressor(n_estimators=100, num_leaves=15, min_child_samples=40, verbose=-1)`` and the
    propensity given (the known 0.5), ``fit_predict`` (``_run_hte_causalml.py``, peers' venv);
    PEHE of its in-sample scores.
(c) truelift ``CausalForest()`` (``"cf"``, defaults, ``propensity=None``) on ``--cf-n`` rows;
    PEHE of its out-of-bag scores.

Writes the subsection of its ``--n`` in its section of benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/speed_hte.py --n 1000000 --cf-n 100000 --repeats 3
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
from speed_matching import PEERS_PY, PROJECT_PY, timed

HERE = Path(__file__).resolve().parent
SECTION = "speed_hte"
RAW = HERE / "out" / "speed_hte.json"

LABELS = {
    "truelift-dr": "truelift `DRLearner()` (default folds, propensity estimated; oof scores)",
    "causalml-dr": "causalml `BaseDRLearner` (LGBM, p given; in-sample scores)",
    "causalml-x": "causalml `BaseXRegressor` (LGBM, p given; in-sample scores)",
    "truelift-cf": "truelift `CausalForest()` (propensity estimated; out-of-bag scores)",
}


def configs(n: int, cf_n: int, covariates: int) -> dict[str, tuple[Path, str, list[str], int]]:
    out = {
        "truelift-dr": (PROJECT_PY, "_run_hte_truelift.py", ["--learner", "dr"], n),
        "causalml-dr": (PEERS_PY, "_run_hte_causalml.py", ["--learner", "dr"], n),
        "causalml-x": (PEERS_PY, "_run_hte_causalml.py", ["--learner", "x"], n),
    }
    if cf_n:
        out["truelift-cf"] = (PROJECT_PY, "_run_hte_truelift.py", ["--learner", "cf"], cf_n)
    return {k: (py, s, [*extra, "--n", str(rows), "--covariates", str(covariates)], rows)
            for k, (py, s, extra, rows) in out.items()}


def _med(runs: list[dict], key: str, inner: bool = False) -> float:
    vals = [(r["result"][key] if inner else r[key]) for r in runs if r.get("ok")]
    return statistics.median(vals) if vals else float("nan")


def _fmt(runs: list[dict], key: str, inner: bool = False, digits: int = 1) -> str:
    return " / ".join((f"{(r['result'][key] if inner else r[key]):.{digits}f}"
                       if r.get("ok") else "failed") for r in runs)


def _ratio(a: list[dict], b: list[dict]) -> str:
    """truelift / causalml: ratio of medians, and the per-round ratios."""
    pairs = [(x["wall"], y["wall"]) for x, y in zip(a, b, strict=False)
             if x.get("ok") and y.get("ok")]
    if not pairs:
        return "n/a"
    ma, mb = _med(a, "wall"), _med(b, "wall")
    per = " / ".join(f"{x / y:.2f}" for x, y in pairs)
    return f"{ma / mb:.2f} (rounds: {per})"


def report(n: int, entry: dict) -> str:
    runs, invs = entry["runs"], entry["invocations"]
    cf_rows = entry.get("cf_n")
    rounds = max((len(rs) for rs in runs.values()), default=0)
    lines = [f"### {n:,} rows × {entry['covariates']} covariates"
             + (f" (causal forest: {cf_rows:,} rows)" if cf_rows else ""), ""]
    for inv in invs:
        lines.append(f"- Command: `{inv['command']}` (rounds {inv['rounds']}) — {inv['run']}; "
                     f"took {inv['minutes']} min. Versions: {inv['versions']}")
    lines += ["",
             f"{rounds} interleaved round(s); round r draws `coupon_campaign(n, "
             f"covariates={entry['covariates']}, seed=r)`. Wall = whole process (median, then every "
             "run); data = drawing the data inside the process; fit = the learner's fit and "
             "scoring (both from the script's own clock); RSS = median peak resident set. PEHE "
             "= sqrt(mean((score - true `cate_converted_coupon`)^2)) over the training rows.", "",
             "| tool | rows | wall median (s) | wall runs (s) | data (s) | fit median (s) | "
             "fit runs (s) | peak RSS (MiB) | PEHE (median) | ATE est. − true |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, rs in runs.items():
        if not rs:
            continue
        rows = entry["rows"][name]
        ok = [r for r in rs if r.get("ok")]
        err = (f"{statistics.median(r['result']['ate'] - r['result']['true_ate'] for r in ok):+.4f}"
               if ok else "n/a")
        lines.append(
            f"| {LABELS[name]} | {rows:,} | {_med(rs, 'wall'):.1f} | {_fmt(rs, 'wall')} | "
            f"{_med(rs, 'gen', True):.1f} | {_med(rs, 'fit', True):.1f} | "
            f"{_fmt(rs, 'fit', True)} | {_med(rs, 'rss_mib'):.0f} | "
            f"{_med(rs, 'pehe', True):.4f} | {err} |")
    tl = runs.get("truelift-dr", [])
    lines += ["", "Wall-time ratios (same rounds):", ""]
    for peer in ("causalml-dr", "causalml-x"):
        if runs.get(peer):
            lines.append(f"- truelift DR / {peer}: {_ratio(tl, runs[peer])}")
    notes = list(entry.get("notes", []))
    for name, rs in runs.items():
        for r in rs:
            if not r.get("ok"):
                notes.append(f"run {r['round']} of {name} failed: {r.get('error')}")
    if notes:
        lines += ["", "Notes:", *[f"- {x}" for x in notes]]
    return "\n".join(lines)


def _versions() -> str:
    return _results.versions((
        "numpy", "scikit-learn", "lightgbm", "econml", "causalml"))


def write(n: int, entry: dict) -> str:
    body = report(n, entry)
    saved = json.loads(RAW.read_text()) if RAW.exists() else {}
    parts = []
    for r in sorted({int(k) for k in saved} | {n}, reverse=True):
        name = f"{SECTION}:{r}"
        text = body if r == n else _results.read_section(name)
        if text is None:
            text = report(r, saved[str(r)])
        parts.append(f"<!-- {name}:start -->\n{text.strip()}\n<!-- {name}:end -->")
    head = ("## Speed of CATE learners: truelift vs causalml (`speed_hte.py`)\n\n"
            "Whole processes under `/usr/bin/time -v`, interleaved rounds on the same data per "
            "round (see the script's docstring). The work differs by design: truelift's "
            "DR-learner cross-fits its default folds (5 below 100,000 rows, 3 from there on: "
            "nuisances, then the early-stopped second stage for out-of-fold scores; new rows "
            "are scored by the mean of its fold models) and estimates the propensity (the "
            "model chosen by out-of-fold log loss); "
            "causalml's `BaseDRLearner` rotates 3 partitions and gets the propensity given, its "
            "`BaseXRegressor` fits 4 models once; causalml's PEHE is of in-sample scores. "
            "Each subsection is written by the run of its `--n`.")
    _results.write_section(SECTION, head + "\n\n" + "\n\n".join(parts))
    return body


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--cf-n", type=int, default=100_000, help="rows of the forest; 0: skip")
    parser.add_argument("--covariates", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default=None, help="comma-separated run names")
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--append", action="store_true",
                        help="add these rounds to the saved runs of the same --n (numbered on)")
    parser.add_argument("--note", action="append", default=[], help="a note for the report")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    saved = json.loads(RAW.read_text()) if RAW.exists() else {}
    prev = saved.get(str(args.n)) if args.append else None
    cfg = configs(args.n, args.cf_n, args.covariates)
    names = [s.strip() for s in args.only.split(",")] if args.only else list(cfg)
    notes: list[str] = [*(prev.get("notes", []) if prev else []), *args.note]
    if not PEERS_PY.exists():
        names = [x for x in names if cfg[x][0] != PEERS_PY]
        notes.append("the peers' venv is missing; causalml not run")
    start = time.perf_counter()
    runs: dict[str, list[dict]] = {x: list(prev["runs"].get(x, [])) if prev else []
                                   for x in names}
    first = 1 + max((len(rs) for rs in runs.values()), default=0)
    for rnd in range(first, first + args.repeats):
        for name in names:
            py, script, extra, _rows = cfg[name]
            res = timed(py, script, [*extra, "--seed", str(rnd)], args.timeout)
            res["round"] = rnd
            runs[name].append(res)
            msg = (f"{res['wall']:.1f} s, fit {res['result']['fit']:.1f} s, "
                   f"PEHE {res['result']['pehe']:.4f}" if res.get("ok")
                   else f"FAILED {res.get('error')}")
            print(f"[{time.perf_counter() - start:6.0f} s] round {rnd} {name}: {msg}",
                  file=sys.stderr, flush=True)
    invocation = {"command": _results.command_line(), "run": _results.machine_line(),
                  "minutes": round((time.perf_counter() - start) / 60, 1),
                  "versions": _versions(), "rounds": f"{first}–{first + args.repeats - 1}"}
    entry = {"runs": runs, "invocations": [*(prev["invocations"] if prev else []), invocation],
             "covariates": args.covariates, "cf_n": args.cf_n if "truelift-cf" in names else None,
             "rows": {x: cfg[x][3] for x in names}, "notes": notes}
    body = report(args.n, entry) if args.no_write else write(args.n, entry)
    if not args.no_write:
        saved[str(args.n)] = entry
        RAW.parent.mkdir(parents=True, exist_ok=True)
        RAW.write_text(json.dumps(saved, indent=2))
    print(body)


if __name__ == "__main__":
    main()
