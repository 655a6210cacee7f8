"""The table of benchmarks/speed_matching.py: 1,000,000 customers x 15 covariates, known ATT.

Covariates (all numeric, so every tool sees the same design without encoding):
``x1..x10`` standard normal with pairwise correlation 0.3 (a common factor),
``x11..x13`` 0/1 with shares 0.5, 0.3, 0.2, ``x14`` Poisson(2), ``x15`` uniform(0, 1).

* Treatment (confounded, logistic in the covariates, about 30% treated):
  ``P(T=1 | x) = expit(-1.1 + 0.35 x1 + 0.25 x2 - 0.2 x3 + 0.15 x4 + 0.1 x5 + 0.3 x11
  - 0.2 x12 + 0.1 (x14 - 2) + 0.4 (x15 - 0.5))``.
* Outcome: ``y = 10 + 1.0 x1 + 0.8 x2 - 0.5 x3 + 0.4 x6 + 0.3 x7 + 0.5 x11 + 0.2 x14
  + tau(x) T + N(0, 2^2)`` with a heterogeneous effect ``tau(x) = 1 + 0.5 x1``.

Truth written beside the data (``.truth.json``): for each file, the sample ATT
``mean(tau(x_i) | T_i = 1)`` (what a matching estimator of the ATT targets in this sample) and
the population ATT ``E[tau(X) | T=1] = 1 + 0.5 E[x1 | T=1]`` from a separate 4,000,000-row draw.
The 100,000- and 300,000-row files are the first rows of the 1,000,000-row one (rows are iid).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from scipy.special import expit

OUT = Path(__file__).resolve().parent / "out"
SIZES = (100_000, 300_000, 1_000_000)
SEED = 20_250_602
COVARIATES = tuple(f"x{j}" for j in range(1, 16))


def draw(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Covariates, treatment, outcome and the per-row effect."""
    common = rng.standard_normal(n)
    x = np.empty((n, 15))
    rho = 0.3
    x[:, :10] = (np.sqrt(rho) * common[:, None]
                 + np.sqrt(1 - rho) * rng.standard_normal((n, 10)))
    x[:, 10] = rng.random(n) < 0.5
    x[:, 11] = rng.random(n) < 0.3
    x[:, 12] = rng.random(n) < 0.2
    x[:, 13] = rng.poisson(2.0, n)
    x[:, 14] = rng.random(n)
    lin = (-1.1 + 0.35 * x[:, 0] + 0.25 * x[:, 1] - 0.2 * x[:, 2] + 0.15 * x[:, 3]
           + 0.1 * x[:, 4] + 0.3 * x[:, 10] - 0.2 * x[:, 11] + 0.1 * (x[:, 13] - 2)
           + 0.4 * (x[:, 14] - 0.5))
    t = (rng.random(n) < expit(lin)).astype(np.int8)
    tau = 1.0 + 0.5 * x[:, 0]
    y = (10 + 1.0 * x[:, 0] + 0.8 * x[:, 1] - 0.5 * x[:, 2] + 0.4 * x[:, 5] + 0.3 * x[:, 6]
         + 0.5 * x[:, 10] + 0.2 * x[:, 13] + tau * t + 2.0 * rng.standard_normal(n))
    return {"x": x, "t": t, "y": y, "tau": tau}


def path_for(rows: int) -> Path:
    return OUT / f"matching_{rows}.parquet"


def truth_path() -> Path:
    return OUT / "matching.truth.json"


def make(force: bool = False) -> dict:
    """Write the Parquet files and the truth once; return the truth."""
    if truth_path().exists() and all(path_for(r).exists() for r in SIZES) and not force:
        return json.loads(truth_path().read_text())
    import duckdb
    import pandas as pd

    OUT.mkdir(parents=True, exist_ok=True)
    d = draw(max(SIZES), np.random.default_rng(SEED))
    frame = pd.DataFrame(d["x"], columns=list(COVARIATES))
    for j in (10, 11, 12, 13):  # binary and count columns as integers
        frame[COVARIATES[j]] = frame[COVARIATES[j]].astype(np.int64)
    frame.insert(0, "treated", d["t"].astype(np.int64))
    frame.insert(1, "y", d["y"])
    big = draw(4_000_000, np.random.default_rng(SEED + 1))
    pop_att = float(big["tau"][big["t"] == 1].mean())
    truth: dict = {"population_att": pop_att, "files": {}}
    con = duckdb.connect()
    for rows in SIZES:
        part = frame.iloc[:rows]  # noqa: F841 (read by DuckDB by name)
        target = path_for(rows)
        con.execute(f"COPY (SELECT * FROM part) TO '{target}' (FORMAT parquet)")
        t = d["t"][:rows] == 1
        truth["files"][str(rows)] = {
            "path": str(target.relative_to(OUT.parent.parent)), "rows": rows,
            "n_treated": int(t.sum()), "sample_att": float(d["tau"][:rows][t].mean())}
    con.close()
    truth_path().write_text(json.dumps(truth, indent=2))
    return truth


if __name__ == "__main__":
    print(json.dumps(make(force="--force" in sys.argv), indent=2))
