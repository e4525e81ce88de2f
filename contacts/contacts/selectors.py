"""Reads about contacts: fetch one in a workspace, search by name, email or number, and list totals."""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import Expression, RawSQL

from contacts import phone as phone_rules
from contacts.contacts.models import Contact, ContactPhone
from contacts.counting import IdIn
from contacts.errors import ContactNotFound
from contacts.workspaces.models import Workspace
from contacts.workspaces.rules import workspace_country


def contact_get(workspace: Workspace, public_id: str) -> Contact:
    contact = Contact.objects.for_workspace(workspace).filter(public_id=public_id).select_related("workspace").first()
    if contact is None:
        raise ContactNotFound(f"Contact {public_id} doesn't exist.", details={"id": public_id})
    return contact


def contact_search(queryset: QuerySet[Contact], term: str, *, workspace: Workspace | None = None) -> QuerySet[Contact]:
    """Match name, email and company by word prefix, and phone typed any way ("(415) 555", "415555", "+1415…").

    Every word of the term must start a word of the contact ("jo" finds John and Jones, "9f" finds "9f3a2b"),
    ignoring case, accents ("Jurgen" finds "Jürgen") and apostrophes ("OConnor" finds "O'Connor"). The words
    index is a tsvector with GIN on PostgreSQL (migration 0080) and an FTS5 table on SQLite. A term that is
    mostly digits also matches the number's digits (the trigram digits index: FTS5 on SQLite, pg_trgm on
    PostgreSQL), its leading-zero national form, and the full number parsed for the workspace.
    """
    term = (term or "").strip()[:200]
    if not term:
        return queryset
    vendor = connections[queryset.db].vendor
    fts = _fts_enabled(queryset.db)
    digits = phone_rules.digits(term)
    looks_like_phone = len(digits) >= 3 and len(digits) >= len(term.replace(" ", "")) // 2
    words = [w for w in (search_tokens(word, vendor) for word in term.split()[:8]) if w]
    if not words:
        text = Q(pk__in=[])  # only punctuation: no word to match
    elif vendor == "postgresql":
        text = Q(_pg_words(words))
    elif fts:
        match = " AND ".join(_fts_phrase(" ".join(w)) + " *" for w in words)
        text = None
        if not looks_like_phone:
            dense, rare = _sqlite_dense(queryset, words)
            if dense is not None:
                return dense
            if rare and len(rare) < len(words):
                # "Company 9f": the FTS5 table looks up the rare words only (a prefix query for "company" would
                # merge every row's entry); each row it finds is then tested for all the words.
                rare_match = " AND ".join(_fts_phrase(" ".join(w)) + " *" for w in rare)
                text = _fts_ids(_WORDS_SQL, rare_match) & Q(WordsMatchRow(search_pattern(words)))
                return _sqlite_prefetched(queryset, queryset.filter(text))
        if text is None:
            text = _fts_ids(_WORDS_SQL, match)
    else:  # no FTS5 on this SQLite: the same rules, unindexed
        text = Q()
        for word in term.split()[:8]:
            text &= (Q(first_name__icontains=word) | Q(last_name__icontains=word)
                     | Q(email__icontains=word) | Q(company__icontains=word))
    phone_digits = [digits, digits.lstrip("0")] if looks_like_phone else []
    phone_digits = list(dict.fromkeys(d for d in phone_digits if len(d) >= 3))
    phone = Q()
    if phone_digits:
        if fts:
            phone |= _fts_ids(_FTS_SQL, " OR ".join(_fts_phrase(d) for d in phone_digits))
        else:
            for d in phone_digits:
                phone |= Q(phone__contains=d)
        extra_match = Q()
        for d in phone_digits:
            extra_match |= Q(e164__contains=d)
        extra_match = Q()
        for d in phone_digits:
            extra_match |= Q(e164__contains=d)
        if workspace is not None:
            # Lenient on purpose: a search should find a stored number even under strict workspaces.
            e164, _ = phone_rules.e164_or_reason(term, workspace_country(workspace), phone_rules.LENIENT)
            if e164:
                phone |= Q(phone=e164)
                extra_match |= Q(e164=e164)
        # Additional numbers match the same digits. Their contacts come as an id list from a partial index over
        # the additional numbers only; nothing is added when none match, so the plan of a search is unchanged.
        extra_ids = _additional_number_ids(workspace, extra_match)
        if extra_ids:
            phone |= Q(pk__in=extra_ids)
    share = None
    if vendor == "postgresql" and words and not phone:
        share = _pg_sample_share(queryset, words)
        if share is not None and share[0] >= DENSE_SHARE:
            return _pg_dense(queryset, words, share)
        rare = [w for w, each in zip(words, share[2], strict=True) if each < DENSE_SHARE] if share else words
        if rare and len(rare) < len(words):
            # "Company 9f": the index looks up the rare words only (a bitmap of "company:*" would hold every row);
            # each row it finds is then tested for all the words.
            text = Q(_pg_words(rare)) & Q(_pg_words(words, indexed=False))
    matched = queryset.filter(text | phone if phone else text)
    if vendor == "postgresql":
        return _pg_prefetched(queryset, matched, share)
    return matched


