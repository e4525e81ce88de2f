"""Read uploaded contact files (CSV in any common encoding and delimiter, XLSX, vCard) into a header and rows.

A file is opened through a `TableSource` that can be iterated more than once (preview, then
import) without holding the file in memory. Anything we cannot read raises `FileProblem` with a
message a person can act on; reading never writes anything.
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, BinaryIO

from . import vcard

MAX_COLUMNS = 1000
MAX_CELL_CHARS = 1_000_000  # a 1 MB cell is a broken file, not a contact
SAMPLE_BYTES = 256 * 1024
HEADER_SEARCH_ROWS = 30
# XLSX parts (sheets, shared strings) are XML inside a ZIP: checked from the ZIP's directory before any parsing,
# so a small file that expands to gigabytes (a zip bomb) is refused at once. Python's zipfile never inflates a
# part past the size its directory declares, so the declared sizes are the real bound.
XLSX_MAX_PART_BYTES = 400 * 1024 * 1024  # a 1,000,000-row sheet is about 150 MB of XML
XLSX_MAX_TOTAL_BYTES = 1024 * 1024 * 1024
XLSX_MAX_RATIO = 100  # spreadsheet XML compresses 5-30x; bombs 1,000x and more
XLSX_RATIO_MIN_BYTES = 10 * 1024 * 1024  # smaller parts may compress as well as they like
DEFAULT_MAX_ROWS = 2_000_000
DELIMITERS = (",", ";", "\t", "|")

_BINARY_MAGIC = (
    (b"%PDF", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"), (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) or Word file; save it as .xlsx or CSV"),
    (b"\x1f\x8b", "a gzip archive"), (b"Rar!", "a RAR archive"), (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x7fELF", "a program"), (b"MZ", "a program"), (b"SQLite format 3", "a database file"),
)
READABLE = "a CSV, Excel (.xlsx) or vCard (.vcf) file of contacts"
EXPORT_INSTEAD = ("Export your contacts as CSV, Excel (.xlsx) or vCard (.vcf) from the program they are in, "
                  "and upload that file.")
# Lines around the table that are not contacts: report titles, totals, footers.
_JUNK_ROW = re.compile(
    r"^\s*(grand\s+totals?|totals?|sum|subtotal|count|copyright|©|\(c\)|generated|exported|report|page\s+\d+"
    r"|end of (report|file)|confidential)\b",
    re.IGNORECASE,
)


class FileProblem(Exception):
    """An upload we cannot read; `code` is stable, `message` says what to fix."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def max_rows() -> int:
    """Data rows a file may have (IMPORT_MAX_ROWS); reading stops with FileProblem past it."""
    from django.conf import settings

    return int(getattr(settings, "IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def check_xlsx_parts(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook whose parts would expand past the size or compression-ratio limits (a zip bomb)."""
    total = 0
    for info in archive.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        too_big = info.file_size > XLSX_MAX_PART_BYTES
        if too_big or (info.file_size > XLSX_RATIO_MIN_BYTES and ratio > XLSX_MAX_RATIO):
            what = f"expands to {info.file_size / 1_048_576:,.0f} MB" + ("" if too_big else
                                                                        f", {ratio:,.0f} times its packed size")
            raise FileProblem("xlsx_too_large", f"This Excel file is refused: its part {info.filename[:80]} {what} "
                              f"(the limits are {XLSX_MAX_PART_BYTES // 1_048_576} MB and {XLSX_MAX_RATIO}:1). "
                              "Save the sheet as CSV, or as a new .xlsx, and upload that file.")
    if total > XLSX_MAX_TOTAL_BYTES:
        raise FileProblem("xlsx_too_large", f"This Excel file is refused: it expands to {total / 1_048_576:,.0f} MB "
                          f"(the limit is {XLSX_MAX_TOTAL_BYTES // 1_048_576} MB). Save the sheet as CSV and upload "
                          "that file.")


def _cp1252_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    # Mixed files (UTF-8 with a few Windows-1252 bytes): read the odd bytes as Windows-1252, Latin-1 last.
    chunk = error.object[error.start:error.end]
    return chunk.decode("cp1252", errors="replace").replace("\ufffd", "") or chunk.decode("latin-1"), error.end


def _latin1_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error("smartalex_cp1252", _cp1252_fallback)
codecs.register_error("smartalex_latin1", _latin1_fallback)
csv.field_size_limit(MAX_CELL_CHARS)  # the csv module refuses a larger cell (data_rows relies on it)


@dataclass
class Table:
    """What we learned about a file: format, encoding, delimiter, where the header is, the header itself."""

    format: str  # "csv", "xlsx" or "vcard"
    headers: list[str]
    encoding: str = ""
    delimiter: str = ","
    header_row: int = 0  # rows (records) before the header, skipped as junk
    sheet: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class TableSource:
    """A file we can open again and again (from Django storage, a path or bytes)."""

    opener: Callable[[], BinaryIO]
    name: str = ""

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "") -> TableSource:
        return cls(lambda: io.BytesIO(data), name)

    @classmethod
    def from_path(cls, path: str, name: str = "") -> TableSource:
        return cls(lambda: open(path, "rb"), name or str(path))  # noqa: SIM115 - closed by the caller

    @classmethod
    def from_storage(cls, storage, path: str, name: str = "") -> TableSource:
        return cls(lambda: storage.open(path, "rb"), name or path)

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        handle = self.opener()
        try:
            yield handle
        finally:
            handle.close()


def _sniff_bytes(head: bytes, name: str) -> str:
    """'xlsx', 'utf-16-le/be', 'utf-8-sig', 'utf-8' or 'cp1252'; FileProblem for binaries and empty files."""
    if not head.strip(b"\r\n\t \x00\xef\xbb\xbf\xff\xfe"):
        raise FileProblem("empty_file", "The file is empty: it has no header and no rows.")
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = head[:4096]
    if sample.count(b"\x00") > len(sample) // 4:
        # UTF-16 without a BOM: every other byte of ASCII text is zero.
        even_zeros = sample[0::2].count(b"\x00")
        odd_zeros = sample[1::2].count(b"\x00")
        if odd_zeros > len(sample) // 3 and even_zeros < len(sample) // 20:
            return "utf-16-le"
        if even_zeros > len(sample) // 3 and odd_zeros < len(sample) // 20:
            return "utf-16-be"
    for magic, what in _BINARY_MAGIC:
        if head.startswith(magic):
            raise FileProblem("not_a_table", f"This looks like {what}, not {READABLE}. {EXPORT_INSTEAD}")
    if b"\x00" in sample or _control_ratio(sample) > 0.05:
        raise FileProblem("not_a_table", f"This is a binary file, not {READABLE}. {EXPORT_INSTEAD}")
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and len(head) >= SAMPLE_BYTES:  # a character cut by the sample's end
            return "utf-8"
        # Mostly UTF-8 with a stray byte is still UTF-8 (the odd bytes fall back to Windows-1252).
        multibyte = len(re.findall(rb"[\xc2-\xf4][\x80-\xbf]+", head))
        stray = len(re.findall(rb"[\x80-\xff]", head)) - multibyte * 2
        return "utf-8" if multibyte > stray else "cp1252"


def _control_ratio(sample: bytes) -> float:
    if not sample:
        return 0.0
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    return controls / len(sample)


def _text_stream(handle: BinaryIO, encoding: str) -> IO[str]:
    errors = "smartalex_cp1252" if encoding.startswith("utf-8") else "smartalex_latin1"
    if encoding.startswith("utf-16"):
        errors = "replace"
    return io.TextIOWrapper(handle, encoding=encoding, errors=errors, newline="")


def _pick_delimiter(text: str) -> str:
    """The delimiter that splits the most sample lines into the same number (>1) of fields."""
    lines = [line for line in text.splitlines()[:60] if line.strip()]
    if not lines:
        return ","
    best, best_score = ",", 0.0
    for delimiter in DELIMITERS:
        try:
            widths = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        common, hits = Counter(w for w in widths if w > 1).most_common(1)[0] if any(w > 1 for w in widths) else (1, 0)
        score = hits * (1 + min(common, 50) / 50)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # Excel keeps phone numbers typed as numbers as floats: 12025550143.0 is "12025550143".
        return str(int(value)) if value.is_integer() and abs(value) < 1e18 else repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _looks_like_header(row: list[str], recognise: Callable[[str], bool] | None) -> bool:
    filled = [c for c in row if c.strip()]
    if not filled:
        return False
    return bool(recognise is not None and any(recognise(c) for c in filled))


def _is_blank(row: list[str]) -> bool:
    return not any(c.strip() for c in row)


def is_junk_row(row: list[str], width: int) -> bool:
    """A line inside the table that is not a contact (blank, "Grand Totals", a footer)."""
    filled = [c for c in row if c and not c.isspace()]  # no stripped copies: this runs for every row
    if not filled:
        return True
    if len(filled) > 2:
        return False
    if width > 2 and len(row) == 1 and len(filled) == 1 and not any(ch.isdigit() for ch in filled[0][:3]):
        return True  # a title/footer line with no delimiter at all
    return len(filled) <= 2 and bool(_JUNK_ROW.match(filled[0]))


class _Reader:
    """Yields raw records (lists of cells) of a CSV or XLSX file, checking sizes as it goes."""

    def __init__(self, source: TableSource, kind: str, encoding: str = "", delimiter: str = ",",
                 headers: list[str] | None = None):
        self.source, self.kind, self.encoding, self.delimiter = source, kind, encoding, delimiter
        self.headers = headers or []

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """(line number, cells) for every record of the file."""
        if self.kind == "xlsx":
            yield from self._xlsx_records()
            return
        if self.kind == "vcard":
            yield from self._vcard_records()
            return
        with self.source.open() as handle:
            stream = _text_stream(handle, self.encoding)
            reader = csv.reader(stream, delimiter=self.delimiter, strict=True)
            line = 1
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    yield from self._csv_problem(exc, reader.line_num or line)
                    return
                except UnicodeError as exc:  # an encoding we guessed wrong past the sample
                    raise FileProblem("bad_encoding", f"Line {reader.line_num}: the text could not be decoded "
                                      f"({exc.reason}). Save the file as UTF-8 and upload it again.") from exc
                if len(row) > MAX_COLUMNS:
                    raise FileProblem("too_many_columns", f"Line {line} has {len(row):,} columns; at most "
                                      f"{MAX_COLUMNS:,} are supported. Is this a contact list?")
                yield line, row
                line = reader.line_num + 1

    def _csv_problem(self, exc: csv.Error, line: int) -> Iterator[tuple[int, list[str]]]:
        text = str(exc)
        if "field larger than field limit" in text:
            raise FileProblem("cell_too_large", f"Near line {line}: a cell is larger than 1 MB. This is usually a "
                              "quote that is opened and never closed; fix it and upload again.")
        if "unexpected end of data" in text or "EOF" in text:
            raise FileProblem("broken_quotes", f"Line {line}: a quoted cell is opened but never closed before the "
                              "end of the file. Fix the quotes and upload again.")
        if "NUL" in text or "null byte" in text:
            raise FileProblem("not_a_table", f"Line {line} contains binary data (NUL bytes); this is not a CSV file.")
        raise FileProblem("broken_quotes", f"Line {line}: {text}. Check the quotes on that line and upload again.")
        yield  # pragma: no cover - makes this a generator

    def _vcard_records(self) -> Iterator[tuple[int, list[str]]]:
        """The header, then one record per card (numbered from 2, as if the header were line 1)."""
        yield 1, list(self.headers)
        with self.source.open() as handle:
            try:
                yield from enumerate(vcard.vcard_rows(_text_stream(handle, self.encoding), self.headers), start=2)
            except vcard.VCardProblem as exc:
                raise FileProblem("bad_vcard", f"This vCard file could not be read ({exc}). {EXPORT_INSTEAD}") \
                    from exc

    def _xlsx_records(self) -> Iterator[tuple[int, list[str]]]:
        try:
            from openpyxl import load_workbook
        except ImportError as exc:  # pragma: no cover - openpyxl is a pinned dependency
            raise FileProblem("not_a_table", "XLSX support is not installed.") from exc
        with self.source.open() as handle:
            data = io.BytesIO(handle.read()) if not hasattr(handle, "seek") else handle
            try:
                with zipfile.ZipFile(data) as archive:
                    check_xlsx_parts(archive)  # before openpyxl inflates anything
                data.seek(0)
                workbook = load_workbook(data, read_only=True, data_only=True)
            except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
                raise FileProblem("not_a_table", "This ZIP file is not a readable Excel workbook (.xlsx).") from exc
            try:
                sheet = workbook.active or workbook.worksheets[0]
                # Stop reading at the row limit (with room for title, blank and junk lines).
                last = 2 * max_rows() + HEADER_SEARCH_ROWS
                for number, values in enumerate(sheet.iter_rows(max_row=last, values_only=True), start=1):
                    if values and len(values) > MAX_COLUMNS:
                        raise FileProblem("too_many_columns", f"Row {number} has {len(values):,} columns; at most "
                                          f"{MAX_COLUMNS:,} are supported.")
                    cells = [_cell_text(v) for v in values or ()]
                    while cells and cells[-1] == "":
                        cells.pop()
                    yield number, cells
            finally:
                workbook.close()


def _check_cells(line: int, row: list[str]) -> None:
    for cell in row:
        if len(cell) > MAX_CELL_CHARS:
            raise FileProblem("cell_too_large", f"Line {line}: a cell is larger than 1 MB; this is not a contact.")


@dataclass
class OpenedTable:
    """A readable file: its `Table` description and a way to stream its data rows."""

    source: TableSource
    table: Table

    def _reader(self) -> _Reader:
        return _Reader(self.source, self.table.format, self.table.encoding, self.table.delimiter,
                       headers=self.table.headers if self.table.format == "vcard" else None)

    def data_rows(self) -> Iterator[tuple[int, list[str]]]:
        """(data row number from 1, cells padded/cut to the header width) for every contact row."""
        width = len(self.table.headers)
        number = 0
        limit = max_rows()
        # The csv module already refuses a cell over the limit (csv.field_size_limit): check other formats only.
        check = self.table.format != "csv"
        for position, (line, row) in enumerate(self._reader().records()):
            if position <= self.table.header_row:
                continue
            if check:
                _check_cells(line, row)
            if self.table.format != "vcard" and is_junk_row(row, width):
                continue
            if len(row) < width:
                row = row + [""] * (width - len(row))
            elif len(row) > width:
                row = row[:width]
            number += 1
            if number > limit:
                raise FileProblem("too_many_rows", f"The file has more than {limit:,} contact rows (line {line}); "
                                  "split it into smaller files and import each.")
            yield number, row

    def count_rows(self) -> int:
        """Read the whole file once: counts data rows and raises FileProblem on anything broken."""
        total = 0
        for total, _ in self.data_rows():  # noqa: B007 - the last number is the count
            pass
        return total


def read_records(source: TableSource) -> Iterator[tuple[int, list[str]]]:
    """Every record of a CSV or XLSX file as (line, cells), encoding and delimiter detected, no header logic.

    For files whose first line may or may not be a header (a DNC list of `phone[,reason]`).
    """
    with source.open() as handle:
        head = handle.read(SAMPLE_BYTES)
    kind = _sniff_bytes(head, source.name)
    if kind == "xlsx":
        reader = _Reader(source, "xlsx")
    else:
        sample = head.decode(kind, errors="ignore" if kind.startswith("utf-16") else "replace")
        reader = _Reader(source, "csv", kind, _pick_delimiter(sample))
    for line, row in reader.records():
        _check_cells(line, row)
        yield line, row


def open_table(source: TableSource, recognise: Callable[[str], bool] | None = None) -> OpenedTable:
    """Detect format, encoding, delimiter and the header row. `recognise(header)` says a header is known."""
    with source.open() as handle:
        head = handle.read(SAMPLE_BYTES)
    kind = _sniff_bytes(head, source.name)
    if kind == "xlsx":
        _refuse_other_zips(source)
        table = Table(format="xlsx", headers=[])
        reader = _Reader(source, "xlsx")
    else:
        encoding = kind
        sample_text = head.decode(encoding, errors="ignore" if encoding.startswith("utf-16") else "replace")
        if vcard.looks_like_vcard(sample_text):
            return _open_vcard(source, encoding)
        delimiter = _pick_delimiter(sample_text)
        table = Table(format="csv", headers=[], encoding=encoding, delimiter=delimiter)
        reader = _Reader(source, "csv", encoding, delimiter)
    first_rows: list[list[str]] = []
    for _, row in reader.records():
        first_rows.append(row)
        if len(first_rows) >= HEADER_SEARCH_ROWS:
            break
    header_at = _find_header(first_rows, recognise)
    if header_at is None:
        raise FileProblem("empty_file", "The file has no rows with columns in it.")
    headers = [h.replace("\x00", "").strip().strip("\ufeff").strip() for h in first_rows[header_at]]
    while headers and headers[-1] == "":
        headers.pop()
    if len(headers) > MAX_COLUMNS:
        raise FileProblem("too_many_columns", f"The header has {len(headers):,} columns; at most {MAX_COLUMNS:,} "
                          "are supported. Is this a contact list?")
    for cell in headers:
        if len(cell) > 500:
            raise FileProblem("bad_header", "A column name is longer than 500 characters; the first row must hold "
                              "column names such as Phone, First Name, Email.")
    table.headers = [h or f"Column {i + 1}" for i, h in enumerate(headers)]
    table.header_row = header_at
    opened = OpenedTable(source=source, table=table)
    if not any(True for _ in _first(opened.data_rows())):
        raise FileProblem("no_rows", "The file has a header but no data rows.")
    return opened


def _open_vcard(source: TableSource, encoding: str) -> OpenedTable:
    with source.open() as handle:
        try:
            headers = vcard.vcard_headers(_text_stream(handle, encoding))
        except vcard.VCardProblem as exc:
            raise FileProblem("bad_vcard", f"This vCard file could not be read ({exc}). {EXPORT_INSTEAD}") from exc
    if not headers:
        raise FileProblem("no_rows", "This vCard file holds no contacts (no card has a name, number or email).")
    version = ""
    if encoding:
        with source.open() as handle:
            found = re.search(r"^VERSION:\s*([\d.]+)", handle.read(SAMPLE_BYTES).decode(encoding, "ignore"),
                              re.MULTILINE | re.IGNORECASE)
            version = found.group(1) if found else ""
    table = Table(format="vcard", headers=headers, encoding=encoding, notes=[f"version {version}"] if version else [])
    opened = OpenedTable(source=source, table=table)
    if not any(True for _ in _first(opened.data_rows())):
        raise FileProblem("no_rows", "This vCard file holds no contacts.")
    return opened


# What a ZIP that is not an Excel workbook holds, and what to upload instead.
_ZIP_KINDS = (
    (".vcf", "vCard files ({names}). Unzip it and upload the .vcf file itself"),
    (".vcard", "vCard files ({names}). Unzip it and upload the .vcard file itself"),
    (".csv", "CSV files ({names}). Unzip it and upload the CSV file itself"),
    (".xlsx", "Excel workbooks ({names}). Unzip it and upload the .xlsx file itself"),
)


def _refuse_other_zips(source: TableSource) -> None:
    """A ZIP is read only when it is an Excel workbook; any other archive is refused, naming what it holds."""
    with source.open() as handle:
        data = handle if hasattr(handle, "seek") else io.BytesIO(handle.read())
        try:
            with zipfile.ZipFile(data) as archive:
                names = [n for n in archive.namelist() if not n.endswith("/")]
                if any(n.lower().startswith("xl/") for n in names):
                    check_xlsx_parts(archive)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise FileProblem("not_a_table", f"This is a damaged ZIP archive, not {READABLE}. {EXPORT_INSTEAD}") \
                from exc
    lowered = [n.lower() for n in names]
    if "xl/workbook.xml" in lowered or any(n.startswith("xl/") for n in lowered):
        return
    if "word/document.xml" in lowered:
        raise FileProblem("not_a_table", f"This is a Word document (.docx), not {READABLE}. {EXPORT_INSTEAD}")
    if any(n.endswith("content.xml") for n in lowered) and any("opendocument" in n or n == "mimetype"
                                                              for n in lowered):
        raise FileProblem("not_a_table", "This is an OpenDocument file (.ods/.odt). Save it as .xlsx or CSV and "
                          "upload that file.")
    for suffix, what in _ZIP_KINDS:
        inside = [os.path.basename(n) for n, low in zip(names, lowered, strict=True) if low.endswith(suffix)]
        if inside:
            shown = ", ".join(inside[:3]) + (f" and {len(inside) - 3} more" if len(inside) > 3 else "")
            raise FileProblem("zip_archive", f"This is a ZIP archive holding {what.format(names=shown)}.")
    raise FileProblem("zip_archive", f"This is a ZIP archive, not {READABLE}. {EXPORT_INSTEAD}")


def _first(rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    for item in rows:
        yield item
        return


def _find_header(rows: list[list[str]], recognise: Callable[[str], bool] | None) -> int | None:
    """The first row naming a known column; else the first row as wide as the table's usual row."""
    non_blank = [(i, r) for i, r in enumerate(rows) if not _is_blank(r)]
    if not non_blank:
        return None
    for i, row in non_blank:
        if _looks_like_header(row, recognise):
            return i
    widths = Counter(sum(1 for c in r if c.strip()) for _, r in non_blank)
    usual = max(widths, key=lambda w: (widths[w], w))
    for i, row in non_blank:
        if sum(1 for c in row if c.strip()) >= max(1, usual):
            return i
    return non_blank[0][0]
