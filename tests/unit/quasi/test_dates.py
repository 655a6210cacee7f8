"""Text dates: ISO 8601 is read, anything else is refused unless its format is given; the same
for a DataFrame and for a CSV file (DuckDB reads only ISO dates as dates)."""

from __future__ import annotations

import pandas as pd
import pytest

import truelift as tl
from truelift.errors import DataError

DMY = "%d/%m/%Y"


@pytest.fixture(scope="module")
def panel():
    ds = tl.datasets.geo_panel(12, 28, 14, treated=["R00"], seed=1)
    return ds.data, ds.truth.start


def _as(frame: pd.DataFrame, fmt: str) -> pd.DataFrame:
    out = frame.copy()
    out["date"] = out["date"].dt.strftime(fmt)
    return out


def _synth(data, start, **kw):
    return tl.synth(data, outcome="revenue", unit="region", time="date", treated="R00", start=start,
                    placebo=False, **kw)


@pytest.mark.parametrize("source", ["frame", "csv"])
def test_an_ambiguous_date_is_refused_and_read_with_its_format(panel, source, tmp_path):
    frame, start = panel
    data = _as(frame, DMY)
    if source == "csv":
        path = tmp_path / "dmy.csv"
        data.to_csv(path, index=False)
        data = str(path)
    with pytest.raises(DataError, match=r"column 'date'.*could be read more than one way.*date_format"):
        _synth(data, start)
    reference = _synth(frame, start)
    read = _synth(data, start, date_format=DMY)
    assert read.estimate().value == pytest.approx(reference.estimate().value, rel=1e-12)


def test_a_wrong_format_names_the_first_value_that_does_not_read(panel):
    frame, start = panel
    data = _as(frame, "%m/%d/%Y")   # 01/13/2024 cannot be day/month
    with pytest.raises(DataError, match=r"periods do not read as date_format='%d/%m/%Y', e.g. '01/13/2024'"):
        _synth(data, start, date_format=DMY)
    with pytest.raises(DataError, match="strftime codes"):
        _synth(data, start, date_format="dd/mm/yyyy")


def test_iso_text_needs_no_format(panel):
    frame, start = panel
    iso = _as(frame, "%Y-%m-%d")
    assert _synth(iso, start).estimate().value == pytest.approx(_synth(frame, start).estimate().value,
                                                                rel=1e-12)


@pytest.mark.parametrize("entry", ["did", "geo", "geo_plan", "switchback", "ltv"])
def test_every_entry_with_a_time_column_takes_date_format(entry):
    import inspect

    assert "date_format" in inspect.signature(getattr(tl, entry)).parameters


def test_the_cli_refuses_an_ambiguous_date_in_its_own_words_and_takes_date_format(panel, tmp_path):
    from typer.testing import CliRunner

    from truelift.cli import app

    frame, start = panel
    path = tmp_path / "dmy.csv"
    _as(frame, DMY).to_csv(path, index=False)
    args = ["synth", str(path), "--outcome", "revenue", "--unit", "region", "--time", "date",
            "--treated", "R00", "--start", str(start.date()), "--no-placebo", "--quiet"]
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 2
    assert "could be read more than one way" in refused.output and "--date-format %d/%m/%Y" in refused.output
    out = tmp_path / "s.json"
    ran = CliRunner().invoke(app, [*args, "--date-format", DMY, "--json", str(out)])
    assert ran.exit_code == 0, ran.output
    assert tl.load(out).estimate().value == pytest.approx(_synth(frame, start).estimate().value, rel=1e-12)


def test_ambiguous_timestamps_in_a_csv_are_not_guessed(tmp_path):
    from truelift.data.io import read_columns

    path = tmp_path / "t.csv"
    path.write_text("t,s,u,y\n03/04/2024 10:00:00,2024-03-04 10:00:00,2024-03-04T10:00:00,1\n"
                    "03/05/2024 10:00:00,2024-03-05 11:00:00,2024-03-05T11:00:00,2\n")
    cols = read_columns(str(path), ["t", "s", "u", "y"])
    assert cols["t"].tolist()[0] == "03/04/2024 10:00:00"      # text, for read_periods to refuse
    from truelift.quasi.columns import read_periods

    with pytest.raises(DataError, match="could be read more than one way"):
        read_periods(cols["t"], "t")
    iso_space, iso_t = read_periods(cols["s"], "s"), read_periods(cols["u"], "u")
    assert iso_space.tolist() == [pd.Timestamp("2024-03-04 10:00"), pd.Timestamp("2024-03-05 11:00")]
    assert iso_space.tolist() == iso_t.tolist()                # one type whatever the separator
    assert read_periods(cols["t"], "t", "%m/%d/%Y %H:%M:%S").iloc[1] == pd.Timestamp("2024-03-05 10:00")


def test_date_format_reads_dates_written_as_numbers():
    from truelift.quasi.columns import read_periods

    out = read_periods(pd.Series([20240331, 20240401]), "t", "%Y%m%d")
    assert out.tolist() == [pd.Timestamp("2024-03-31"), pd.Timestamp("2024-04-01")]
    assert read_periods(pd.Series([20240331, 20240401]), "t").tolist() == [20240331, 20240401]


def test_a_renamed_keyword_warns_at_the_callers_line(panel):
    import warnings

    frame, start = panel
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tl.geo(frame, region="region", time="date", outcome="revenue", treatment="treated",
               start=start)
    dep = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert dep and all(w.filename == __file__ for w in dep), [w.filename for w in dep]
