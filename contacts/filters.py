"""One FilterSet for contacts: the list page, its CSV export, "all matching" bulk actions and API v1."""
from __future__ import annotations

import django_filters
from django import forms
from django.db import connections
from django.db.models import F, Field, Func, QuerySet, Value
from django.db.models.lookups import Exact, GreaterThanOrEqual, IContains, LessThanOrEqual

from contacts.counting import MemberOf
from contacts.fields.models import CustomField, FieldType
from contacts.fields.services import RANGE_TYPES, convert, definitions
from contacts.models import (
    Call,
    CallDirection,
    CallStatus,
    Campaign,
    CampaignMembership,
    Contact,
    ContactList,
    ContactStatus,
    ContactTag,
    ImportBatch,
    ListMembership,
    Sentiment,
    Tag,
)
from contacts.selectors import contact_search

SORT_FIELDS = (
    ("last_name", "name"),
    ("phone", "phone"),
    ("email", "email"),
    ("company", "company"),
    ("status", "status"),
    ("last_called_at", "last_called"),
    ("calls_count", "calls"),
    ("created_at", "created"),
)
DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"})


class StableOrderingFilter(django_filters.OrderingFilter):
    """Sorting plus the id as tie-breaker, so paging never repeats or skips a row."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            last = value[-1]
            return qs.order_by(*qs.query.order_by, "-id" if str(last).startswith("-") else "id")
        return qs


class JSONText(Field):
    """A JSON_EXTRACT result: compared as SQLite returns it (number, text or 0/1), never converted."""


CUSTOM_PREFIX = "custom."
CUSTOM_OPS = ("gte", "lte", "contains")


class CustomValueField(forms.Field):
    """A custom-field filter value, checked and converted like a stored value of that field."""

    def __init__(self, definition: CustomField | None, op: str, key: str, **kwargs):
        self.definition, self.op, self.key = definition, op, key
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in (None, ""):
            return None
        if self.definition is None:
            raise forms.ValidationError(f"No custom field named {self.key}.")
        kind = self.definition.type
        if self.op in ("gte", "lte") and kind not in RANGE_TYPES:
            raise forms.ValidationError(f"__{self.op} works on number and date fields; {self.key} is {kind}.")
        if self.op == "contains" and kind != FieldType.TEXT:
            raise forms.ValidationError(f"__contains works on text fields; {self.key} is {kind}.")
        if self.op == "contains":
            return str(value)
        try:
            return convert(self.definition, value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class CustomFieldFilter(django_filters.Filter):
    """`custom.KEY=value`, `custom.KEY__gte/__lte` (numbers, dates) and `custom.KEY__contains` (text)."""

    def __init__(self, *, definition: CustomField | None, op: str, key: str, **kwargs):
        self.definition, self.op, self.key = definition, op, key
        label = f"{definition.label if definition else key}{'' if op == 'exact' else ' ' + op.replace('gte', '≥')}"
        super().__init__(field_name="metadata", label=label.replace("lte", "≤"), **kwargs)

    @property
    def field(self):
        if not hasattr(self, "_field"):
            self._field = CustomValueField(self.definition, self.op, self.key, required=False, label=self.label)
        return self._field

    def filter(self, qs, value):
        if value is None:
            return qs
        key = self.key
        if connections[qs.db].vendor == "sqlite":
            return qs.filter(self._sqlite_lookup(value))
        if self.op == "contains":
            return qs.filter(**{f"metadata__{key}__icontains": value})
        if self.op in ("gte", "lte"):
            return qs.filter(**{f"metadata__{key}__{self.op}": value})
        return qs.filter(metadata__contains={key: value})  # jsonb @>: the GIN index of migration 0062

    def _sqlite_lookup(self, value):
        """One JSON_EXTRACT per row. Django's generic key transform parses the JSON two or three times per row (a
        JSON_TYPE test for booleans and nulls first): a third of the time of a list + custom-field page at 1M
        contacts. The field's type is known, so the extracted value compares as is (true/false come out as 1/0)."""
        extracted = Func(F("metadata"), Value(f'$."{self.key}"'), function="JSON_EXTRACT", output_field=JSONText())
        if self.op == "contains":
            return IContains(extracted, value)
        if isinstance(value, bool):
            value = int(value)
        return {"gte": GreaterThanOrEqual, "lte": LessThanOrEqual}.get(self.op, Exact)(extracted, value)


class ContactFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Search")
    status = django_filters.ChoiceFilter(
        choices=ContactStatus.choices, label="Status", empty_label="Any status",
        error_messages={"invalid_choice": "Not a status: use active or dnc."})
    # A campaign of this workspace (set in __init__): an unknown id is an error, never "any campaign".
    campaign_id = django_filters.ModelChoiceFilter(queryset=Campaign.objects.none(), to_field_name="public_id",
                                                   method="filter_campaign", label="Campaign",
                                                   error_messages={"invalid_choice": "No campaign with this id."})
    # A list of this workspace (set in __init__), by its public id; an unknown id is an error, never "any list".
    list_id = django_filters.ModelChoiceFilter(queryset=ContactList.objects.none(), to_field_name="public_id",
                                               method="filter_list", label="List",
                                               error_messages={"invalid_choice": "No list with this id."})
    # Tags of this workspace by name (repeat the parameter, or separate names with commas in the API).
    tags = django_filters.ModelMultipleChoiceFilter(queryset=Tag.objects.none(), to_field_name="name",
                                                    method="filter_tags", label="Tags",
                                                    error_messages={"invalid_choice": "No tag named %(value)s."})
    tags_mode = django_filters.ChoiceFilter(choices=(("any", "Any of these tags"), ("all", "All of these tags")),
                                            method="filter_nothing", label="Tag match", empty_label=None,
                                            error_messages={"invalid_choice": "Use any or all."})
    # The contacts an import of this workspace created ("View the N imported contacts").
    import_id = django_filters.ModelChoiceFilter(queryset=ImportBatch.objects.none(), to_field_name="public_id",
                                                 field_name="import_batch", label="Import",
                                                 error_messages={"invalid_choice": "No import with this id."})
    company = django_filters.CharFilter(field_name="company", lookup_expr="icontains", label="Company")
    last_called_after = django_filters.DateFilter(field_name="last_called_at", lookup_expr="date__gte",
                                                  label="Last called from", widget=DATE)
    last_called_before = django_filters.DateFilter(field_name="last_called_at", lookup_expr="date__lte",
                                                   label="Last called to", widget=DATE)
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label="Created from",
                                              widget=DATE)
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label="Created to",
                                               widget=DATE)
    sort = StableOrderingFilter(fields=SORT_FIELDS, label="Sort",
                                error_messages={"invalid_choice": "Not a column the list can sort by."})

    class Meta:
        model = Contact
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, workspace=None, **kwargs):
        self.workspace = workspace
        if queryset is None and workspace is not None:
            queryset = Contact.objects.for_workspace(workspace)
        super().__init__(data, queryset=queryset, **kwargs)
        if workspace is not None:
            self.filters["campaign_id"].queryset = Campaign.objects.for_workspace(workspace)
            self.filters["list_id"].queryset = ContactList.objects.for_workspace(workspace)
            self.filters["tags"].queryset = Tag.objects.for_workspace(workspace)
            self.filters["import_id"].queryset = ImportBatch.objects.for_workspace(workspace)
        self._add_custom_filters(workspace)

    def _add_custom_filters(self, workspace) -> None:
        """One filter per `custom.KEY[__op]` parameter sent (the definitions are read only when one is)."""
        names = [k for k in (self.data or {}) if str(k).startswith(CUSTOM_PREFIX)]
        sort = str((self.data or {}).get("sort") or "")
        sorts_custom = sort.lstrip("-").startswith(CUSTOM_PREFIX)
        if not names and not sorts_custom:
            return
        known = definitions(workspace) if workspace is not None else {}
        self.custom_definitions = known  # the list page renders its inputs from these (no second query)
        if sorts_custom:  # sort=custom.KEY or -custom.KEY: order by the JSON value
            ordering = self.filters["sort"]
            for key, definition in known.items():
                ordering.param_map[f"{CUSTOM_PREFIX}{key}"] = f"metadata__{key}"
                ordering.extra["choices"] = [*ordering.extra["choices"], (f"{CUSTOM_PREFIX}{key}", definition.label),
                                             (f"-{CUSTOM_PREFIX}{key}", f"{definition.label} (descending)")]
        for name in names:
            key, _, op = name[len(CUSTOM_PREFIX):].partition("__")
            if op and op not in CUSTOM_OPS:
                key, op = f"{key}__{op}", "exact"  # shown as an unknown field
            self.filters[name] = CustomFieldFilter(definition=known.get(key), op=op or "exact", key=key)

    def filter_queryset(self, queryset: QuerySet[Contact]) -> QuerySet[Contact]:
        # django-filter drops an invalid value and filters on the rest, which widens the selection:
        # an invalid filter selects nothing instead (views show the errors or refuse to act).
        if self.form.errors:
            return queryset.none()
        # Every filter, then the search, then the sort: the search's plan on PostgreSQL samples the rows the other
        # filters leave, and the id list or estimate it produces is then the list's own (see contact_search).
        data = self.form.cleaned_data
        order = [name for name in data if name not in ("search", "sort")] + [n for n in ("search", "sort") if n in data]
        for name in order:
            queryset = self.filters[name].filter(queryset, data[name])
        return queryset

    @property
    def invalid_values(self) -> list[dict[str, str]]:
        """Each rejected filter as {field, label, value, message}, for an alert or an error body."""
        found = []
        for name, errors in self.form.errors.items():
            field = self.form.fields.get(name)
            value = self.form.data.get(name, "") if hasattr(self.form.data, "get") else ""
            found.append({"field": name, "label": str(field.label) if field is not None else name,
                          "value": str(value), "message": " ".join(str(e) for e in errors)})
        return found

    def describe(self) -> str:
        """The valid filters in words ('Search “acme” · Status: DNC'), to record what an action selected."""
        if not self.is_bound or not self.is_valid():
            return ""
        parts = []
        for name, value in self.form.cleaned_data.items():
            if name in ("sort", "tags_mode") or value in (None, "", []) or (name == "tags" and not value):
                continue
            if name == "search":
                parts.append(f"search “{value}”")
                continue
            shown = dict(ContactStatus.choices).get(value, value) if name == "status" else value
            if name == "tags":
                shown = f"{self.form.cleaned_data.get('tags_mode') or 'any'} of " + ", ".join(t.name for t in value)
            parts.append(f"{str(self.form.fields[name].label).lower()} {shown}")
        return " · ".join(parts)

    def filter_search(self, queryset: QuerySet[Contact], name: str, value: str) -> QuerySet[Contact]:
        return contact_search(queryset, value, workspace=self.workspace)

    def filter_campaign(self, queryset: QuerySet[Contact], name: str, value: Campaign | None) -> QuerySet[Contact]:
        if not value:
            return queryset
        return queryset.filter(MemberOf(CampaignMembership.objects.filter(campaign=value)))

    def filter_list(self, queryset: QuerySet[Contact], name: str, value: ContactList | None) -> QuerySet[Contact]:
        if not value:
            return queryset
        return queryset.filter(MemberOf(ListMembership.objects.filter(contact_list=value)))

    def filter_nothing(self, queryset: QuerySet[Contact], name: str, value: str) -> QuerySet[Contact]:
        return queryset  # tags_mode only says how filter_tags combines the tags

    def filter_tags(self, queryset: QuerySet[Contact], name: str, value) -> QuerySet[Contact]:
        tags = list(value or [])
        if not tags:
            return queryset
        if self.form.cleaned_data.get("tags_mode") == "all":
            for tag in tags:  # one indexed (tag, contact) subquery per tag
                queryset = queryset.filter(MemberOf(ContactTag.objects.filter(tag=tag)))
            return queryset
        if len(tags) == 1:
            return queryset.filter(MemberOf(ContactTag.objects.filter(tag=tags[0])))
        return queryset.filter(MemberOf(ContactTag.objects.filter(tag__in=tags)))

    @property
    def active_filters(self) -> int:
        """How many filters (not search or sort) narrow the list, for the "Filters (2)" button."""
        data = self.form.cleaned_data if self.is_bound and hasattr(self.form, "cleaned_data") else {}
        return sum(1 for k, v in data.items() if k not in ("search", "sort", "tags_mode") and v not in (None, "", [])
                   and not (k == "tags" and not v))


# --- dashboard: calls list ---------------------------------------------------------------------------------
class CallFilter(django_filters.FilterSet):
    direction = django_filters.ChoiceFilter(choices=CallDirection.choices, empty_label="Any direction")
    status = django_filters.ChoiceFilter(choices=CallStatus.choices, empty_label="Any status")
    sentiment = django_filters.ChoiceFilter(choices=Sentiment.choices, empty_label="Any sentiment")
    campaign_id = django_filters.CharFilter(field_name="campaign__public_id", label="Campaign")
    contact_id = django_filters.CharFilter(field_name="contact__public_id", label="Contact")
    date_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label="From", widget=DATE)
    date_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label="To", widget=DATE)

    class Meta:
        model = Call
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, workspace=None, **kwargs):
        if queryset is None and workspace is not None:
            queryset = Call.objects.for_workspace(workspace)
        super().__init__(data, queryset=queryset, **kwargs)
