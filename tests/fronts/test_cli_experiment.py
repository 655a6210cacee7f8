"""The ``truelift readout`` and ``truelift plan`` commands: JSON equals the library, exit codes."""

from __future__ import annotations

import json

import pytest
from test_cli import assert_same, one_line_error

import truelift as tl
from truelift.cli import parse_cuped, parse_split
from truelift.datasets import homepage_test


@pytest.fixture(scope="module")
def test_parquet(tmp_path_factory):
    path = tmp_path_factory.mktemp("ab") / "test.parquet"
    homepage_test(n=6_000, seed=2).data.to_parquet(path)
    return path


def test_readout_json_equals_library(cli, test_parquet, tmp_path):
    out = tmp_path / "r.json"
    proc = cli("readout", test_parquet, "--variant", "variant", "--control", "control",
               "--metric", "purchased", "--metric", "aov=revenue/orders",
               "--guardrail", "ctr=clicks/impressions",
               "--cuped", "purchased:revenue_pre,sessions_pre", "--segment", "device",
               "--funnel", "viewed_product,added_to_cart,checked_out,purchased", "--time", "day",
               "--sequential", "always-valid", "--horizon", "6000", "--json", out, "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    lib = tl.readout(str(test_parquet), treatment="variant", control="control",
                     outcome=["purchased", "aov=revenue/orders"], guardrails=["ctr=clicks/impressions"],
                     covariates={"purchased": ["revenue_pre", "sessions_pre"]}, segments=["device"],
                     funnel=["viewed_product", "added_to_cart", "checked_out", "purchased"], time="day",
                     sequential="always-valid", horizon=6000)
    got = json.loads(out.read_text(encoding="utf-8"))
    assert got["kind"] == "readout" and got["schema_version"] == 2
    assert_same(got, json.loads(json.dumps(lib.to_dict())))


def test_the_glossary_flags_and_their_old_names_give_the_same_readout(cli, test_parquet, tmp_path):
    """--treatment/--outcome/--covariates/--level/--drop-missing, and the old --variant/--metric/
    --cuped/--alpha/--dropna, are the same run."""
    new, old = tmp_path / "new.json", tmp_path / "old.json"
    a = cli("readout", test_parquet, "--treatment", "variant", "--outcome", "purchased",
            "--covariates", "revenue_pre", "--level", "0.9", "--drop-missing", "--no-bayes",
            "--json", new, "--quiet")
    b = cli("readout", test_parquet, "--variant", "variant", "--metric", "purchased",
            "--cuped", "revenue_pre", "--alpha", "0.1", "--dropna", "--no-bayes", "--json", old,
            "--quiet")
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    got_new, got_old = (json.loads(p.read_text(encoding="utf-8")) for p in (new, old))
    assert got_new["level"] == got_old["level"] == 0.9
    assert got_new["lifts"] == got_old["lifts"]


def test_readout_summary_and_report(cli, test_parquet, tmp_path):
    html = tmp_path / "r.html"
    proc = cli("readout", test_parquet, "--variant", "variant", "--control", "control", "--metric",
               "revenue", "--report", html)
    assert proc.returncode == 0, proc.stderr
    assert "revenue" in proc.stdout
    assert html.exists() and "<svg" in html.read_text(encoding="utf-8")


def test_readout_bad_control_exits_2(cli, test_parquet):
    proc = cli("readout", test_parquet, "--variant", "variant", "--control", "nope", "--metric", "revenue")
    assert proc.returncode == 2
    line = one_line_error(proc)
    assert "'variant'" in line and "nope" in line


def test_readout_strict_exits_3_on_srm(cli, tmp_path):
    path = tmp_path / "srm.parquet"
    homepage_test(n=20_000, seed=2, srm=0.15).data.to_parquet(path)
    args = ("readout", path, "--variant", "variant", "--control", "control", "--metric", "revenue", "-q")
    assert cli(*args).returncode == 0
    assert cli(*args, "--strict").returncode == 3


def test_plan_json_equals_library(cli, tmp_path):
    out = tmp_path / "p.json"
    proc = cli("plan", "proportion", "--baseline", "0.05", "--mde", "0.1", "--relative", "--variants", "2",
               "--daily-traffic", "20000", "--json", out)
    assert proc.returncode == 0, proc.stderr
    assert "32" in proc.stdout or "n" in proc.stdout
    lib = tl.plan("proportion", baseline=0.05, mde=0.1, relative=True, variants=2, daily_traffic=20_000)
    got = json.loads(out.read_text(encoding="utf-8"))
    assert got["kind"] == "plan"
    assert_same(got, json.loads(json.dumps(lib.to_dict())))


def test_plan_bad_input_exits_2(cli):
    assert one_line_error(cli("plan", "--mde", "0.1")).endswith("--baseline is required (control conversion "
                                                                "rate or mean)")
    proc = cli("plan", "proportion", "--baseline", "1.5", "--mde", "0.1")
    assert proc.returncode == 2
    one_line_error(proc)


def test_parsers():
    assert parse_cuped(["revenue:revenue_pre,sessions_pre", "aov:orders_pre"]) == {
        "revenue": ["revenue_pre", "sessions_pre"], "aov": ["orders_pre"]}
    assert parse_cuped(["revenue_pre", "sessions_pre"]) == ["revenue_pre", "sessions_pre"]
    assert parse_split("control=0.5,B=0.5") == {"control": 0.5, "B": 0.5}
    assert parse_split("50,25,25") == [50.0, 25.0, 25.0]
    with pytest.raises(tl.TrueliftError):
        parse_split("a=x")
    with pytest.raises(tl.TrueliftError):
        parse_cuped(["revenue:revenue_pre", "sessions_pre"])


def test_demo_readout_runs(cli, tmp_path):
    html = tmp_path / "demo.html"
    proc = cli("demo", "--kind", "readout", "--n", "4000", "--report", html)
    assert proc.returncode == 0, proc.stderr
    assert "Known truth of the generator" in proc.stdout and html.exists()
    assert cli("demo", "--kind", "nope").returncode == 2


def test_metric_flags_take_comma_lists_like_every_multi_value_flag(test_parquet, tmp_path):
    from typer.testing import CliRunner

    from truelift.cli import app

    def lifts(*args):
        out = tmp_path / "r.json"
        res = CliRunner().invoke(app, ["readout", str(test_parquet), "--variant", "variant",
                                       "--control", "control", "--no-bayes", "--quiet",
                                       "--json", str(out), *args])
        assert res.exit_code == 0, res.output
        return sorted((x["metric"], x["role"]) for x in json.loads(out.read_text())["lifts"])

    repeated = lifts("--metric", "purchased", "--metric", "revenue",
                     "--guardrail", "ctr=clicks/impressions")
    commas = lifts("--metric", "purchased,revenue", "--guardrail", "ctr=clicks/impressions")
    assert repeated == commas and len({m for m, _ in commas}) == 3
