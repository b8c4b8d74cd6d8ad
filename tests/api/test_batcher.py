"""Concurrent assessments are decided together, each exactly as it would be alone."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from hotgate import service
from hotgate.api.batcher import Batcher
from hotgate.policy.deciding.calendar import context_from_options
from samples import builtin_policy, sample_issue


@pytest.mark.parametrize("size", [1, 7, 40])
def test_a_batch_decides_like_one_at_a_time(size: int) -> None:
    kinds = ["hotfix", "no-hotfix", "needs-info"]
    issues = [sample_issue(n, kinds[n % 3]) for n in range(size)]
    contexts = [
        context_from_options(date(2026, 11, 1), date(2026, 11, 2) if n % 2 else None)
        for n in range(size)
    ]
    policy = builtin_policy()

    async def together() -> list[object]:
        batcher = Batcher(policy)
        batcher.start()
        try:
            return list(
                await asyncio.gather(
                    *(batcher.decide(i, c) for i, c in zip(issues, contexts, strict=True))
                )
            )
        finally:
            await batcher.close()

    decided = asyncio.run(together())
    alone = [service.decide_issue(i, policy, c) for i, c in zip(issues, contexts, strict=True)]
    assert decided == alone


def test_a_failing_batch_fails_its_requests_and_the_worker_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = builtin_policy()
    context = context_from_options(date(2026, 11, 1), None)
    real = service.decide_issues
    calls = {"n": 0}

    def flaky(issues, policy, context, trouble=None):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise ValueError("the first batch fails")
        return real(issues, policy, context, trouble)

    monkeypatch.setattr(service, "decide_issues", flaky)

    async def run() -> tuple[BaseException | None, str]:
        batcher = Batcher(policy)
        batcher.start()
        try:
            try:
                await batcher.decide(sample_issue(1), context)
                first: BaseException | None = None
            except ValueError as exc:
                first = exc
            second = await batcher.decide(sample_issue(2), context)
            return first, second.verdict
        finally:
            await batcher.close()

    first, verdict = asyncio.run(run())
    assert isinstance(first, ValueError)
    assert verdict == "hotfix"


def test_the_batcher_decides_with_the_counts_it_is_given() -> None:
    policy = builtin_policy()
    context = context_from_options(date(2026, 11, 1), None)
    issue = sample_issue(1, component="checkout")
    reads = {"n": 0}

    def counts() -> dict[str, int]:
        reads["n"] += 1
        return {"checkout": 2}

    async def run() -> object:
        batcher = Batcher(policy, counts)
        batcher.start()
        try:
            return await batcher.decide(issue, context)
        finally:
            await batcher.close()

    decided = asyncio.run(run())
    assert decided == service.decide_issue(issue, policy, context, {"checkout": 2})
    assert decided != service.decide_issue(issue, policy, context)
    assert reads["n"] == 1
