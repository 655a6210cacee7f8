"""Speed and memory of propensity-score matching at 1,000,000 customers x 15 covariates.

Every row is a whole process timed with ``/usr/bin/time -v`` (its "Elapsed (wall clock)" and
"Maximum resident set size"): Python start-up, imports, reading the Parquet file, the
propensity fit, matching and whatever else the tool does. Each configuration is run 3 times,
interleaved (round 1 of every tool, then round 2, ...), so the tools see the same machine
noise; we report the median and every run, and the ratios to truelift are measured in the
same invocation.

(a)-(c) ATT with replacement, 1,000,000 rows:
  (a) truelift: ``prepare`` (DuckDB reads the Parquet) + ``LogisticPropensity`` +
      ``Matching()`` (k=1, caliper 0.2 SD of the logit, with replacement, Abadie–Imbens SE) +
      ``balance_table`` (``_run_truelift_match.py``);
  (b) the textbook approach: pandas + scikit-learn LogisticRegression + NearestNeighbors 1:1
      on the score, no caliper, no SE (``_run_textbook.py``);
  (c) DoWhy ``backdoor.propensity_score_matching``, ``target_units="att"`` (``_run_dowhy.py``).
(d) Without replacement: truelift ``Matching(replace=False)`` at 100,000, 300,000 and
    1,000,000 rows vs causalml ``NearestNeighborMatch(replace=False)`` at 100,000 and 300,000
    (``_run_causalml_match.py``); a causalml run over ``--long`` seconds (default 300) is not
    repeated.

truelift runs in the project venv (``.venv``); the peers run in ``benchmarks/.venv-peers``
(see requirements-peers.txt), so they never touch the project's environment. The data is made
once by ``_make_matching_data.py`` under benchmarks/out/ (gitignored).

    .venv/bin/python benchmarks/speed_matching.py
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _make_matching_data as gen
import _results

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SECTION = "speed_matching"
PROJECT_PY = _results.PROJECT_PY
PEERS_PY = _results.PEERS_PY
RAW = HERE / "out" / "speed_matching.json"


def _seconds(text: str) -> float:
    parts = [float(p) for p in text.strip().split(":")]
    out = 0.0
    for p in parts:
        out = out * 60 + p
    return out


def timed(python: Path, script: str, args: list[str], timeout: float) -> dict:
    """Run one process under /usr/bin/time -v; wall time, peak RSS and the script's JSON line."""
    cmd = ["/usr/bin/time", "-v", str(python), str(HERE / script), *args]
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                              check=False)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"killed after the {timeout:.0f} s time limit",
                "wall": time.perf_counter() - started, "timeout": True}
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", proc.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    out: dict = {"ok": proc.returncode == 0, "returncode": proc.returncode,
                 "wall": _seconds(wall.group(1)) if wall else float("nan"),
                 "rss_mib": int(rss.group(1)) / 1024 if rss else float("nan")}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode == 0 and lines:
        out["result"] = json.loads(lines[-1])
    else:
        tail = [ln for ln in proc.stderr.splitlines() if ln.strip()
                and not ln.startswith("\t")][-3:]
        out["ok"] = False
        out["error"] = " | ".join(tail)[-400:]
    return out


def _med(runs: list[dict], key: str) -> float:
    vals = [r[key] for r in runs if r.get("ok")]
    return statistics.median(vals) if vals else float("nan")


def _runs_text(runs: list[dict]) -> str:
    return " / ".join(f"{r['wall']:.2f}" if r.get("ok") else "failed" for r in runs)


def _ratio(a: list[dict], b: list[dict]) -> str:
    """median(a) / median(b), with the per-round ratios in brackets."""
    ma, mb = _med(a, "wall"), _med(b, "wall")
    if math.isnan(ma) or math.isnan(mb):
        return "n/a"
    per = [x["wall"] / y["wall"] for x, y in zip(a, b, strict=False) if x.get("ok") and y.get("ok")]
    rng = f" ({min(per):.2f}–{max(per):.2f})" if len(per) > 1 else ""
    return f"{ma / mb:.2f}{rng}"


def _estimate(runs: list[dict]) -> tuple[str, str, str]:
    ok = [r for r in runs if r.get("ok")]
    if not ok:
        return "n/a", "n/a", "n/a"
    res = ok[0]["result"]
    se = "—" if res.get("se") is None else f"{res['se']:.4f}"
    matched = f"{res['n_treated_matched']:,} / {res['n_treated']:,}"
    return f"{res['estimate']:.4f}", se, matched


def _phases(runs: list[dict]) -> str:
    ok = [r for r in runs if r.get("ok")]
    if not ok:
        return ""
    names = list(ok[0]["result"]["phases"])
    return ", ".join(f"{k} {statistics.median(r['result']['phases'][k] for r in ok):.2f}"
                     for k in names)


