"""Figures of the uplift report: matplotlib functions that take result data and only draw.

Each function takes the parts of an :class:`~truelift.hte.analysis.UpliftAnalysis` it draws
(curves, calibration groups, the profit curve, ...), one entry per treatment arm, and returns an
inline SVG string made by :func:`truelift.report.figures._svg` (no URL, text as paths).

* :func:`qini_plot`: the held-out Qini curve of every arm with its random-targeting line.
* :func:`calibration_plot`: predicted against observed (doubly robust) uplift by decile of the
  score, with intervals and the 45° line; one panel per arm.
* :func:`profit_plot`: incremental profit against the share targeted, its pointwise band, the
  predicted curve, the rule's share and the in-sample best share.
* :func:`cate_histogram`: the distribution of the predicted effect; one panel per arm.
* :func:`importance_plot`: which covariates move the predicted effect; one panel per arm.
* :func:`effect_by_covariate_plot`: predicted and observed effect by bin of the top covariates.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

from truelift.report import format as fmt
from truelift.report.figures import NAIVE_COLOR, VARIANT_COLORS, _figure, _svg

MAX_WIDTH = 8.2
"""Widest figure, in inches: the report shows figures at most 820 px wide, so wider ones would shrink."""
ArmData = Sequence[tuple[str, Any]]
"""``(arm name, the arm's result part)`` pairs, one per treatment arm, in order."""


def _color(k: int) -> str:
    return VARIANT_COLORS[k % len(VARIANT_COLORS)]


def _formatter(binary: bool) -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: fmt.tick(v, binary=binary))


def _share_formatter() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: fmt.share(v, 0))


def _unit(binary: bool) -> str:
    return "pp" if binary else "outcome units"


def _grid(ax: Any, axis: str = "both") -> None:
    ax.grid(axis=axis, color="#eeeeee", lw=0.8)
    ax.set_axisbelow(True)


def _layout(n: int, max_cols: int = 3) -> tuple[int, int]:
    ncols = max(1, min(n, max_cols))
    return math.ceil(n / ncols), ncols


def _check(arms: ArmData, name: str) -> None:
    if not arms:
        raise ValueError(f"{name} needs at least one arm")


def qini_plot(curves: ArmData, *, outcome: str, binary: bool) -> str:
    """The Qini curve of every arm (solid) and its random-targeting line (dashed, same colour).

    ``curves`` pairs each arm with its :class:`~truelift.hte.evaluation.UpliftCurve` (``x`` the
    share targeted, ``values`` the cumulative incremental outcome, ``random`` the straight line).
    """
    _check(curves, "qini_plot")
    from matplotlib.lines import Line2D

    with _figure(f"qini-{outcome}", 6.8, 3.6) as (fig, axes):
        ax = axes[0][0]
        handles = []
        for k, (arm, c) in enumerate(curves):
            color = _color(k)
            ax.plot(c.x, c.values, color=color, lw=1.9, zorder=3)
            ax.plot(c.x, c.random, color=color, lw=1.1, ls="--", zorder=2)
            handles.append(Line2D([], [], color=color, lw=1.9, label=f"{arm}: scores"))
        handles.append(Line2D([], [], color=NAIVE_COLOR, lw=1.1, ls="--", label="random targeting"))
        ax.axhline(0, color="#333333", lw=0.8, zorder=1)
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(_share_formatter())
        ax.yaxis.set_major_formatter(_formatter(False))
        _grid(ax)
        ax.legend(handles=handles, loc="best")
        ax.set_xlabel("share of customers targeted, highest predicted uplift first")
        what = "responders" if binary else f"{outcome}"
        ax.set_ylabel(f"incremental {what} (Qini)")
        ax.set_title(f"Qini curve on held-out scores: {outcome}", loc="left")
        return _svg(fig, f"Qini curve {outcome}")


