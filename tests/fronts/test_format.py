"""Number formatting: the only place the fronts round."""

from __future__ import annotations

import math

import pytest

from truelift.report import format as fmt


@pytest.mark.parametrize(("value", "text"), [
    (0.04213, "0.0421"), (12345.6, "12,346"), (3.14159, "3.14"), (0, "0"), (None, "—"),
    (math.nan, "—"), (1.5e-6, "0.0000015"), (2.51e-13, "≈ 0"), (-0.5, "-0.500"),
])
def test_number(value, text):
    assert fmt.number(value) == text


def test_effect_is_signed():
    assert fmt.effect(3.14159) == "+3.14"
    assert fmt.effect(-0.0421) == "-0.0421"


def test_percent_and_pp():
    assert fmt.percent(0.182) == "+18.2%"
    assert fmt.percent(0.54, 0) == "+54%"
    assert fmt.percent(-0.031) == "-3.1%"
    assert fmt.share(0.032) == "3.2%"
    assert fmt.pp(0.039) == "+3.9 pp"
    assert fmt.pp(-0.1234) == "-12.3 pp"
    assert fmt.pp(0.00043) == "+0.043 pp"


def test_pvalue():
    assert fmt.pvalue(1e-9) == "< 0.001"
    assert fmt.pvalue(0.0423) == "0.042"
    assert fmt.pvalue(0.5) == "0.50"
    assert fmt.pvalue(None) == "—"


def test_money_count_compact():
    assert fmt.money(12.3) == "$12.30"
    assert fmt.money(-12345.67, signed=True) == "-$12,346"
    assert fmt.count(1234567) == "1,234,567"
    assert fmt.compact(19_534_221) == "19.5M"
    assert fmt.compact(999.7) == "1.00K"
    assert fmt.compact(-2193) == "-2.19K"


def test_intervals_share_decimals_and_never_read_as_four_numbers():
    assert fmt.interval(0.0213, 0.057) == "[0.0213, 0.0570]"
    assert fmt.lift_interval(0.021, 0.057, binary=True) == "[2.1, 5.7] pp"
    assert fmt.interval(1234, 5678) == "[1,234 to 5,678]"
    assert fmt.lift_interval(0.021, 0.057, binary=True, sep=" to ", brackets=False) == \
        "2.1 to 5.7 pp"


def test_level_and_exact():
    assert fmt.level(0.95) == "95%"
    assert fmt.level(0.995) == "99.5%"
    assert fmt.exact(0.2) == "0.2"
    assert fmt.exact(3.0) == "3"


@pytest.mark.parametrize(("x", "shown"), [
    (0.05, "0.05"), (1 / 60, "0.0167"), (1437.2, "1,437"), (-1437.2, "-1,437"), (2.51e-13, "≈ 0"),
    (3.2e-5, "0.000032"), (0.0, "0")])
def test_short_is_never_scientific(x, shown):
    from truelift.report import format as fmt

    assert fmt.short(x) == shown


def test_messages_say_p_values_without_exponents():
    from truelift.inference.normal import p_phrase

    assert p_phrase(1.5e-13) == "p < 0.001" and p_phrase(0.0421) == "p = 0.042"
    assert p_phrase(float("nan")) == "p not available"
