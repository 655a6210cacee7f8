"""The base of every analysis result, its JSON form and the registry that rebuilds it.

Every public entry returns a subclass of :class:`Analysis` (a frozen dataclass with a class-level
``kind``). ``to_dict()`` / ``to_json()`` write it with the :data:`SCHEMA_VERSION`;
:meth:`Analysis.from_dict` rebuilds the very class from that form (through
:func:`truelift.schema.codec.from_dict`). Each subclass registers its ``kind`` when it is defined;
:func:`analysis_class` finds it again. Rendering hands off to ``truelift.report`` lazily (the
schema's render hooks), so printing a result never starts statistical work.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from truelift.schema.values import SCHEMA_VERSION, _fields_dict, _ToDict

READABLE_VERSIONS = (1,)
"""The ``schema_version`` values this release can read back."""

_KINDS: dict[str, type[Analysis]] = {}


class Analysis(_ToDict):
    """Base of the analysis results returned by the public entries (``tl.observe``, ...).

    Subclasses are frozen dataclasses with a unique ``kind``.
    """

    kind: ClassVar[str] = "analysis"

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
        body = {k: v for k, v in data.items() if k not in ("schema_version", "kind")}
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


__all__ = ["READABLE_VERSIONS", "Analysis", "analysis_class", "check_header", "kinds"]
