"""The published diagnostic rules are the rules the analyses apply.

* the README's table is the one :func:`truelift.schema.rules.rules_markdown` generates;
* every diagnostic every analysis emits (top level, per estimate, per arm, balance, sensitivity,
  refutation) has a rule for that analysis, and carries only a status its rule allows;
* a threshold a diagnostic reports equals the constant the table publishes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.contract.kinds import ENTRIES, build

from truelift.schema import Status
from truelift.schema import rules as R

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_shows_the_generated_table():
    text = README.read_text(encoding="utf-8")
    got = re.search(r"<!-- rules:start[^>]*-->\n(.*?)<!-- rules:end -->", text, re.S)
    assert got, "README has no rules block"
    assert got.group(1) == R.rules_markdown(), (
        "README's rules table is stale: replace the block with "
        "truelift.schema.rules.rules_markdown()")


def _all_diagnostics(r):
    out = list(r.diagnostics)
    out += [d for e in r._estimates() for d in e.diagnostics]
    for res in getattr(r, "results", ()) or ():
        for arm in res.arms:
            out += list(arm.diagnostics)
    for field in ("balance", "evalues", "rosenbaum", "refutations"):
        out += [x.diagnostic for x in getattr(r, field, ()) or ()]
    return out


ALLOWED = {Status.OK: "ok", Status.INFO: "info", Status.WARN: "warn", Status.FAIL: "fail"}


@pytest.mark.parametrize("entry", ENTRIES)
def test_every_emitted_diagnostic_has_a_rule_and_a_status_it_allows(entry):
    r = build(entry)
    diags = _all_diagnostics(r)
    assert diags or entry in ("factorial",), f"{entry} emitted no diagnostics"
    for d in diags:
        rule = R.rule_for(d.name, entry)
        assert rule is not None, f"{entry}: diagnostic {d.name!r} has no rule in schema/rules.py"
        status = Status(d.status)
        allowed = getattr(rule, ALLOWED[status])
        # observe counts a non-primary method's checks one level lower (FAIL as WARN, WARN as INFO)
        lowered = entry == "observe" and status in (Status.WARN, Status.INFO) and getattr(
            rule, {Status.WARN: "fail", Status.INFO: "warn"}[status])
        assert allowed or lowered, f"{entry}: {d.name} is {status.value}, which its rule never gives"


def test_rules_match_their_names_only():
    rule = R.rule_for("max_abs_smd_after_ipw", "observe")
    assert rule is not None and rule.diagnostic == "max_abs_smd_after_<method>"
    assert R.rule_for("max_abs_smd_after_ipw", "readout") is None
    assert R.rule_for("sample_ratio", "factorial").diagnostic == "sample_ratio"
    assert R.rule_for("no_such_check") is None


THRESHOLDS = {  # diagnostic -> the constant its ``threshold`` field reports
    "power": R.POWER_WARN, "expected_events": R.MIN_EVENTS, "duration": R.MIN_DAYS,
    "sample_ratio": R.SRM_ALPHA, "first_stage_f": R.WEAK_F, "pre_fit_rmspe_ratio": R.PRE_FIT_WARN,
    "density_test": R.DENSITY_ALPHA, "covariate_balance": R.RD_BALANCE_ALPHA,
    "share_outside_common_support": R.SUPPORT_WARN, "share_extreme_propensity": R.EXTREME_OK,
    "ess_ratio_treated": R.ESS_FAIL, "ess_ratio_control": R.ESS_FAIL,
    "aipw_propensity_clipped": R.CLIPPED_WARN, "max_abs_smd_after_ipw": R.SMD_OK,
    "twfe_vs_robust": R.TWFE_GAP_Z, "pretrend": R.PRETREND_ALPHA, "placebo_in_time": R.PRETREND_ALPHA,
    "regions": R.MIN_CLUSTERS, "history_windows": R.HISTORY_WINDOWS,
    "slices_per_arm": R.MIN_SLICES_PER_ARM, "slice_balance": R.SLICE_BALANCE_ALPHA,
    "carryover": R.CARRYOVER_ALPHA, "extrapolated_share": R.EXTRAPOLATED_SHARE_WARN,
    "periods_observed": R.MIN_PERIODS, "probability_of_loss": R.LOSS_THRESHOLD,
    "heterogeneity": R.HETEROGENEITY_ALPHA, "placebo_made_purchase": R.PLACEBO_ALPHA,
    "random_common_cause_revenue": R.RANDOM_CAUSE_SHIFT, "evalue_ci_revenue": R.EVALUE_WEAK,
    "converters[control]": R.MIN_CONVERTERS, "reached[control]": R.MIN_REACHED,
}


def test_the_thresholds_diagnostics_report_are_the_published_constants():
    seen = {}
    for entry in ENTRIES:
        for d in _all_diagnostics(build(entry)):
            seen.setdefault(d.name, d.threshold)
    checked = 0
    for name, constant in THRESHOLDS.items():
        if name in seen:
            assert seen[name] == pytest.approx(constant), name
            checked += 1
    assert checked >= 25, f"only {checked} of the listed diagnostics were emitted"
