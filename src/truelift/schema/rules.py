"""Every diagnostic rule of every analysis, and the thresholds behind them: one source.

The methods import their thresholds from here (``from truelift.schema.rules import SMD_OK``), so
the number that decides a status is the number this table publishes. :data:`RULES` holds one
:class:`Rule` per diagnostic (a name with ``<placeholders>`` stands for a family, e.g.
``max_abs_smd_after_<method>``): the statistic, the condition of each status, what it means for
the reader, and where the threshold comes from. :func:`rules_markdown` renders the table that
the README (and later the docs) include; a test keeps the README's copy equal to it, and another
checks that every diagnostic the analyses emit has a rule here.

A verdict is the worst status of its diagnostics; INFO is context and never moves it
(:meth:`truelift.schema.Status.worst`). In ``observe``, the checks of a method other than the
primary one count one level lower (FAIL as WARN, WARN as INFO): they describe an estimate that is
not the headline.
"""

from __future__ import annotations

import dataclasses
import re

# -- randomized tests --------------------------------------------------------------------------
SRM_ALPHA = 0.001
"""Sample-ratio mismatch below this chi-square p-value: FAIL (Fabijan et al. 2019: the test runs
on every experiment, so the usual cut is strict)."""
PRE_BALANCE_Z = 3.29
"""A CUPED pre-period covariate differing by more than this |z| (two-sided p < 0.001): WARN."""
SEGMENT_SPLIT_ALPHA = 0.001
"""A split that differs between segments below this chi-square p-value: WARN."""
POWER_WARN = 0.8
"""Below this power a plan is WARN: the conventional minimum (Cohen 1988, *Statistical Power
Analysis for the Behavioral Sciences*, ch. 2)."""
POWER_FAIL = 0.5
"""Below this power a plan is FAIL: the test is more likely to miss an effect of the MDE than to
find it, so running it as planned is not worth its traffic."""
MIN_EVENTS = 10
"""Fewest expected events and non-events per arm of a proportion for the z-test's normal
approximation (the usual ``n p >= 10`` and ``n (1 - p) >= 10`` rule): below it, WARN."""
MIN_DAYS = 7
"""A test shorter than a week is WARN: weekday and weekend users differ, so run whole weeks
(Kohavi, Tang & Xu 2020, *Trustworthy Online Controlled Experiments*)."""

# -- observational lift ------------------------------------------------------------------------
SMD_OK = 0.1
"""Largest |standardized mean difference| after adjustment that counts as balanced (Austin 2009;
Stuart 2010)."""
SMD_FAIL = 0.25
"""Above this |SMD| the adjusted groups are not comparable: FAIL (Stuart 2010)."""
VARIANCE_RATIO = (0.5, 2.0)
"""A weighted variance ratio outside this range turns a balanced covariate into a WARN (Rubin
2001)."""
SUPPORT_OK = 0.01
"""Share of units outside the min-max common support up to which it is not mentioned."""
SUPPORT_WARN = 0.20
"""Share of units outside the common support above which overlap WARNs (in between: INFO; the
min-max support moves with single noisy scores, and on its own it did not predict a wrong
estimate in ``benchmarks/verdict_observational.py``)."""
EXTREME_SCORE = 0.01
"""A propensity below this or above ``1 - EXTREME_SCORE`` is extreme."""
EXTREME_OK = 0.01
"""Share of extreme propensities up to which overlap is fine."""
EXTREME_FAIL = 0.10
"""Share of extreme propensities above which the weights cannot be trusted: FAIL."""
ESS_OK = 0.3
"""Kish effective sample size over the arm's size at or above which the weights are fine."""
ESS_FAIL = 0.1
"""Below this share of its size (Kish 1965's effective sample size) an arm is FAIL."""
CLIPPED_WARN = 0.01
"""Share of clipped scores above which AIPW warns: beyond 1% of units the clip, not the data,
decides their weight (and the outcome model carries them)."""
UNMATCHED_OK = 0.01
"""Share of the estimand's population left unmatched up to which matching is fine."""
UNMATCHED_WARN = 0.05
"""Above this share unmatched, the matched estimate is of another population: FAIL."""
POOL_RATIO_WARN = 0.2
"""Units to match per available unit above which matching without replacement WARNs (Abadie &
Imbens 2006 assume the pool grows faster than the matched arm)."""
EVALUE_WEAK = 1.25
"""An E-value of the interval below this: weak confounding would explain the effect away (only
the wording changes; sensitivity is INFO)."""
PLACEBO_ALPHA = 0.01
"""A placebo-treatment refutation rejecting below this p-value: WARN."""
RANDOM_CAUSE_SHIFT = 0.5
"""A random common cause moving the estimate by more than this many standard errors: WARN."""

