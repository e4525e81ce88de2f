"""National DNC Registry and state list files: parsed into bit sets per exchange, stored compactly, looked up in O(1).

A US number +1 NPA NXX LLLL is bit LLLL of the 10,000-bit set (1,250 bytes) of exchange NPA-NXX. A whole area
code is at most 800 exchanges, so 1 MB of bits whatever its count, and 100,000,000 numbers fit in ~125 MB.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO

from django.db.models import Max

from contacts.compliance.models import RegistryBlock, RegistrySource
from contacts.workspaces.models import Workspace

BLOCK_BITS = 10_000
BLOCK_BYTES = BLOCK_BITS // 8
STALE_AFTER_DAYS = 31
CHUNK = 2000
_TEN_DIGITS = re.compile(r"^\s*\+?1?[\s.-]*\(?([2-9]\d{2})\)?[\s.-]*([2-9]\d{2})[\s.-]*(\d{4})\s*(?:[,;].*)?$")


def split_number(line: str) -> tuple[str, int] | None:
    """'3055550100' (or '305-555-0100', '+13055550100', a CSV row starting with the number) -> ('305555', 100)."""
    match = _TEN_DIGITS.match(line)
    if match is None:
        return None
    return match.group(1) + match.group(2), int(match.group(3))


def set_bit(bits: bytearray, index: int) -> bool:
    """Set a bit; whether it was newly set."""
    byte, mask = index >> 3, 1 << (index & 7)
    if bits[byte] & mask:
        return False
    bits[byte] |= mask
    return True


def has_bit(bits: bytes | bytearray | memoryview, index: int) -> bool:
    return bool(bits[index >> 3] & (1 << (index & 7)))


@dataclass
class ParsedRegistry:
    blocks: dict[str, bytearray] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    numbers: int = 0
    rejected: int = 0
    rejected_samples: list[tuple[int, str]] = field(default_factory=list)

    @property
    def area_codes(self) -> list[str]:
        return sorted({prefix[:3] for prefix in self.blocks})


def parse_lines(lines: Iterable[str]) -> ParsedRegistry:
    """Read a registry file: one 10-digit number per line (a header line, blank lines and duplicates are fine)."""
    parsed = ParsedRegistry()
    blocks, counts = parsed.blocks, parsed.counts
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        found = split_number(line)
        if found is None:
            if line_no > 1:  # the first line may be a header
                parsed.rejected += 1
                if len(parsed.rejected_samples) < 10:
                    parsed.rejected_samples.append((line_no, line.strip()[:40]))
            continue
        prefix, index = found
        bits = blocks.get(prefix)
        if bits is None:
            bits = blocks[prefix] = bytearray(BLOCK_BYTES)
            counts[prefix] = 0
        if set_bit(bits, index):
            counts[prefix] += 1
            parsed.numbers += 1
    return parsed


def text_lines(handle: IO[bytes]) -> Iterator[str]:
    """Lines of an uploaded file, decoded leniently (registry files are ASCII)."""
    for raw in handle:
        yield raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw


def store(source: RegistrySource, parsed: ParsedRegistry) -> int:
    """Write a parsed file's bit sets (bulk, chunked). Returns blocks written."""
    batch: list[RegistryBlock] = []
    written = 0
    for prefix, bits in parsed.blocks.items():
        batch.append(RegistryBlock(source=source, workspace_id=source.workspace_id, prefix=prefix, bits=bytes(bits),
                                   count=parsed.counts[prefix]))
        if len(batch) >= CHUNK:
            RegistryBlock.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    if batch:
        RegistryBlock.objects.bulk_create(batch)
        written += len(batch)
    return written


def registry_numbers_among(workspace: Workspace, phones: Iterable[str]) -> set[str]:
    """Which of these E.164 numbers are on any of the workspace's registry files (one query per 2,000 exchanges)."""
    by_prefix: dict[str, list[tuple[str, int]]] = {}
    for phone in phones:
        if len(phone) == 12 and phone.startswith("+1") and phone[1:].isdigit():
            by_prefix.setdefault(phone[2:8], []).append((phone, int(phone[8:])))
    found: set[str] = set()
    prefixes = list(by_prefix)
    for start in range(0, len(prefixes), CHUNK):
        chunk = prefixes[start:start + CHUNK]
        blocks = RegistryBlock.objects.filter(workspace=workspace, prefix__in=chunk).values_list("prefix", "bits")
        for prefix, bits in blocks:
            for phone, index in by_prefix[prefix]:
                if has_bit(bits, index):
                    found.add(phone)
    return found


def registry_is_listed(workspace: Workspace, phone: str) -> bool:
    return bool(registry_numbers_among(workspace, [phone]))


def newest_download(workspace: Workspace) -> date | None:
    """The download date of the workspace's newest registry file (None: no file)."""
    return RegistrySource.objects.filter(workspace=workspace).aggregate(d=Max("downloaded_on"))["d"]


def registry_age_days(workspace: Workspace, today: date) -> int | None:
    newest = newest_download(workspace)
    return None if newest is None else (today - newest).days


class AreaCodeBits:
    """The in-memory form: one 10,000,000-bit bytearray (1.25 MB) per area code; O(1) `in` for a 10-digit number.

    Used by bench/bench_compliance.py to measure memory and lookup time at 10M and 100M numbers.
    """

    def __init__(self) -> None:
        self.areas: dict[int, bytearray] = {}

    def add(self, number: int) -> None:
        area, line = divmod(number, 10_000_000)
        bits = self.areas.get(area)
        if bits is None:
            bits = self.areas[area] = bytearray(1_250_000)
        bits[line >> 3] |= 1 << (line & 7)

    def __contains__(self, number: int) -> bool:
        area, line = divmod(number, 10_000_000)
        bits = self.areas.get(area)
        return bits is not None and bool(bits[line >> 3] & (1 << (line & 7)))

    def count(self) -> int:
        return sum(int.from_bytes(bits, "little").bit_count() for bits in self.areas.values())