# Apostrophes join a word ("O'Connor" -> "oconnor"); the index holds both "o connor" and "oconnor".
_APOSTROPHES = str.maketrans("", "", "'’ʼ`")
# Letters unaccent (PostgreSQL) folds that Unicode decomposition does not.
_PG_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
                          "ı": "i"})
_TOKEN = re.compile(r"[^\W_]+")


EXTRA_NUMBER_IDS = 1000


def _additional_number_ids(workspace: Workspace | None, condition: Q) -> list[int]:
    """Contacts whose additional numbers match (at most EXTRA_NUMBER_IDS of them)."""
    extra = ContactPhone.objects.filter(is_primary=False)
    if workspace is not None:
        extra = extra.filter(workspace=workspace)
    return list(extra.filter(condition).order_by().values_list("contact_id", flat=True)[:EXTRA_NUMBER_IDS])


def search_tokens(word: str, vendor: str = "sqlite") -> list[str]:
    """One typed word as the index's tokens: lower case, accents and apostrophes removed, split at punctuation
    ("O'Connor" -> ["oconnor"], "Jürgen" -> ["jurgen"], "beta.test" -> ["beta", "test"])."""
    folded = unicodedata.normalize("NFKD", word.lower().translate(_APOSTROPHES))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    if vendor == "postgresql":
        folded = folded.translate(_PG_FOLD)
    return _TOKEN.findall(folded)


def _pg_tsquery(words: list[list[str]]) -> str:
    return " & ".join("(" + " <-> ".join(f"{token}:*" for token in tokens) + ")" for tokens in words)


class SearchDocMatch(Expression):
    """`<table>.search_doc @@ to_tsquery(...)` for the table's alias in this query (also inside a subquery), on the
    generated column that migration 0080 adds and the model does not declare."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, tsquery: str, *, indexed: bool = True) -> None:
        super().__init__()
        self.tsquery, self.indexed = tsquery, indexed

    def as_sql(self, compiler, connection):
        column = f"{compiler.quote_name_unless_alias(compiler.query.get_initial_alias())}.search_doc"
        query = "to_tsquery('simple'::regconfig, %s)"
        sql = f"{column} @@ {query}" if self.indexed else f"ts_match_vq({column}, {query})"
        return sql, [self.tsquery]


def _pg_words(words: list[list[str]], *, indexed: bool = True) -> SearchDocMatch:
    """Each word's tokens as adjacent prefixes, every word required.

    `indexed=False` spells the same test as ts_match_vq(), which the GIN index cannot serve: for a word most rows
    match, walking the list's own order and testing each row's stored vector finds a page in a few rows, while
    the index would first build a bitmap of every match (half a second at 1,000,000 rows).
    """
    return SearchDocMatch(_pg_tsquery(words), indexed=indexed)


PG_PREFETCH_IDS = 10_000  # a rare search's ids fetched at most (then exact: their count is the total)
DENSE_PROBE = 1000  # the newest rows of the list a search samples
DENSE_SHARE = 0.05  # from this share of matches on, a search walks the list's order instead of the index


def _pg_sample_share(queryset: QuerySet[Contact], words: list[list[str]]) -> tuple[float, int, list[float]] | None:
    """The share of the list's newest DENSE_PROBE rows all the words match, how many rows were sampled, and each
    word's own share (a few milliseconds through the created_at index); None for an empty list."""
    sample = queryset.order_by("-created_at", "-id").values("pk")[:DENSE_PROBE]
    try:
        sample_sql, sample_params = sample.query.sql_with_params()
    except EmptyResultSet:
        return None
    match = "count(*) FILTER (WHERE ts_match_vq(c.search_doc, to_tsquery('simple'::regconfig, %s)))"
    each = words if len(words) > 1 else []
    sql = (f"SELECT {', '.join([match] * (1 + len(each)))}, count(*) "  # noqa: S608
           f"FROM contacts_contact c WHERE c.id IN ({sample_sql})")
    with connections[queryset.db].cursor() as cursor:  # the sample's SQL is Django's, the words parameters
        cursor.execute(sql, [_pg_tsquery(words), *(_pg_tsquery([w]) for w in each), *sample_params])
        *hits, seen = cursor.fetchone()
    if not seen:
        return None
    return hits[0] / seen, seen, [h / seen for h in hits[1:]] or [hits[0] / seen]


