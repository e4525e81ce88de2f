"""API v1 endpoints. Thin: validate input, call the same services and FilterSet as the dashboard, shape output."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet, prefetch_related_objects
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers as drf
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contacts import selectors, services
from contacts.counting import bounded_count, for_page
from contacts.filters import CallFilter, ContactFilter
from contacts.imports import import_records
from contacts.models import Campaign, Contact, ContactList, CustomField, DncEntry, DncSource, Workspace
from contacts.workspaces.permissions import Perm
from contacts.workspaces.rules import parse_for_workspace

from . import responses as r
from . import serializers as s
from .authentication import BearerKeyAuthentication
from .permissions import RolePermission
from .throttling import ApiKeyRateThrottle

MAX_IMPORT = 1000
DEFAULT_PER_PAGE, MAX_PER_PAGE = 20, 100
CONTACT_CALLS_SHOWN = 100


class ApiView(APIView):
    authentication_classes = [BearerKeyAuthentication]
    permission_classes = [IsAuthenticated, RolePermission]
    perms: dict[str, Perm] = {}  # HTTP method -> permission; reads default to VIEW, undeclared writes to MANAGE
    throttle_classes = [ApiKeyRateThrottle]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    def workspace(self, request: Request) -> Workspace:
        return request.user.workspace

    def contact(self, request: Request, contact_id: str) -> Contact:
        return selectors.contact_get(self.workspace(request), contact_id)

    def campaign(self, request: Request, campaign_id: str | None) -> Campaign | None:
        if not campaign_id:
            return None
        try:
            return selectors.campaign_get(self.workspace(request), campaign_id)
        except services.NotFound as exc:
            raise services.NotFound(f"Campaign {campaign_id} not found.", code="campaign_not_found",
                                    details={"campaign_id": campaign_id}) from exc


def validated(serializer_class: type[drf.Serializer], data: Any, **kwargs) -> dict[str, Any]:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@dataclass(frozen=True)
class Paging:
    """Which slice of a list a request asked for: page/per_page (the contract) or limit/offset (reference 001)."""

    offset: int
    limit: int

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1

    def meta(self, total: int, *, has_more: bool | None = None, exact: bool = True) -> dict[str, Any]:
        if has_more is None:
            has_more = self.offset + self.limit < total
        # `hasMore` is reference 001's spelling of `has_more`; both are sent so either client reads it.
        return {"total": total, "page": self.page, "per_page": self.limit, "limit": self.limit,
                "offset": self.offset, "has_more": has_more, "hasMore": has_more, "total_exact": exact}


PAGING_PARAMS = [OpenApiParameter("page", int, description="Page number (default 1)"),
                 OpenApiParameter("per_page", int, description="Items per page (default 20, max 100)"),
                 OpenApiParameter("limit", int, description="Items to return (default 20, max 100), with offset"),
                 OpenApiParameter("offset", int, description="Items to skip (default 0); not with page")]


def _whole(request: Request, name: str, default: int, minimum: int) -> int:
    raw = request.query_params.get(name, "")
    try:
        value = int(raw) if raw != "" else default
    except ValueError as exc:
        raise drf.ValidationError({name: ["Must be a whole number."]}) from exc
    if value < minimum:
        raise drf.ValidationError({name: [f"Must be {minimum} or more."]})
    return value


def paging(request: Request) -> Paging:
    """page (from 1) and per_page (default 20, at most 100), or limit and offset, from the query string."""
    params = request.query_params
    if params.get("offset", "") != "" or params.get("limit", "") != "":
        if params.get("page", "") != "":
            raise drf.ValidationError({"offset": ["Use page and per_page, or limit and offset, not both."]})
        size = params.get("limit", "") != "" and "limit" or "per_page"
        limit = min(_whole(request, size, DEFAULT_PER_PAGE, 1), MAX_PER_PAGE)
        return Paging(offset=_whole(request, "offset", 0, 0), limit=limit)
    page = _whole(request, "page", 1, 1)
    per_page = min(_whole(request, "per_page", DEFAULT_PER_PAGE, 1), MAX_PER_PAGE)
    return Paging(offset=(page - 1) * per_page, limit=per_page)


def page_of(queryset: QuerySet, pager: Paging) -> tuple[list, dict[str, Any]]:
    """One page and its `meta`: the total is exact up to COUNT_CAP, above it an estimate (`total_exact` false);
    `has_more` comes from one extra row, so paging never needs the exact total. With `values` the rows are
    dicts of those fields (no model instances to build)."""
    total = bounded_count(queryset)
    start = pager.offset
    fetch = start < total.value or not total.exact
    rows = list(for_page(queryset, total)[start:start + pager.limit + 1]) if fetch else []
    return rows[:pager.limit], pager.meta(total.value, has_more=len(rows) > pager.limit, exact=total.exact)


def contact_filter(workspace: Workspace, data: dict[str, Any]) -> QuerySet[Contact]:
    if not data:
        # No filter: the whole workspace in the model's order, as the FilterSet gives it, without building the
        # FilterSet (copying its filters is a third of an unfiltered API list's time).
        return Contact.objects.for_workspace(workspace)
    contact_filter = ContactFilter(data, workspace=workspace)
    if not contact_filter.is_valid():
        raise drf.ValidationError({k: [str(m) for m in v] for k, v in contact_filter.errors.items()})
    return contact_filter.qs


def contact_body(contact: Contact) -> dict[str, Any]:
    calls = list(contact.calls.order_by("-created_at", "-id")[:CONTACT_CALLS_SHOWN])
    campaigns = list(Campaign.objects.filter(memberships__contact=contact).order_by("-memberships__added_at"))
    return s.contact_detail(contact, calls, campaigns)


LIST_PARAMS = [
    OpenApiParameter("status", str, enum=["active", "dnc"]), OpenApiParameter("search", str),
    OpenApiParameter("campaign_id", str), OpenApiParameter("list_id", str, description="Members of this list"),
    OpenApiParameter("tags", str, description="Tag names, comma-separated (or repeat the parameter)"),
    OpenApiParameter("tags_mode", str, enum=["any", "all"], description="Contacts with any (default) or all tags"),
    OpenApiParameter("import_id", str, description="Contacts created by this import (batch_id of the import)"),
    OpenApiParameter("custom.KEY", str, description="A custom field equals a value; also custom.KEY__gte and "
                                                    "custom.KEY__lte (number, date) and custom.KEY__contains (text)"),
    *PAGING_PARAMS,
]
FILTER_KEYS = ("status", "search", "campaign_id", "list_id", "tags_mode", "import_id", "company", "last_called_after",
               "last_called_before", "created_after", "created_before")


def filter_data(params, keys=FILTER_KEYS) -> dict[str, Any]:
    """The contact filters from a query string or a body; `tags` repeated or comma-separated, as a list."""
    data: dict[str, Any] = {k: str(params[k]) for k in keys if params.get(k) not in (None, "")}
    data.update({k: str(params[k]) for k in params if str(k).startswith("custom.")})  # typed custom fields
    raw = params.getlist("tags") if hasattr(params, "getlist") else [params.get("tags") or ""]
    names = services.split_tags([part for value in raw for part in services.split_tags(value)])
    if names:
        data["tags"] = names
    return data


def summaries(rows: list[Contact]) -> list[dict[str, Any]]:
    """A page of contacts on the wire, their `lists`, tags and `phones` read in one query each for the page."""
    prefetch_related_objects(rows, "numbers")
    return [s.contact_summary(c) for c in selectors.attach_tags(selectors.attach_list_ids(rows))]


def group_list(workspace: Workspace, group_id: str | None) -> ContactList | None:
    """The SMS reference's `group_id`: one of this workspace's lists, or a 422 naming the field."""
    if group_id in (None, ""):
        return None
    try:
        return selectors.list_get(workspace, group_id)
    except services.NotFound as exc:
        raise services.ValidationFailed(f"No list with id {group_id}.",
                                        details={"group_id": ["No list with this id."]}) from exc


class ContactsView(ApiView):
    perms = {"GET": Perm.VIEW, "POST": Perm.EDIT}

    @extend_schema(operation_id="contacts_list", parameters=LIST_PARAMS, responses={200: r.ContactPage})
    def get(self, request: Request) -> Response:
        pager = paging(request)
        data = filter_data(request.query_params)
        rows, meta = page_of(contact_filter(self.workspace(request), data), pager)
        return Response({"data": summaries(rows),
                         "meta": meta})

    @extend_schema(operation_id="contacts_create", request=s.ContactIn, responses={201: r.ContactResponse})
    def post(self, request: Request) -> Response:
        data = validated(s.ContactIn, request.data)
        country = data.pop("country", None)
        workspace = self.workspace(request)
        group = group_list(workspace, data.pop("group_id", None))
        tags = data.pop("tags", None)
        data = {k: ("" if v is None and k != "metadata" else v) for k, v in data.items()}
        with transaction.atomic():
            contact = services.contact_create(workspace=workspace, country_hint=country or None,
                                              actor=request.auth, **data)
            if tags:
                services.contact_set_tags(contact=contact, names=tags, actor=request.auth)
            if group is not None:
                services.list_add_contacts(contact_list=group, contacts=Contact.objects.filter(pk=contact.pk),
                                           actor=request.auth)
        return Response({"data": contact_body(contact)}, status=201)


class ContactDetailView(ApiView):
    perms = {"GET": Perm.VIEW, "PUT": Perm.EDIT, "PATCH": Perm.EDIT, "DELETE": Perm.EDIT}

    @extend_schema(operation_id="contacts_retrieve", responses={200: r.ContactResponse})
    def get(self, request: Request, contact_id: str) -> Response:
        return Response({"data": contact_body(self.contact(request, contact_id))})

    @extend_schema(operation_id="contacts_update", request=s.ContactUpdateIn, responses={200: r.ContactResponse})
    def put(self, request: Request, contact_id: str) -> Response:
        contact = self.contact(request, contact_id)
        data = validated(s.ContactUpdateIn, request.data, partial=True)
        only_groups = set(data) <= {"group_id", "tags"} and bool(data)
        group = group_list(contact.workspace, data.pop("group_id", None))
        tags = data.pop("tags", None)
        with transaction.atomic():
            if tags is not None:
                services.contact_set_tags(contact=contact, names=tags, actor=request.auth)
            if not only_groups:
                contact = services.contact_update(contact=contact, data=data, actor=request.auth)
            if group is not None:
                services.contact_move_to_list(contact=contact, contact_list=group, actor=request.auth)
        return Response({"data": contact_body(contact)})

    @extend_schema(operation_id="contacts_partial_update", request=s.ContactUpdateIn,
                   responses={200: r.ContactResponse})
    def patch(self, request: Request, contact_id: str) -> Response:
        return self.put(request, contact_id)

    @extend_schema(operation_id="contacts_destroy", responses={200: r.DeletedResponse})
    def delete(self, request: Request, contact_id: str) -> Response:
        public_id = services.contact_delete(contact=self.contact(request, contact_id), actor=request.auth)
        return Response({"data": {"id": public_id, "deleted": True}})


class ContactImportView(ApiView):
    perms = {"POST": Perm.EDIT}

    @extend_schema(operation_id="contacts_import", request=s.ImportIn, responses={200: r.ImportResultResponse})
    def post(self, request: Request) -> Response:
        raw = request.data.get("contacts") if isinstance(request.data, dict) else None
        if isinstance(raw, list) and len(raw) > MAX_IMPORT:
            raise services.ImportTooLarge(
                f"An import takes at most {MAX_IMPORT:,} contacts; this one has {len(raw):,}. "
                "Split it into several requests or upload a file in the dashboard.",
                details={"max": MAX_IMPORT, "received": len(raw)})
        data = validated(s.ImportIn, request.data)
        bad = {str(i): ["Each contact must be an object."] for i, r in enumerate(data["contacts"])
               if not isinstance(r, dict)}
        if bad:
            raise drf.ValidationError({"contacts": bad})
        workspace = self.workspace(request)
        # The reference: duplicates are skipped unless skip_duplicates is false; then an existing contact with
        # the number is updated with the row (phone numbers are unique, so a second contact is never made).
        result = import_records(
            workspace=workspace, records=data["contacts"], skip_duplicates=data["skip_duplicates"],
            update_existing=data["update_existing"] or not data["skip_duplicates"],
            campaign=self.campaign(request, data.get("campaign_id")),
            actor=request.auth, source="api", default_country=(data.get("default_country") or None),
        )
        return Response({"data": {
            "imported": result.imported, "updated": result.updated, "duplicates_skipped": result.duplicates_skipped,
            "invalid_skipped": result.invalid_skipped, "limit_skipped": result.limit_skipped, "dnc": result.dnc,
            "errors": [e.as_dict() for e in result.errors],
            "batch_id": result.batch.public_id if result.batch else None,
        }})


class ContactDncView(ApiView):
    perms = {"POST": Perm.DNC_ADD, "DELETE": Perm.DNC_MANAGE}

    @extend_schema(operation_id="contacts_dnc_create", request=s.ReasonIn, responses={200: r.ContactDncResponse})
    def post(self, request: Request, contact_id: str) -> Response:
        contact = self.contact(request, contact_id)
        data = validated(s.ReasonIn, request.data or {})
        if not contact.is_dnc:
            contact = services.contact_mark_dnc(contact=contact, reason=data.get("reason") or
                                                f"Marked DNC through the API ({request.auth.name})",
                                                source=DncSource.API, actor=request.auth)
        return Response({"data": {"id": contact.public_id, "status": contact.status, "dnc_at": s.ts(contact.dnc_at)}})

    @extend_schema(operation_id="contacts_dnc_destroy", request=s.ReasonIn, responses={200: r.ContactDncResponse},
                   parameters=[OpenApiParameter("reason", str, description="Why the contact may be called again "
                                                                           "(or `reason` in the body)")])
    def delete(self, request: Request, contact_id: str) -> Response:
        contact = self.contact(request, contact_id)
        data = validated(s.ReasonIn, request.data or {})
        reason = data.get("reason") or request.query_params.get("reason") or \
            f"Removed from DNC through the API ({request.auth.name})"
        if selectors.dnc_is_listed(contact.workspace, contact.phone):
            contact = services.contact_reactivate(contact=contact, reason=reason, actor=request.auth,
                                                  source=DncSource.API)
        return Response({"data": {"id": contact.public_id, "status": contact.status}})


class NormalizeView(ApiView):
    perms = {"POST": Perm.VIEW}

    @extend_schema(operation_id="contacts_normalize", request=s.NormalizeIn, responses={200: r.PhoneInfoResponse})
    def post(self, request: Request) -> Response:
        data = validated(s.NormalizeIn, request.data)
        workspace = self.workspace(request)
        info = parse_for_workspace(workspace, data["phone"], country_hint=data.get("country") or None)
        return Response({"data": s.phone_info(info)})


SEARCH_WORDS = ("term", "query", "q")  # term: the SmartSender reference (004); query: reference 001


class SearchView(ApiView):
    perms = {"GET": Perm.VIEW, "POST": Perm.VIEW}

    def _search(self, request: Request, query: str, filters: dict, limit: int, offset: int) -> Response:
        data = filter_data(filters, tuple(k for k in filters if k != "tags"))
        if query:
            data["search"] = query
        queryset = contact_filter(self.workspace(request), data)
        rows = list(queryset[offset:offset + limit + 1])
        has_more = len(rows) > limit
        return Response({"data": summaries(rows[:limit]),
                         "meta": {"query": query, "limit": limit, "offset": offset, "count": min(len(rows), limit),
                                  "has_more": has_more, "hasMore": has_more}})

    @extend_schema(operation_id="contacts_search_get", parameters=[
        OpenApiParameter("term", str, description="Keyword(s); an empty term answers 422"),
        OpenApiParameter("query", str, description="Alias of term"), OpenApiParameter("limit", int),
        OpenApiParameter("offset", int), OpenApiParameter("status", str), OpenApiParameter("list_id", str),
        OpenApiParameter("tags", str), OpenApiParameter("tags_mode", str, enum=["any", "all"]),
        OpenApiParameter("company", str), OpenApiParameter("campaign_id", str),
        OpenApiParameter("last_called_after", str), OpenApiParameter("last_called_before", str)],
        responses={200: r.ContactSearchPage})
    def get(self, request: Request) -> Response:
        params = request.query_params
        body: dict[str, Any] = {}
        sent = [name for name in SEARCH_WORDS if name in params]
        if len(sent) > 1:
            raise drf.ValidationError({sent[1]: [f"Send one of {', '.join(SEARCH_WORDS)}."]})
        if sent:
            # A word sent empty is refused (reference 004: "not empty"); no word at all searches by filters only.
            body["term" if sent[0] == "term" else "query"] = params[sent[0]]
        for name in ("limit", "offset"):
            if params.get(name):
                body[name] = params[name]
        filters = {k: params[k] for k in s.SearchFiltersIn().fields if params.get(k)}
        if filters:
            body["filters"] = filters
        data = validated(s.SearchIn, body)
        return self._search(request, data.get("query", ""), data.get("filters", {}), data["limit"], data["offset"])

    @extend_schema(operation_id="contacts_search", request=s.SearchIn, responses={200: r.ContactSearchPage})
    def post(self, request: Request) -> Response:
        data = validated(s.SearchIn, request.data)
        return self._search(request, data.get("query", ""), data.get("filters", {}), data["limit"], data["offset"])


class MergeView(ApiView):
    perms = {"POST": Perm.DESTROY}

    @extend_schema(operation_id="contacts_merge", request=s.MergeIn, responses={200: r.MergedContactResponse})
    def post(self, request: Request, contact_id: str) -> Response:
        target = self.contact(request, contact_id)
        data = validated(s.MergeIn, request.data)
        source = self.contact(request, data["source_id"])
        merged = services.contact_merge(target=target, source=source, actor=request.auth, keep=data.get("keep"))
        return Response({"data": {**contact_body(merged), "merged_id": data["source_id"]}})


class QueueCallView(ApiView):
    perms = {"POST": Perm.EDIT}

    @extend_schema(operation_id="contacts_call", request=s.QueueCallIn, responses=r.QueuedCallResponses)
    def post(self, request: Request, contact_id: str) -> Response:
        contact = self.contact(request, contact_id)
        data = validated(s.QueueCallIn, request.data or {})
        call = services.call_queue_outbound(contact=contact, campaign=self.campaign(request, data.get("campaign_id")),
                                            actor=request.auth)
        # A contact with a call already queued or under way gets that call back, not a second one.
        return Response({"data": s.call_full(call)}, status=200 if call.reused else 201)


class DncListView(ApiView):
    perms = {"GET": Perm.VIEW, "POST": Perm.DNC_ADD}

    @extend_schema(operation_id="dnc_list", parameters=PAGING_PARAMS, responses={200: r.DncEntryPage})
    def get(self, request: Request) -> Response:
        pager = paging(request)
        entries = DncEntry.objects.for_workspace(self.workspace(request)).order_by("-created_at", "-id")
        rows, meta = page_of(entries, pager)
        return Response({"data": [s.dnc_entry(e) for e in rows],
                         "meta": meta})

    @extend_schema(operation_id="dnc_create", request=s.DncIn, responses={201: r.DncEntryCreatedResponse})
    def post(self, request: Request) -> Response:
        data = validated(s.DncIn, request.data)
        entry = services.dnc_add_number(workspace=self.workspace(request), phone=data["phone"], reason=data["reason"],
                                        source=DncSource.API, actor=request.auth)
        affected = Contact.objects.filter(workspace=entry.workspace, phone=entry.phone).values_list(
            "public_id", flat=True)
        return Response({"data": {**s.dnc_entry(entry), "contact_ids": list(affected)}}, status=201)


class DncNumberView(ApiView):
    perms = {"DELETE": Perm.DNC_MANAGE}

    @extend_schema(operation_id="dnc_destroy", request=s.ReasonIn, responses={200: r.DncRemovedResponse},
                   parameters=[OpenApiParameter("reason", str)])
    def delete(self, request: Request, phone: str) -> Response:
        workspace = self.workspace(request)
        e164 = services.normalize_for_workspace(workspace, phone)
        if not selectors.dnc_is_listed(workspace, e164):
            raise services.NotFound(f"{e164} is not on the DNC list.", code="dnc_not_found", details={"phone": e164})
        data = validated(s.ReasonIn, request.data or {})
        reason = data.get("reason") or request.query_params.get("reason", "")
        if not reason.strip():
            raise drf.ValidationError({"reason": ["Say why the number may be called again."]})
        reactivated = services.dnc_remove_number(workspace=workspace, phone=e164, reason=reason,
                                                 actor=request.auth, source=DncSource.API, stored=True)
        return Response({"data": {"phone": e164, "removed": True, "contacts_reactivated": reactivated}})


def campaign_body(campaign: Campaign, contacts_count: int | None = None) -> dict[str, Any]:
    if contacts_count is None:
        contacts_count = campaign.memberships.count()
    return {**s.campaign_brief(campaign), "type": campaign.type, "subject": campaign.subject,
            "contacts_count": contacts_count, "created_at": s.ts(campaign.created_at)}


class CampaignsView(ApiView):
    perms = {"GET": Perm.VIEW, "POST": Perm.EDIT}

    @extend_schema(operation_id="campaigns_list", parameters=PAGING_PARAMS, responses={200: r.CampaignPage})
    def get(self, request: Request) -> Response:
        pager = paging(request)
        campaigns = (Campaign.objects.for_workspace(self.workspace(request))
                     .annotate(n=Count("memberships")).order_by("-created_at", "-id"))
        rows, meta = page_of(campaigns, pager)
        return Response({"data": [campaign_body(c, c.n) for c in rows],
                         "meta": meta})

    @extend_schema(operation_id="campaigns_create", request=s.CampaignIn, responses={201: r.CampaignResponse})
    def post(self, request: Request) -> Response:
        data = validated(s.CampaignIn, request.data)
        campaign = services.campaign_create(workspace=self.workspace(request), actor=request.auth, **data)
        return Response({"data": campaign_body(campaign, 0)}, status=201)


class CampaignDetailView(ApiView):
    perms = {"GET": Perm.VIEW}

    @extend_schema(operation_id="campaigns_retrieve", responses={200: r.CampaignDetailResponse})
    def get(self, request: Request, campaign_id: str) -> Response:
        return Response({"data": campaign_body(self.campaign(request, campaign_id))})


class CampaignContactsView(ApiView):
    perms = {"POST": Perm.EDIT}

    @extend_schema(operation_id="campaigns_contacts_add", request=s.CampaignContactsIn,
                   responses={200: r.CampaignContactsAddedResponse})
    def post(self, request: Request, campaign_id: str) -> Response:
        campaign = self.campaign(request, campaign_id)
        ids = list(dict.fromkeys(validated(s.CampaignContactsIn, request.data)["contact_ids"]))
        contacts = Contact.objects.for_workspace(campaign.workspace).filter(public_id__in=ids)
        found = set(contacts.values_list("public_id", flat=True))
        change = services.campaign_add_contacts(campaign=campaign, contacts=contacts, actor=request.auth)
        return Response({"data": {"id": campaign.public_id, "added": change.added, "dnc_skipped": change.skipped_dnc,
                                  "already_members": change.already_members,
                                  "not_found": [i for i in ids if i not in found]}})


class CallsView(ApiView):
    perms = {"GET": Perm.VIEW, "POST": Perm.EDIT}

    @extend_schema(operation_id="calls_list", parameters=[
        OpenApiParameter("contact_id", str), OpenApiParameter("campaign_id", str),
        OpenApiParameter("direction", str), OpenApiParameter("status", str), OpenApiParameter("sentiment", str),
        OpenApiParameter("date_after", str), OpenApiParameter("date_before", str), *PAGING_PARAMS],
        responses={200: r.CallPage})
    def get(self, request: Request) -> Response:
        pager = paging(request)
        params = request.query_params
        data = {k: params[k] for k in ("campaign_id", "direction", "status", "sentiment", "date_after",
                                        "date_before") if params.get(k)}
        call_filter = CallFilter(data, workspace=self.workspace(request))
        if not call_filter.is_valid():
            raise drf.ValidationError({k: [str(m) for m in v] for k, v in call_filter.errors.items()})
        calls = call_filter.qs.select_related("contact", "campaign").order_by("-created_at", "-id")
        if params.get("contact_id"):
            calls = calls.filter(contact__public_id=params["contact_id"])
        rows, meta = page_of(calls, pager)
        return Response({"data": [s.call_full(c) for c in rows],
                         "meta": meta})

    @extend_schema(operation_id="calls_create", request=s.CallIn, responses={201: r.CallResponse})
    def post(self, request: Request) -> Response:
        data = validated(s.CallIn, request.data)
        contact = self.contact(request, data.pop("contact_id"))
        campaign = self.campaign(request, data.pop("campaign_id", None))
        data = {k: ("" if v is None else v) for k, v in data.items()}
        call = services.call_log(workspace=contact.workspace, contact=contact, campaign=campaign,
                                 actor=request.auth, **data)
        return Response({"data": s.call_full(call)}, status=201)


# --- lists (address books) -----------------------------------------------------------------------------------
class ListApiView(ApiView):
    def contact_list(self, request: Request, list_id: str) -> ContactList:
        return selectors.list_get(self.workspace(request), list_id)


class ListsView(ListApiView):
    perms = {"GET": Perm.VIEW, "POST": Perm.EDIT}

    @extend_schema(operation_id="lists_list", parameters=PAGING_PARAMS, responses={200: r.ContactListPage})
    def get(self, request: Request) -> Response:
        pager = paging(request)
        lists = selectors.lists_with_counts(self.workspace(request)).order_by("name", "id")
        rows, meta = page_of(lists, pager)
        return Response({"data": [s.list_body(x) for x in rows], "meta": meta})

    @extend_schema(operation_id="lists_create", request=s.ListIn, responses={201: r.ContactListResponse})
    def post(self, request: Request) -> Response:
        data = validated(s.ListIn, request.data)
        created = services.list_create(workspace=self.workspace(request), name=data["name"], actor=request.auth)
        return Response({"data": s.list_body(created, 0)}, status=201)


class ListDetailView(ListApiView):
    perms = {"GET": Perm.VIEW, "PATCH": Perm.EDIT, "DELETE": Perm.EDIT}

    @extend_schema(operation_id="lists_retrieve", responses={200: r.ContactListResponse})
    def get(self, request: Request, list_id: str) -> Response:
        return Response({"data": s.list_body(self.contact_list(request, list_id))})

    @extend_schema(operation_id="lists_update", request=s.ListIn, responses={200: r.ContactListResponse})
    def patch(self, request: Request, list_id: str) -> Response:
        contact_list = self.contact_list(request, list_id)
        data = validated(s.ListIn, request.data)
        contact_list = services.list_rename(contact_list=contact_list, name=data["name"], actor=request.auth)
        return Response({"data": s.list_body(contact_list)})

    @extend_schema(operation_id="lists_destroy", responses={200: r.ListDeletedResponse},
                   description="Deletes the list; its contacts stay.")
    def delete(self, request: Request, list_id: str) -> Response:
        contact_list = self.contact_list(request, list_id)
        public_id = contact_list.public_id
        held = services.list_delete(contact_list=contact_list, actor=request.auth)
        return Response({"data": {"id": public_id, "deleted": True, "contacts_kept": held}})


class ListContactsView(ListApiView):
    perms = {"POST": Perm.EDIT, "DELETE": Perm.EDIT}

    def _selected(self, request: Request, contact_list: ContactList) -> tuple[list[str], QuerySet[Contact], list[str]]:
        ids = list(dict.fromkeys(validated(s.ListContactsIn, request.data)["contact_ids"]))
        contacts = Contact.objects.for_workspace(contact_list.workspace).filter(public_id__in=ids)
        found = set(contacts.values_list("public_id", flat=True))
        return ids, contacts, [i for i in ids if i not in found]

    @extend_schema(operation_id="lists_contacts_add", request=s.ListContactsIn,
                   responses={200: r.ListContactsAddedResponse})
    def post(self, request: Request, list_id: str) -> Response:
        contact_list = self.contact_list(request, list_id)
        _, contacts, missing = self._selected(request, contact_list)
        change = services.list_add_contacts(contact_list=contact_list, contacts=contacts, actor=request.auth)
        return Response({"data": {"id": contact_list.public_id, "added": change.added,
                                  "already_members": change.already_members, "not_found": missing}})

    @extend_schema(operation_id="lists_contacts_remove", request=s.ListContactsIn,
                   responses={200: r.ListContactsRemovedResponse})
    def delete(self, request: Request, list_id: str) -> Response:
        contact_list = self.contact_list(request, list_id)
        _, contacts, missing = self._selected(request, contact_list)
        change = services.list_remove_contacts(contact_list=contact_list, contacts=contacts, actor=request.auth)
        return Response({"data": {"id": contact_list.public_id, "removed": change.removed, "not_found": missing}})


# --- custom fields -----------------------------------------------------------------------------------------
class CustomFieldsView(ApiView):
    perms = {"GET": Perm.VIEW, "POST": Perm.MANAGE}

    @extend_schema(operation_id="custom_fields_list", responses={200: r.CustomFieldPage})
    def get(self, request: Request) -> Response:
        fields = list(CustomField.objects.for_workspace(self.workspace(request)).order_by("key"))
        return Response({"data": [s.custom_field_body(f) for f in fields],
                         "meta": {"total": len(fields), "has_more": False, "hasMore": False}})

    @extend_schema(operation_id="custom_fields_create", request=s.CustomFieldIn, responses={201: r.CustomFieldResponse})
    def post(self, request: Request) -> Response:
        data = validated(s.CustomFieldIn, request.data)
        field = services.field_create(workspace=self.workspace(request), actor=request.auth, **data)
        return Response({"data": s.custom_field_body(field)}, status=201)


class CustomFieldView(ApiView):
    perms = {"GET": Perm.VIEW, "PATCH": Perm.MANAGE, "DELETE": Perm.MANAGE}

    def field(self, request: Request, key: str) -> CustomField:
        found = CustomField.objects.for_workspace(self.workspace(request)).filter(key=key).first()
        if found is None:
            raise services.NotFound(f"No custom field {key}.", code="custom_field_not_found", details={"key": key})
        return found

    @extend_schema(operation_id="custom_fields_retrieve", responses={200: r.CustomFieldResponse})
    def get(self, request: Request, key: str) -> Response:
        return Response({"data": s.custom_field_body(self.field(request, key))})

    @extend_schema(operation_id="custom_fields_update", request=s.CustomFieldUpdateIn,
                   responses={200: r.CustomFieldResponse})
    def patch(self, request: Request, key: str) -> Response:
        field = self.field(request, key)
        data = validated(s.CustomFieldUpdateIn, request.data)
        field = services.field_update(field=field, actor=request.auth, **data)
        return Response({"data": s.custom_field_body(field)})

    @extend_schema(operation_id="custom_fields_destroy", responses={200: r.CustomFieldDeletedResponse},
                   description="Deletes the definition; values stay in each contact's metadata.")
    def delete(self, request: Request, key: str) -> Response:
        field = self.field(request, key)
        services.field_delete(field=field, actor=request.auth)
        return Response({"data": {"key": key, "deleted": True}})
