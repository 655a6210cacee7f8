"""One timed truelift CATE fit for speed_hte.py: draw the data, fit, print one JSON line.

    python _run_hte_truelift.py --n 1000000 --covariates 20 --learner dr --seed 1

The data is ``coupon_campaign(n, covariates=..., seed=...)`` (randomized), outcome ``converted``;
the learner runs with its defaults (LightGBM base, 5 folds) and ``propensity=None`` (estimated).
"""

from __future__ import annotations

import argparse
import json
import time

t_start = time.perf_counter()

import numpy as np  # noqa: E402

from truelift.datasets._uplift import coupon_campaign  # noqa: E402
from truelift.hte.learners import LEARNERS  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--covariates", type=int, default=20)
    p.add_argument("--learner", default="dr", choices=list(LEARNERS))
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    imports = time.perf_counter() - t_start
    t0 = time.perf_counter()
    data, truth = coupon_campaign(a.n, covariates=a.covariates, seed=a.seed)
    x = data[[f"x{j + 1}" for j in range(a.covariates)]].to_numpy(dtype=float)
    t = (data["arm"] == "coupon").to_numpy().astype(int)
    y = data["converted"].to_numpy(dtype=float)
    tau = truth.per_customer["cate_converted_coupon"].to_numpy(dtype=float)
    del data, truth
    gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    fitted = LEARNERS[a.learner]().fit(x, t, y, propensity=None, seed=a.seed)
    fit = time.perf_counter() - t0
    print(json.dumps({"imports": imports, "gen": gen, "fit": fit,
                      "pehe": float(np.sqrt(np.mean((fitted.oof - tau) ** 2))),
                      "ate": fitted.ate, "true_ate": float(tau.mean()), "scores": "oof"}))


if __name__ == "__main__":
    main()
