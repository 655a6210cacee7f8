"""Held-out PEHE of the CATE learners on the Nie & Wager (2021) setups A-D: truelift vs EconML, causalml.

The four designs of Nie & Wager (2021, "Quasi-oracle estimation of heterogeneous treatment
effects", Biometrika 108(2), section 6; the same as ``causalml.dataset.synthetic_data(mode=1..4)``,
re-implemented here with a seeded ``numpy.random.Generator`` so truelift's side imports no causalml),
with ``y = b(X) + (T - 0.5) tau(X) + sigma eps``, ``eps ~ N(0, 1)``, ``T ~ Bernoulli(e(X))``:

* A (difficult nuisances, easy effect): ``X ~ U[0, 1]^d``, ``b = sin(pi X1 X2) + 2 (X3 - 0.5)^2 +
  X4 + 0.5 X5``, ``e = min(max(sin(pi X1 X2), 0.1), 0.9)``, ``tau = (X1 + X2) / 2``.
* B (randomized trial): ``X ~ N(0, I_d)``, ``b = max(X1 + X2, X3, 0) + max(X4 + X5, 0)``,
  ``e = 0.5``, ``tau = X1 + log(1 + exp(X2))``.
* C (easy propensity, difficult baseline, constant effect): ``X ~ N(0, I_d)``,
  ``b = 2 log(1 + exp(X1 + X2 + X3))``, ``e = 1 / (1 + exp(X2 + X3))``, ``tau = 1``.
* D (unrelated arms): ``X ~ N(0, I_d)``, ``b = (max(X1 + X2 + X3, 0) + max(X4 + X5, 0)) / 2``,
  ``e = 1 / (1 + exp(-X1) + exp(-X2))``, ``tau = max(X1 + X2 + X3, 0) - max(X4 + X5, 0)``.

``d = 6``, ``sigma = 1``. For setup ``S`` (1..4 for A..D) and seed ``s``, ``default_rng([S, s, 0])``
draws the test set (10,000 rows) and ``default_rng([S, s, k])`` the k-th block of 5,000 training
rows; a training size ``n`` uses the first ``n`` rows (so the sizes are nested, share one test set,
and do not depend on which other sizes are run).
The arrays are written to ``benchmarks/out/hte_nie_wager/<S>_n<n>_s<s>.npz`` and the peers read
those files (same data, not a re-draw).

PEHE = ``sqrt(mean((tau_hat(x) - tau(x))^2))`` over the 10,000 test rows, each learner fitted on
the training rows only. Learners, every one told nothing about the propensity (estimated, as a
user with observational data would; only B is randomized, and it is estimated there too):

* truelift's default learner of ``tl.uplift`` (its ``learner``, ``base`` and ``folds`` defaults,
  built as ``tl.uplift`` builds it: ``LEARNERS[learner](folds=folds, base=base)``), ``fit(x, t, y,
  propensity=None, seed=s)``, then ``predict(x_test)``; and every other learner of
  ``truelift.hte.learners.LEARNERS`` with its defaults, the same way;
* EconML ``CausalForestDML`` and causalml ``BaseXRegressor`` (``_run_hte_nie_wager_peers.py``,
  in the peers' venv; settings in its docstring).

Fit time = the fit plus scoring the test rows, measured inside the process (truelift: LightGBM on
one thread below 50,000 rows, its default, the forest on ``--threads``; peers: LightGBM on one
thread, the forest on ``--threads``).

    .venv/bin/python benchmarks/hte_nie_wager.py                     # A-D, n = 5,000 and 20,000, 3 seeds
    .venv/bin/python benchmarks/hte_nie_wager.py --setups A --n 5000 --seeds 1 --no-write
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import itertools
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _results

HERE = Path(__file__).resolve().parent
SECTION = "hte_nie_wager"
OUT = HERE / "out" / "hte_nie_wager"
RAW = HERE / "out" / "hte_nie_wager.json"
PROJECT_PY = _results.ROOT / ".venv" / "bin" / "python"
PEERS_PY = HERE / ".venv-peers" / "bin" / "python"
PEERS = ("econml-cf", "causalml-x")
SETUPS = ("A", "B", "C", "D")
D, SIGMA, N_TEST = 6, 1.0, 10_000
PEER_LABELS = {
    "econml-cf": "EconML `CausalForestDML` (LightGBM nuisances)",
    "causalml-x": "causalml `BaseXRegressor` (LightGBM, ElasticNet propensity)",
}


# --------------------------------------------------------------------------------------------------
# the designs


def _softplus(z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, z)


def design(setup: str, n: int, rng: np.random.Generator, d: int = D, sigma: float = SIGMA
           ) -> dict[str, np.ndarray]:
    """``n`` rows of Nie & Wager's setup ``setup``: x, t, y and the truth tau, e, b."""
    if setup == "A":
        x = rng.uniform(size=(n, d))
        s = np.sin(np.pi * x[:, 0] * x[:, 1])
        b = s + 2 * (x[:, 2] - 0.5) ** 2 + x[:, 3] + 0.5 * x[:, 4]
        e = np.clip(s, 0.1, 0.9)
        tau = (x[:, 0] + x[:, 1]) / 2
    else:
        x = rng.normal(size=(n, d))
        if setup == "B":
            b = np.maximum.reduce([x[:, 0] + x[:, 1], x[:, 2], np.zeros(n)]) + np.maximum(
                x[:, 3] + x[:, 4], 0.0)
            e = np.full(n, 0.5)
            tau = x[:, 0] + _softplus(x[:, 1])
        elif setup == "C":
            b = 2 * _softplus(x[:, 0] + x[:, 1] + x[:, 2])
            e = 1 / (1 + np.exp(x[:, 1] + x[:, 2]))
            tau = np.ones(n)
        elif setup == "D":
            u, v = np.maximum(x[:, 0] + x[:, 1] + x[:, 2], 0.0), np.maximum(x[:, 3] + x[:, 4], 0.0)
            b = (u + v) / 2
            e = 1 / (1 + np.exp(-x[:, 0]) + np.exp(-x[:, 1]))
            tau = u - v
        else:
            raise ValueError(f"unknown setup {setup!r}")
    t = rng.binomial(1, e).astype(np.int8)
    y = b + (t - 0.5) * tau + sigma * rng.normal(size=n)
    return {"x": x, "t": t, "y": y, "tau": tau, "e": e, "b": b}


