"""The one place that joins sources, policy, store and notifications."""

from __future__ import annotations

import gc
import getpass
import itertools
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import polars as pl

from hotgate.model import ChangeRequest, Decision, Issue
from hotgate.policy.changes.content_lane import (
    changes_frame,
    decide_changes,
    evaluate_changes,
    to_change_decision,
)
from hotgate.policy.deciding.columns import (
    RankedEntry,
    decision_documents,
    documents_of,
    json_lines,
    ranked_entries,
)
from hotgate.policy.deciding.engine import Context, evaluate, evaluated_rows, rank, to_decision
from hotgate.policy.definition.schema import Policy
from hotgate.policy.reading.reader import text_scores
from hotgate.policy.reading.signals import issues_frame
from hotgate.sources.base import Origin, Skipped, SourceError
from hotgate.sources.named import read_issues, read_items
from hotgate.sources.reader import Item

if TYPE_CHECKING:  # the store and SQLAlchemy load only for a run that uses the store
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker


# Rows decided at once. A run that writes whole decisions decides fewer at a time: its memory
# also holds the parts its builders are given, and on 100,000 real-text issues as JSON Lines
# batches of 10,000 took as long as batches of 20,000 (17.8 s) with 250 MiB less at the peak,
# while the ranked table took 0.4 s longer with them (2026-12-01, `bench/bench_triage.py`).
BATCH_SIZE = 20_000
DOCUMENTS_BATCH_SIZE = 10_000
DOCUMENT_BATCH = 4_000
SUMMARY_COLUMNS = [
    "key",
    "title",
    "verdict",
    "override",
    "significant__answer",
    "broad_reach__answer",
    "no_workaround__answer",
    "severity_level",
    "cost_of_waiting",
    "risk_of_hotfix",
    "url",
    "_rank",
    "severity",
]


@dataclass
class Tally:
    """What a batch run read: how many subjects were decided, skipped and ignored."""

    decided: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    ignored: int = 0
    changes: list[ChangeRequest] = field(default_factory=list)


def decide_one(
    subject: Issue | ChangeRequest,
    policy: Policy,
    context: Context,
    trouble: Mapping[str, int] | None = None,
) -> Decision:
    """Decide one bug, or one change request in the content lane."""
    if isinstance(subject, ChangeRequest):
        return decide_change(subject, policy, context)
    return decide_issue(subject, policy, context, trouble)


def read_one(path: str, origin: Origin | None = None) -> Issue | ChangeRequest:
    """The single subject in a file; an error if it holds none or several."""
    issues: list[Issue | ChangeRequest] = []
    for item in read_issues(path, origin):
        if isinstance(item, Skipped):
            raise SourceError(str(item))
        if isinstance(item, Issue | ChangeRequest):
            issues.append(item)
    label = "<stdin>" if path == "-" else path
    if not issues:
        raise SourceError(f"{label}: holds no issue to assess")
    if len(issues) > 1:
        raise SourceError(f"{label}: holds {len(issues)} issues; use 'hotgate triage' for many")
    return issues[0]


def decide_change(change: ChangeRequest, policy: Policy, context: Context) -> Decision:
    """Decide one change request in the content lane."""
    return next(decide_changes(policy, [change], context))


CHANGE_SUMMARY_COLUMNS = [
    "key",
    "title",
    "verdict",
    "simple__answer",
    "needed__answer",
    "safe__answer",
    "cost_of_waiting",
    "risk_of_hotfix",
    "url",
]


def change_summary(
    policy: Policy, context: Context, tally: Tally, recorder: Recorder | None = None
) -> pl.DataFrame:
    """Decide the change requests a batch run set aside, ranked like the issues."""
    if not tally.changes:
        return pl.DataFrame()
    frame, facts = changes_frame(policy, tally.changes, context)
    tally.decided += len(tally.changes)
    evaluated = evaluate_changes(policy, frame)
    if recorder is not None:
        rows = evaluated.iter_rows(named=True)
        recorder.record(
            to_change_decision(policy, row, row_facts, context)
            for row, row_facts in zip(rows, facts, strict=True)
        )
    ranked = evaluated.sort(["_rank", "cost_of_waiting", "key"], descending=[False, True, False])
    return ranked.select(CHANGE_SUMMARY_COLUMNS)