# -- who benefits ------------------------------------------------------------------------------
HETEROGENEITY_ALPHA = 0.05
"""The BLP heterogeneity test (Chernozhukov et al. 2018) must reject below this p-value, with a
positive slope, for targeting to be supported; otherwise WARN."""
UPLIFT_CLIPPED_OK = 0.01
"""Share of customers with a clipped propensity (observational uplift) up to which overlap is
fine."""
UPLIFT_CLIPPED_FAIL = 0.05
"""Above this share clipped, the observational uplift extrapolates too much: FAIL."""
GROUP_MIN = 100
"""Fewest customers in a predicted group before its observed effect is checked against it."""

# -- quasi-experiments -------------------------------------------------------------------------
TWFE_GAP_Z = 2.0
"""TWFE and the heterogeneity-robust DiD differing by more than this many combined standard
errors: WARN (Goodman-Bacon 2021)."""
PRETREND_ALPHA = 0.05
"""A joint pre-trend test rejecting below this p-value: FAIL; a placebo in time: WARN."""
MIN_CLUSTERS = 20
"""Fewer clusters (regions) than this: cluster-robust standard errors are unreliable, WARN
(Bertrand, Duflo & Mullainathan 2004; Cameron & Miller 2015)."""
MIN_COHORT = 5
"""An adoption cohort with fewer units than this: WARN."""
PRE_FIT_WARN = 0.25
"""Synthetic control pre-period RMSPE over the outcome's SD above which the fit WARNs."""
PRE_FIT_FAIL = 0.5
"""Above this pre-period misfit the synthetic control does not track the treated unit: FAIL."""
HULL_FAIL = 0.5
"""Share of pre periods with the treated unit outside the donors' range from which: FAIL."""
WEAK_F = 10.0
"""A first-stage F below this is a weak instrument (Staiger & Stock 1997's rule of thumb): WARN."""
FAIL_F = 5.0
"""A first-stage F below this: FAIL (the estimate's bias and interval are not to be trusted)."""
DENSITY_ALPHA = 0.05
"""The RD manipulation test (Cattaneo, Jansson & Ma 2020) below this p-value: WARN."""
DENSITY_FAIL = 0.01
"""The RD manipulation test below this p-value: FAIL."""
RD_BALANCE_ALPHA = 0.05
"""A covariate jumping at the cutoff (smallest Holm-adjusted p-value) below this: WARN."""
MIN_PER_SIDE = 20
"""Fewer observations than this on a side of the cutoff, inside the bandwidth: WARN."""
HISTORY_WINDOWS = 5
"""Fewer distinct history windows than this for a geo power estimate: WARN."""
FPR_BAND_SIGMAS = 3.0
"""A geo plan's false-positive rate on history above ``alpha`` plus this many binomial standard
errors: WARN."""
MIN_SLICES_PER_ARM = 10
"""Fewer switchback slices per arm than this: WARN."""
SLICE_BALANCE_ALPHA = 0.01
"""Slices split between arms less evenly than a fair draw, below this binomial p-value: WARN."""
CARRYOVER_ALPHA = 0.05
"""Carryover past the washout, below this p-value: WARN (Bojinov, Simchi-Levi & Zhao 2023)."""
WASHOUT_SHARE_WARN = 0.5
"""More than this share of rows dropped as washout: WARN."""

