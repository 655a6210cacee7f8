"""Nuisance models shared by the observational estimators and the uplift learners.

* :mod:`~truelift.nuisance.folds`: cross-fitting folds from a portable hash of the unit, so any
  row order gives the same folds (and the same numbers);
* :mod:`~truelift.nuisance.crossfit`: out-of-fold predictions, written once;
* :mod:`~truelift.nuisance.learners`: the candidate models, each tuned by cross-validated loss;
* :mod:`~truelift.nuisance.select`: the choice among them, once per fit, reported.
"""