def with_area_trouble(frame: pl.DataFrame, trouble: Mapping[str, int] | None) -> pl.DataFrame:
    """The frame with each bug's count of troubled past hotfixes in its component.

    trouble is the store's count per component (store.troubled_hotfixes_by_component);
    None means no store was consulted, and the column is left for the policy to fill.
    """
    if trouble is None:
        return frame
    # Looked up in Python: for the API's single bug 0.07 ms against 0.27 ms as an expression;
    # for a batch of 10,000, 1.2 against 0.8 ms, next to the hundreds of ms deciding it takes.
    components = frame["component"].to_list()
    counts = [0 if c is None else trouble.get(c, 0) for c in components]
    return frame.with_columns(pl.Series("area_hotfix_trouble", counts, dtype=pl.Int64))


def decide_issue(
    issue: Issue, policy: Policy, context: Context, trouble: Mapping[str, int] | None = None
) -> Decision:
    """Decide one issue: a batch of one."""
    return decide_issues([issue], policy, context, trouble)[0]


def decide_issues(
    issues: list[Issue],
    policy: Policy,
    context: Context,
    trouble: Mapping[str, int] | None = None,
) -> list[Decision]:
    """Decide a batch of issues as full Decisions, in the order given."""
    frame = with_area_trouble(issues_frame(issues), trouble)
    return [to_decision(policy, row, context) for row in evaluated_rows(policy, frame, context)]


def evaluated_batches(
    items: Iterator[Item],
    policy: Policy,
    context: Context,
    tally: Tally,
    size: int = BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
    trouble: Mapping[str, int] | None = None,
    text_terms: bool = True,
) -> Iterator[pl.DataFrame]:
    """Evaluate issues in batches of about `size` rows, in input order, counting what was
    skipped or ignored on the way (in `tally`, complete once the batches are exhausted).

    The next batch is read and its text scored (`reader.text_scores`) in a thread while this
    one is decided: both run mostly outside the GIL, in polars and numpy, so they overlap on
    two cores. Without `text_terms` the reader's words are not read (a summary shows none of
    them). An error while reading (SourceError) is raised here, once the batches before it
    were decided.
    """
    batches = _read_batches(items, tally, size)

    def scored() -> pl.DataFrame | None:
        batch = next(batches, None)
        if batch is None:
            return None
        return text_scores(policy, with_area_trouble(batch, trouble), text_terms)

    pool = ThreadPoolExecutor(1, thread_name_prefix="hotgate-read")
    try:
        ahead = pool.submit(scored)
        while (batch := ahead.result()) is not None:
            ahead = pool.submit(scored)
            tally.decided += batch.height
            if on_batch:
                on_batch(batch.height)
            yield evaluate(policy, batch, context, text_terms)
    finally:
        # A run cut short (Ctrl-C, a closed pipe) does not wait here for the batch being read.
        pool.shutdown(wait=False, cancel_futures=True)


def _read_batches(items: Iterator[Item], tally: Tally, size: int) -> Iterator[pl.DataFrame]:
    """The issues read, in input order, as frames of about `size` rows (issues_frame columns);
    skipped, ignored and set-aside items are counted in `tally`."""
    issues: list[Issue] = []
    frames: list[pl.DataFrame] = []
    rows = 0
    for item in items:
        if isinstance(item, Issue):
            issues.append(item)
            rows += 1
        elif isinstance(item, pl.DataFrame):
            if issues:  # keep the input order
                frames.append(issues_frame(issues))
                issues = []
            frames.append(item)
            rows += item.height
        elif isinstance(item, Skipped):
            tally.skipped.append(item)
        elif isinstance(item, ChangeRequest):
            tally.changes.append(item)  # decided apart: a change has its own criteria
        else:
            tally.ignored += 1
        if rows >= size:
            yield _joined(frames, issues)
            issues, frames, rows = [], [], 0
    if rows:
        yield _joined(frames, issues)


