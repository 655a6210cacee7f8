"""The quasi-experiment sub-commands of ``truelift`` (``did``, ``synth``, ``geo``, ``geo-plan``,
``rd``, ``iv``, ``switchback``): thin, like the rest of the other families.

Each reads a file, calls the same public function a notebook would (``truelift.did``, ...) and
renders the result (summary, ``--report`` HTML, ``--json``). Registered on :data:`truelift.cli.shared.app`.
"""


from __future__ import annotations

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
    go,
    parse_label,
    split_names,
    stdout_console,
)


@app.command()
def did(
    file: File,
    outcome: Annotated[str, typer.Option(help="Outcome column (e.g. revenue per user).", show_default=False)],
    time: Annotated[str, typer.Option(help="Period column (numbers or dates).", show_default=False)],
    treatment: Annotated[str, typer.Option(help="0/1: the row's unit or group is treated in the row's "
                                           "period.", show_default=False)],
    unit: Annotated[str | None, typer.Option(help="Unit column (a panel: one row per unit and "
                                             "period).")] = None,
    group: Annotated[str | None, typer.Option(help="Group of each row (e.g. store) for repeated "
                                              "cross-sections; a group with a treated row is "
                                              "treated.")] = None,
    cluster: Annotated[str | None, typer.Option(help="Cluster column (default: the unit).")] = None,
    weights: Annotated[str | None, typer.Option(help="Weight column (e.g. population).")] = None,
    method: Annotated[str, typer.Option(help="auto (robust for staggered adoption), twfe or cs.")] = "auto",
    control_group: Annotated[str, typer.Option(help="never or notyet (treated) units as "
                                               "controls.")] = "never",
    placebo: Annotated[bool, typer.Option(help="Run the placebo in time.")] = True,
    level: Level = 0.95,
    date_format: DateFormat = None,
    drop_missing: DropMissing = False, report: Report = None, json: Json = None,
    strict: Strict = False, quiet: Quiet = False, compact: Compact = False,
) -> None:
    """Difference-in-differences and event study (TWFE, Callaway & Sant'Anna), with pre-trend checks."""
    from truelift.quasi.did import did as run

    go(run, quiet=quiet, compact=compact,
        report=report, json=json, strict=strict, data=str(file), outcome=outcome,
        time=time, treatment=treatment, unit=unit, group=group, cluster=cluster, weights=weights,
        method=method, control_group=control_group, placebo=placebo, level=level,
        drop_missing=drop_missing,
        date_format=date_format)


@app.command()
def synth(
    file: File,
    outcome: Annotated[str, typer.Option(help="Outcome column.", show_default=False)],
    unit: Annotated[str, typer.Option(help="Unit column (e.g. state, region).", show_default=False)],
    time: Annotated[str, typer.Option(help="Period column (numbers or dates).", show_default=False)],
    treated: Annotated[str, typer.Option(help="The treated unit's label (tried as int, then float, else "
                                         "text).", show_default=False)],
    start: Annotated[str, typer.Option(help="First treated period (a number or a date).",
                                       show_default=False)],
    donors: Annotated[list[str] | None, typer.Option(
        help="Donor units, repeat or comma separated (default: every other unit).")] = None,
    placebo: Annotated[bool, typer.Option(help="Placebo-in-space inference (every donor as a fake "
                                          "treated unit).")] = True,
    level: Level = 0.95,
    date_format: DateFormat = None,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0, report: Report = None,
    json: Json = None, strict: Strict = False, quiet: Quiet = False, compact: Compact = False,
) -> None:
    """Synthetic control: donor weights, pre-period fit, placebo-in-space inference (pysyncon)."""
    from truelift.quasi.synth import synth as run

    go(run, quiet=quiet, compact=compact,
        report=report, json=json, strict=strict, data=str(file), outcome=outcome,
        unit=unit, time=time, treated=parse_label(treated), start=parse_label(start),
        donors=[parse_label(d) for d in split_names(donors)] or None, placebo=placebo, level=level, seed=seed,
        date_format=date_format)


