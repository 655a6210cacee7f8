"""The release of truelift: the one place its version is written (``pyproject.toml`` reads the
same number; a test holds them equal)."""

VERSION = "0.1.0"
