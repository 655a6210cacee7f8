"""truelift's one result schema: the values every analysis is made of and the analysis base.

This package imports nothing else of truelift (DESIGN.md): methods build these values, the
fronts (``truelift.report``, the CLI) render them, and :func:`truelift.load` rebuilds them.
"""

from truelift.schema.analysis import (
    FRAME_COLUMNS,
    READABLE_VERSIONS,
    Analysis,
    analysis_class,
    kinds,
)
from truelift.schema.codec import CodecError, from_dict
from truelift.schema.figures import FIGURE_KINDS, Figure, Table
from truelift.schema.values import (
    SCHEMA_VERSION,
    Diagnostic,
    Estimate,
    Provenance,
    Relative,
    Status,
    Verdict,
    make_provenance,
)

__all__ = [
    "FIGURE_KINDS",
    "FRAME_COLUMNS",
    "READABLE_VERSIONS",
    "SCHEMA_VERSION",
    "Analysis",
    "CodecError",
    "Diagnostic",
    "Estimate",
    "Figure",
    "Provenance",
    "Relative",
    "Status",
    "Table",
    "Verdict",
    "analysis_class",
    "from_dict",
    "kinds",
    "make_provenance",
]