@app.command()
def geo(
    file: File,
    unit: Annotated[str, typer.Option("--unit", "--region", help="Region column (--region: its old "
                                      "name).", show_default=False)],
    time: Annotated[str, typer.Option(help="Day (period) column.", show_default=False)],
    outcome: Annotated[str, typer.Option(help="Outcome column (e.g. revenue).", show_default=False)],
    treatment: Annotated[str, typer.Option(help="0/1 treated-region column.", show_default=False)],
    start: Annotated[str, typer.Option(help="First day of the test.", show_default=False)],
    method: Annotated[str, typer.Option(help="did or synth.")] = "did",
    users: Annotated[str | None, typer.Option(help="Users per region and day: analyse the outcome per "
                                              "user.")] = None,
    level: Level = 0.95,
    date_format: DateFormat = None,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0, report: Report = None,
    json: Json = None, strict: Strict = False, quiet: Quiet = False, compact: Compact = False,
) -> None:
    """Read a geo experiment: lift per user with CI, actual vs counterfactual over time."""
    from truelift.quasi.geo import geo as run

    go(run, quiet=quiet, compact=compact,
        report=report, json=json, strict=strict, data=str(file), unit=unit, time=time,
        outcome=outcome, treatment=treatment, start=parse_label(start), method=method, users=users,
        level=level, seed=seed,
        date_format=date_format)


@app.command("geo-plan")
def geo_plan(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file of history: one row per region and "
                                         "day, before the test.", metavar="FILE", show_default=False)],
    unit: Annotated[str, typer.Option("--unit", "--region", help="Region column (--region: its old "
                                      "name).", show_default=False)],
    time: Annotated[str, typer.Option(help="Day (period) column.", show_default=False)],
    outcome: Annotated[str, typer.Option(help="Outcome column.", show_default=False)],
    treated_share: Annotated[float, typer.Option(help="Share of regions treated.")] = 0.5,
    method: Annotated[str, typer.Option(help="pairs (matched pairs) or random.")] = "pairs",
    test_periods: Annotated[int, typer.Option(help="Planned test length in periods.")] = 28,
    pre_periods: Annotated[int | None, typer.Option(help="Pre-periods the analysis will use.")] = None,
    effect: Annotated[float | None, typer.Option(help="A relative lift to report the power of "
                                                 "(0.05 = 5%).")] = None,
    alpha: Annotated[float, typer.Option(help="Significance level.")] = 0.05,
    power: Annotated[float, typer.Option(help="Target power.")] = 0.8,
    reps: Annotated[int, typer.Option(help="Placebo re-analyses of history.")] = 200,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
    date_format: DateFormat = None, report: Report = None, json: Json = None,
    strict: Strict = False, quiet: Quiet = False, compact: Compact = False,
) -> None:
    """Plan a geo experiment: assign regions and read the detectable lift off history."""
    from truelift.quasi.geo import geo_plan as run

    go(run, quiet=quiet, compact=compact,
        report=report, json=json, strict=strict, history=str(file), unit=unit,
        time=time, outcome=outcome, treated_share=treated_share, method=method, test_periods=test_periods,
        pre_periods=pre_periods, effect=effect, alpha=alpha, power=power, reps=reps, seed=seed,
        date_format=date_format)


@app.command()
def iv(
    file: File,
    outcome: Annotated[str, typer.Option(help="Outcome column (e.g. purchased).", show_default=False)],
    treatment: Annotated[str, typer.Option(help="Exposure actually received.", show_default=False)],
    instrument: Annotated[str, typer.Option(help="The randomized encouragement.", show_default=False)],
    covariates: Annotated[list[str] | None, typer.Option(
        help="Pre-treatment columns, repeat or comma separated.")] = None,
    cluster: Annotated[str | None, typer.Option(help="Cluster column.")] = None,
    level: Level = 0.95, drop_missing: DropMissing = False, report: Report = None, json: Json = None,
    strict: Strict = False, quiet: Quiet = False, compact: Compact = False,
) -> None:
    """Instrumental variables (2SLS): the effect on compliers, first-stage strength checked."""
    from truelift.quasi.iv import iv as run

    go(run, quiet=quiet, compact=compact,
        report=report, json=json, strict=strict, data=str(file), outcome=outcome,
        treatment=treatment, instrument=instrument, covariates=split_names(covariates), cluster=cluster,
        level=level, drop_missing=drop_missing)


