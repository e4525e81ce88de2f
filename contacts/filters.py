"""One FilterSet for contacts: the list page, its CSV export, "all matching" bulk actions and API v1."""
from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from contacts.models import Contact, ContactStatus
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


class ContactFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Search")
    status = django_filters.ChoiceFilter(choices=ContactStatus.choices, label="Status")
    campaign_id = django_filters.CharFilter(method="filter_campaign", label="Campaign")
    company = django_filters.CharFilter(field_name="company", lookup_expr="icontains", label="Company")
    last_called_after = django_filters.DateFilter(field_name="last_called_at", lookup_expr="date__gte",
                                                  label="Last called from")
    last_called_before = django_filters.DateFilter(field_name="last_called_at", lookup_expr="date__lte",
                                                   label="Last called to")
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label="Created from")
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label="Created to")
    sort = django_filters.OrderingFilter(fields=SORT_FIELDS, label="Sort")

    class Meta:
        model = Contact
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, workspace=None, **kwargs):
        self.workspace = workspace
        if queryset is None and workspace is not None:
            queryset = Contact.objects.for_workspace(workspace)
        super().__init__(data, queryset=queryset, **kwargs)

    def filter_search(self, queryset: QuerySet[Contact], name: str, value: str) -> QuerySet[Contact]:
        return contact_search(queryset, value, workspace=self.workspace)

    def filter_campaign(self, queryset: QuerySet[Contact], name: str, value: str) -> QuerySet[Contact]:
        if not value:
            return queryset
        return queryset.filter(campaign_memberships__campaign__public_id=value)
