"""Members: the member services and their owner rules, the Members page, and the add_member command."""
from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from contacts import services
from contacts.models import ApiKey, AuditEvent, Membership, Role
from tests.factories import make_user, make_workspace

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def team(workspace, user):
    """`user` (manager) is the owner; an admin, a member and an outsider without a membership."""
    return {"owner": user, "admin": make_user("ada", workspace=workspace, role=Role.ADMIN, email="ada@example.com"),
            "member": make_user("mo", workspace=workspace, role=Role.MEMBER),
            "outsider": make_user("olga", email="olga@example.com")}


def membership(workspace, user) -> Membership:
    return Membership.objects.get(workspace=workspace, user=user)


def role_of(workspace, username: str) -> str | None:
    return Membership.objects.filter(workspace=workspace, user__username=username).values_list("role",
                                                                                                flat=True).first()


# --- services ----------------------------------------------------------------------------------------------

def test_member_services_audit_every_change(workspace, team):
    added = services.member_add(workspace=workspace, user=team["outsider"], role=Role.VIEWER, actor=team["admin"])
    services.member_set_role(membership=added, role=Role.COMPLIANCE, actor=team["admin"])
    services.member_remove(membership=added, actor=team["admin"])
    assert not Membership.objects.filter(workspace=workspace, user=team["outsider"]).exists()
    events = list(AuditEvent.objects.filter(workspace=workspace, action__startswith="member.")
                  .order_by("pk").values_list("action", "actor", "details"))
    assert events == [
        ("member.add", team["admin"].pk, {"user": "olga", "role": "viewer"}),
        ("member.role", team["admin"].pk, {"user": "olga", "role": "compliance", "previous_role": "viewer"}),
        ("member.remove", team["admin"].pk, {"user": "olga", "role": "compliance"}),
    ]


@pytest.mark.parametrize("role", [Role.MEMBER, Role.COMPLIANCE, Role.VIEWER])
def test_only_managers_change_members(workspace, team, role):
    actor = make_user(f"as-{role}", workspace=workspace, role=role)
    with pytest.raises(services.Forbidden):
        services.member_add(workspace=workspace, user=team["outsider"], role=Role.VIEWER, actor=actor)
    with pytest.raises(services.Forbidden):
        services.member_set_role(membership=membership(workspace, team["member"]), role=Role.ADMIN, actor=actor)
    with pytest.raises(services.Forbidden):
        services.member_remove(membership=membership(workspace, team["member"]), actor=actor)
    assert role_of(workspace, "mo") == Role.MEMBER and role_of(workspace, "olga") is None


def test_an_admin_cannot_make_or_unmake_owners(workspace, team):
    admin = team["admin"]
    with pytest.raises(services.Forbidden, match="Only an owner"):
        services.member_add(workspace=workspace, user=team["outsider"], role=Role.OWNER, actor=admin)
    with pytest.raises(services.Forbidden, match="Only an owner"):
        services.member_set_role(membership=membership(workspace, admin), role=Role.OWNER, actor=admin)
    with pytest.raises(services.Forbidden, match="Only an owner"):
        services.member_set_role(membership=membership(workspace, team["owner"]), role=Role.MEMBER, actor=admin)
    with pytest.raises(services.Forbidden, match="Only an owner"):
        services.member_remove(membership=membership(workspace, team["owner"]), actor=admin)
    with pytest.raises(services.Forbidden, match="Only an owner"):
        services.api_key_create(workspace=workspace, name="root", role=Role.OWNER, actor=admin)
    assert role_of(workspace, "manager") == Role.OWNER and role_of(workspace, "ada") == Role.ADMIN


def test_an_owner_makes_owners_and_a_workspace_keeps_one(workspace, team):
    owner = team["owner"]
    mine = membership(workspace, owner)
    with pytest.raises(services.ValidationFailed, match="last owner"):
        services.member_set_role(membership=mine, role=Role.ADMIN, actor=owner)
    with pytest.raises(services.ValidationFailed, match="last owner"):
        services.member_remove(membership=mine, actor=owner)
    with pytest.raises(services.ValidationFailed, match="last owner"):
        services.member_remove(membership=mine, actor="a command")  # the system is held to it too
    assert role_of(workspace, "manager") == Role.OWNER
    services.member_set_role(membership=membership(workspace, team["admin"]), role=Role.OWNER, actor=owner)
    services.member_set_role(membership=mine, role=Role.ADMIN, actor=owner)  # another owner exists now
    assert role_of(workspace, "manager") == Role.ADMIN and role_of(workspace, "ada") == Role.OWNER
    with pytest.raises(services.ValidationFailed, match="last owner"):
        services.member_remove(membership=membership(workspace, team["admin"]), actor=team["admin"])


def test_unknown_roles_and_double_membership_are_refused(workspace, team):
    with pytest.raises(services.ValidationFailed, match="Unknown role"):
        services.member_add(workspace=workspace, user=team["outsider"], role="superhero", actor=team["owner"])
    with pytest.raises(services.ValidationFailed, match="already a member"):
        services.member_add(workspace=workspace, user=team["member"], role=Role.VIEWER, actor=team["owner"])
    with pytest.raises(services.ValidationFailed, match="Unknown role"):
        services.member_set_role(membership=membership(workspace, team["member"]), role="god", actor=team["owner"])


