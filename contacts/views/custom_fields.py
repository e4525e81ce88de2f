"""Settings → Custom fields: the workspace's typed fields (create, delete; values stay in contacts' metadata)."""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from contacts import services
from contacts.models import CustomField, FieldType
from contacts.views.access import needs
from contacts.views.dashboard_contacts import current_workspace
from contacts.workspaces.permissions import Perm


@needs(Perm.MANAGE)
@require_http_methods(["GET", "POST"])
def custom_fields(request: HttpRequest) -> HttpResponse:
    workspace = current_workspace(request)
    error, form = "", {"key": "", "label": "", "type": "text", "choices": ""}
    if request.method == "POST":
        form = {name: request.POST.get(name, default) for name, default in form.items()}
        try:
            field = services.field_create(workspace=workspace, key=form["key"], label=form["label"],
                                          type=form["type"], choices=form["choices"], actor=request.user)
        except services.ValidationFailed as exc:
            error = exc.message
        else:
            messages.success(request, f"Custom field “{field.label}” ({field.key}) created.")
            return redirect("custom_fields")
    fields = list(CustomField.objects.for_workspace(workspace).order_by("label", "id"))
    return render(request, "contacts/settings/custom_fields.html",
                  {"fields": fields, "types": FieldType.choices, "error": error, "form": form},
                  status=422 if error else 200)


@needs(Perm.MANAGE)
@require_POST
def custom_field_delete(request: HttpRequest, field_id: str) -> HttpResponse:
    if not str(field_id).isdigit():
        raise Http404("No such field.")
    field = CustomField.objects.for_workspace(current_workspace(request)).filter(pk=int(field_id)).first()
    if field is None:
        raise Http404("No such field.")
    services.field_delete(field=field, actor=request.user)
    messages.success(request, f"Deleted the custom field “{field.label}”. Its values stay in the contacts' data.")
    return redirect("custom_fields")
