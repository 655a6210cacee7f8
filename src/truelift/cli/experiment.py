"""``truelift readout`` and ``truelift plan``: randomized tests."""

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


def parse_cuped(values: Sequence[str] | None) -> dict[str, list[str]] | list[str] | None:
    """``--cuped METRIC:COV[,COV]`` per metric, or ``--cuped COV[,COV]`` for every metric."""
    if not values:
        return None
    per_metric: dict[str, list[str]] = {}
    common: list[str] = []
    for v in values:
        if ":" in v:
            metric, covs = v.split(":", 1)
            if not metric.strip() or not split_names(covs):
                raise BadInput(f"--cuped must be METRIC:COV[,COV] or COV[,COV]; got {v!r}")
            per_metric.setdefault(metric.strip(), []).extend(split_names(covs))
        else:
            common.extend(split_names(v))
    if per_metric and common:
        raise BadInput("--cuped: give covariates per metric (METRIC:COV) or for all metrics, not both")
    return per_metric or common


def parse_split(text: str | None) -> dict[Any, float] | list[float] | None:
    """``--split control=0.5,treatment=0.5`` or ``--split 50,50`` (shares in sorted label order)."""
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        if all("=" in p for p in parts):
            return {parse_label(k.strip()): float(v) for k, v in (p.split("=", 1) for p in parts)}
        return [float(p) for p in parts]
    except ValueError:
        raise BadInput(f"--split must be LABEL=SHARE,... or SHARE,...; got {text!r}") from None


@app.command()
def readout(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file: one row per user (or per event "
                                         "with --unit).", metavar="FILE", show_default=False)],
    treatment: Annotated[str, typer.Option("--treatment", "--variant", help="The column holding each "
                                           "user's arm (--variant: its old name).", show_default=False)],
    outcome: Annotated[list[str], typer.Option("--outcome", "--metric", help="Primary metric: a column "
                                               "(0/1 = proportion, else mean) or NAME=NUM/DEN for a ratio; "
                                              "repeat or comma separated.", show_default=False)],
    control: Annotated[str | None, typer.Option(help="Label of the control arm (tried as int, then "
                                                "float, else text). [default: control]")] = None,
    guardrail: Annotated[list[str] | None, typer.Option(help="Guardrail metric (same forms); "
                                                        "repeat or comma separated.")] = None,
    cuped: Annotated[list[str] | None, typer.Option("--covariates", "--cuped", help="CUPED pre-period "
                                                    "covariates: METRIC:COV[,COV] or COV[,COV] for every "
                                                    "metric; repeat or comma separated.")] = None,
    segment: Annotated[list[str] | None, typer.Option(help="Segment column; repeat or comma "
                                                      "list.")] = None,
    funnel: Annotated[list[str] | None, typer.Option(
        help="Nested 0/1 funnel stage columns, in order; repeat or comma separated.")] = None,
    time: Annotated[str | None, typer.Option(help="Enrolment time column (e.g. day): cumulative "
                                             "path and sequential looks.")] = None,
    unit: Annotated[str | None, typer.Option(help="User id column when rows are events (summed to "
                                             "users).")] = None,
    split: Annotated[str | None, typer.Option(help="Planned split: LABEL=SHARE,... or SHARE,... "
                                              "[default: equal]")] = None,
    level: Annotated[float, typer.Option(help="Confidence level of every interval; tests are at "
                                         "1 - level.")] = 0.95,
    alpha: Annotated[float | None, typer.Option(hidden=True, help="Old form of --level: "
                                                "--alpha A is --level 1-A.")] = None,
    correction: Annotated[str, typer.Option(help="holm, bh or none.")] = "holm",
    family: Annotated[str, typer.Option(help="primary (guardrails apart) or all.")] = "primary",
    relative: Annotated[str, typer.Option(help="Relative-lift interval: delta or fieller.")] = "delta",
    sequential: Annotated[str | None, typer.Option(help="always-valid, obrien-fleming or "
                                                   "pocock.")] = None,
    horizon: Annotated[int | None, typer.Option(help="Planned total users (sequential).")] = None,
    no_bayes: Annotated[bool, typer.Option("--no-bayes", help="Skip the Bayesian readout.")] = False,
    drop_missing: Annotated[bool, typer.Option("--drop-missing", "--dropna", help="Drop (and count) rows "
                                               "with a missing metric or covariate.")] = False,
    seed: Annotated[int, typer.Option(help="Seed of the Bayesian Monte Carlo.")] = 0,
    report: Annotated[Path | None, typer.Option(help="Write the HTML report here.")] = None,
    json: Annotated[Path | None, typer.Option("--json", help="Write the JSON result here.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 3 when the verdict is FAIL.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary, no progress.")] = False,
    compact: Compact = False,
) -> None:
    """Read out a randomized A/B/n test: lifts with intervals, SRM, corrections, segments, funnel."""
    from truelift.experiment.readout import readout as run_readout

    try:
        refuse_overwriting_inputs((file,), {"--report": report, "--json": json})
        analysis = run(
            quiet, run_readout, data=str(file), treatment=treatment, control=parse_label(control),
            outcome=split_names(outcome), guardrails=split_names(guardrail), covariates=parse_cuped(cuped),
            segments=split_names(segment), funnel=split_names(funnel), time=time, unit=unit,
            split=parse_split(split), level=level if alpha is None else 1.0 - alpha,
            correction=correction, family=family, relative=relative, sequential=sequential,
            horizon=horizon, bayes=not no_bayes, drop_missing=drop_missing, seed=seed)
        render(analysis, quiet=quiet, compact=compact, report=report, json=json)
    except TrueliftError as exc:
        raise error(str(exc)) from None
    strict_exit(analysis, strict)