def _estimate(queryset: QuerySet[Contact], share: tuple | None, at_least: int) -> int:
    from contacts.counting import planner_estimate

    rows = planner_estimate(queryset) or 0
    return max(at_least, round(share[0] * rows) if share else 0)


def _pg_dense(queryset: QuerySet[Contact], words: list[list[str]], share: tuple) -> QuerySet[Contact]:
    """A search whose words match many rows: a filter that walks the list's order (a page in a few rows), and the
    sampled share of the planner's row estimate for the list as its total ("about ...")."""
    from contacts.counting import Total, with_known_total

    matched = queryset.filter(Q(_pg_words(words, indexed=False)))
    if share[1] < DENSE_PROBE:
        return matched  # a small list: counting it is cheap
    sampled_hits = round(share[0] * share[1])  # the estimate is never below the matches the sample saw
    return with_known_total(matched, Total(_estimate(queryset, share, sampled_hits), exact=False, estimated=True))


def _pg_prefetched(queryset: QuerySet[Contact], matched: QuerySet[Contact],
                   share: tuple | None = None) -> QuerySet[Contact]:
    """A narrow search as an id list, so "newest first, 20 per page" cannot walk the created_at index.

    Without ORDER BY the GIN indexes answer in milliseconds; with ORDER BY created_at LIMIT 20 the planner may walk
    the whole workspace in date order hunting for the few matches (a second at 1,000,000 rows). Up to the count
    cap the id list's length is the exact total; above it the plain filter stays, with an estimated total.
    """
    from contacts.counting import COUNT_CAP, Total, with_known_total

    cap = min(COUNT_CAP, PG_PREFETCH_IDS)
    ids = list(matched.order_by().values_list("pk", flat=True)[:cap + 1])
    if len(ids) > cap:
        if cap < COUNT_CAP:
            return matched
        return with_known_total(matched, Total(_estimate(queryset, share, cap + 1), exact=False, estimated=True))
    return with_known_total(queryset.filter(Q(IdIn(ids))), Total(len(ids)))  # the list needs no COUNT


SQLITE_PROBE = 200  # the newest rows a SQLite search samples (tested in Python)


def words_match(first_name: str | None, last_name: str | None, email: str | None, company: str | None,
                pattern: str) -> int:
    """SQLite function contacts_words_match(...): 1 when every word of `pattern` (search_pattern) starts words of
    the row as the FTS5 words table would find it. Tests one row in microseconds, where an FTS5 prefix MATCH
    limited to one rowid first merges the prefix's whole doclist (milliseconds for "first*")."""
    text = " ".join(x or "" for x in (first_name, last_name, email, company)).lower()
    if not text.isascii():
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    joined = " " + " ".join(_TOKEN.findall(text))
    if text != text.translate(_APOSTROPHES):
        joined += " " + " ".join(_TOKEN.findall(text.translate(_APOSTROPHES)))
    # " 9f" in " ... company 9f3a2b": a word prefix; " beta te" in " bob beta test": adjacent tokens, like FTS5's
    # "beta te" * (the last token a prefix)
    return int(all(" " + word in joined for word in pattern.split("\x1f")))


def search_pattern(words: list[list[str]]) -> str:
    return "\x1f".join(" ".join(tokens) for tokens in words)


