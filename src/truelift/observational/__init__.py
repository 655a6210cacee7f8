"""Causal lift when the rollout was not random: propensity, balance, overlap, matching,
weighting, doubly robust estimation, sensitivity and refutation."""
