"""Users for bench/load/run.py: `Ceiling` (signed-out login page) and `Manager` (the mixed workload).

Every request is recorded (name, start, ms, ok) and written to $LOAD_SAMPLES when locust quits, so run.py can
summarise a steady window with exact percentiles (locust's own CSV rounds them and mixes in the sign-ins).
When every user has signed in the file $LOAD_READY is created. Pages are fetched without following redirects: a lost
session (302 to the login page) is a failure, not a success.
"""
from __future__ import annotations

import json
import os
import random
import re

from locust import HttpUser, between, events, task

SAMPLES: list[tuple[str, float, float, bool]] = []
SIGNED_IN = 0  # sign-ins tried; run.py starts measuring when all have (the file $LOAD_READY appears)
# Words people type: 1- and 2-character words, words matching most rows and none, names, e-mails and numbers.
SHORT_TERMS = ["a", "f", "jo", "9f", "Company 9f", "e 1"]
TERMS = ["Last0a", "First42", "user1234", "smith", "example.com", "(212) 200", "Company", "zzqx", "user77@example.com"]


@events.request.add_listener
def _record(name: str, response_time: float, exception: BaseException | None, start_time: float | None = None,
            **_: object) -> None:
    SAMPLES.append((name, start_time or 0.0, response_time, exception is None))


@events.quitting.add_listener
def _write(**_: object) -> None:
    if os.environ.get("LOAD_SAMPLES"):
        with open(os.environ["LOAD_SAMPLES"], "w") as handle:
            json.dump(SAMPLES, handle)


class Base(HttpUser):
    abstract = True
    wait_time = between(0.0, 0.05)  # near closed-loop: the server, not think time, sets the pace

    def get_ok(self, path: str, name: str, **kwargs: object) -> None:
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True, **kwargs) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.headers.get('Location', '')}")


class Ceiling(Base):
    """What this machine serves with no database work: the signed-out login page."""

    @task
    def login_page(self) -> None:
        self.get_ok("/accounts/login/", "login page (signed out)")


class Manager(Base):
    """A manager in the dashboard plus an integration calling the API (one user does both, weighted)."""

    def on_start(self) -> None:
        page = self.client.get("/accounts/login/", name="sign in: form")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        with self.client.post("/accounts/login/", {"username": os.environ["LOAD_USERNAME"],
                                                   "password": os.environ["LOAD_PASSWORD"],
                                                   "csrfmiddlewaretoken": token.group(1) if token else ""},
                              headers={"Referer": self.host + "/accounts/login/"}, name="sign in: POST",
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:  # Django answers a good sign-in with a redirect, a bad one with 200
                response.failure(f"sign-in answered {response.status_code}")
        global SIGNED_IN
        SIGNED_IN += 1
        if int(os.environ.get("LOAD_USERS", "0")) == SIGNED_IN and os.environ.get("LOAD_READY"):
            open(os.environ["LOAD_READY"], "w").close()
        self.api = {"Authorization": f"Bearer {os.environ['LOAD_API_KEY']}"}
        self.ids = os.environ["LOAD_CONTACT_IDS"].split(",")

    @task(4)
    def contacts_list(self) -> None:
        self.get_ok("/contacts/?status=active", "dashboard list")

    @task(2)
    def contacts_search(self) -> None:
        self.get_ok("/contacts/", "search", params={"search": random.choice(TERMS)})

    @task(1)
    def contacts_search_short(self) -> None:
        self.get_ok("/contacts/", "search (short word)", params={"search": random.choice(SHORT_TERMS)})

    @task(3)
    def contact_detail(self) -> None:
        self.get_ok(f"/contacts/{random.choice(self.ids)}/", "contact detail")

    @task(4)
    def api_list(self) -> None:
        self.get_ok("/v1/contacts", "API list", params={"per_page": 20}, headers=self.api)

    @task(1)
    def api_create(self) -> None:
        phone = f"+1907{random.randrange(2_000_000, 9_999_999):07d}"
        with self.client.post("/v1/contacts", json={"phone": phone, "first_name": "Load"}, headers=self.api,
                              name="API create", catch_response=True) as response:
            if response.status_code == 409:  # the random number already exists: a correct answer
                response.success()