def _joined(frames: list[pl.DataFrame], issues: list[Issue]) -> pl.DataFrame:
    parts = [*frames, issues_frame(issues)] if issues else frames
    return pl.concat(parts, how="vertical", rechunk=True)


def triage_summary(
    path: str,
    policy: Policy,
    context: Context,
    tally: Tally,
    origin: Origin | None = None,
    on_batch: Callable[[int], None] | None = None,
    recorder: Recorder | None = None,
    items: Iterator[Item] | None = None,
) -> pl.DataFrame:
    """Decide every issue of a file (or of `items` read from it) and return the ranked summary."""
    trouble = recorder.area_trouble() if recorder is not None else None
    read = read_items(path, origin) if items is None else items
    # The summary shows no reader words; a recorder keeps them with the whole evidence.
    batches = evaluated_batches(
        read,
        policy,
        context,
        tally,
        on_batch=on_batch,
        trouble=trouble,
        text_terms=recorder is not None,
    )
    if recorder is not None:
        batches = recorder.tee(batches)
    frames = [frame.select(SUMMARY_COLUMNS) for frame in batches]
    if not frames:
        return pl.DataFrame()
    return rank(pl.concat(frames))


def triage_decisions(
    path: str,
    policy: Policy,
    context: Context,
    tally: Tally,
    origin: Origin | None = None,
    recorder: Recorder | None = None,
    items: Iterator[Item] | None = None,
) -> Iterator[Decision]:
    """Every issue of a file (or of `items` read from it) as a full Decision, in input order."""
    trouble = recorder.area_trouble() if recorder is not None else None
    read = read_items(path, origin) if items is None else items
    batches = evaluated_batches(read, policy, context, tally, trouble=trouble)
    if recorder is not None:
        batches = recorder.tee(batches)
    for frame in batches:
        for row in frame.iter_rows(named=True):
            yield to_decision(policy, row, context)
    yield from _set_aside_changes(policy, context, tally, recorder)


def _set_aside_changes(
    policy: Policy, context: Context, tally: Tally, recorder: Recorder | None
) -> list[Decision]:
    """The change requests a run set aside, decided, counted and recorded (with a recorder)."""
    changes = list(decide_changes(policy, tally.changes, context))
    tally.decided += len(changes)
    if recorder is not None:
        recorder.record(changes)
    return changes


def triage_lines(
    path: str,
    policy: Policy,
    context: Context,
    tally: Tally,
    origin: Origin | None = None,
    recorder: Recorder | None = None,
    items: Iterator[Item] | None = None,
) -> Iterator[bytes]:
    """triage_decisions as JSON Lines (one `Decision.model_dump(mode="json")` a line), in
    blocks of at most DOCUMENT_BATCH decisions; recorded whole when a recorder is given.

    Built over each batch's columns (policy/deciding/columns.py), byte for byte what the
    Decision objects would dump, beside this process while it decides (`built_parts`).
    """
    trouble = recorder.area_trouble() if recorder is not None else None
    read = read_items(path, origin) if items is None else items
    frames = evaluated_batches(read, policy, context, tally, DOCUMENTS_BATCH_SIZE, trouble=trouble)
    # Documents take far more memory than columns: a few thousand at a time.
    parts = (part for frame in frames for part in frame.iter_slices(DOCUMENT_BATCH))
    answered_by = recorder.answered_by if recorder is not None else None
    pack = recorder is not None and recorder.packs
    for built in built_parts(policy, context, parts, answered_by, pack):
        if recorder is not None:
            assert built.rows is not None  # built for a recorder
            recorder.record_rows(built.rows)
        yield built.lines
    changes = _set_aside_changes(policy, context, tally, recorder)
    if changes:
        yield json_lines([change.model_dump(mode="json") for change in changes])


def ranked_entries_of(blocks: Iterable[bytes]) -> Iterator[list[RankedEntry]]:
    """Blocks of JSON Lines (`triage_lines`) as the entries `columns.ranked_json` ranks, for
    `triage --format json`: each block read and encoded again with the collector paused, as
    the builders do (100,000 real-text issues: about 4 s less)."""
    for block in blocks:
        with _collector_paused():
            entries = ranked_entries(documents_of(block))
        yield entries


