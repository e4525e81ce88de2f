"""Lists of numbers for the DNC list: read a `phone[,reason]` file or pasted text and give every row a verdict.

Nothing here writes. The same verdicts feed the upload preview and `dnc_upload_apply`, so what the preview
promises is what the apply does (numbers listed in between are reported as already listed).
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from contacts.compliance.selectors import dnc_numbers_among
from contacts.imports.reader import TableSource, read_records
from contacts.workspaces.models import Workspace
from contacts.workspaces.rules import e164_or_reason_for_workspace

CHUNK = 2000
REASON_MAX = 500
PASTE_MAX = 1000  # pasted numbers per submission; a file takes any number
SAMPLE_ROWS = 50
PROBLEMS_KEPT = 500

PHONE_HEADERS = frozenset({
    "phone", "phone number", "phonenumber", "number", "numbers", "telephone", "tel", "mobile", "cell",
    "cell phone", "mobile phone", "msisdn", "e164", "dnc", "dnc number", "do not call",
})
REASON_HEADERS = frozenset({"reason", "reasons", "note", "notes", "comment", "comments", "why", "dnc reason"})

# verdict -> (label before applying, label after, badge)
VERDICTS = {
    "add": ("Will be added", "Added", "bg-green-lt"),
    "listed": ("Already listed", "Already listed", "bg-secondary-lt"),
    "duplicate": ("Repeated in the file", "Repeated in the file", "bg-yellow-lt"),
    "invalid": ("Invalid number", "Invalid number", "bg-orange-lt"),
    "no_reason": ("No reason", "No reason", "bg-red-lt"),
}
SKIPPED = ("invalid", "no_reason")  # rows that are problems to fix (listed and repeated ones are harmless)


@dataclass(frozen=True)
class DncRow:
    """One number as given: its line in the file (or position in the pasted text), the text and its reason."""

    line: int
    raw_phone: str
    reason: str = ""


@dataclass(frozen=True)
class DncVerdict:
    row: DncRow
    verdict: str
    phone: str = ""  # E.164 when the number parsed
    reason: str = ""  # the reason that will be stored
    message: str = ""

    @property
    def label(self) -> str:
        return VERDICTS[self.verdict][0]

    @property
    def done_label(self) -> str:
        return VERDICTS[self.verdict][1]

    @property
    def badge(self) -> str:
        return VERDICTS[self.verdict][2]


@dataclass
class DncSummary:
    """Counts over every row, the first rows with their verdicts and the rows that were skipped as problems."""

    counts: Counter = field(default_factory=Counter)
    sample: list[DncVerdict] = field(default_factory=list)
    problems: list[DncVerdict] = field(default_factory=list)
    problems_total: int = 0
    added: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def breakdown(self) -> list[tuple[str, str, str, int]]:
        """(verdict, label after applying, badge, count) for every verdict that occurred, in a fixed order."""
        return [(key, done, badge, self.counts[key]) for key, (_, done, badge) in VERDICTS.items() if self.counts[key]]

    def take(self, verdict: DncVerdict, *, sample: int = SAMPLE_ROWS) -> None:
        self.counts[verdict.verdict] += 1
        if len(self.sample) < sample:
            self.sample.append(verdict)
        if verdict.verdict in SKIPPED:
            self.problems_total += 1
            if len(self.problems) < PROBLEMS_KEPT:
                self.problems.append(verdict)

    def as_session(self) -> dict:
        """A small JSON-safe copy for the report page after a redirect."""
        def row(v: DncVerdict) -> dict:
            return {"line": v.row.line, "raw_phone": v.row.raw_phone[:60], "reason": v.reason[:200],
                    "phone": v.phone, "verdict": v.verdict, "message": v.message[:200]}

        return {"counts": dict(self.counts), "problems": [row(v) for v in self.problems],
                "problems_total": self.problems_total, "sample": [row(v) for v in self.sample]}


def header_kind(cell: str) -> str:
    """'phone' or 'reason' for a column name that means it ("Phone number", "Notes"), else ''."""
    key = re.sub(r"[\s_\-.:#]+", " ", cell.strip().strip("\ufeff").lower()).strip()
    first = key.split(" ", 1)[0] if key else ""
    if key in PHONE_HEADERS or first in {"phone", "mobile", "tel", "telephone", "cell", "number"}:
        return "phone"
    if key in REASON_HEADERS or first in {"reason", "note", "notes", "comment"}:
        return "reason"
    return ""


def read_dnc_rows(source: TableSource) -> Iterator[DncRow]:
    """The rows of a `phone[,reason]` file (comma, semicolon, tab or pipe; any common encoding; XLSX too).

    The first line is a header when it names a phone or reason column (then those columns are used, in any
    order) or when it has no digit at all; otherwise it is the first number. FileProblem when unreadable.
    """
    phone_col, reason_col = 0, 1
    first = True
    for line, cells in read_records(source):
        if not any(c.strip() for c in cells):
            continue
        if first:
            first = False
            kinds = [header_kind(c) for c in cells]
            if "phone" in kinds or "reason" in kinds:
                phone_col = kinds.index("phone") if "phone" in kinds else 0
                others = [i for i in range(len(cells)) if i != phone_col]
                reason_col = kinds.index("reason") if "reason" in kinds else (others[0] if others else -1)
                continue
            if not any(ch.isdigit() for ch in "".join(cells)):
                continue  # a header with other names: first column the number, second the reason
        phone = cells[phone_col].strip() if phone_col < len(cells) else ""
        reason = cells[reason_col].strip() if 0 <= reason_col < len(cells) else ""
        yield DncRow(line=line, raw_phone=phone, reason=reason)


def pasted_rows(text: str) -> list[DncRow]:
    """Numbers pasted one per line or separated by commas or semicolons."""
    items = [part.strip() for part in re.split(r"[\n\r,;]+", text or "")]
    return [DncRow(line=i, raw_phone=item) for i, item in enumerate((p for p in items if p), start=1)]


def _chunks(rows: Iterable[DncRow], size: int = CHUNK) -> Iterator[list[DncRow]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def classify(workspace: Workspace, rows: Iterable[DncRow], *, default_reason: str = "") -> Iterator[list[DncVerdict]]:
    """Verdicts in chunks: one query per chunk asks which numbers are listed already."""
    default_reason = (default_reason or "").strip()[:REASON_MAX]
    seen: set[str] = set()
    for chunk in _chunks(rows):
        parsed: list[tuple[DncRow, str | None, str]] = [
            (row, *e164_or_reason_for_workspace(workspace, row.raw_phone)) for row in chunk
        ]
        listed = dnc_numbers_among(workspace, {e164 for _, e164, _ in parsed if e164})
        verdicts = []
        for row, e164, why in parsed:
            reason = (row.reason or default_reason)[:REASON_MAX]
            if not e164:
                verdicts.append(DncVerdict(row, "invalid", reason=reason, message=why))
            elif e164 in listed:
                verdicts.append(DncVerdict(row, "listed", e164, reason, "Already on the DNC list; kept as it is."))
            elif e164 in seen:
                verdicts.append(DncVerdict(row, "duplicate", e164, reason, "The same number appears earlier."))
            elif not reason:
                verdicts.append(DncVerdict(row, "no_reason", e164, message="No reason in the file and none typed "
                                                                            "on the form."))
            else:
                seen.add(e164)
                verdicts.append(DncVerdict(row, "add", e164, reason))
        yield verdicts


def dnc_upload_preview(workspace: Workspace, source: TableSource, *, default_reason: str = "") -> DncSummary:
    """What applying this file would do, counted over the whole file (reads only)."""
    summary = DncSummary()
    for verdicts in classify(workspace, read_dnc_rows(source), default_reason=default_reason):
        for verdict in verdicts:
            summary.take(verdict)
    return summary
