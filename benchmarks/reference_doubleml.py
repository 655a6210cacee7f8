"""Reference check: truelift's AIPW final stage equals DoubleML's IRM on the same nuisances.

For each dataset and estimand (ATE, ATT), ``tl.observe(..., method="aipw", refute=False,
seed=0)`` is run, then its steps are reproduced (``prepare``, ``canonicalize(prepared,
salt=seed)``, ``_fit_propensity``, ``AIPW().estimate``) to get the cross-fitted nuisances of that
very fit: the clipped propensity ``e`` and, per outcome, ``(m1, m0)`` from ``Fit.extra``. The
reproduction is checked first against ``r.estimate(outcome, method="aipw")`` (value and SE to
1e-12). The same rows, in the same (hash) order, go to ``doubleml.DoubleMLIRM(score="ATE" |
"ATTE", n_folds=5)`` with ``external_predictions = {treatment: {"ml_g0": m0, "ml_g1": m1,
"ml_m": e}}`` (each of shape ``(n, n_rep=1)``), so DoubleML fits no learner of its own and only
its final stage runs. Its propensity clip is set to 1e-12 (``PSProcessorConfig(
clipping_threshold=1e-12)``, the non-deprecated spelling of ``trimming_threshold=1e-12``) so it
leaves truelift's scores, already clipped to [0.01, 0.99], unchanged; no IPW normalization.

Why they should agree to rounding (DoubleML 0.11.4, ``irm/irm.py`` and ``utils/_estimation.py``):

- ATE: ``psi_a = -1``, ``psi_b = g1 - g0 + d (y - g1) / m - (1 - d)(y - g0) / (1 - m)``, so
  ``theta = mean(psi_b)`` = truelift's ``mu1 - mu0``.
- ATTE: with ``p = mean(d)``, ``psi_a = -d / p`` and ``psi_b = d (y - g0) / p - m (1 - d)(y - g0)
  / (p (1 - m))`` (``g1`` cancels), so ``theta = -mean(psi_b) / mean(psi_a)`` = truelift's
  ``mean(Y | T=1) - sum[T m0 + (1-T) e/(1-e) (Y - m0)] / sum T``.
- Variance: DoubleML ``se^2 = mean(psi^2) / (n J^2)`` with ``psi = psi_a theta + psi_b`` and
  ``J = mean(psi_a)`` (= -1 for both scores); truelift ``se^2 = sum(phi^2) / n^2`` with ``phi``
  the centred influence values of ``mu1 - mu0``; ``psi / J`` is ``phi`` row by row, and both
  divide by ``n`` (neither uses ``n - 1``).

Datasets: ``tl.datasets.personalization(n=5000, seed=1)`` (outcomes ``made_purchase``,
``revenue``) and, when ``_acic.py`` can load it, ACIC 2016 instance 2 (outcome ``y``, 58
covariates, 3 categorical, one-hot encoded by truelift). Runs in the peers' venv (it imports
both libraries)::

    benchmarks/.venv-peers/bin/python benchmarks/reference_doubleml.py
    benchmarks/.venv-peers/bin/python benchmarks/reference_doubleml.py --no-write
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _results  # noqa: E402

SECTION = "reference_doubleml"
SEED = 0
LEVEL = 0.95
ESTIMANDS = ("ATE", "ATT")
GOAL = 1e-8
REPRO_TOL = 1e-12


def _datasets() -> list[tuple[str, pd.DataFrame, dict]]:
    import truelift as tl

    data, _ = tl.datasets.personalization(n=5000, seed=1)
    out = [("personalization(n=5000, seed=1)", data, {
        "treatment": "received_personalization", "outcomes": ["made_purchase", "revenue"],
        "covariates": ["engagement_score", "past_purchases", "account_age_days", "device_type"]})]
    if (HERE / "_acic.py").exists():
        import _acic

        inst = _acic.load(2)
        out.append(("ACIC 2016 instance 2", inst.data, {
            "treatment": "z", "outcomes": ["y"], "covariates": list(inst.covariates)}))
    return out


def _reproduce(data: pd.DataFrame, roles_kw: dict, estimand: str):
    """observe's steps up to the AIPW fit: (prepared rows, AIPW Fit)."""
    from truelift.data.prepare import Roles, prepare
    from truelift.nuisance.folds import canonicalize
    from truelift.observational.aipw import AIPW
    from truelift.observational.analysis import _fit_propensity
    from truelift.observational.propensity import propensity_model

    roles = Roles(treatment=roles_kw["treatment"], outcomes=tuple(roles_kw["outcomes"]),
                  covariates=tuple(roles_kw["covariates"]))
    prepared = prepare(data, roles, drop_missing=False)
    prepared, _ = canonicalize(prepared, salt=SEED)
    methods = [AIPW()]
    seeds = np.random.SeedSequence(SEED).spawn(len(methods) + 3)
    nuisance_seed = int(np.random.default_rng(seeds[-1]).integers(2**31 - 1))
    fitted = _fit_propensity(propensity_model("auto"), prepared, nuisance_seed)
    fit = methods[0].estimate(prepared, estimand=estimand, level=LEVEL, propensity=fitted,
                              rng=np.random.default_rng(seeds[0]))
    return prepared, fit


