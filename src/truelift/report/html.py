"""The HTML front: one self-contained report file, and the same body for notebooks.

* :func:`render_html` returns a whole page: inline CSS, inline SVG figures, a few lines of
  inline script; no external URL, font or script, so it opens without a network.
* :func:`render_fragment` returns the body alone (``Analysis._repr_html_`` uses it).
* :func:`write_html` writes the page (UTF-8).

Jinja2 renders with autoescaping on: every user string (column names, labels, messages) is
escaped. Only the figures, which :mod:`truelift.report.figures` produces, are inserted as markup.
Each analysis kind has a context builder and a body template in :data:`KINDS`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from truelift.report import figures
from truelift.report import observational as obs_view


def _observational_context(analysis: Any) -> dict[str, Any]:
    v = obs_view.view(analysis)
    p = analysis.propensity
    figs: dict[str, str] = {}
    if analysis.balance:
        figs["love"] = figures.love_plot(analysis.balance)
    figs["overlap"] = figures.overlap_plot(p.bin_edges, p.counts_treated, p.counts_control,
                                           common_support=p.overlap.common_support)
    figs["forest"] = figures.forest_plot(analysis.estimates, naive=analysis.naive,
                                         binary=v["binary"], primary=analysis.primary)
    return {"v": v, "figures": figs,
            "title": f"truelift: {v['treatment']} -> {', '.join(v['outcomes'])}"}


KINDS: dict[str, tuple[Callable[[Any], dict[str, Any]], str]] = {
    "observational": (_observational_context, "observational.html.j2"),
}
"""Analysis kind -> (context builder, body template)."""


@functools.cache
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("truelift.report", "templates"),
        autoescape=True,  # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _render(analysis: Any, *, standalone: bool) -> str:
    kind = getattr(analysis, "kind", None)
    try:
        build, body = KINDS[kind]
    except KeyError:
        raise TypeError(f"no HTML renderer for analysis kind {kind!r}") from None
    ctx = build(analysis)
    from truelift import __version__

    return _environment().get_template("report.html.j2").render(
        body_template=body, standalone=standalone, version=__version__, **ctx)


def render_html(analysis: Any) -> str:
    """The whole report as one self-contained HTML page."""
    return _render(analysis, standalone=True)


def render_fragment(analysis: Any) -> str:
    """The report body (with its scoped style) for a notebook cell: no ``<html>`` shell."""
    return _render(analysis, standalone=False)


def write_html(analysis: Any, path: str | os.PathLike[str]) -> Path:
    """Write the self-contained report to ``path`` (UTF-8); returns the path."""
    out = Path(path)
    out.write_text(render_html(analysis), encoding="utf-8")
    return out
