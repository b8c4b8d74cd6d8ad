"""A schemathesis run of the whole API against a real server: server errors and conformance.

Run: .venv/bin/python bench/schema_run.py [--examples 50] [--postgres URL]

- `hotgate serve` runs in its own process on a new SQLite file (and, with --postgres, on a new
  PostgreSQL database), with every webhook enabled and a token for every role.
- A few bugs are stored and one decision reviewed first, so reads and reviews of existing
  decisions are reached too.
- schemathesis (examples, coverage, fuzzing and stateful phases) runs once per kind of caller:
  anonymous, viewer, requester, approver and admin. The admin run leaves out DELETE
  /api/v1/tokens/{token_id}, which would revoke the run's own tokens; it runs last, alone.
- Checks: no server error; status codes, content types, headers and bodies as the document
  declares them; 405 with `Allow` for methods a path does not take; `Allow` on OPTIONS true
  to the document; a missing required header and schema-invalid data refused.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "unsupported_method",
        "allow_header_conformance",
        "missing_required_header",
        "negative_data_rejection",
    ]
)
ROLES = ("viewer", "requester", "approver", "admin")
BIN = Path(sys.executable).parent


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tokens(url: str) -> dict[str, str]:
    from hotgate import store
    from hotgate.service import open_store

    engine = open_store(url)
    made: dict[str, str] = {}
    with store.session_factory(engine).begin() as session:
        for role in ROLES:
            _, made[role] = store.create_token(session, f"fuzz {role}", role)
    engine.dispose()
    return made


def _seed(base: str, approver: str) -> None:
    bearer = {"Authorization": f"Bearer {approver}"}
    for number in range(1, 4):
        issue = {
            "key": f"ops:INC-{number}",
            "source": "hotgate",
            "title": "Checkout crashes for every user",
            "body": "The app crashes on checkout for every user; there is no workaround.",
        }
        httpx.post(f"{base}/api/v1/issues", json=issue, headers=bearer).raise_for_status()
    httpx.post(
        f"{base}/api/v1/decisions/1/review", json={"action": "approve"}, headers=bearer
    ).raise_for_status()


def _schemathesis(base: str, examples: int, headers: list[str], only: list[str]) -> str:
    command = [
        str(BIN / "schemathesis"),
        "run",
        f"{base}/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        str(examples),
        "--workers",
        "1",
        "--seed",
        "1",
        *[part for header in headers for part in ("-H", header)],
        *only,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return done.stdout + done.stderr


def _figures(output: str) -> tuple[int, int, list[str]]:
    cases = re.search(r"(\d+) generated, (\d+) (?:passed|found)", output)
    generated = int(cases.group(1)) if cases else 0
    failures = re.findall(r"❌ (ST\d+ [^:]+): (\d+)", output)
    server = sum(int(n) for name, n in failures if "Server error" in name)
    return generated, server, [f"{name}: {n}" for name, n in failures]


def run(url: str, examples: int, label: str) -> list[tuple[str, int, int, list[str]]]:
    """Serve the app on this database, fuzz it as every caller; one row of figures each."""
    tokens = _tokens(url)
    port = _port()
    env = {
        **os.environ,
        "HOTGATE_DATABASE_URL": url,
        "HOTGATE_GITHUB_WEBHOOK_SECRET": "fuzz",
        "HOTGATE_GITLAB_WEBHOOK_TOKEN": "fuzz",
        "HOTGATE_JIRA_WEBHOOK_SECRET": "fuzz",
    }
    server = subprocess.Popen(
        [str(BIN / "hotgate"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        _seed(base, tokens["approver"])
        revoke = ["--include-path-regex", "^/api/v1/tokens/"]
        keep = ["--exclude-path-regex", "^/api/v1/tokens/"]
        callers = [("anonymous", []), *[(role, [role]) for role in ROLES]]
        for caller, roles in callers:
            headers = [f"Authorization: Bearer {tokens[role]}" for role in roles]
            only = keep if caller == "admin" else []
            output = _schemathesis(base, examples, headers, only)
            rows.append((f"{label} {caller}", *_figures(output)))
        output = _schemathesis(base, examples, [f"Authorization: Bearer {tokens['admin']}"], revoke)
        rows.append((f"{label} admin, DELETE tokens", *_figures(output)))
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    tracebacks = errors.count("Traceback")
    rows.append((f"{label} server log: tracebacks", tracebacks, 0, []))
    return rows


def main() -> None:
    """Print the figures of each run as a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=50)
    parser.add_argument("--postgres", help="a PostgreSQL server URL; a new database is made on it")
    options = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        rows += run(f"sqlite:///{folder}/fuzz.db", options.examples, "SQLite")
    if options.postgres:
        import psycopg

        name = f"hotgate_fuzz_{uuid.uuid4().hex[:8]}"
        admin = options.postgres.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        try:
            rows += run(
                options.postgres.rsplit("/", 1)[0] + f"/{name}", options.examples, "PostgreSQL"
            )
        finally:
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    print("| run | test cases | server errors | failures |")
    print("|---|---|---|---|")
    for label, cases, server, failures in rows:
        print(f"| {label} | {cases} | {server} | {', '.join(failures) or 0} |")


if __name__ == "__main__":
    main()
