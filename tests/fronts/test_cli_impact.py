"""The impact sub-commands: a saved result projected (JSON equal to the library's to_dict(), the
decision brief written), decomposition / funnel / LTV reports, one-line errors (issue 6)."""

from __future__ import annotations

import json

import pytest
from test_browser import laid_out_figures
from test_cli import assert_same, one_line_error

import truelift as tl


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("impact")
    shop, _ = tl.datasets.shop_test(6000, seed=3)
    subs, _ = tl.datasets.subscription_test(1500, 6, seed=3)
    paths = {"shop": root / "shop.csv", "subs": root / "subs.csv", "result": root / "readout.json"}
    shop.to_csv(paths["shop"], index=False)
    subs.to_csv(paths["subs"], index=False)
    readout = tl.readout(shop, treatment="arm", control="control", outcome=["purchase", "revenue"])
    paths["result"].write_text(readout.to_json(), encoding="utf-8")
    return paths


def test_project_a_saved_result_json_brief_and_report(cli, files, tmp_path):
    out, brief, report = tmp_path / "p.json", tmp_path / "brief.html", tmp_path / "full.html"
    proc = cli("project", files["result"], "--customers", "1000000", "--rollout", "0.5",
               "--outcome", "revenue", "--cost", "0.01", "--horizon", "6", "--seed", "4", "--json", out,
               "--brief", brief, "--report", report)
    assert proc.returncode == 0, proc.stderr
    assert "What to do" in proc.stdout
    got = json.loads(out.read_text(encoding="utf-8"))
    assert got["kind"] == "project" and [s["name"] for s in got["scenarios"]] == ["rollout 50%"]
    lib = tl.project(str(files["result"]), customers=1_000_000, scenarios=[tl.Scenario("rollout 50%", 0.5)],
                     outcome="revenue", cost_per_customer=0.01, horizon=6, seed=4)
    assert_same(got, json.loads(json.dumps(lib.to_dict())))
    page = brief.read_text(encoding="utf-8")
    assert "Decision brief" in page and "What was measured" in page and page.count("<svg") == 1
    assert report.read_text(encoding="utf-8").count("<svg") >= 2


def test_project_rejects_a_foreign_json_and_a_bad_rollout(cli, files, tmp_path):
    foreign = tmp_path / "other.json"
    foreign.write_text(json.dumps({"hello": 1}), encoding="utf-8")
    proc = cli("project", foreign, "--customers", "10")
    assert proc.returncode == 2 and "truelift" in one_line_error(proc)
    old = json.loads(files["result"].read_text(encoding="utf-8"))
    old["schema_version"] = "0"
    stale = tmp_path / "old.json"
    stale.write_text(json.dumps(old), encoding="utf-8")
    proc = cli("project", stale, "--customers", "10")
    assert proc.returncode == 2 and "schema" in one_line_error(proc)
    proc = cli("project", files["result"], "--customers", "10", "--rollout", "1.5")
    assert proc.returncode == 2 and "rollout" in one_line_error(proc)
    proc = cli("project", files["result"], "--customers", "10", "--outcome", "nope")
    assert proc.returncode == 2 and "nope" in one_line_error(proc)


@pytest.mark.parametrize(("command", "args"), [
    ("decompose", ["--variant", "arm", "--control", "control", "--revenue", "revenue", "--orders", "orders"]),
    ("funnel", ["--variant", "arm", "--control", "control", "--stages", "visit,view,cart,checkout,purchase"]),
])
def test_decompose_and_funnel_reports(cli, files, tmp_path, command, args):
    out, html = tmp_path / "r.json", tmp_path / "r.html"
    proc = cli(command, files["shop"], *args, "--json", out, "--report", html, "--quiet")
    assert proc.returncode == 0, proc.stderr
    got = json.loads(out.read_text(encoding="utf-8"))
    assert got["kind"] == "impact" and got["design"] == ("revenue" if command == "decompose" else "funnel")
    assert html.read_text(encoding="utf-8").count("<svg") >= 1


def test_ltv_report_and_bad_horizon(cli, files, tmp_path):
    html = tmp_path / "ltv.html"
    args = ["--customer", "customer", "--period", "period", "--revenue", "revenue", "--variant", "variant",
            "--control", "control"]
    proc = cli("ltv", files["subs"], *args, "--horizon", "12", "--report", html, "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert html.read_text(encoding="utf-8").count("<svg") >= 2
    proc = cli("ltv", files["subs"], *args, "--horizon", "0")
    assert proc.returncode == 2 and "horizon" in one_line_error(proc)


@pytest.mark.browser
def test_decision_brief_lays_out_its_fan_chart_in_chromium(cli, files, tmp_path):
    brief = tmp_path / "brief.html"
    proc = cli("project", files["result"], "--customers", "100000", "--outcome", "revenue", "--brief", brief,
               "--quiet")
    assert proc.returncode == 0, proc.stderr
    dom, figures = laid_out_figures(brief, tmp_path)
    assert figures == 1 and 'id="tl-decision"' in dom and "What was measured" in dom
