"""The same readout on pandas, on a Parquet file (DuckDB SQL), on Ibis-DuckDB and on Spark.

The pandas path computes centred moments in NumPy; the others push one aggregate query down to
the engine and get raw sums back. Every estimate must agree to 1e-9 (relative): a different
engine must never change a number.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import truelift as tl
from truelift.datasets import homepage_events, homepage_test

ARGS = dict(treatment="variant", control="control", outcome=["purchased", "revenue", "aov=revenue/orders"],
            guardrails=["ctr=clicks/impressions"], covariates=["revenue_pre", "sessions_pre"],
            segments=["device"], funnel=["viewed_product", "added_to_cart", "checked_out", "purchased"],
            time="day", sequential="always-valid", bayes=False)


def _numbers(r) -> list[float]:
    out = []
    for lift in r.lifts:
        e = lift.estimate
        out += [e.value, e.se, e.pvalue, e.ci[0], e.ci[1], lift.control_value, lift.variant_value,
                lift.cuped.variance_reduction, lift.always_valid.ci[0], lift.always_valid.pvalue]
    for b in r.segments:
        out += [s.lift.estimate.value for s in b.lifts] + [s.lift.estimate.se for s in b.lifts]
        out += [h.q for h in b.heterogeneity]
    for f in r.funnel:
        out += [f.reach.estimate.value, f.step.estimate.value, f.step.estimate.se]
    out += [r.srm.chi2]
    for p in r.sequential.paths:
        out += [look.estimate for look in p.looks] + [look.se for look in p.looks]
    return out


def _same(a, b) -> None:
    x, y = _numbers(a), _numbers(b)
    assert len(x) == len(y)
    for u, v in zip(x, y, strict=True):
        assert math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-12), (u, v)
    assert [x.users for x in a.arms] == [x.users for x in b.arms]


@pytest.fixture(scope="module")
def table():
    return homepage_test(n=20_000, seed=4).data


@pytest.fixture(scope="module")
def parquet(table, tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "test.parquet"
    table.to_parquet(path)
    return path


@pytest.fixture(scope="module")
def on_pandas(table):
    return tl.readout(table, **ARGS)


def test_parquet_file_through_duckdb(parquet, on_pandas):
    _same(on_pandas, tl.readout(str(parquet), **ARGS))


def test_csv_file_through_duckdb(table, tmp_path, on_pandas):
    path = tmp_path / "test.csv"
    table.to_csv(path, index=False)
    _same(on_pandas, tl.readout(str(path), **ARGS))


def test_ibis_duckdb_table(parquet, on_pandas):
    ibis = pytest.importorskip("ibis")
    con = ibis.duckdb.connect()
    _same(on_pandas, tl.readout(con.read_parquet(str(parquet)), **ARGS))


def test_ibis_query_is_one_aggregate(parquet):
    ibis = pytest.importorskip("ibis")
    from truelift.experiment.aggregate import Request, ibis_expression

    t = ibis.duckdb.connect().read_parquet(str(parquet))
    sql = ibis.to_sql(ibis_expression(t, Request(keys=("variant",), variables=("revenue",),
                                                 pairs=((0, 0),))))
    assert sql.upper().count("GROUP BY") == 1 and "SUM" in sql.upper()


def test_event_level_rows_on_every_engine(tmp_path):
    ibis = pytest.importorskip("ibis")
    events = homepage_events(n_users=2_000, seed=3).data
    path = tmp_path / "events.parquet"
    events.to_parquet(path)
    args = dict(treatment="variant", control="control", unit="user_id", bayes=False,
                outcome=["revenue", "ctr=clicks/impressions"])
    a = tl.readout(events, **args)
    on_ibis = tl.readout(ibis.duckdb.connect().read_parquet(str(path)), **args)
    for other in (tl.readout(str(path), **args), on_ibis):
        for x, y in zip(a.lifts, other.lifts, strict=True):
            assert x.estimate.value == pytest.approx(y.estimate.value, rel=1e-9)
            assert x.estimate.se == pytest.approx(y.estimate.se, rel=1e-9)
        assert other.provenance.rows_read == len(events)


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("truelift-tests")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
               .config("spark.driver.memory", "1g").getOrCreate())
    yield session
    session.stop()


@pytest.mark.spark
def test_spark_through_ibis(spark, parquet, on_pandas):
    ibis = pytest.importorskip("ibis")
    con = ibis.pyspark.connect(spark)
    table = con.read_parquet(str(parquet))
    _same(on_pandas, tl.readout(table, **ARGS))


@pytest.mark.spark
def test_spark_event_level(spark, tmp_path):
    ibis = pytest.importorskip("ibis")
    events = homepage_events(n_users=1_000, seed=8).data
    path = tmp_path / "events.parquet"
    events.to_parquet(path)
    args = dict(treatment="variant", control="control", unit="user_id", bayes=False, outcome=["revenue"])
    a = tl.readout(events, **args)
    b = tl.readout(ibis.pyspark.connect(spark).read_parquet(str(path)), **args)
    assert np.isclose(a.lifts[0].estimate.value, b.lifts[0].estimate.value, rtol=1e-9)
    assert np.isclose(a.lifts[0].estimate.se, b.lifts[0].estimate.se, rtol=1e-9)
