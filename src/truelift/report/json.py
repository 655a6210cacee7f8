"""The JSON front: the result's own ``to_json()`` (with ``schema_version``), written to a file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def write_json(analysis: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``analysis.to_json()`` to ``path`` (UTF-8); returns the path."""
    out = Path(path)
    out.write_text(analysis.to_json() + "\n", encoding="utf-8")
    return out