def calibration_plot(calibrations: ArmData, *, outcome: str, binary: bool) -> str:
    """Mean predicted uplift against the observed doubly robust uplift, by decile of the score.

    ``calibrations`` pairs each arm with its :class:`~truelift.hte.evaluation.CalibrationResult`;
    each group is a point with its interval; the 45° line is perfect calibration.
    """
    _check(calibrations, "calibration_plot")
    nrows, ncols = _layout(len(calibrations))
    width = 6.8 if ncols == 1 else min(MAX_WIDTH, 3.6 * ncols)
    level = calibrations[0][1].level
    with _figure(f"calibration-{outcome}", width, 0.5 + 3.2 * nrows, nrows=nrows,
                 ncols=ncols) as (fig, axes):
        flat = [ax for row in axes for ax in row]
        for k, (ax, (arm, cal)) in enumerate(zip(flat, calibrations, strict=False)):
            pred = [g.predicted for g in cal.groups]
            obs = [g.observed for g in cal.groups]
            lo = [g.observed - g.ci[0] for g in cal.groups]
            hi = [g.ci[1] - g.observed for g in cal.groups]
            ends = [v for v in (*pred, *(g.ci[0] for g in cal.groups), *(g.ci[1] for g in cal.groups), 0.0)
                    if math.isfinite(v)]
            a, b = min(ends), max(ends)
            pad = (b - a) * 0.05 or 0.01
            ax.plot([a - pad, b + pad], [a - pad, b + pad], color="#888888", lw=1, ls="--", zorder=1,
                    label="perfect calibration")
            ax.axhline(0, color="#333333", lw=0.7, zorder=0)
            ax.axvline(0, color="#333333", lw=0.7, zorder=0)
            ax.errorbar(pred, obs, yerr=[lo, hi], fmt="o", color=_color(k), ms=5, lw=1.4, capsize=2,
                        zorder=3, label=f"decile, {fmt.level(level)} CI")
            ax.set_xlim(a - pad, b + pad)
            ax.set_ylim(a - pad, b + pad)
            ax.xaxis.set_major_formatter(_formatter(binary))
            ax.yaxis.set_major_formatter(_formatter(binary))
            _grid(ax)
            ax.set_title(f"{arm}: slope {fmt.number(cal.slope, 2)}", loc="left", fontsize=9.5)
            ax.set_xlabel(f"predicted uplift ({_unit(binary)})")
            ax.set_ylabel(f"observed uplift, AIPW ({_unit(binary)})")
        for ax in flat[len(calibrations):]:
            ax.set_visible(False)
        flat[0].legend(loc="upper left", fontsize=7.5)
        fig.suptitle(f"Calibration by decile of predicted uplift: {outcome}", x=0.01, ha="left",
                     fontsize=10)
        return _svg(fig, f"Calibration {outcome}")


def profit_plot(policy: Any, *, outcome: str) -> str:
    """Incremental profit per customer of the population against the share targeted.

    ``policy`` is a :class:`~truelift.hte.policy.TargetingPolicy`: its ``curve`` gives the doubly
    robust profit, its pointwise band and the predicted profit (dashed); the vertical lines mark
    the rule's share (``n_targeted / n``) and the in-sample best share; the zero line is treating
    nobody (break-even).
    """
    c = policy.curve
    rule_share = policy.n_targeted / policy.n if policy.n else 0.0
    with _figure("profit", 6.8, 3.8) as (fig, axes):
        ax = axes[0][0]
        ax.fill_between(c.share, c.lower, c.upper, color=_color(0), alpha=0.18, lw=0, zorder=1,
                        label=f"pointwise {fmt.level(c.level)} band")
        ax.plot(c.share, c.values, color=_color(0), lw=2, zorder=3, label="observed (doubly robust)")
        ax.plot(c.share, c.predicted, color="#333333", lw=1.2, ls="--", zorder=2,
                label="predicted by the scores")
        ax.axhline(0, color="#b3261e", lw=1.1, zorder=2, label="break-even: treat nobody")
        ax.axvline(rule_share, color="#009E73", lw=1.4, ls="-", zorder=2,
                   label=f"the rule: {fmt.share(rule_share)} targeted")
        ax.axvline(policy.optimal_share, color="#E69F00", lw=1.4, ls=":", zorder=2,
                   label=f"best share in-sample: {fmt.share(policy.optimal_share)} (optimistic)")
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(_share_formatter())
        ax.yaxis.set_major_formatter(_formatter(False))
        _grid(ax)
        ax.legend(loc="best", fontsize=7.5)
        ax.set_xlabel("share of customers targeted, highest predicted net profit first")
        ax.set_ylabel("incremental profit per customer")
        ax.set_title(f"Profit curve: value of {outcome} minus cost (units of value and cost)", loc="left")
        return _svg(fig, "Profit curve")


