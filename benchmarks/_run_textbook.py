"""The textbook approach, timed as a whole process by speed_matching.py: pandas reads the
Parquet file, scikit-learn's LogisticRegression (its defaults) gives the propensity score, and
NearestNeighbors matches each treated unit 1:1 (with replacement) to the control with the
nearest score; no caliper, no standard error. Prints one JSON line."""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neighbors import NearestNeighbors  # noqa: E402

COVARIATES = [f"x{j}" for j in range(1, 16)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    args = parser.parse_args()
    phases = {"import": time.perf_counter() - _T0}
    t = time.perf_counter()
    df = pd.read_parquet(args.data)
    phases["read"] = time.perf_counter() - t
    t = time.perf_counter()
    x = df[COVARIATES].to_numpy(dtype=float)
    treat = df["treated"].to_numpy()
    ps = LogisticRegression().fit(x, treat).predict_proba(x)[:, 1]
    phases["propensity"] = time.perf_counter() - t
    t = time.perf_counter()
    tb = treat == 1
    y = df["y"].to_numpy()
    nn = NearestNeighbors(n_neighbors=1).fit(ps[~tb].reshape(-1, 1))
    _, idx = nn.kneighbors(ps[tb].reshape(-1, 1))
    att = float(np.mean(y[tb] - y[~tb][idx[:, 0]]))
    phases["matching"] = time.perf_counter() - t
    print(json.dumps({"tool": "textbook", "rows": len(df), "estimate": att, "se": None,
                      "n_treated": int(tb.sum()), "n_treated_matched": int(tb.sum()),
                      "phases": phases, "total_in_process": time.perf_counter() - _T0}))


if __name__ == "__main__":
    main()
