"""Pieces the domain admins share: reason confirmation pages, phone search, read-only admins."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from contacts import phone as phone_rules
from contacts import services
from contacts.workspaces.models import Workspace
from contacts.workspaces.rules import parse_for_workspace


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Kept in the DNC audit log.")


def with_reason(modeladmin, request: HttpRequest, queryset: QuerySet, *, title: str, apply) -> HttpResponse | None:
    """An admin action that asks for a reason on a confirmation page before it runs."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        done, failed = 0, []
        for obj in queryset:
            try:
                apply(obj, form.cleaned_data["reason"])
                done += 1
            except services.ServiceError as exc:
                failed.append(f"{obj}: {exc.message}")
        modeladmin.message_user(request, f"{title}: {done} done.", messages.SUCCESS)
        for failure in failed:
            modeladmin.message_user(request, failure, messages.WARNING)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "objects": queryset,
        "form": form,
        "action": request.POST.get("action"),
        "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/contacts/reason_confirmation.html", context)


def filtered_workspace(request: HttpRequest) -> Workspace | None:
    """The workspace a changelist is filtered to (its sidebar filter), if any."""
    chosen = request.GET.get("workspace__id__exact") or request.GET.get("workspace")
    return Workspace.objects.filter(pk=chosen).first() if chosen and str(chosen).isdigit() else None


def phone_search(queryset: QuerySet, search_term: str, field: str = "phone", *,
                 workspace: Workspace | None = None) -> QuerySet:
    """Find a number typed in any format: digits anywhere, or the exact number parsed with the rules of the
    workspace the list is filtered to (across workspaces only numbers written with a country code parse)."""
    digits = phone_rules.digits(search_term)
    if len(digits) < 3:
        return queryset.none()
    condition = Q(**{f"{field}__contains": digits})
    if workspace is not None:
        info = parse_for_workspace(workspace, search_term)
    else:
        info = phone_rules.parse_phone(search_term, mode=phone_rules.LENIENT) if search_term.strip().startswith(
            "+") else None
    if info is not None and info.e164:
        condition |= Q(**{field: info.e164})
    return queryset.filter(condition)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
