"""Reference: the Texas prison-capacity synthetic control of Cunningham, *Causal Inference: The Mixtape*
(2021), ch. 10, on ``causaldata.texas`` (black male prisoners ``bmprison``, Texas = FIPS 48).

Source of the reference numbers: the Mixtape's own notebook ``Python/Synthetic_Control.ipynb``
(repository scunning1975/mixtape, commit 39d57c99), which runs R's Synth with the book's
specification (predictors poverty and income averaged over 1985-1993; special predictors bmprison
1988/1990-1992, alcohol 1990, aidscapita 1990-1991, black 1990-1992, perc1519 1990; loss over
1985-1993) and prints ``solution.v`` and ``solution.w``: synthetic Texas = California 0.3421 +
Florida 0.2964 + Louisiana 0.3614 (every other weight < 1e-4).

We pass R's ``V`` and ``start=1994`` (so that the pre period is R's 1985-1993 window) and solve
for the weights with pysyncon's SLSQP. Tolerance 0.03 per weight: R's ``ipop`` and SLSQP stop at
different points of a nearly flat loss (pysyncon's loss is 3 % above R's). The post-period gap is
compared with the gap of R's weights applied to the same data, within 3 % (relative).
"""

from __future__ import annotations

import numpy as np
import pytest

causaldata = pytest.importorskip("causaldata")

from truelift.quasi.synth import synth  # noqa: E402

R_V = [0.06843543, 0.02849309, 0.8949852, 3.30278e-05, 0.000122374, 0.007929645, 1.2876e-06]
R_W = {6: 0.3420653, 12: 0.2963684, 22: 0.3613969}
SPECIAL = [("bmprison", [1988, 1990, 1991, 1992], "mean"), ("alcohol", [1990], "mean"),
           ("aidscapita", [1990, 1991], "mean"), ("black", [1990, 1991, 1992], "mean"),
           ("perc1519", [1990], "mean")]
PREDICTORS = ["poverty", "income", *SPECIAL]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def texas():
    return causaldata.texas.load_pandas().data


@pytest.fixture(scope="module")
def result(texas):
    return synth(texas, outcome="bmprison", unit="statefip", time="year", treated=48, start=1994,
                 predictors=PREDICTORS, v=R_V, placebo=True)


def test_weights_match_mixtape(result) -> None:
    w = {int(k): v for k, v in result.table("donor_weights").rows}
    for state, ref in R_W.items():
        assert w[state] == pytest.approx(ref, abs=0.03)
    assert sum(v for k, v in w.items() if k not in R_W) < 0.02


def test_post_gap_matches_r_weights(texas, result) -> None:
    wide = texas.pivot(index="year", columns="statefip", values="bmprison")
    r_synth = sum(wide[s] * w for s, w in R_W.items()) / sum(R_W.values())
    r_gap = float((wide[48] - r_synth).loc[1994:].mean())
    assert result.estimate().value == pytest.approx(r_gap, rel=0.03)
    assert 15_000 < result.estimate().value < 35_000  # the Mixtape's gap figure: about 20-30 thousand


def test_identical_to_pysyncon(texas, result) -> None:
    from pysyncon import Dataprep, Synth

    donors = [u for u in sorted(texas["statefip"].unique()) if u != 48]
    pre = list(range(1985, 1994))
    dp = Dataprep(foo=texas, predictors=["poverty", "income"], predictors_op="mean", dependent="bmprison",
                  unit_variable="statefip", time_variable="year", treatment_identifier=48,
                  controls_identifier=donors, time_predictors_prior=pre, time_optimize_ssr=pre,
                  special_predictors=SPECIAL)
    s = Synth()
    s.fit(dp, custom_V=np.array(R_V))
    z0, _ = dp.make_outcome_mats(time_period=range(1985, 2001))
    direct = z0.to_numpy() @ s.W
    ours = np.asarray(result.figure("series").data["lines"]["synthetic"])
    np.testing.assert_allclose(ours, direct, rtol=0, atol=1e-8 * np.abs(direct).max())


def test_placebo_ranks_texas_near_the_top(result) -> None:
    # Texas's post/pre RMSPE ratio ranks in the top 2 of 51 units (we find Wisconsin first,
    # with a tiny pre RMSPE); the p-value is therefore at most 2/51.
    assert result.estimate().pvalue <= 2 / 51 + 1e-12
    assert result.estimate().n_control == 50
