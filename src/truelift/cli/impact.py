"""The impact sub-commands of ``truelift`` (``project``, ``decompose``, ``funnel``, ``ltv``): thin,
like the rest of :mod:`truelift.cli`, registered on :data:`truelift.cli.shared.app`.

``truelift project RESULT.json`` takes the ``--json`` file of any other command (``observe``,
``readout``, ``uplift``, ``did``, ...) and projects its effect to a rollout:
``truelift observe … --json r.json && truelift project r.json --customers 1000000 --rollout 0.5``.
"""


from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from truelift.cli.shared import (
    BadInput,
    Compact,
    DateFormat,
    DropMissing,
    File,
    Json,
    Level,
    Quiet,
    Report,
    Strict,
    app,
    error,
    go,
    parse_label,
    refuse_overwriting_inputs,
    split_names,
    stderr_console,
    strict_exit,
)
from truelift.errors import TrueliftError


def parse_rollouts(text: Sequence[str] | str | None) -> list[float] | None:
    """``--rollout 0.25,0.5,1`` (or the flag repeated) -> the rollout share of each scenario."""
    if not text:
        return None
    try:
        return [float(p) for p in split_names(text)]
    except ValueError:
        raise BadInput(f"--rollout must be SHARE or SHARE,SHARE,... (0 to 1); got {text!r}") from None


@app.command()
def project(
    result: Annotated[Path, typer.Argument(help="A result saved by another command with --json.",
                                           metavar="RESULT.json", show_default=False)],
    customers: Annotated[float, typer.Option(help="Customers the change could reach.", show_default=False)],
    rollout: Annotated[list[str] | None, typer.Option(
        help="Rollout share(s), repeat or comma separated: one scenario "
                                                "each. [default: baseline 0.25, moderate 0.5, "
                                                "aggressive 1]")] = None,
    outcome: Annotated[str | None, typer.Option(help="Which measured outcome (or estimate name) to "
                                                "project. [default: the result's headline]")] = None,
    value: Annotated[float | None, typer.Option(help="Money per unit of the outcome (e.g. margin per "
                                                "conversion). [default: 1]")] = None,
    cost: Annotated[float, typer.Option(help="Cost per customer reached and period.")] = 0.0,
    fixed_cost: Annotated[float, typer.Option(help="One-off cost of the rollout.")] = 0.0,
    horizon: Annotated[int, typer.Option(help="Periods projected.")] = 12,
    decay: Annotated[float, typer.Option(help="Share of the effect lost each period.")] = 0.0,
    target: Annotated[float | None, typer.Option(help="A profit target: report the chance of "
                                                 "reaching it.")] = None,
    draws: Annotated[int, typer.Option(help="Monte Carlo draws of the effect.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed of the draws.")] = 0,
    level: Level = 0.95,
    brief: Annotated[Path | None, typer.Option(help="Write the one-page decision brief (HTML) "
                                               "here.")] = None,
    report: Report = None, json: Json = None, strict: Strict = False, quiet: Quiet = False,
    compact: Compact = False,
) -> None:
    """What it is worth: rollout scenarios with Monte Carlo ranges, and a decision brief."""
    from truelift.impact.scenarios import Scenario
    from truelift.impact.scenarios import project as run

    try:
        shares = parse_rollouts(rollout)
        scenarios = None if shares is None else [Scenario(f"rollout {100 * r:g}%", r) for r in shares]
        if brief is not None:

            refuse_overwriting_inputs([str(result)], {"--brief": brief, "--report": report,
                                                       "--json": json})
    except TrueliftError as exc:
        raise error(str(exc)) from None
    analysis = go(run, quiet=quiet, compact=compact,
                   report=report, json=json, strict=False, result=str(result),
                   customers=customers, scenarios=scenarios, outcome=outcome, value=value,
                   cost_per_customer=cost, fixed_cost=fixed_cost, horizon=horizon, decay=decay,
                   target=target, draws=draws, seed=seed, level=level)
    if brief is not None:
        from truelift.report.project import write_brief

        try:
            path = write_brief(analysis, brief)
        except OSError as exc:
            raise error(f"cannot write {exc.filename or ''}: {exc.strerror or exc}") from None
        if not quiet:
            stderr_console().print(f"wrote decision brief: {path}", markup=False)

    strict_exit(analysis, strict)


