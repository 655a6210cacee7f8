"""causalml's matching without replacement, timed as a whole process by speed_matching.py:
pandas reads the Parquet file, scikit-learn's LogisticRegression (defaults) gives the
propensity score, and ``NearestNeighborMatch(caliper=0.2, replace=False, ratio=1)`` matches
treated to controls on the logit of the score (caliper 0.2 SD of the logit, as truelift's);
the ATT is the difference of the matched groups' means (causalml gives no standard error).
Prints one JSON line."""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from causalml.match import NearestNeighborMatch  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

COVARIATES = [f"x{j}" for j in range(1, 16)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    phases = {"import": time.perf_counter() - _T0}
    t = time.perf_counter()
    df = pd.read_parquet(args.data)
    phases["read"] = time.perf_counter() - t
    t = time.perf_counter()
    x = df[COVARIATES].to_numpy(dtype=float)
    ps = LogisticRegression().fit(x, df["treated"].to_numpy()).predict_proba(x)[:, 1]
    df["logit_ps"] = np.log(ps / (1 - ps))
    phases["propensity"] = time.perf_counter() - t
    t = time.perf_counter()
    matched = NearestNeighborMatch(caliper=0.2, replace=False, ratio=1, shuffle=True,
                                   random_state=0).match(df, treatment_col="treated",
                                                         score_cols=["logit_ps"])
    phases["matching"] = time.perf_counter() - t
    tm = matched["treated"] == 1
    att = float(matched.loc[tm, "y"].mean() - matched.loc[~tm, "y"].mean())
    print(json.dumps({"tool": "causalml", "rows": len(df), "estimate": att, "se": None,
                      "n_treated": int((df["treated"] == 1).sum()),
                      "n_treated_matched": int(tm.sum()), "phases": phases,
                      "total_in_process": time.perf_counter() - _T0}))


if __name__ == "__main__":
    main()
