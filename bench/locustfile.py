"""The load test's workload (bench/load.py runs it): the real journeys, mixed.

Each Locust user is one persona, signed in with a session that bench/load.py
made (its cookie and the data it seeded are in the JSON file PONT_LOAD_SEED
names). Users pace themselves (constant throughput), so the request rate is set
by how many users run, not by how fast the server answers.
"""

import json
import os
import random
import re
import uuid

from locust import HttpUser, between, constant_throughput, task

SEED = json.loads(open(os.environ["PONT_LOAD_SEED"], encoding="utf-8").read())  # noqa: SIM115
PACE = float(os.environ.get("PONT_LOAD_PACE", "1"))  # requests per second per user
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Persona(HttpUser):
    abstract = True
    persona = ""
    wait_time = constant_throughput(PACE)

    def on_start(self) -> None:
        if self.persona:
            self.client.cookies.set(SEED["session_cookie"], SEED["sessions"][self.persona])
            self.client.cookies.set("pont_language", random.choice(["en", "cy"]))

    def page(self, path: str, name: str | None = None) -> str:
        with self.client.get(path, name=name or path, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            return response.text


class Public(Persona):
    """The public: the front page, the stop-search figures, the services, in both languages."""

    weight = 3
    wait_time = between(0.5 / PACE, 1.5 / PACE)

    @task(2)
    def figures(self) -> None:
        self.page("/stop-search/public")

    @task(2)
    def services(self) -> None:
        self.page("/services/public")

    @task
    def home(self) -> None:
        self.page("/")


class ProviderWorker(Persona):
    """A provider worker: the queue, a referral, now and then a contact attempt."""

    persona = "prov_a"
    weight = 3

    @task(3)
    def queue(self) -> None:
        self.page("/referrals/", "/referrals/ (queue)")

    @task(3)
    def referral(self) -> None:
        self.page(f"/referrals/{random.choice(SEED['referrals'])}", "/referrals/[id]")

    @task
    def contact_attempt(self) -> None:
        referral = random.choice(SEED["accepted"])
        html = self.page(f"/referrals/{referral}", "/referrals/[id]")
        token = TOKEN.search(html)
        if token is None:
            return
        self.client.post(
            f"/referrals/{referral}/contact-attempts",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "method": "phone",
                "day_0": SEED["today"][2],
                "day_1": SEED["today"][1],
                "day_2": SEED["today"][0],
                "at": "00:00",
                "result": "no_answer",
                "note": "",
            },
            headers={"Referer": self.host},
            name="/referrals/[id]/contact-attempts (POST)",
        )


class Officer(Persona):
    """A front-line officer: their disposals and searches, a disposal, their tasks."""

    persona = "frontline"
    weight = 2

    @task(2)
    def disposals(self) -> None:
        self.page("/disposals/", "/disposals/ (list)")

    @task(2)
    def disposal(self) -> None:
        self.page(f"/disposals/{random.choice(SEED['disposals'])}", "/disposals/[id]")

    @task
    def searches(self) -> None:
        self.page("/stop-search/", "/stop-search/ (list)")

    @task
    def my_tasks(self) -> None:  # not `tasks`: Locust's own attribute
        self.page("/disposals/tasks")


class CustodyOfficer(Persona):
    """A custody officer: the drug tests and the people."""

    persona = "custody"
    weight = 1

    @task
    def tests(self) -> None:
        self.page("/custody/drug-tests/", "/custody/drug-tests/ (list)")

    @task
    def person(self) -> None:
        self.page(f"/people/{random.choice(SEED['people'])}", "/people/[id]")


class Inspector(Persona):
    """An inspector: the dashboards."""

    persona = "inspector"
    weight = 1

    @task
    def disposals_dashboard(self) -> None:
        self.page("/disposals/dashboard")

    @task
    def search_figures(self) -> None:
        self.page("/stop-search/figures")

    @task
    def funnel(self) -> None:
        self.page("/referrals/funnel")


class PartnerSystem(Persona):
    """A provider's system on the partner API: lists, reads, contact attempts."""

    weight = 2

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {SEED['api_key']}"

    @task(3)
    def listing(self) -> None:
        self.page("/api/v1/referrals/?limit=20", "/api/v1/referrals/")

    @task(3)
    def one(self) -> None:
        self.page(f"/api/v1/referrals/{random.choice(SEED['referrals'])}", "/api/v1/referrals/[id]")

    @task
    def contact_attempt(self) -> None:
        with self.client.post(
            f"/api/v1/referrals/{random.choice(SEED['accepted'])}/contact-attempts",
            json={"method": "phone", "attempted_at": SEED["now"], "result": "no_answer"},
            headers={"Idempotency-Key": uuid.uuid4().hex},
            name="/api/v1/referrals/[id]/contact-attempts (POST)",
            catch_response=True,
        ) as response:
            if response.status_code >= 400:
                response.failure(f"{response.status_code} {response.text[:100]}")
