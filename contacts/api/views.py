"""API v1 endpoints. Thin: validate input, call the same services and FilterSet as the dashboard, shape output."""
from __future__ import annotations

from typing import Any

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
from contacts.counting import bounded_count
from contacts.filters import CallFilter, ContactFilter
from contacts.imports import import_records
from contacts.models import Campaign, Contact, DncEntry, DncSource, Workspace
from contacts.workspaces.permissions import Perm
from contacts.workspaces.rules import parse_for_workspace

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


def paging(request: Request) -> tuple[int, int]:
    """page (from 1) and per_page (default 20, at most 100) from the query string."""
    values = {}
    for name, default in (("page", 1), ("per_page", DEFAULT_PER_PAGE)):
        raw = request.query_params.get(name, "")
        try:
            values[name] = int(raw) if raw != "" else default
        except ValueError as exc:
            raise drf.ValidationError({name: ["Must be a whole number."]}) from exc
        if values[name] < 1:
            raise drf.ValidationError({name: ["Must be 1 or more."]})
    return values["page"], min(values["per_page"], MAX_PER_PAGE)


def page_of(queryset: QuerySet, page: int, per_page: int, values: tuple[str, ...] = ()
            ) -> tuple[list, dict[str, Any]]:
    """One page and its `meta`: the total is exact up to COUNT_CAP, above it an estimate (`total_exact` false);
    `has_more` comes from one extra row, so paging never needs the exact total. With `values` the rows are
    dicts of those fields (no model instances to build)."""
    total = bounded_count(queryset)
    start = (page - 1) * per_page
    rows_qs = queryset.values(*values) if values else queryset
    rows = list(rows_qs[start:start + per_page + 1]) if start < total.value or not total.exact else []
    meta = {"total": total.value, "page": page, "per_page": per_page, "has_more": len(rows) > per_page,
            "total_exact": total.exact}
    return rows[:per_page], meta


def contact_filter(workspace: Workspace, data: dict[str, Any]) -> QuerySet[Contact]:
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
    OpenApiParameter("campaign_id", str), OpenApiParameter("page", int), OpenApiParameter("per_page", int),
]


class ContactsView(ApiView):
    perms = {"GET": Perm.VIEW, "POST": Perm.EDIT}

    @extend_schema(operation_id="contacts_list", parameters=LIST_PARAMS, responses={200: dict})
    def get(self, request: Request) -> Response:
        page, per_page = paging(request)
        keys = ("status", "search", "campaign_id", "company", "last_called_after", "last_called_before",
                "created_after", "created_before")
        data = {k: request.query_params[k] for k in keys if request.query_params.get(k)}
        rows, meta = page_of(contact_filter(self.workspace(request), data), page, per_page, s.CONTACT_SUMMARY_FIELDS)
        phones = s.additional_numbers_of([row["id"] for row in rows])  # `phones` of the page in one query
        return Response({"data": [s.contact_summary_row(row, phones.get(row["id"], [])) for row in rows],
                         "meta": meta})

    @extend_schema(operation_id="contacts_create", request=s.ContactIn, responses={201: dict})
    def post(self, request: Request) -> Response:
        data = validated(s.ContactIn, request.data)
        country = data.pop("country", None)
        data = {k: ("" if v is None and k != "metadata" else v) for k, v in data.items()}
        contact = services.contact_create(workspace=self.workspace(request), country_hint=country or None,
                                          actor=request.auth, **data)
        return Response({"data": contact_body(contact)}, status=201)


class ContactDetailView(ApiView):
    perms = {"GET": Perm.VIEW, "PUT": Perm.EDIT, "PATCH": Perm.EDIT, "DELETE": Perm.EDIT}

    @extend_schema(operation_id="contacts_retrieve", responses={200: dict})
    def get(self, request: Request, contact_id: str) -> Response:
        return Response({"data": contact_body(self.contact(request, contact_id))})

    @extend_schema(operation_id="contacts_update", request=s.ContactUpdateIn, responses={200: dict})
    def put(self, request: Request, contact_id: str) -> Response:
        contact = self.contact(request, contact_id)
        data = validated(s.ContactUpdateIn, request.data, partial=True)
        contact = services.contact_update(contact=contact, data=data, actor=request.auth)
        return Response({"data": contact_body(contact)})

    @extend_schema(operation_id="contacts_partial_update", request=s.ContactUpdateIn, responses={200: dict})
    def patch(self, request: Request, contact_id: str) -> Response:
        return self.put(request, contact_id)

    @extend_schema(operation_id="contacts_destroy", responses={200: dict})
    def delete(self, request: Request, contact_id: str) -> Response:
        public_id = services.contact_delete(contact=self.contact(request, contact_id), actor=request.auth)
        return Response({"data": {"id": public_id, "deleted": True}})