CONFIGS = {  # name -> (python, script, extra args, rows)
    "truelift": (PROJECT_PY, "_run_truelift_match.py", [], 1_000_000),
    "textbook": (PEERS_PY, "_run_textbook.py", [], 1_000_000),
    "dowhy": (PEERS_PY, "_run_dowhy.py", [], 1_000_000),
    "truelift-norep-100000": (PROJECT_PY, "_run_truelift_match.py", ["--no-replace"], 100_000),
    "truelift-norep-300000": (PROJECT_PY, "_run_truelift_match.py", ["--no-replace"], 300_000),
    "truelift-norep-1000000": (PROJECT_PY, "_run_truelift_match.py", ["--no-replace"], 1_000_000),
    "causalml-norep-100000": (PEERS_PY, "_run_causalml_match.py", [], 100_000),
    "causalml-norep-300000": (PEERS_PY, "_run_causalml_match.py", [], 300_000),
}
STAGE2 = ("truelift-norep-300000", "causalml-norep-300000")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=None,
                        help="comma-separated run names (default: all but causalml-norep-300000, "
                             f"which is slow; run it with --only {','.join(STAGE2)})")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--long", type=float, default=300.0,
                        help="a causalml run longer than this (s) is not repeated")
    parser.add_argument("--timeout", type=float, default=1800.0,
                        help="kill any single run after this many seconds")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    truth = gen.make()
    files = {int(k): v for k, v in truth["files"].items()}
    path = {rows: str(ROOT / v["path"]) for rows, v in files.items()}
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in CONFIGS]
        if unknown:
            parser.error(f"unknown run name(s) {unknown}; choose from {list(CONFIGS)}")
    else:
        names = [n for n in CONFIGS if n != "causalml-norep-300000"]
    notes: list[str] = []
    if not PEERS_PY.exists():
        skipped = [n for n in names if CONFIGS[n][0] == PEERS_PY]
        names = [n for n in names if n not in skipped]
        notes.append(f"the peers' venv {PEERS_PY.relative_to(ROOT)} is missing (see README.md); "
                     f"not run: {', '.join(skipped)}")

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - start:6.0f} s] {msg}", file=sys.stderr, flush=True)

    runs: dict[str, list[dict]] = {n: [] for n in names}
    stop_repeating: set[str] = set()
    for rnd in range(args.repeats):
        for name in names:
            if name in stop_repeating:
                continue
            py, script, extra, rows = CONFIGS[name]
            res = timed(py, script, [path[rows], *extra], args.timeout)
            res["round"] = rnd + 1
            runs[name].append(res)
            log(f"round {rnd + 1} {name}: "
                + (f"{res['wall']:.2f} s, {res.get('rss_mib', float('nan')):.0f} MiB"
                   if res.get("ok") else f"FAILED {res.get('error')}"))
            if name.startswith("causalml") and (res["wall"] > args.long or not res.get("ok")):
                stop_repeating.add(name)
    wall = time.perf_counter() - start
    # merge with the runs of earlier invocations (kept per run name, with their command)
    saved = json.loads(RAW.read_text()) if RAW.exists() else {}
    all_runs = saved.get("runs", {}) if saved.get("truth") == truth else {}
    meta = saved.get("meta", {}) if saved.get("truth") == truth else {}
    invocation = {"command": _results.command_line(), "run": _results.machine_line(),
                  "minutes": round(wall / 60, 1), "versions": _versions()}
    for name, rs in runs.items():
        all_runs[name] = rs
        meta[name] = invocation
    RAW.parent.mkdir(parents=True, exist_ok=True)
    RAW.write_text(json.dumps({"truth": truth, "runs": all_runs, "meta": meta}, indent=2))
    for name, rs in all_runs.items():
        if name.startswith("causalml") and len(rs) == 1 and rs[0]["wall"] > args.long:
            notes.append(f"{name}: its first run took {rs[0]['wall']:.0f} s (over "
                         f"{args.long:.0f} s), so it was run once and not repeated")
    body = report(all_runs, meta, files, truth, notes, args)
    if not args.no_write:
        _results.write_section(SECTION, body)
    print(body)


def _versions() -> str:
    return _results.versions((
        "numpy", "scipy", "pandas", "scikit-learn", "duckdb", "pyarrow", "dowhy", "causalml"))


