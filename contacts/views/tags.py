"""Tags pages: every tag with its colour and count (create, edit, delete: contacts always stay)."""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from contacts import selectors, services
from contacts.models import Tag, TagColour
from contacts.views.access import needs
from contacts.views.dashboard_contacts import current_workspace
from contacts.workspaces.permissions import Perm, require


def get_tag(request: HttpRequest, tag_id: str) -> Tag:
    if not str(tag_id).isdigit():
        raise Http404("No such tag.")
    tag = Tag.objects.for_workspace(current_workspace(request)).filter(pk=int(tag_id)).first()
    if tag is None:
        raise Http404("No such tag.")
    return tag


@needs(Perm.VIEW)
@require_http_methods(["GET", "POST"])
def tag_index(request: HttpRequest) -> HttpResponse:
    """GET: the tags with their counts. POST (edit): create a tag."""
    workspace = current_workspace(request)
    error = ""
    if request.method == "POST":
        require(request.user, workspace, Perm.EDIT)
        try:
            tag = services.tag_create(workspace=workspace, name=request.POST.get("name", ""),
                                      colour=request.POST.get("colour") or None, actor=request.user)
        except services.ValidationFailed as exc:
            error = exc.message
        else:
            messages.success(request, f"Tag “{tag.name}” created. Tag contacts from the contacts list.")
            return redirect("tag_index")
    tags = list(selectors.tags_with_counts(workspace).order_by("name", "id"))
    return render(request, "contacts/tags/tag_index.html",
                  {"tags": tags, "colours": TagColour.choices, "error": error,
                   "name": request.POST.get("name", ""), "colour": request.POST.get("colour", "blue")},
                  status=422 if error else 200)


@needs(Perm.EDIT)
@require_http_methods(["GET", "POST"])
def tag_edit(request: HttpRequest, tag_id: str) -> HttpResponse:
    tag = get_tag(request, tag_id)
    error = ""
    name, colour = tag.name, tag.colour
    if request.method == "POST":
        name, colour = request.POST.get("name", ""), request.POST.get("colour", "")
        try:
            services.tag_update(tag=tag, name=name, colour=colour or None, actor=request.user)
        except services.ValidationFailed as exc:
            error = exc.message
            tag.refresh_from_db()
        else:
            messages.success(request, f"Saved the tag “{tag.name}”.")
            return redirect("tag_index")
    return render(request, "contacts/tags/tag_edit.html",
                  {"tag": tag, "name": name, "colour": colour, "colours": TagColour.choices, "error": error},
                  status=422 if error else 200)


@needs(Perm.EDIT)
@require_http_methods(["GET", "POST"])
def tag_delete(request: HttpRequest, tag_id: str) -> HttpResponse:
    tag = get_tag(request, tag_id)
    if request.method == "POST":
        name = tag.name
        carried = services.tag_delete(tag=tag, actor=request.user)
        messages.success(request, f"Deleted the tag “{name}”. The {carried:,} contact{'s' if carried != 1 else ''} "
                                  "that carried it are kept.")
        return redirect("tag_index")
    return render(request, "contacts/tags/tag_delete.html", {"tag": tag, "count": tag.taggings.count()})