class ContactImportView(ApiView):
    perms = {"POST": Perm.EDIT}

    @extend_schema(operation_id="contacts_import", request=s.ImportIn, responses={200: dict})
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
        result = import_records(
            workspace=workspace, records=data["contacts"], skip_duplicates=data["skip_duplicates"],
            update_existing=data["update_existing"], campaign=self.campaign(request, data.get("campaign_id")),
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

    @extend_schema(operation_id="contacts_dnc_create", request=s.ReasonIn, responses={200: dict})
    def post(self, request: Request, contact_id: str) -> Response:
        contact = self.contact(request, contact_id)
        data = validated(s.ReasonIn, request.data or {})
        if not contact.is_dnc:
            contact = services.contact_mark_dnc(contact=contact, reason=data.get("reason") or
                                                f"Marked DNC through the API ({request.auth.name})",
                                                source=DncSource.API, actor=request.auth)
        return Response({"data": {"id": contact.public_id, "status": contact.status, "dnc_at": s.ts(contact.dnc_at)}})

    @extend_schema(operation_id="contacts_dnc_destroy", request=s.ReasonIn, responses={200: dict})
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

    @extend_schema(operation_id="contacts_normalize", request=s.NormalizeIn, responses={200: dict})
    def post(self, request: Request) -> Response:
        data = validated(s.NormalizeIn, request.data)
        workspace = self.workspace(request)
        info = parse_for_workspace(workspace, data["phone"], country_hint=data.get("country") or None)
        return Response({"data": s.phone_info(info)})


class SearchView(ApiView):
    perms = {"GET": Perm.VIEW, "POST": Perm.VIEW}

    def _search(self, request: Request, query: str, filters: dict, limit: int) -> Response:
        data = {k: str(v) for k, v in filters.items() if v not in (None, "")}
        if query:
            data["search"] = query
        queryset = contact_filter(self.workspace(request), data)
        rows = list(queryset[:limit + 1])
        prefetch_related_objects(rows, "numbers")
        has_more = len(rows) > limit
        return Response({"data": [s.contact_summary(c) for c in rows[:limit]],
                         "meta": {"query": query, "limit": limit, "count": min(len(rows), limit),
                                  "has_more": has_more}})

    @extend_schema(operation_id="contacts_search_get", parameters=[
        OpenApiParameter("query", str), OpenApiParameter("limit", int), OpenApiParameter("status", str),
        OpenApiParameter("company", str), OpenApiParameter("campaign_id", str),
        OpenApiParameter("last_called_after", str), OpenApiParameter("last_called_before", str)],
        responses={200: dict})
    def get(self, request: Request) -> Response:
        params = request.query_params
        body: dict[str, Any] = {"query": params.get("query", params.get("q", ""))}
        if params.get("limit"):
            body["limit"] = params["limit"]
        filters = {k: params[k] for k in s.SearchFiltersIn().fields if params.get(k)}
        if filters:
            body["filters"] = filters
        data = validated(s.SearchIn, body)
        return self._search(request, data.get("query", ""), data.get("filters", {}), data["limit"])

    @extend_schema(operation_id="contacts_search", request=s.SearchIn, responses={200: dict})
    def post(self, request: Request) -> Response:
        data = validated(s.SearchIn, request.data)
        return self._search(request, data.get("query", ""), data.get("filters", {}), data["limit"])


class MergeView(ApiView):
    perms = {"POST": Perm.DESTROY}

    @extend_schema(operation_id="contacts_merge", request=s.MergeIn, responses={200: dict})
    def post(self, request: Request, contact_id: str) -> Response:
        target = self.contact(request, contact_id)
        data = validated(s.MergeIn, request.data)
        source = self.contact(request, data["source_id"])
        merged = services.contact_merge(target=target, source=source, actor=request.auth, keep=data.get("keep"))
        return Response({"data": {**contact_body(merged), "merged_id": data["source_id"]}})


class QueueCallView(ApiView):
    perms = {"POST": Perm.EDIT}

    @extend_schema(operation_id="contacts_call", request=s.QueueCallIn, responses={201: dict})
    def post(self, request: Request, contact_id: str) -> Response:
        contact = self.contact(request, contact_id)
        data = validated(s.QueueCallIn, request.data or {})
        call = services.call_queue_outbound(contact=contact, campaign=self.campaign(request, data.get("campaign_id")),
                                            actor=request.auth)
        # A contact with a call already queued or under way gets that call back, not a second one.
        return Response({"data": s.call_full(call)}, status=200 if call.reused else 201)


class DncListView(ApiView):
    perms = {"GET": Perm.VIEW, "POST": Perm.DNC_ADD}

    @extend_schema(operation_id="dnc_list", parameters=[OpenApiParameter("page", int),
                                                        OpenApiParameter("per_page", int)], responses={200: dict})
    def get(self, request: Request) -> Response:
        page, per_page = paging(request)
        entries = DncEntry.objects.for_workspace(self.workspace(request)).order_by("-created_at", "-id")
        rows, meta = page_of(entries, page, per_page)
        return Response({"data": [s.dnc_entry(e) for e in rows],
                         "meta": meta})

    @extend_schema(operation_id="dnc_create", request=s.DncIn, responses={201: dict})
    def post(self, request: Request) -> Response:
        data = validated(s.DncIn, request.data)
        entry = services.dnc_add_number(workspace=self.workspace(request), phone=data["phone"], reason=data["reason"],
                                        source=DncSource.API, actor=request.auth)
        affected = Contact.objects.filter(workspace=entry.workspace, phone=entry.phone).values_list(
            "public_id", flat=True)
        return Response({"data": {**s.dnc_entry(entry), "contact_ids": list(affected)}}, status=201)


class DncNumberView(ApiView):
    perms = {"DELETE": Perm.DNC_MANAGE}

    @extend_schema(operation_id="dnc_destroy", request=s.ReasonIn, responses={200: dict},
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

    @extend_schema(operation_id="campaigns_list", parameters=[OpenApiParameter("page", int),
                                                              OpenApiParameter("per_page", int)],
                   responses={200: dict})
    def get(self, request: Request) -> Response:
        page, per_page = paging(request)
        campaigns = (Campaign.objects.for_workspace(self.workspace(request))
                     .annotate(n=Count("memberships")).order_by("-created_at", "-id"))
        rows, meta = page_of(campaigns, page, per_page)
        return Response({"data": [campaign_body(c, c.n) for c in rows],
                         "meta": meta})

    @extend_schema(operation_id="campaigns_create", request=s.CampaignIn, responses={201: dict})
    def post(self, request: Request) -> Response:
        data = validated(s.CampaignIn, request.data)
        campaign = services.campaign_create(workspace=self.workspace(request), actor=request.auth, **data)
        return Response({"data": campaign_body(campaign, 0)}, status=201)


class CampaignDetailView(ApiView):
    perms = {"GET": Perm.VIEW}

    @extend_schema(operation_id="campaigns_retrieve", responses={200: dict})
    def get(self, request: Request, campaign_id: str) -> Response:
        return Response({"data": campaign_body(self.campaign(request, campaign_id))})


class CampaignContactsView(ApiView):
    perms = {"POST": Perm.EDIT}

    @extend_schema(operation_id="campaigns_contacts_add", request=s.CampaignContactsIn, responses={200: dict})
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
        OpenApiParameter("date_after", str), OpenApiParameter("date_before", str),
        OpenApiParameter("page", int), OpenApiParameter("per_page", int)], responses={200: dict})
    def get(self, request: Request) -> Response:
        page, per_page = paging(request)
        params = request.query_params
        data = {k: params[k] for k in ("campaign_id", "direction", "status", "sentiment", "date_after",
                                        "date_before") if params.get(k)}
        call_filter = CallFilter(data, workspace=self.workspace(request))
        if not call_filter.is_valid():
            raise drf.ValidationError({k: [str(m) for m in v] for k, v in call_filter.errors.items()})
        calls = call_filter.qs.select_related("contact", "campaign").order_by("-created_at", "-id")
        if params.get("contact_id"):
            calls = calls.filter(contact__public_id=params["contact_id"])
        rows, meta = page_of(calls, page, per_page)
        return Response({"data": [s.call_full(c) for c in rows],
                         "meta": meta})

    @extend_schema(operation_id="calls_create", request=s.CallIn, responses={201: dict})
    def post(self, request: Request) -> Response:
        data = validated(s.CallIn, request.data)
        contact = self.contact(request, data.pop("contact_id"))
        campaign = self.campaign(request, data.pop("campaign_id", None))
        data = {k: ("" if v is None else v) for k, v in data.items()}
        call = services.call_log(workspace=contact.workspace, contact=contact, campaign=campaign,
                                 actor=request.auth, **data)
        return Response({"data": s.call_full(call)}, status=201)
