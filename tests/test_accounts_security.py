"""Accounts: failed sign-ins are throttled (dashboard and admin), passwords are validated, sessions end."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings

from tests.factories import make_user

pytestmark = pytest.mark.django_db


def fail(client, url: str, username: str):
    return client.post(url, {"username": username, "password": "wrong-password"})


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_repeated_failed_logins_are_locked_out(client, workspace, url):
    make_user("ops", workspace=workspace, is_staff=True)
    statuses = [fail(client, url, "ops").status_code for _ in range(3)]
    assert statuses[:2] == [200, 200]
    locked = client.post(url, {"username": "ops", "password": "pw-Secret-123"})  # right password, too late
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_a_success_before_the_limit_resets_the_count(client, workspace):
    make_user("ops", workspace=workspace)
    fail(client, "/accounts/login/", "ops")
    fail(client, "/accounts/login/", "ops")
    ok = client.post("/accounts/login/", {"username": "ops", "password": "pw-Secret-123"})
    assert ok.status_code == 302
    client.logout()
    fail(client, "/accounts/login/", "ops")
    assert client.post("/accounts/login/", {"username": "ops", "password": "pw-Secret-123"}).status_code == 302


def test_weak_passwords_are_refused():
    for weak in ("password", "12345678", "short"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("long-and-unusual-Phrase-42")


def test_sessions_expire():
    assert 0 < settings.SESSION_COOKIE_AGE <= 24 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY


def test_password_change_signs_out_every_other_session(client, workspace):
    from django.test import Client

    user = make_user("ops", workspace=workspace)
    laptop, phone = Client(), Client()
    laptop.force_login(user)
    phone.force_login(user)
    assert phone.get("/contacts/").status_code == 200
    response = laptop.post("/accounts/password_change/", {"old_password": "pw-Secret-123",
                                                         "new_password1": "new-Unusual-phrase-77",
                                                         "new_password2": "new-Unusual-phrase-77"})
    assert response.status_code == 302
    assert laptop.get("/contacts/").status_code == 200  # the session that changed it stays signed in
    assert phone.get("/contacts/").status_code == 302  # every other session is signed out
