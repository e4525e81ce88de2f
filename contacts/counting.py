"""Bounded totals and paging for lists that may hold millions of rows.

A COUNT(*) over a million-row search costs seconds while its first page costs milliseconds, so no list counts
past COUNT_CAP: up to the cap a total is exact, above it the total is the planner's estimate (PostgreSQL) shown
as "about 1.2M", or "more than 10,000" where no estimate exists (SQLite). Paging never needs the exact total:
a page fetches one row more than it shows to know whether there is a next one.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import BooleanField, Exists, Expression, OuterRef, Q, QuerySet
from django.db.models.expressions import Col
from django.db.models.sql.where import WhereNode
from django.utils.functional import cached_property

COUNT_CAP = 10_000  # exact up to here; counting 10,001 rows is a few milliseconds on either database


@dataclass(frozen=True)
class Total:
    """How many rows a list holds: `value` is exact when `exact`, else a lower bound or an estimate."""

    value: int
    exact: bool = True
    estimated: bool = False  # value came from the planner (else, when not exact, it is "more than value")
    ids: tuple[int, ...] | None = field(default=None, compare=False, repr=False)  # the rows, when the count read them

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
        elif isinstance(child.lhs, MemberOf):  # in a list or with a tag: estimated from the membership's statistics
            if not only_equalities(child.lhs.members.query.where):
                return False
        elif not isinstance(child.lhs, Col):
            return False  # a JSON key or another expression: its statistics are no help
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
    ids = None
    try:
        if not plain and _by_id(queryset):
            # Filters that cost per row (a list, a tag, a custom field): read the ids instead of counting them, so a
            # page of a result within the cap is fetched by id (see for_page) instead of filtering a second time.
            ids = tuple(queryset.order_by().values_list("pk", flat=True)[: cap + 1])
            seen = len(ids)
        else:
            seen = queryset.order_by()[: cap + 1].count()  # SELECT COUNT(*) FROM (... LIMIT cap + 1)
    except EmptyResultSet:
        return Total(0)
    if seen <= cap:
        return Total(seen, ids=ids)
    if estimate is None:
        estimate = planner_estimate(queryset)
    if estimate is None:
        return Total(cap, exact=False)
    return Total(max(estimate, cap + 1), exact=False, estimated=True)


def _by_id(queryset: QuerySet) -> bool:
    """Whether the rows can be fetched again by id alone: one table (no join to keep), no grouping or distinct."""
    query = queryset.query
    tables = sum(1 for alias in query.alias_map if query.alias_refcount.get(alias))
    return tables <= 1 and not query.annotations and not query.distinct and query.group_by is None


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
        rows = list(for_page(self.object_list, self.total)[bottom: bottom + self.per_page + 1])
        return BoundedPage(rows[: self.per_page], number, self, has_more=len(rows) > self.per_page)


# --- membership filters (list, tag, campaign) -----------------------------------------------------------------
_WALK = "walk_in_order"


class MemberOf(Expression):
    """`contact in (members)`, rendered to suit the question asked of it.

    Counting, or fetching a small result, is cheapest driven from the members: `id IN (SELECT contact_id ...)`
    reads the list's index and tests only its members. Fetching one sorted page of a large result is cheapest the
    other way round: walk the contacts in the page's order and probe the (list, contact) index for each, stopping
    at the page's last row (`EXISTS`). SQLite picks the first form for both (sorting a 100,000-member list for 20
    rows costs ~90 ms at 1M contacts, the walk 0.2 ms), so the page asks for the walk once the bounded count says
    the result is large (see for_page). PostgreSQL plans both as the same semi-join and chooses by cost.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, members: QuerySet, column: str = "contact_id") -> None:
        super().__init__()
        self.members, self.column = members, column
        self.as_set = self.as_probe = None

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        resolved = self.copy()
        resolved.as_set = Q(pk__in=self.members.order_by().values(self.column)).resolve_expression(
            query, allow_joins, reuse, summarize)
        resolved.as_probe = Exists(self.members.order_by().filter(**{self.column: OuterRef("pk")})).resolve_expression(
            query, allow_joins, reuse, summarize)
        return resolved

    def get_source_expressions(self) -> list:
        return [self.as_set, self.as_probe]

    def set_source_expressions(self, exprs) -> None:
        self.as_set, self.as_probe = exprs

    def as_sql(self, compiler, connection):
        walk = getattr(compiler.query, _WALK, False)
        return compiler.compile(self.as_probe if walk else self.as_set)


def for_page(queryset: QuerySet, total: Total) -> QuerySet:
    """The queryset to fetch a page from.

    Within the cap, when the count read the ids: those ids, in the list's order (no filter evaluated twice).
    Above the cap the result is dense (at least one row in COUNT_CAP / table size), so when the order has an index
    the page walks it and probes the memberships (MemberOf), finding a page after a few rows.
    """
    if total.ids is not None:
        rows = queryset.all()
        rows.query.where = WhereNode()
        return rows.filter(IdIn(list(total.ids)))
    if total.exact or not _indexed_order(queryset):
        return queryset
    queryset = queryset.all()
    setattr(queryset.query, _WALK, True)
    return queryset


def _indexed_order(queryset: QuerySet) -> bool:
    """Whether an index gives the rows in the list's whole order (its sort column, then the id that breaks ties), so
    they can be walked in it. An index on (workspace, status, created_at) does not: sorted by status, SQLite would
    read and sort half a million contacts per status to find a page."""
    query = queryset.query
    ordering = query.order_by or (query.default_ordering and query.get_meta().ordering) or ()
    if not ordering or not isinstance(ordering[0], str):
        return False
    name = ordering[0].lstrip("-")
    if name in ("pk", "id"):
        return True
    if "__" in name:
        return False
    meta = query.get_meta()
    for index in [*meta.indexes, *meta.constraints]:
        fields = [f.lstrip("-") for f in getattr(index, "fields", ()) or ()]
        rest = fields[1:] if fields[:1] == ["workspace"] else fields
        if rest[:1] == [name] and all(f in ("id", "pk") for f in rest[1:]):
            return True  # (workspace, name[, id]): SQLite keeps the rowid after an index's columns
    return False


class IdIn(Expression):
    """`<table>.id = ANY(%s)` with the ids as one array parameter: thousands of ids plan and bind in microseconds
    (PostgreSQL hashes the array), where `IN (%s, %s, ...)` costs tens of milliseconds."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, ids: list[int]) -> None:
        super().__init__()
        self.ids = ids

    def as_sql(self, compiler, connection):
        column = f"{compiler.quote_name_unless_alias(compiler.query.get_initial_alias())}.id"
        if connection.vendor == "sqlite":  # one JSON parameter, however many ids
            return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(self.ids)]  # noqa: S608
        # bigint[] like the column: a cross-type comparison (bigint = int4) could not be hashed
        return f"{column} = ANY(%s::bigint[])", [self.ids]
