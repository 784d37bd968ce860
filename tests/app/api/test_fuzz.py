"""Property-based requests generated from our own OpenAPI document never produce a 500.

schemathesis builds valid and invalid requests for every documented operation (query
parameters of every type, missing and extra ones) and checks each response against the
contract: status code documented, body matching its schema, and never a server error.
One test per operation, so a failure names it and xdist spreads them over the workers.

Every operation that needs a sign-in is fuzzed again with the token of each role (resident,
operator, city staff, admin), over a world where the resident owns a booking, a pass and a
proof: first one request on those objects (the answers that carry real bodies), then the
generated ones.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from tests.app.accounts.resident_world import BODIES, BOOKING_ID, PLACE_ID, TICKET_ID, resident_world
from tests.app.api.openapi_operations import declared_document, declared_operations
from tests.conftest_d.accounts import SignedIn

MAX_EXAMPLES = 50
MAX_EXAMPLES_PER_ROLE = 12
OPERATIONS = declared_operations()
ROLES = ("resident", "operator", "city_staff", "admin")
SIGNED_IN_OPERATIONS = [
    (role, method, path)
    for role in ROLES
    for method, path in OPERATIONS
    if not declared_document()["paths"][path][method.lower()]["x-access"]["public"]
]


def test_every_resource_is_fuzzed() -> None:
    assert len(OPERATIONS) >= 40
    resources = {path.removeprefix("/api/v1").strip("/").split("/")[0] for _, path in OPERATIONS}
    assert resources >= {"plan", "stops", "bookings", "auth", "me", "tickets", "health", "ready"}


def _call_and_validate(case: schemathesis.Case, headers: dict[str, str]) -> int:
    """Send the case (with ``headers``), check the answer against the contract, return its status."""
    response = case.call(headers=headers)
    # With a real token sent on purpose, "the API accepts the generated (invalid) credentials"
    # does not apply; the anonymous run keeps that check.
    excluded = [ignored_auth] if headers else []
    problem = response.json().get("type", "") if response.status_code == 422 else ""
    if problem and not problem.endswith(":invalid-body"):
        # Well-formed but refused by a documented business rule (a point at sea, a date the
        # timetable does not cover, an unsigned webhook): the other checks still apply.
        excluded.append(positive_data_acceptance)
    case.validate_response(response, excluded_checks=excluded)
    return int(response.status_code)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_honours_its_contract(app: Flask, method: str, path: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema[path][method]
    statuses: Counter[int] = Counter()

    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case: schemathesis.Case) -> None:
        statuses[_call_and_validate(case, {})] += 1

    check()
    # What was checked: requests were really sent, and none of them failed on our side.
    assert sum(statuses.values()) >= 1, f"no request generated for {method} {path}"
    assert not [status for status in statuses if status >= 500], statuses


@pytest.mark.parametrize(
    ("role", "method", "path"), SIGNED_IN_OPERATIONS, ids=[f"{r} {m} {p}" for r, m, p in SIGNED_IN_OPERATIONS]
)
def test_operation_honours_its_contract_for_every_role(
    app: Flask, sign_in: Callable[..., SignedIn], role: str, method: str, path: str
) -> None:
    world = resident_world(app, sign_in)
    caller = world.callers[role]
    assert caller is not None
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema[path][method]
    entry = declared_document()["paths"][path][method.lower()]
    objects: dict[str, Any] = {
        "booking_id": BOOKING_ID,
        "ticket_id": TICKET_ID,
        "proof_id": world.proof_public_id,
        "place_id": PLACE_ID,
        "position": 1,
        "stop_id": "no-such-stop",
        "trip_id": "no-such-trip",
    }
    parameters = {name: objects[name] for name in re.findall(r"{(\w+)}", path)}
    body = BODIES.get(str(entry["operationId"]))
    on_objects = operation.Case(
        path_parameters=parameters,
        headers={"Idempotency-Key": f"fuzz-{role}-key"},
        **({"body": body, "media_type": "application/json"} if body is not None else {}),
    )
    first = _call_and_validate(on_objects, caller.headers)
    assert first < 500 and first != 401, f"{role}: {method} {path} on the resident's objects: {first}"
    if role not in entry["x-access"]["roles"]:
        assert first == 403, f"{role} is not in the row of {method} {path}, yet got {first}"
    statuses: Counter[int] = Counter({first: 1})

    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES_PER_ROLE, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case: schemathesis.Case) -> None:
        statuses[_call_and_validate(case, caller.headers)] += 1

    check()
    assert sum(statuses.values()) >= 2, f"no request generated for {method} {path} as {role}"
    assert not [status for status in statuses if status >= 500], statuses
