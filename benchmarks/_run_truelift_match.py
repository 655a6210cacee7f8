"""truelift, timed as a whole process by speed_matching.py: read the Parquet file, fit the
logistic propensity, match for the ATT (``Matching()`` defaults: k=1, caliper 0.2 SD of the
logit score, with replacement; ``--no-replace`` for greedy matching without replacement) with
Abadie–Imbens standard errors, and build the balance table. Prints one JSON line."""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402

import numpy as np  # noqa: E402

import truelift.data as tld  # noqa: E402
from truelift.observational.balance import balance_table  # noqa: E402
from truelift.observational.matching import Matching  # noqa: E402
from truelift.observational.propensity import LogisticPropensity  # noqa: E402

COVARIATES = [f"x{j}" for j in range(1, 16)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--no-replace", action="store_true")
    args = parser.parse_args()
    phases = {"import": time.perf_counter() - _T0}
    t = time.perf_counter()
    data = tld.prepare(args.data, tld.Roles(treatment="treated", outcomes=["y"],
                                            covariates=COVARIATES))
    phases["read+prepare"] = time.perf_counter() - t
    t = time.perf_counter()
    prop = LogisticPropensity().fit(data.x, data.t)
    phases["propensity"] = time.perf_counter() - t
    t = time.perf_counter()
    fit = Matching(replace=not args.no_replace).estimate(
        data, estimand="ATT", level=0.95, propensity=prop, rng=np.random.default_rng(0))
    phases["matching+SE"] = time.perf_counter() - t
    t = time.perf_counter()
    bal = balance_table(data.x, data.x_names, data.t, fit.weights, "match")
    phases["balance"] = time.perf_counter() - t
    est = fit.estimates[0]
    sets = fit.extra
    print(json.dumps({
        "tool": "truelift", "rows": data.n, "estimate": est.value, "se": est.se,
        "n_treated": data.n_treated, "n_treated_matched": int(sets.unit.shape[0]),
        "max_abs_smd_after": bal.max_abs_smd_after, "phases": phases,
        "total_in_process": time.perf_counter() - _T0}))


if __name__ == "__main__":
    main()
