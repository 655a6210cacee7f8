"""What every ``truelift`` sub-command shares: the Typer app, the option types, the consoles,
one-line errors in CLI words, the progress bar, running an entry, rendering and ``--strict``.

The family modules (:mod:`.experiment`, :mod:`.observational`, :mod:`.hte`, :mod:`.quasi`,
:mod:`.impact`, :mod:`.demo`) import from here only; this module imports none of them.

Exit codes: 0 when the analysis ran (whatever its verdict); 2 on bad input (one line
``error: ...`` on stderr, no traceback; usage errors keep Typer's own code 2); 3 with
``--strict`` when the verdict is FAIL, for CI gates.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
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
def stdout_console() -> Any:
    from rich.console import Console

    # A pipe or file gets the layout width the summary is designed for; a terminal its own.
    return Console(width=None if sys.stdout.isatty() else SUMMARY_WIDTH, highlight=False)


def stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def error(message: str) -> typer.Exit:
    """Print ``error: message`` on one line of stderr, in CLI words (flags, not the library's
    keyword names: see :func:`cli_words`); return the exit to raise."""
    from truelift.report.terminal import printable

    stderr_console().print("error: " + " ".join(printable(cli_words(message)).split()), markup=False)
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
def progress_bar(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A ``progress(step, done, total)`` callback drawing a transient bar on stderr."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description:<26}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=stderr_console(), transient=True) as bar:
        task = bar.add_task("starting", total=None)

        def update(step: str, done: int, total: int) -> None:
            bar.update(task, description=f"done: {step}", completed=done, total=total)

        yield update


# --------------------------------------------------------------------------- parsing
def split_names(values: Sequence[str] | str | None) -> list[str]:
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


Report = Annotated[Path | None, typer.Option(help="Write the HTML report here.")]
Json = Annotated[Path | None, typer.Option("--json", help="Write the JSON result here.")]
Strict = Annotated[bool, typer.Option("--strict", help="Exit 3 when the verdict is FAIL.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No summary, no progress.")]
Level = Annotated[float, typer.Option(help="Confidence level.")]
DropMissing = Annotated[bool, typer.Option("--drop-missing", help="Drop (and count) rows with a missing "
                                                                   "value instead of failing.")]
File = Annotated[Path, typer.Argument(help="CSV or Parquet file.", metavar="FILE", show_default=False)]
DateFormat = Annotated[str | None, typer.Option(
    "--date-format", help="strftime codes of text dates in the time column, e.g. %d/%m/%Y "
                          "[default: ISO 8601 only; 03/04/2024 is refused, not guessed].")]




# --------------------------------------------------------------------------- rendering
def refuse_overwriting_inputs(inputs: Sequence[Any], outputs: dict[str, Path | None]) -> None:
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


def render(analysis: Any, *, quiet: bool, report: Path | None, json: Path | None,
            export_matches: Path | None = None, scores: Path | None = None,
            compact: bool = False) -> None:
    """Print the summary (only the verdict and the estimates with ``compact``), write the
    requested files (CSV exports with formula-like text neutralized; each command has checked
    them against its inputs before running)."""
    if not quiet:
        if compact:
            from truelift.report.terminal import compact_renderable

            stdout_console().print(compact_renderable(analysis))
        else:
            stdout_console().print(analysis)
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
        err = stderr_console()
        for what, path in written:
            err.print(f"wrote {what}: {path}", markup=False)


def strict_exit(analysis: Any, strict: bool) -> None:
    from truelift.schema import Status

    if strict and analysis.verdict.status is Status.FAIL:
        raise typer.Exit(EXIT_STRICT_FAIL)


def run(quiet: bool, entry: Callable[..., Any], **kwargs: Any) -> Any:
    """Run a public entry with a progress bar; show library warnings as one-liners."""
    with progress_bar(not quiet) as progress, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        analysis = entry(progress=progress, **kwargs)
    if not quiet:
        from truelift.errors import TrueliftWarning
        from truelift.report.terminal import printable

        err = stderr_console()
        for w in caught:
            if issubclass(w.category, TrueliftWarning):
                err.print("warning: " + " ".join(printable(str(w.message)).split()),
                          markup=False)
    return analysis


def go(entry: Callable[..., Any], *, quiet: bool, report: Path | None, json: Path | None, strict: bool,
        compact: bool = False, **kwargs: Any) -> Any:
    """Call ``entry`` (with a progress callback when it takes one), render, apply ``--strict``;
    return the analysis."""
    import warnings

    # the files this run reads (the data, or a saved result for project), never overwritten
    inputs = [kwargs[k] for k in ("data", "result") if isinstance(kwargs.get(k), str | os.PathLike)]
    try:
        refuse_overwriting_inputs(inputs, {"--report": report, "--json": json})
        with progress_bar(not quiet) as progress, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if "progress" in inspect.signature(entry).parameters:
                kwargs["progress"] = progress
            analysis = entry(**kwargs)
        if not quiet:
            from truelift.errors import TrueliftWarning

            for w in caught:
                if issubclass(w.category, TrueliftWarning):
                    from truelift.report.terminal import printable

                    stderr_console().print("warning: " + " ".join(printable(str(w.message)).split()),
                                    markup=False)
        render(analysis, quiet=quiet, report=report, json=json, compact=compact)
    except TrueliftError as exc:
        raise error(str(exc)) from None
    strict_exit(analysis, strict)
    return analysis