# --- decision documents, built beside the deciding ---------------------------------------------

# Processes that build documents beside the deciding (0: one per core, at most two).
BUILDERS = 0


@dataclass(frozen=True)
class Built:
    """One evaluated part's decisions: as JSON Lines (`columns.json_lines`), and as the rows
    that record them (`store.document_rows`) when the run records, else None."""

    lines: bytes
    rows: list[dict[str, Any]] | None


@dataclass(frozen=True)
class _Building:
    """What a builder needs besides the part: the run's policy and context, who records (None
    when the run records nothing), and whether the store keeps evidence packed (SQLite)."""

    policy: Policy
    context: Context
    answered_by: str | None
    pack: bool = False


# In a process that builds documents: the policies it was given, by digest, so that what is
# made once for a policy (its expressions, its patterns) is made once per process, not per part.
_POLICIES: dict[tuple[str, str], Policy] = {}


def _build_in_worker(building: _Building, part: pl.DataFrame) -> Built:
    policy = _POLICIES.setdefault((building.policy.name, building.policy.sha256), building.policy)
    return _build(replace(building, policy=policy), part)


def _build(building: _Building, part: pl.DataFrame) -> Built:
    with _collector_paused():
        documents = decision_documents(building.policy, part, building.context)
        rows = None
        if building.answered_by is not None:
            from hotgate import store

            rows = store.document_rows(documents, building.answered_by, pack=building.pack)
        return Built(json_lines(documents), rows)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while decision documents are built (or read back from
    JSON), and as it was after.

    A part makes a few million dicts, lists and strings, none in a cycle (reference counting
    frees them all), and each full collection walks them all again: with it running, 100,000
    real-text decisions as JSON Lines took 14.1-14.4 s against 11.9-12.0 s without (`triage
    --format jsonl --no-record`, two runs each, 2026-12-01).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def built_parts(
    policy: Policy,
    context: Context,
    parts: Iterator[pl.DataFrame],
    answered_by: str | None = None,
    pack: bool = False,
) -> Iterator[Built]:
    """Each evaluated part's decisions as JSON Lines, and as rows to record when answered_by
    (who records the run) is given, their evidence packed for SQLite with `pack`; in order.

    Deciding is mostly polars' work over columns; building the documents is Python's, about
    0.12 ms of CPU a decision with real text (0.05 ms more for the rows to record). A run of
    more than one part builds them in worker processes (one per core, at most two) while this
    one reads and decides the next part, with at most one part more than the workers waiting;
    a run of one part builds them here, since a process takes about a second to start. A
    failure in a builder is raised here, and what is still waiting is cancelled.
    """
    building = _Building(policy, context, answered_by, pack)
    first = next(parts, None)
    second = next(parts, None) if first is not None else None
    if first is None or second is None:
        if first is not None:
            yield _build(building, first)
        return
    # spawn, not fork: a forked child of a process running polars' threads can deadlock
    workers = BUILDERS or max(1, min(2, os.cpu_count() or 1))
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    pending: deque[Future[Built]] = deque()
    try:
        with _ctrl_c_ignored():  # the builders start (one a part, on demand), ignoring it too
            pending.extend(
                pool.submit(_build_in_worker, building, part) for part in (first, second)[:workers]
            )
        for part in itertools.chain((first, second)[workers:], parts):
            pending.append(pool.submit(_build_in_worker, building, part))
            if len(pending) > workers + 1:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _ctrl_c_ignored() -> Iterator[None]:
    """Ctrl-C ignored for the moment the builders start, in the main thread (elsewhere this
    changes nothing).

    Ctrl-C reaches the whole process group, and a process started while it is ignored ignores
    it for good. So the run's own process alone stops the builders: it cancels the parts that
    wait and lets those at work finish, and no builder stops half-way or prints a traceback.
    The moment is short (each builder is given a few kilobytes to start; the policy comes with
    each part), and a Ctrl-C within it is lost: press it again.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# --- decisions on record (the store) -----------------------------------------------------------


class Recorder:
    """Records decisions in the store as a run makes them, in one transaction per run.

    Used as a context manager: the run's decisions are committed when it ends normally
    and rolled back when it fails, so the store never holds half a run.
    """

    def __init__(self, url: str, policy: Policy, context: Context) -> None:
        self.url, self.policy, self.context = url, policy, context
        # who runs the command: the decisions a person's answers decided are kept with it
        self.answered_by = f"cli:{_user()}"
        from hotgate import store  # loaded by the runs that record, not by every command

        self.counts = store.Counts()
        self._engine: Engine | None = None
        self._session: Session | None = None

    def __enter__(self) -> Recorder:
        from hotgate import store

        self._engine = open_store(self.url)
        self._session = store.session_factory(self._engine)()
        self._session.begin()
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        assert self._session is not None
        assert self._engine is not None
        try:
            if kind is None:
                self._session.commit()
            else:
                self._session.rollback()
        finally:
            self._session.close()
            self._engine.dispose()

    @property
    def packs(self) -> bool:
        """Whether the store keeps evidence packed (SQLite), so the builders pack it."""
        assert self._engine is not None
        return self._engine.dialect.name == "sqlite"

    def tee(self, frames: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame]:
        """Pass evaluated batches through, recording each one whole on the way: every
        decision's full evidence, its documents built beside the deciding (`built_parts`)."""
        passed: deque[pl.DataFrame] = deque()

        def parts() -> Iterator[pl.DataFrame]:
            for frame in frames:
                passed.append(frame)
                yield from frame.iter_slices(DOCUMENT_BATCH)

        parts_built = built_parts(self.policy, self.context, parts(), self.answered_by, self.packs)
        for built in parts_built:
            assert built.rows is not None
            self.record_rows(built.rows)
            while passed:
                yield passed.popleft()
        yield from passed

    def record_rows(self, rows: Iterable[dict[str, Any]]) -> None:
        """Record decisions given as the rows `store.document_rows` made of their documents."""
        assert self._session is not None
        from hotgate import store

        self.counts.add(store.record_rows(self._session, rows))

    def record(self, decisions: Iterable[Decision]) -> None:
        """Record whole Decision objects (their full evidence is kept)."""
        assert self._session is not None
        from hotgate import store

        self.counts.add(
            store.record_decisions(self._session, decisions, answered_by=self.answered_by)
        )

    def area_trouble(self) -> dict[str, int]:
        """Troubled past hotfixes per component, as the store holds them before this run."""
        assert self._session is not None
        from hotgate import store

        return store.troubled_hotfixes_by_component(self._session)


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in this environment
        return "unknown"


