"""Phone parsing for the next chunk in a helper process while the current chunk is written.

Parsing is about half of an import's CPU time and writing (SQLite work, mostly outside the GIL's
reach of a thread) the other half; on a machine with two or more cores a helper process overlaps
them. The helper is started with `spawn` (no fork of a process holding database connections) and
runs contacts.phone.parse_candidates, which needs no Django. Anything going wrong with the helper
falls back to parsing in-process: same results, only slower.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from contacts import phone as phone_rules

logger = logging.getLogger(__name__)

PARALLEL_MIN_ROWS = 20_000  # below this, starting a process costs more than it saves
PARENT_CHECK_SECONDS = 0.5


def _exit_with_parent(parent_pid: int) -> None:
    """In the helper: leave as soon as the worker that started it is gone (killed with -9, crashed).

    A pool's helper holds both ends of its job pipe, so it never sees end-of-file and would otherwise
    wait forever as an orphan.
    """

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class PhoneParser:
    def __init__(self, rows: int):
        self.pool: ProcessPoolExecutor | None = None
        if rows >= PARALLEL_MIN_ROWS and (os.cpu_count() or 1) > 1:
            try:
                # A fresh helper every 40 chunks keeps its memory (parse caches, allocator arenas) flat.
                self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                                max_tasks_per_child=40, initializer=_exit_with_parent,
                                                initargs=(os.getpid(),))
            except (OSError, ValueError, NotImplementedError) as exc:  # no processes here: parse in-process
                logger.info("import: parsing in-process (%s)", exc)

    def submit(self, jobs: list[tuple[list[object], str, str]]) -> Future | None:
        if self.pool is None:
            return None
        try:
            return self.pool.submit(phone_rules.parse_candidates, jobs)
        except Exception as exc:  # a broken pool: the rest is parsed in-process
            logger.warning("import: helper process unavailable (%s); parsing in-process", exc)
            self.close()
            return None

    @staticmethod
    def result(future: Future | None) -> list[Any] | None:
        if future is None:
            return None
        try:
            return future.result()
        except Exception as exc:
            logger.warning("import: helper process failed (%s); parsing this chunk in-process", exc)
            return None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def __enter__(self) -> PhoneParser:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
