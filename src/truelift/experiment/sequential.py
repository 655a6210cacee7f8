"""Monitoring a test over time: the cumulative lift at every look, always-valid or group-sequential.

The looks are the values of the enrolment-time column (e.g. each day): at look ``t`` the lift is
read from every user enrolled up to ``t`` (cumulative cells), CUPED included. Two ways to keep
the false-positive rate at ``alpha`` when one looks repeatedly:

* ``"always-valid"``: the normal-mixture confidence sequence and always-valid p-value
  (``truelift.experiment.always_valid``; Howard et al. 2021, Johari et al. 2022), valid however
  often and whenever one looks, and for any stopping rule. The mixture is tuned to be tightest
  at the planned ``horizon`` (total users); without a horizon it is tuned to the users so far,
  which is valid for a single retrospective read but not for live monitoring.
* ``"obrien-fleming"`` / ``"pocock"``: Lan–DeMets alpha spending over the looks taken, with
  information fractions ``n_k / horizon`` (``truelift.experiment.group_sequential``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from truelift.errors import TrueliftError
from truelift.experiment import always_valid as av
from truelift.experiment.cells import Cells
from truelift.experiment.lift import AlwaysValid, Lift, compare
from truelift.experiment.metrics import Metric
from truelift.schema import Diagnostic, Status
from truelift.schema.values import _ToDict


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Path(_ToDict):
    """One metric and variant over time: the naive and the always-valid readout at each look."""

    metric: str
    variant: Any
    times: tuple[Any, ...]
    looks: tuple[av.SequentialLook, ...]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class GroupSequentialPath(_ToDict):
    """One metric and variant under a group-sequential design: each look against its boundary."""

    metric: str
    variant: Any
    times: tuple[Any, ...]
    monitoring: Any


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Monitoring(_ToDict):
    """The readout over time; ``method`` is None when only the cumulative path was asked for."""

    method: str | None
    time: str | None
    horizon: int | None
    paths: tuple[Path, ...]
    group_sequential: tuple[GroupSequentialPath, ...]
    diagnostics: tuple[Diagnostic, ...]


def _cumulative(cells: Cells, time: str | None) -> list[tuple[Any, np.ndarray]]:
    if time is None:
        return [(None, np.ones(len(cells.labels), dtype=bool))]
    values = cells.key_values(time)
    levels = [lv for lv in cells.levels(time) if lv is not None]
    present = np.array([v is not None for v in values])
    return [(lv, present & np.array([v is not None and v <= lv for v in values])) for lv in levels]


def monitor(cells: Cells, metrics: Sequence[Metric], *, variant_col: str, control: Any,
            variants: Sequence[Any], time: str | None, method: str | None, horizon: int | None,
            alpha: float, level: float, pair_share: dict[Any, float] | None = None,
            family_size: dict[str, int] | int = 1) -> Monitoring:
    """The lift of every metric and variant at each look, with the chosen sequential inference.

    ``horizon`` is the planned total of users over all arms; a comparison of a variant with
    control reaches its horizon at ``horizon * pair_share[variant]`` users (the planned share of
    those two arms), which sets its information fractions and the mixture's tuning.
    """
    looks = _cumulative(cells, time)
    paths = []
    gs_paths = []
    diags = []
    for m in metrics:
        for v in variants:
            times, ns, est, var = [], [], [], []
            for t, mask in looks:
                ctrl = cells.total(mask & cells.where(**{variant_col: control}))
                arm = cells.total(mask & cells.where(**{variant_col: v}))
                if ctrl.n < 2 or arm.n < 2:
                    continue
                try:
                    lift = compare(m, arm, ctrl, variant_label=v, control_label=control, level=level)
                except TrueliftError:
                    continue
                if not lift.estimate.se > 0:
                    continue
                times.append(t)
                ns.append(lift.estimate.n)
                est.append(lift.estimate.value)
                var.append(lift.estimate.se ** 2)
            if not times:
                continue
            pair_horizon = horizon * (pair_share or {}).get(v, 1.0) if horizon else None
            horizon_var = var[-1] * ns[-1] / pair_horizon if pair_horizon else None
            paths.append(Path(metric=m.name, variant=v, times=tuple(times),
                              looks=av.sequential_path(ns, est, var, alpha=alpha,
                                                       horizon_variance=horizon_var)))
            if method in ("obrien-fleming", "pocock") and pair_horizon:
                from truelift.experiment import group_sequential as gs

                fractions = np.minimum(np.asarray(ns, dtype=float) / pair_horizon, 1.0)
                # looks past the horizon all sit at fraction 1: keep the latest (it has all the data)
                keep = np.append(np.diff(fractions) > 0, True)
                size = family_size.get(m.name, 1) if isinstance(family_size, dict) else family_size
                mon = gs.monitor(np.asarray(est)[keep], np.sqrt(np.asarray(var)[keep]), fractions[keep],
                                 alpha=alpha / size, kind=method, level=1.0 - (1.0 - level) / size)
                gs_paths.append(GroupSequentialPath(metric=m.name, variant=v,
                                                    times=tuple(t for t, k in zip(times, keep, strict=True)
                                                                if k), monitoring=mon))
    if time is not None:
        no_time = cells.where(**{time: None})
        if no_time.any():
            diags.append(Diagnostic(
                name="time_missing", value=float(cells.n[no_time].sum()), status=Status.WARN,
                message=f"{int(cells.n[no_time].sum()):,} users have no {time!r}; they are in the lifts "
                        "but in none of the looks over time."))
    if method == "always-valid" and not horizon:
        diags.append(Diagnostic(
            name="always_valid_horizon", value=0.0, status=Status.OK,
            message="The always-valid mixture was tuned to the users so far; for live monitoring, "
                    "fix it in advance with horizon= (the planned users)."))
    return Monitoring(method=method, time=time, horizon=horizon, paths=tuple(paths),
                      group_sequential=tuple(gs_paths), diagnostics=tuple(diags))


def crossed(lift: Lift, monitoring: Monitoring) -> bool | None:
    """Group-sequential decision of ``lift``: has any look crossed its boundary? None if no path."""
    for path in monitoring.group_sequential:
        if path.metric == lift.metric and path.variant == lift.variant:
            return path.monitoring.first_crossing is not None
    return None


def attach(lift: Lift, monitoring: Monitoring) -> Lift:
    """Add the always-valid interval and p-value at the latest look to ``lift``."""
    if monitoring.method != "always-valid":
        return lift
    for path in monitoring.paths:
        if path.metric == lift.metric and path.variant == lift.variant:
            last = path.looks[-1]
            return dataclasses.replace(lift, always_valid=AlwaysValid(
                ci=last.cs, pvalue=last.pvalue_always_valid, tau2=last.tau2, looks=len(path.looks)))
    return lift
