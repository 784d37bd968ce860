"""localstripe (a Stripe-compatible test server) on a loopback port, one per test session and worker."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

__all__ = ["STRIPE_TEST_KEY", "localstripe_url"]

STRIPE_TEST_KEY = "sk_test_kassel_mobility"
WRAPPER = Path(__file__).with_name("localstripe_loopback.py")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def localstripe_url() -> Iterator[str]:
    """Base URL of a running localstripe; skips when localstripe is not installed."""
    pytest.importorskip("localstripe")
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, str(WRAPPER), str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{url}/v1/customers", auth=(STRIPE_TEST_KEY, ""), timeout=2)
            break
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                stderr = process.communicate()[1].decode() if process.stderr else ""
                raise RuntimeError(f"localstripe did not start: {stderr[-2000:]}") from None
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)
    if process.stderr:
        process.stderr.close()
