"""Locust users asking /api/v1/plan with the queries in ``$PLAN_QUERIES`` (a JSON list)."""

from __future__ import annotations

import json
import os
import random

from locust import HttpUser, constant, task

QUERIES: list[dict[str, str]] = json.loads(open(os.environ["PLAN_QUERIES"], encoding="utf-8").read())


class PlanningUser(HttpUser):
    """A user of the app planning one trip after another, without pause."""

    wait_time = constant(0)

    @task
    def plan(self) -> None:
        """Plan one of the sampled trips; anything but a 200 or a 422 (point off the network) fails."""
        query = random.choice(QUERIES)
        with self.client.get("/api/v1/plan", params=query, name="/api/v1/plan", catch_response=True) as response:
            if response.status_code in (200, 422):  # 422: a sampled point off the network, a planned answer
                response.success()
            else:
                response.failure(f"status {response.status_code}")