@app.command()
def plan(
    metric: Annotated[str, typer.Argument(help="proportion or mean.", metavar="METRIC")] = "proportion",
    baseline: Annotated[float | None, typer.Option(help="Control conversion rate (0-1) or control "
                                                   "mean. [required]", show_default=False)] = None,
    sd: Annotated[float | None, typer.Option(help="Standard deviation of the outcome (means).")] = None,
    mde: Annotated[float | None, typer.Option(help="Smallest lift worth detecting (absolute, or "
                                              "relative with --relative).")] = None,
    relative: Annotated[bool, typer.Option("--relative", help="--mde is relative (0.05 = +5%).")] = False,
    n: Annotated[int | None, typer.Option("--n", help="Users per arm (solve for the MDE or the "
                                          "power).")] = None,
    power: Annotated[float | None, typer.Option(help="Power. [default: 0.8 unless --mde and --n "
                                                "are given]")] = None,
    alpha: Annotated[float, typer.Option(help="Family-wise significance level.")] = 0.05,
    variants: Annotated[int, typer.Option(help="Treatment arms besides control.")] = 1,
    split: Annotated[str | None, typer.Option(help="Traffic shares per arm, control first, e.g. "
                                              "50,25,25. [default: equal]")] = None,
    sided: Annotated[int, typer.Option(help="1 or 2.")] = 2,
    correction: Annotated[str, typer.Option(help="holm, bonferroni or none.")] = "holm",
    daily_traffic: Annotated[float | None, typer.Option(help="Eligible users per day, all arms "
                                                        "together.")] = None,
    sequential: Annotated[str | None, typer.Option(help="always-valid, obrien-fleming or "
                                                   "pocock.")] = None,
    looks: Annotated[int, typer.Option(help="Planned looks (group-sequential).")] = 5,
    variance_reduction: Annotated[float, typer.Option(help="Expected CUPED variance reduction "
                                                      "(1 - rho^2), 0-1.")] = 0.0,
    json: Annotated[Path | None, typer.Option("--json", help="Write the JSON result here.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write the HTML report here.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary.")] = False,
    compact: Compact = False,
) -> None:
    """Plan a randomized test: users per arm, power or detectable lift, and duration."""
    from truelift.experiment.plan import plan as run_plan

    try:
        if baseline is None:
            raise BadInput("--baseline is required (control conversion rate or mean)")
        shares = None
        if split is not None:
            parsed = parse_split(split)
            if isinstance(parsed, dict):
                raise BadInput("--split for a plan takes shares only, control first (e.g. 50,50)")
            shares = parsed
        result = run_plan(metric, baseline=baseline, sd=sd, mde=mde, relative=relative, n_per_arm=n,
                          power=power, alpha=alpha, variants=variants, split=shares, sided=sided,
                          correction=correction, daily_traffic=daily_traffic, sequential=sequential,
                          looks=looks, variance_reduction=variance_reduction)
        render(result, quiet=quiet, compact=compact, report=report, json=json)
    except TrueliftError as exc:
        raise error(str(exc)) from None


