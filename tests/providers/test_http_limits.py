"""Operator answers are bounded: a body above the limit is refused while it streams, by Content-Length or not."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from providers.errors import FeedError
from providers.http import HttpClient, HttpSettings

BIG = b'{"data": "' + b"x" * 200_000 + b'"}'


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if self.path == "/declared":
            self.send_header("Content-Length", str(len(BIG)))
            self.end_headers()
            self.wfile.write(BIG)
        elif self.path == "/chunked":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(BIG), 8192):
                piece = BIG[start : start + 8192]
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            body = b'{"ok": true}'
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.protocol_version = "HTTP/1.1"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("path", ["/declared", "/chunked"])
def test_a_body_above_the_limit_is_refused(server: str, path: str) -> None:
    client = HttpClient("demo-rad", HttpSettings(max_body_bytes=100_000, retries=0))
    with pytest.raises(FeedError, match="100000"):
        client.get_json(server + path, "station_status")


def test_a_body_within_the_limit_is_read(server: str) -> None:
    client = HttpClient("demo-rad", HttpSettings(max_body_bytes=300_000, retries=0))
    assert client.get_json(server + "/chunked", "station_status").document == {"data": "x" * 200_000}
    assert client.get_json(server + "/small", "station_status").document == {"ok": True}


@pytest.mark.parametrize(("path", "limit", "refused"), [("/chunked", 300_000, False), ("/chunked", 100_000, True)])
def test_a_body_a_response_hook_read_first_is_kept_and_still_bounded(
    server: str, path: str, limit: int, refused: bool
) -> None:
    session = requests.Session()
    seen: list[int] = []
    session.hooks["response"].append(lambda response, *args, **kwargs: seen.append(len(response.content)))
    client = HttpClient("demo-rad", HttpSettings(max_body_bytes=limit, retries=0), session=session)
    if refused:
        with pytest.raises(FeedError, match=str(limit)):
            client.get_json(server + path, "station_status")
    else:
        assert client.get_json(server + path, "station_status").document == {"data": "x" * 200_000}
    assert seen == [len(BIG)]
