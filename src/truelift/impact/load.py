"""The named estimates of a saved truelift result, for ``project`` and the CLI.

:func:`loaded_estimates` reads an analysis object, its ``to_dict()``, its JSON or the path of
its JSON through :func:`truelift.load` (so every schema version ``load`` reads), and names every
:class:`~truelift.schema.Estimate` the analysis holds (its ``estimate()`` accessor's list,
exactly as saved), each under a name:

* ``observational`` (``tl.observe``): ``"outcome / method / estimand"``, the primary method's
  estimates first, then the other methods, then the naive comparison;
* ``readout`` (``tl.readout``): ``"metric / variant"``, one per lift;
* ``uplift`` (``tl.uplift``): ``"outcome / arm / method / estimand"``, the cross-fitted AIPW
  average effect (ATE) of each arm against control;
* ``quasi`` and ``impact`` (``tl.did``, ``tl.synth``, ``tl.geo``, ``tl.rd``, ``tl.iv``,
  ``tl.switchback``, the impact analyses): ``"outcome / method / estimand"``, the headline first;
* ``factorial``: ``"metric / term"``; ``project`` (a saved rollout projection): the effect it
  projected.

Nothing is re-estimated: the numbers are those saved. A JSON of a schema version ``load``
cannot read, a JSON that is not a truelift result, or a kind that holds no estimates (``plan``,
``geo_plan``) raise a one-line :class:`~truelift.errors.DataError` or
:class:`~truelift.errors.MethodError`. :func:`load_result` is the deprecated name of this
release's first form.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from typing import Any

from truelift.errors import DataError, MethodError
from truelift.schema import Analysis, Diagnostic, Estimate, Relative, Verdict
from truelift.schema.values import _ToDict


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class LoadedResult(_ToDict):
    """The estimates of a saved result, by name (the headline first).

    Attributes:
        kind: the saved result's ``kind`` (``"observational"``, ``"readout"``, ...).
        source: where it came from (the file path, ``"dict"`` or the analysis type's name).
        estimates: name -> :class:`Estimate`, in the order described in the module docstring.
        verdict: the saved result's own verdict (``None`` when it had none).
    """

    kind: str
    source: str
    estimates: Mapping[str, Estimate]
    verdict: Verdict | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The estimates' names, the headline first."""
        return tuple(self.estimates)

    def pick(self, outcome: str | None = None) -> tuple[str, Estimate]:
        """The ``(name, estimate)`` for ``outcome``: a full name, or an outcome / metric (its first,
        i.e. headline, estimate); the headline of the result when ``None``."""
        if outcome is None:
            name = next(iter(self.estimates))
            return name, self.estimates[name]
        if outcome in self.estimates:
            return outcome, self.estimates[outcome]
        for name, est in self.estimates.items():
            if est.outcome == outcome:
                return name, est
        outcomes = list(dict.fromkeys(e.outcome for e in self.estimates.values()))
        raise DataError(outcome, f"was not measured in this saved {self.kind} result; outcomes: "
                                 f"{', '.join(outcomes)} (or a full name: {'; '.join(self.estimates)})")


def loaded_estimates(source: Any) -> LoadedResult:
    """The named estimates of a saved (or live) analysis (see the module docstring).

    Args:
        source: an analysis object, the dict of its ``to_dict()``, a JSON string, or the path
            (``str`` / ``os.PathLike``) of the JSON file: anything :func:`truelift.load` reads,
            of any schema version it reads.

    Returns:
        A :class:`LoadedResult`.
    """
    from truelift.saved import load

    where = _where(source)
    if isinstance(source, str | os.PathLike) and not (isinstance(source, str)
                                                       and source.lstrip().startswith("{")):
        if not os.path.isfile(os.fspath(source)):
            raise DataError(None, f"no such result file: {os.fspath(source)}")
    elif not isinstance(source, Mapping | str) and not hasattr(source, "to_dict"):
        raise DataError(None, f"cannot read a result from a {type(source).__name__}; give an "
                              "analysis, its to_dict() or the path of its JSON")
    if hasattr(source, "to_dict") and not isinstance(source, Analysis):
        source = source.to_dict()
    analysis = load(source)
    ests = analysis._estimates()
    if not ests:
        raise MethodError(f"{where}: a saved {analysis.kind!r} result holds no effect estimates; "
                          f"use the result of one of: {', '.join(_WITH_ESTIMATES)}")
    estimates: dict[str, Estimate] = {}
    for est in ests:
        name = _name_of(analysis, est)
        key, k = name, 2
        while key in estimates:
            key, k = f"{name} #{k}", k + 1
        estimates[key] = est
    return LoadedResult(kind=analysis.kind, source=where, estimates=estimates,
                        verdict=getattr(analysis, "verdict", None))


def load_result(path_or_dict: Any) -> LoadedResult:
    """Deprecated: use :func:`truelift.load` (the analysis itself, with ``estimate()``,
    ``to_frame()``, ...). Kept for this release; returns the named estimates as before."""
    import warnings

    warnings.warn("truelift.load_result is deprecated; use truelift.load(path) and the "
                  "result's estimate() / to_frame()", DeprecationWarning, stacklevel=2)
    return loaded_estimates(path_or_dict)


_WITH_ESTIMATES = ("observational", "readout", "uplift", "quasi", "impact", "factorial", "project")


def _where(source: Any) -> str:
    if isinstance(source, Mapping):
        return "dict"
    if isinstance(source, str) and source.lstrip().startswith("{"):
        return "JSON"
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    return type(source).__name__


def _name_of(analysis: Any, e: Estimate) -> str:
    kind = analysis.kind
    if kind in ("readout", "factorial"):
        return f"{e.outcome} / {e.arm}"
    if kind == "uplift":
        return f"{e.outcome} / {e.arm} / {e.method} / {e.estimand}"
    if kind == "project":
        return str(analysis.estimate_name or _name(e))
    return _name(e)


def _f(x: Any) -> float:
    """A saved float (``None`` is how ``to_dict`` writes NaN)."""
    return math.nan if x is None else float(x)


def estimate_from_dict(d: Mapping[str, Any]) -> Estimate:
    """Rebuild an :class:`Estimate` from its ``to_dict()`` exactly (``None`` floats become NaN,
    an open interval bound becomes an infinity)."""
    rel = d.get("relative")
    ci = d["ci"]
    return Estimate(
        outcome=str(d["outcome"]), estimand=str(d["estimand"]), method=str(d["method"]),
        value=float(d["value"]), se=float(d["se"]),
        ci=(-math.inf if ci[0] is None else float(ci[0]), math.inf if ci[1] is None else float(ci[1])),
        level=float(d["level"]), pvalue=float(d["pvalue"]), se_kind=str(d["se_kind"]),
        n_treated=int(d["n_treated"]), n_control=int(d["n_control"]),
        mean_treated=_f(d["mean_treated"]), baseline=_f(d["baseline"]),
        relative=None if rel is None else Relative(
            value=float(rel["value"]), se=float(rel["se"]),
            ci=(-math.inf if rel["ci"][0] is None else float(rel["ci"][0]),
                math.inf if rel["ci"][1] is None else float(rel["ci"][1]))),
        diagnostics=tuple(_diagnostic(x) for x in d.get("diagnostics") or ()),
    )


def _diagnostic(d: Mapping[str, Any]) -> Diagnostic:
    thr = d.get("threshold")
    return Diagnostic(name=str(d["name"]), value=_f(d["value"]), status=d["status"],
                      message=str(d["message"]), threshold=None if thr is None else float(thr))


def _name(e: Estimate) -> str:
    return f"{e.outcome} / {e.method} / {e.estimand}"


__all__ = ["LoadedResult", "estimate_from_dict", "load_result", "loaded_estimates"]
