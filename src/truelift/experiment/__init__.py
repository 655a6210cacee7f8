"""Randomized tests: planning (power, sample size, duration) and readout (metrics, CUPED, SRM,
multiplicity, always-valid and group-sequential inference, Bayesian readout, segments, funnels,
factorial designs), computed from sufficient statistics pushed down to the data's engine."""
