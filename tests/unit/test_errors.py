"""The one error for a missing column names it, the closest name and what is there."""

import pytest

from truelift.errors import DataError, check_columns, missing_column


def test_a_close_name_is_suggested_and_a_far_one_is_not():
    err = missing_column("revnue", ["revenue", "variant", "user_id"])
    assert isinstance(err, DataError) and err.column == "revnue"
    assert "did you mean 'revenue'?" in str(err) and "\n" not in str(err)
    assert "did you mean" not in str(missing_column("zzz", ["revenue", "variant"]))


def test_long_column_lists_are_cut_and_non_string_labels_are_named():
    cols = [f"c{i}" for i in range(30)]
    assert str(missing_column("x", cols)).endswith("c11, ...)")
    with pytest.raises(DataError, match="column 3: not found"):
        check_columns([1, 2], [3])
    check_columns(["a", 1], ["a", 1])
    with pytest.raises(DataError, match="column '1': not found"):  # exact, not as text
        check_columns(["a", 1], ["1"])