# -- what it is worth --------------------------------------------------------------------------
MIN_CONVERTERS = 30
"""Fewer converters in an arm than this: the per-converter ratios' normal intervals may not hold
yet, WARN."""
MIN_REACHED = 30
"""Fewer customers reaching a funnel stage than this: WARN."""
EXTRAPOLATED_SHARE_WARN = 0.5
"""More than this share of an arm's lifetime value projected beyond the observed periods: WARN."""
MIN_PERIODS = 3
"""Fewer observed periods than this to fit retention on: WARN."""
LOSS_THRESHOLD = 0.2
"""Probability of a loss in the moderate scenario above which the projection WARNs."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """One diagnostic: what it measures, when it is OK, INFO, WARN or FAIL, and what that means.

    ``diagnostic`` is the name the analysis gives it (``<x>`` stands for a part that varies: an
    outcome, a method, an arm); ``analyses`` the public entries that emit it. A status that the
    rule never gives is ``""``.
    """

    diagnostic: str
    analyses: tuple[str, ...]
    statistic: str
    ok: str
    warn: str = ""
    fail: str = ""
    info: str = ""
    meaning: str
    source: str = "house rule (no published threshold)"

    def matches(self, name: str) -> bool:
        """Whether a diagnostic called ``name`` is this rule's."""
        parts = re.split(r"<[^>]+>", self.diagnostic)
        return re.fullmatch(".+".join(map(re.escape, parts)), name) is not None


def _p(x: float) -> str:
    return f"{x:g}"


