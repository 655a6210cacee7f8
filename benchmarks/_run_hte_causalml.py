"""One timed causalml meta-learner fit for speed_hte.py: draw the data, fit_predict, print JSON.

    python _run_hte_causalml.py --n 1000000 --covariates 20 --learner dr --seed 1

Same data as ``_run_hte_truelift.py`` (truelift's ``coupon_campaign``, imported from the peers'
venv, where truelift is installed). ``BaseDRLearner`` or ``BaseXRegressor`` with
``LGBMRegressor(n_estimators=100, num_leaves=15, min_child_samples=40, verbose=-1)``, the
propensity given (``p`` = the known 0.5 of every row, so causalml fits no propensity model);
``fit_predict`` scores the training rows (in-sample: causalml has no out-of-fold scores).
"""

from __future__ import annotations

import argparse
import json
import time

t_start = time.perf_counter()

import numpy as np  # noqa: E402
from causalml.inference.meta import BaseDRLearner, BaseXRegressor  # noqa: E402
from lightgbm import LGBMRegressor  # noqa: E402

from truelift.datasets._uplift import coupon_campaign  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--covariates", type=int, default=20)
    p.add_argument("--learner", default="dr", choices=["dr", "x"])
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    imports = time.perf_counter() - t_start
    t0 = time.perf_counter()
    data, truth = coupon_campaign(a.n, covariates=a.covariates, seed=a.seed)
    x = data[[f"x{j + 1}" for j in range(a.covariates)]].to_numpy(dtype=float)
    t = (data["arm"] == "coupon").to_numpy().astype(int)
    y = data["converted"].to_numpy(dtype=float)
    tau = truth.per_customer["cate_converted_coupon"].to_numpy(dtype=float)
    e = truth.per_customer["propensity_coupon"].to_numpy(dtype=float)
    del data, truth
    gen = time.perf_counter() - t0
    base = LGBMRegressor(n_estimators=100, num_leaves=15, min_child_samples=40, verbose=-1)
    t0 = time.perf_counter()
    if a.learner == "dr":
        model = BaseDRLearner(learner=base, control_name=0)
        cate = model.fit_predict(x, t, y, p=e, seed=a.seed)
    else:
        model = BaseXRegressor(learner=base, control_name=0)
        cate = model.fit_predict(x, t, y, p=e)
    fit = time.perf_counter() - t0
    cate = np.asarray(cate, dtype=float).reshape(len(y), -1)[:, 0]
    print(json.dumps({"imports": imports, "gen": gen, "fit": fit,
                      "pehe": float(np.sqrt(np.mean((cate - tau) ** 2))),
                      "ate": float(cate.mean()), "true_ate": float(tau.mean()),
                      "scores": "in-sample"}))


if __name__ == "__main__":
    main()
