"""truelift's one vocabulary: the name of every concept an analysis is called with.

:data:`GLOSSARY` is the single source: the README's glossary (and later the docs') is generated
from it by :func:`glossary_markdown`, and the keyword arguments and CLI flags of every public
entry use these names. The names an earlier release used for the same concept keep working for
this release through :func:`renamed`, with a ``DeprecationWarning`` that names the new one.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Term:
    """One concept: its keyword and CLI flag, what it means, and the names it replaces."""

    keyword: str
    flag: str
    meaning: str
    replaces: tuple[str, ...] = ()


GLOSSARY: tuple[Term, ...] = (
    Term(keyword="treatment", flag="--treatment",
         meaning="the column holding each unit's arm (0/1, or the arm labels of an A/B/n test)",
         replaces=("variant= (readout, decompose, funnel, ltv)", "--variant")),
    Term(keyword="control", flag="--control",
         meaning="the label of the control arm in the treatment column"),
    Term(keyword="outcome", flag="--outcome",
         meaning="the outcome column(s) measured; one name or a list (a readout's metrics, with "
                 "NAME=NUM/DEN for a ratio such as AOV)",
         replaces=("outcomes= (observe)", "metrics= (readout, factorial)", "--metric")),
    Term(keyword="guardrails", flag="--guardrail",
         meaning="outcomes watched for harm, kept out of the corrected family"),
    Term(keyword="covariates", flag="--covariates",
         meaning="pre-treatment columns to adjust for (CUPED covariates in a readout)",
         replaces=("--cuped",)),
    Term(keyword="unit", flag="--unit",
         meaning="the id of the unit an effect is per: a customer, user, region or panel unit",
         replaces=("id= (observe, uplift)", "customer= (ltv)", "region= (geo, geo_plan)", "--id",
                   "--customer", "--region")),
    Term(keyword="time", flag="--time",
         meaning="the time or period column (enrolment day, panel period, date)",
         replaces=("period= (ltv)", "--period")),
    Term(keyword="split", flag="--split",
         meaning="the planned share of each arm (equal by default); a sample-ratio check tests it",
         replaces=("expected_split= (readout, factorial)",)),
    Term(keyword="level", flag="--level",
         meaning="the confidence level of every interval (0.95); tests are at alpha = 1 - level",
         replaces=("alpha= (readout, factorial)", "--alpha (readout)")),
    Term(keyword="alpha", flag="--alpha",
         meaning="the significance level of a test being planned (plan, geo_plan)"),
    Term(keyword="drop_missing", flag="--drop-missing",
         meaning="drop rows with a missing value in a column the analysis uses, and report how "
                 "many and why (without it such a row is an error)",
         replaces=("dropna= (readout, factorial)", "--dropna")),
    Term(keyword="baseline", flag="--baseline",
         meaning="the control (counterfactual) mean an effect is relative to; the baseline column "
                 "of every to_frame()"),
    Term(keyword="ci_low / ci_high", flag="",
         meaning="the interval's bounds in every to_frame() and table"),
    Term(keyword="seed", flag="--seed", meaning="the random seed: the same seed gives the same numbers"),
)
"""Every concept's name (see the module docstring)."""


def renamed(**old_to_new: str | tuple[str, Callable[[Any], Any]]) -> Callable[[F], F]:
    """Keep an entry's earlier keyword names working, with a ``DeprecationWarning``.

    ``old_to_new`` maps an old keyword to its new name, or to ``(new name, convert)`` when the
    value changes too (``alpha=0.05`` becomes ``level=0.95``). Passing both the old and the new
    name is an error naming both.
    """
    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, target in old_to_new.items():
                if old not in kwargs:
                    continue
                new, convert = (target, None) if isinstance(target, str) else target
                if new in kwargs:
                    from truelift.errors import RoleError

                    raise RoleError(f"{fn.__name__}: {old}= is the old name of {new}=; pass {new}= "
                                    "only")
                value = kwargs.pop(old)
                warnings.warn(f"{fn.__name__}({old}=...) is deprecated; use {new}=",
                              DeprecationWarning, stacklevel=2)
                kwargs[new] = convert(value) if convert is not None else value
            return fn(*args, **kwargs)

        wrapper.__signature__ = inspect.signature(fn)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def glossary_markdown() -> str:
    """The glossary table, in Markdown (what the README includes)."""
    lines = ["| keyword | CLI flag | meaning | replaces (still accepted this release) |",
             "|---|---|---|---|"]
    for t in GLOSSARY:
        lines.append(f"| `{t.keyword}` | {f'`{t.flag}`' if t.flag else '—'} | {t.meaning} | "
                     f"{', '.join(f'`{r}`' for r in t.replaces) or '—'} |")
    return "\n".join(lines) + "\n"


__all__ = ["GLOSSARY", "Term", "glossary_markdown", "renamed"]
