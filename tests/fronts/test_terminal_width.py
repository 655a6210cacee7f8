"""Every analysis kind in a narrow terminal: nothing is cut to "…" and nothing runs past the edge.

A table that does not fit is stacked (column groups that repeat the label column) or, if even
that does not fit, laid out as one record per row (``truelift.report.terminal._Adaptive``).
"""

from __future__ import annotations

import re

import pytest
from tests.contract.kinds import ENTRIES, build

from truelift.report.terminal import _table, render_text

NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?(?:%|K|M|B)?")


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("width", [40, 80, 100])
def test_every_kind_fits_the_terminal_with_no_cell_cut(entry, width):
    r = build(entry)
    text = render_text(r, width=width)
    unbounded = render_text(r, width=10_000)
    assert text.count("…") == unbounded.count("…"), "a cell was cut to fit"
    too_wide = [line for line in text.splitlines() if len(line) > width]
    assert not too_wide, too_wide[:3]
    # every number of the unbounded output is still printed whole at this width
    missing = set(NUMBER.findall(unbounded)) - set(NUMBER.findall(text))
    assert not missing, sorted(missing)[:10]


def _rendered(renderable, width: int) -> str:
    import io

    from rich.console import Console

    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None).print(renderable)
    return buf.getvalue()


def test_a_table_too_wide_is_stacked_then_laid_out_as_records():
    cols = [("label", "left"), *(f"column {k}" for k in range(8))]
    rows = [["first_row", *(f"{1234.5678 * (k + 1):,.4f}" for k in range(8))],
            ["second", *(f"{-0.000123 * (k + 1):.6f}" for k in range(8))]]
    table = _table("Numbers", cols, rows)
    wide = _rendered(table, 200)
    assert wide.count("first_row") == 1                       # one table
    stacked = _rendered(table, 60)
    assert stacked.count("first_row") > 1                     # column groups repeat the label
    assert "…" not in stacked and max(map(len, stacked.splitlines())) <= 60
    records = _rendered(table, 24)                            # one column does not fit beside it
    assert "…" not in records and "column 7" in records and "9,876.5424" in records
    for text in (wide, stacked, records):
        assert "-0.000984" in text and "1,234.5678" in text


SCIENTIFIC = re.compile(r"\d(?:\.\d+)?e[-+]?\d+")


@pytest.mark.parametrize("entry", ENTRIES)
def test_no_number_is_shown_in_scientific_notation(entry):
    """Business numbers: 1,437 and "p < 0.001", never 1.44e+03 or 2.51e-13 (text and HTML)."""
    from truelift.report.html import render_html

    r = build(entry)
    text = render_text(r, width=110)
    page = re.sub(r"<svg.*?</svg>|<style.*?</style>|<script.*?</script>", "", render_html(r),
                  flags=re.S)
    assert not SCIENTIFIC.findall(text), SCIENTIFIC.findall(text)[:5]
    assert not SCIENTIFIC.findall(page), SCIENTIFIC.findall(page)[:5]


def test_a_table_narrower_than_its_columns_loses_nothing_and_ragged_rows_are_padded():
    """Rich squeezes a column to nothing without an ellipsis; the layout notices the lost text.
    A row shorter than the header is padded, not an error."""
    cols = [("name", "left"), *(f"column{i}" for i in range(10))]
    table = _table("T", cols, [["row", *(f"{i * 1111}" for i in range(10))]])
    text = _rendered(table, 20)
    assert all(f"{i * 1111:,}".replace(",", "") in text.replace(",", "") for i in range(1, 10))
    ragged = _table("T", [("m", "left"), "a", "b", "c", "d"], [["m", "1111111", "2222222", "3333333"]])
    assert "3333333" in _rendered(ragged, 30)
    two = _table("T", [("quantity", "left"), "value"], [["compliers' mean outcome treated", "0.123456"]])
    assert "0.123456" in _rendered(two, 24)


def test_compact_shows_a_rate_in_percentage_points_and_money_as_it_is():
    import io

    from rich.console import Console

    import truelift as tl
    from truelift.report.terminal import compact_renderable

    ds = tl.datasets.homepage_test(n=4000, seed=3)
    r = tl.readout(ds.data, treatment="variant", control="control", outcome=["purchased", "revenue"])
    assert r._rates() == {"purchased"}
    buf = io.StringIO()
    Console(file=buf, width=80, color_system=None).print(compact_renderable(r))
    text = buf.getvalue()
    lift = r.lift("purchased").estimate
    assert "purchased (pp)" in text and f"{100 * lift.value:+.1f} pp" in text
    assert "revenue (pp)" not in text
