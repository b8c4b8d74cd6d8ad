"""Running the server for tests: uvicorn on a free loopback port, in a thread."""

from __future__ import annotations

import importlib.util
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from hotgate.api.app import create_app
from hotgate.api.settings import Settings


@contextmanager
def live_server(settings: Settings, timeout: float = 20) -> Iterator[str]:
    """Serve the app on 127.0.0.1 and a free port; yields its base URL, stops on exit."""
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not (server.started and server.servers):
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=timeout)


CHROMIUM_ENV = "HOTGATE_TEST_CHROMIUM"
CHROMIUM = "/usr/bin/chromium"
# headless Chromium as root, in a container, with no network beyond loopback
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> Path:
    """The system's Chromium the browser tests drive ($HOTGATE_TEST_CHROMIUM, else Debian's)."""
    return Path(os.environ.get(CHROMIUM_ENV, CHROMIUM))


def chromium_problem() -> str | None:
    """Why the browser tests cannot run here, in one line, or None when they can."""
    path = chromium_path()
    if not path.is_file():
        return f"Chromium is not installed at {path} (apt-get install -y chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (pip install -c constraints.txt -e '.[test]')"
    return None
