"""Workspaces: validation, membership in several workspaces and switching between them."""
import pytest
from django.core.exceptions import ValidationError

from contacts import services
from contacts.models import Workspace
from tests.factories import make_contact, make_user, make_workspace

pytestmark = pytest.mark.django_db


def test_workspace_validates_country_and_timezone(db):
    with pytest.raises(ValidationError) as err:
        services.workspace_create(name="X", slug="x", default_country="XX")
    assert "default_country" in err.value.message_dict
    ws = Workspace(name="Y", slug="y", timezone="Mars/Olympus")
    with pytest.raises(ValidationError) as err:
        ws.full_clean()
    assert "timezone" in err.value.message_dict
    owner = make_user("owner")
    created = services.workspace_create(name="Berlin Office", slug="berlin", default_country="de", owner=owner)
    assert created.default_country == "DE"
    assert created.memberships.get().role == "owner"


def test_plan_limits_follow_the_guide(db):
    limits = {plan: make_workspace(plan=plan).contact_limit
              for plan in ("professional", "dental", "real_estate", "unlimited")}
    assert limits == {"professional": 1000, "dental": 5000, "real_estate": 50000, "unlimited": None}


def test_user_in_two_workspaces_switches_between_them(client, workspace, other_workspace):
    user = make_user("both", workspace=workspace)
    other_workspace.memberships.create(user=user, role="member")
    make_contact(workspace)
    make_contact(other_workspace)
    make_contact(other_workspace)
    client.force_login(user)
    first = client.get("/")
    assert first.context["workspace"] == workspace  # alphabetical: Acme Dental first
    assert b'id="workspace-switch"' in first.content
    response = client.post("/workspace/switch/", {"workspace": "globex", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").context["workspace"] == other_workspace
    assert client.get("/").context["active_count"] == 2


def test_cannot_switch_into_a_workspace_you_do_not_belong_to(client, workspace, other_workspace):
    user = make_user("only-acme", workspace=workspace)
    client.force_login(user)
    assert client.post("/workspace/switch/", {"workspace": "globex"}).status_code == 404
    assert client.get("/").context["workspace"] == workspace


def test_switch_ignores_offsite_next(client, workspace):
    client.force_login(make_user("u", workspace=workspace))
    response = client.post("/workspace/switch/", {"workspace": "acme", "next": "https://evil.example/"})
    assert response["Location"] == "/"
