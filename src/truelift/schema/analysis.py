"""The base of every analysis result, its JSON form and the registry that rebuilds it.

Every public entry returns a subclass of :class:`Analysis` (a frozen dataclass with a class-level
``kind``). ``to_dict()`` / ``to_json()`` write it with the :data:`SCHEMA_VERSION`;
:meth:`Analysis.from_dict` rebuilds the very class from that form (through
:func:`truelift.schema.codec.from_dict`). Each subclass registers its ``kind`` when it is defined;
:func:`analysis_class` finds it again. Rendering hands off to ``truelift.report`` lazily (the
schema's render hooks), so printing a result never starts statistical work.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from truelift.schema.values import SCHEMA_VERSION, Estimate, _fields_dict, _ToDict

if TYPE_CHECKING:
    from truelift.schema.figures import Figure, Table

READABLE_VERSIONS = (1, 2)
"""The ``schema_version`` values this release can read back (1: the first release of the schema;
2: ``Estimate.arm`` and the rename of ``project``'s ``estimate`` field to ``source_estimate``)."""

FRAME_COLUMNS = (
    "outcome", "arm", "estimand", "method", "estimate", "se", "ci_low", "ci_high", "p_value",
    "relative", "relative_ci_low", "relative_ci_high", "baseline", "n_treated", "n_control",
    "se_kind",
)
"""The columns of every analysis's :meth:`Analysis.to_frame`, in this order."""


def _lookup_error(message: str) -> Exception:
    from truelift.errors import MethodError

    return MethodError(message)


def _options(values: Any) -> str:
    seen = list(dict.fromkeys(str(v) for v in values))
    return ", ".join(seen) if seen else "none"


class _EstimateAccessor:
    """``result.estimate``: call it (``result.estimate(outcome=..., arm=..., method=...)``).

    Reading an attribute of the headline straight off it (``result.estimate.value``, the form of
    the quasi-experimental results of the first release) still works for this release, with a
    ``DeprecationWarning``.
    """

    __slots__ = ("_owner",)

    def __init__(self, owner: Analysis) -> None:
        self._owner = owner

    def __call__(self, outcome: str | None = None, *args: Any, arm: Any = None,
                 method: str | None = None) -> Estimate:
        if args:  # observe's first form, estimate(outcome, method)
            if len(args) > 1 or method is not None:
                raise TypeError("estimate() takes the outcome, then arm= and method= by name")
            warnings.warn("estimate(outcome, method) is deprecated; pass method= by name",
                          DeprecationWarning, stacklevel=2)
            method = args[0]
        return self._owner._pick(outcome=outcome, arm=arm, method=method)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or not self._owner._estimates():
            raise AttributeError(name)
        warnings.warn(f"result.estimate.{name} is deprecated; call it: result.estimate().{name}",
                      DeprecationWarning, stacklevel=2)
        return getattr(self._owner._pick(), name)

    def __eq__(self, other: object) -> bool:
        return bool(self._owner._estimates()) and self._owner._pick() == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._owner._pick())


class _EstimateDescriptor:
    def __get__(self, obj: Analysis | None, cls: type | None = None) -> Any:
        if obj is None:
            return self
        return _EstimateAccessor(obj)

_KINDS: dict[str, type[Analysis]] = {}


