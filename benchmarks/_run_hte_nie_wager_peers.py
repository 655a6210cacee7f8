"""The peers of hte_nie_wager.py, run in the peers' venv: fit on saved training rows, score the test.

    benchmarks/.venv-peers/bin/python benchmarks/_run_hte_nie_wager_peers.py \
        --data benchmarks/out/hte_nie_wager/A_n5000_s1.npz [more .npz ...] --threads 2

Each ``.npz`` (written by ``hte_nie_wager.py``) holds ``x``, ``t``, ``y`` (training rows),
``x_test``, ``tau_test`` and ``seed``. For every file and peer this fits on the training rows,
scores ``x_test`` and prints one JSON line ``{"file", "peer", "fit", "pehe"}``; the test scores
are saved beside the data as ``<file>.<peer>.npy``.

* ``econml-cf``: EconML ``CausalForestDML(model_y=LGBMRegressor(), model_t=LGBMClassifier(),
  discrete_treatment=True, random_state=seed, n_jobs=threads)``, every other setting at EconML's
  default (``cv=2``, 100 trees, ``min_samples_leaf=5``, ``max_samples=0.45``, honest); the
  LightGBM nuisances at LightGBM's defaults (100 trees, 31 leaves, rate 0.1) with ``verbose=-1``
  and one thread.
* ``causalml-x``: causalml ``BaseXRegressor(learner=LGBMRegressor())`` (LightGBM defaults,
  ``verbose=-1``, one thread), ``fit`` without ``p`` so causalml estimates the propensity with its
  default (``ElasticNetPropensityModel``, calibrated, clipped to [0.001, 0.999]), and ``predict``
  on the test rows without ``p`` (the same fitted propensity model scores them).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from causalml.inference.meta import BaseXRegressor
from econml.dml import CausalForestDML
from lightgbm import LGBMClassifier, LGBMRegressor

PEERS = ("econml-cf", "causalml-x")


def fit_predict(peer: str, x: np.ndarray, t: np.ndarray, y: np.ndarray, x_test: np.ndarray,
                seed: int, threads: int) -> np.ndarray:
    if peer == "econml-cf":
        model = CausalForestDML(
            model_y=LGBMRegressor(verbose=-1, n_jobs=1, random_state=seed),
            model_t=LGBMClassifier(verbose=-1, n_jobs=1, random_state=seed),
            discrete_treatment=True, random_state=seed, n_jobs=threads)
        model.fit(y, t, X=x)
        return np.asarray(model.effect(x_test), dtype=float).ravel()
    model = BaseXRegressor(learner=LGBMRegressor(verbose=-1, n_jobs=1, random_state=seed),
                           control_name=0)
    model.fit(x, t, y)
    return np.asarray(model.predict(x_test), dtype=float).reshape(x_test.shape[0], -1)[:, 0]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data", nargs="+", required=True)
    p.add_argument("--peers", default=",".join(PEERS))
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    for path in a.data:
        d = np.load(path)
        seed = int(d["seed"])
        for peer in a.peers.split(","):
            t0 = time.perf_counter()
            tau_hat = fit_predict(peer, d["x"], d["t"].astype(int), d["y"], d["x_test"], seed,
                                  a.threads)
            fit = time.perf_counter() - t0
            np.save(Path(path).with_suffix(f".{peer}.npy"), tau_hat)
            pehe = float(np.sqrt(np.mean((tau_hat - d["tau_test"]) ** 2)))
            print(json.dumps({"file": str(path), "peer": peer, "fit": fit, "pehe": pehe}),
                  flush=True)


if __name__ == "__main__":
    main()
