"""A local HTTP server on 127.0.0.1 that replays recorded tracker answers, and nothing else.

A recording is a JSON file of interactions, each answered once and in order:
`{"request": "GET /path?query", "status": 200, "headers": {...}, "body_file": "bodies/x.json"}`
(or `"body"`: a JSON value, or `"text"`: raw text, e.g. truncated JSON). `{base}` in headers and
bodies becomes the server's address. A request with no recording left is answered 599 and
counted as a miss, which fails the test.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

RECORDINGS = Path(__file__).parent / "recordings"


def _key(method: str, target: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    parts = urlsplit(target)
    return method.upper(), parts.path, tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))


@dataclass
class Seen:
    """A request the server received."""

    method: str
    target: str
    headers: dict[str, str]
    body: Any


@dataclass
class Replay:
    """The server and what happened on it."""

    interactions: list[dict[str, Any]]
    base: str = ""
    seen: list[Seen] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    used: set[int] = field(default_factory=set)
    release: threading.Event = field(default_factory=threading.Event)

    def unused(self) -> list[str]:
        """Recorded requests that were never asked for."""
        return [i["request"] for n, i in enumerate(self.interactions) if n not in self.used]

    def answer(self, method: str, target: str) -> tuple[int, dict[str, str], bytes]:
        wanted = _key(method, target)
        for number, interaction in enumerate(self.interactions):
            verb, _, recorded = interaction["request"].partition(" ")
            if number in self.used or _key(verb, recorded) != wanted:
                continue
            self.used.add(number)
            if interaction.get("hold"):
                # Keep the client waiting here (a test kills it meanwhile), then answer.
                self.release.wait(timeout=60)
            if "body_file" in interaction:
                body = (RECORDINGS / interaction["body_file"]).read_text()
            elif "text" in interaction:
                body = interaction["text"]
            else:
                body = json.dumps(interaction.get("body"))
            headers = {
                k: v.replace("{base}", self.base) for k, v in interaction.get("headers", {}).items()
            }
            headers.setdefault("Content-Type", "application/json")
            return (
                interaction.get("status", 200),
                headers,
                body.replace("{base}", self.base).encode(),
            )
        self.misses.append(f"{method} {target}")
        return 599, {"Content-Type": "text/plain"}, f"no recording for {method} {target}".encode()


def load(name: str) -> Replay:
    """The recording of this name under tests/sources/recordings/."""
    data = json.loads((RECORDINGS / f"{name}.json").read_text())
    return Replay(interactions=data["interactions"])


def serve(replay: Replay) -> ThreadingHTTPServer:
    """Start the replay server in a thread on a free loopback port."""

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            replay.seen.append(Seen(self.command, self.path, dict(self.headers.items()), body))
            status, headers, payload = replay.answer(self.command, self.path)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = _handle  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    replay.base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return server
