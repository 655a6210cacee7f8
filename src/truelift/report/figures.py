"""Figures of the report: matplotlib functions that take result data and only draw.

Each function returns an inline SVG string (no XML prolog, no DOCTYPE, no namespace URLs, text
drawn as paths so no font is needed), ready to be embedded in an HTML page. matplotlib is
imported inside the functions, with the non-interactive Agg canvas, so ``import truelift`` never
touches it and never calls ``matplotlib.use``. Every figure is closed after it is saved.

* :func:`love_plot`: |SMD| of every covariate before and after each adjustment (Ahmed et al.
  2006's "love plot"), with the 0.1 balance threshold.
* :func:`overlap_plot`: mirrored histograms of the propensity score by arm, common support shaded.
* :func:`forest_plot`: every estimate per outcome with its interval, the naive difference apart.

Randomized tests (:mod:`truelift.report.experiment` feeds them plain numbers from a readout):

* :func:`lift_forest_plot`: the relative lift of every metric and variant with its interval.
* :func:`cumulative_lift_plot`: the lift at every look with the naive interval and the
  always-valid confidence sequence.
* :func:`funnel_plot`: the share of each arm reaching each funnel stage, step lifts annotated.
* :func:`segment_plot`: a small forest of the lift per segment level, the pooled lift marked.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from truelift.report import format as fmt
from truelift.schema.rules import SMD_FAIL, SMD_OK

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

    ``estimates`` and ``naive`` are :class:`~truelift.schema.Estimate` values; the naive
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


# --------------------------------------------------------------------------- randomized tests


def _series_colors(series: Sequence[str]) -> dict[str, str]:
    return {s: VARIANT_COLORS[k % len(VARIANT_COLORS)] for k, s in enumerate(dict.fromkeys(series))}


def _forest_axis(ax: Any, labels: Sequence[str], values: Sequence[float], lows: Sequence[float],
                 highs: Sequence[float], *, groups: Sequence[str] | None, series: Sequence[str] | None,
                 filled: Sequence[bool] | None, reference: Sequence[float | None] | None,
                 color: Mapping[str, str]) -> None:
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


def lift_forest_plot(labels: Sequence[str], values: Sequence[float], lows: Sequence[float],
                     highs: Sequence[float], *, groups: Sequence[str] | None = None,
                     series: Sequence[str] | None = None, filled: Sequence[bool] | None = None,
                     level: float = 0.95) -> str:
    """Relative lifts with their intervals, one row per metric x variant, top to bottom.

    ``values``, ``lows`` and ``highs`` are relative lifts (0.05 = +5%); ``groups`` (the metric of
    each row) draws a rule between groups; ``series`` (the variant) sets the colour; ``filled`` is
    False for a lift that is not significant (hollow marker).
    """
    if not labels:
        raise ValueError("lift_forest_plot needs at least one row")
    color = _series_colors(series or ["lift"])
    with _figure("lift-forest", 6.8, 0.9 + max(1.2, 0.34 * len(labels))) as (fig, axes):
        ax = axes[0][0]
        _forest_axis(ax, labels, values, lows, highs, groups=groups, series=series, filled=filled,
                     reference=None, color=color)
        _series_legend(fig, color if series and len(color) > 1 else {},
                       filled_note="not significant" if filled is not None and not all(filled) else None)
        ax.set_xlabel("relative lift over control (%)")
        ax.set_title(f"Relative lift with {fmt.level(level)} interval", loc="left")
        return _svg(fig, "Lift forest plot")


def segment_plot(panels: Sequence[Mapping[str, Any]], *, level: float = 0.95) -> str:
    """A small forest per segment column: the relative lift in every level, the pooled lift marked.

    Each panel is a mapping with ``title``, ``labels``, ``values``, ``lows``, ``highs`` (relative
    lifts, one per row), and optionally ``groups`` (metric per row), ``series`` (variant per row),
    ``filled`` (significant per row) and ``reference`` (the pooled relative lift per row, drawn as
    a grey tick).
    """
    if not panels:
        raise ValueError("segment_plot needs at least one panel")
    color = _series_colors([s for p in panels for s in (p.get("series") or ["lift"])])
    rows = [len(p["labels"]) for p in panels]
    height = 0.7 + sum(0.55 + max(1.0, 0.3 * r) for r in rows)
    with _figure("segments", 6.8, height, nrows=len(panels)) as (fig, axes):
        fig.get_layout_engine().set(hspace=0.04)
        for ax_row, p in zip(axes, panels, strict=True):
            ax = ax_row[0]
            _forest_axis(ax, p["labels"], p["values"], p["lows"], p["highs"], groups=p.get("groups"),
                         series=p.get("series"), filled=p.get("filled"), reference=p.get("reference"),
                         color=color)
            ax.set_title(str(p["title"]), loc="left")
            ax.set_xlabel("relative lift over control (%)")
        _series_legend(fig, color if len(color) > 1 else {},
                       filled_note="not significant after Holm"
                       if any(not f for p in panels for f in (p.get("filled") or [True])) else None)
        fig.suptitle(f"Lift by segment, {fmt.level(level)} intervals (grey tick: all users)", x=0.01,
                     ha="left", fontsize=10)
        return _svg(fig, "Segment lifts")


def _numeric(values: Sequence[Any]) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def cumulative_lift_plot(panels: Sequence[Mapping[str, Any]], *, ncols: int = 1,
                         level: float = 0.95) -> str:
    """The cumulative lift at every look with its naive interval and its always-valid band.

    Each panel is a mapping with ``title``, ``times`` (the looks: numbers, or labels drawn in
    order), ``estimate``, ``ci_low``, ``ci_high``, ``cs_low``, ``cs_high`` (absolute lifts, one per
    look), ``binary`` (axis in percentage points) and optionally ``xlabel``. An empty always-valid
    band (``cs_low > cs_high``) is left undrawn at that look.
    """
    if not panels:
        raise ValueError("cumulative_lift_plot needs at least one panel")
    import numpy as np
    from matplotlib.ticker import FuncFormatter

    ncols = max(1, min(ncols, len(panels)))
    nrows = math.ceil(len(panels) / ncols)
    width = 6.8 if ncols == 1 else min(10.5, 4.2 * ncols)
    with _figure("cumulative", width, 0.6 + 2.5 * nrows, nrows=nrows, ncols=ncols) as (fig, axes):
        flat = [ax for row in axes for ax in row]
        for ax, p in zip(flat, panels, strict=False):
            times = list(p["times"])
            x = np.asarray(times, dtype=float) if _numeric(times) else np.arange(len(times), dtype=float)
            est = np.asarray(p["estimate"], dtype=float)
            ci_lo, ci_hi = np.asarray(p["ci_low"], dtype=float), np.asarray(p["ci_high"], dtype=float)
            cs_lo, cs_hi = np.asarray(p["cs_low"], dtype=float), np.asarray(p["cs_high"], dtype=float)
            ok = cs_lo <= cs_hi
            ax.fill_between(x, cs_lo, cs_hi, where=ok, color="#E69F00", alpha=0.3, lw=0, zorder=1,
                            label=f"always-valid {fmt.level(level)} CS", interpolate=False)
            ax.plot(x, ci_lo, color=COLORS[0], lw=1.1, ls="--", zorder=2,
                    label=f"naive {fmt.level(level)} CI")
            ax.plot(x, ci_hi, color=COLORS[0], lw=1.1, ls="--", zorder=2)
            ax.plot(x, est, color=COLORS[0], lw=1.8, marker="o", ms=3, zorder=3, label="lift")
            ax.axhline(0, color="#333333", lw=0.9, zorder=0)
            # The first looks have few users and very wide bands: scale to the later looks.
            tail = slice(len(x) // 3, None) if len(x) >= 4 else slice(None)
            head = slice(1, None) if len(x) >= 4 else slice(None)
            span = [*est, *ci_lo[head], *ci_hi[head], *cs_lo[tail][ok[tail]], *cs_hi[tail][ok[tail]],
                    0.0]
            span = [v for v in span if math.isfinite(v)]
            lo, hi = min(span), max(span)
            pad = (hi - lo) * 0.12 or 0.01
            ax.set_ylim(lo - pad, hi + pad)
            binary = bool(p.get("binary", False))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _, b=binary: fmt.tick(v, binary=b)))
            if not _numeric(times):
                step = max(1, len(times) // 6)
                ax.set_xticks(x[::step], [str(t) for t in times[::step]])
            ax.set_title(str(p["title"]), loc="left", fontsize=9.5)
            ax.set_xlabel(str(p.get("xlabel", "look")))
            ax.set_ylabel("lift (pp)" if binary else "lift")
            ax.grid(color="#eeeeee", lw=0.8)
            ax.set_axisbelow(True)
        for ax in flat[len(panels):]:
            ax.set_visible(False)
        flat[0].legend(loc="best", fontsize=7.5)
        return _svg(fig, "Cumulative lift")


def funnel_plot(stages: Sequence[str], arms: Sequence[str], reach: Sequence[Sequence[float]], *,
                annotations: Sequence[str] | None = None) -> str:
    """Share of each arm's users reaching each stage (grouped bars), a note under each stage.

    ``reach[i][k]`` is the share of arm ``i``'s users who reached stage ``k`` (0..1);
    ``annotations[k]`` (already formatted, e.g. the step-conversion lift) is written above stage
    ``k``'s bars.
    """
    import numpy as np

    r = np.asarray(reach, dtype=float)
    if r.shape != (len(arms), len(stages)):
        raise ValueError("reach must have one row per arm and one column per stage")
    width = 0.8 / len(arms)
    x = np.arange(len(stages), dtype=float)
    with _figure("funnel", 6.8, 3.4) as (fig, axes):
        ax = axes[0][0]
        for i, arm in enumerate(arms):
            c = CONTROL_COLOR if i == 0 else VARIANT_COLORS[(i - 1) % len(VARIANT_COLORS)]
            bars = ax.bar(x - 0.4 + width * (i + 0.5), r[i], width=width * 0.95, color=c, alpha=0.9,
                          label=arm, zorder=2)
            for b, v in zip(bars, r[i], strict=True):
                ax.text(b.get_x() + b.get_width() / 2, v, fmt.share(v, 0), ha="center", va="bottom",
                        fontsize=7, color="#333333")
        top = float(r.max(initial=0.0))
        if annotations:
            for k, note in enumerate(annotations):
                if note:
                    ax.text(x[k], top * 1.12, note, ha="center", va="bottom", fontsize=7.5,
                            color="#333333", linespacing=1.25)
        ax.set_ylim(0, top * 1.45 if annotations else top * 1.15)
        from matplotlib.ticker import FuncFormatter

        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.share(v, 0)))
        ax.set_xticks(x, list(stages))
        ax.set_ylabel("share of users reaching the stage")
        ax.grid(axis="y", color="#eeeeee", lw=0.8)
        ax.set_axisbelow(True)
        ax.legend(loc="upper right", ncols=min(len(arms), 3))
        ax.set_title("Funnel: reach by arm (above: step-conversion lift)", loc="left")
        return _svg(fig, "Funnel")
