"""Every generator of ``tl.datasets`` returns the same kind of object, a ``Dataset`` (data plus
truth, unpackable), and runs with its defaults; internal modules are not in the namespace."""

from __future__ import annotations

import inspect
import types

import pandas as pd
import pytest

import truelift as tl

GENERATORS = ["coupon_campaign", "encouragement", "factorial_test", "geo_panel", "homepage_events",
              "homepage_test", "personalization", "rd_data", "shop_test", "staggered_panel",
              "subscription_test", "switchback_orders", "two_by_two"]
LOADERS = ["castle", "close_elections", "organ_donations", "texas_prisons"]  # published panels


@pytest.mark.parametrize("name", GENERATORS)
def test_a_generator_returns_a_dataset_with_its_defaults(name):
    ds = getattr(tl.datasets, name)()
    assert isinstance(ds, tl.datasets.Dataset)
    data, truth = ds
    assert isinstance(data, pd.DataFrame) and len(data) > 0 and truth is ds.truth is not None


def test_the_namespace_holds_generators_loaders_and_types_only():
    public = {n for n in dir(tl.datasets) if not n.startswith("_")}
    modules = {n for n in public if isinstance(getattr(tl.datasets, n), types.ModuleType)}
    assert not modules, f"internal modules in tl.datasets: {sorted(modules)}"
    functions = {n for n in public if inspect.isfunction(getattr(tl.datasets, n))}
    assert functions == set(GENERATORS) | set(LOADERS)
