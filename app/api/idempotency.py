"""The ``Idempotency-Key`` header that money-moving requests must carry."""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Hashable, Iterator
from contextlib import contextmanager

from flask import request

from app.errors import BadRequest
from app.openapi import Header

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,255}$")

IDEMPOTENCY_HEADER = Header(
    name="Idempotency-Key",
    description="8-255 letters, digits or ._:- (e.g. a UUID): the same key returns the same result",
    schema={"type": "string", "pattern": IDEMPOTENCY_KEY.pattern, "minLength": 8, "maxLength": 255},
    required=True,
)


def idempotency_key() -> str:
    """The request's key.

    Raises
    ------
    BadRequest
        Missing or malformed.
    """
    key = request.headers.get("Idempotency-Key", "")
    if not IDEMPOTENCY_KEY.match(key):
        raise BadRequest("send an Idempotency-Key header of 8-255 letters, digits or ._:- (e.g. a UUID)")
    return key


_locks: weakref.WeakValueDictionary[Hashable, threading.Lock] = weakref.WeakValueDictionary()
_locks_guard = threading.Lock()


@contextmanager
def one_at_a_time(*scope: Hashable) -> Iterator[None]:
    """Run requests with the same ``scope`` (account, key) in this process one after the other.

    A duplicate then finds the original's finished result instead of racing its insert.
    """
    with _locks_guard:
        lock = _locks.get(scope)
        if lock is None:
            lock = threading.Lock()
            _locks[scope] = lock
    with lock:
        yield
