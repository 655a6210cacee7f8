"""The command line: exit codes, one-line errors, and ``--json`` equal to the library's to_dict()."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

import truelift as tl
from truelift import observe
from truelift.cli import build_methods, parse_caliper, parse_label, parse_trim
from truelift.errors import TrueliftError

COVS = "engagement_score,past_purchases,account_age_days,device_type"
BASE = ("--treatment", "received_personalization", "--outcome", "made_purchase",
        "--outcome", "revenue", "--covariates", COVS)


def assert_same(a, b, path="$"):
    """Parsed JSON equality, floats to 1e-12 (relative or absolute)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), f"{path}: keys differ"
        for k in a:
            assert_same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{path}: lengths differ"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, (int, float)) and isinstance(b, (int, float)), f"{path}: {a!r} {b!r}"
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12), f"{path}: {a!r} != {b!r}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def one_line_error(proc) -> str:
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_json_equals_to_dict(cli, demo_csv, tmp_path):
    out = tmp_path / "out.json"
    proc = cli("observe", demo_csv, *BASE, "--method", "ipw,regression", "--seed", "5",
               "--customers", "200000", "--rollout", "0.25", "--json", out, "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""  # --quiet
    lib = observe(str(demo_csv), treatment="received_personalization",
                  outcome=["made_purchase", "revenue"], covariates=COVS.split(","),
                  method=["ipw", "regression"], seed=5, customers=200_000, rollout=0.25)
    got = json.loads(out.read_text(encoding="utf-8"))
    assert got["schema_version"] == 2 and got["kind"] == "observational"
    assert_same(got, json.loads(json.dumps(lib.to_dict())))


def test_json_equals_to_dict_full_run_with_matching(cli, demo_csv, tmp_path):
    """Every method, matching settings from the flags, the pairs export."""
    from truelift.observational.matching import Matching

    out, pairs = tmp_path / "full.json", tmp_path / "pairs.csv"
    proc = cli("observe", demo_csv, *BASE, "--method", "aipw", "--method", "match,ipw",
               "--caliper", "0.1", "--k", "2", "--exact", "device_type", "--id", "customer_id",
               "--json", out, "--export-matches", pairs, "--quiet")
    assert proc.returncode == 0, proc.stderr
    lib = observe(str(demo_csv), treatment="received_personalization",
                  outcome=["made_purchase", "revenue"], covariates=COVS.split(","),
                  unit="customer_id",
                  method=["aipw", Matching(k=2, caliper=0.1, exact=("device_type",)), "ipw"])
    got = json.loads(out.read_text(encoding="utf-8"))
    assert got["provenance"]["parameters"]["method_settings"]["match"]["k"] == 2
    assert_same(got, json.loads(json.dumps(lib.to_dict())))
    frame = pd.read_csv(pairs)
    assert len(frame) == len(lib.matched_pairs())
    assert list(frame.columns) == [str(c) for c in lib.matched_pairs().columns]


def test_summary_on_stdout_and_files_written(cli, demo_csv, tmp_path):
    report, out = tmp_path / "r.html", tmp_path / "r.json"
    proc = cli("observe", demo_csv, *BASE, "--method", "regression", "--no-refute",
               "--report", report, "--json", out)
    assert proc.returncode == 0, proc.stderr
    assert "Naive vs causal" in proc.stdout and "made_purchase" in proc.stdout
    assert "Causal estimate:" in proc.stdout
    assert report.exists() and out.exists()
    assert "wrote report" in proc.stderr


def test_missing_column_exits_2_with_one_line(cli, demo_csv):
    proc = cli("observe", demo_csv, "--treatment", "no_such_column", "--outcome",
               "made_purchase", "--covariates", "engagement_score")
    assert proc.returncode == 2
    line = one_line_error(proc)
    assert "no_such_column" in line and "not found" in line
    assert proc.stdout == ""


def test_non_binary_treatment_exits_2_with_one_line(cli, demo_csv):
    proc = cli("observe", demo_csv, "--treatment", "engagement_score", "--outcome",
               "made_purchase", "--covariates", "past_purchases", "--method", "ipw")
    assert proc.returncode == 2
    line = one_line_error(proc)
    assert "engagement_score" in line and "binary" in line


def test_missing_file_exits_2(cli, tmp_path):
    proc = cli("observe", tmp_path / "nope.csv", *BASE)
    assert proc.returncode == 2
    assert "not found" in one_line_error(proc)


@pytest.mark.parametrize("extra", [("--method", "magic"), ("--trim", "0.9,0.1"),
                                   ("--trim", "sometimes"), ("--caliper", "wide"),
                                   ("--estimand", "late"), ("--propensity", "oracle"),
                                   ("--level", "1.5")])
def test_bad_option_values_exit_2(demo_csv, extra):
    result = invoke("observe", demo_csv, *BASE, "--method", "regression", "--no-refute", *extra)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr


def test_usage_error_keeps_code_2(cli, demo_csv):
    proc = cli("observe", demo_csv, "--outcome", "made_purchase", "--covariates", COVS)
    assert proc.returncode == 2
    assert "--treatment" in proc.stderr
    assert "Traceback" not in proc.stderr


def invoke(*args):
    """Run the Typer app in process (fast); the subprocess tests cover the installed script."""
    from typer.testing import CliRunner

    from truelift.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


def test_strict_exits_3_on_fail_and_0_without(cli, separated_csv):
    args = ("observe", separated_csv, "--treatment", "t", "--outcome", "y", "--covariates",
            "x,z", "--method", "ipw,regression", "--no-refute")
    relaxed = invoke(*args)
    assert relaxed.exit_code == 0, relaxed.output
    assert "FAIL" in relaxed.stdout
    strict = cli(*args, "--strict", "--quiet")
    assert strict.returncode == 3, strict.stderr
    assert "Traceback" not in strict.stderr


def test_strict_exits_0_when_not_fail(demo_csv):
    result = invoke("observe", demo_csv, *BASE, "--method", "regression", "--no-refute",
                    "--strict", "--quiet")
    assert result.exit_code == 0, result.output


def test_numeric_treated_label_is_converted(demo_frame, tmp_path):
    frame = demo_frame.assign(arm=demo_frame["received_personalization"] + 1)  # 1 = control
    path = tmp_path / "arms.csv"
    frame.to_csv(path, index=False)
    args = ("observe", path, "--treatment", "arm", "--outcome", "made_purchase",
            "--covariates", COVS, "--method", "regression", "--no-refute", "--quiet")
    assert invoke(*args, "--treated", "2").exit_code == 0
    result = invoke(*args, "--treated", "3")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "3" in result.stderr


def test_demo_writes_report_and_shows_truth(cli, tmp_path):
    report, out = tmp_path / "demo.html", tmp_path / "demo.json"
    proc = cli("demo", "--n", "1500", "--seed", "2", "--report", report, "--json", out)
    assert proc.returncode == 0, proc.stderr
    html = report.read_text(encoding="utf-8")
    for fig in ("tl-figure-balance", "tl-figure-overlap", "tl-figure-forest_made_purchase"):
        assert f'id="{fig}"' in html
    assert "true ATT" in proc.stdout
    assert json.loads(out.read_text(encoding="utf-8"))["kind"] == "observational"


# ----------------------------------------------------------------------------- parsing units
def test_parse_label():
    assert parse_label("1") == 1 and isinstance(parse_label("1"), int)
    assert parse_label("1.5") == 1.5
    assert parse_label("treated") == "treated"
    assert parse_label(None) is None


def test_parse_trim_and_caliper():
    assert parse_trim("none") is None
    assert parse_trim("crump") == "crump"
    assert parse_trim("0.05,0.95") == (0.05, 0.95)
    with pytest.raises(TrueliftError):
        parse_trim("0.95,0.05")
    assert parse_caliper("none") is None
    assert parse_caliper("0.1") == 0.1
    with pytest.raises(TrueliftError):
        parse_caliper("x")


def test_build_methods_applies_matching_flags():
    from truelift.observational.matching import Matching

    methods = build_methods(["ipw,match"], k=3, caliper=None, replace=False, exact=["dev"])
    assert methods[0] == "ipw"
    assert methods[1] == Matching(k=3, caliper=None, replace=False, exact=("dev",))
    assert build_methods(None, k=1, caliper=0.2, replace=True, exact=[])[0] == "aipw"
    with pytest.raises(TrueliftError):
        build_methods(["nope"], k=1, caliper=0.2, replace=True, exact=[])


def test_version_prints_the_package_version():
    from truelift import __version__

    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"truelift {__version__}"


def test_a_misspelt_column_gets_a_did_you_mean(demo_csv):
    result = invoke("observe", demo_csv, "--treatment", "received_personalization", "--outcome",
                    "made_purchse", "--covariates", COVS, "--method", "ipw", "--no-refute")
    assert result.exit_code == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "did you mean 'made_purchase'?" in lines[0], result.stderr


def test_errors_speak_in_flags_not_keyword_names(cli, tmp_path):
    from truelift.cli import cli_words

    assert cli_words("pass drop_missing=True to drop them") == "pass --drop-missing to drop them"
    assert cli_words("use control_group='notyet'") == "use --control-group notyet"
    assert cli_words("placebo=False.") == "--no-placebo."
    assert cli_words("e.g. pd.to_datetime(df['d'], format='%d/%m/%Y')") == \
        "e.g. pd.to_datetime(df['d'], format='%d/%m/%Y')"          # code stays code
    assert cli_words("nothing=True here") == "nothing=True here"  # not a flag of truelift
    panel = tl.datasets.staggered_panel(units=30, periods=6, cohorts=(3,), seed=1).data
    panel.loc[3, "y"] = float("nan")
    path = tmp_path / "panel.csv"
    panel.to_csv(path, index=False)
    proc = cli("did", path, "--outcome", "y", "--time", "period", "--treatment", "treated",
               "--unit", "unit")
    assert proc.returncode == 2
    assert "--drop-missing" in proc.stderr and "drop_missing=True" not in proc.stderr