def cate_histogram(distributions: ArmData, *, outcome: str, binary: bool) -> str:
    """Histogram of the predicted effect of every customer, one panel per arm; zero and median marked.

    ``distributions`` pairs each arm with its :class:`~truelift.hte.explain.Distribution`
    (``edges``, ``counts``, ``quantiles`` at 5/25/50/75/95 %).
    """
    _check(distributions, "cate_histogram")
    n = len(distributions)
    with _figure(f"cate-{outcome}", 6.8, 0.5 + 2.2 * n, nrows=n) as (fig, axes):
        for k, (row, (arm, d)) in enumerate(zip(axes, distributions, strict=True)):
            ax = row[0]
            edges = list(d.edges)
            widths = [b - a for a, b in itertools.pairwise(edges)]
            ax.bar(edges[:-1], list(d.counts), width=widths, align="edge", color=_color(k), alpha=0.85,
                   lw=0, zorder=2)
            ax.axvline(0, color="#333333", lw=0.9, zorder=3, label="no effect")
            if len(d.quantiles) >= 3:
                ax.axvline(d.quantiles[2], color="#333333", lw=1.1, ls="--", zorder=3, label="median")
            ax.xaxis.set_major_formatter(_formatter(binary))
            _grid(ax, "y")
            ax.set_title(f"{arm}: {fmt.share(d.share_negative)} predicted below zero", loc="left",
                         fontsize=9.5)
            ax.set_xlabel(f"predicted effect on {outcome} ({_unit(binary)})")
            ax.set_ylabel("customers")
        axes[0][0].legend(loc="upper right", fontsize=7.5)
        fig.suptitle(f"Distribution of the predicted effect: {outcome}", x=0.01, ha="left", fontsize=10)
        return _svg(fig, f"Effect distribution {outcome}")


def importance_plot(importances: ArmData, *, outcome: str, top: int = 10) -> str:
    """Permutation importance of the covariates for the predicted effect, one panel per arm.

    ``importances`` pairs each arm with its tuple of :class:`~truelift.hte.explain.Importance`
    (largest first); the ``top`` largest are drawn.
    """
    _check(importances, "importance_plot")
    nrows, ncols = _layout(len(importances))
    rows = max(1, *(min(len(imp), top) for _, imp in importances))
    width = 6.8 if ncols == 1 else min(MAX_WIDTH, 3.6 * ncols)
    with _figure(f"importance-{outcome}", width, 0.8 + (0.4 + 0.24 * rows) * nrows, nrows=nrows,
                 ncols=ncols) as (fig, axes):
        flat = [ax for row in axes for ax in row]
        for k, (ax, (arm, imp)) in enumerate(zip(flat, importances, strict=False)):
            shown = list(imp)[:top]
            names = [i.covariate for i in shown][::-1]
            vals = [i.importance for i in shown][::-1]
            ax.barh(range(len(shown)), vals, color=_color(k), alpha=0.9, zorder=2)
            ax.set_yticks(range(len(shown)), names)
            ax.set_ylim(-0.6, max(len(shown), 1) - 0.4)
            ax.set_xlim(0, max([*vals, 0.01]) * 1.1)
            ax.xaxis.set_major_formatter(_share_formatter())
            _grid(ax, "x")
            ax.set_title(str(arm), loc="left", fontsize=9.5)
            ax.set_xlabel("share of the predicted effect's variance")
        for ax in flat[len(importances):]:
            ax.set_visible(False)
        fig.suptitle(f"What drives the predicted effect on {outcome} (permutation importance)", x=0.01,
                     ha="left", fontsize=10)
        return _svg(fig, f"Importance {outcome}")


