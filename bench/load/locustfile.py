"""Mixed workload for bench/load/run_load.py: dashboard list, search and detail (signed in), API list and create."""
from __future__ import annotations

import os
import random
import re

from locust import HttpUser, between, task

API_KEY = os.environ["LOAD_API_KEY"]
USERNAME = os.environ.get("LOAD_USERNAME", "load")
PASSWORD = os.environ.get("LOAD_PASSWORD", "load-Password-123")
CONTACT_IDS = os.environ.get("LOAD_CONTACT_IDS", "").split(",")
TERMS = ["smith", "user1234", "Company 9f", "(212) 200", "First42", "example.com", "Last0a"]


class Manager(HttpUser):
    """A manager in the dashboard plus an integration calling the API (one user does both, weighted)."""

    wait_time = between(0.0, 0.05)

    def on_start(self) -> None:
        page = self.client.get("/accounts/login/", name="login page")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        self.client.post("/accounts/login/", {"username": USERNAME, "password": PASSWORD,
                                              "csrfmiddlewaretoken": token},
                         headers={"Referer": self.host + "/accounts/login/"}, name="login")
        self.api = {"Authorization": f"Bearer {API_KEY}"}

    @task(4)
    def contacts_list(self) -> None:
        self.client.get("/contacts/?status=active", name="dashboard list")

    @task(3)
    def contacts_search(self) -> None:
        self.client.get("/contacts/", params={"search": random.choice(TERMS)}, name="dashboard search")

    @task(3)
    def contact_detail(self) -> None:
        self.client.get(f"/contacts/{random.choice(CONTACT_IDS)}/", name="contact detail")

    @task(4)
    def api_list(self) -> None:
        self.client.get("/v1/contacts", params={"per_page": 20}, headers=self.api, name="API list")

    @task(1)
    def api_create(self) -> None:
        phone = f"+1907{random.randrange(2_000_000, 9_999_999):07d}"
        with self.client.post("/v1/contacts", json={"phone": phone, "first_name": "Load"}, headers=self.api,
                              name="API create", catch_response=True) as response:
            if response.status_code == 409:  # the random number already exists: a correct answer
                response.success()
