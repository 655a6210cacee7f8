"""The canvas of every figure: truelift's matplotlib style, the SVG export, shared pieces.

:func:`_figure` opens an Agg figure under the report style; :func:`_svg` renders it to an inline
SVG string (no XML prolog, no DOCTYPE, no namespace URLs, text drawn as paths so no font is
needed). matplotlib is imported inside the functions, so ``import truelift`` never touches it and
never calls ``matplotlib.use``; every figure is closed after it is saved. The drawers, one per
figure kind, are in :mod:`truelift.report.draw`.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from truelift.report import format as fmt

# Colours (colour-blind safe, Okabe & Ito 2008) shared with the HTML report.
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442")
VARIANT_COLORS = tuple(c for c in COLORS if c != "#D55E00")  # the variants of a test; control is red
NAIVE_COLOR = "#7f7f7f"
TREATED_COLOR = "#0072B2"
CONTROL_COLOR = "#D55E00"

_RC = {
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.labelsize": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "legend.fontsize": 8.5,
    "figure.dpi": 100,
    "text.parse_math": False,  # a column named "$x" is text, not TeX
}


@contextmanager
def _figure(name: str, width: float, height: float, nrows: int = 1,
            ncols: int = 1) -> Iterator[tuple[Any, Any]]:
    """A new Agg figure under truelift's style; closed on exit. Yields ``(fig, axes)``."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # svg.hashsalt makes the SVG ids deterministic and distinct between figures of one page.
    with mpl.rc_context({**_RC, "svg.hashsalt": f"truelift-{name}"}):
        fig = Figure(figsize=(width, height), layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrows, ncols, squeeze=False)
        try:
            yield fig, axes
        finally:
            fig.clear()


def _svg(fig: Any, title: str) -> str:
    """Render ``fig`` to an SVG string that embeds in HTML and references no URL."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Title": title, "Date": None, "Creator": None,
                                             "Format": None, "Type": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE (it names a DTD by URL)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)  # matplotlib echoes each label here
    # HTML parsers put <svg> in the SVG namespace and xlink:href in the XLink namespace on
    # their own, so the namespace declarations (which are http:// strings) can go.
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    svg = svg.replace("<svg ", '<svg role="img" ', 1)
    return svg.strip()


# --------------------------------------------------------------------------- randomized tests


def _series_colors(series: Sequence[str]) -> dict[str, str]:
    return {s: VARIANT_COLORS[k % len(VARIANT_COLORS)] for k, s in enumerate(dict.fromkeys(series))}


def _forest_axis(ax: Any, labels: Sequence[str], values: Sequence[float], lows: Sequence[float],
                 highs: Sequence[float], *, groups: Sequence[str] | None, series: Sequence[str] | None,
                 filled: Sequence[bool] | None, reference: Sequence[float | None] | None,
                 color: Mapping[str, str], percent: bool = True) -> None:
    """Rows top to bottom: a point and its interval each, a zero line, a rule between groups."""
    from matplotlib.ticker import FuncFormatter

    n = len(labels)
    ys = [n - 1 - i for i in range(n)]
    finite = [v for v in (*lows, *highs, *values, 0.0) if math.isfinite(v)]
    lo, hi = min(finite), max(finite)
    pad = (hi - lo) * 0.06 or 0.01
    lo, hi = lo - pad, hi + pad
    for i in range(n):
        c = color.get(series[i], COLORS[0]) if series else COLORS[0]
        full = True if filled is None else bool(filled[i])
        # An unbounded interval (Fieller) is drawn to the edge of the axis.
        ends = [min(max(v, lo), hi) if not math.isnan(v) else lo for v in (lows[i], highs[i])]
        ax.plot(ends, [ys[i], ys[i]], color=c, lw=2.2, solid_capstyle="butt", zorder=2)
        ax.plot([values[i]], [ys[i]], marker="o", ms=6.5, mfc=c if full else "white", mec=c, mew=1.6,
                zorder=3)
        if reference is not None and reference[i] is not None:
            ax.plot([reference[i]], [ys[i]], marker="|", ms=13, mew=1.6, color="#555555", zorder=4)
        if groups and i and groups[i] != groups[i - 1]:
            ax.axhline(ys[i] + 0.5, color="#dddddd", lw=0.8, zorder=0)
    ax.axvline(0, color="#333333", lw=0.9, zorder=1)
    ax.set_yticks(ys, list(labels))
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlim(lo, hi)
    if percent:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.tick(v, binary=True)))
    ax.grid(axis="x", color="#eeeeee", lw=0.8)
    ax.set_axisbelow(True)


def _series_legend(fig: Any, color: Mapping[str, str], *, filled_note: str | None = None) -> None:
    """One legend under the plot (outside the axes, so it never hides an interval)."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=c, marker="o", lw=2.2, label=s) for s, c in color.items()]
    if filled_note:
        handles.append(Line2D([], [], color="#555555", marker="o", mfc="white", lw=0, label=filled_note))
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4), fontsize=8)