def effect_by_covariate_plot(panels: ArmData, *, outcome: str, binary: bool, level: float = 0.95) -> str:
    """Predicted (line) and observed doubly robust (points, interval) effect by bin of a covariate.

    ``panels`` pairs each arm with one :class:`~truelift.hte.explain.EffectByCovariate` (a panel
    each: pass an arm once per covariate to draw).
    """
    _check(panels, "effect_by_covariate_plot")
    arms = list(dict.fromkeys(arm for arm, _ in panels))
    nrows, ncols = _layout(len(panels))
    width = 6.8 if ncols == 1 else min(MAX_WIDTH, 2.9 * ncols)
    with _figure(f"by-covariate-{outcome}", width, 0.6 + 3.0 * nrows, nrows=nrows,
                 ncols=ncols) as (fig, axes):
        flat = [ax for row in axes for ax in row]
        for ax, (arm, b) in zip(flat, panels, strict=False):
            color = _color(arms.index(arm))
            x = list(range(len(b.bins)))
            obs = [e.observed for e in b.bins]
            err = [[e.observed - e.ci[0] for e in b.bins], [e.ci[1] - e.observed for e in b.bins]]
            ax.errorbar(x, obs, yerr=err,
                        fmt="o", color=color, ms=5, lw=1.3, capsize=2, zorder=3,
                        label=f"observed (AIPW), {fmt.level(level)} CI")
            ax.plot(x, [e.predicted for e in b.bins], color="#333333", lw=1.2, ls="--", marker="_", ms=10,
                    zorder=2, label="predicted")
            ax.axhline(0, color="#333333", lw=0.7, zorder=0)
            ax.set_xticks(x, [e.label for e in b.bins], rotation=30 if len(b.bins) > 3 else 0,
                          ha="right" if len(b.bins) > 3 else "center", fontsize=7.5)
            ax.yaxis.set_major_formatter(_formatter(binary))
            _grid(ax, "y")
            ax.set_title(f"{arm}: by {b.covariate}" if len(arms) > 1 else f"by {b.covariate}", loc="left",
                         fontsize=9.5)
            ax.set_xlabel(str(b.covariate))
            ax.set_ylabel(f"effect ({_unit(binary)})")
        for ax in flat[len(panels):]:
            ax.set_visible(False)
        flat[0].legend(loc="best", fontsize=7)
        fig.suptitle(f"Effect on {outcome} by covariate bin, top drivers", x=0.01, ha="left", fontsize=10)
        return _svg(fig, f"Effect by covariate {outcome}")


def report_figures(analysis: Any) -> dict[str, Any]:
    """Every figure of the uplift report, from the numbers in the result (nothing is estimated).

    Returns ``{"outcomes": [one dict per outcome: "qini", "calibration", "distribution",
    "importance" and (when there are bins) "by_covariate"], "profit": ... (with a policy)}``.
    """
    per_outcome = []
    for r in analysis.results:
        arms = r.arms
        figs = {
            "qini": qini_plot([(a.arm, a.qini) for a in arms], outcome=r.outcome, binary=r.binary),
            "calibration": calibration_plot([(a.arm, a.calibration) for a in arms], outcome=r.outcome,
                                            binary=r.binary),
            "distribution": cate_histogram([(a.arm, a.distribution) for a in arms], outcome=r.outcome,
                                           binary=r.binary),
            "importance": importance_plot([(a.arm, a.importance) for a in arms], outcome=r.outcome),
        }
        panels = [(a.arm, b) for a in arms for b in a.by_covariate if b.bins]
        if panels:
            figs["by_covariate"] = effect_by_covariate_plot(panels, outcome=r.outcome, binary=r.binary,
                                                            level=analysis.level)
        per_outcome.append(figs)
    out: dict[str, Any] = {"outcomes": per_outcome}
    if analysis.policy is not None:
        out["profit"] = profit_plot(analysis.policy, outcome=analysis.outcomes[0])
    return out


__all__ = ["calibration_plot", "cate_histogram", "effect_by_covariate_plot", "importance_plot",
           "profit_plot", "qini_plot", "report_figures"]
