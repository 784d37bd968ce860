"""Starting real servers in tests: a free loopback port, waiting until a URL answers."""

from __future__ import annotations

import socket
import time

import requests

__all__ = ["free_port", "wait_for"]


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout: float = 90.0) -> requests.Response:
    """Poll ``url`` until it answers; workers may take a while to start on a busy machine."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return requests.get(url, timeout=10)
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
