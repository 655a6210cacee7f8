"""Read a saved truelift result (the JSON of ``Analysis.to_dict()`` / ``truelift ... --json``).

:func:`load_result` takes an analysis object, its ``to_dict()`` or the path of its JSON, checks
that it is a truelift result of this :data:`~truelift.schema.SCHEMA_VERSION`, and rebuilds
every :class:`~truelift.schema.Estimate` it holds exactly (every field, the
:class:`~truelift.schema.Relative` lift and the estimate's diagnostics), each under a name:

* ``observational`` (``tl.observe``): ``"outcome / method / estimand"``, the primary method's
  estimates first, then the other methods, then the naive comparison;
* ``readout`` (``tl.readout``): ``"metric / variant"``, one per lift;
* ``uplift`` (``tl.uplift``): ``"outcome / arm / method / estimand"``, the cross-fitted AIPW
  average effect (ATE) of each arm against control;
* ``quasi`` and ``impact`` (``tl.did``, ``tl.synth``, ``tl.geo``, ``tl.rd``, ``tl.iv``,
  ``tl.switchback``, the impact analyses): ``"outcome / method / estimand"``, the headline first;
* ``factorial``: ``"metric / term"``; ``project`` (a saved rollout projection): the effect it
  projected.

Nothing is re-estimated: the numbers are those saved. A JSON of another schema version, a JSON
that is not a truelift result, or a kind that holds no estimates (``plan``, ``geo_plan``) raise a
one-line :class:`~truelift.errors.DataError` or :class:`~truelift.errors.MethodError`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from collections.abc import Callable, Mapping
from typing import Any

from truelift.errors import DataError, MethodError
from truelift.schema import SCHEMA_VERSION, Diagnostic, Estimate, Relative, Verdict
from truelift.schema.values import _ToDict

NO_ESTIMATES = ("plan", "geo_plan")
"""Kinds of saved results that hold no effect estimate."""


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


def load_result(path_or_dict: Any) -> LoadedResult:
    """Read a saved truelift result and rebuild its estimates (see the module docstring).

    Args:
        path_or_dict: an analysis object (anything with ``to_dict()`` and a ``kind``), the dict of
            its ``to_dict()``, or the path (``str`` / ``os.PathLike``) of the JSON file.

    Returns:
        A :class:`LoadedResult`.
    """
    data, source = _read(path_or_dict)
    if not isinstance(data, Mapping) or "schema_version" not in data or "kind" not in data:
        raise DataError(None, f"{source}: not a truelift result (no 'schema_version' and 'kind' keys)")
    version, kind = data["schema_version"], data["kind"]
    if version != SCHEMA_VERSION:
        raise DataError(None, f"{source}: schema_version {version!r} is not the supported "
                              f"{SCHEMA_VERSION}; re-run the analysis with this truelift version")
    if kind in NO_ESTIMATES or kind not in _EXTRACT:
        raise MethodError(f"{source}: a saved {kind!r} result holds no effect estimates; use the result "
                          f"of one of: {', '.join(_EXTRACT)}")
    try:
        pairs = _EXTRACT[kind](data)
        verdict = _verdict(data["verdict"]) if data.get("verdict") is not None else None
    except (KeyError, TypeError, ValueError, IndexError) as err:
        problem = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise DataError(None, f"{source}: a malformed {kind!r} result ({problem})") from None
    if not pairs:
        raise MethodError(f"{source}: this saved {kind!r} result holds no estimates")
    estimates: dict[str, Estimate] = {}
    for name, est in pairs:
        key, k = name, 2
        while key in estimates:
            key, k = f"{name} #{k}", k + 1
        estimates[key] = est
    return LoadedResult(kind=str(kind), source=source, estimates=estimates, verdict=verdict)


def _read(obj: Any) -> tuple[Any, str]:
    if isinstance(obj, Mapping):
        return obj, "dict"
    if isinstance(obj, str | os.PathLike):
        path = os.fspath(obj)
        if not os.path.isfile(path):
            raise DataError(None, f"no such result file: {path}")
        try:
            with open(path, encoding="utf-8") as fh:
                return json.load(fh), path
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise DataError(None, f"{path}: not a JSON file ({type(err).__name__})") from None
    if hasattr(obj, "to_dict") and hasattr(obj, "kind"):
        return obj.to_dict(), type(obj).__name__
    raise DataError(None, f"cannot read a result from a {type(obj).__name__}; give an analysis, its "
                          "to_dict() or the path of its JSON")


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


def _verdict(d: Mapping[str, Any]) -> Verdict:
    return Verdict(status=d["status"], headline=str(d["headline"]), reasons=tuple(d.get("reasons") or ()))


def _name(e: Estimate) -> str:
    return f"{e.outcome} / {e.method} / {e.estimand}"


Pairs = list[tuple[str, Estimate]]


def _observational(d: Mapping[str, Any]) -> Pairs:
    ests = [estimate_from_dict(x) for x in d["estimates"]]
    primary = d.get("primary")
    ordered = [e for e in ests if e.method == primary] + [e for e in ests if e.method != primary]
    ordered += [estimate_from_dict(x) for x in d.get("naive") or ()]
    return [(_name(e), e) for e in ordered]


def _readout(d: Mapping[str, Any]) -> Pairs:
    return [(f"{x['metric']} / {x['variant']}", estimate_from_dict(x["estimate"])) for x in d["lifts"]]


def _uplift(d: Mapping[str, Any]) -> Pairs:
    out: Pairs = []
    for res in d["results"]:
        for arm in res["arms"]:
            e = estimate_from_dict(arm["ate"])
            out.append((f"{e.outcome} / {arm['arm']} / {e.method} / {e.estimand}", e))
    return out


def _quasi(d: Mapping[str, Any]) -> Pairs:
    return [(_name(e), e) for e in (estimate_from_dict(x) for x in d["estimates"])]


def _factorial(d: Mapping[str, Any]) -> Pairs:
    return [(f"{x['metric']} / {x['term']}", estimate_from_dict(x["estimate"])) for x in d["effects"]]


def _project(d: Mapping[str, Any]) -> Pairs:
    e = estimate_from_dict(d["estimate"])
    return [(str(d.get("estimate_name") or _name(e)), e)]


_EXTRACT: dict[str, Callable[[Mapping[str, Any]], Pairs]] = {
    "observational": _observational, "readout": _readout, "uplift": _uplift, "quasi": _quasi,
    "impact": _quasi, "factorial": _factorial, "project": _project,
}

__all__ = ["LoadedResult", "estimate_from_dict", "load_result"]
