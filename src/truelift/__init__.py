"""truelift: the true, incremental effect of a personalization change.

Public entries (each returns an analysis result that renders in a notebook, the terminal,
HTML and JSON)::

    import truelift as tl
    data, truth = tl.datasets.personalization(n=10_000, seed=1)
    result = tl.observe(data, treatment="received_personalization",
                        outcomes=["made_purchase", "revenue"],
                        covariates=["engagement_score", "past_purchases",
                                    "account_age_days", "device_type"])

    test, truth = tl.datasets.homepage_test(n=40_000, seed=1)
    result = tl.readout(test, variant="variant", control="control",
                        metrics=["purchased", "revenue", "aov=revenue/orders"],
                        covariates=["revenue_pre"], segments=["device"])
    tl.plan("proportion", baseline=0.05, mde=0.1, relative=True, daily_traffic=20_000)

    campaign, truth = tl.datasets.coupon_campaign(n=20_000, seed=1)
    result = tl.uplift(campaign, treatment="arm", control="control", outcome="converted",
                       covariates=[f"x{i}" for i in range(1, 11)], value=30.0, cost=2.0)

Heavy modules are imported on first use, so ``import truelift`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from truelift.schema.version import VERSION as __version__

_LAZY = {
    "observe": ("truelift.observational.analysis", "observe"),
    "ObservationalAnalysis": ("truelift.observational.analysis", "ObservationalAnalysis"),
    "readout": ("truelift.experiment.readout", "readout"),
    "Readout": ("truelift.experiment.readout", "Readout"),
    "plan": ("truelift.experiment.plan", "plan"),
    "Plan": ("truelift.experiment.plan", "Plan"),
    "factorial": ("truelift.experiment.factorial", "factorial"),
    "Factorial": ("truelift.experiment.factorial", "Factorial"),
    "Proportion": ("truelift.experiment.metrics", "Proportion"),
    "Mean": ("truelift.experiment.metrics", "Mean"),
    "Ratio": ("truelift.experiment.metrics", "Ratio"),
    "uplift": ("truelift.hte.analysis", "uplift"),
    "UpliftAnalysis": ("truelift.hte.analysis", "UpliftAnalysis"),
    "learners": ("truelift.hte.learners", None),
    "did": ("truelift.quasi.did", "did"),
    "synth": ("truelift.quasi.synth", "synth"),
    "geo": ("truelift.quasi.geo", "geo"),
    "geo_plan": ("truelift.quasi.geo", "geo_plan"),
    "rd": ("truelift.quasi.rd", "rd"),
    "iv": ("truelift.quasi.iv", "iv"),
    "switchback": ("truelift.quasi.switchback", "switchback"),
    "QuasiAnalysis": ("truelift.quasi.result", "QuasiAnalysis"),
    "project": ("truelift.impact.scenarios", "project"),
    "Scenario": ("truelift.impact.scenarios", "Scenario"),
    "ScenarioAnalysis": ("truelift.impact.scenarios", "ScenarioAnalysis"),
    "load_result": ("truelift.impact.load", "load_result"),
    "load": ("truelift.saved", "load"),
    "decompose": ("truelift.impact.revenue", "decompose"),
    "funnel": ("truelift.impact.funnel", "funnel"),
    "ltv": ("truelift.impact.ltv", "ltv"),
    "ImpactAnalysis": ("truelift.impact.result", "ImpactAnalysis"),
    "Estimate": ("truelift.schema", "Estimate"),
    "Diagnostic": ("truelift.schema", "Diagnostic"),
    "Verdict": ("truelift.schema", "Verdict"),
    "Status": ("truelift.schema", "Status"),
    "TrueliftError": ("truelift.errors", "TrueliftError"),
    "DataError": ("truelift.errors", "DataError"),
    "RoleError": ("truelift.errors", "RoleError"),
    "MethodError": ("truelift.errors", "MethodError"),
    "TrueliftWarning": ("truelift.errors", "TrueliftWarning"),
    "datasets": ("truelift.datasets", None),
    "methods": ("truelift.observational.methods", None),
}

__all__ = [
    "DataError",
    "Diagnostic",
    "Estimate",
    "Factorial",
    "ImpactAnalysis",
    "Mean",
    "MethodError",
    "ObservationalAnalysis",
    "Plan",
    "Proportion",
    "QuasiAnalysis",
    "Ratio",
    "Readout",
    "RoleError",
    "Scenario",
    "ScenarioAnalysis",
    "Status",
    "TrueliftError",
    "TrueliftWarning",
    "UpliftAnalysis",
    "Verdict",
    "__version__",
    "datasets",
    "decompose",
    "did",
    "factorial",
    "funnel",
    "geo",
    "geo_plan",
    "iv",
    "learners",
    "load",
    "load_result",
    "ltv",
    "methods",
    "observe",
    "plan",
    "project",
    "rd",
    "readout",
    "switchback",
    "synth",
    "uplift",
]

if TYPE_CHECKING:  # pragma: no cover
    from truelift import datasets
    from truelift.errors import DataError, MethodError, RoleError, TrueliftError, TrueliftWarning
    from truelift.experiment.factorial import Factorial, factorial
    from truelift.experiment.metrics import Mean, Proportion, Ratio
    from truelift.experiment.plan import Plan, plan
    from truelift.experiment.readout import Readout, readout
    from truelift.hte import learners
    from truelift.hte.analysis import UpliftAnalysis, uplift
    from truelift.impact.funnel import funnel
    from truelift.impact.load import load_result
    from truelift.impact.ltv import ltv
    from truelift.impact.result import ImpactAnalysis
    from truelift.impact.revenue import decompose
    from truelift.impact.scenarios import Scenario, ScenarioAnalysis, project
    from truelift.observational.analysis import ObservationalAnalysis, observe
    from truelift.quasi.did import did
    from truelift.quasi.geo import geo, geo_plan
    from truelift.quasi.iv import iv
    from truelift.quasi.rd import rd
    from truelift.quasi.result import QuasiAnalysis
    from truelift.quasi.switchback import switchback
    from truelift.quasi.synth import synth
    from truelift.saved import load
    from truelift.schema import Diagnostic, Estimate, Status, Verdict


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'truelift' has no attribute {name!r}") from None
    mod = importlib.import_module(module)
    value = mod if attr is None else getattr(mod, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