class Analysis(_ToDict):
    """Base of the analysis results returned by the public entries (``tl.observe``, ...).

    Subclasses are frozen dataclasses with a unique ``kind``.
    """

    kind: ClassVar[str] = "analysis"

    estimate: ClassVar[Callable[..., Estimate]] = _EstimateDescriptor()  # type: ignore[assignment]
    """``result.estimate(outcome=None, *, arm=None, method=None)``: the first estimate that
    matches (the headline when nothing is given); a one-line ``MethodError`` lists what exists."""

    # -- hooks a kind overrides (the defaults read the generic fields of the quasi results) ---

    def _estimates(self) -> tuple[Estimate, ...]:
        """Every estimate of the analysis, the headline first, each with its ``arm`` set where
        the analysis has arms."""
        return tuple(getattr(self, "estimates", ()))

    def _tables(self) -> tuple[Table, ...]:
        """The analysis's named tables."""
        return tuple(getattr(self, "tables", ()))

    def _figures(self) -> tuple[Figure, ...]:
        """The analysis's figures, as typed data (one drawer per ``Figure.kind``)."""
        return tuple(getattr(self, "figures", ()))

    def _rates(self) -> frozenset[str]:
        """The outcomes measured as 0/1 rates: their effects are differences of shares, which
        the fronts show in percentage points (none by default)."""
        return frozenset()

    def _title(self) -> str:
        title = getattr(self, "title", None)
        return str(title) if title else self.kind.replace("_", " ").capitalize()

    # -- the one accessor family -------------------------------------------------------------

    @property
    def headline(self) -> Estimate | None:
        """The headline estimate (``None`` for a kind that estimates no effect: a plan)."""
        ests = self._estimates()
        return ests[0] if ests else None

    @property
    def heading(self) -> str:
        """The analysis's title as a reader sees it."""
        return self._title()

    def _pick(self, *, outcome: str | None = None, arm: Any = None,
              method: str | None = None) -> Estimate:
        ests = self._estimates()
        if not ests:
            raise _lookup_error(f"a {self.kind} result holds no effect estimates; see its tables: "
                                f"{_options(t.name for t in self._tables())}")
        for name, want, have in (("outcome", outcome, [e.outcome for e in ests]),
                                 ("arm", arm, [e.arm for e in ests if e.arm is not None]),
                                 ("method", method, [e.method for e in ests])):
            if want is not None and str(want) not in {str(h) for h in have}:
                raise _lookup_error(f"no estimate with {name} {str(want)!r}; {name}s: {_options(have)}")
        for e in ests:
            if ((outcome is None or e.outcome == outcome)
                    and (arm is None or str(e.arm) == str(arm))
                    and (method is None or e.method == method)):
                return e
        have = "; ".join(dict.fromkeys(
            "/".join(str(x) for x in (e.outcome, e.arm, e.method) if x is not None) for e in ests))
        raise _lookup_error(f"no estimate with outcome {outcome!r}, arm {arm!r}, method {method!r} "
                            f"together; there are: {have}")

    def to_frame(self) -> Any:
        """Every estimate as a tidy pandas DataFrame, one row each, headline first, with the
        same columns for every kind (:data:`FRAME_COLUMNS`)."""
        import pandas as pd

        rows = []
        for e in self._estimates():
            rel = e.relative
            nan = float("nan")
            rows.append((e.outcome, e.arm, e.estimand, e.method, e.value, e.se, e.ci[0], e.ci[1],
                         e.pvalue, rel.value if rel else nan, rel.ci[0] if rel else nan,
                         rel.ci[1] if rel else nan, e.baseline, e.n_treated, e.n_control,
                         e.se_kind))
        return pd.DataFrame(rows, columns=list(FRAME_COLUMNS))

    def table(self, name: str) -> Table:
        """The table named ``name`` (a one-line ``MethodError`` lists the names)."""
        tables = self._tables()
        for t in tables:
            if t.name == name:
                return t
        raise _lookup_error(f"no table {name!r}; tables: {_options(t.name for t in tables)}")

    @property
    def table_names(self) -> tuple[str, ...]:
        """The names :meth:`table` accepts."""
        return tuple(t.name for t in self._tables())

    def figure(self, name: str) -> Figure:
        """The figure named ``name``, or the one figure of that ``kind`` (``"event_study"``,
        ``"bars"``, ...); a one-line ``MethodError`` lists the names."""
        figures = self._figures()
        for f in figures:
            if f.name == name:
                return f
        of_kind = [f for f in figures if f.kind == name]
        if len(of_kind) == 1:
            return of_kind[0]
        raise _lookup_error(f"no figure {name!r}; figures: {_options(f.name for f in figures)}")

    @property
    def figure_names(self) -> tuple[str, ...]:
        """The names :meth:`figure` accepts."""
        return tuple(f.name for f in self._figures())

    def __repr__(self) -> str:
        head = self.headline
        verdict = getattr(self, "verdict", None)
        parts = [f"<truelift {getattr(self, 'design', None) or self.kind}: {self._title()}"]
        if head is not None:
            arm = f" [{head.arm}]" if head.arm is not None else ""
            parts.append(f"; {head.outcome}{arm} {head.estimand} {head.value:.4g} "
                         f"({head.level:.0%} CI {head.ci[0]:.4g} to {head.ci[1]:.4g})")
        if verdict is not None:
            status = str(verdict.status.value)
            parts.append(f"; {'PASS' if status == 'ok' else status.upper()}")
        return "".join(parts) + ">"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("kind")
        if kind is None:
            return
        seen = _KINDS.get(kind)
        # ``dataclass(slots=True)`` rebuilds the class: the rebuilt one replaces the first.
        if seen is not None and (seen.__module__, seen.__qualname__) != (cls.__module__,
                                                                         cls.__qualname__):
            raise TypeError(f"analysis kind {kind!r} is taken by {seen.__qualname__}")
        _KINDS[kind] = cls

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready Python, with ``schema_version`` and ``kind``."""
        out: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "kind": self.kind}
        out.update(_fields_dict(self))
        return out

    def to_json(self, indent: int | None = 2) -> str:
        """The result as a JSON string (see :meth:`to_dict`)."""
        import json

        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Analysis:
        """Rebuild an analysis of this class from its :meth:`to_dict` (or a parsed JSON).

        Raises :class:`~truelift.schema.codec.CodecError` (a ``ValueError``) when the saved
        form is of another kind or version, or does not fit the class's fields.
        """
        from truelift.schema.codec import CodecError, from_dict

        check_header(data)
        if data["kind"] != cls.kind:
            raise CodecError(f"this is a saved {data['kind']!r} result, not {cls.kind!r}")
        body = upgrade({k: v for k, v in data.items() if k not in ("schema_version", "kind")},
                       kind=cls.kind, version=int(data["schema_version"]))
        return from_dict(cls, body, cls.kind)

    def _repr_html_(self) -> str:
        from truelift.report.html import render_fragment

        return render_fragment(self)

    def __rich__(self) -> Any:
        from truelift.report.terminal import renderable

        return renderable(self)

    def __str__(self) -> str:
        from truelift.report.terminal import render_text

        return render_text(self)


def check_header(data: Any) -> None:
    """Raise a one-line :class:`~truelift.schema.codec.CodecError` unless ``data`` looks like a
    saved truelift analysis of a readable schema version."""
    from truelift.schema.codec import CodecError

    if not isinstance(data, Mapping) or "kind" not in data or "schema_version" not in data:
        raise CodecError("not a saved truelift analysis (it needs 'kind' and 'schema_version')")
    version = data["schema_version"]
    if version not in READABLE_VERSIONS:
        raise CodecError(f"saved with schema_version {version!r}; this release reads "
                         f"{', '.join(map(str, READABLE_VERSIONS))}")


_RENAMED_IN_2 = {"project": {"estimate": "source_estimate"}}
"""Fields renamed in schema version 2, by kind: old name -> new name."""


def upgrade(body: dict[str, Any], *, kind: str, version: int) -> dict[str, Any]:
    """A saved body of ``schema_version`` ``version`` in the form of the current version.

    Version 1 -> 2: ``project``'s ``estimate`` field is ``source_estimate`` (``estimate`` became
    the accessor every analysis has); ``Estimate.arm`` is new and defaults to ``None``.
    """
    if version < 2:
        for old, new in _RENAMED_IN_2.get(kind, {}).items():
            if old in body and new not in body:
                body[new] = body.pop(old)
    return body


def analysis_class(kind: str) -> type[Analysis]:
    """The registered class of ``kind`` (its module must have been imported)."""
    try:
        return _KINDS[kind]
    except KeyError:
        from truelift.schema.codec import CodecError

        raise CodecError(f"unknown analysis kind {kind!r}; known: "
                         f"{', '.join(sorted(_KINDS))}") from None


def kinds() -> tuple[str, ...]:
    """The kinds registered so far."""
    return tuple(sorted(_KINDS))


__all__ = ["FRAME_COLUMNS", "READABLE_VERSIONS", "Analysis", "analysis_class", "check_header", "kinds",
           "upgrade"]
