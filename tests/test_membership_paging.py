"""Pages of contacts filtered by list, tag or campaign, on both sides of the count cap.

Within the cap the count reads the matching ids and the page is fetched by them (the filters run once); above it
the page walks the contacts in the list's order and probes the memberships (EXISTS). Either way every page holds
the right contacts in the right order, the dashboard and the API agree, and no contact is repeated or skipped.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts import counting, services
from contacts.models import Contact
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

PER_PAGE = 2


@pytest.fixture
def crowd(workspace, other_workspace):
    """Nine contacts created a minute apart (newest last), a list of six, a tag on four, a campaign of five, and
    a number field; another workspace's contacts sit in lists of their own."""
    now = timezone.now()
    people = []
    for i in range(9):
        contact = make_contact(workspace, first_name=f"P{i}", last_name=f"L{(i * 5) % 9}", consent=None,
                               metadata={"budget": i * 100})
        Contact.objects.filter(pk=contact.pk).update(created_at=now - timedelta(minutes=9 - i))
        people.append(contact)
    services.field_create(workspace=workspace, key="budget", label="Budget", type="number")

    def some(*indexes):
        return Contact.objects.filter(pk__in=[people[i].pk for i in indexes])

    box, _ = services.list_create_from(workspace=workspace, name="Box", contacts=some(0, 2, 3, 5, 7, 8))
    vip = services.tag_create(workspace=workspace, name="VIP")
    services.contacts_tag(workspace=workspace, contacts=some(1, 2, 5, 8), tag=vip)
    hot = services.tag_create(workspace=workspace, name="Hot")
    services.contacts_tag(workspace=workspace, contacts=some(2, 4, 8), tag=hot)
    drive = services.campaign_create(workspace=workspace, name="Drive")
    services.campaign_add_contacts(campaign=drive, contacts=some(0, 1, 3, 6, 8))
    stranger = make_contact(other_workspace, first_name="Stranger", consent=None)
    services.list_create_from(workspace=other_workspace, name="Theirs", contacts=Contact.objects.filter(pk=stranger.pk))
    return {"people": people, "box": box, "drive": drive}


def cases(crowd) -> list[tuple[dict, list[int]]]:
    """(filters, the indexes of the people expected, newest first)."""
    return [
        ({"list_id": crowd["box"].public_id}, [8, 7, 5, 3, 2, 0]),
        ({"tags": "VIP"}, [8, 5, 2, 1]),
        ({"tags": ["VIP", "Hot"]}, [8, 5, 4, 2, 1]),
        ({"tags": ["VIP", "Hot"], "tags_mode": "all"}, [8, 2]),
        ({"campaign_id": crowd["drive"].public_id}, [8, 6, 3, 1, 0]),
        ({"list_id": crowd["box"].public_id, "tags": "VIP"}, [8, 5, 2]),
        ({"list_id": crowd["box"].public_id, "custom.budget__gte": "300"}, [8, 7, 5, 3]),
        ({"list_id": crowd["box"].public_id, "sort": "name"}, None),
        ({"list_id": crowd["box"].public_id, "sort": "-custom.budget"}, [8, 7, 5, 3, 2, 0]),
        ({"list_id": crowd["box"].public_id, "sort": "company"}, [0, 2, 3, 5, 7, 8]),  # all blank: by id
    ]


def walk_pages(get) -> list[str]:
    names, page = [], 1
    while page < 10:
        rows, more = get(page)
        names += rows
        if not more:
            return names
        page += 1
    raise AssertionError("paging never ends")


@pytest.mark.parametrize("cap", [1, 3, 100], ids=["above-cap", "around-cap", "within-cap"])
def test_every_page_of_a_membership_filter_holds_the_right_contacts(client_logged_in, api_key, crowd, monkeypatch,
                                                                     cap):
    monkeypatch.setattr(counting, "COUNT_CAP", cap)
    people = crowd["people"]
    for params, expected in cases(crowd):
        if expected is None:  # sorted by last name, then id
            members = [people[i] for i in (8, 7, 5, 3, 2, 0)]
            expected_names = [c.first_name for c in sorted(members, key=lambda c: (c.last_name, c.pk))]
        else:
            expected_names = [f"P{i}" for i in expected]

        def dashboard(page, params=params):
            response = client_logged_in.get("/contacts/", {**params, "per_page": PER_PAGE, "page": page})
            assert response.status_code == 200, (params, response.status_code)
            return [c.first_name for c in response.context["contacts"]], response.context["page"].has_next()

        def api(page, params=params):
            query = {k: ",".join(v) if isinstance(v, list) else v for k, v in params.items()}
            response = client_logged_in.get("/v1/contacts", {**query, "per_page": PER_PAGE, "page": page},
                                            HTTP_AUTHORIZATION=f"Bearer {api_key}")
            assert response.status_code == 200, (params, response.json())
            body = response.json()
            return [c["first_name"] for c in body["data"]], body["meta"]["has_more"]

        assert walk_pages(dashboard) == expected_names, (params, cap)
        if "sort" not in params:  # the API lists newest first
            assert walk_pages(api) == expected_names, (params, cap)


@pytest.fixture
def api_key(workspace) -> str:
    return services.api_key_create(workspace=workspace, name="paging")[1]


def page_queries(client, params) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/contacts/", params).status_code == 200
    return [q["sql"] for q in captured.captured_queries if 'FROM "contacts_contact"' in q["sql"]]


def test_a_large_result_walks_the_list_order_and_a_small_one_is_fetched_by_id(client_logged_in, crowd,
                                                                               monkeypatch):
    box = crowd["box"].public_id
    monkeypatch.setattr(counting, "COUNT_CAP", 2)  # six members: "large"
    walked = page_queries(client_logged_in, {"list_id": box})
    counted, fetched = walked[0], walked[-1]
    assert " IN (SELECT" in counted and "EXISTS" not in counted  # the count starts from the list's members
    assert "EXISTS" in fetched and "ORDER BY" in fetched  # the page walks newest first and probes the list

    # a sort no index gives whole (a custom field; status, whose index goes on by date, not id): the page is sorted
    # from the members, never a walk over every contact
    for sort in ("-custom.budget", "status", "name"):
        assert "EXISTS" not in page_queries(client_logged_in, {"list_id": box, "sort": sort})[-1], sort
    assert "EXISTS" in page_queries(client_logged_in, {"list_id": box, "sort": "company"})[-1]

    monkeypatch.setattr(counting, "COUNT_CAP", 100)  # six members: within the cap
    small = page_queries(client_logged_in, {"list_id": box, "custom.budget__gte": "300"})
    assert len(small) == 2, small  # the ids, then the page by those ids
    by_ids = small[-1]
    assert "contacts_listmembership" not in by_ids and "budget" not in by_ids
    assert ("json_each" if connection.vendor == "sqlite" else "= ANY(") in by_ids
