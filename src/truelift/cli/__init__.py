"""The ``truelift`` command line: a thin front over the public entries.

Each sub-command builds the roles and settings, calls the same public function a notebook
would (``truelift.observe``), and renders the result: a rich summary on stdout, an HTML report,
a JSON file. It computes nothing itself. One module per family registers its commands on the
one app of :mod:`truelift.cli.shared`; this package imports them all.
"""

from __future__ import annotations

from truelift.cli import demo, experiment, hte, impact, observational, quasi  # noqa: F401  (registers)
from truelift.cli.demo import DEMO_KINDS
from truelift.cli.experiment import parse_cuped, parse_split
from truelift.cli.observational import build_methods, parse_caliper, parse_trim
from truelift.cli.shared import app, cli_words, parse_label


def main() -> None:
    """Entry point of the ``truelift`` script."""
    app()


__all__ = ["DEMO_KINDS", "app", "build_methods", "cli_words", "main", "parse_caliper", "parse_cuped",
           "parse_label", "parse_split", "parse_trim"]
