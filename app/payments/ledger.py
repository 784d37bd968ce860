"""Our own idempotency for gateway operations: each business operation runs at most once.

Before a money-moving call the operation's key and a hash of its parameters are
committed; its result is committed after. A retry with the same key returns the recorded
result without calling the gateway; the same key with other parameters is refused. A
call that crashed in flight is retried with the same key (the gateway's own idempotency
then applies).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import GatewayOperation
from app.payments.gateway import GatewayUnavailable, Intent, IntentStatus, PaymentError


def _digest(parameters: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(parameters, sort_keys=True, default=str).encode()).hexdigest()


def _encode(result: Intent | str) -> str:
    if isinstance(result, Intent):
        return json.dumps({"intent": dataclasses.asdict(result)})
    return json.dumps({"value": result})


def _decode(raw: str) -> Intent | str:
    data = json.loads(raw)
    if "intent" in data:
        fields = data["intent"]
        return Intent(**{**fields, "status": IntentStatus(fields["status"])})
    return str(data["value"])


def once(db: Session, key: str, parameters: dict[str, Any], call: Callable[[], Intent | str]) -> Intent | str:
    """Run ``call`` for the business operation ``key`` unless it already ran; the (recorded) result.

    Raises
    ------
    PaymentError
        The key was used before with other parameters.
    GatewayUnavailable
        The same operation is running right now in another request.
    """
    digest = _digest(parameters)
    row = db.get(GatewayOperation, key)
    if row is None:
        row = GatewayOperation(key=key, request_hash=digest)
        db.add(row)
        try:
            db.commit()
        except IntegrityError as exc:
            db.rollback()
            raise GatewayUnavailable("the same payment operation is running; try again shortly") from exc
    elif row.request_hash != digest:
        raise PaymentError(f"the payment operation {key} was already made with other amounts")
    elif row.result is not None:
        return _decode(row.result)
    result = call()
    row.result = _encode(result)
    db.commit()
    return result
