"""DoubleML's IRM (ATTE) on draws of coverage_default.py's high_dim design, for comparison.

Prints one line per replication: z = (estimate - population ATT) / SE, the error and the SE.
Run in the peers' venv (DoubleML is not a project dependency):

    benchmarks/.venv-peers/bin/python benchmarks/_peer_high_dim_dml.py 12 18

(replications 12-17; about 17 s each on one core). truelift's own numbers for the same
replications are in the coverage_default.py chunks (``benchmarks/out/cov_hd_*.pkl``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _verdict_cases as vc
from coverage_default import BASE_SEED, DESIGNS, high_dim_population_truth

LGBM = {"n_estimators": 500, "learning_rate": 0.01, "num_leaves": 15, "verbose": -1, "n_jobs": 1}


def main(first: int, stop: int) -> None:
    import doubleml as dml
    from lightgbm import LGBMClassifier, LGBMRegressor

    pop = high_dim_population_truth()["ATT"]["y"]
    for rep in range(first, stop):
        case = vc.high_dim(5000, np.random.default_rng([BASE_SEED, DESIGNS.index("high_dim"), rep]))
        x = case.data[list(case.covariates)].to_numpy(float)
        y = case.data["y"].to_numpy(float)
        d = case.data["t"].to_numpy(float)
        np.random.seed(rep)  # noqa: NPY002  (DoubleML draws its splits from the global generator)
        t0 = time.perf_counter()
        model = dml.DoubleMLIRM(dml.DoubleMLData.from_arrays(x, y, d), ml_g=LGBMRegressor(**LGBM),
                                ml_m=LGBMClassifier(**LGBM), n_folds=5, score="ATTE")
        model.fit()
        est, se = float(model.coef[0]), float(model.se[0])
        print(f"rep {rep}: z {(est - pop) / se:+.2f}, error {est - pop:+.4f}, se {se:.4f}, "
              f"{time.perf_counter() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