BLOCK = 5_000


def draw(setup: str, seed: int, n_max: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The test set (``N_TEST`` rows) and ``n_max`` training rows of ``setup`` for ``seed``.

    The test set comes from ``default_rng([S, seed, 0])`` and the training rows from blocks of
    :data:`BLOCK` rows, block ``k`` from ``default_rng([S, seed, k])`` (S = 1..4 for A..D): the
    first ``n`` training rows are the same whatever ``n_max`` is.
    """
    code = SETUPS.index(setup) + 1
    test = design(setup, N_TEST, np.random.default_rng([code, seed, 0]))
    blocks = [design(setup, BLOCK, np.random.default_rng([code, seed, k]))
              for k in range(1, -(-n_max // BLOCK) + 1)]
    train = {key: np.concatenate([b[key] for b in blocks])[:n_max] for key in blocks[0]}
    return train, test


def write_data(setup: str, seed: int, ns: list[int]) -> dict[int, Path]:
    """Write one ``.npz`` per training size (nested draws, one test set); return their paths."""
    train, test = draw(setup, seed, max(ns))
    OUT.mkdir(parents=True, exist_ok=True)
    paths = {}
    for n in ns:
        path = OUT / f"{setup}_n{n}_s{seed}.npz"
        np.savez(path, x=train["x"][:n], t=train["t"][:n], y=train["y"][:n],
                 tau=train["tau"][:n], e=train["e"][:n], x_test=test["x"], tau_test=test["tau"],
                 e_test=test["e"], seed=seed)
        paths[n] = path
    return paths


# --------------------------------------------------------------------------------------------------
# truelift


def default_learner() -> tuple[str, object]:
    """The learner ``tl.uplift`` uses by default, built as it builds it."""
    import truelift as tl
    from truelift.hte.learners import LEARNERS

    params = inspect.signature(tl.uplift).parameters
    key = params["learner"].default
    return key, LEARNERS[key](folds=params["folds"].default, base=params["base"].default)


def truelift_learners(only: list[str] | None) -> dict[str, object]:
    """``{row name: settings}``: the default first, then every other registered learner."""
    from truelift.hte.learners import LEARNERS

    key, default = default_learner()
    rows: dict[str, object] = {f"{key} (default)": default}
    for name, cls in LEARNERS.items():
        if only is not None and name not in only:
            continue
        if name == key and cls() == default:
            continue
        rows[name] = cls()
    return rows


def run_truelift(name: str, settings: object, path: Path) -> dict:
    d = np.load(path)
    t0 = time.perf_counter()
    fitted = settings.fit(d["x"], d["t"].astype(int), d["y"], propensity=None, seed=int(d["seed"]))
    tau_hat = fitted.predict(d["x_test"])
    fit = time.perf_counter() - t0
    np.save(path.with_suffix(f".tl-{name.split(maxsplit=1)[0]}.npy"), tau_hat)
    return {"fit": fit, "pehe": float(np.sqrt(np.mean((tau_hat - d["tau_test"]) ** 2)))}


def run_peers(paths: list[Path], threads: int, timeout: float) -> list[dict]:
    cmd = [str(PEERS_PY), str(HERE / "_run_hte_nie_wager_peers.py"), "--data",
           *map(str, paths), "--threads", str(threads)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    out = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        raise RuntimeError(f"peers failed (rc={proc.returncode})")
    return out


# --------------------------------------------------------------------------------------------------
# report


def _mean(vals: list[float]) -> float:
    return statistics.fmean(vals) if vals else float("nan")


def summarize(records: list[dict]) -> dict[tuple[str, int, str], dict]:
    """``(setup, n, learner) -> {pehe: [per seed], fit: [per seed], seeds}``."""
    out: dict[tuple[str, int, str], dict] = {}
    for r in sorted(records, key=lambda r: r["seed"]):
        cell = out.setdefault((r["setup"], r["n"], r["learner"]), {"pehe": [], "fit": [], "seeds": []})
        cell["pehe"].append(r["pehe"])
        cell["fit"].append(r["fit"])
        cell["seeds"].append(r["seed"])
    return out


def best_peer(cells: dict, setup: str, n: int) -> tuple[str, float] | None:
    got = [(p, _mean(cells[(setup, n, p)]["pehe"])) for p in PEERS if (setup, n, p) in cells]
    return min(got, key=lambda kv: kv[1]) if got else None


def report(records: list[dict], learners: list[str], setups: list[str], ns: list[int],
           head: str) -> str:
    cells = summarize(records)
    default = learners[0]
    lines = [head, "", "### Goal: the default learner within 5% of the best peer at the largest n, "
             "and better with more rows", "",
             "| setup | " + " | ".join(f"best peer, n = {n:,}" for n in ns) + " | "
             + " | ".join(f"default, n = {n:,} (ratio)" for n in ns)
             + " | within 5% at the largest n | improves with n |",
             "| --- " * (2 + 2 * len(ns) + 1) + "|"]
    for s in setups:
        peers_cells, def_cells, ratios, means = [], [], [], []
        for n in ns:
            bp = best_peer(cells, s, n)
            c = cells.get((s, n, default))
            m = _mean(c["pehe"]) if c else float("nan")
            means.append(m)
            peers_cells.append(f"{bp[1]:.4f} ({bp[0]})" if bp else "n/a")
            ratio = m / bp[1] if bp else float("nan")
            ratios.append(ratio)
            def_cells.append(f"{m:.4f} ({ratio:.2f})")
        within = "yes" if ratios[-1] <= 1.05 else "no"
        improves = ("yes" if all(b < a for a, b in itertools.pairwise(means)) else "no"
                    ) if len(ns) > 1 else "n/a"
        lines.append(f"| {s} | " + " | ".join(peers_cells) + " | " + " | ".join(def_cells)
                     + f" | {within} | {improves} |")
    for s in setups:
        lines += ["", f"### Setup {s}", "",
                  "| learner | n | PEHE (mean of seeds) | PEHE per seed | ratio to the best peer | "
                  "fit + predict (s, mean) |", "| --- | --- | --- | --- | --- | --- |"]
        for n in ns:
            bp = best_peer(cells, s, n)
            for name in [*learners, *PEERS]:
                c = cells.get((s, n, name))
                if c is None:
                    continue
                m = _mean(c["pehe"])
                label = PEER_LABELS.get(name, f"truelift `{name}`")
                ratio = f"{m / bp[1]:.3f}" if bp else "n/a"
                per = " / ".join(f"{v:.4f}" for v in c["pehe"])
                lines.append(f"| {label} | {n:,} | {m:.4f} | {per} | {ratio} | "
                             f"{_mean(c['fit']):.1f} |")
    return "\n".join(lines)


def _versions() -> str:
    return _results.versions((
        "numpy", "scikit-learn", "lightgbm", "econml", "causalml"))


# --------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setups", default=",".join(SETUPS), help="comma-separated, of A,B,C,D")
    parser.add_argument("--n", default="5000,20000", help="comma-separated training sizes")
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds")
    parser.add_argument("--learners", default=None,
                        help="comma-separated truelift learners besides the default (default: all)")
    parser.add_argument("--no-peers", action="store_true", help="skip EconML and causalml")
    parser.add_argument("--threads", type=int, default=2, help="threads of the forests")
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    setups = [s.strip().upper() for s in args.setups.split(",")]
    ns = sorted(int(v) for v in args.n.split(","))
    seeds = [int(v) for v in args.seeds.split(",")]
    only = None if args.learners is None else [v.strip() for v in args.learners.split(",") if v]
    tl_rows = truelift_learners(only)
    for name, settings in tl_rows.items():
        if "cf" in name and hasattr(settings, "n_jobs"):
            tl_rows[name] = dataclasses.replace(settings, n_jobs=args.threads)
    peers = not args.no_peers and PEERS_PY.exists()
    notes = [] if peers or args.no_peers else ["the peers' venv is missing; peers not run"]

    start = time.perf_counter()
    records: list[dict] = []

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - start:6.0f} s] {msg}", file=sys.stderr, flush=True)

    for s in setups:
        paths = {seed: write_data(s, seed, ns) for seed in seeds}
        for n in ns:
            for seed in seeds:
                for name, settings in tl_rows.items():
                    res = run_truelift(name, settings, paths[seed][n])
                    records.append({"setup": s, "n": n, "seed": seed, "learner": name, **res})
                    log(f"{s} n={n} seed={seed} {name}: PEHE {res['pehe']:.4f}, {res['fit']:.1f} s")
            if peers:
                for res in run_peers([paths[seed][n] for seed in seeds], args.threads, args.timeout):
                    seed = int(np.load(res["file"])["seed"])
                    records.append({"setup": s, "n": n, "seed": seed, "learner": res["peer"],
                                    "pehe": res["pehe"], "fit": res["fit"]})
                    log(f"{s} n={n} seed={seed} {res['peer']}: PEHE {res['pehe']:.4f}, "
                        f"{res['fit']:.1f} s")

    minutes = (time.perf_counter() - start) / 60
    _key, default = default_learner()
    head = (
        "## Nie & Wager (2021) setups A–D: held-out PEHE of CATE learners (`hte_nie_wager.py`)\n\n"
        f"Measured by `{_results.command_line()}` — {_results.machine_line()}; took "
        f"{minutes:.1f} min. Versions: {_versions()}.\n\n"
        f"Setups A–D of Nie & Wager (2021, Biometrika, section 6; = causalml `synthetic_data` modes "
        f"1–4) with d = {D}, σ = {SIGMA:g}; seeds {', '.join(map(str, seeds))}; the training sizes "
        f"are nested draws and share one test set of {N_TEST:,} rows per setup and seed. PEHE = "
        "sqrt(mean((τ̂ − τ)²)) on the test rows. Every learner estimates the propensity. "
        f"truelift's default is `tl.uplift`'s (`{default!r}`); the other truelift rows are "
        "the registry's learners at their defaults. EconML `CausalForestDML(model_y="
        "LGBMRegressor(), model_t=LGBMClassifier(), discrete_treatment=True)`, other settings "
        "default; causalml `BaseXRegressor(LGBMRegressor())`, propensity by its default "
        "(ElasticNet, calibrated). Ratio = PEHE / the best peer's PEHE (mean over seeds) at that "
        "setup and n. Fit = fit + scoring the test rows, in-process clock"
        + (f". Notes: {'; '.join(notes)}" if notes else "") + ".")
    body = report(records, list(tl_rows), setups, ns, head)
    RAW.parent.mkdir(parents=True, exist_ok=True)
    RAW.write_text(json.dumps({"command": _results.command_line(), "records": records}, indent=1))
    if not args.no_write:
        _results.write_section(SECTION, body)
    print(body)


if __name__ == "__main__":
    main()
