"""The HTML front: one self-contained report file, and the same body for notebooks.

* :func:`render_html` returns a whole page: inline CSS, inline SVG figures, a few lines of
  inline script; no external URL, font or script, so it opens without a network.
* :func:`render_fragment` returns the body alone (``Analysis._repr_html_`` uses it).
* :func:`write_html` writes the page (UTF-8).

Jinja2 renders with autoescaping on: every user string (column names, labels, messages) is
escaped. Only the figures, which the drawers produce, are inserted as markup. Every kind goes
through the same template (``report.html.j2`` with the partials ``_page``, ``_headline``,
``_section``, ``_table``, ``_figures`` and ``_provenance``) over the
:class:`~truelift.report.page.Page` that :func:`truelift.report.views.page` builds.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any


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


def render_page(page: Any, *, standalone: bool = True) -> str:
    """A :class:`~truelift.report.page.Page` as HTML: the one template of every kind."""
    from truelift.schema.version import VERSION as __version__

    return _environment().get_template("report.html.j2").render(
        body_template="_page.html.j2", standalone=standalone, version=__version__, page=page,
        kind=page.kind, title=page.title)


def _render(analysis: Any, *, standalone: bool) -> str:
    from truelift.report.views import page

    return render_page(page(analysis, figures=True), standalone=standalone)


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