RULES: tuple[Rule, ...] = (
    # randomized tests
    Rule(diagnostic="sample_ratio", analyses=("readout", "factorial"),
         statistic="chi-square p-value of users per arm (cell) against the planned split",
         ok=f"p >= {_p(SRM_ALPHA)} (or the srm_threshold given)", fail=f"p < {_p(SRM_ALPHA)}",
         meaning="users were lost or added unevenly between arms; no lift can be trusted",
         source="Fabijan et al. 2019"),
    Rule(diagnostic="pre_period_balance:<metric>:<variant>", analyses=("readout",),
         statistic="largest |z| of a CUPED pre-period covariate between arms",
         ok="not emitted", warn=f"|z| > {_p(PRE_BALANCE_Z)} (p < 0.001)",
         meaning="the arms differed before the test: randomization may be broken",
         source="Deng, Xu, Kohavi & Walker 2013 (CUPED); the cut is two-sided p < 0.001"),
    Rule(diagnostic="guardrail:<metric>:<variant>", analyses=("readout",),
         statistic="p-value of a guardrail's lift (always-valid when sequential)",
         ok="not emitted", warn="the guardrail moved the harmful way with p < alpha",
         meaning="a guardrail metric got significantly worse"),
    Rule(diagnostic="simpson:<segment>:<metric>:<variant>", analyses=("readout",),
         statistic="the pooled lift against the lift in every segment",
         ok="not emitted", warn="the pooled lift has the opposite sign to every segment's lift",
         meaning="Simpson's paradox: trust the segment lifts and find why the split differs",
         source="Simpson 1951"),
    Rule(diagnostic="split_by_segment:<segment>", analyses=("readout",),
         statistic="chi-square p-value of arm x segment level",
         ok="not emitted", warn=f"p < {_p(SEGMENT_SPLIT_ALPHA)}",
         meaning="the split differs by segment: pooled lifts may be confounded by it"),
    Rule(diagnostic="interim:<metric>:<variant>", analyses=("readout",),
         statistic="|z| at the last look against its group-sequential boundary",
         ok="not emitted", warn="the fixed-horizon p < alpha but no look crossed its boundary",
         meaning="not significant yet under the planned design: keep the test running",
         source="Lan & DeMets 1983 alpha spending"),
    Rule(diagnostic="time_missing", analyses=("readout",),
         statistic="users with no enrolment time", ok="not emitted", warn="any",
         meaning="those users count in the lifts but in none of the looks over time"),
    Rule(diagnostic="always_valid_horizon", analyses=("readout",),
         statistic="no horizon was given to the always-valid readout", ok="always (a notice)",
         meaning="the mixture was tuned to the users so far; fix horizon= in advance to monitor live",
         source="Howard et al. 2021"),
    Rule(diagnostic="power", analyses=("plan",),
         statistic="power of the weakest comparison at the MDE",
         ok=f">= {_p(POWER_WARN)}", warn=f">= {_p(POWER_FAIL)}", fail=f"< {_p(POWER_FAIL)}",
         meaning="a real effect of the MDE may be missed (FAIL: more likely missed than found)",
         source="Cohen 1988, ch. 2"),
    Rule(diagnostic="expected_events", analyses=("plan",),
         statistic="fewest expected events or non-events in an arm (proportions)",
         ok=f">= {MIN_EVENTS}", warn=f"< {MIN_EVENTS}",
         meaning="too few events for the z-test's normal approximation",
         source="the n p >= 10 and n (1 - p) >= 10 rule"),
    Rule(diagnostic="duration", analyses=("plan",), statistic="days the test needs",
         ok=f">= {MIN_DAYS}", warn=f"< {MIN_DAYS}",
         meaning="shorter than a week: weekday and weekend users are not both represented",
         source="Kohavi, Tang & Xu 2020"),
    # observational
    Rule(diagnostic="max_abs_smd_after_<method>", analyses=("observe",),
         statistic="largest |standardized mean difference| of a covariate after adjustment",
         ok=f"<= {_p(SMD_OK)} and every variance ratio in [{VARIANCE_RATIO[0]:g}, {VARIANCE_RATIO[1]:g}]",
         warn=f"<= {_p(SMD_FAIL)}, or a variance ratio outside that range", fail=f"> {_p(SMD_FAIL)}",
         meaning="the adjusted groups still differ on a covariate (FAIL: not comparable)",
         source="Austin 2009; Stuart 2010; Rubin 2001 (variance ratio)"),
    Rule(diagnostic="share_extreme_propensity", analyses=("observe",),
         statistic=f"share of units with a propensity below {_p(EXTREME_SCORE)} or above "
                   f"{_p(1 - EXTREME_SCORE)}",
         ok=f"<= {_p(EXTREME_OK)}", warn=f"<= {_p(EXTREME_FAIL)}", fail=f"> {_p(EXTREME_FAIL)}",
         meaning="weights are extreme for those units: estimates are unstable",
         source="Crump, Hotz, Imbens & Mitnik 2009"),
    Rule(diagnostic="ess_ratio_<arm>", analyses=("observe",),
         statistic="Kish effective sample size of the arm after weighting, over its size",
         ok=f">= {_p(ESS_OK)}", warn=f">= {_p(ESS_FAIL)}", fail=f"< {_p(ESS_FAIL)}",
         meaning="the estimate rests on few heavily weighted units", source="Kish 1965"),
    Rule(diagnostic="share_outside_common_support", analyses=("observe",),
         statistic="share of units outside the min-max common support of the propensity",
         ok=f"<= {_p(SUPPORT_OK)}", info=f"<= {_p(SUPPORT_WARN)}", warn=f"> {_p(SUPPORT_WARN)}",
         meaning="many units have no comparable unit in the other arm: the models extrapolate",
         source="house rule, measured: alone it did not predict a wrong estimate "
                "(benchmarks/verdict_observational.py)"),
    Rule(diagnostic="propensity_converged", analyses=("observe",),
         statistic="the propensity fit did not converge", ok="not emitted", fail="always",
         meaning="some covariate (nearly) separates the arms: no overlap on it"),
    Rule(diagnostic="trimmed_units", analyses=("observe",), statistic="units trimmed by trim=",
         ok="always (a notice)", meaning="the estimate refers to the units with overlapping scores",
         source="Crump, Hotz, Imbens & Mitnik 2009"),
    Rule(diagnostic="aipw_propensity_clipped", analyses=("observe",),
         statistic="share of cross-fitted propensities clipped to [0.01, 0.99]",
         ok=f"<= {_p(CLIPPED_WARN)}", warn=f"> {_p(CLIPPED_WARN)}",
         meaning="for those units the estimate leans on the outcome model (weak overlap)",
         source="the clip is DoubleML's default trimming threshold"),
    Rule(diagnostic="ebal_converged", analyses=("observe",), statistic="entropy balancing converged",
         ok="always (no convergence raises an error)", meaning="the weights balance the covariates",
         source="Hainmueller 2012"),
    Rule(diagnostic="overlap_estimand", analyses=("observe",), statistic="overlap weights ran",
         ok="", info="always",
         meaning="this method estimates the ATO, not the ATT/ATE of the others",
         source="Li, Morgan & Zaslavsky 2018"),
    Rule(diagnostic="unmatched_share", analyses=("observe",),
         statistic="share of the estimand's population with no match inside the caliper",
         ok=f"<= {_p(UNMATCHED_OK)}", warn=f"<= {_p(UNMATCHED_WARN)}", fail=f"> {_p(UNMATCHED_WARN)}",
         meaning="the estimate is of the matched units only",
         source="caliper 0.2 SD of the logit, Austin 2011"),
    Rule(diagnostic="match_pool_ratio", analyses=("observe",),
         statistic="units to match per available unit (matching without replacement)",
         ok=f"<= {_p(POOL_RATIO_WARN)}", warn=f"> {_p(POOL_RATIO_WARN)}",
         meaning="the pool is used up: late matches are poor; match with replacement",
         source="Abadie & Imbens 2006; measured in benchmarks (bias 7 SE at pool ratio 0.39)"),
    Rule(diagnostic="regression_dropped_columns_<arm>", analyses=("observe",),
         statistic="outcome-model columns dropped as constant or collinear in an arm",
         ok="", info="the kept columns reproduce them", warn="some units need them (extrapolation)",
         meaning="those units' predictions rest on a coefficient fixed at zero",
         source="the rule of R's lm and Stata's omitted variables"),
    Rule(diagnostic="outcome_model_converged", analyses=("observe",),
         statistic="the outcome regression did not converge", ok="not emitted", warn="always",
         meaning="possible separation: the regression estimate may be unstable"),
    Rule(diagnostic="estimator_agreement_<outcome>", analyses=("observe",),
         statistic="largest |difference| between methods in combined standard errors",
         ok="within the Bonferroni bound (1.96 for one comparison at 95%)",
         warn="beyond it", fail="two significant estimates of opposite sign",
         meaning="a model may be misspecified (FAIL: the data support no direction)",
         source="a Hausman-type comparison (Hausman 1978) without its efficiency assumption"),
    Rule(diagnostic="nuisance_<target>", analyses=("observe",),
         statistic="out-of-fold loss of the chosen propensity or outcome model", ok="",
         info="always", meaning="which model was chosen, against which alternatives",
         source="cross-validated loss selection (van der Laan, Polley & Hubbard 2007)"),
    Rule(diagnostic="evalue_ci_<outcome>", analyses=("observe",),
         statistic="E-value of the interval limit closer to no effect", ok="", info="always",
         meaning=f"below {_p(EVALUE_WEAK)} weak hidden confounding would explain the effect away",
         source="VanderWeele & Ding 2017"),
    Rule(diagnostic="rosenbaum_gamma_<outcome>", analyses=("observe",),
         statistic="smallest hidden-bias odds ratio at which the matched effect loses significance",
         ok="", info="always", meaning="a small value: the effect is fragile to hidden bias",
         source="Rosenbaum 2002, ch. 4"),
    Rule(diagnostic="placebo_<outcome>", analyses=("observe",),
         statistic="p-value of the estimate with the treatment shuffled",
         ok=f">= {_p(PLACEBO_ALPHA)}", warn=f"< {_p(PLACEBO_ALPHA)}",
         meaning="the method finds an effect of a random treatment, where there is none",
         source="DoWhy's refuters (Sharma & Kiciman 2020); WARN, not FAIL: measured in "
                "benchmarks/verdict_observational.py"),
    Rule(diagnostic="random_common_cause_<outcome>", analyses=("observe",),
         statistic="shift of the estimate, in standard errors, when noise is added as a covariate",
         ok=f"<= {_p(RANDOM_CAUSE_SHIFT)}", warn=f"> {_p(RANDOM_CAUSE_SHIFT)}",
         meaning="the estimate moves with pure noise: it is not stable",
         source="DoWhy's refuters (Sharma & Kiciman 2020)"),
    # who benefits
    Rule(diagnostic="heterogeneity", analyses=("uplift",),
         statistic="p-value of the BLP heterogeneity slope",
         ok=f"slope > 0 and p < {_p(HETEROGENEITY_ALPHA)}", warn="otherwise",
         meaning="no heterogeneity worth targeting: the scores may do no better than one rule for all",
         source="Chernozhukov, Demirer, Duflo & Fernández-Val 2018"),
    Rule(diagnostic="qini", analyses=("uplift",), statistic="held-out normalized Qini coefficient",
         ok="not emitted", warn="<= 0", meaning="the scores rank customers no better than random",
         source="Radcliffe 2007"),
    Rule(diagnostic="raw_curves", analyses=("uplift",),
         statistic="Qini and uplift curves on observational data", ok="not emitted", warn="always",
         meaning="the curves assume random assignment: read the doubly robust calibration instead"),
    Rule(diagnostic="<group>_observed", analyses=("uplift",),
         statistic="observed effect of the persuadables or sleeping dogs",
         ok="not emitted",
         warn=f"a group of >= {GROUP_MIN} predicted to gain (lose) significantly loses (gains)",
         meaning="the model's groups are unreliable"),
    Rule(diagnostic="overlap_clipped", analyses=("uplift",),
         statistic="share of customers with a clipped propensity (observational design)",
         ok=f"<= {_p(UPLIFT_CLIPPED_OK)}", warn=f"<= {_p(UPLIFT_CLIPPED_FAIL)}",
         fail=f"> {_p(UPLIFT_CLIPPED_FAIL)}",
         meaning="their effects are extrapolated by the outcome model"),
    Rule(diagnostic="rows_dropped", analyses=("uplift", "did", "rd", "iv", "switchback",
                                              "decompose", "ltv"),
         statistic="rows dropped as asked (drop_missing=True)", ok="", info="always",
         meaning="the estimate describes the remaining rows; a drop asked for is reported, not warned"),
    # quasi-experiments
    Rule(diagnostic="twfe_vs_robust", analyses=("did",),
         statistic="|robust - TWFE| in combined standard errors",
         ok=f"<= {_p(TWFE_GAP_Z)}", warn=f"> {_p(TWFE_GAP_Z)}",
         meaning="effects vary over time or cohort and TWFE distorts them: trust the robust one",
         source="Goodman-Bacon 2021; de Chaisemartin & D'Haultfoeuille 2020"),
    Rule(diagnostic="pretrend", analyses=("did",),
         statistic="p-value of the joint test of the pre-period coefficients",
         ok=f">= {_p(PRETREND_ALPHA)}", warn="no test possible (one pre period)",
         fail=f"< {_p(PRETREND_ALPHA)}",
         meaning="the groups were drifting apart before the change: the DiD is not credible"),
    Rule(diagnostic="placebo_in_time", analyses=("did",),
         statistic="p-value of a pretend change inside the pre period",
         ok=f">= {_p(PRETREND_ALPHA)}", warn=f"< {_p(PRETREND_ALPHA)}",
         meaning="part of the estimate may be pre-existing drift"),
    Rule(diagnostic="clusters", analyses=("did",), statistic="clusters of the TWFE headline",
         ok="not emitted", warn=f"< {MIN_CLUSTERS}",
         meaning="cluster-robust standard errors are unreliable with so few clusters",
         source="Bertrand, Duflo & Mullainathan 2004; Cameron & Miller 2015"),
    Rule(diagnostic="small_cohorts", analyses=("did",), statistic="units in the smallest cohort",
         ok="not emitted", warn=f"< {MIN_COHORT}",
         meaning="event-time estimates lean on very few units"),
    Rule(diagnostic="pre_fit_rmspe_ratio", analyses=("synth", "geo"),
         statistic="pre-period RMSPE over the outcome's pre-period SD",
         ok=f"<= {_p(PRE_FIT_WARN)}", warn=f"<= {_p(PRE_FIT_FAIL)}", fail=f"> {_p(PRE_FIT_FAIL)}",
         meaning="the synthetic control does not track the treated unit before treatment",
         source="house rule (Abadie, Diamond & Hainmueller 2010 ask for a close pre-period fit)"),
    Rule(diagnostic="outside_donor_hull", analyses=("synth", "geo"),
         statistic="share of pre periods with the treated unit above or below every donor",
         ok="0", warn=f"< {_p(HULL_FAIL)}", fail=f">= {_p(HULL_FAIL)}",
         meaning="no weighted average of donors reaches the treated unit: biased toward the donors",
         source="Abadie 2021 (the convex-hull condition)"),
    Rule(diagnostic="placebo_min_pvalue", analyses=("synth", "geo"),
         statistic="smallest possible permutation p-value, 1 / (donors + 1)",
         ok="< 1 - level", warn=">= 1 - level",
         meaning="too few donors for the placebo test ever to be significant",
         source="Abadie, Diamond & Hainmueller 2010"),
    Rule(diagnostic="placebo_inference", analyses=("synth",), statistic="placebo=False",
         ok="not emitted", warn="always",
         meaning="the interval treats pre-period gaps as independent noise: too narrow"),
    Rule(diagnostic="regions", analyses=("geo", "geo_plan"), statistic="regions (clusters)",
         ok=f">= {MIN_CLUSTERS}", warn=f"< {MIN_CLUSTERS}",
         meaning="cluster-robust standard errors with few regions are unreliable",
         source="Bertrand, Duflo & Mullainathan 2004; Cameron & Miller 2015"),
    Rule(diagnostic="pre_period_placebo_pvalue", analyses=("geo",),
         statistic="p-value of a placebo start inside the pre period",
         ok=">= 1 - level", warn="< 1 - level",
         meaning="treated and control regions were already drifting apart"),
    Rule(diagnostic="false_positive_rate", analyses=("geo_plan",),
         statistic="share of null history windows the test rejected",
         ok=f"<= alpha + {FPR_BAND_SIGMAS:g} binomial SE", warn="above",
         meaning="the test over-rejects on history: significant results would be over-reported"),
    Rule(diagnostic="history_windows", analyses=("geo_plan",),
         statistic="distinct history windows for the power estimate",
         ok=f">= {HISTORY_WINDOWS}", warn=f"< {HISTORY_WINDOWS}",
         meaning="the power estimate reuses the same few periods"),
    Rule(diagnostic="first_stage_f", analyses=("iv", "rd"),
         statistic="first-stage F (IV: effective F; fuzzy RD: the jump's t squared)",
         ok=f">= {_p(WEAK_F)}", warn=f">= {_p(FAIL_F)}", fail=f"< {_p(FAIL_F)}",
         meaning="a weak instrument: the estimate is biased toward OLS and its interval unreliable",
         source="Staiger & Stock 1997; Stock & Yogo 2005; Montiel Olea & Pflueger 2013"),
    Rule(diagnostic="density_test", analyses=("rd",),
         statistic="p-value of the manipulation test at the cutoff",
         ok=f">= {_p(DENSITY_ALPHA)}", warn=f">= {_p(DENSITY_FAIL)}, or the test failed",
         fail=f"< {_p(DENSITY_FAIL)}",
         meaning="units may have sorted themselves around the cutoff",
         source="Cattaneo, Jansson & Ma 2020"),
    Rule(diagnostic="covariate_balance", analyses=("rd",),
         statistic="smallest Holm-adjusted p-value of an RD on each covariate",
         ok=f">= {_p(RD_BALANCE_ALPHA)}", warn=f"< {_p(RD_BALANCE_ALPHA)}",
         meaning="covariates jump at the cutoff: the outcome jump may not be the treatment's"),
    Rule(diagnostic="effective_n", analyses=("rd",),
         statistic="observations inside the bandwidth on the smaller side",
         ok="not emitted", warn=f"< {MIN_PER_SIDE}", meaning="the estimate rests on very few units"),
    Rule(diagnostic="slices_per_arm", analyses=("switchback",),
         statistic="fewest slices of an arm", ok=f">= {MIN_SLICES_PER_ARM}",
         warn=f"< {MIN_SLICES_PER_ARM}", meaning="standard errors over so few slices are unreliable"),
    Rule(diagnostic="slice_balance", analyses=("switchback",),
         statistic="binomial p-value of the treated share of slices against 1/2",
         ok=f">= {_p(SLICE_BALANCE_ALPHA)}", warn=f"< {_p(SLICE_BALANCE_ALPHA)}",
         meaning="the slices were not split as a fair draw: check the randomization"),
    Rule(diagnostic="carryover", analyses=("switchback",),
         statistic="p-value of the previous slice's arm after the washout",
         ok=f">= {_p(CARRYOVER_ALPHA)}", warn=f"< {_p(CARRYOVER_ALPHA)}, or not testable",
         meaning="effects spill past the washout: lengthen it",
         source="Bojinov, Simchi-Levi & Zhao 2023"),
    Rule(diagnostic="washout_dropped", analyses=("switchback",),
         statistic="rows dropped as washout", ok=f"<= {_p(WASHOUT_SHARE_WARN)} of the rows",
         warn=f"> {_p(WASHOUT_SHARE_WARN)} of the rows",
         meaning="most of the test is washout: use longer slices"),
    # what it is worth
    Rule(diagnostic="converters[<arm>]", analyses=("decompose",), statistic="converters in the arm",
         ok=f">= {MIN_CONVERTERS}", warn=f"< {MIN_CONVERTERS}",
         meaning="the per-converter ratios' normal intervals may not hold yet"),
    Rule(diagnostic="against_total[<arm>:<component>]", analyses=("decompose",),
         statistic="a component moving against the total lift", ok="always (a notice)",
         meaning="this component took back, or made up, part of the lift", source="Ang 2004 (LMDI)"),
    Rule(diagnostic="reached[<arm>]", analyses=("funnel",),
         statistic="fewest customers reaching a stage in the arm", ok=f">= {MIN_REACHED}",
         warn=f"< {MIN_REACHED}", meaning="later step conversions rest on few customers"),
    Rule(diagnostic="extrapolated_share", analyses=("ltv",),
         statistic="largest share of an arm's lifetime value projected past the data",
         ok=f"<= {_p(EXTRAPOLATED_SHARE_WARN)}", warn=f"> {_p(EXTRAPOLATED_SHARE_WARN)}",
         meaning="most of the value is projected: it holds only if retention keeps its fitted decline"),
    Rule(diagnostic="periods_observed", analyses=("ltv",), statistic="observed periods",
         ok=f">= {MIN_PERIODS}", warn=f"< {MIN_PERIODS}",
         meaning="retention is fitted on too few periods to show its shape"),
    Rule(diagnostic="retention_falling", analyses=("ltv",),
         statistic="largest fitted period-to-period retention ratio", ok="< 1", warn=">= 1",
         meaning="retention did not fall: the projection assumes it never does and overstates LTV",
         source="Fader & Hardie 2007 (geometric retention)"),
    Rule(diagnostic="probability_of_loss", analyses=("project",),
         statistic="probability of a loss in the moderate scenario",
         ok=f"<= {_p(LOSS_THRESHOLD)}", warn=f"> {_p(LOSS_THRESHOLD)}",
         meaning="too uncertain, or too small for the costs, to count on a profit",
         source="house rule (probabilistic sensitivity analysis: Briggs, Claxton & Sculpher 2006)"),
    Rule(diagnostic="source_verdict", analyses=("project",),
         statistic="the verdict of the analysis projected", ok="its verdict was PASS",
         warn="its verdict was WARN", fail="its verdict was FAIL",
         meaning="the projection is only as good as the effect it projects"),
)
"""Every diagnostic rule (see the module docstring)."""


def rule_for(name: str, analysis: str | None = None) -> Rule | None:
    """The rule of the diagnostic ``name`` (emitted by ``analysis``, when given)."""
    for rule in RULES:
        if (analysis is None or analysis in rule.analyses) and rule.matches(name):
            return rule
    return None


def _cell(text: str) -> str:
    return (text or "—").replace("|", "\\|")


def rules_markdown() -> str:
    """The table of every rule, in Markdown (what the README includes)."""
    lines = ["| diagnostic | analyses | statistic | PASS | INFO | WARN | FAIL | what a WARN/FAIL "
             "means | source |", "|---|---|---|---|---|---|---|---|---|"]
    for r in RULES:
        lines.append("| " + " | ".join(_cell(x) for x in (
            f"`{r.diagnostic}`", ", ".join(r.analyses), r.statistic, r.ok, r.info, r.warn, r.fail,
            r.meaning, r.source)) + " |")
    return "\n".join(lines) + "\n"


__all__ = ["RULES", "Rule", "rule_for", "rules_markdown"]
