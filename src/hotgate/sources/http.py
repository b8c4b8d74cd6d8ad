"""The one place connectors talk HTTP: retries with backoff that honour the tracker's limits."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import orjson
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from hotgate.sources.base import SourceError

USER_AGENT = "hotgate (+https://github.com/hotgate/hotgate)"


class ConnectorError(SourceError):
    """A tracker refused or failed a request; the message is one line and holds no secret."""


class TransientError(Exception):
    """A transient failure worth another try, after `delay` seconds when the tracker says so."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


@dataclass
class Answer:
    """A decoded tracker answer: JSON body and the headers paging needs."""

    data: Any
    headers: httpx.Headers
    url: str


@dataclass
class Transport:
    """HTTP with retries: `sleep` and `clock` are injectable so tests never wait for real."""

    tracker: str
    headers: Mapping[str, str]
    timeout: float = 30.0
    attempts: int = 5
    max_wait: float = 900.0
    backoff: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    client: httpx.Client | None = None
    # Set when an answer said the quota is spent: the next request first waits for the reset.
    pause: float = 0.0

    def _client(self) -> httpx.Client:
        if self.client is None:
            self.client = httpx.Client(
                headers={"User-Agent": USER_AGENT, **self.headers},
                timeout=self.timeout,
                follow_redirects=True,
            )
        return self.client

    def close(self) -> None:
        """Close the connection pool."""
        if self.client is not None:
            self.client.close()
            self.client = None

    def request(self, method: str, url: str, **kwargs: Any) -> Answer:
        """Send a request, retrying rate limits, 5xx and broken answers; raise ConnectorError."""
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=self._wait,
            retry=retry_if_exception_type(TransientError),
            sleep=self._sleep,
            reraise=True,
        )
        if self.pause > 0:
            delay, self.pause = self.pause, 0.0
            if delay > self.max_wait:
                raise ConnectorError(
                    f"{self.tracker}: the rate limit is spent; it resets in {delay:.0f}s, "
                    f"longer than the {self.max_wait:.0f}s this run may wait — try again later"
                )
            self._sleep(delay)
        try:
            return retrying(self._once, method, url, **kwargs)
        except TransientError as exc:
            raise ConnectorError(
                f"{self.tracker}: gave up after {self.attempts} tries on {_safe(url)}: {exc.reason}"
            ) from None

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> Answer:
        """GET a JSON answer."""
        return self.request("GET", url, params=params)

    def _sleep(self, seconds: float) -> None:
        self.sleep(seconds)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        told = exc.delay if isinstance(exc, TransientError) else None
        if told is None:
            return float(min(self.backoff * 2 ** (state.attempt_number - 1), self.max_wait))
        if told > self.max_wait:
            reason = exc.reason if isinstance(exc, TransientError) else "rate limited"
            raise ConnectorError(
                f"{self.tracker}: {reason}; the limit resets in {told:.0f}s, "
                f"longer than the {self.max_wait:.0f}s this run may wait — try again later"
            )
        return max(told, 0.0)

    def _once(self, method: str, url: str, **kwargs: Any) -> Answer:
        try:
            response = self._client().request(method, url, **kwargs)
        except httpx.TimeoutException:
            raise TransientError("timed out") from None
        except httpx.TransportError as exc:
            raise TransientError(f"connection failed ({type(exc).__name__})") from None
        self._check(response)
        self.pause = self.limit_delay(response) or 0.0
        if response.status_code == 204 or not response.content:
            return Answer(None, response.headers, str(response.url))
        try:
            data = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise TransientError("the answer was not complete JSON") from None
        return Answer(data, response.headers, str(response.url))

    def _check(self, response: httpx.Response) -> None:
        status = response.status_code
        where = _safe(str(response.url))
        if status < 400:
            return
        delay = self.limit_delay(response)
        if status == 429 or (status == 403 and (delay is not None or _mentions_limit(response))):
            raise TransientError(f"rate limited ({status})", 60.0 if delay is None else delay)
        if status >= 500:
            raise TransientError(f"server error {status}", delay)
        if status == 401:
            raise ConnectorError(
                f"{self.tracker}: the token was refused (401 Unauthorized) at {where}; "
                f"check HOTGATE_{self.tracker.upper()}_TOKEN"
            )
        if status == 403:
            raise ConnectorError(
                f"{self.tracker}: access denied (403 Forbidden) to {where}; "
                "the token lacks the rights for this project"
            )
        if status == 404:
            raise ConnectorError(
                f"{self.tracker}: not found (404) at {where}; "
                "check the project name or issue number"
            )
        raise ConnectorError(f"{self.tracker}: the tracker answered {status} at {where}")

    def limit_delay(self, response: httpx.Response) -> float | None:
        """Seconds the tracker asks us to wait (Retry-After, or a rate-limit reset time)."""
        headers = response.headers
        retry_after = headers.get("retry-after")
        if retry_after:
            return _seconds_until(retry_after, self.clock(), relative=True)
        remaining = headers.get("x-ratelimit-remaining") or headers.get("ratelimit-remaining")
        reset = headers.get("x-ratelimit-reset") or headers.get("ratelimit-reset")
        if reset and (remaining is None or remaining.strip() == "0"):
            return _seconds_until(reset, self.clock(), relative=False)
        return None


def _seconds_until(value: str, now: float, relative: bool) -> float | None:
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        # A small number is a delay; an epoch timestamp is a reset time.
        return max(number if relative or number < 1e9 else number - now, 0.0)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when.timestamp() - now, 0.0)


def _mentions_limit(response: httpx.Response) -> bool:
    # GitHub's secondary limits answer 403 with a message and sometimes no header at all.
    text = response.text[:500].lower()
    return "rate limit" in text or "abuse" in text


def _safe(url: str) -> str:
    """A URL without its query, so no token or search in a query string reaches a message."""
    return url.split("?", 1)[0]
