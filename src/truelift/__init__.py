"""truelift: the true, incremental effect of a personalization change."""
from __future__ import annotations
__version__ = "0.1.0"