@app.command()
def rd(
    file: File,
    outcome: Annotated[str, typer.Option(help="Outcome column.", show_default=False)],
    running: Annotated[str, typer.Option(help="Running variable (score); rows at or above the cutoff are "
                                         "on the treated side.", show_default=False)],
    cutoff: Annotated[float, typer.Option(help="The threshold.", show_default=False)],
    treatment: Annotated[str | None, typer.Option(help="Treatment received (fuzzy design); omit for a "
                                                  "sharp design.")] = None,
    covariates: Annotated[list[str] | None, typer.Option(
        help="Pre-treatment columns, repeat or comma separated "
                                                   "(checked for a jump at the cutoff).")] = None,
    bandwidth: Annotated[float | None, typer.Option(help="Bandwidth; default MSE-optimal.")] = None,
    kernel: Annotated[str, typer.Option(help="triangular, epanechnikov or uniform.")] = "triangular",
    p: Annotated[int, typer.Option("--p", help="Order of the local polynomial.")] = 1,
    cluster: Annotated[str | None, typer.Option(help="Cluster column.")] = None,
    level: Level = 0.95, drop_missing: DropMissing = False, report: Report = None, json: Json = None,
    strict: Strict = False, quiet: Quiet = False, compact: Compact = False,
) -> None:
    """Regression discontinuity: the jump at a cutoff, robust bias-corrected (rdrobust)."""
    from truelift.quasi.rd import rd as run

    go(run, quiet=quiet, compact=compact,
        report=report, json=json, strict=strict, data=str(file), outcome=outcome,
        running=running, cutoff=cutoff, treatment=treatment, covariates=split_names(covariates),
        bandwidth=bandwidth, kernel=kernel, p=p, cluster=cluster, level=level, drop_missing=drop_missing)


@app.command()
def switchback(
    file: File,
    outcome: Annotated[str, typer.Option(help="Outcome column.", show_default=False)],
    time: Annotated[str, typer.Option(help="Period column (numbers or dates).", show_default=False)],
    treatment: Annotated[str, typer.Option(help="0/1 arm of the slice.", show_default=False)],
    slice: Annotated[str | None, typer.Option("--slice", help="Slice id column (default: runs of "
                                              "constant treatment).")] = None,
    unit: Annotated[str | None, typer.Option(help="Unit column (e.g. city).")] = None,
    washout: Annotated[int, typer.Option(help="Periods dropped at the start of each slice after a "
                                         "switch.")] = 0,
    periods_per_slice: Annotated[int | None, typer.Option(help="Slices are blocks of this many "
                                                          "periods.")] = None,
    covariates: Annotated[list[str] | None, typer.Option(
        help="Numeric covariates, repeat or comma separated.")] = None,
    fixed_effects: Annotated[list[str] | None, typer.Option(help="Columns absorbed as fixed effects (e.g. "
                                                      "hour), repeat or comma separated.")] = None,
    level: Level = 0.95,
    date_format: DateFormat = None,
    drop_missing: DropMissing = False, report: Report = None, json: Json = None,
    strict: Strict = False, quiet: Quiet = False, compact: Compact = False,
) -> None:
    """Switchback test: time-sliced randomization, washout for carryover, CRV1 over slices."""
    from truelift.quasi.switchback import switchback as run

    go(run, quiet=quiet, compact=compact,
        report=report, json=json, strict=strict, data=str(file), outcome=outcome,
        time=time, treatment=treatment, slice=slice, unit=unit, washout=washout,
        periods_per_slice=periods_per_slice, covariates=split_names(covariates),
        fixed_effects=split_names(fixed_effects), level=level, drop_missing=drop_missing,
        date_format=date_format)


def did_demo(*, n: int | None, seed: int, report: Path | None, json: Path | None, quiet: bool,
             compact: bool = False) -> None:
    """``truelift demo --kind did``: a staggered rollout to regions whose true effects are known."""
    from truelift.datasets._quasi_did import staggered_panel
    from truelift.quasi.did import did as run

    units = 400 if n is None else n
    if units < 40:
        raise BadInput(f"--n must be at least 40 units; got {units}")
    data, truth = staggered_panel(units=units, periods=12, seed=seed)
    analysis = go(run, quiet=quiet, compact=compact,
                   report=report or Path("truelift-did-demo.html"), json=json, strict=False,
                   data=data, outcome="y", time="period", treatment="treated", unit="unit", seed=seed)
    if not quiet:
        from rich.table import Table

        from truelift.report import format as fmt

        table = Table(title="Against the generator's truth (the ATT of every treated unit-period)",
                      title_justify="left")
        for col in ("method", "estimate", "95% CI", "true ATT", "covered"):
            table.add_column(col, justify="left" if col == "method" else "right")
        for e in analysis.estimates:
            covers = e.ci[0] <= truth.att <= e.ci[1]
            table.add_row(e.method, fmt.number(e.value, signed=True),
                          fmt.interval(*e.ci, fmt=lambda x: fmt.number(x, signed=True)),
                          fmt.number(truth.att, signed=True), "yes" if covers else "NO")
        stdout_console().print(table)


