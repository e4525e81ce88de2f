"""Reads about contacts: fetch one in a workspace, search by name, email or number, and list totals."""
from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import Expression, RawSQL

from contacts import phone as phone_rules
from contacts.contacts.models import Contact
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
        text = _fts_ids(_WORDS_SQL, " AND ".join(_fts_phrase(" ".join(w)) + " *" for w in words))
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
        if workspace is not None:
            # Lenient on purpose: a search should find a stored number even under strict workspaces.
            e164, _ = phone_rules.e164_or_reason(term, workspace_country(workspace), phone_rules.LENIENT)
            if e164:
                phone |= Q(phone=e164)
    if vendor == "postgresql" and words and not phone:
        dense = _pg_dense(queryset, words)
        if dense is not None:
            return dense
    matched = queryset.filter(text | phone if phone else text)
    if vendor == "postgresql":
        return _pg_prefetched(queryset, matched)
    return matched


# Apostrophes join a word ("O'Connor" -> "oconnor"); the index holds both "o connor" and "oconnor".
_APOSTROPHES = str.maketrans("", "", "'’ʼ`")
# Letters unaccent (PostgreSQL) folds that Unicode decomposition does not.
_PG_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
                          "ı": "i"})
_TOKEN = re.compile(r"[^\W_]+")


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


DENSE_PROBE = 1000  # the newest rows of the list a search samples
DENSE_SHARE = 0.05  # from this share of matches on, a search walks the list's order instead of the index


def _pg_dense(queryset: QuerySet[Contact], words: list[list[str]]) -> QuerySet[Contact] | None:
    """A search whose words match many rows, as a filter that walks the list (and its estimated total); None when
    the words are rare (then the GIN index answers best).

    The share comes from the newest DENSE_PROBE rows of the list (a few milliseconds through the created_at
    index); the total is that share of the planner's row estimate for the list, shown as "about ...".
    """
    from contacts.counting import Total, planner_estimate, with_known_total

    sample = queryset.order_by("-created_at", "-id").values("pk")[:DENSE_PROBE]
    try:
        sample_sql, sample_params = sample.query.sql_with_params()
    except EmptyResultSet:
        return None
    sql = ("SELECT count(*) FILTER (WHERE ts_match_vq(c.search_doc, to_tsquery('simple'::regconfig, %s))), "  # noqa: S608
           f"count(*) FROM contacts_contact c WHERE c.id IN ({sample_sql})")
    with connections[queryset.db].cursor() as cursor:  # the sample's SQL is Django's, the words a parameter
        cursor.execute(sql, [_pg_tsquery(words), *sample_params])
        hits, seen = cursor.fetchone()
    if not seen or hits < DENSE_SHARE * seen:
        return None
    matched = queryset.filter(Q(_pg_words(words, indexed=False)))
    if seen < DENSE_PROBE:
        return matched  # a small list: counting it is cheap
    estimate = round(hits / seen * (planner_estimate(queryset) or 0))
    return with_known_total(matched, Total(estimate, exact=False, estimated=True))


PG_PREFETCH_IDS = 5000


def _pg_prefetched(queryset: QuerySet[Contact], matched: QuerySet[Contact]) -> QuerySet[Contact]:
    """A narrow search as an id list, so "newest first, 20 per page" cannot walk the created_at index.

    Without ORDER BY the trigram indexes answer in milliseconds; with ORDER BY created_at LIMIT 20 the planner
    may walk the whole workspace in date order hunting for the few matches (a second at 1,000,000 rows).
    Broad searches (more than PG_PREFETCH_IDS matches) keep the plain filter: their matches are dense.
    """
    from contacts.counting import Total, with_known_total

    ids = list(matched.order_by().values_list("pk", flat=True)[:PG_PREFETCH_IDS + 1])
    if len(ids) > PG_PREFETCH_IDS:
        return matched
    return with_known_total(queryset.filter(pk__in=ids), Total(len(ids)))  # the list needs no COUNT


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
