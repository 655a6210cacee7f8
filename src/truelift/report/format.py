"""Number formatting for every front: the ONLY place where truelift rounds a number.

Result objects keep full-precision floats; the terminal summary, the HTML report and the figure
tick labels all call these helpers, so a number reads the same everywhere.

Conventions:

* effects and plain numbers: ``digits`` significant digits (3 by default), thousands separators,
  never scientific notation between 1e-4 and 1e15; integers above ``10**digits`` keep all their
  integer digits (``12,346`` rather than ``1.23e+04``);
* relative lift: a signed percentage, ``0.182 -> "+18.2%"``;
* 0/1 outcomes: percentage points, ``0.039 -> "+3.9 pp"``;
* p-values: ``"< 0.001"`` below one in a thousand;
* posterior probabilities: a percentage, ``"> 99.9%"`` / ``"< 0.1%"`` at the ends (never 100%);
* missing or non-finite values: an em dash.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

MISSING = "—"
"""What a missing (None, NaN) value prints as."""


def _finite(x: Any) -> float | None:
    if x is None:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _sign(f: float, signed: bool) -> str:
    if f < 0:
        return "-"
    return "+" if signed and f > 0 else ""


def _decimals(magnitude: float, digits: int, min_decimals: int = 0, max_decimals: int = 8) -> int:
    """Decimals that show ``digits`` significant digits of ``magnitude`` (> 0)."""
    if magnitude <= 0:
        return min_decimals
    d = digits - 1 - math.floor(math.log10(magnitude))
    return int(min(max(d, min_decimals), max_decimals))


def _fixed(f: float, decimals: int, signed: bool) -> str:
    text = f"{abs(f):,.{decimals}f}"
    if float(text.replace(",", "")) == 0.0:
        return text
    return _sign(f, signed) + text


def number(x: Any, digits: int = 3, *, signed: bool = False) -> str:
    """A number to ``digits`` significant digits: ``0.04213 -> "0.0421"``, ``12345.6 -> "12,346"``."""
    f = _finite(x)
    if f is None:
        return MISSING
    if f == 0:
        return "0"
    a = abs(f)
    if a >= 1e15:
        return _sign(f, signed) + f"{a:.{max(digits - 1, 0)}e}"
    if a < 5e-9:     # below what 8 decimals show: business numbers, never 2.51e-13
        return "≈ 0"
    if a < 1e-4:
        return _fixed(f, _decimals(a, min(digits, 2)), signed)
    if a >= 10**digits:
        return _fixed(f, 0, signed)
    return _fixed(f, _decimals(a, digits), signed)


def effect(x: Any, digits: int = 3) -> str:
    """A signed effect on the outcome's own scale: ``"+1.23"``, ``"-0.0421"``."""
    return number(x, digits, signed=True)


def integer(x: Any) -> str:
    """A count with thousands separators: ``1234567 -> "1,234,567"``."""
    f = _finite(x)
    if f is None:
        return MISSING
    return f"{round(f):,}"


count = integer


def compact(x: Any, digits: int = 3, *, signed: bool = False) -> str:
    """A large number shortened with K/M/B/T: ``19_534_221 -> "19.5M"`` (below 1,000 as :func:`number`)."""
    f = _finite(x)
    if f is None:
        return MISSING
    a = abs(f)
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= scale * 0.9995:
            v = float(f"{a / scale:.{digits}g}")  # round first: 0.9997 -> 1.0, not "1.000"
            text = f"{v:.{_decimals(v, digits)}f}"
            return _sign(f, signed) + text + suffix
    return number(f, digits, signed=signed)


def percent(x: Any, decimals: int | None = None, *, signed: bool = True) -> str:
    """A share as a percentage: ``0.182 -> "+18.2%"`` (signed by default, for relative lift).

    ``decimals=None`` shows at least one decimal and two significant digits.
    """
    f = _finite(x)
    if f is None:
        return MISSING
    v = 100.0 * f
    d = _decimals(abs(v), 2, min_decimals=1, max_decimals=4) if decimals is None else decimals
    return _fixed(v, d, signed) + "%"


def share(x: Any, decimals: int | None = None) -> str:
    """An unsigned share as a percentage: ``0.032 -> "3.2%"``."""
    return percent(x, decimals, signed=False)


def pp(x: Any, decimals: int | None = None, *, signed: bool = True, unit: bool = True) -> str:
    """A difference of proportions in percentage points: ``0.039 -> "+3.9 pp"``."""
    f = _finite(x)
    if f is None:
        return MISSING
    v = 100.0 * f
    d = _decimals(abs(v), 2, min_decimals=1, max_decimals=4) if decimals is None else decimals
    return _fixed(v, d, signed) + (" pp" if unit else "")


def money(x: Any, symbol: str = "$", *, signed: bool = False) -> str:
    """An amount of money: cents below 1,000 (``"$12.30"``), whole units above (``"$12,346"``)."""
    f = _finite(x)
    if f is None:
        return MISSING
    a = abs(f)
    text = f"{a:,.0f}" if a >= 1000 else f"{a:,.2f}"
    return _sign(f, signed) + symbol + text


def exact(x: Any) -> str:
    """A parameter as given, not rounded (shortest repr): ``0.2 -> "0.2"``, ``1e-3 -> "0.001"``."""
    f = _finite(x)
    if f is None:
        return MISSING
    if f == int(f) and abs(f) < 1e15:
        return f"{int(f)}"
    return repr(f)


def ratio(x: Any, decimals: int = 2) -> str:
    """A ratio (variance ratio, risk ratio, E-value, Gamma): ``1.8734 -> "1.87"``."""
    f = _finite(x)
    if f is None:
        return MISSING
    if abs(f) >= 1000:
        return number(f, 3)
    return f"{f:.{decimals}f}"


