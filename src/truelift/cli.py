"""The ``truelift`` command line: a thin front over the public entries.

Each sub-command builds the roles and settings, calls the same public function a notebook
would (``truelift.observe``), and renders the result: a rich summary on stdout, an HTML report,
a JSON file. It computes nothing itself.

Exit codes: 0 when the analysis ran (whatever its verdict); 2 on bad input (one line
``error: ...`` on stderr, no traceback; usage errors keep Typer's own code 2); 3 with
``--strict`` when the verdict is FAIL, for CI gates.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from truelift.errors import TrueliftError

Compact = Annotated[bool, typer.Option("--compact", help="Print only the verdict, its reasons and the "
                                                          "estimates table.")]

EXIT_BAD_INPUT = 2
EXIT_STRICT_FAIL = 3
SUMMARY_WIDTH = 110

app = typer.Typer(
    name="truelift",
    help="The true, incremental effect of a personalization change, with honest intervals.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class BadInput(TrueliftError):
    """A command-line value that cannot be used (reported like any other bad input)."""


def _version(value: bool) -> None:
    if value:
        from truelift import __version__

        typer.echo(f"truelift {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """The true, incremental effect of a personalization change, with honest intervals."""


# --------------------------------------------------------------------------- console helpers
def _stdout() -> Any:
    from rich.console import Console

    # A pipe or file gets the layout width the summary is designed for; a terminal its own.
    return Console(width=None if sys.stdout.isatty() else SUMMARY_WIDTH, highlight=False)


def _stderr() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _error(message: str) -> typer.Exit:
    """Print ``error: message`` on one line of stderr, in CLI words (flags, not the library's
    keyword names: see :func:`cli_words`); return the exit to raise."""
    from truelift.report.terminal import printable

    _stderr().print("error: " + " ".join(printable(cli_words(message)).split()), markup=False)
    return typer.Exit(EXIT_BAD_INPUT)


@functools.cache
def _flags() -> dict[str, str]:
    """Keyword name -> its CLI flag, over every command (``drop_missing`` -> ``--drop-missing``)."""
    group = typer.main.get_command(app)
    out: dict[str, str] = {}
    for command in getattr(group, "commands", {}).values():
        for param in command.params:
            opts = [o for o in getattr(param, "opts", ()) if o.startswith("--")]
            if param.name and opts and param.param_type_name == "option":
                out.setdefault(param.name, opts[0])
    return out


_KEYWORD = re.compile(r"(?<![\w.\-'\[(=,])([a-z][a-z_]*)=(?:(True|False|'[^']*'|\.\.\.)|(?=[\s).;]|$))")
"""``name=`` followed by True, False, a quoted value, ``...``, or nothing (end, space, or
punctuation); ``sided=2``, ``k=0`` or a user's ``'control=abc'`` are left as they are."""


def cli_words(message: str) -> str:
    """A library message in the words of the command line: ``drop_missing=True`` becomes
    ``--drop-missing``, ``placebo=False`` ``--no-placebo``, ``method='cs'`` ``--method cs``,
    ``treated=...`` ``--treated ...``; names that are no flag of truelift are left as they are."""
    flags = _flags()

    def sub(m: re.Match[str]) -> str:
        name, value = m.group(1), m.group(2)
        flag = flags.get(name)
        if flag is None:
            return m.group(0)
        if value == "True" or value is None:
            return flag
        if value == "False":
            return "--no-" + flag.removeprefix("--")
        return f"{flag} {value.strip(chr(39))}"

    return _KEYWORD.sub(sub, message)


@contextlib.contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A ``progress(step, done, total)`` callback drawing a transient bar on stderr."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description:<26}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=_stderr(), transient=True) as bar:
        task = bar.add_task("starting", total=None)

        def update(step: str, done: int, total: int) -> None:
            bar.update(task, description=f"done: {step}", completed=done, total=total)

        yield update


# --------------------------------------------------------------------------- parsing
def _names(values: Sequence[str] | str | None) -> list[str]:
    """Column names from a repeatable and/or comma-separated option."""
    if values is None:
        return []
    items = [values] if isinstance(values, str) else list(values)
    return [n.strip() for v in items for n in v.split(",") if n.strip()]


def parse_label(text: str | None) -> Any:
    """A ``--treated`` label as the data most likely holds it.

    Command-line values are strings, but a numeric treatment column holds numbers, where the
    string ``"1"`` would not be found. So the label is tried as an int, then a float, and kept as
    a string otherwise (``"2" -> 2``, ``"1.5" -> 1.5``, ``"treated" -> "treated"``). A text
    column whose labels look like numbers would need them in the data as words instead.
    """
    if text is None:
        return None
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            continue
    return text


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

    keys = _names(method) or ["all"]
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


