"""LaLonde (1986): NSW treated against CPS controls, the classic hard case for observational methods.

The experimental benchmark is the NSW difference in mean 1978 earnings, $1,794 (Dehejia & Wahba
1999's sample, shipped by causaldata as ``nsw_mixtape``; controls from ``cps_mixtape``). Overlap
is poor (most CPS controls look nothing like the treated), so: the default pipeline must run,
with and without Crump trimming (which used to crash on a singular regression Hessian; the
rule's threshold decides whether any unit goes), say
FAIL untrimmed (effective sample size of the controls about 1%), and its AIPW interval must
cover the experimental benchmark.
"""

import pandas as pd
import pytest

import truelift as tl

causaldata = pytest.importorskip("causaldata")
EXPERIMENTAL_ATT = 1794.34
COVS = ["age", "educ", "black", "hisp", "marr", "nodegree", "re74", "re75", "u74", "u75"]


@pytest.fixture(scope="module")
def lalonde():
    from causaldata import cps_mixtape, nsw_mixtape

    nsw = nsw_mixtape.load_pandas().data
    cps = cps_mixtape.load_pandas().data
    assert nsw[nsw.treat == 1].re78.mean() - nsw[nsw.treat == 0].re78.mean() == pytest.approx(
        EXPERIMENTAL_ATT, abs=0.01)
    df = pd.concat([nsw[nsw.treat == 1], cps]).reset_index(drop=True)
    return df.assign(u74=(df.re74 == 0).astype(float), u75=(df.re75 == 0).astype(float))


@pytest.mark.slow
@pytest.mark.parametrize("trim", [None, "crump"])
def test_default_aipw_covers_the_experimental_benchmark(lalonde, trim):
    r = tl.observe(lalonde, treatment="treat", outcome="re78", covariates=COVS,
                   estimand="ATT", method="all", trim=trim, refute=False)
    aipw = r.estimate(method="aipw")
    assert aipw.ci[0] < EXPERIMENTAL_ATT < aipw.ci[1]
    naive = r.naive[0]
    assert naive.ci[1] < 0                        # the raw comparison gets even the sign wrong
    if trim is None:
        assert r.verdict.status == "fail"
        assert any(d.name == "ess_ratio_control" and d.status == "fail" for d in r.diagnostics)
    else:
        # Crump's rule ran on the untrimmed scores and did what its threshold says: whether it
        # trims depends on the score distribution (with LightGBM's scores the bulk of the CPS
        # controls share one tiny score, max g <= 2 mean g, and the rule keeps everyone)
        assert r.propensity.trim_rule == "crump"
        alpha = r.propensity.overlap_before_trim.crump_alpha
        reported = any(d.name == "trimmed_units" for d in r.diagnostics)
        if alpha > 0:
            assert r.propensity.trimmed > 0 and reported
        else:
            assert r.propensity.trimmed == 0 and not reported
