"""A loopback HTTP server for GBFS snapshot folders, with ETags, switchable failures and slow answers.

Real snapshots name their feeds by public URLs; the server rewrites ``gbfs.json`` so
every feed points at itself (and writes a discovery file for folders that have none),
so the real HTTP client fetches them without internet.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

__all__ = ["GbfsFolderServer", "gbfs_folder_server"]


@dataclass
class GbfsFolderServer:
    """Serves ``folder`` at ``url``; ``broken`` maps a file name to a status code or ``"malformed"``."""

    folder: Path
    url: str = ""
    requests: list[str] = field(default_factory=list)
    broken: dict[str, int | str] = field(default_factory=dict)
    overrides: dict[str, bytes] = field(default_factory=dict)
    slow: dict[str, float] = field(default_factory=dict)
    """Seconds to wait before answering, by file name (``"*"``: every file)."""
    trickle: dict[str, float] = field(default_factory=dict)
    """Seconds between single bytes of the body, by file name (``"*"``: every file)."""
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def discovery_url(self) -> str:
        """The URL of the (rewritten) ``gbfs.json``."""
        return f"{self.url}/gbfs.json"

    def body(self, name: str) -> bytes | None:
        """What the server answers for ``name`` (``None``: 404)."""
        if name in self.overrides:
            return self.overrides[name]
        if name == "gbfs.json":
            return json.dumps(self._discovery()).encode()
        path = self.folder / name
        return path.read_bytes() if path.is_file() else None

    def _discovery(self) -> dict[str, object]:
        feeds = [
            {"name": p.stem, "url": f"{self.url}/{p.name}"}
            for p in sorted(self.folder.glob("*.json"))
            if p.name != "gbfs.json"
        ]
        original = self.folder / "gbfs.json"
        if not original.is_file():
            return {"last_updated": 0, "ttl": 0, "version": "2.3", "data": {"en": {"feeds": feeds}}}
        document = json.loads(original.read_text(encoding="utf-8"))
        if "feeds" in document["data"]:
            document["data"]["feeds"] = feeds
        else:
            for block in document["data"].values():
                block["feeds"] = feeds
        return document


@pytest.fixture
def gbfs_folder_server() -> Iterator[Callable[[Path], GbfsFolderServer]]:
    """A function that serves a folder on an ephemeral loopback port; servers stop after the test."""
    servers: list[ThreadingHTTPServer] = []
    states: list[GbfsFolderServer] = []

    def start(folder: Path) -> GbfsFolderServer:
        state = GbfsFolderServer(folder)
        states.append(state)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                name = self.path.rsplit("/", 1)[-1]
                state.requests.append(name)
                failure = state.broken.get(name)
                body = state.body(name)
                if isinstance(failure, int):
                    self.send_response(failure)
                    self.end_headers()
                    return
                if failure == "malformed":
                    body = b'{"data": {"stations": [{"station_id": '
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                delay = state.slow.get(name, state.slow.get("*", 0.0))
                if delay and state.stop.wait(delay):
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                gap = state.trickle.get(name, state.trickle.get("*", 0.0))
                if not gap:
                    self.wfile.write(body)
                    return
                for byte in body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    if state.stop.wait(gap):
                        return

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        state.url = f"http://127.0.0.1:{server.server_address[1]}"
        return state

    yield start
    for state in states:
        state.stop.set()  # slow and trickling answers end now
    for server in servers:
        server.shutdown()
        server.server_close()
