"""The quasi-experiment sub-commands: JSON equal to the library's to_dict(), reports written,
one-line errors on bad input (issue 5)."""

from __future__ import annotations

import json

import pytest
from test_cli import assert_same, one_line_error

import truelift as tl


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("quasi")
    panel, _ = tl.datasets.staggered_panel(units=120, periods=8, cohorts=(4, 6), seed=2)
    rd, _ = tl.datasets.rd_data(n=1500, effect=0.2, seed=2)
    nudge, _ = tl.datasets.encouragement(n=3000, seed=2)
    orders, _ = tl.datasets.switchback_orders(days=5, seed=2)
    geo = tl.datasets.geo_panel(regions=16, pre_days=42, test_days=14, seed=2)
    out = {"panel": panel, "rd": rd, "iv": nudge, "switchback": orders, "geo": geo.data,
           "history": geo.data[geo.data["date"] < geo.truth.start]}
    paths = {k: root / f"{k}.csv" for k in out}
    for k, frame in out.items():
        frame.to_csv(paths[k], index=False)
    paths["start"] = str(geo.truth.start.date())
    return paths


CASES = {
    "did": (["--outcome", "y", "--time", "period", "--treatment", "treated", "--unit", "unit"],
            lambda p: tl.did(str(p["panel"]), outcome="y", time="period", treatment="treated", unit="unit")),
    "rd": (["--outcome", "y", "--running", "x", "--cutoff", "0"],
           lambda p: tl.rd(str(p["rd"]), outcome="y", running="x", cutoff=0.0, covariates=[])),
    "iv": (["--outcome", "purchased", "--treatment", "exposed", "--instrument", "encouraged"],
           lambda p: tl.iv(str(p["iv"]), outcome="purchased", treatment="exposed", instrument="encouraged",
                           covariates=[])),
    "switchback": (["--outcome", "orders", "--time", "time", "--treatment", "treatment", "--slice", "slice",
                    "--washout", "1"],
                   lambda p: tl.switchback(str(p["switchback"]), outcome="orders", time="time",
                                           treatment="treatment", slice="slice", washout=1, covariates=[],
                                           fixed_effects=[])),
}


@pytest.mark.parametrize("command", list(CASES))
def test_json_equals_to_dict_and_report_written(cli, files, tmp_path, command):
    args, call = CASES[command]
    out, html = tmp_path / "r.json", tmp_path / "r.html"
    proc = cli(command, files["panel" if command == "did" else command], *args, "--json", out,
               "--report", html, "--quiet")
    assert proc.returncode == 0, proc.stderr
    got = json.loads(out.read_text(encoding="utf-8"))
    assert got["kind"] == "quasi" and got["design"] == ("did" if command == "did" else command)
    assert_same(got, json.loads(json.dumps(call(files).to_dict())))
    assert html.read_text(encoding="utf-8").count("<svg") >= 1


def test_geo_plan_and_geo(cli, files, tmp_path):
    plan = tmp_path / "plan.json"
    proc = cli("geo-plan", files["history"], "--region", "region", "--time", "date", "--outcome", "revenue",
               "--test-periods", "14", "--reps", "40", "--json", plan, "--report", tmp_path / "plan.html")
    assert proc.returncode == 0, proc.stderr
    assert "minimum detectable lift" in proc.stdout
    assert json.loads(plan.read_text(encoding="utf-8"))["kind"] == "geo_plan"
    res = tmp_path / "geo.json"
    proc = cli("geo", files["geo"], "--region", "region", "--time", "date", "--outcome", "revenue",
               "--treatment", "treated", "--start", files["start"], "--users", "users", "--json", res,
               "--report", tmp_path / "geo.html", "--quiet")
    assert proc.returncode == 0, proc.stderr
    got = json.loads(res.read_text(encoding="utf-8"))
    assert got["design"] == "geo" and got["estimates"][0]["value"] > 0
    assert (tmp_path / "geo.html").read_text(encoding="utf-8").count("<svg") >= 1
    assert (tmp_path / "plan.html").exists()


def test_synth_on_a_small_panel(cli, files, tmp_path):
    proc = cli("synth", files["panel"], "--outcome", "y", "--unit", "unit", "--time", "period",
               "--treated", "0", "--start", "4", "--json", tmp_path / "s.json",
               "--report", tmp_path / "s.html")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))["design"] == "synth"
    assert (tmp_path / "s.html").read_text(encoding="utf-8").count("<svg") >= 2


@pytest.mark.parametrize(("command", "args", "needle"), [
    ("did", ["--outcome", "nope", "--time", "period", "--treatment", "treated", "--unit", "unit"], "nope"),
    ("rd", ["--outcome", "y", "--running", "x", "--cutoff", "5"], "x"),
    ("switchback", ["--outcome", "orders", "--time", "time", "--treatment", "hour", "--slice", "slice"],
     "hour"),
])
def test_bad_input_exits_2_with_one_line(cli, files, command, args, needle):
    source = {"did": "panel", "rd": "rd", "switchback": "switchback"}[command]
    proc = cli(command, files[source], *args)
    assert proc.returncode == 2
    assert needle in one_line_error(proc)


def test_did_demo_runs_and_prints_the_truth(cli, tmp_path):
    proc = cli("demo", "--kind", "did", "--n", "120", "--report", tmp_path / "d.html")
    assert proc.returncode == 0, proc.stderr
    assert "true ATT" in proc.stdout and (tmp_path / "d.html").exists()


@pytest.mark.parametrize("command", ["did", "rd"])
def test_compact_prints_only_the_verdict_and_the_estimates(cli, files, command):
    args, call = CASES[command]
    src = files["panel" if command == "did" else command]
    full = cli(command, src, *args)
    short = cli(command, src, *args, "--compact")
    assert full.returncode == 0 and short.returncode == 0, short.stderr
    assert "What is estimated" in full.stdout and "What is estimated" not in short.stdout
    assert "Estimates" in short.stdout and len(short.stdout) < len(full.stdout) / 2
    head = call(files).estimate()
    assert head.method in " ".join(short.stdout.split())
