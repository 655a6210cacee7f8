"""Customer segments from an uplift model: the four groups, and the effects of pre-specified segments.

Both functions take ``pseudo``, the cross-fitted doubly robust (AIPW) pseudo-outcome of every
customer, ``phi = mu1 - mu0 + t (y - mu1)/e - (1 - t)(y - mu0)/(1 - e)`` with out-of-fold nuisances.
Its mean over a group of customers chosen *without* the customers' own outcomes (a covariate
segment, or a rule on out-of-fold predictions) is the AIPW estimate of the group's average effect,
with standard error ``sd(phi | group) / sqrt(n_group)`` and a normal interval.

* :func:`four_groups` labels every customer persuadable, sure thing, lost cause or sleeping dog
  from the predicted outcomes under control and treatment (Kane, Lo & Zheng 2014; Siegel 2013), and
  reports each group's predicted and observed (AIPW) effect.
* :func:`subgroup_effects` estimates the effect in each value of one pre-specified covariate, with
  Holm-adjusted p-values, Cochran's Q and I² for heterogeneity across segments, and empirical-Bayes
  shrunken estimates (DerSimonian & Laird 1986; Morris 1983).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from truelift.errors import DataError, MethodError
from truelift.schema.values import _ToDict

__all__ = [
    "GROUPS",
    "FourGroups",
    "GroupEffect",
    "SubgroupEffect",
    "SubgroupEffects",
    "default_thresholds",
    "four_groups",
    "subgroup_effects",
]

GROUPS = ("persuadable", "sure thing", "lost cause", "sleeping dog")
"""The four groups, in the order of :attr:`FourGroups.groups`."""

_RELATIVE_LIFT = 0.10


# --------------------------------------------------------------------------------------------
# results


def _check_pvalue(what: str, p: float) -> None:
    if not (math.isnan(p) or 0.0 <= p <= 1.0):
        raise ValueError(f"{what} must be in [0, 1] (or NaN), got {p!r}")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class GroupEffect(_ToDict):
    """One of the four groups: its size, the model's predicted effect and the observed AIPW effect.

    Attributes:
        name: ``"persuadable"``, ``"sure thing"``, ``"lost cause"`` or ``"sleeping dog"``.
        n: customers in the group (0 for an empty group, whose statistics are NaN).
        share: ``n`` over all customers.
        mean_mu0, mean_mu1: mean predicted outcome under control / treatment.
        predicted: mean predicted effect ``mean(mu1 - mu0)``.
        observed: mean pseudo-outcome, the AIPW estimate of the group's average effect.
        se: ``sd(pseudo) / sqrt(n)`` (NaN when ``n < 2``).
        ci: normal interval of ``observed`` at the analysis level.
        pvalue: two-sided normal p-value of no effect in the group.
    """

    name: str
    n: int
    share: float
    mean_mu0: float
    mean_mu1: float
    predicted: float
    observed: float
    se: float
    ci: tuple[float, float]
    pvalue: float

    def __post_init__(self) -> None:
        if self.n < 0 or not (0.0 <= self.share <= 1.0):
            raise ValueError(f"group {self.name!r}: n must be >= 0 and share in [0, 1]")
        _check_pvalue(f"group {self.name!r}: pvalue", self.pvalue)
        object.__setattr__(self, "ci", (float(self.ci[0]), float(self.ci[1])))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FourGroups(_ToDict):
    """Customers split into the four groups of true-lift modelling, with each group's effect.

    Attributes:
        effect_threshold: persuadable when ``mu1 - mu0 >= effect_threshold``.
        sleeping_threshold: sleeping dog when ``mu1 - mu0 <= -sleeping_threshold``.
        baseline_threshold: of the rest, sure thing when ``mu0 >= baseline_threshold``, else lost
            cause.
        rule: the rule above in words, with the numbers.
        level: level of the intervals.
        n: customers.
        groups: one :class:`GroupEffect` per group, always in the order of :data:`GROUPS`
            (persuadable, sure thing, lost cause, sleeping dog), empty groups included.
        labels: the group of every customer, in input order (left out of ``to_dict()``).
    """

    effect_threshold: float
    sleeping_threshold: float
    baseline_threshold: float
    rule: str
    level: float
    n: int
    groups: tuple[GroupEffect, ...]
    labels: np.ndarray = dataclasses.field(metadata={"to_dict": False})

    def __post_init__(self) -> None:
        object.__setattr__(self, "groups", tuple(self.groups))
        if tuple(g.name for g in self.groups) != GROUPS:
            raise ValueError(f"groups must be in the order {GROUPS}")

    def group(self, name: str) -> GroupEffect:
        """The :class:`GroupEffect` called ``name`` (one of :data:`GROUPS`)."""
        for g in self.groups:
            if g.name == name:
                return g
        raise KeyError(f"no group {name!r}; the groups are {', '.join(GROUPS)}")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SubgroupEffect(_ToDict):
    """The effect in one segment: the AIPW estimate and its empirical-Bayes shrunken version.

    Attributes:
        segment: the segment's value (a string or a number).
        n: customers in the segment.
        estimate: ``mean(pseudo | segment)``, the AIPW estimate of the segment's average effect.
        se: ``sd(pseudo | segment) / sqrt(n)``.
        ci, pvalue: normal interval and two-sided p-value of no effect.
        pvalue_holm: Holm-adjusted p-value across the estimated segments.
        shrinkage: ``B = se² / (se² + tau2)``, the weight pulled toward the overall mean ``mu``
            (1: all the way, 0: not at all).
        shrunk: ``mu + (1 - B)(estimate - mu)``.
        shrunk_se: posterior SD ``sqrt((1 - B) se² + B² Var(mu_hat))`` (Morris 1983).
        shrunk_ci: normal interval ``shrunk ± z · shrunk_se``.
    """

    segment: Any
    n: int
    estimate: float
    se: float
    ci: tuple[float, float]
    pvalue: float
    pvalue_holm: float
    shrinkage: float
    shrunk: float
    shrunk_se: float
    shrunk_ci: tuple[float, float]

    def __post_init__(self) -> None:
        _check_pvalue(f"segment {self.segment!r}: pvalue", self.pvalue)
        _check_pvalue(f"segment {self.segment!r}: pvalue_holm", self.pvalue_holm)
        if not (self.se > 0.0 and self.shrunk_se >= 0.0):
            raise ValueError(f"segment {self.segment!r}: se must be > 0 and shrunk_se >= 0")
        object.__setattr__(self, "ci", (float(self.ci[0]), float(self.ci[1])))
        object.__setattr__(self, "shrunk_ci", (float(self.shrunk_ci[0]), float(self.shrunk_ci[1])))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SubgroupEffects(_ToDict):
    """Effects in the segments of one pre-specified covariate, with heterogeneity and shrinkage.

    Attributes:
        name: the covariate.
        level: level of every interval.
        n: customers in the estimated segments.
        min_size: smallest segment estimated.
        segments: one :class:`SubgroupEffect` per estimated segment, sorted by value.
        dropped: segment value -> customers, for segments smaller than ``min_size`` (not estimated).
        mu: random-effects mean of the segment effects, ``sum(w* est) / sum(w*)`` with
            ``w* = 1/(se² + tau2)``.
        mu_se: ``sqrt(1 / sum(w*))``; ``mu_ci`` its normal interval.
        tau2: DerSimonian-Laird between-segment variance of the true effects (truncated at 0).
        q: Cochran's Q, ``sum(w (est - mu_fe)²)`` with ``w = 1/se²``; ``q_df = k - 1``;
            ``q_pvalue`` its chi-square upper tail.
        i2: ``max(0, (Q - df)/Q)``, the share of the spread of the estimates beyond chance
            (Higgins & Thompson 2002).
        method: the models used, in words.
    """

    name: str
    level: float
    n: int
    min_size: int
    segments: tuple[SubgroupEffect, ...]
    dropped: Mapping[Any, int]
    mu: float
    mu_se: float
    mu_ci: tuple[float, float]
    tau2: float
    q: float
    q_df: int
    q_pvalue: float
    i2: float
    method: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(self.segments))
        object.__setattr__(self, "dropped", dict(self.dropped))
        object.__setattr__(self, "mu_ci", (float(self.mu_ci[0]), float(self.mu_ci[1])))
        _check_pvalue("q_pvalue", self.q_pvalue)
        if not (self.tau2 >= 0.0 and 0.0 <= self.i2 <= 1.0):
            raise ValueError("tau2 must be >= 0 and i2 in [0, 1]")

    @property
    def n_dropped(self) -> int:
        """Customers in the dropped (too small) segments."""
        return int(sum(self.dropped.values()))


# --------------------------------------------------------------------------------------------
# validation and helpers


def _numeric(name: str, values: ArrayLike) -> np.ndarray:
    try:
        a = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise DataError(name, "must be numeric") from None
    if a.ndim != 1:
        raise DataError(name, f"must be one-dimensional, got shape {a.shape}")
    if a.size == 0:
        raise DataError(name, "has no rows")
    bad = int(np.sum(~np.isfinite(a)))
    if bad:
        raise DataError(name, f"has {bad} missing or non-finite values")
    return a


def _equal_lengths(arrays: Mapping[str, np.ndarray]) -> None:
    lengths = {k: len(v) for k, v in arrays.items()}
    if len(set(lengths.values())) > 1:
        names = ", ".join(lengths)
        got = ", ".join(str(v) for v in lengths.values())
        raise DataError(None, f"{names} must have equal lengths, got {got}")


def _check_level(level: float) -> None:
    if not isinstance(level, (int, float, np.integer, np.floating)) or not (0.0 < level < 1.0):
        raise MethodError(f"level must be in (0, 1), got {level!r}")


def _finite(name: str, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise MethodError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v) or isinstance(value, bool):
        raise MethodError(f"{name} must be a finite number, got {value!r}")
    return v


def _mean_se(x: np.ndarray) -> tuple[float, float]:
    """Mean and ``sd / sqrt(n)`` (NaN when there are too few values)."""
    if x.size == 0:
        return math.nan, math.nan
    mean = float(x.mean())
    if x.size < 2:
        return mean, math.nan
    return mean, math.sqrt(float(np.var(x, ddof=1)) / x.size)


def _interval(value: float, se: float, level: float) -> tuple[tuple[float, float], float]:
    from truelift.inference.normal import normal_ci, normal_pvalue

    if not (math.isfinite(value) and math.isfinite(se)):
        return (math.nan, math.nan), math.nan
    return normal_ci(value, se, level), normal_pvalue(value, se)


def _python(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


# --------------------------------------------------------------------------------------------
# the four groups


def default_thresholds(
    mu0: ArrayLike,
    tau_hat: ArrayLike,
    *,
    binary: bool,
    value: float | None = None,
    cost: float | None = None,
) -> tuple[float, float, str]:
    """Thresholds for :func:`four_groups` when the business gives none, with the reason in words.

    * Effect threshold: ``cost / value`` when both are given, the break-even uplift at which
      treating a customer pays for itself (a persuadable is worth treating); otherwise 10% of the
      mean predicted outcome without treatment, ``0.1 · |mean(mu0)|`` (a 10% relative lift).
    * Baseline threshold: 0.5 for a binary outcome (more likely than not to convert untreated);
      otherwise the median of ``mu0``.

    Args:
        mu0: out-of-fold predicted outcome of each customer under control.
        tau_hat: predicted effect of each customer (only checked here: same length, finite).
        binary: whether the outcome is 0/1 (``mu0`` is then a probability).
        value: value of one conversion (or of one unit of outcome); give it with ``cost``.
        cost: cost of treating one customer; give it with ``value``.

    Returns:
        ``(effect_threshold, baseline_threshold, reason)``; the sleeping-dog threshold of
        :func:`four_groups` defaults to the effect threshold.
    """
    m0 = _numeric("mu0", mu0)
    th = _numeric("tau_hat", tau_hat)
    _equal_lengths({"mu0": m0, "tau_hat": th})
    if not isinstance(binary, (bool, np.bool_)):
        raise MethodError(f"binary must be True or False, got {binary!r}")
    if (value is None) != (cost is None):
        raise MethodError("give both value and cost (break-even uplift = cost / value), or neither")
    if value is not None and cost is not None:
        v, c = _finite("value", value), _finite("cost", cost)
        if v <= 0.0 or c <= 0.0:
            raise MethodError(f"value and cost must be > 0, got value={value!r}, cost={cost!r}")
        effect = c / v
        why_effect = (f"at least {effect:.4g}, the break-even uplift cost/value = {c:g}/{v:g} at which "
                      "treating a customer pays for itself")
    else:
        base = float(np.mean(m0))
        effect = _RELATIVE_LIFT * abs(base)
        if effect == 0.0:
            raise MethodError("the mean predicted outcome without treatment is 0, so a relative-lift "
                              "threshold is undefined; give value and cost")
        why_effect = (f"at least {effect:.4g}, a 10% relative lift on the mean predicted outcome "
                      f"without treatment ({base:.4g})")
    if binary:
        baseline = 0.5
        why_base = "at least 0.5, i.e. more likely than not to convert untreated"
    else:
        baseline = float(np.median(m0))
        why_base = f"at least {baseline:.4g}, the median over customers"
    reason = (f"A customer is a persuadable when the predicted effect is {why_effect}, a sleeping dog "
              f"when it is at most {-effect:.4g}, and otherwise a sure thing when the predicted outcome "
              f"without treatment is {why_base} (else a lost cause).")
    return effect, baseline, reason


def four_groups(
    mu0: ArrayLike,
    mu1: ArrayLike,
    pseudo: ArrayLike,
    *,
    effect_threshold: float,
    sleeping_threshold: float | None = None,
    baseline_threshold: float,
    level: float = 0.95,
) -> FourGroups:
    """Split customers into persuadables, sure things, lost causes and sleeping dogs.

    The four groups of true-lift (uplift) modelling: Kane, Lo & Zheng (2014), "Mining for the
    truly responsive customers and prospects using true-lift modeling", Journal of Marketing
    Analytics 2(4); Siegel (2013), *Predictive Analytics*, ch. 7. With ``tau_hat = mu1 - mu0``:

    * **persuadable** if ``tau_hat >= effect_threshold``;
    * **sleeping dog** if ``tau_hat <= -sleeping_threshold`` (default: ``effect_threshold``);
    * otherwise **sure thing** if ``mu0 >= baseline_threshold``, else **lost cause**.

    Both effect thresholds must be >= 0 and not both 0, so no customer is in two groups.
    For each group: its size and share, the mean predictions, the predicted effect
    ``mean(tau_hat)`` and the observed effect ``mean(pseudo)`` (AIPW) with SE
    ``sd(pseudo)/sqrt(n)``, a normal interval and a two-sided p-value. Since the groups are chosen
    from out-of-fold predictions, not from a customer's own outcome, the observed effect is an
    honest check of the model; a group whose observed effect falls short of its predicted one
    shows the model overstates it. :func:`default_thresholds` proposes thresholds.

    Args:
        mu0, mu1: out-of-fold predicted outcome of each customer under control / treatment.
        pseudo: cross-fitted AIPW pseudo-outcome of each customer.
        effect_threshold: smallest predicted effect of a persuadable.
        sleeping_threshold: a sleeping dog's predicted effect is at most ``-sleeping_threshold``.
        baseline_threshold: smallest predicted outcome without treatment of a sure thing.
        level: level of the intervals.
    """
    m0, m1, ps = _numeric("mu0", mu0), _numeric("mu1", mu1), _numeric("pseudo", pseudo)
    _equal_lengths({"mu0": m0, "mu1": m1, "pseudo": ps})
    _check_level(level)
    e = _finite("effect_threshold", effect_threshold)
    s = e if sleeping_threshold is None else _finite("sleeping_threshold", sleeping_threshold)
    b = _finite("baseline_threshold", baseline_threshold)
    if e < 0.0 or s < 0.0:
        raise MethodError(f"effect_threshold and sleeping_threshold must be >= 0, got {e!r} and {s!r}")
    if e + s == 0.0:
        raise MethodError("effect_threshold and sleeping_threshold are both 0: a predicted effect of 0 "
                          "would make a customer both a persuadable and a sleeping dog")
    tau = m1 - m0
    codes = np.where(m0 >= b, 1, 2)
    codes[tau >= e] = 0
    codes[tau <= -s] = 3
    labels = np.asarray(GROUPS)[codes]
    n = ps.size
    groups: list[GroupEffect] = []
    for j, name in enumerate(GROUPS):
        m = codes == j
        k = int(m.sum())
        observed, se = _mean_se(ps[m])
        ci, p = _interval(observed, se, level)
        nan = math.nan
        groups.append(GroupEffect(
            name=name,
            n=k,
            share=k / n,
            mean_mu0=float(m0[m].mean()) if k else nan,
            mean_mu1=float(m1[m].mean()) if k else nan,
            predicted=float(tau[m].mean()) if k else nan,
            observed=observed,
            se=se,
            ci=ci,
            pvalue=p,
        ))
    rule = (f"persuadable if mu1 - mu0 >= {e:g}; sleeping dog if mu1 - mu0 <= {-s:g}; otherwise sure "
            f"thing if mu0 >= {b:g}, else lost cause")
    return FourGroups(effect_threshold=e, sleeping_threshold=s, baseline_threshold=b, rule=rule,
                      level=float(level), n=n, groups=tuple(groups), labels=labels)


# --------------------------------------------------------------------------------------------
# effects of pre-specified segments


def _dersimonian_laird(est: np.ndarray, var: np.ndarray) -> dict[str, float]:
    """Cochran's Q, I², DerSimonian-Laird tau² (truncated at 0) and the random-effects mean."""
    from scipy.stats import chi2

    w = 1.0 / var
    w_sum = float(w.sum())
    mu_fe = float(w @ est) / w_sum
    q = float(w @ (est - mu_fe) ** 2)
    df = est.size - 1
    c = w_sum - float(w @ w) / w_sum
    tau2 = max(0.0, (q - df) / c)
    i2 = max(0.0, (q - df) / q) if q > 0.0 else 0.0
    w_re = 1.0 / (var + tau2)
    mu = float(w_re @ est) / float(w_re.sum())
    return {"q": q, "df": df, "q_pvalue": float(chi2.sf(q, df)), "i2": i2, "tau2": tau2, "mu": mu,
            "var_mu": 1.0 / float(w_re.sum())}


