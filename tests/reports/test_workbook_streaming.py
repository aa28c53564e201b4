"""The workbook's per-school reads are streamed in the sheet's order: each school gets exactly its
own rows, a school without rows gets none, and rows of a school outside the sheet are left out."""

from types import SimpleNamespace

from reports.facts import _by_school


def test_each_school_gets_its_own_rows_in_the_sheets_order():
    city = SimpleNamespace(meta={11: "a", 12: "b", 13: "c", 14: "d"})
    rows = [
        (11, "x", 1),
        (11, "y", 2),
        (99, "moved in between the reads", 0),
        (13, "x", 3),
        (14, "x", 4),
        (14, "y", 5),
    ]
    assert list(_by_school(city, rows)) == [
        (11, [("x", 1), ("y", 2)]),
        (12, []),
        (13, [("x", 3)]),
        (14, [("x", 4), ("y", 5)]),
    ]


def test_rows_of_a_school_already_written_are_left_out_not_given_to_the_next():
    city = SimpleNamespace(meta={11: "a", 12: "b"})
    rows = [(12, "x", 1), (11, "late", 2)]
    assert list(_by_school(city, rows)) == [(11, []), (12, [("x", 1)])]