# --------------------------------------------------------------------------- rendering
def _refuse_overwriting_inputs(inputs: Sequence[Any], outputs: dict[str, Path | None]) -> None:
    """A one-line error when an output file of this run is one of its input files."""
    import os

    def same(a: Any, b: Path) -> bool:
        try:
            return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)
        except (OSError, TypeError, ValueError):
            return False

    given = [(flag, Path(out)) for flag, out in outputs.items() if out is not None]
    for flag, out in given:
        for src in inputs:
            if same(src, out):
                raise BadInput(f"{flag} {out} is an input of this run; refusing to overwrite it")
    for i, (flag, out) in enumerate(given):
        for other, out2 in given[i + 1:]:
            if out.resolve() == out2.resolve():
                raise BadInput(f"{flag} and {other} name the same file {out}; give each its own")


def _render(analysis: Any, *, quiet: bool, report: Path | None, json: Path | None,
            export_matches: Path | None = None, scores: Path | None = None,
            compact: bool = False) -> None:
    """Print the summary (only the verdict and the estimates with ``compact``), write the
    requested files (CSV exports with formula-like text neutralized; each command has checked
    them against its inputs before running)."""
    if not quiet:
        if compact:
            from truelift.report.terminal import compact_renderable

            _stdout().print(compact_renderable(analysis))
        else:
            _stdout().print(analysis)
    written: list[tuple[str, Path]] = []
    try:
        if report is not None:
            from truelift.report.html import write_html

            written.append(("report", write_html(analysis, report)))
        if json is not None:
            from truelift.report.json import write_json

            written.append(("JSON", write_json(analysis, json)))
        if export_matches is not None:
            from truelift.report.export import write_csv

            written.append(("matched pairs", write_csv(analysis.matched_pairs(), export_matches)))
        if scores is not None:
            from truelift.report.export import write_csv

            written.append(("scores", write_csv(analysis.scores(), scores)))
    except OSError as exc:
        raise BadInput(f"cannot write {exc.filename or ''}: {exc.strerror or exc}") from None
    if not quiet:
        err = _stderr()
        for what, path in written:
            err.print(f"wrote {what}: {path}", markup=False)


def _observe(quiet: bool, **kwargs: Any) -> Any:
    """Run ``truelift.observe`` through :func:`_run` (progress bar, warnings as one-liners)."""
    from truelift.observational.analysis import observe as run_observe

    return _run(quiet, run_observe, **kwargs)


def _strict_exit(analysis: Any, strict: bool) -> None:
    from truelift.schema import Status

    if strict and analysis.verdict.status is Status.FAIL:
        raise typer.Exit(EXIT_STRICT_FAIL)


# --------------------------------------------------------------------------- commands
@app.command()
def observe(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file, one row per unit.",
                                         metavar="FILE", show_default=False)],
    treatment: Annotated[str, typer.Option("--treatment", help="The 0/1 or two-label "
                                           "treatment column.", show_default=False)],
    outcome: Annotated[list[str], typer.Option("--outcome", help="Outcome column; repeat or "
                                               "give a comma list.", show_default=False)],
    covariates: Annotated[str, typer.Option("--covariates", help="Pre-treatment columns, "
                                            "comma separated.", show_default=False)],
    categorical: Annotated[str | None, typer.Option(help="Covariates to one-hot encode though "
                                                    "numeric, comma separated.")] = None,
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
    exact: Annotated[str | None, typer.Option(help="Categorical covariates to match exactly, "
                                              "comma separated.")] = None,
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
        exact_cols = _names(exact)
        methods = build_methods(method, k=k, caliper=parse_caliper(caliper),
                                replace=not no_replacement, exact=exact_cols)
        if export_matches is not None and not any(not isinstance(m, str) for m in methods):
            raise BadInput("--export-matches needs the method match (e.g. --method match or all)")
        _refuse_overwriting_inputs((file,), {"--report": report, "--json": json,
                                             "--export-matches": export_matches})
        analysis = _observe(
            quiet, data=str(file), treatment=treatment, outcome=_names(outcome),
            covariates=_names(covariates), categorical=_names(categorical),
            treated=parse_label(treated), unit=unit, method=methods, estimand=estimand,
            propensity=propensity, trim=parse_trim(trim), level=level, seed=seed,
            drop_missing=drop_missing, refute=not no_refute, customers=customers,
            rollout=rollout)
        _render(analysis, quiet=quiet, compact=compact,
                report=report, json=json, export_matches=export_matches)
    except TrueliftError as exc:
        raise _error(str(exc)) from None
    _strict_exit(analysis, strict)