class AreaTrouble:
    """Troubled past hotfixes per component for the server's assess, read at most once a minute.

    POST /api/v1/assess records nothing and must stay quick, so it reuses one small query's
    answer for max_age seconds instead of asking the store on every request.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        max_age: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions, self._max_age, self._clock = sessions, max_age, clock
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._read_at: float | None = None

    def counts(self) -> dict[str, int]:
        """The counts, read again from the store when the last reading is too old."""
        with self._lock:
            now = self._clock()
            if self._read_at is None or now - self._read_at >= self._max_age:
                from hotgate import store

                with self._sessions() as session:
                    self._counts = store.troubled_hotfixes_by_component(session)
                self._read_at = now
            return self._counts

    def clear(self) -> None:
        """Forget the last reading, so the next one asks the store."""
        with self._lock:
            self._read_at = None


def open_store(url: str, wait: float = 30) -> Engine:
    """An engine on an up-to-date store (migrations applied when needed).

    Two runs starting at once on a new database both try to migrate it; the one that loses
    waits for the other to finish instead of failing.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from hotgate import store

    engine = store.make_engine(url)
    if store.is_current(engine):
        return engine
    try:
        store.upgrade(engine)
    except SQLAlchemyError:
        deadline = time.monotonic() + wait
        while not _current(engine):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    return engine


def _current(engine: Engine) -> bool:
    from sqlalchemy.exc import SQLAlchemyError

    from hotgate import store

    try:
        return store.is_current(engine)
    except SQLAlchemyError:
        return False
