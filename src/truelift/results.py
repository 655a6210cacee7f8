"""Kept for imports of earlier releases: the values now live in :mod:`truelift.schema`."""

from truelift.schema.analysis import Analysis
from truelift.schema.values import (
    SCHEMA_VERSION,
    Diagnostic,
    Estimate,
    Provenance,
    Relative,
    Status,
    Verdict,
    _check_interval,
    _fields_dict,
    _plain,
    _ToDict,
)

__all__ = ["SCHEMA_VERSION", "Analysis", "Diagnostic", "Estimate", "Provenance", "Relative",
           "Status", "Verdict", "_ToDict", "_check_interval", "_fields_dict", "_plain"]
