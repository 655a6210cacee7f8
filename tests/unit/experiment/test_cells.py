"""Cells: lookups by key value are one pass over the cells, and mean what equality means."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest

import truelift as tl
from truelift.experiment.cells import Cells


def _cells(labels) -> Cells:
    c = len(labels)
    return Cells(keys=("variant", "seg"), labels=tuple(labels), variables=("y",),
                 n=np.arange(1, c + 1, dtype=float), mean=np.zeros((c, 1)),
                 comoment=np.zeros((c, 1, 1)), minimum=np.zeros((c, 1)),
                 maximum=np.zeros((c, 1)), rows_read=c, rows=np.ones(c))


def test_where_and_groups_agree_with_equality_and_pool_missing_values():
    cells = _cells([("a", 1), ("b", 1.0), ("a", None), ("b", math.nan), ("a", "1"), ("b", 2)])
    assert cells.where(seg=1).tolist() == [True, True, False, False, False, False]
    assert cells.where(seg=None).tolist() == [False, False, True, True, False, False]
    assert cells.where(seg=math.nan, variant="b").tolist() == [False, False, False, True, False,
                                                               False]
    assert not cells.where(seg="absent").any()
    groups = cells.groups("seg")
    assert {k: v.tolist() for k, v in groups.items()} == {1: [0, 1], None: [2, 3], "1": [4],
                                                          2: [5]}
    assert cells.total(groups[1]).n == cells.total(cells.where(seg=1)).n == 3


def test_a_dropped_copy_gets_its_own_lookups():
    cells = _cells([("a", 1), ("b", 2)])
    assert cells.where(seg=2).tolist() == [False, True]
    kept = cells.drop(np.array([True, False]))
    assert kept.where(seg=2).tolist() == [True]


def test_ten_thousand_segment_levels_read_out_in_under_two_seconds():
    rng = np.random.default_rng(0)
    n = 20_000
    df = pd.DataFrame({"variant": rng.choice(["control", "treatment"], n),
                       "seg": rng.integers(0, 10_000, n).astype(str),
                       "converted": rng.integers(0, 2, n), "revenue": rng.exponential(10, n)})
    tl.readout(df.head(500), treatment="variant", control="control", outcome=["converted"])  # warm
    start = time.process_time()
    r = tl.readout(df, treatment="variant", control="control", outcome=["converted", "revenue"],
                   segments=["seg"])
    cpu = time.process_time() - start
    assert cpu < 2.0, f"{cpu:.2f} s of CPU"
    b = r.segments[0]
    assert len(b.levels) == df["seg"].nunique()
    # every level was compared or named as skipped
    compared = {s.level for s in b.lifts}
    assert len(compared) + sum(k.endswith("to compare") for k in b.skipped) == len(b.levels)
    # the fronts show a capped table sorted by evidence and say so; the JSON keeps everything
    text = str(r)
    assert "Showing the 20 comparisons with the strongest evidence" in text
    assert len(text.splitlines()) < 150
    assert "more comparisons skipped (listed in the JSON)" in r._repr_html_()
    assert len(r.to_dict()["segments"][0]["lifts"]) == len(b.lifts)


@pytest.mark.parametrize("levels", [3])
def test_short_breakdowns_are_shown_whole_in_their_natural_order(levels):
    rng = np.random.default_rng(1)
    n = 6_000
    df = pd.DataFrame({"variant": rng.choice(["control", "treatment"], n),
                       "seg": rng.integers(0, levels, n).astype(str),
                       "converted": rng.integers(0, 2, n)})
    r = tl.readout(df, treatment="variant", control="control", outcome=["converted"],
                   segments=["seg"])
    text = str(r)
    assert "strongest evidence" not in text and "more levels" not in text
    assert [s.level for s in r.segments[0].lifts] == ["0", "1", "2"]