def report(runs: dict, meta: dict, files: dict, truth: dict, notes: list[str],
           args: argparse.Namespace) -> str:
    att = {rows: v["sample_att"] for rows, v in files.items()}
    tl = runs.get("truelift", [])
    invocations: list[dict] = []
    for name in runs:
        if meta.get(name) and meta[name] not in invocations:
            invocations.append(meta[name])
    tag = {name: f" [{invocations.index(meta[name]) + 1}]" if len(invocations) > 1 else ""
           for name in runs if meta.get(name)}
    lines = ["## Speed of propensity-score matching (`speed_matching.py`)", "",
             "Measured by " + ("these invocations (each row is marked with the one that "
                               "measured it; a ratio pairs rows of the same invocation):"
                               if len(invocations) > 1 else "this invocation:"), ""]
    for i, inv in enumerate(invocations, start=1):
        lines.append(f"{'- [' + str(i) + '] ' if len(invocations) > 1 else '- '}"
                     f"`{inv['command']}` — {inv['run']}; took {inv['minutes']} min. "
                     f"Versions: {inv['versions']}")
    lines += [
        "",
        "Each figure is a whole process under `/usr/bin/time -v` (start-up, imports, Parquet "
        "read, propensity fit, matching, and for truelift also the Abadie–Imbens SE and the "
        f"balance table); median of {args.repeats} interleaved rounds, every run listed. Ratios "
        "are of medians, with the range of the per-round ratios in brackets. Peak RSS is the "
        "median of the runs' \"Maximum resident set size\".", "",
        "Data: `_make_matching_data.py` (1,000,000 customers, 15 numeric covariates, logistic "
        f"confounded treatment, {files[1_000_000]['n_treated']:,} treated; outcome with the "
        "heterogeneous effect tau(x) = 1 + 0.5 x1). True ATT is the sample mean of tau over the "
        f"treated rows of each file; the population ATT is {truth['population_att']:.4f}.", "",
        "### (a)–(c) ATT with replacement, 1,000,000 rows", "",
        "| tool | wall median (s) | runs (s) | peak RSS (MiB) | estimate | SE | true ATT | "
        "error | treated matched | time ratio |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    labels = {"truelift": "truelift `Matching()` (caliper 0.2, AI SE, + balance)",
              "textbook": "textbook sklearn LogisticRegression + NearestNeighbors 1:1",
              "dowhy": "DoWhy `backdoor.propensity_score_matching`"}
    for name in ("truelift", "textbook", "dowhy"):
        r = runs.get(name)
        if not r:
            continue
        est, se, matched = _estimate(r)
        err = f"{float(est) - att[1_000_000]:+.4f}" if est != "n/a" else "n/a"
        ratio = {"truelift": "1 (reference)",
                 "textbook": f"truelift / textbook = {_ratio(tl, r)}",
                 "dowhy": f"DoWhy / truelift = {_ratio(r, tl)}"}[name]
        lines.append(f"| {labels[name]}{tag.get(name, '')} | {_med(r, 'wall'):.2f} | {_runs_text(r)} | "
                     f"{_med(r, 'rss_mib'):.0f} | {est} | {se} | {att[1_000_000]:.4f} | {err} | "
                     f"{matched} | {ratio} |")
    lines += ["", "### (d) ATT without replacement (greedy 1:1, caliper 0.2 SD of the logit)", "",
              "| tool | rows | wall median (s) | runs (s) | peak RSS (MiB) | estimate | SE | "
              "true ATT | error | treated matched | causalml / truelift |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for rows in (100_000, 300_000, 1_000_000):
        for tool in ("truelift", "causalml"):
            name = f"{tool}-norep-{rows}"
            r = runs.get(name)
            if not r:
                continue
            est, se, matched = _estimate(r)
            err = f"{float(est) - att[rows]:+.4f}" if est != "n/a" else "n/a"
            ratio = ("" if tool == "truelift"
                     else _ratio(r, runs.get(f"truelift-norep-{rows}", [])))
            label = ("truelift `Matching(replace=False)`" if tool == "truelift"
                     else "causalml `NearestNeighborMatch(replace=False)`")
            lines.append(f"| {label}{tag.get(name, '')} | {rows:,} | {_med(r, 'wall'):.2f} | "
                         f"{_runs_text(r)} | "
                         f"{_med(r, 'rss_mib'):.0f} | {est} | {se} | {att[rows]:.4f} | {err} | "
                         f"{matched} | {ratio} |")
    lines += ["", "In-process phase times (median seconds, from each script's own clock):", ""]
    for name, r in runs.items():
        ph = _phases(r)
        if ph:
            lines.append(f"- {name}: {ph}")
    if notes:
        lines += ["", "Notes:", *[f"- {n}" for n in notes]]
    failures = [(n, x) for n, rs in runs.items() for x in rs if not x.get("ok")]
    for name, x in failures:
        lines.append(f"- run {x['round']} of {name} failed: {x.get('error')}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
