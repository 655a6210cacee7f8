"""``truelift uplift``: who benefits, and a targeting rule."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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


def parse_cost(text: str | None) -> float | dict[str, float] | None:
    """``--cost 0.5`` (every arm) or ``--cost mens=0.5,womens=0.6`` (per arm label)."""
    if text is None:
        return None
    try:
        if "=" in text:
            return {k.strip(): float(v) for k, v in (p.split("=", 1) for p in text.split(",") if p.strip())}
        return float(text)
    except ValueError:
        raise BadInput(f"--cost must be NUM or ARM=NUM,...; got {text!r}") from None


@app.command()
def uplift(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file, one row per customer.",
                                         metavar="FILE", show_default=False)],
    treatment: Annotated[str, typer.Option("--treatment", help="The arm column (control and one or "
                                           "more treatment arms).", show_default=False)],
    outcome: Annotated[list[str], typer.Option("--outcome", help="Outcome column; repeat or comma "
                                               "list (the first is valued by the policy).",
                                               show_default=False)],
    covariates: Annotated[list[str], typer.Option(
        "--covariates", help="Pre-treatment columns; repeat or comma separated.", show_default=False)],
    control: Annotated[str | None, typer.Option(help="Label of the control arm (tried as int, then "
                                                "float, else text). [default: 0 of a 0/1 column]")] = None,
    learner: Annotated[str, typer.Option(help="s, t, x, dr, r or cf (causal forest).")] = "dr",
    base: Annotated[str, typer.Option(help="Base models: lightgbm, gbm or linear.")] = "lightgbm",
    design: Annotated[str, typer.Option(help="randomized (known propensity) or observational "
                                        "(estimated).")] = "randomized",
    propensity: Annotated[str | None, typer.Option(help="Column of known treatment probabilities "
                                                   "(randomized, two arms).")] = None,
    value: Annotated[float | None, typer.Option(help="Value of one unit of the first outcome (e.g. "
                                                "margin per conversion).")] = None,
    cost: Annotated[str | None, typer.Option(help="Cost of treating one customer: NUM, or "
                                             "ARM=NUM,... per arm.")] = None,
    max_customers: Annotated[int | None, typer.Option(help="Budget: at most this many customers "
                                                      "treated.")] = None,
    max_spend: Annotated[float | None, typer.Option(help="Budget: at most this much spent on "
                                                    "treatment.")] = None,
    segment: Annotated[list[str] | None, typer.Option(help="Pre-specified segment covariate; repeat "
                                                      "or comma list.")] = None,
    categorical: Annotated[list[str] | None, typer.Option(help="Covariates to one-hot encode though "
                                                    "numeric, repeat or comma separated.")] = None,
    unit: Annotated[str | None, typer.Option("--unit", "--id", help="Customer id column (kept in "
                                           "--scores).")] = None,
    folds: Annotated[int | None, typer.Option(
        help="Cross-fitting folds (default: 5 below 100,000 rows, else 3).")] = None,
    level: Annotated[float, typer.Option(help="Confidence level.")] = 0.95,
    seed: Annotated[int, typer.Option(help="Seed of every random step.")] = 0,
    drop_missing: Annotated[bool, typer.Option("--drop-missing", help="Drop (and count) rows "
                                               "with a missing covariate.")] = False,
    report: Annotated[Path | None, typer.Option(help="Write the HTML report here.")] = None,
    json: Annotated[Path | None, typer.Option("--json", help="Write the JSON result here.")] = None,
    scores: Annotated[Path | None, typer.Option(help="Write the per-customer scores and decisions "
                                                "(CSV) here.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 3 when the verdict is FAIL.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary, no progress.")] = False,
    compact: Compact = False,
) -> None:
    """Who benefits: per-customer effects, honest uplift evaluation, groups and a targeting rule."""
    try:
        from truelift.hte.analysis import uplift as run_uplift

        refuse_overwriting_inputs((file,), {"--report": report, "--json": json,
                                             "--scores": scores})
        analysis = run(
            quiet, run_uplift, data=str(file), treatment=treatment, outcome=split_names(outcome),
            covariates=split_names(covariates), control=parse_label(control), learner=learner, base=base,
            design=design, propensity=propensity, value=value, cost=parse_cost(cost),
            max_customers=max_customers, max_spend=max_spend, segments=split_names(segment),
            categorical=split_names(categorical), unit=unit, folds=folds, level=level, seed=seed,
            drop_missing=drop_missing)
        render(analysis, quiet=quiet, compact=compact, report=report, json=json, scores=scores)
    except TrueliftError as exc:
        raise error(str(exc)) from None
    strict_exit(analysis, strict)


