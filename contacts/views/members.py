"""Settings → Members: who is in the workspace with which role; add (creating the account), change a role, remove."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from contacts import services
from contacts.forms_dashboard import MemberAddForm
from contacts.models import Membership, Role, Workspace
from contacts.views.access import needs
from contacts.views.dashboard_contacts import current_workspace
from contacts.views.integrations import role_choices
from contacts.workspaces.permissions import Perm, allowed, role_of

ROLE_ORDER = {value: rank for rank, value in enumerate(Role.values)}


def _membership(request: HttpRequest, member_id: str) -> Membership:
    try:
        return Membership.objects.select_related("user", "workspace").get(
            workspace=current_workspace(request), pk=int(member_id))
    except (ValueError, Membership.DoesNotExist) as exc:
        raise Http404("No such member.") from exc


def _after_change(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """Back to the members page, or to the overview when the change took this page away from the user."""
    return redirect("members" if allowed(request.user, workspace, Perm.MANAGE) else "overview")


def _role_label(role: str) -> str:
    return Role(role).label.lower()


@needs(Perm.MANAGE)
def members(request: HttpRequest) -> HttpResponse:
    """List the members; POST adds one (a new account's one-time set-password link is shown once, here)."""
    workspace = current_workspace(request)
    form = MemberAddForm(request.POST if request.method == "POST" else None)
    invited = None
    if request.method == "POST" and form.is_valid():
        try:
            membership, created = services.member_invite(
                workspace=workspace, identifier=form.cleaned_data["user"], role=form.cleaned_data["role"],
                actor=request.user)
        except services.ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            name, role = membership.user.get_username(), _role_label(membership.role)
            if not created:
                messages.success(request, f"Added {name} to {workspace.name} as {role}.")
                return redirect("members")
            path = services.set_password_path(membership.user)
            invited = {"user": membership.user, "role": role, "link": request.build_absolute_uri(path) if path else ""}
            form = MemberAddForm()
    is_owner = role_of(request.user, workspace) == Role.OWNER
    memberships = sorted(Membership.objects.filter(workspace=workspace).select_related("user"),
                         key=lambda m: (ROLE_ORDER.get(m.role, 99), m.user.get_username().lower()))
    return render(request, "contacts/settings/members.html", {
        "memberships": memberships, "form": form, "invited": invited, "is_owner": is_owner,
        "roles": role_choices(owner=is_owner), "all_roles": role_choices(),
        "reset_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86_400),
    })


@needs(Perm.MANAGE)
def member_role(request: HttpRequest, member_id: str) -> HttpResponse:
    membership = _membership(request, member_id)
    if request.method != "POST":
        return redirect("members")
    previous = membership.role
    try:
        services.member_set_role(membership=membership, role=request.POST.get("role", ""), actor=request.user)
    except services.ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("members")
    name = membership.user.get_username()
    if membership.role == previous:
        messages.info(request, f"{name} already has the {_role_label(previous)} role.")
    else:
        messages.success(request, f"{name} is now {_role_label(membership.role)} (was {_role_label(previous)}).")
    return _after_change(request, membership.workspace)


@needs(Perm.MANAGE)
def member_remove(request: HttpRequest, member_id: str) -> HttpResponse:
    """GET asks for confirmation; POST removes the membership (the account and its history stay)."""
    membership = _membership(request, member_id)
    if request.method == "POST":
        try:
            services.member_remove(membership=membership, actor=request.user)
        except services.ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("members")
        messages.success(request, f"Removed {membership.user.get_username()} from {membership.workspace.name}.")
        return _after_change(request, membership.workspace)
    return render(request, "contacts/settings/member_remove.html",
                  {"membership": membership, "is_self": membership.user_id == request.user.pk})
