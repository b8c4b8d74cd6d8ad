"""A local HTTP endpoint on loopback that keeps what apprise posts to it (json:// URLs)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Endpoint:
    """A local HTTP server that keeps what apprise posts (path, title, message)."""

    base: str = ""
    received: list[tuple[str, str, str]] = field(default_factory=list)
    refuse: int = 0  # answer this many posts with 500 first
    refused: int = 0

    def messages(self) -> list[tuple[str, str, str]]:
        """What arrived so far, and forget it."""
        arrived, self.received = self.received, []
        return arrived


@contextmanager
def serving() -> Iterator[Endpoint]:
    """An endpoint on a free loopback port for apprise's json:// URLs, stopped on exit."""
    found = Endpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body: dict[str, Any] = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if found.refused < found.refuse:
                found.refused += 1
                self.send_response(500)
            else:
                found.received.append((self.path, body["title"], body["message"]))
                self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found.base = f"127.0.0.1:{server.server_address[1]}"
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    yield found
    server.shutdown()
    server.server_close()
