"""Bounded totals and paging for lists that may hold millions of rows.

A COUNT(*) over a million-row search costs seconds while its first page costs milliseconds, so no list counts
past COUNT_CAP: up to the cap a total is exact, above it the total is the planner's estimate (PostgreSQL) shown
as "about 1.2M", or "more than 10,000" where no estimate exists (SQLite). Paging never needs the exact total:
a page fetches one row more than it shows to know whether there is a next one.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.db.models.sql.where import WhereNode
from django.utils.functional import cached_property

COUNT_CAP = 10_000  # exact up to here; counting 10,001 rows is a few milliseconds on either database


@dataclass(frozen=True)
class Total:
    """How many rows a list holds: `value` is exact when `exact`, else a lower bound or an estimate."""

    value: int
    exact: bool = True
    estimated: bool = False  # value came from the planner (else, when not exact, it is "more than value")

    @property
    def label(self) -> str:
        """Human wording: "1,234", "about 1.2M", "more than 10,000"."""
        if self.exact:
            return f"{self.value:,}"
        if self.estimated:
            return f"about {short_number(self.value)}"
        return f"more than {self.value:,}"

    def __str__(self) -> str:
        return self.label

    def __int__(self) -> int:
        return self.value


def short_number(value: int) -> str:
    """1_234_567 -> "1.2M", 48_200 -> "48K": the precision an estimate deserves."""
    value = int(float(f"{value:.2g}"))  # two significant digits: 999,950 -> 1,000,000
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if value >= size:
            scaled = value / size
            text = f"{scaled:.1f}" if scaled < 10 else f"{scaled:.0f}"
            return text.removesuffix(".0") + suffix
    return f"{value:,}"


_KNOWN_TOTAL = "known_total"


def with_known_total(queryset: QuerySet, total: Total) -> QuerySet:
    """The queryset carrying a total its producer already knows (a search's id list, a density estimate), so
    bounded_count need not count. Valid only while no filter is added: the where clause's children are kept
    and compared by identity (cloning keeps them, filtering adds one)."""
    queryset = queryset.all()
    queryset._hints = {**queryset._hints, _KNOWN_TOTAL: (tuple(queryset.query.where.children), total)}
    return queryset


def known_total(queryset: QuerySet) -> Total | None:
    found = queryset._hints.get(_KNOWN_TOTAL)
    if found is None:
        return None
    children, total = found
    now = queryset.query.where.children
    if len(now) != len(children) or any(a is not b for a, b in zip(now, children, strict=True)):
        return None  # filtered since: count as usual
    return total


def bounded_count(queryset: QuerySet, cap: int | None = None) -> Total:
    """The list's total, never counting more than `cap` + 1 rows (one query; on PostgreSQL an EXPLAIN before it)."""
    cap = COUNT_CAP if cap is None else cap
    known = known_total(queryset)
    if known is not None and (known.value <= cap or not known.exact):
        return known  # an exact total within the cap, or an estimate (counting would walk the list row by row)
    return bounded_count_plain(queryset, cap)


ESTIMATE_TRUSTED_FROM = 50_000  # a plan estimate this far above the cap is shown as is, without counting


def only_equalities(node: WhereNode) -> bool:
    """Whether a where clause is made of `field = value` tests only (the planner's per-value statistics make its
    estimate of those reliable; for LIKE, ranges and subqueries it can be off by orders of magnitude)."""
    for child in node.children:
        if isinstance(child, WhereNode):
            if child.negated or child.connector != "AND" or not only_equalities(child):
                return False
        elif getattr(child, "lookup_name", None) != "exact":
            return False
    return not node.negated


def bounded_count_plain(queryset: QuerySet, cap: int) -> Total:
    # PostgreSQL, one table filtered by equalities only (the whole list, a status): ask the planner first (no rows
    # read). When it expects many times the cap, counting cap + 1 rows would only confirm "more than the cap" at the
    # price of reading them (80 ms for 10,001 DNC contacts when the visibility map is cold): the estimate answers.
    query = queryset.query
    tables = sum(1 for alias in query.alias_map if query.alias_refcount.get(alias))  # joins in use (trimmed: 0)
    plain = tables <= 1 and query.where.connector == "AND" and only_equalities(query.where)
    estimate = planner_estimate(queryset) if plain else None
    if estimate is not None and estimate >= max(ESTIMATE_TRUSTED_FROM, 5 * cap):
        return Total(estimate, exact=False, estimated=True)
    try:
        seen = queryset.order_by()[: cap + 1].count()  # SELECT COUNT(*) FROM (... LIMIT cap + 1)
    except EmptyResultSet:
        return Total(0)
    if seen <= cap:
        return Total(seen)
    if estimate is None:
        estimate = planner_estimate(queryset)
    if estimate is None:
        return Total(cap, exact=False)
    return Total(max(estimate, cap + 1), exact=False, estimated=True)


def planner_estimate(queryset: QuerySet) -> int | None:
    """The row estimate of PostgreSQL's plan for the query (no rows read), or None on other databases."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    try:
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class BoundedPage(Page):
    """A page that knows whether another follows from its own extra row, not from the total."""

    def __init__(self, object_list, number: int, paginator: BoundedPaginator, has_more: bool) -> None:
        super().__init__(object_list, number, paginator)
        self.has_more = has_more

    def has_next(self) -> bool:
        return self.has_more

    def next_page_number(self) -> int:
        if not self.has_more:
            raise EmptyPage("That page contains no results")
        return self.number + 1

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1 if self.object_list else 0

    def start_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + 1 if self.object_list else 0


class BoundedPaginator(Paginator):
    """Paginator whose total is a bounded count (see bounded_count) and whose pages need no total.

    Page numbers past an estimated total are allowed (they may be empty: the estimate is approximate).
    """

    def __init__(self, object_list, per_page: int, cap: int | None = None, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def total(self) -> Total:
        return bounded_count(self.object_list, self.cap)

    @cached_property
    def count(self) -> int:
        return self.total.value

    @cached_property
    def num_pages(self) -> int:
        if self.total.value == 0:
            return 1
        return math.ceil(self.total.value / self.per_page)

    def validate_number(self, number) -> int:
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger("That page number is not an integer") from exc
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        if self.total.exact and number > self.num_pages:
            raise EmptyPage("That page contains no results")
        return number

    def page(self, number) -> BoundedPage:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom: bottom + self.per_page + 1])
        return BoundedPage(rows[: self.per_page], number, self, has_more=len(rows) > self.per_page)
