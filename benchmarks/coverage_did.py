"""Bias and 95% coverage of the staggered DiD estimators on simulated panels with known truth.

Each replication draws ``staggered_panel(units=--units, periods=--periods, cohorts=(3, 5, 7),
effect=1, dynamic=0.3, seed=BASE + r)`` (effects grow by 0.3 per period after adoption; 25%
never treated) and estimates the overall ATT (the ``did`` "simple" aggregation; its truth is
``truth.att``, the cohort-size weighted mean of the post cells) with

* Callaway & Sant'Anna (2021), never-treated controls, analytic influence-function SE
  (``truelift.quasi.staggered``, normal 95% interval);
* TWFE ``y ~ treated | unit + period`` with CRV1 by unit (pyfixest; t(G-1) interval), the
  negative control: biased under growing effects with staggered adoption (Goodman-Bacon 2021).

Also the coverage of the dynamic ATT(e) intervals for e = 0..3. Prints a markdown table.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/coverage_did.py --reps 2000
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _results

BASE = 20_250_905
Z = 1.959963984540054


def one(r: int, units: int, periods: int) -> dict:
    import pyfixest as pf

    from truelift.datasets._quasi_did import staggered_panel
    from truelift.quasi import staggered as st

    d, truth = staggered_panel(units=units, periods=periods, cohorts=(3, 5, 7), seed=BASE + r)
    y = d.pivot(index="unit", columns="period", values="y").to_numpy()
    g = d.groupby("unit")["cohort"].first().to_numpy().astype(float)
    gt = st.group_time_att(y, np.where(g > 0, g - 1, np.inf))
    agg = st.simple_att(gt)
    out = {"cs": (agg.value, agg.se())}
    dyn = st.dynamic_att(gt, np.arange(0, 4))
    for e, a in dyn.items():
        out[f"cs_e{e}"] = (a.value, a.se())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = pf.feols("y ~ treated | unit + period", data=d, vcov={"CRV1": "unit"})
    lo, hi = m.confint().loc["treated"]
    out["twfe"] = (float(m.coef()["treated"]), float(m.se()["treated"]), float(lo), float(hi))
    out["truth"] = truth.att
    out["truth_e"] = {e: truth.dynamic[e] for e in range(4)}
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--periods", type=int, default=8)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rows = [one(r, args.units, args.periods) for r in range(args.reps)]
    minutes = (time.perf_counter() - start) / 60

    def summarise(name: str, est: np.ndarray, se: np.ndarray, truth: np.ndarray,
                  lo: np.ndarray | None = None, hi: np.ndarray | None = None) -> str:
        lo = est - Z * se if lo is None else lo
        hi = est + Z * se if hi is None else hi
        cover = np.mean((lo <= truth) & (truth <= hi))
        bias = np.mean(est - truth)
        mcse = np.std(est - truth, ddof=1) / np.sqrt(est.size)
        return (f"| {name} | {bias:+.4f} ± {mcse:.4f} | {np.std(est, ddof=1):.4f} | {np.mean(se):.4f} | "
                f"{cover:.3f} ± {np.sqrt(cover * (1 - cover) / est.size):.3f} |")

    truth = np.array([r["truth"] for r in rows])
    cs = np.array([r["cs"] for r in rows])
    tw = np.array([r["twfe"] for r in rows])
    lines = [f"### Staggered DiD: {args.reps} replications, {args.units} units × {args.periods} periods",
             "", f"- Command: `{_results.command_line()}` — {_results.machine_line()}; took "
             f"{minutes:.1f} min.", "",
             "| estimator | bias ± MC se | SD of estimates | mean SE | 95% coverage ± binomial se |",
             "| --- | --- | --- | --- | --- |",
             summarise("Callaway-Sant'Anna overall ATT (IF se)", cs[:, 0], cs[:, 1], truth),
             summarise("TWFE (CRV1, t(G-1)) — negative control", tw[:, 0], tw[:, 1], truth,
                       tw[:, 2], tw[:, 3])]
    for e in range(4):
        est = np.array([r[f"cs_e{e}"] for r in rows])
        te = np.array([r["truth_e"][e] for r in rows])
        lines.append(summarise(f"Callaway-Sant'Anna ATT(e={e})", est[:, 0], est[:, 1], te))
    lines += ["", "Target band for 95% coverage with ≥ 2,000 replications: [0.93, 0.97] (DESIGN.md)."]
    body = "\n".join(lines)
    print(body)
    if not args.no_write:
        title = "## Coverage of the staggered DiD (`coverage_did.py`)"
        _results.write_section("coverage_did", title + "\n\n" + body)


if __name__ == "__main__":
    main()