class WordsMatchRow(Expression):
    """SQLite: contacts_words_match() on this row's columns (registered by contacts.apps on each connection)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, pattern: str) -> None:
        super().__init__()
        self.pattern = pattern

    def as_sql(self, compiler, connection):
        alias = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        columns = ", ".join(f"{alias}.{name}" for name in ("first_name", "last_name", "email", "company"))
        return f"contacts_words_match({columns}, %s)", [self.pattern]


def _sqlite_dense(queryset: QuerySet[Contact], words: list[list[str]]
                  ) -> tuple[QuerySet[Contact] | None, list[list[str]]]:
    """SQLite: a search most rows match ("f", "first"), as a filter that walks the list's order testing each row;
    None when the words are rare (then the FTS5 table's matches, materialised, answer best), with the words that
    are rare on their own.

    `rowid IN (SELECT rowid ... MATCH 'f*')` would first read every match of every workspace (seconds at
    1,000,000 rows). The share comes from the list's newest SQLITE_PROBE rows; the total is "more than 10,000"
    when that share of the list exceeds the cap, else the share of the list's size, "about ...".
    """
    from contacts.counting import COUNT_CAP, Total, with_known_total

    pattern = search_pattern(words)
    sample = queryset.order_by("-created_at", "-id").values("first_name", "last_name", "email", "company")
    rows = [tuple(row.values()) for row in sample[:SQLITE_PROBE]]
    hits, seen = sum(words_match(*row, pattern) for row in rows), len(rows)
    if not seen:
        return None, words
    if hits < DENSE_SHARE * seen:
        if len(words) == 1:
            return None, words
        rare = [w for w in words if sum(words_match(*row, search_pattern([w])) for row in rows) < DENSE_SHARE * seen]
        return None, rare
    matched = queryset.filter(Q(WordsMatchRow(pattern)))
    if seen < SQLITE_PROBE:
        return matched, words  # a small list: counting it is cheap
    share = hits / seen
    bound = int(COUNT_CAP / share) + 1
    size = queryset.order_by()[:bound].count()  # the list's own size, up to where the share would pass the cap
    if size >= bound:
        return with_known_total(matched, Total(COUNT_CAP, exact=False)), words
    return with_known_total(matched, Total(round(share * size), exact=False, estimated=True)), words


def _sqlite_prefetched(queryset: QuerySet[Contact], matched: QuerySet[Contact]) -> QuerySet[Contact]:
    """The matches' ids up to the count cap, fetched once (each row is tested in Python once): the list's page and
    its exact total then come from the id list."""
    from contacts.counting import COUNT_CAP, Total, with_known_total

    ids = list(matched.order_by().values_list("pk", flat=True)[:COUNT_CAP + 1])
    if len(ids) > COUNT_CAP:
        return with_known_total(matched, Total(COUNT_CAP, exact=False))
    return with_known_total(queryset.filter(Q(IdIn(ids))), Total(len(ids)))


FTS_TABLE = "contacts_contact_words"
_FTS_SQL = "SELECT rowid FROM contacts_contact_fts WHERE contacts_contact_fts MATCH %s"  # phone digits (trigram)
_WORDS_SQL = "SELECT rowid FROM contacts_contact_words WHERE contacts_contact_words MATCH %s"
_fts_cache: dict[str, bool] = {}


def _fts_ids(sql: str, match: str) -> Q:
    # The FTS query is a bound parameter; the SQL text is constant.
    return Q(pk__in=RawSQL(sql, [match]))  # noqa: S611


def _fts_phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _fts_enabled(alias: str) -> bool:
    """Whether this database has the FTS5 indexes (SQLite with migrations 0003 and 0080 applied)."""
    conn = connections[alias]
    if conn.vendor != "sqlite":
        return False
    key = f"{alias}:{conn.settings_dict.get('NAME')}"
    if key not in _fts_cache:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [FTS_TABLE])
            found = cursor.fetchone() is not None
        if not found:
            return False  # not cached: the migration may not have run yet
        _fts_cache[key] = True
    return _fts_cache[key]


def grouped_by_contact(rows: Iterable[tuple[int, Any]]) -> dict[int, list[Any]]:
    """(contact pk, value) rows as {contact pk: [values, in row order]}: a page's related values in one query."""
    found: dict[int, list[Any]] = defaultdict(list)
    for contact_id, value in rows:
        found[contact_id].append(value)
    return found
