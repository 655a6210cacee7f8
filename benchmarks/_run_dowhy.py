"""DoWhy's propensity-score matching, timed as a whole process by speed_matching.py: pandas
reads the Parquet file; ``CausalModel(...)``, ``identify_effect`` and ``estimate_effect(...,
method_name="backdoor.propensity_score_matching", target_units="att")`` with DoWhy's defaults
(its own LogisticRegression propensity; 1:1 nearest neighbour with replacement, no caliper, no
standard error unless bootstrapped). Prints one JSON line."""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import warnings  # noqa: E402

import pandas as pd  # noqa: E402
from dowhy import CausalModel  # noqa: E402

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
    model = CausalModel(data=df, treatment="treated", outcome="y", common_causes=COVARIATES)
    estimand = model.identify_effect(proceed_when_unidentifiable=True)
    phases["model+identify"] = time.perf_counter() - t
    t = time.perf_counter()
    est = model.estimate_effect(estimand, method_name="backdoor.propensity_score_matching",
                                target_units="att")
    phases["estimate_effect"] = time.perf_counter() - t
    print(json.dumps({"tool": "dowhy", "rows": len(df), "estimate": float(est.value),
                      "se": None, "n_treated": int((df["treated"] == 1).sum()),
                      "n_treated_matched": int((df["treated"] == 1).sum()), "phases": phases,
                      "total_in_process": time.perf_counter() - _T0}))


if __name__ == "__main__":
    main()