def test_invite_creates_an_account_only_when_the_membership_is_made(workspace, team):
    with pytest.raises(services.Forbidden):
        services.member_invite(workspace=workspace, identifier="newbie", role=Role.OWNER, actor=team["admin"])
    assert not User.objects.filter(username="newbie").exists()
    joined, created = services.member_invite(workspace=workspace, identifier="new@example.com", role=Role.VIEWER,
                                             actor=team["admin"])
    assert created and joined.user.username == "new@example.com" and joined.user.email == "new@example.com"
    assert not joined.user.has_usable_password()
    found, created = services.member_invite(workspace=make_workspace("other"), identifier="OLGA@example.com",
                                            actor="test")
    assert not created and found.user == team["outsider"]


# --- the Members page ---------------------------------------------------------------------------------------

def test_members_page_lists_roles_and_adds_an_existing_user(client, workspace, team):
    client.force_login(team["admin"])
    page = client.get("/settings/members/").content.decode()
    for name, label in (("manager", "Owner"), ("ada", "Admin"), ("mo", "Member")):
        assert f'data-member="{name}"' in page and f">{label}</span>" in page
    assert "Only an owner can change an owner" in page  # the admin gets no controls on the owner's row
    assert '<option value="owner"' not in page  # nor the owner role to hand out
    response = client.post("/settings/members/", {"user": "olga@example.com", "role": "compliance"}, follow=True)
    assert "Added olga to Acme Dental as compliance." in response.content.decode()
    assert role_of(workspace, "olga") == Role.COMPLIANCE


def test_members_page_creates_an_account_with_a_one_time_set_password_link(client, workspace, team):
    client.force_login(team["owner"])
    response = client.post("/settings/members/", {"user": "newbie", "role": "member"})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="invited"' in html
    newbie = User.objects.get(username="newbie")
    assert not newbie.has_usable_password() and role_of(workspace, "newbie") == Role.MEMBER
    link = html.split('id="set-password-link" class="form-control font-monospace" readonly value="')[1].split('"')[0]
    assert link.startswith("http://testserver/accounts/set-password/")  # works without an email server
    # The person opens it, chooses a password and can sign in; the link then stops working.
    client.logout()
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "Fresh-pass-4821",
                                                    "new_password2": "Fresh-pass-4821"})
    assert done.status_code == 302
    newbie.refresh_from_db()
    assert newbie.check_password("Fresh-pass-4821")
    assert "new_password1" not in client.get(link, follow=True).content.decode()
    # Shown once: the members page does not show it again.
    client.force_login(team["owner"])
    assert 'data-testid="invited"' not in client.get("/settings/members/").content.decode()


def test_members_page_errors_change_nothing(client, workspace, team):
    client.force_login(team["admin"])
    before = (User.objects.count(), list(Membership.objects.order_by("pk").values_list("pk", "role")))
    for data, message in (({"user": "mo", "role": "viewer"}, "already a member"),
                          ({"user": "someone", "role": "owner"}, "Only an owner can make someone an owner"),
                          ({"user": "", "role": "viewer"}, "This field is required"),
                          ({"user": "bad name!", "role": "viewer"}, "username")):
        response = client.post("/settings/members/", data)
        assert response.status_code == 200 and message in response.content.decode(), data
    mo = membership(workspace, team["member"])
    client.post(f"/settings/members/{membership(workspace, team['owner']).pk}/role/", {"role": "viewer"})
    client.post(f"/settings/members/{membership(workspace, team['owner']).pk}/remove/")
    response = client.post(f"/settings/members/{mo.pk}/role/", {"role": "owner"}, follow=True)
    assert "Only an owner can make someone an owner" in response.content.decode()
    assert (User.objects.count(), list(Membership.objects.order_by("pk").values_list("pk", "role"))) == before


def test_members_page_changes_a_role_and_removes_after_confirming(client, workspace, team):
    client.force_login(team["owner"])
    mo = membership(workspace, team["member"])
    response = client.post(f"/settings/members/{mo.pk}/role/", {"role": "viewer"}, follow=True)
    assert "mo is now viewer (was member)." in response.content.decode()
    assert role_of(workspace, "mo") == Role.VIEWER
    confirm = client.get(f"/settings/members/{mo.pk}/remove/").content.decode()
    assert "Remove mo from Acme Dental?" in confirm and role_of(workspace, "mo") == Role.VIEWER
    response = client.post(f"/settings/members/{mo.pk}/remove/", follow=True)
    assert "Removed mo from Acme Dental." in response.content.decode()
    assert role_of(workspace, "mo") is None and User.objects.filter(username="mo").exists()


