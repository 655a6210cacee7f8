"""``truelift.load``: rebuild any saved analysis, as the very class that wrote it.

A saved analysis is the JSON of ``Analysis.to_json()`` (or ``truelift ... --json``), its parsed
dict, or an analysis object. :func:`load` checks the ``schema_version``, finds the class of its
``kind`` and rebuilds every field through the class's type hints
(:func:`truelift.schema.codec.from_dict`): ``load(path).to_dict() == analysis.to_dict()``.
Fields that are not saved (``to_dict`` leaves them out: the matched pairs of ``observe``, the
per-unit scores of ``uplift``) come back empty. Nothing is re-estimated.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Mapping
from typing import Any

from truelift.errors import DataError, boundary
from truelift.schema import Analysis, CodecError, analysis_class
from truelift.schema.analysis import check_header, kinds

RESULT_MODULES = {
    "observational": "truelift.observational.analysis",
    "readout": "truelift.experiment.readout",
    "plan": "truelift.experiment.plan",
    "factorial": "truelift.experiment.factorial",
    "uplift": "truelift.hte.analysis",
    "quasi": "truelift.quasi.result",
    "geo_plan": "truelift.quasi.geo",
    "impact": "truelift.impact.result",
    "project": "truelift.impact.scenarios",
}
"""Where the class of each saved ``kind`` is defined (imported only when a file needs it)."""


@boundary
def load(source: Any) -> Analysis:
    """Rebuild a saved analysis (see the module docstring).

    Args:
        source: the path of a JSON file, a JSON string, its parsed dict, or an analysis.

    Raises:
        DataError: the file cannot be read, is not JSON, is not a truelift analysis, was saved
            by a schema version this release cannot read, or does not fit its kind's fields.
    """
    if isinstance(source, Analysis):
        return source
    where = "dict"
    if isinstance(source, str | os.PathLike) and not (isinstance(source, str)
                                                       and source.lstrip().startswith("{")):
        where = os.fspath(source)
        try:
            with open(where, encoding="utf-8") as fh:
                text = fh.read()
        except OSError as exc:
            raise DataError(None, f"cannot read {where!r}: {exc.strerror or exc}") from None
        source = text
    if isinstance(source, str):
        where = "JSON" if where == "dict" else where
        try:
            source = json.loads(source)
        except json.JSONDecodeError as exc:
            raise DataError(None, f"{where} is not JSON ({exc.msg}, line {exc.lineno})") from None
        except RecursionError:
            raise DataError(None, f"{where} is nested too deeply to be a truelift result") from None
    if not isinstance(source, Mapping):
        raise DataError(None, f"cannot load a {type(source).__name__}: pass a path, a JSON "
                              "string or the dict of to_dict()")
    try:
        check_header(source)
        kind = str(source["kind"])
        if kind in RESULT_MODULES:
            importlib.import_module(RESULT_MODULES[kind])
        elif kind not in kinds():   # a kind defined elsewhere registers itself on import
            raise CodecError(f"unknown analysis kind {kind[:60]!r}; this release saves "
                             f"{', '.join(sorted({*RESULT_MODULES, *kinds()}))}")
        return analysis_class(kind).from_dict(source)
    except CodecError as exc:
        raise DataError(None, f"{where}: {exc}") from None
    except RecursionError:
        raise DataError(None, f"{where} is nested too deeply to be a truelift result") from None


__all__ = ["RESULT_MODULES", "load"]
