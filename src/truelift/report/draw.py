"""The drawers: one drawing function per figure kind, for every analysis kind.

Each function takes a :class:`~truelift.quasi.result.Figure` (its ``data`` holds the numbers; see
:data:`truelift.schema.FIGURE_KINDS`) and returns an inline SVG string made by
:func:`truelift.report.figures._svg`. Nothing here computes a statistic.

* ``event_study``: estimates by event time with intervals, one colour per series, 0 and the
  reference period marked.
* ``series``: lines over time (e.g. treated against synthetic, or against the comparison group),
  an optional band around one line, the treatment start marked.
* ``gaps``: the treated unit's gap against its counterfactual, over the placebo gaps in grey.
* ``rd``: binned means of the outcome against the running variable, the local fits on each side
  of the cutoff.
* ``bars``: one bar per label, with intervals when given.
* ``histogram``: counts per bin of the running variable, the cutoff marked.
* ``fan``: per rollout scenario, the median path of cumulative profit with its 80% and 95% bands.
* ``tornado``: the result when each input moves alone between its low and high value.
* ``forest``: estimates with their intervals, one row each (lifts by metric, by segment, by
  method).
* ``love``: covariate balance, |SMD| before and after each adjustment.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from truelift.report.figures import NAIVE_COLOR, VARIANT_COLORS, _figure, _svg

WIDTH, HEIGHT = 7.6, 3.6


def _first(data: Mapping[str, Any], *names: str) -> Any:
    for n in names:
        if n in data and data[n] is not None:
            return data[n]
    return None


def _x(values: Sequence[Any]) -> list[Any]:
    """Numbers stay numbers; strings that read as dates become dates (for a time axis)."""
    vals = list(values)
    if vals and all(isinstance(v, str) for v in vals):
        import pandas as pd

        try:
            return list(pd.to_datetime(vals))
        except (ValueError, TypeError):
            return vals
    return [float("nan") if v is None else v for v in vals]


def _num(values: Sequence[Any] | None) -> list[float]:
    return [float("nan") if v is None else float(v) for v in (values or ())]


def _compact() -> Any:
    """Tick labels like 1.5M, 250K (the report's compact numbers)."""
    from matplotlib.ticker import FuncFormatter

    from truelift.report import format as fmt

    return FuncFormatter(lambda v, _: fmt.compact(v))


def _grid(ax: Any) -> None:
    ax.grid(color="#eeeeee", lw=0.8)
    ax.set_axisbelow(True)


def _marker(ax: Any, at: Any, label: str = "start") -> None:
    if at is None:
        return
    at = _x([at])[0]
    ax.axvline(at, color="#888888", lw=1, ls="--")
    ax.annotate(label, (at, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -10),
                textcoords="offset points", fontsize=8, color="#666666")


def _labels(ax: Any, fig: Any) -> None:
    ax.set_xlabel(fig.xlabel)
    ax.set_ylabel(fig.ylabel)


def _event_series(data: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """The series of an event-study figure, from any of its three layouts: ``series`` a mapping
    name -> {x, value, lower, upper}; long form (``series`` one label per row beside ``x``,
    ``value``, ``lower``, ``upper``); or one unnamed series."""
    series = data.get("series")
    if isinstance(series, Mapping):
        return [(str(k), {**({"x": data["x"]} if "x" in data else {}), **v}) for k, v in series.items()]
    if isinstance(series, Sequence) and not isinstance(series, str):
        out: dict[str, dict[str, list[Any]]] = {}
        cols = [c for c in ("x", "value", "lower", "upper") if c in data]
        for i, name in enumerate(series):
            row = out.setdefault(str(name), {c: [] for c in cols})
            for c in cols:
                row[c].append(data[c][i])
        return list(out.items())
    return [(str(data.get("label", "estimate")), data)]


def event_study_plot(fig_data: Any) -> str:
    """Event-time estimates with their intervals; series side by side, a little apart."""
    data = fig_data.data
    series = _event_series(data)
    with _figure(fig_data.name, WIDTH, HEIGHT) as (fig, axes):
        ax = axes[0, 0]
        k = len(series)
        for i, (name, s) in enumerate(series):
            x = _num(_first(s, "x", "event_time"))
            off = (i - (k - 1) / 2) * 0.12
            xs = [v + off for v in x]
            val = _num(_first(s, "value", "estimate"))
            lo, hi = _num(_first(s, "lower", "lo")), _num(_first(s, "upper", "hi"))
            color = VARIANT_COLORS[i % len(VARIANT_COLORS)]
            if lo and hi:
                ax.vlines(xs, lo, hi, color=color, lw=1.4, alpha=0.8)
            ax.plot(xs, val, "o", color=color, ms=4, label=name)
        ax.axhline(0, color="#333333", lw=0.8)
        ax.axvline(-0.5, color="#888888", lw=1, ls="--")
        ref = _first(data, "reference")
        if ref is not None:
            ax.annotate("reference period", (float(ref), 0), xytext=(0, 8), textcoords="offset points",
                        fontsize=8, color="#666666", ha="center")
        if k > 1:
            ax.legend(frameon=False, fontsize=8)
        _grid(ax)
        _labels(ax, fig_data)
        return _svg(fig, fig_data.title)


def series_plot(fig_data: Any) -> str:
    """Lines over time, an optional band, the treatment start marked."""
    data = fig_data.data
    x = _x(_first(data, "x", "time") or ())
    lines = _first(data, "lines") or {k: v for k, v in data.items()
                                      if k not in {"x", "time", "marker", "band", "lower", "upper", "start"}
                                      and isinstance(v, Sequence) and not isinstance(v, str)}
    with _figure(fig_data.name, WIDTH, HEIGHT) as (fig, axes):
        ax = axes[0, 0]
        band = _first(data, "band")
        if isinstance(band, Mapping) and band.get("lower") is not None:
            ax.fill_between(x, _num(band["lower"]), _num(band["upper"]), color=NAIVE_COLOR, alpha=0.25,
                            lw=0, label=str(band.get("label", "interval")))
        elif data.get("lower") is not None and data.get("upper") is not None:
            ax.fill_between(x, _num(data["lower"]), _num(data["upper"]), color=NAIVE_COLOR, alpha=0.25,
                            lw=0, label="interval")
        for i, (name, values) in enumerate(lines.items()):
            ys = _num(values)
            gappy = sum(math.isnan(v) for v in ys) > len(ys) // 4  # many gaps (one arm per slice): dots
            ax.plot(x, ys, color=VARIANT_COLORS[i % len(VARIANT_COLORS)], lw=1.5 if not gappy else 0.8,
                    ls="-" if i == 0 or gappy else "--", marker="o" if gappy else None, ms=3,
                    label=str(name))
        _marker(ax, _first(data, "marker", "start"), str(data.get("marker_label", "start")))
        ax.legend(frameon=False, fontsize=8)
        _grid(ax)
        _labels(ax, fig_data)
        return _svg(fig, fig_data.title)


def gaps_plot(fig_data: Any) -> str:
    """The treated gap in colour over the placebo gaps in grey."""
    data = fig_data.data
    x = _x(_first(data, "x", "time") or ())
    placebos = _first(data, "placebos") or {}
    items = placebos.values() if isinstance(placebos, Mapping) else placebos
    with _figure(fig_data.name, WIDTH, HEIGHT) as (fig, axes):
        ax = axes[0, 0]
        for j, values in enumerate(items):
            ax.plot(x, _num(values), color="#bbbbbb", lw=0.8, label="placebos" if j == 0 else None)
        ax.plot(x, _num(_first(data, "treated", "gap")), color=VARIANT_COLORS[0], lw=2, label="treated")
        ax.axhline(0, color="#333333", lw=0.8)
        _marker(ax, _first(data, "marker", "start"))
        ax.legend(frameon=False, fontsize=8)
        _grid(ax)
        _labels(ax, fig_data)
        return _svg(fig, fig_data.title)


def rd_plot(fig_data: Any) -> str:
    """Binned means and the local polynomial fit on each side of the cutoff."""
    data = fig_data.data
    cutoff = float(data["cutoff"])
    with _figure(fig_data.name, WIDTH, HEIGHT) as (fig, axes):
        ax = axes[0, 0]
        ax.plot(_num(_first(data, "x", "bin_x")), _num(_first(data, "y", "bin_y", "mean")), "o",
                color=NAIVE_COLOR, ms=3.5, label="binned means")
        fits: list[tuple[Any, Any]] = []
        if "fit" in data and isinstance(data["fit"], Mapping):
            fits = [(s["x"], s["y"]) for s in data["fit"].values()]
        elif isinstance(data.get("fit_x"), Mapping):  # {"left": [...], "right": [...]}
            fits = [(data["fit_x"][side], data["fit_y"][side]) for side in data["fit_x"]]
        else:
            for side in ("left", "right"):
                fx, fy = data.get(f"fit_x_{side}"), data.get(f"fit_y_{side}")
                if fx is not None:
                    fits.append((fx, fy))
            if not fits and data.get("fit_x") is not None:
                pairs = list(zip(_num(data["fit_x"]), _num(data["fit_y"]), strict=True))
                left = [p for p in pairs if p[0] < cutoff]
                right = [p for p in pairs if p[0] >= cutoff]
                fits = [([a for a, _ in side], [b for _, b in side]) for side in (left, right)]
        for i, (fx, fy) in enumerate(fits):
            ax.plot(_num(fx), _num(fy), color=VARIANT_COLORS[0], lw=2, label="local fit" if i == 0 else None)
        ax.axvline(cutoff, color="#888888", lw=1, ls="--")
        ax.legend(frameon=False, fontsize=8)
        _grid(ax)
        _labels(ax, fig_data)
        return _svg(fig, fig_data.title)


def bars_plot(fig_data: Any) -> str:
    """Horizontal bars, intervals when given."""
    data = fig_data.data
    labels = [str(v) for v in _first(data, "labels", "x") or ()]
    values = _num(_first(data, "values", "value", "y"))
    lo, hi = data.get("lower"), data.get("upper")
    height = min(8.0, max(1.6, 0.28 * len(labels) + 0.8))
    with _figure(fig_data.name, WIDTH, height) as (fig, axes):
        ax = axes[0, 0]
        pos = list(range(len(labels)))[::-1]
        groups = [str(g) for g in data.get("groups") or ()]
        if len(groups) == len(labels) and len(set(groups)) > 1:
            order = list(dict.fromkeys(groups))
            colors = [VARIANT_COLORS[order.index(g) % len(VARIANT_COLORS)] for g in groups]
            from matplotlib.patches import Patch

            ax.legend(handles=[Patch(color=VARIANT_COLORS[k % len(VARIANT_COLORS)], label=g)
                               for k, g in enumerate(order)], frameon=False, fontsize=8)
        else:
            colors = [VARIANT_COLORS[0]] * len(labels)
        ax.barh(pos, values, color=colors, alpha=0.85, height=0.6)
        if lo is not None and hi is not None:
            lo_n, hi_n = _num(lo), _num(hi)
            ax.hlines(pos, lo_n, hi_n, color="#333333", lw=1.2)
        ax.set_yticks(pos, labels)
        ax.axvline(0, color="#333333", lw=0.8)
        _grid(ax)
        ax.set_xlabel(fig_data.ylabel)  # horizontal bars: the values run along x
        ax.set_ylabel(fig_data.xlabel)
        return _svg(fig, fig_data.title)


def histogram_plot(fig_data: Any) -> str:
    """Counts per bin, the cutoff marked."""
    data = fig_data.data
    edges = _num(data["edges"])
    counts = _num(data["counts"])
    with _figure(fig_data.name, WIDTH, HEIGHT) as (fig, axes):
        ax = axes[0, 0]
        widths = [b - a for a, b in itertools.pairwise(edges)]
        series = data.get("series") or {}
        if series:   # groups overlaid (e.g. treated and control propensity scores)
            for i, (name, group_counts) in enumerate(series.items()):
                ax.bar(edges[:-1], _num(group_counts), width=widths, align="edge", alpha=0.5,
                       color=VARIANT_COLORS[i % len(VARIANT_COLORS)], edgecolor="white", lw=0.5,
                       label=str(name))
            ax.legend(frameon=False, fontsize=8)
        else:
            ax.bar(edges[:-1], counts, width=widths, align="edge", color=NAIVE_COLOR,
                   edgecolor="white", lw=0.5)
        cutoff = _first(data, "cutoff")
        if cutoff is not None:
            ax.axvline(float(cutoff), color="#333333", lw=1, ls="--")
        _grid(ax)
        _labels(ax, fig_data)
        return _svg(fig, fig_data.title)


def fan_plot(fig_data: Any) -> str:
    """Per scenario, the median path with its 80% and 95% bands (a fan chart)."""
    data = fig_data.data
    x = _num(_first(data, "x", "periods") or ())
    series = data.get("series") or {}
    with _figure(fig_data.name, WIDTH, HEIGHT) as (fig, axes):
        ax = axes[0, 0]
        for i, (name, q) in enumerate(series.items()):
            color = VARIANT_COLORS[i % len(VARIANT_COLORS)]
            ax.fill_between(x, _num(q["p2.5"]), _num(q["p97.5"]), color=color, alpha=0.12, lw=0)
            ax.fill_between(x, _num(q["p10"]), _num(q["p90"]), color=color, alpha=0.25, lw=0)
            ax.plot(x, _num(q["p50"]), color=color, lw=1.8, label=str(name))
        ax.axhline(0, color="#333333", lw=0.8)
        ax.yaxis.set_major_formatter(_compact())
        ax.legend(frameon=False, fontsize=8, title="median, 80% and 95% bands", title_fontsize=8)
        _grid(ax)
        _labels(ax, fig_data)
        return _svg(fig, fig_data.title)


def tornado_plot(fig_data: Any) -> str:
    """The result when each input moves alone, widest swing on top, around the base value."""
    data = fig_data.data
    labels = [str(v) for v in data["labels"]]
    low, high = _num(data["low"]), _num(data["high"])
    base = float(data["base"])
    order = sorted(range(len(labels)), key=lambda i: abs(high[i] - low[i]))
    height = min(8.0, max(1.8, 0.34 * len(labels) + 0.9))
    with _figure(fig_data.name, WIDTH, height) as (fig, axes):
        ax = axes[0, 0]
        for pos, i in enumerate(order):
            lo, hi = min(low[i], high[i]), max(low[i], high[i])
            ax.barh(pos, hi - lo, left=lo, color=VARIANT_COLORS[0], alpha=0.85, height=0.6)
        ax.set_yticks(range(len(order)), [labels[i] for i in order])
        ax.axvline(base, color="#333333", lw=1)
        ax.axvline(0, color="#aaaaaa", lw=0.8, ls="--")
        ax.xaxis.set_major_formatter(_compact())
        _grid(ax)
        _labels(ax, fig_data)
        return _svg(fig, fig_data.title)


def forest_plot(fig_data: Any) -> str:
    """One row per estimate, top to bottom: its point and interval, a zero line, a rule between
    groups, one colour per series, hollow markers for rows not ``filled`` (not significant), a
    grey tick at each row's ``reference`` (e.g. the pooled lift)."""
    from truelift.report.figures import _forest_axis, _series_colors, _series_legend

    data = fig_data.data
    labels = [str(v) for v in data["labels"]]
    if not labels:
        raise ValueError(f"figure {fig_data.name!r}: a forest needs rows; it has no rows")
    series = [str(v) for v in data["series"]] if data.get("series") else None
    color = _series_colors(series or ["estimate"])
    filled = data.get("filled")
    with _figure(fig_data.name, 6.8, 0.9 + max(1.2, 0.34 * len(labels))) as (fig, axes):
        ax = axes[0][0]
        _forest_axis(ax, labels, _num(data["values"]), _num(data["lower"]), _num(data["upper"]),
                     groups=data.get("groups"), series=series, filled=filled,
                     reference=data.get("reference"), color=color,
                     percent=data.get("scale") == "percent")
        if data.get("scale") == "pp":   # a difference of shares, in percentage points
            from matplotlib.ticker import FuncFormatter

            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:g}"))
        _series_legend(fig, color if series and len(color) > 1 else {},
                       filled_note=(data.get("hollow") or "not significant")
                       if filled is not None and not all(filled) else None)
        ax.set_xlabel(fig_data.ylabel)
        ax.set_title(fig_data.title, loc="left")
        return _svg(fig, fig_data.title)


def love_plot(fig_data: Any) -> str:
    """|SMD| per covariate before adjustment (hollow) and after each adjustment (filled), the
    balance threshold shaded and the failure threshold dotted."""
    from truelift.report import format as fmt
    from truelift.report.figures import COLORS

    data = fig_data.data
    names = [str(v) for v in data["labels"]]
    before = [abs(v) for v in _num(data["before"])]
    afters = {str(k): [abs(v) for v in _num(vals)] for k, vals in (data.get("after") or {}).items()}
    threshold, fail = float(data.get("threshold", 0.1)), float(data.get("fail", 0.25))
    order = sorted(range(len(names)), key=lambda j: -1.0 if math.isnan(before[j]) else before[j])
    n = len(names)
    with _figure(fig_data.name, 6.8, max(2.4, 0.8 + 0.28 * n)) as (fig, axes):
        ax = axes[0][0]
        y = {j: i for i, j in enumerate(order)}
        ys = [y[j] for j in range(n)]
        ax.axvspan(0, threshold, color="#e8f4ea", zorder=0, lw=0)
        ax.axvline(threshold, color="#2e7d32", ls="--", lw=1, zorder=1,
                   label=f"|SMD| = {fmt.number(threshold, 2)}")
        ax.axvline(fail, color="#c62828", ls=":", lw=0.8, zorder=1)
        for j in range(n):
            finite = [v for v in (before[j], *(a[j] for a in afters.values())) if not math.isnan(v)]
            if finite:
                ax.plot([min(finite), max(finite)], [ys[j], ys[j]], color="#cccccc", lw=1, zorder=2)
        ax.scatter(before, ys, s=36, facecolors="white", edgecolors=NAIVE_COLOR, lw=1.4, zorder=3,
                   label="before adjustment")
        markers = ("o", "D", "s", "^", "v", "P")
        for k, (method, after) in enumerate(afters.items()):
            ax.scatter(after, ys, s=30, color=COLORS[k % len(COLORS)], marker=markers[k % len(markers)],
                       zorder=4, label=f"after {method}")
        ax.set_yticks(range(n), [names[j] for j in order])
        ax.set_ylim(-0.7, n - 0.3)
        top = max([threshold * 1.5, *(v for v in before if not math.isnan(v)),
                   *(v for a in afters.values() for v in a if not math.isnan(v))])
        ax.set_xlim(0, top * 1.08)
        ax.set_xlabel(fig_data.ylabel or "absolute standardized mean difference |SMD|")
        _grid(ax)
        ax.legend(loc="best", frameon=False, fontsize=8)
        ax.set_title(fig_data.title, loc="left")
        return _svg(fig, fig_data.title)


DRAW: dict[str, Callable[[Any], str]] = {"event_study": event_study_plot, "series": series_plot,
                                         "gaps": gaps_plot, "rd": rd_plot, "bars": bars_plot,
                                         "histogram": histogram_plot, "fan": fan_plot,
                                         "tornado": tornado_plot, "forest": forest_plot,
                                         "love": love_plot}
"""Figure kind -> drawing function."""


def report_figures(analysis: Any) -> list[dict[str, str]]:
    """Every figure of ``analysis`` drawn: ``{"name", "title", "svg"}`` in the analysis's order."""
    return [{"name": f.name, "title": f.title, "svg": DRAW[f.kind](f)} for f in analysis._figures()]


__all__ = ["DRAW", "report_figures"]