def test_the_last_owner_is_told_why_they_cannot_leave(client, workspace, team):
    client.force_login(team["owner"])
    mine = membership(workspace, team["owner"])
    for url, data in ((f"/settings/members/{mine.pk}/role/", {"role": "admin"}),
                      (f"/settings/members/{mine.pk}/remove/", {})):
        response = client.post(url, data, follow=True)
        assert "manager is the last owner of Acme Dental: make someone else an owner first." in \
            response.content.decode()
    assert role_of(workspace, "manager") == Role.OWNER


def test_an_admin_who_gives_up_managing_lands_on_the_overview(client, workspace, team):
    client.force_login(team["admin"])
    response = client.post(f"/settings/members/{membership(workspace, team['admin']).pk}/role/", {"role": "member"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/settings/members/").status_code == 403


@pytest.mark.parametrize("role", ["member", "compliance", "viewer"])
def test_members_page_is_for_managers_only(client, workspace, team, role):
    client.force_login(make_user(f"as-{role}", workspace=workspace, role=role))
    assert client.get("/settings/members/").status_code == 403
    assert client.post("/settings/members/", {"user": "olga", "role": "admin"}).status_code == 403
    assert role_of(workspace, "olga") is None


# --- API keys page: roles -----------------------------------------------------------------------------------

def test_api_keys_page_creates_a_key_with_a_role_and_lists_it(client, workspace, team):
    client.force_login(team["owner"])
    page = client.get("/settings/api-keys/").content.decode()
    assert '<option value="admin" selected' in page  # the default
    response = client.post("/settings/api-keys/", {"name": "Dialer", "role": "member"})
    assert ApiKey.objects.get(name="Dialer").role == Role.MEMBER
    assert 'data-testid="key-role">Member</span>' in response.content.decode()
    client.post("/settings/api-keys/", {"name": "Default"})
    assert ApiKey.objects.get(name="Default").role == Role.ADMIN
    response = client.post("/settings/api-keys/", {"name": "Odd", "role": "wizard"})
    assert "Unknown role" in response.content.decode() and not ApiKey.objects.filter(name="Odd").exists()


# --- commands -------------------------------------------------------------------------------------------------

def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_add_member_creates_a_user_without_a_password_and_prints_one_line(workspace, monkeypatch):
    monkeypatch.delenv("DJANGO_MEMBER_PASSWORD", raising=False)
    out, err = run("add_member", "alice", "--workspace", "acme", "--role", "compliance", "--email", "a@example.com")
    assert out == "added alice to acme as compliance\n"
    alice = User.objects.get(username="alice")
    assert alice.email == "a@example.com" and not alice.has_usable_password()
    assert "/accounts/set-password/" in err and role_of(workspace, "alice") == Role.COMPLIANCE
    assert AuditEvent.objects.filter(action="member.add", actor_label="add_member command").exists()


def test_add_member_uses_the_env_password(workspace, monkeypatch):
    monkeypatch.setenv("DJANGO_MEMBER_PASSWORD", "Env-pass-5531")
    out, err = run("add_member", "bob", "--workspace", "acme", "--role", "viewer")
    assert out == "added bob to acme as viewer\n" and err == ""
    assert User.objects.get(username="bob").check_password("Env-pass-5531")


def test_add_member_adds_an_existing_user_and_changes_a_role(workspace, team, monkeypatch):
    monkeypatch.setenv("DJANGO_MEMBER_PASSWORD", "Not-used-1234")
    out, _ = run("add_member", "olga", "--workspace", "acme", "--role", "member")
    assert out == "added olga to acme as member\n"
    assert not User.objects.get(username="olga").check_password("Not-used-1234")  # an existing password stays
    out, _ = run("add_member", "olga", "--workspace", "acme", "--role", "admin")
    assert out == "changed olga in acme from member to admin\n" and role_of(workspace, "olga") == Role.ADMIN
    out, _ = run("add_member", "olga", "--workspace", "acme", "--role", "admin")
    assert out == "kept olga in acme as admin\n"


def test_add_member_fails_clearly(workspace, team):
    with pytest.raises(CommandError, match="Unknown role 'boss'"):
        run("add_member", "zed", "--workspace", "acme", "--role", "boss")
    with pytest.raises(CommandError, match="No workspace with slug 'nope'"):
        run("add_member", "zed", "--workspace", "nope", "--role", "viewer")
    with pytest.raises(CommandError, match="last owner"):
        run("add_member", "manager", "--workspace", "acme", "--role", "viewer")
    assert not User.objects.filter(username="zed").exists() and role_of(workspace, "manager") == Role.OWNER


def test_create_api_key_takes_a_role(workspace):
    out, err = run("create_api_key", "--workspace", "acme", "--name", "ro", "--role", "viewer")
    assert ApiKey.objects.get(name="ro").role == Role.VIEWER and out.strip().startswith("sak_")
    run("create_api_key", "--workspace", "acme", "--name", "default")
    assert ApiKey.objects.get(name="default").role == Role.ADMIN
    with pytest.raises(CommandError, match="Unknown role 'root'"):
        run("create_api_key", "--workspace", "acme", "--role", "root")
