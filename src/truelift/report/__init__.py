"""The fronts' rendering: numbers (format), terminal (rich), figures (matplotlib), HTML, JSON.

Nothing here computes an estimate; every function renders a result object. The submodules are
imported on use (``truelift.report.html``, ...) so importing this package costs nothing.
"""
