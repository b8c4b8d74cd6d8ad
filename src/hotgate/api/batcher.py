"""Deciding concurrent requests together: one evaluation for all the bugs that arrived at once.

The engine evaluates a batch as columns, so ten bugs cost little more than one. Requests
queue here; a single worker takes everything that is waiting, evaluates it in one batch per
decision context (as-of day and next release), and answers each request. Under load this
keeps one evaluation running at a time instead of many competing for the CPU.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import date

from fastapi.concurrency import run_in_threadpool

from hotgate import service
from hotgate.model import Decision, Issue
from hotgate.policy.deciding.engine import Context
from hotgate.policy.definition.schema import Policy

MAX_BATCH = 256
Waiting = tuple[Issue, Context, "asyncio.Future[Decision]"]


class Batcher:
    """Collects issues to decide and decides them in batches, one batch at a time."""

    def __init__(
        self, policy: Policy, trouble: Callable[[], Mapping[str, int]] | None = None
    ) -> None:
        self.policy = policy
        # troubled past hotfixes per component (the server's cached store counts), or none
        self.trouble = trouble
        self._queue: asyncio.Queue[Waiting] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        """Start the worker in the running event loop (the server starts it on start-up)."""
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        self._worker = asyncio.create_task(self._run(self._queue))

    async def decide(self, issue: Issue, context: Context) -> Decision:
        """The decision on one issue, made together with whatever else is waiting."""
        if self._queue is None or self._loop is not asyncio.get_running_loop():
            self.start()  # first use, or an app driven from another event loop (tests)
        assert self._queue is not None
        future: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()
        await self._queue.put((issue, context, future))
        return await future

    async def warm_up(self) -> None:
        """Decide one made-up bug, so the first real request pays neither planning nor counts."""
        bug = Issue(key="hotgate:warm-up", source="hotgate", title="Warm-up", labels=["bug"])
        await run_in_threadpool(self._decide, [bug], Context(as_of=date.today()))

    async def close(self) -> None:
        """Stop the worker (on server shutdown)."""
        if self._worker is not None and self._loop is asyncio.get_running_loop():
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        self._worker = self._queue = self._loop = None

    async def _run(self, queue: asyncio.Queue[Waiting]) -> None:
        while True:
            batch = [await queue.get()]
            while not queue.empty() and len(batch) < MAX_BATCH:
                batch.append(queue.get_nowait())
            groups: dict[tuple[object, ...], list[Waiting]] = defaultdict(list)
            for waiting in batch:
                groups[_key(waiting[1])].append(waiting)
            for members in groups.values():
                issues = [issue for issue, _, _ in members]
                context = members[0][1]
                try:
                    decisions = await run_in_threadpool(self._decide, issues, context)
                except Exception as exc:  # handed to each waiting request
                    for _, _, future in members:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, _, future), decision in zip(members, decisions, strict=True):
                    if not future.done():
                        future.set_result(decision)

    def _decide(self, issues: list[Issue], context: Context) -> list[Decision]:
        # in the worker thread: reading the counts may ask the store
        trouble = self.trouble() if self.trouble is not None else None
        return service.decide_issues(issues, self.policy, context, trouble)


def _key(context: Context) -> tuple[object, ...]:
    """Contexts that decide alike (a Release is not hashable, its fields are)."""
    release = context.release
    if release is None:
        return (context.as_of,)
    return (context.as_of, release.name, release.date, release.days_until, release.kind)
