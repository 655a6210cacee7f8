"""Rebuild schema values from their ``to_dict()`` form, driven by the dataclasses' type hints.

``to_dict()`` writes plain JSON (dicts, lists, strings, numbers; NaN and infinities as ``None``).
:func:`from_dict` walks a frozen dataclass's fields and turns each plain value back into the
declared type: nested dataclasses, ``tuple[X, ...]`` and fixed tuples, mappings, enums, optional
and union types, and floats (a ``None`` where the hint is a plain ``float`` was a NaN; in the
``ci`` of an ``Estimate`` or a ``Relative``, which is never NaN, it was an open bound: -inf
first, +inf second; a class lists such fields in ``__open_intervals__``). A field
that ``to_dict()`` leaves out (``metadata={"to_dict": False}``, e.g. per-unit scores) gets its
default. The result compares equal to the original through ``to_dict()``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import functools
import math
import sys
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Union


class CodecError(ValueError):
    """A saved value does not fit the type its field declares."""


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """The resolved type hints of ``cls``'s fields; a hint that cannot be resolved (a name
    imported only for type checking) is treated as ``Any``."""
    try:
        return typing.get_type_hints(cls)
    except (NameError, TypeError):
        pass
    out: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        ns = _namespace(klass.__module__)
        for name, ann in getattr(klass, "__annotations__", {}).items():
            if not isinstance(ann, str):
                out[name] = ann
                continue
            try:
                out[name] = eval(ann, ns)  # annotations of our own classes
            except Exception:
                out[name] = Any
    return out


@functools.cache
def _namespace(module_name: str) -> dict[str, Any]:
    """A module's globals plus the names it imports only under ``if TYPE_CHECKING:`` (those
    imports are run here, in a copy, so that string annotations resolve)."""
    module = sys.modules.get(module_name)
    ns = dict(vars(module)) if module is not None else {}
    source = getattr(module, "__file__", None)
    if not source or not source.endswith(".py"):
        return ns
    import ast

    with open(source, encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    for node in tree.body:
        if (isinstance(node, ast.If) and isinstance(node.test, ast.Name)
                and node.test.id == "TYPE_CHECKING"):
            block = ast.Module(body=[n for n in node.body
                                     if isinstance(n, ast.Import | ast.ImportFrom)],
                               type_ignores=[])
            # our own modules' imports; an optional dependency missing leaves those hints Any
            with contextlib.suppress(Exception):
                exec(compile(block, source, "exec"), ns)
    return ns


def decode(tp: Any, value: Any, where: str = "value") -> Any:
    """``value`` (plain JSON) as the type ``tp``."""
    if tp is Any or tp is object or isinstance(tp, typing.TypeVar):
        return value
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.ClassVar:
        return value
    if origin is Union or origin is types.UnionType:
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in (a for a in args if a is not type(None)):
            try:
                return decode(arg, value, where)
            except (CodecError, TypeError, ValueError, KeyError) as exc:
                errors.append(str(exc))
        raise CodecError(f"{where}: {value!r:.80} fits none of {tp}: {'; '.join(errors)[:200]}")
    if tp is float:
        if value is None:
            return math.nan
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CodecError(f"{where}: expected a number, got {type(value).__name__}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise CodecError(f"{where}: expected an integer, got {value!r:.40}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise CodecError(f"{where}: expected a string, got {type(value).__name__}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise CodecError(f"{where}: expected true/false, got {value!r:.40}")
        return value
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(value)
        except ValueError:
            raise CodecError(f"{where}: {value!r:.40} is not one of "
                             f"{', '.join(str(m.value) for m in tp)}") from None
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return from_dict(tp, value, where)
    if tp is tuple or origin is tuple:
        if not isinstance(value, list | tuple):
            raise CodecError(f"{where}: expected a list, got {type(value).__name__}")
        if not args:
            return tuple(value)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
        if len(args) != len(value):
            raise CodecError(f"{where}: expected {len(args)} items, got {len(value)}")
        return tuple(decode(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, value,
                                                                                   strict=True)))
    if origin in (list, Sequence) or tp is list:
        if not isinstance(value, list | tuple):
            raise CodecError(f"{where}: expected a list, got {type(value).__name__}")
        inner = args[0] if args else Any
        return [decode(inner, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin in (dict, Mapping) or tp is dict:
        if not isinstance(value, Mapping):
            raise CodecError(f"{where}: expected an object, got {type(value).__name__}")
        inner = args[1] if len(args) == 2 else Any
        return {k: decode(inner, v, f"{where}.{k}") for k, v in value.items()}
    if getattr(tp, "__module__", "") == "numpy":
        import numpy as np

        return np.asarray(value)
    return value


def _empty(tp: Any) -> Any:
    """The empty value of a field that is never saved: an empty array, mapping or tuple."""
    origin = typing.get_origin(tp) or tp
    if getattr(origin, "__module__", "") == "numpy":
        import numpy as np

        return np.empty(0)
    if origin in (dict, Mapping):
        return {}
    if origin in (tuple, list, Sequence):
        return ()
    return None


def from_dict(cls: type, data: Any, where: str | None = None) -> Any:
    """An instance of the dataclass ``cls`` rebuilt from its ``to_dict()`` (see the module)."""
    where = where or cls.__name__
    if not isinstance(data, Mapping):
        raise CodecError(f"{where}: expected an object, got {type(data).__name__}")
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if not f.init:
            continue
        if not f.metadata.get("to_dict", True):
            if required:  # never saved (per-unit arrays): it comes back empty
                kwargs[f.name] = _empty(hints.get(f.name, Any))
            continue
        if f.name not in data:
            if required:
                raise CodecError(f"{where}: the saved value has no field {f.name!r}")
            continue
        value = data[f.name]
        if f.name in getattr(cls, "__open_intervals__", ()) and isinstance(value, list | tuple) \
                and len(value) == 2:
            value = [-math.inf if value[0] is None else value[0],
                     math.inf if value[1] is None else value[1]]
        kwargs[f.name] = decode(hints.get(f.name, Any), value, f"{where}.{f.name}")
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise CodecError(f"{where}: {exc}") from exc


__all__ = ["CodecError", "decode", "from_dict"]
