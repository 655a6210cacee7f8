"""``truelift observe``: the causal lift of a non-randomized treatment."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from truelift.cli.shared import (
    BadInput,
    Compact,
    app,
    error,
    parse_label,
    refuse_overwriting_inputs,
    render,
    run,
    split_names,
    strict_exit,
)
from truelift.errors import TrueliftError


def parse_trim(text: str | None) -> str | tuple[float, float] | None:
    """``none`` (no trimming), ``crump``, or ``LOW,HIGH`` propensity-score bounds."""
    if text is None or text.strip().lower() == "none":
        return None
    if text.strip().lower() == "crump":
        return "crump"
    parts = text.split(",")
    try:
        lo, hi = (float(p) for p in parts)
    except ValueError:
        raise BadInput(f"--trim must be none, crump or LOW,HIGH (e.g. 0.05,0.95); got {text!r}") \
            from None
    if not (0.0 <= lo < hi <= 1.0):
        raise BadInput(f"--trim bounds must satisfy 0 <= LOW < HIGH <= 1; got {text!r}")
    return (lo, hi)


def parse_caliper(text: str | None) -> float | None:
    """A caliper in SDs of the logit score, or ``none``."""
    if text is None or text.strip().lower() == "none":
        return None
    try:
        value = float(text)
    except ValueError:
        raise BadInput(f"--caliper must be a number of SDs or none; got {text!r}") from None
    return value


def build_methods(method: Sequence[str] | None, *, k: int, caliper: float | None, replace: bool,
                  exact: Sequence[str]) -> list[Any]:
    """Method keys (repeatable or comma list; ``all``), with matching built from the flags."""
    from truelift.observational.analysis import DEFAULT_ORDER, METHODS
    from truelift.observational.matching import Matching

    keys = split_names(method) or ["all"]
    expanded: list[str] = []
    for raw in keys:
        key = raw.lower()
        if key == "all":
            expanded.extend(DEFAULT_ORDER)
        elif key in METHODS:
            expanded.append(key)
        else:
            raise BadInput(f"unknown method {key!r}; choose from {', '.join(METHODS)} or all")
    expanded = list(dict.fromkeys(expanded))
    out: list[Any] = []
    for key in expanded:
        if key == "match":
            out.append(Matching(k=k, caliper=caliper, replace=replace, exact=tuple(exact)))
        else:
            out.append(key)
    return out


def run_observe(quiet: bool, **kwargs: Any) -> Any:
    """Run ``truelift.observe`` through :func:`run` (progress bar, warnings as one-liners)."""
    from truelift.observational.analysis import observe as run_observe

    return run(quiet, run_observe, **kwargs)


@app.command()
def observe(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file, one row per unit.",
                                         metavar="FILE", show_default=False)],
    treatment: Annotated[str, typer.Option("--treatment", help="The 0/1 or two-label "
                                           "treatment column.", show_default=False)],
    outcome: Annotated[list[str], typer.Option("--outcome", help="Outcome column; repeat or "
                                               "give a comma list.", show_default=False)],
    covariates: Annotated[list[str], typer.Option("--covariates", help="Pre-treatment columns, "
                                            "repeat or comma separated.", show_default=False)],
    categorical: Annotated[list[str] | None, typer.Option(help="Covariates to one-hot encode though "
                                                    "numeric, repeat or comma separated.")] = None,
    treated: Annotated[str | None, typer.Option(help="Label of the treated arm (tried as int, "
                                                "then float, else text).")] = None,
    unit: Annotated[str | None, typer.Option("--unit", "--id", help="Unit id column (for "
                                           "--export-matches; its hash assigns the "
                                           "cross-fitting folds).")] = None,
    method: Annotated[list[str] | None, typer.Option(
        help="aipw, ipw, match, regression, ebal (entropy balancing), overlap (overlap weights: "
             "the ATO) or all (the first four); repeat or comma list; the first is primary. "
             "[default: all]")] = None,
    estimand: Annotated[str, typer.Option(help="att, ate or atc.")] = "att",
    propensity: Annotated[str, typer.Option(
        help="Propensity model: auto (penalized logistic or LightGBM, whichever has the lower "
             "out-of-fold log loss), logistic, gbm or mle (unpenalized).")] = "auto",
    trim: Annotated[str, typer.Option(help="none, crump, or LOW,HIGH score bounds.")] = "none",
    caliper: Annotated[str, typer.Option(help="Matching caliper in SDs of the logit score, "
                                         "or none.")] = "0.2",
    k: Annotated[int, typer.Option("--k", help="Matches per unit.")] = 1,
    no_replacement: Annotated[bool, typer.Option("--no-replacement", help="Match without "
                                                 "replacement (greedy).")] = False,
    exact: Annotated[list[str] | None, typer.Option(help="Categorical covariates to match exactly, "
                                              "repeat or comma separated.")] = None,
    level: Annotated[float, typer.Option(help="Confidence level.")] = 0.95,
    seed: Annotated[int, typer.Option(help="Seed of every random step.")] = 0,
    drop_missing: Annotated[bool, typer.Option("--drop-missing", help="Drop (and count) rows "
                                               "with a missing covariate.")] = False,
    no_refute: Annotated[bool, typer.Option("--no-refute", help="Skip the placebo and "
                                            "random-common-cause refutations.")] = False,
    customers: Annotated[int | None, typer.Option(help="Customer base for the rollout "
                                                  "projection.")] = None,
    rollout: Annotated[float, typer.Option(help="Share of the customers reached by the "
                                           "rollout.")] = 1.0,
    report: Annotated[Path | None, typer.Option(help="Write the HTML report here.")] = None,
    json: Annotated[Path | None, typer.Option("--json", help="Write the JSON result here.")] =
        None,
    export_matches: Annotated[Path | None, typer.Option(help="Write the matched pairs (CSV) "
                                                        "here.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 3 when the verdict is "
                                         "FAIL.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary, no progress.")] =
        False,
    compact: Compact = False,
) -> None:
    """Estimate the causal lift of a non-randomized treatment (naive vs adjusted, with checks)."""
    try:
        exact_cols = split_names(exact)
        methods = build_methods(method, k=k, caliper=parse_caliper(caliper),
                                replace=not no_replacement, exact=exact_cols)
        if export_matches is not None and not any(not isinstance(m, str) for m in methods):
            raise BadInput("--export-matches needs the method match (e.g. --method match or all)")
        refuse_overwriting_inputs((file,), {"--report": report, "--json": json,
                                             "--export-matches": export_matches})
        analysis = run_observe(
            quiet, data=str(file), treatment=treatment, outcome=split_names(outcome),
            covariates=split_names(covariates), categorical=split_names(categorical),
            treated=parse_label(treated), unit=unit, method=methods, estimand=estimand,
            propensity=propensity, trim=parse_trim(trim), level=level, seed=seed,
            drop_missing=drop_missing, refute=not no_refute, customers=customers,
            rollout=rollout)
        render(analysis, quiet=quiet, compact=compact,
                report=report, json=json, export_matches=export_matches)
    except TrueliftError as exc:
        raise error(str(exc)) from None
    strict_exit(analysis, strict)


