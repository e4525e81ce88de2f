"""Formula-safe CSV: every CSV (and spreadsheet) cell the product writes goes through `escape_cell`.

A spreadsheet runs a cell starting with `=`, `+`, `-`, `@`, tab or carriage return as a formula (CSV
injection), so such a cell gets a leading `'` and is shown as text. The one exception is an E.164 number
(`+` and 2-15 digits, nothing else): it holds no formula, and phone cells must re-import unchanged. Any
other phone text that gets the `'` still imports, because the import strips Excel's leading `'` from
phone cells (`contacts.phone.clean_raw`).
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_TRIGGERS = frozenset("=+-@\t\r")
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")


def escape_cell(value: object) -> str:
    """`value` as text a spreadsheet shows and never runs (None is an empty cell)."""
    text = value if type(value) is str else ("" if value is None else str(value))
    if text and text[0] in FORMULA_TRIGGERS and not _E164.fullmatch(text):
        return "'" + text
    return text


def escape_row(values: Iterable[object]) -> list[str]:
    return [escape_cell(value) for value in values]


class SafeWriter:
    """`csv.writer` whose rows, headers included, are escaped cell by cell."""

    def __init__(self, file: Any, **fmtparams: Any):
        self._writer = csv.writer(file, **fmtparams)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow(escape_row(row))

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(file: Any, **fmtparams: Any) -> SafeWriter:
    return SafeWriter(file, **fmtparams)
