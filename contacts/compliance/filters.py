"""One FilterSet for the DNC audit log: the /dnc/audit/ page and its CSV export see exactly the same rows."""
from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from contacts.compliance.models import DncAction, DncAuditLog, DncSource
from contacts.compliance.selectors import dnc_number_condition

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"})


class DncAuditFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(method="filter_number", label="Number")
    action = django_filters.ChoiceFilter(choices=DncAction.choices, label="Action", empty_label="Any action")
    actor = django_filters.CharFilter(method="filter_actor", label="Who")
    source = django_filters.ChoiceFilter(choices=DncSource.choices, label="Source", empty_label="Any source")
    date_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label="From",
                                          widget=DATE)
    date_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label="To", widget=DATE)

    class Meta:
        model = DncAuditLog
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, workspace, **kwargs):
        self.workspace = workspace
        if queryset is None:
            queryset = DncAuditLog.objects.for_workspace(workspace).order_by("-created_at", "-id")
        super().__init__(data, queryset=queryset, **kwargs)

    def filter_number(self, queryset: QuerySet[DncAuditLog], name: str, value: str) -> QuerySet[DncAuditLog]:
        condition = dnc_number_condition(self.workspace, value)
        return queryset.filter(condition) if condition is not None else queryset.none()

    def filter_actor(self, queryset: QuerySet[DncAuditLog], name: str, value: str) -> QuerySet[DncAuditLog]:
        # The text label, not the user row: it still names people whose accounts were deleted.
        value = value.strip()
        return queryset.filter(Q(actor_label__icontains=value)) if value else queryset
