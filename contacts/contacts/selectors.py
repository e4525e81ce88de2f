"""Reads about contacts: fetch one in a workspace, search by name, email or number, and list totals."""
from __future__ import annotations

from django.db import connections
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from contacts import phone as phone_rules
from contacts.contacts.models import Contact, ContactPhone
from contacts.errors import ContactNotFound
from contacts.workspaces.models import Workspace
from contacts.workspaces.rules import workspace_country


def contact_get(workspace: Workspace, public_id: str) -> Contact:
    contact = Contact.objects.for_workspace(workspace).filter(public_id=public_id).select_related("workspace").first()
    if contact is None:
        raise ContactNotFound(f"Contact {public_id} doesn't exist.", details={"id": public_id})
    return contact


def contact_search(queryset: QuerySet[Contact], term: str, *, workspace: Workspace | None = None) -> QuerySet[Contact]:
    """Match name, email, company and phone typed any way ("(415) 555", "415555", "+1415…").

    Every word must match some field. A term that is mostly digits also matches the number's
    digits (and its leading-zero national form, and the full number parsed for the workspace).
    On SQLite with the trigram FTS index (migration 0003) words of 3+ characters use the index;
    elsewhere (PostgreSQL, short words) the same rules run as icontains.
    """
    term = (term or "").strip()[:200]
    if not term:
        return queryset
    fts = _fts_enabled(queryset.db)
    digits = phone_rules.digits(term)
    looks_like_phone = len(digits) >= 3 and len(digits) >= len(term.replace(" ", "")) // 2
    words = term.split()[:8]
    long_words = [w for w in words if len(w) >= 3] if fts else []
    text = Q()
    for word in words:
        if word in long_words:
            continue
        text &= (
            Q(first_name__icontains=word) | Q(last_name__icontains=word)
            | Q(email__icontains=word) | Q(company__icontains=word)
        )
    fts_text = " AND ".join(_fts_phrase(w) for w in long_words)
    phone_digits = [digits, digits.lstrip("0")] if looks_like_phone else []
    phone_digits = list(dict.fromkeys(d for d in phone_digits if len(d) >= 3))
    phone = Q()
    fts_phone = ""
    if phone_digits:
        if fts:
            fts_phone = " OR ".join(f"phone : {_fts_phrase(d)}" for d in phone_digits)
        else:
            for d in phone_digits:
                phone |= Q(phone__contains=d)
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
    if fts_text and fts_phone and len(long_words) == len(words):
        # One index lookup for "every word matches" OR "the digits match the number".
        return queryset.filter(_fts_ids(f"({fts_text}) OR {fts_phone}") | phone)
    if fts_text:
        text &= _fts_ids(fts_text)
    if fts_phone:
        phone |= _fts_ids(fts_phone)
    matched = queryset.filter(text | phone if phone else text)
    if connections[queryset.db].vendor == "postgresql":
        return _pg_prefetched(queryset, matched)
    return matched


PG_PREFETCH_IDS = 5000
EXTRA_NUMBER_IDS = 1000


def _additional_number_ids(workspace: Workspace | None, condition: Q) -> list[int]:
    """Contacts whose additional numbers match (at most EXTRA_NUMBER_IDS of them)."""
    extra = ContactPhone.objects.filter(is_primary=False)
    if workspace is not None:
        extra = extra.filter(workspace=workspace)
    return list(extra.filter(condition).order_by().values_list("contact_id", flat=True)[:EXTRA_NUMBER_IDS])


def _pg_prefetched(queryset: QuerySet[Contact], matched: QuerySet[Contact]) -> QuerySet[Contact]:
    """A narrow search as an id list, so "newest first, 20 per page" cannot walk the created_at index.

    Without ORDER BY the trigram indexes answer in milliseconds; with ORDER BY created_at LIMIT 20 the planner
    may walk the whole workspace in date order hunting for the few matches (a second at 1,000,000 rows).
    Broad searches (more than PG_PREFETCH_IDS matches) keep the plain filter: their matches are dense.
    """
    ids = list(matched.order_by().values_list("pk", flat=True)[:PG_PREFETCH_IDS + 1])
    if len(ids) > PG_PREFETCH_IDS:
        return matched
    return queryset.filter(pk__in=ids)


FTS_TABLE = "contacts_contact_fts"
_FTS_SQL = "SELECT rowid FROM contacts_contact_fts WHERE contacts_contact_fts MATCH %s"
_fts_cache: dict[str, bool] = {}


def _fts_ids(match: str) -> Q:
    # The FTS query is a bound parameter; the SQL text is constant.
    return Q(pk__in=RawSQL(_FTS_SQL, [match]))  # noqa: S611


def _fts_phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _fts_enabled(alias: str) -> bool:
    """Whether this database has the trigram index (SQLite with migration 0003 applied)."""
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


# --- totals of very large lists -------------------------------------------------------------------------------
BIG_COUNT = 100_000  # below this a count is cheap and always exact
BIG_COUNT_SECONDS = 30


def list_count(queryset: QuerySet) -> int:
    """COUNT(*) of a list; totals of 100,000+ rows are reused for 30 s (shared cache with REDIS_URL).

    Counting a million-row workspace costs ~100 ms of database time on every page view; a total that large
    may lag a few seconds behind writes without anyone noticing, while small totals stay exact.
    """
    import hashlib

    from django.core.cache import cache
    from django.core.exceptions import EmptyResultSet

    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return 0
    key = "list-count:" + hashlib.sha256(f"{queryset.db}|{sql}|{params!r}".encode()).hexdigest()
    total = cache.get(key)
    if total is None:
        total = queryset.count()
        if total >= BIG_COUNT:
            cache.set(key, total, BIG_COUNT_SECONDS)
    return total