def parse_cuped(values: Sequence[str] | None) -> dict[str, list[str]] | list[str] | None:
    """``--cuped METRIC:COV[,COV]`` per metric, or ``--cuped COV[,COV]`` for every metric."""
    if not values:
        return None
    per_metric: dict[str, list[str]] = {}
    common: list[str] = []
    for v in values:
        if ":" in v:
            metric, covs = v.split(":", 1)
            if not metric.strip() or not _names(covs):
                raise BadInput(f"--cuped must be METRIC:COV[,COV] or COV[,COV]; got {v!r}")
            per_metric.setdefault(metric.strip(), []).extend(_names(covs))
        else:
            common.extend(_names(v))
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


def _run(quiet: bool, entry: Callable[..., Any], **kwargs: Any) -> Any:
    """Run a public entry with a progress bar; show library warnings as one-liners."""
    with _progress(not quiet) as progress, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        analysis = entry(progress=progress, **kwargs)
    if not quiet:
        from truelift.errors import TrueliftWarning
        from truelift.report.terminal import printable

        err = _stderr()
        for w in caught:
            if issubclass(w.category, TrueliftWarning):
                err.print("warning: " + " ".join(printable(str(w.message)).split()),
                          markup=False)
    return analysis


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
                                                    "metric; repeat.")] = None,
    segment: Annotated[list[str] | None, typer.Option(help="Segment column; repeat or comma "
                                                      "list.")] = None,
    funnel: Annotated[str | None, typer.Option(help="Nested 0/1 funnel stage columns, in order, comma "
                                               "separated.")] = None,
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
        _refuse_overwriting_inputs((file,), {"--report": report, "--json": json})
        analysis = _run(
            quiet, run_readout, data=str(file), treatment=treatment, control=parse_label(control),
            outcome=_names(outcome), guardrails=_names(guardrail), covariates=parse_cuped(cuped),
            segments=_names(segment), funnel=_names(funnel), time=time, unit=unit,
            split=parse_split(split), level=level if alpha is None else 1.0 - alpha,
            correction=correction, family=family, relative=relative, sequential=sequential,
            horizon=horizon, bayes=not no_bayes, drop_missing=drop_missing, seed=seed)
        _render(analysis, quiet=quiet, compact=compact, report=report, json=json)
    except TrueliftError as exc:
        raise _error(str(exc)) from None
    _strict_exit(analysis, strict)


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
        _render(result, quiet=quiet, compact=compact, report=report, json=json)
    except TrueliftError as exc:
        raise _error(str(exc)) from None


DEMO_OUTCOMES = ("made_purchase", "revenue")
DEMO_COVARIATES = ("engagement_score", "past_purchases", "account_age_days", "device_type")


