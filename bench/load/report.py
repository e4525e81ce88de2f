"""Turns the load test's raw request samples into its table (pure: no Django, no locust; tests feed it canned numbers).

A sample is one request as the locustfile recorded it: name, start (epoch seconds), response time in ms and whether
it succeeded. Each phase is summarised over its steady window: requests that started between `begin` (when run.py
started measuring, or the end of the phase's last sign-in if that is later) and `end` (when it stopped the load).
Sign-ins (names starting "sign in") are counted apart and never in throughput or the per-type percentiles.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

SIGN_IN = "sign in"
# Targets of issue 14 item 6, printed beside the measured figures.
MIN_CEILING_RATIO = 0.5
MAX_P95_MS = 150.0
MAX_P99_MS = 500.0
MIN_IMPORT_RATIO = 0.5


@dataclass(frozen=True)
class Sample:
    name: str
    start: float  # epoch seconds
    ms: float
    ok: bool

    @property
    def end(self) -> float:
        return self.start + self.ms / 1000


@dataclass(frozen=True)
class Row:
    name: str
    count: int
    failures: int
    median: float
    p95: float
    p99: float


@dataclass
class Phase:
    rows: list[Row]  # per request type, steady window only
    sign_ins: list[Row]  # sign-in requests, whole phase
    window_seconds: float
    outside_requests: int  # warm-up, during sign-ins, after the stop: not counted
    total: Row = field(init=False)

    def __post_init__(self) -> None:
        self.total = Row("all (steady)", sum(r.count for r in self.rows), sum(r.failures for r in self.rows),
                         0.0, 0.0, 0.0)

    @property
    def throughput(self) -> float:
        return self.total.count / self.window_seconds if self.window_seconds > 0 else 0.0


@dataclass(frozen=True)
class ImportRun:
    rows: int
    seconds: float
    imported: int  # -1: stopped before it ended
    overlapped: bool = True  # False when no progress of it was seen while the web load ran
    of_rows: int = 0  # when the import outlasted the load: the file's rows (`rows` = rows done by the load's end)

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of values; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def row_for(name: str, samples: list[Sample]) -> Row:
    times = [s.ms for s in samples]
    return Row(name, len(samples), sum(not s.ok for s in samples), percentile(times, 50), percentile(times, 95),
               percentile(times, 99))


ImportResult = tuple[float, float, int, list[tuple[float, int]]]  # start, end, rows imported, progress (when, done)


def import_under_load(result: ImportResult, rows: int, load_ended: float) -> ImportRun:
    """The import's rate while the load ran: the whole run if it ended in time, else up to its last progress line
    before the load stopped (start-up included either way, as for the idle run)."""
    start, end, imported, progress = result
    if end <= load_ended:
        return ImportRun(rows, end - start, imported)
    seen = [(when, done) for when, done in progress if when <= load_ended and done]
    if not seen:
        return ImportRun(rows, end - start, imported, overlapped=False)
    return ImportRun(seen[-1][1], seen[-1][0] - start, imported, of_rows=rows)


def load_samples(path: Path) -> list[Sample]:
    return [Sample(*item) for item in json.loads(path.read_text())]


def summarize(samples: list[Sample], begin: float, end: float) -> Phase:
    """Per-type rows over the steady window [begin, end) (epoch seconds), sign-ins apart; order of first appearance."""
    sign_ins = [s for s in samples if s.name.startswith(SIGN_IN)]
    work = [s for s in samples if not s.name.startswith(SIGN_IN)]
    begin = max([begin, *(s.end for s in sign_ins)])
    steady = [s for s in work if begin <= s.start < end]
    names = list(dict.fromkeys(s.name for s in samples))
    rows = [row_for(n, [s for s in steady if s.name == n]) for n in names if not n.startswith(SIGN_IN)]
    signs = [row_for(n, [s for s in sign_ins if s.name == n]) for n in names if n.startswith(SIGN_IN)]
    return Phase([r for r in rows if r.count], signs, max(end - begin, 0.0), len(work) - len(steady))


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def render(ceiling: Phase, mixed: Phase, idle: ImportRun | None, busy: ImportRun | None, *, heading: str,
           command: str, load_before: str = "", load_after: str = "", notes: tuple[str, ...] = ()) -> str:
    """The printed report: both phases' tables, the import comparison and the targets with a verdict each."""
    lines = [heading, ""]
    header = f"{'request':<28} {'count':>8} {'fails':>6} {'median ms':>10} {'p95 ms':>8} {'p99 ms':>8}"
    for title, phase in (("Ceiling: signed-out login page", ceiling), ("Mixed workload", mixed)):
        lines += [f"{title} (steady window {phase.window_seconds:.1f} s, {phase.throughput:,.1f} req/s; "
                  f"{phase.outside_requests:,} requests outside it not counted)", header, "-" * len(header)]
        for r in phase.rows:
            lines.append(f"{r.name[:28]:<28} {r.count:>8,} {r.failures:>6,} {r.median:>10.0f} {r.p95:>8.0f} "
                         f"{r.p99:>8.0f}")
        for r in phase.sign_ins:
            lines.append(f"{f'({r.name})'[:28]:<28} {r.count:>8,} {r.failures:>6,} {r.median:>10.0f} "
                         f"{r.p95:>8.0f} {r.p99:>8.0f}")
        lines.append("")
    ratio = mixed.throughput / ceiling.throughput if ceiling.throughput else 0.0
    worst_p95 = max((r.p95 for r in mixed.rows), default=0.0)
    worst_p99 = max((r.p99 for r in mixed.rows), default=0.0)
    failures = sum(r.failures for p in (ceiling, mixed) for r in (*p.rows, *p.sign_ins))
    checks = [
        (f"mixed / ceiling throughput: {mixed.throughput:,.1f} / {ceiling.throughput:,.1f} req/s = {ratio:.2f}x",
         f">= {MIN_CEILING_RATIO}x", ratio >= MIN_CEILING_RATIO),
        (f"worst p95 of a request type (mixed): {worst_p95:.0f} ms", f"<= {MAX_P95_MS:.0f} ms",
         worst_p95 <= MAX_P95_MS),
        (f"worst p99 of a request type (mixed): {worst_p99:.0f} ms", f"<= {MAX_P99_MS:.0f} ms",
         worst_p99 <= MAX_P99_MS),
        (f"failures (both phases, sign-ins included): {failures:,}", "0", failures == 0),
    ]
    if idle and busy:
        share = busy.rate / idle.rate if idle.rate else 0.0
        note = "" if busy.overlapped else " (outlasted the load with no progress during it)"
        if busy.of_rows:
            stopped = "; then stopped" if busy.imported < 0 else ""
            note = f" (while the load ran: {busy.rows:,} of {busy.of_rows:,} rows in {busy.seconds:.0f} s{stopped})"
        checks.append((f"import of {idle.rows:,} rows: idle {idle.rate:,.0f} rows/s, under load {busy.rate:,.0f} "
                       f"rows/s = {share:.0%}{note}", f">= {MIN_IMPORT_RATIO:.0%}",
                       share >= MIN_IMPORT_RATIO and busy.overlapped))
        if busy.imported >= 0 and idle.imported != busy.imported:
            checks.append((f"import counts differ: idle {idle.imported:,}, under load {busy.imported:,}", "equal",
                           False))
    width = max(len(c[0]) for c in checks)
    lines.append(f"{'measure':<{width}}  {'target':>10}  verdict")
    lines.append("-" * (width + 21))
    lines += [f"{text:<{width}}  {target:>10}  {_verdict(ok)}" for text, target, ok in checks]
    lines.append("")
    lines += [f"Note: {note}" for note in notes if note]
    if load_before or load_after:
        lines.append(f"uptime before: {load_before.strip()}")
        lines.append(f"uptime after:  {load_after.strip()}")
    lines.append(f"Reproduce: {command}")
    return "\n".join(lines)