def _labels(name: str, segments: ArrayLike, n: int) -> np.ndarray:
    seg = np.asarray(segments)
    if seg.ndim != 1:
        raise DataError(name, f"must be one-dimensional, got shape {seg.shape}")
    if seg.size != n:
        raise DataError(None, f"pseudo and {name!r} must have equal lengths, got {n}, {seg.size}")
    if seg.dtype.kind in "fc":
        missing = int(np.sum(np.isnan(seg)))
    elif seg.dtype.kind == "O":
        missing = sum(1 for v in seg if v is None or (isinstance(v, float) and math.isnan(v)))
    else:
        missing = 0
    if missing:
        raise DataError(name, f"has {missing} missing values; give them a label of their own or drop them")
    return seg


def subgroup_effects(
    pseudo: ArrayLike,
    segments: ArrayLike,
    *,
    name: str = "segment",
    level: float = 0.95,
    min_size: int = 2,
) -> SubgroupEffects:
    """Average effect in every value of one pre-specified covariate, raw and empirically shrunk.

    For each segment ``s`` (values sorted): ``est_s = mean(pseudo | s)``, the AIPW estimate of the
    segment's average effect, with ``se_s = sd(pseudo | s)/sqrt(n_s)``, a normal interval, the
    two-sided p-value and its Holm (1979) adjustment across the estimated segments. Segments with
    fewer than ``min_size`` customers are not estimated and are counted in ``dropped``.

    Heterogeneity: Cochran's Q with ``w_s = 1/se_s²`` and ``k - 1`` degrees of freedom, I² (Higgins &
    Thompson 2002) and the DerSimonian & Laird (1986) method-of-moments between-segment variance
    ``tau2 = max(0, (Q - (k - 1)) / (sum w - sum w² / sum w))``, under the normal-normal model
    ``est_s ~ N(tau_s, se_s²)``, ``tau_s ~ N(mu, tau2)``; ``mu`` is the random-effects mean with
    weights ``1/(se_s² + tau2)`` and ``Var(mu_hat) = 1 / sum 1/(se_s² + tau2)``.

    Shrinkage: the parametric empirical-Bayes estimate of Morris (1983), "Parametric empirical Bayes
    inference: theory and applications", JASA 78(381): with ``B_s = se_s²/(se_s² + tau2)``,
    ``shrunk_s = mu + (1 - B_s)(est_s - mu)`` and posterior SD
    ``sqrt((1 - B_s) se_s² + B_s² Var(mu_hat))`` (the second term accounts for estimating ``mu``;
    the uncertainty in ``tau2`` is not included, so with few segments the shrunken intervals can
    undercover: about 90% at level 0.95 with 20 segments in a small simulation), with a normal
    interval. Small, noisy segments are pulled more toward ``mu``; when ``tau2`` is 0 every
    segment is pulled all the way.

    Args:
        pseudo: cross-fitted AIPW pseudo-outcome of each customer.
        segments: the segment label (string or number) of each customer; no missing values.
        name: the covariate's name (for messages and the result).
        level: level of every interval.
        min_size: smallest segment to estimate (at least 2).
    """
    from truelift.inference.multiplicity import holm
    from truelift.inference.normal import normal_ci, normal_pvalue, z_critical

    ps = _numeric("pseudo", pseudo)
    seg = _labels(name, segments, ps.size)
    _check_level(level)
    if isinstance(min_size, bool) or not isinstance(min_size, (int, np.integer)) or min_size < 2:
        raise MethodError(f"min_size must be an integer >= 2, got {min_size!r}")
    try:
        values, inverse, counts = np.unique(seg, return_inverse=True, return_counts=True)
    except TypeError:
        raise DataError(name, "labels cannot be sorted; use labels of one type (all strings or all "
                              "numbers)") from None
    inverse = inverse.reshape(-1)

    kept: list[tuple[Any, int, float, float]] = []
    dropped: dict[Any, int] = {}
    for j, v in enumerate(values):
        label, k = _python(v), int(counts[j])
        if k < min_size:
            dropped[label] = k
            continue
        est, se = _mean_se(ps[inverse == j])
        if se == 0.0:
            raise MethodError(f"segment {label!r} of {name!r}: the pseudo-outcome is constant, so its "
                              "standard error is 0 and the segment cannot be weighted")
        kept.append((label, k, est, se))
    if len(kept) < 2:
        raise MethodError(f"{name!r}: {len(kept)} segment(s) with at least {min_size} customers; "
                          "comparing segments needs two or more")

    est = np.array([r[2] for r in kept])
    se = np.array([r[3] for r in kept])
    var = se**2
    dl = _dersimonian_laird(est, var)
    mu, tau2, var_mu = dl["mu"], dl["tau2"], dl["var_mu"]
    pvalues = [normal_pvalue(float(e), float(s)) for e, s in zip(est, se, strict=True)]
    adjusted = holm(pvalues)
    b = var / (var + tau2)
    shrunk = mu + (1.0 - b) * (est - mu)
    shrunk_se = np.sqrt((1.0 - b) * var + b**2 * var_mu)
    z = z_critical(level)
    out = [
        SubgroupEffect(
            segment=label,
            n=k,
            estimate=e,
            se=s,
            ci=normal_ci(e, s, level),
            pvalue=pvalues[i],
            pvalue_holm=float(adjusted[i]),
            shrinkage=float(b[i]),
            shrunk=float(shrunk[i]),
            shrunk_se=float(shrunk_se[i]),
            shrunk_ci=(float(shrunk[i] - z * shrunk_se[i]), float(shrunk[i] + z * shrunk_se[i])),
        )
        for i, (label, k, e, s) in enumerate(kept)
    ]
    mu_se = math.sqrt(var_mu)
    return SubgroupEffects(
        name=name,
        level=float(level),
        n=sum(r[1] for r in kept),
        min_size=int(min_size),
        segments=tuple(out),
        dropped=dropped,
        mu=mu,
        mu_se=mu_se,
        mu_ci=normal_ci(mu, mu_se, level),
        tau2=tau2,
        q=dl["q"],
        q_df=int(dl["df"]),
        q_pvalue=dl["q_pvalue"],
        i2=dl["i2"],
        method=("AIPW segment means; DerSimonian-Laird random effects (tau2 truncated at 0); Morris "
                "(1983) parametric empirical-Bayes shrinkage; Holm-adjusted p-values"),
    )
