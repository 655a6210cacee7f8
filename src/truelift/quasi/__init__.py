"""Quasi-experiments: difference-in-differences and event studies, geo tests, synthetic control,
regression discontinuity, instrumental variables and switchback tests (issue 5).

Every design returns a :class:`truelift.quasi.result.QuasiAnalysis`.
"""
