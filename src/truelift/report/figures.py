"""Figures of the report: matplotlib functions that take result data and only draw.

Each function returns an inline SVG string (no XML prolog, no DOCTYPE, no namespace URLs, text
drawn as paths so no font is needed), ready to be embedded in an HTML page. matplotlib is
imported inside the functions, with the non-interactive Agg canvas, so ``import truelift`` never
touches it and never calls ``matplotlib.use``. Every figure is closed after it is saved.

* :func:`love_plot`: |SMD| of every covariate before and after each adjustment (Ahmed et al.
  2006's "love plot"), with the 0.1 balance threshold.
* :func:`overlap_plot`: mirrored histograms of the propensity score by arm, common support shaded.
* :func:`forest_plot`: every estimate per outcome with its interval, the naive difference apart.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from truelift.observational.balance import SMD_FAIL, SMD_OK
from truelift.report import format as fmt

# Colours (colour-blind safe, Okabe & Ito 2008) shared with the HTML report.
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442")
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


def love_plot(balances: Sequence[Any], *, threshold: float = SMD_OK) -> str:
    """|SMD| per covariate, before adjustment and after each adjustment in ``balances``.

    ``balances`` are :class:`~truelift.observational.balance.Balance` tables (``method``,
    ``rows`` of ``covariate``, ``smd_before``, ``smd_after``). The unadjusted |SMD| is the same
    in every table, so it is drawn once.
    """
    if not balances:
        raise ValueError("love_plot needs at least one balance table")
    rows = balances[0].rows
    names = [r.covariate for r in rows]
    before = [abs(r.smd_before) for r in rows]
    order = sorted(range(len(names)), key=lambda j: _nan_last(before[j]))
    n = len(names)
    height = max(2.4, 0.8 + 0.28 * n)
    with _figure("love", 6.8, height) as (fig, axes):
        ax = axes[0][0]
        ypos = {j: i for i, j in enumerate(order)}
        ys = [ypos[j] for j in range(n)]
        ax.axvspan(0, threshold, color="#e8f4ea", zorder=0, lw=0)
        ax.axvline(threshold, color="#2e7d32", ls="--", lw=1, zorder=1,
                   label=f"|SMD| = {fmt.number(threshold, 2)}")
        ax.axvline(SMD_FAIL, color="#c62828", ls=":", lw=0.8, zorder=1)
        y_of = {name: ys[j] for j, name in enumerate(names)}
        afters = [{r.covariate: abs(r.smd_after) for r in b.rows if r.covariate in y_of}
                  for b in balances]
        for j, name in enumerate(names):
            finite = [v for v in (before[j], *(a.get(name, math.nan) for a in afters))
                      if not math.isnan(v)]
            if finite:
                ax.plot([min(finite), max(finite)], [ys[j], ys[j]], color="#cccccc", lw=1,
                        zorder=2)
        ax.scatter(before, ys, s=36, facecolors="white", edgecolors=NAIVE_COLOR, lw=1.4,
                   zorder=3, label="before adjustment")
        markers = ("o", "D", "s", "^", "v", "P")
        for k, (bal, after) in enumerate(zip(balances, afters, strict=True)):
            ax.scatter(list(after.values()), [y_of[c] for c in after], s=30,
                       color=COLORS[k % len(COLORS)], marker=markers[k % len(markers)],
                       zorder=4, label=f"after {bal.method}")
        ax.set_yticks(range(n), [names[j] for j in order])
        ax.set_ylim(-0.7, n - 0.3)
        top = max([threshold * 1.5, *(v for v in before if not math.isnan(v)),
                   *(v for a in afters for v in a.values() if not math.isnan(v))])
        ax.set_xlim(0, top * 1.08)
        ax.set_xlabel("absolute standardized mean difference |SMD|")
        ax.grid(axis="x", color="#eeeeee", lw=0.8)
        ax.set_axisbelow(True)
        ax.legend(loc="best")
        ax.set_title("Covariate balance before and after adjustment", loc="left")
        return _svg(fig, "Love plot")


def _nan_last(v: float) -> float:
    return -1.0 if math.isnan(v) else v


def overlap_plot(bin_edges: Sequence[float], counts_treated: Sequence[int],
                 counts_control: Sequence[int], *,
                 common_support: tuple[float, float] | None = None) -> str:
    """Mirrored histograms of the propensity score: treated above the axis, control below.

    Bars are shares of each arm (so arms of different sizes compare); the common support
    ``[low, high]`` is shaded.
    """
    import numpy as np

    edges = np.asarray(bin_edges, dtype=float)
    c1 = np.asarray(counts_treated, dtype=float)
    c0 = np.asarray(counts_control, dtype=float)
    if edges.shape[0] != c1.shape[0] + 1 or c1.shape != c0.shape:
        raise ValueError("bin_edges must have one more entry than the counts of each arm")
    s1 = c1 / c1.sum() if c1.sum() > 0 else c1
    s0 = c0 / c0.sum() if c0.sum() > 0 else c0
    widths = np.diff(edges)
    with _figure("overlap", 6.8, 3.2) as (fig, axes):
        ax = axes[0][0]
        if common_support is not None:
            lo, hi = common_support
            ax.axvspan(lo, hi, color="#f1f1f1", zorder=0, lw=0,
                       label=f"common support [{fmt.number(lo, 2)}, {fmt.number(hi, 2)}]")
            for x in (lo, hi):
                ax.axvline(x, color="#555555", ls="--", lw=0.9, zorder=1)
        ax.bar(edges[:-1], s1, width=widths, align="edge", color=TREATED_COLOR, alpha=0.85,
               edgecolor="white", lw=0.3, zorder=2, label=f"treated (n = {fmt.count(c1.sum())})")
        ax.bar(edges[:-1], -s0, width=widths, align="edge", color=CONTROL_COLOR, alpha=0.85,
               edgecolor="white", lw=0.3, zorder=2, label=f"control (n = {fmt.count(c0.sum())})")
        ax.axhline(0, color="#333333", lw=0.8, zorder=3)
        m = float(max(s1.max(initial=0.0), s0.max(initial=0.0), 0.01)) * 1.1
        ax.set_ylim(-m, m)
        ax.set_xlim(float(edges[0]), float(edges[-1]))
        from matplotlib.ticker import FuncFormatter

        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.share(abs(v), 0)))
        ax.set_xlabel("propensity score  e(x) = P(treated | covariates)")
        ax.set_ylabel("share of arm\n(treated up, control down)")
        ax.legend(loc="upper left", ncols=1)
        ax.set_title("Overlap of the propensity score by arm", loc="left")
        return _svg(fig, "Propensity overlap")


def forest_plot(estimates: Sequence[Any], *, naive: Sequence[Any] = (),
                binary: Mapping[str, bool] | None = None, primary: str | None = None) -> str:
    """Every estimate (value and interval) per outcome, one panel per outcome, a zero line.

    ``estimates`` and ``naive`` are :class:`~truelift.results.Estimate` values; the naive
    difference is drawn grey and hollow, apart from the causal methods. ``binary`` maps an
    outcome to whether it is 0/1 (its axis is then in percentage points).
    """
    binary = dict(binary or {})
    outcomes = list(dict.fromkeys([e.outcome for e in (*naive, *estimates)]))
    if not outcomes:
        raise ValueError("forest_plot needs at least one estimate")
    from matplotlib.ticker import FuncFormatter

    per = {o: [*(e for e in naive if e.outcome == o), *(e for e in estimates if e.outcome == o)]
           for o in outcomes}
    nmax = max(len(v) for v in per.values())
    height = 0.9 + max(1.2, 0.36 * nmax) * len(outcomes)
    with _figure("forest", 6.8, height, nrows=len(outcomes)) as (fig, axes):
        methods = list(dict.fromkeys(e.method for e in estimates))
        color = {m: COLORS[k % len(COLORS)] for k, m in enumerate(methods)}
        for ax_row, outcome in zip(axes, outcomes, strict=True):
            ax = ax_row[0]
            rows = per[outcome]
            is_bin = bool(binary.get(outcome, False))
            labels = []
            for i, est in enumerate(rows):
                y = len(rows) - 1 - i
                naive_row = est.method == "naive"
                c = NAIVE_COLOR if naive_row else color.get(est.method, COLORS[0])
                ax.plot(list(est.ci), [y, y], color=c, lw=2.2 if not naive_row else 1.6,
                        ls="--" if naive_row else "-", solid_capstyle="butt", zorder=2)
                ax.plot([est.value], [y], marker="s" if naive_row else "o", ms=7,
                        mfc="white" if naive_row else c, mec=c, mew=1.6, zorder=3)
                label = "naive (association)" if naive_row else est.method
                if primary and est.method == primary:
                    label += " (primary)"
                labels.append(label)
            ax.axvline(0, color="#333333", lw=0.9, zorder=1)
            if naive and len(rows) > 1:
                ax.axhline(len(rows) - 1.5, color="#dddddd", lw=0.8, zorder=0)
            ax.set_yticks(range(len(rows)), labels[::-1])
            ax.set_ylim(-0.6, len(rows) - 0.4)
            lo = min(*(e.ci[0] for e in rows), 0.0)
            hi = max(*(e.ci[1] for e in rows), 0.0)
            pad = (hi - lo) * 0.06 or 1.0
            ax.set_xlim(lo - pad, hi + pad)
            ax.xaxis.set_major_formatter(FuncFormatter(
                lambda v, _, b=is_bin: fmt.tick(v, binary=b)))
            ax.grid(axis="x", color="#eeeeee", lw=0.8)
            ax.set_axisbelow(True)
            unit = "percentage points" if is_bin else "outcome units"
            est0 = next((e for e in rows if e.method != "naive"), rows[0])
            ax.set_title(f"{outcome}: effect ({est0.estimand}) with {fmt.level(est0.level)} "
                         f"interval", loc="left")
            ax.set_xlabel(f"effect on {outcome} ({unit})")
        return _svg(fig, "Forest plot")