def pvalue(p: Any) -> str:
    """A p-value: ``"< 0.001"``, ``"0.004"``, ``"0.042"``, ``"0.31"``."""
    f = _finite(p)
    if f is None:
        return MISSING
    if f < 0.001:
        return "< 0.001"
    if f < 0.1:
        return f"{f:.3f}"
    return f"{f:.2f}"


def level(x: Any) -> str:
    """A confidence level: ``0.95 -> "95%"``, ``0.9 -> "90%"``, ``0.995 -> "99.5%"``."""
    f = _finite(x)
    if f is None:
        return MISSING
    v = 100.0 * f
    return (f"{v:.0f}" if abs(v - round(v)) < 1e-9 else f"{v:g}") + "%"


def interval(lo: Any, hi: Any, fmt: Callable[..., str] = number, sep: str = ", ",
             brackets: bool = True, **kwargs: Any) -> str:
    """An interval ``"[a, b]"`` with both ends formatted by ``fmt``.

    For the significant-digit formats (:func:`number`, :func:`effect`, :func:`pp`, :func:`percent`)
    both ends share the number of decimals set by the larger end, so ``[0.021, 0.057]`` never
    reads ``[0.0213, 0.057]``.
    """
    a, b = _finite(lo), _finite(hi)
    if a is None and b is None:
        return MISSING
    kw = dict(kwargs)
    m = max(abs(a or 0.0), abs(b or 0.0))
    if fmt in (pp, percent, share) and "decimals" not in kw:
        kw["decimals"] = _decimals(100.0 * m, 2, min_decimals=1, max_decimals=4) if m else 1
    elif fmt in (number, effect) and 1e-4 <= m < 10 ** kw.get("digits", 3):
        digits = kw.pop("digits", 3)
        signed = kw.pop("signed", fmt is effect)
        d = _decimals(m, digits)
        text = [MISSING if v is None else _fixed(v, d, signed) if v != 0 else "0"
                for v in (a, b)]
        return _join(text[0], text[1], sep, brackets)
    return _join(fmt(a, **kw), fmt(b, **kw), sep, brackets)


def _join(left: str, right: str, sep: str, brackets: bool) -> str:
    if sep == ", " and ("," in left or "," in right):
        sep = " to "  # "[1,234, 5,678]" would read as four numbers
    return f"[{left}{sep}{right}]" if brackets else f"{left}{sep}{right}"


def lift(x: Any, *, binary: bool, signed: bool = True) -> str:
    """An absolute lift: percentage points for a 0/1 outcome, the outcome's unit otherwise."""
    return pp(x, signed=signed) if binary else number(x, 3, signed=signed)


def lift_interval(lo: Any, hi: Any, *, binary: bool, sep: str = ", ", brackets: bool = True) -> str:
    """The interval of an absolute lift, in pp for a 0/1 outcome (unit once, at the end)."""
    if binary:
        text = interval(lo, hi, pp, sep=sep, brackets=brackets, unit=False, signed=False)
        return text if text == MISSING else text + " pp"
    return interval(lo, hi, number, sep=sep, brackets=brackets, signed=False)


def mean(x: Any, *, binary: bool) -> str:
    """A mean outcome: a percentage for a 0/1 outcome (``"16.5%"``), a number otherwise."""
    return share(x) if binary else number(x, 4)


def tick(x: Any, *, binary: bool = False) -> str:
    """A short axis tick label (used by the figures)."""
    f = _finite(x)
    if f is None:
        return ""
    if binary:
        v = 100.0 * f
        return f"{v:g}" if abs(v) >= 1e-9 else "0"
    if f == 0:
        return "0"
    a = abs(f)
    if a >= 1e4:
        return compact(f, 2)
    return f"{f:g}"


def probability(x: Any) -> str:
    """A posterior probability as a percentage: ``0.9731 -> "97.3%"``, ``0.99996 -> "> 99.9%"``.

    Never "100%" or "0%": a posterior probability that rounds to 1 in floating point is still not
    a certainty (``1.0 -> "> 99.9%"``, ``2e-9 -> "< 0.1%"``).
    """
    f = _finite(x)
    if f is None:
        return MISSING
    if f > 0.999:
        return "> 99.9%"
    if f < 0.001:
        return "< 0.1%"
    return f"{100.0 * f:.1f}%"


def p_equals(p: Any) -> str:
    """``"p = 0.042"`` or ``"p < 0.001"``, for a sentence (see :func:`pvalue`)."""
    text = pvalue(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def loss(x: Any, *, binary: bool, unit: bool = True) -> str:
    """A non-negative expected loss: pp for a 0/1 metric (``"< 0.0001 pp"`` when tinier), else a number."""
    f = _finite(x)
    if f is None:
        return MISSING
    if binary:
        text = "< 0.0001" if 0.0 < 100.0 * abs(f) < 5e-5 else pp(f, signed=False, unit=False)
        return text + (" pp" if unit else "")
    return number(f, 3)


def short(x: Any, digits: int = 3) -> str:
    """Up to ``digits`` significant digits, no trailing zeros: ``0.05 -> "0.05"``,
    ``1/60 -> "0.0167"``; never in scientific notation: ``1437.2 -> "1,437"``,
    ``2.5e-13 -> "≈ 0"``."""
    f = _finite(x)
    if f is None:
        return MISSING
    a = abs(f)
    if a >= 10**digits or (0 < a < 1e-4):
        return number(f, digits)
    return f"{f:.{digits}g}"
