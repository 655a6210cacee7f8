"""One whole process of ``tl.observe`` for ``speed_observe.py``; prints one JSON line.

``--design big``: ``--n`` customers x 20 covariates (seeded), a confounded binary outcome,
``method="aipw"``, no refutations (the issue's 1,000,000-row case; tuning on the stated
subsample of ``truelift.nuisance.select.MAX_TUNE`` rows). ``--design acic``: ACIC 2016 instance
2 (4,802 x 58, via ``_acic.py``), every method and the refutations, as a user gets it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))


def big(n: int, seed: int = 0) -> tuple[pd.DataFrame, list[str], float]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 20)).astype(np.float64)
    logit_e = 0.6 * x[:, 0] - 0.5 * x[:, 1] + 0.4 * np.abs(x[:, 2]) - 0.2
    t = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit_e))).astype(np.int8)
    tau = 0.03 + 0.02 * (x[:, 3] > 0)
    base = 1.0 / (1.0 + np.exp(-(-1.5 + 0.5 * x[:, 0] + 0.3 * x[:, 4])))
    y = (rng.random(n) < np.clip(base + t * tau, 0, 1)).astype(np.int8)
    cols = [f"x{j}" for j in range(20)]
    df = pd.DataFrame(x, columns=cols)
    df["t"], df["y"], df["id"] = t, y, np.arange(n)
    return df, cols, float(tau[t == 1].mean())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--design", choices=("big", "acic"), default="big")
    ap.add_argument("--n", type=int, default=1_000_000)
    a = ap.parse_args()
    import truelift as tl

    if a.design == "big":
        df, cols, truth = big(a.n)
        started = time.perf_counter()
        r = tl.observe(df, treatment="t", outcome="y", covariates=cols, unit="id",
                       method="aipw", refute=False)
    else:
        from _acic import load  # type: ignore[import-not-found]

        inst = load(2)
        df, cols, truth = inst.data, inst.covariates, inst.ate
        started = time.perf_counter()
        r = tl.observe(df, treatment="z", outcome="y", covariates=cols, method="all",
                       estimand="ATE")
    fit = time.perf_counter() - started
    e = r.estimate()
    print(json.dumps({"fit_seconds": fit, "estimate": e.value, "se": e.se, "truth": truth,
                      "models": r.provenance.parameters["nuisance_models"],
                      "rows_tuned": [c.rows_tuned for c in r.nuisance],
                      "verdict": str(r.verdict.status)}))


if __name__ == "__main__":
    main()