@app.command()
def uplift(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file, one row per customer.",
                                         metavar="FILE", show_default=False)],
    treatment: Annotated[str, typer.Option("--treatment", help="The arm column (control and one or "
                                           "more treatment arms).", show_default=False)],
    outcome: Annotated[list[str], typer.Option("--outcome", help="Outcome column; repeat or comma "
                                               "list (the first is valued by the policy).",
                                               show_default=False)],
    covariates: Annotated[str, typer.Option("--covariates", help="Pre-treatment columns, comma "
                                            "separated.", show_default=False)],
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
    categorical: Annotated[str | None, typer.Option(help="Covariates to one-hot encode though "
                                                    "numeric, comma separated.")] = None,
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

        _refuse_overwriting_inputs((file,), {"--report": report, "--json": json,
                                             "--scores": scores})
        analysis = _run(
            quiet, run_uplift, data=str(file), treatment=treatment, outcome=_names(outcome),
            covariates=_names(covariates), control=parse_label(control), learner=learner, base=base,
            design=design, propensity=propensity, value=value, cost=parse_cost(cost),
            max_customers=max_customers, max_spend=max_spend, segments=_names(segment),
            categorical=_names(categorical), unit=unit, folds=folds, level=level, seed=seed,
            drop_missing=drop_missing)
        _render(analysis, quiet=quiet, compact=compact, report=report, json=json, scores=scores)
    except TrueliftError as exc:
        raise _error(str(exc)) from None
    _strict_exit(analysis, strict)


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
def demo(
    kind: Annotated[str, typer.Option(help="observe (a biased rollout), readout (a randomized "
                                      "homepage test), uplift (a coupon campaign: whom to "
                                      "target), did (a staggered regional rollout), or any other "
                                      "analysis: plan, factorial, synth, geo, geo-plan, rd, iv, "
                                      "switchback, decompose, funnel, ltv, project.")] = "observe",
    n: Annotated[int | None, typer.Option("--n", help="Customers (users) to generate. [default: "
                                          "10,000 for observe, 40,000 for readout]")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the generator and of the analysis.")] = 1,
    report: Annotated[Path | None, typer.Option(help="Write the HTML report here. [default: "
                                                "truelift-demo.html / truelift-readout-demo.html]")] = None,
    json: Annotated[Path | None, typer.Option("--json", help="Write the JSON result here.")] =
        None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary, no progress.")] =
        False,
    compact: Compact = False,
) -> None:
    """Run a whole job on generated data whose true effect is known."""
    from truelift.cli_demo import DEMOS

    try:
        if kind == "observe":
            from truelift.datasets import personalization

            n = 10_000 if n is None else n
            if n < 100:
                raise BadInput(f"--n must be at least 100 customers; got {n}")
            data, truth = personalization(n, seed)
            analysis = _observe(
                quiet, data=data, treatment="received_personalization", outcome=list(DEMO_OUTCOMES),
                covariates=list(DEMO_COVARIATES), unit="customer_id", method="all", estimand="ATT",
                seed=seed, customers=1_000_000, rollout=0.5)
            _render(analysis, quiet=quiet, compact=compact,
                    report=report or Path("truelift-demo.html"), json=json)
            if not quiet:
                _stdout().print(_truth_table(analysis, truth))
        elif kind == "readout":
            from truelift.datasets import homepage_test
            from truelift.experiment.readout import readout as run_readout

            n = 40_000 if n is None else n
            if n < 1_000:
                raise BadInput(f"--n must be at least 1,000 users; got {n}")
            data, truth = homepage_test(n=n, seed=seed)
            analysis = _run(
                quiet, run_readout, data=data, treatment="variant", control="control",
                outcome=list(DEMO_METRICS), guardrails=["ctr=clicks/impressions"],
                covariates=["revenue_pre", "sessions_pre"], segments=["device", "visitor"],
                funnel=list(DEMO_FUNNEL), time="day", sequential="always-valid", horizon=n, seed=seed)
            _render(analysis, quiet=quiet, compact=compact,
                    report=report or Path("truelift-readout-demo.html"), json=json)
            if not quiet:
                _stdout().print(_readout_truth_table(analysis, truth))
        elif kind == "uplift":
            from truelift.datasets import coupon_campaign
            from truelift.hte.analysis import uplift as run_uplift

            n = 20_000 if n is None else n
            if n < 2_000:
                raise BadInput(f"--n must be at least 2,000 customers; got {n}")
            data, truth = coupon_campaign(n=n, seed=seed)
            analysis = _run(
                quiet, run_uplift, data=data, treatment="arm", control="control",
                outcome=["converted", "revenue"], covariates=[f"x{i}" for i in range(1, 11)],
                value=DEMO_MARGIN, cost=DEMO_COUPON_COST, segments=["x3", "x5"], unit="customer_id",
                seed=seed)
            _render(analysis, quiet=quiet, compact=compact,
                    report=report or Path("truelift-uplift-demo.html"), json=json)
            if not quiet:
                _stdout().print(_uplift_truth_table(analysis, truth))
        elif kind == "did":
            from truelift.cli_quasi import did_demo

            did_demo(n=n, seed=seed, report=report, json=json, quiet=quiet, compact=compact)
        elif kind in DEMOS:
            analysis, truth_line = _run(quiet, lambda progress: DEMOS[kind](n, seed))
            _render(analysis, quiet=quiet, compact=compact,
                    report=report or Path(f"truelift-{kind}-demo.html"), json=json)
            if not quiet:
                _stdout().print("Known truth of the generator: " + truth_line, markup=False)
        else:
            raise BadInput(f"--kind must be one of {', '.join(DEMO_KINDS)}; got {kind!r}")
    except TrueliftError as exc:
        raise _error(str(exc)) from None


DEMO_KINDS = ("observe", "readout", "uplift", "did", "plan", "factorial", "synth", "geo", "geo-plan",
              "rd", "iv", "switchback", "decompose", "funnel", "ltv", "project")
"""Every kind ``truelift demo --kind`` runs (one per public entry)."""
DEMO_MARGIN = 30.0  # margin of one conversion in the uplift demo
DEMO_COUPON_COST = 2.0  # cost of one coupon sent

DEMO_METRICS = ("purchased", "revenue", "aov=revenue/orders")
DEMO_FUNNEL = ("viewed_product", "added_to_cart", "checked_out", "purchased")


def _uplift_truth_table(analysis: Any, truth: Any) -> Any:
    """Estimated vs true ATE and group shares of the uplift demo (the generator knows them)."""
    from rich.table import Table

    from truelift.report import format as fmt

    table = Table(title="Known truth (the generator's per-customer effects)", title_justify="left")
    for col in ("quantity", "estimated", "true"):
        table.add_column(col, justify="left" if col == "quantity" else "right")
    for res in analysis.results:
        for arm in res.arms:
            true = truth.ate[arm.arm][res.outcome]
            table.add_row(f"ATE {arm.arm} on {res.outcome}",
                          f"{fmt.number(arm.ate.value)} {fmt.interval(*arm.ate.ci)}", fmt.number(true))
    first = analysis.results[0].arms[0]
    gr = first.groups
    tau = truth.per_customer[f"cate_{first.outcome}_{first.arm}"].to_numpy()
    p0 = truth.per_customer["p0"].to_numpy()
    # the true groups by the analysis's own thresholds, from the generator's true effects
    true_label = {
        "persuadable": tau >= gr.effect_threshold,
        "sleeping dog": tau <= -gr.sleeping_threshold,
    }
    middle = ~(true_label["persuadable"] | true_label["sleeping dog"])
    true_label["sure thing"] = middle & (p0 >= gr.baseline_threshold)
    true_label["lost cause"] = middle & (p0 < gr.baseline_threshold)
    for g in gr.groups:
        table.add_row(f"share {g.name} ({first.outcome})", fmt.percent(g.share, signed=False),
                      fmt.percent(float(true_label[g.name].mean()), signed=False))
    return table


def _readout_truth_table(analysis: Any, truth: Any) -> Any:
    """The readout demo's lifts next to the generator's true population lifts."""
    from rich import box
    from rich.table import Table

    from truelift.report import format as fmt

    binary = {m.name: m.binary for m in analysis.metrics}
    table = Table(title="Known truth of the generator (population lift of each variant over control)",
                  title_justify="left", box=box.SIMPLE_HEAD, title_style="bold")
    for col, justify in (("metric", "left"), ("variant", "left"), ("estimate", "right"),
                         (f"{fmt.level(analysis.level)} CI", "right"), ("true lift", "right"),
                         ("CI covers truth", "left")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for lift in analysis.lifts:
        true = truth.absolute(lift.metric, str(lift.variant))
        b = binary[lift.metric]
        est = lift.estimate
        table.add_row(lift.metric, str(lift.variant), fmt.lift(est.value, binary=b),
                      fmt.lift_interval(*est.ci, binary=b), fmt.lift(true, binary=b),
                      "yes" if est.ci[0] <= true <= est.ci[1] else "NO")
    return table


def _truth_table(analysis: Any, truth: Any) -> Any:
    """The demo's point: the estimates next to the generator's known true ATT."""
    from rich import box
    from rich.table import Table

    from truelift.report import format as fmt
    from truelift.report.observational import binary_outcomes

    binary = binary_outcomes(analysis)
    table = Table(title="Known truth of the generator (ATT: effect on the treated; * = primary)",
                  title_justify="left", box=box.SIMPLE_HEAD, title_style="bold")
    for col, justify in (("outcome", "left"), ("method", "left"), ("estimate", "right"),
                         (f"{fmt.level(analysis.level)} CI", "right"),
                         ("true ATT (sample)", "right"), ("true ATT (population)", "right"),
                         ("CI covers sample truth", "left")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for outcome in analysis.roles.outcomes:
        b = binary[outcome]
        rows = [e for e in analysis.naive if e.outcome == outcome]
        rows += [e for e in analysis.estimates if e.outcome == outcome]
        true_att = truth.att[outcome]
        for est in rows:
            covers = est.ci[0] <= true_att <= est.ci[1]
            table.add_row(
                outcome, est.method + (" *" if est.method == analysis.primary else ""),
                fmt.lift(est.value, binary=b), fmt.lift_interval(*est.ci, binary=b),
                fmt.lift(true_att, binary=b), fmt.lift(truth.population_att[outcome], binary=b),
                "yes" if covers else "NO", style="dim" if est.method == "naive" else None)
    return table


# the quasi-experiment sub-commands register themselves on ``app``
from truelift import cli_impact, cli_quasi  # noqa: E402, F401


def main() -> None:
    """Entry point of the ``truelift`` script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    # ``python -m truelift.cli``: run the app of the imported module, on which cli_quasi registered
    from truelift.cli import main as _main

    _main()
