"""truelift uplift: JSON equal to the library's to_dict(), the scores export, one-line errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from test_cli import assert_same, one_line_error

import truelift as tl

COVS = "x1,x2,x3,x4,x5,x6"


@pytest.fixture(scope="module")
def campaign_csv(tmp_path_factory):
    data, _ = tl.datasets.coupon_campaign(n=3000, seed=11)
    path = tmp_path_factory.mktemp("uplift") / "campaign.csv"
    data.to_csv(path, index=False)
    return path


def test_json_equals_to_dict_and_scores_written(cli, campaign_csv, tmp_path):
    out, scores = tmp_path / "u.json", tmp_path / "scores.csv"
    proc = cli("uplift", campaign_csv, "--treatment", "arm", "--control", "control", "--outcome", "converted",
               "--covariates", COVS, "--learner", "t", "--base", "linear", "--value", "30", "--cost", "2",
               "--id", "customer_id", "--seed", "3", "--json", out, "--scores", scores, "--quiet")
    assert proc.returncode == 0, proc.stderr
    lib = tl.uplift(str(campaign_csv), treatment="arm", control="control", outcome="converted",
                    covariates=COVS.split(","), learner="t", base="linear", value=30.0, cost=2.0,
                    unit="customer_id", seed=3)
    got = json.loads(out.read_text(encoding="utf-8"))
    assert got["kind"] == "uplift"
    assert_same(got, json.loads(json.dumps(lib.to_dict())))
    table = pd.read_csv(scores)
    assert len(table) == 3000 and {"customer_id", "decision", "net_profit"} <= set(table.columns)
    assert (table["decision"] != "none").sum() == lib.policy.n_targeted


def test_cost_without_value_exits_2_with_one_line(cli, campaign_csv):
    proc = cli("uplift", campaign_csv, "--treatment", "arm", "--control", "control", "--outcome", "converted",
               "--covariates", COVS, "--cost", "2")
    assert proc.returncode == 2
    assert "value" in one_line_error(proc)


def test_unknown_control_exits_2(cli, campaign_csv):
    proc = cli("uplift", campaign_csv, "--treatment", "arm", "--control", "nobody", "--outcome", "converted",
               "--covariates", COVS)
    assert proc.returncode == 2
    assert "arm" in one_line_error(proc)
