"""What truelift writes cannot be turned against its reader: no spreadsheet formulas in CSV
exports, no terminal escape sequences from the data, no output file over an input file."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

import truelift as tl
from truelift.cli import app
from truelift.report.export import FORMULA_START, neutralize, safe_frame, write_csv


def _table_csv(tmp_path, seed: int, covariate: str = "x", n: int = 300):
    """A small observational table on disk: 0/1 ``t``, numeric ``y`` and ``covariate``."""
    rng = np.random.default_rng(seed)
    data = tmp_path / "data.csv"
    pd.DataFrame({"t": rng.integers(0, 2, n), "y": rng.normal(size=n),
                  covariate: rng.normal(size=n)}).to_csv(data, index=False)
    return data


def _observe_cli(data, *args):
    return CliRunner().invoke(app, ["observe", str(data), "--treatment", "t", "--method", "ipw",
                                    "--no-refute", *args])


@pytest.mark.parametrize("start", FORMULA_START)
def test_formula_like_text_is_written_as_text(start):
    assert neutralize(f"{start}1+1") == f"'{start}1+1"
    assert neutralize("plain") == "plain" and neutralize(-3.0) == -3.0


def test_csv_exports_neutralize_cells_and_headers_and_leave_numbers(tmp_path):
    frame = pd.DataFrame({"=cmd|' /C calc'!A0": ["=HYPERLINK(\"http://x\")", "ok", "@SUM(A1)"],
                          "value": [-1.5, 2.0, 3.0],
                          "unit": pd.Series(["+1", "-2", "3"], dtype="string")})
    before = frame.copy()
    path = write_csv(frame, tmp_path / "out.csv")
    pd.testing.assert_frame_equal(frame, before)  # the caller's frame is untouched
    back = pd.read_csv(path, dtype=str)
    assert list(back.columns) == ["'=cmd|' /C calc'!A0", "value", "unit"]
    assert back.iloc[:, 0].tolist() == ["'=HYPERLINK(\"http://x\")", "ok", "'@SUM(A1)"]
    assert back["value"].tolist() == ["-1.5", "2.0", "3.0"]
    assert back["unit"].tolist() == ["'+1", "'-2", "3"]
    assert safe_frame(frame).shape == frame.shape


def test_the_cli_exports_of_matched_pairs_are_neutralized(tmp_path):
    rng = np.random.default_rng(0)
    n = 600
    x = rng.normal(size=n)
    frame = pd.DataFrame({"id": [f"=cmd{i}" for i in range(n)],
                          "t": (rng.random(n) < 1 / (1 + np.exp(-x))).astype(int),
                          "y": rng.normal(size=n), "x": x})
    data = tmp_path / "data.csv"
    frame.to_csv(data, index=False)
    pairs = tmp_path / "pairs.csv"
    res = CliRunner().invoke(app, ["observe", str(data), "--treatment", "t", "--outcome", "y",
                                   "--covariates", "x", "--id", "id", "--method", "match",
                                   "--no-refute", "--export-matches", str(pairs), "--quiet"])
    assert res.exit_code == 0, res.output
    text = pairs.read_text()
    assert "=cmd" in text and not any(cell.startswith("=") for line in text.splitlines()
                                      for cell in line.split(","))


@pytest.mark.parametrize("flag", ["--report", "--json"])
def test_an_output_over_an_input_file_is_refused(tmp_path, flag):
    data = _table_csv(tmp_path, seed=1, n=400)
    before = data.read_bytes()
    res = _observe_cli(data, "--outcome", "y", "--covariates", "x", flag, str(data), "--quiet")
    assert res.exit_code == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "is an input of this run; refusing to overwrite it" in lines[0]
    assert data.read_bytes() == before


def test_escape_sequences_in_labels_never_reach_the_terminal():
    rng = np.random.default_rng(0)
    n = 2_000
    hostile = "tr\x1b[31mRED\x1b]0;owned\x07\x9b2J"
    df = pd.DataFrame({"variant": rng.choice(["control", hostile], n),
                       "converted": rng.integers(0, 2, n)})
    r = tl.readout(df, treatment="variant", control="control", outcome=["converted"])
    buf = io.StringIO()
    Console(file=buf, width=100, force_terminal=True, color_system="truecolor").print(r)
    shown = buf.getvalue()
    assert "\x1b]0;" not in shown and "\x07" not in shown and "\x9b" not in shown
    assert "\x1b[31mRED" not in shown and "tr[31mRED]0;owned2J" in shown
    plain = str(r)
    assert not any(ord(c) < 32 and c != "\n" for c in plain)
    # the saved result keeps the label exactly; only the terminal is protected
    assert r.to_dict()["arms"][1]["label"] == hostile


def test_error_lines_that_quote_the_data_carry_no_control_characters(tmp_path):
    data = _table_csv(tmp_path, seed=2, covariate="re\x1b]0;owned\x07v\u202e")
    res = _observe_cli(data, "--outcome", "rev", "--covariates", "y")
    assert res.exit_code == 2
    assert "\x1b" not in res.stderr and "\x07" not in res.stderr and "\u202e" not in res.stderr
    assert "not found in the data" in res.stderr


def test_two_outputs_may_not_name_one_file(tmp_path):
    data = _table_csv(tmp_path, seed=3)
    out = tmp_path / "out.txt"
    res = _observe_cli(data, "--outcome", "y", "--covariates", "x", "--report", str(out),
                       "--json", str(out), "--quiet")
    assert res.exit_code == 2 and "name the same file" in res.stderr
    assert not out.exists()  # refused before anything ran or was written


def test_project_refuses_a_brief_over_its_report_or_its_input(tmp_path):
    data = _table_csv(tmp_path, seed=4)
    saved = tmp_path / "result.json"
    assert _observe_cli(data, "--outcome", "y", "--covariates", "x", "--json", str(saved),
                        "--quiet").exit_code == 0
    out = tmp_path / "page.html"
    for args, message in ((["--brief", str(out), "--report", str(out)], "name the same file"),
                          (["--brief", str(saved)], "is an input of this run")):
        res = CliRunner().invoke(app, ["project", str(saved), "--customers", "1000", *args,
                                       "--quiet"])
        assert res.exit_code == 2 and message in res.stderr, res.stderr
    assert not out.exists() and saved.read_text().startswith("{")
