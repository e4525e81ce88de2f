"""The one formula-escaping rule every CSV writer uses (the writers themselves: tests/test_safe_defaults.py)."""
import csv
import io

import pytest

from contacts.csvsafe import escape_cell, escape_row, writer


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://x")', "+SUM(1)", "@cmd", "-2+3", "\tx", "\rx", "=1+1", "+1",
                                  "-1", "+1415=cmd", "+1 415 555 0101", "+14155550101 ext. 2"])
def test_formula_triggers_get_a_leading_apostrophe(cell):
    assert escape_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Ann", "", "ann@acme.test", " =1", "1-2", "'=already", "{\"k\": 1}"])
def test_plain_text_is_unchanged(cell):
    assert escape_cell(cell) == cell


@pytest.mark.parametrize("phone", ["+14155552671", "+442079460000", "+493023125456"])
def test_e164_numbers_stay_as_they_are(phone):
    assert escape_cell(phone) == phone


def test_values_become_text():
    assert escape_row([None, 3, -5, 1.5]) == ["", "3", "'-5", "1.5"]


def test_writer_escapes_every_cell_of_every_row_headers_included():
    buffer = io.StringIO()
    out = writer(buffer)
    out.writerow(["=HYPERLINK(\"x\")", "phone"])
    out.writerows([["@cmd", "+14155552671"], ["-2+3", None]])
    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == [
        ["'=HYPERLINK(\"x\")", "phone"], ["'@cmd", "+14155552671"], ["'-2+3", ""]]