def _doubleml(prepared, treatment: str, outcome: str, estimand: str, e, m1, m0):
    import doubleml as dml
    from doubleml.utils import PSProcessorConfig
    from sklearn.linear_model import LinearRegression, LogisticRegression

    cols = [f"x{j}" for j in range(prepared.x.shape[1])]
    df = pd.DataFrame(prepared.x, columns=cols)
    df[outcome] = prepared.y[outcome]
    df[treatment] = prepared.t.astype(float)
    data = dml.DoubleMLData(df, y_col=outcome, d_cols=treatment, x_cols=cols)
    model = dml.DoubleMLIRM(data, ml_g=LinearRegression(), ml_m=LogisticRegression(),
                            n_folds=5, score="ATE" if estimand == "ATE" else "ATTE",
                            ps_processor_config=PSProcessorConfig(clipping_threshold=1e-12))
    preds = {treatment: {"ml_g0": m0[:, None], "ml_g1": m1[:, None], "ml_m": e[:, None]}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # binary outcome with a regressor ml_g
        model.fit(external_predictions=preds)
    # the predictions DoubleML used (after its own propensity processing) against those given
    used = model.predictions
    d_nu = max(float(np.max(np.abs(used[k][:, 0, 0] - v)))
               for k, v in (("ml_m", e), ("ml_g0", m0), ("ml_g1", m1)))
    return float(model.coef[0]), float(model.se[0]), d_nu


def run() -> list[dict]:
    import truelift as tl

    rows = []
    for label, data, kw in _datasets():
        for estimand in ESTIMANDS:
            t0 = time.perf_counter()
            r = tl.observe(data, **kw, method="aipw", estimand=estimand, refute=False, seed=SEED)
            prepared, fit = _reproduce(data, kw, estimand)
            nu = fit.extra
            models = r.provenance.parameters.get("nuisance_models", {})
            for est in fit.estimates:
                ref = r.estimate(est.outcome, method="aipw")
                d_val, d_se = abs(est.value - ref.value), abs(est.se - ref.se)
                if d_val > REPRO_TOL or d_se > REPRO_TOL:
                    raise SystemExit(f"{label} {estimand} {est.outcome}: the reproduction differs "
                                     f"from observe (value {d_val:.3g}, se {d_se:.3g})")
                m1, m0 = nu.outcome_means[est.outcome]
                coef, se, d_m = _doubleml(prepared, kw["treatment"], est.outcome, estimand,
                                          nu.e, m1, m0)
                rows.append({
                    "dataset": label, "estimand": estimand, "outcome": est.outcome,
                    "n": int(prepared.n), "models": f"e: {models.get('propensity', '?')}, "
                                                    f"m: {models.get(est.outcome, '?')}",
                    "repro": max(d_val, d_se), "tl": ref.value, "tl_se": ref.se,
                    "dml": coef, "dml_se": se, "d_m": d_m,
                    "d_coef": abs(coef - ref.value), "r_coef": abs(coef - ref.value) / abs(ref.value),
                    "d_se": abs(se - ref.se), "r_se": abs(se - ref.se) / ref.se,
                    "se_ratio": se / ref.se})
            print(f"{label} {estimand}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return rows


def report(rows: list[dict], wall: float) -> str:
    import doubleml

    import truelift

    worst_coef = max(r["r_coef"] for r in rows)
    worst_se = max(r["r_se"] for r in rows)
    ok = all(r["d_coef"] <= GOAL and r["r_coef"] <= GOAL and r["d_se"] <= GOAL
             and r["r_se"] <= GOAL for r in rows)
    lines = [
        "## truelift's AIPW final stage against DoubleML's IRM on the same nuisances "
        "(`reference_doubleml.py`)",
        "",
        f"Command: `{_results.command_line()}`  ",
        f"Run: {_results.machine_line()}  ",
        f"truelift {truelift.__version__}, DoubleML {doubleml.__version__}; 1 process, wall time "
        f"{wall:.0f} s.",
        "",
        "Per dataset and estimand, `tl.observe(..., method=\"aipw\", refute=False, seed=0)`; its "
        "steps reproduced to read the cross-fitted nuisances (clipped propensity `e`, outcome "
        "means `m1`, `m0`) of that very fit (the reproduction matches `r.estimate(...)` within "
        "the `repro` column, value and SE); the same rows in the same order given to "
        "`DoubleMLIRM(n_folds=5, score=\"ATE\" | \"ATTE\")` as `external_predictions` "
        "(`ml_g0 = m0`, `ml_g1 = m1`, `ml_m = e`, shape `(n, 1)`), DoubleML's propensity clip "
        "at 1e-12 (it leaves truelift's scores, clipped to [0.01, 0.99], unchanged), no IPW "
        "normalization; `Δ nuis.` = the largest |prediction DoubleML used - the one given| over "
        "`ml_m`, `ml_g0`, `ml_g1` (0: it fitted none of its own). Δ = |DoubleML - truelift|, "
        f"rel = Δ / |truelift|. Goal: every Δ and rel <= {GOAL:g}.",
        "",
        "| dataset | estimand | outcome | n | nuisance models | repro | truelift estimate | "
        "DoubleML coef | Δ coef | rel coef | truelift SE | DoubleML SE | Δ SE | rel SE | "
        "SE ratio | Δ nuis. |",
        "| --- | --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
        "---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['dataset']} | {r['estimand']} | {r['outcome']} | {r['n']:,} | {r['models']} | "
            f"{r['repro']:.1e} | {r['tl']:.10g} | {r['dml']:.10g} | {r['d_coef']:.1e} | "
            f"{r['r_coef']:.1e} | {r['tl_se']:.10g} | {r['dml_se']:.10g} | {r['d_se']:.1e} | "
            f"{r['r_se']:.1e} | {r['se_ratio']:.15f} | {r['d_m']:.1e} |")
    lines += [
        "",
        f"Result: {'goal met' if ok else 'GOAL MISSED'}; largest relative difference "
        f"{worst_coef:.1e} (estimate), {worst_se:.1e} (SE). Both libraries divide the squared "
        "score by n (DoubleML `mean(psi^2) / (n J^2)`, J = mean(psi_a) = -1 for ATE and ATTE; "
        "truelift `sum(phi^2) / n^2`), so no n / (n - 1) factor separates the SEs; the ATT "
        "score's `p = mean(d)` is the same in both.",
    ]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md")
    args = p.parse_args()
    start = time.perf_counter()
    rows = run()
    body = report(rows, time.perf_counter() - start)
    if not args.no_write:
        _results.write_section(SECTION, body)
    print(body)


if __name__ == "__main__":
    main()