@app.command()
def decompose(
    file: File,
    treatment: Annotated[str, typer.Option("--treatment", "--variant", help="The arm column (--variant: "
                                           "its old name).", show_default=False)],
    control: Annotated[str, typer.Option(help="Label of the control arm.", show_default=False)],
    revenue: Annotated[str, typer.Option(help="Revenue per customer column.", show_default=False)],
    orders: Annotated[str, typer.Option(help="Orders per customer column.", show_default=False)],
    converted: Annotated[str | None, typer.Option(help="0/1 converted column. [default: orders > 0]")] = None,
    level: Level = 0.95, drop_missing: DropMissing = False, report: Report = None, json: Json = None,
    strict: Strict = False, quiet: Quiet = False, compact: Compact = False,
) -> None:
    """Revenue per customer lift split into conversion, orders per converter and order value."""
    from truelift.impact.revenue import decompose as run

    try:
        data = _frame(file, [treatment, revenue, orders, *([converted] if converted else [])])
    except TrueliftError as exc:
        raise error(str(exc)) from None
    go(run, quiet=quiet, compact=compact,
        report=report, json=json, strict=strict, data=data, treatment=treatment,
        control=parse_label(control), revenue=revenue, orders=orders, converted=converted, level=level,
        drop_missing=drop_missing)


@app.command()
def funnel(
    file: File,
    treatment: Annotated[str, typer.Option("--treatment", "--variant", help="The arm column (--variant: "
                                           "its old name).", show_default=False)],
    control: Annotated[str, typer.Option(help="Label of the control arm.", show_default=False)],
    stages: Annotated[list[str], typer.Option(
        help="0/1 stage columns in funnel order, repeat or comma separated.",
                                        show_default=False)],
    level: Level = 0.95, report: Report = None, json: Json = None, strict: Strict = False,
    quiet: Quiet = False, compact: Compact = False,
) -> None:
    """Where the lift enters and leaks: step conversion by arm, each stage's share of the lift."""
    from truelift.impact.funnel import funnel as run

    try:
        data = _frame(file, [treatment, *split_names(stages)])
    except TrueliftError as exc:
        raise error(str(exc)) from None
    go(run, quiet=quiet, compact=compact,
        report=report, json=json, strict=strict, data=data, treatment=treatment,
        control=parse_label(control), stages=split_names(stages), level=level)


@app.command()
def ltv(
    file: File,
    unit: Annotated[str, typer.Option("--unit", "--customer", help="Customer id column (--customer: its "
                                      "old name).", show_default=False)],
    time: Annotated[str, typer.Option("--time", "--period", help="Period since assignment (0, 1, ...; "
                                      "--period: its old name).", show_default=False)],
    revenue: Annotated[str, typer.Option(help="Revenue in the period (0 when inactive).",
                                         show_default=False)],
    treatment: Annotated[str, typer.Option("--treatment", "--variant", help="The arm column (--variant: "
                                           "its old name).", show_default=False)],
    control: Annotated[str, typer.Option(help="Label of the control arm.", show_default=False)],
    horizon: Annotated[int, typer.Option(help="Periods of lifetime to value.", show_default=False)],
    discount: Annotated[float, typer.Option(help="Discount rate per period.")] = 0.0,
    level: Level = 0.95,
    date_format: DateFormat = None,
    drop_missing: DropMissing = False, report: Report = None, json: Json = None,
    strict: Strict = False, quiet: Quiet = False, compact: Compact = False,
) -> None:
    """Lifetime value by arm: retention, churn, discounted LTV and the incremental LTV."""
    from truelift.impact.ltv import ltv as run

    go(run, quiet=quiet, compact=compact,
        report=report, json=json, strict=strict, data=str(file), unit=unit,
        time=time, revenue=revenue, treatment=treatment, control=parse_label(control), horizon=horizon,
        discount=discount, level=level, drop_missing=drop_missing,
        date_format=date_format)


def _frame(file: Path, columns: list[str]) -> object:
    """The named columns of the file as a pandas DataFrame (the decomposition and the funnel take one)."""
    import pandas as pd

    from truelift.data.io import read_columns

    return pd.DataFrame(read_columns(str(file), columns))


