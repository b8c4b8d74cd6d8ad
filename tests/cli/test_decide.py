"""`hotgate assess`, `triage`, `init` and `policy` as a user runs them: output and exit codes."""

from __future__ import annotations

import gc
import json
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest
from typer.testing import CliRunner

from builders import ROOT, github_issue
from hotgate import service
from hotgate.cli import app
from hotgate.policy.deciding.engine import Context
from hotgate.policy.definition.schema import load_policy

EXAMPLES = ROOT / "examples" / "backlog"
AS_OF = ["--as-of", "2026-11-23"]


def run(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    """Run the command line; returns exit code, stdout and stderr."""
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(path)


def test_assess_json_is_the_decision_contract(tmp_path: Path) -> None:
    record = github_issue(
        "Checkout crashes for every user", "Crash on pay. There is no workaround."
    )
    code, out, _ = run(
        "assess",
        write(tmp_path, "i.json", json.dumps(record)),
        "--format",
        "json",
        *AS_OF,
        "--next-release",
        "2026-11-25",
    )
    assert code == 0
    decision = json.loads(out)
    assert (
        decision["subject"].items()
        >= {
            "kind": "issue",
            "key": "github:acme/shop#7",
            "title": "Checkout crashes for every user",
            "url": "https://github.com/acme/shop/issues/7",
        }.items()
    )
    assert decision["verdict"] == "wait"
    assert [c["name"] for c in decision["criteria"]] == [
        "significant",
        "broad_reach",
        "no_workaround",
    ]
    assert {c["answer"] for c in decision["criteria"]} == {"yes"}
    assert all(c["questions"] and c["evidence"]["signals"] for c in decision["criteria"])
    assert decision["release"] == {
        "name": "next release",
        "date": "2026-11-25",
        "days_until": 2,
        "kind": "release",
    }
    assert set(decision["risk"]) >= {"cost_of_waiting", "risk_of_hotfix"}
    assert decision["policy"]["name"] == "default" and len(decision["policy"]["sha256"]) == 64
    assert decision["reasons"] and decision["questions"] == []


def test_assess_card_explains_in_plain_words() -> None:
    code, out, _ = run("assess", str(EXAMPLES / "hotgate_issues.yaml"), *AS_OF)
    assert code == 2  # the file holds two issues
    record = json.loads((EXAMPLES / "github_issues.json").read_text())[0]
    code, out, _ = run("assess", "-", *AS_OF, stdin=json.dumps(record))
    assert code == 0
    assert "HOTFIX" in out and "Ship it now" in out
    assert "Is this bug significant? yes" in out
    assert "no workaround" in out.lower()
    assert "Cost of waiting" in out and "Policy default" in out


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.json", "", "empty.json: is empty"),
        ("blank.json", "  \n\n", "blank.json: is empty"),
        ("bad.json", '{"title": "x",', "bad.json: not valid JSON"),
        ("bad.yaml", "title: [x", "bad.yaml: line 1: not valid YAML"),
        ("notes.txt", "just some words", "notes.txt: unknown format"),
        (
            "untitled.json",
            '{"key": "a:1", "source": "hotgate", "body": "no title"}',
            "field 'title': Field required",
        ),
        (
            "types.json",
            '{"key": "a:1", "source": "hotgate", "title": "t", "votes": "many"}',
            "field 'votes'",
        ),
        (
            "unknown.json",
            '{"name": "not an issue", "summary": "x"}',
            "not an issue in any known format",
        ),
        (
            "latin1.json",
            b'{"key": "a:1", "source": "hotgate", "title": "caf\xe9"}',
            "latin1.json: field 'title' is not valid UTF-8",
        ),
        ("latin1.yaml", b"key: a:1\ntitle: caf\xe9\n", "latin1.yaml: not valid UTF-8"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    tmp_path: Path, name: str, content: str | bytes, message: str
) -> None:
    code, out, err = run("assess", write(tmp_path, name, content), *AS_OF)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and err.startswith("hotgate: ")
    assert out == ""


def test_missing_file_and_bad_options(tmp_path: Path) -> None:
    code, _, err = run("assess", str(tmp_path / "absent.json"))
    assert (code, "cannot open") == (2, err.split(": ")[2][:11])
    good = write(tmp_path, "i.json", json.dumps(github_issue("Crash on save")))
    code, _, err = run("assess", good, "--as-of", "23/11/2026")
    assert code == 2 and "--as-of: '23/11/2026' is not a date" in err
    code, _, err = run("assess", good, "--as-of", "2026-11-23", "--next-release", "2026-11-01")
    assert code == 2 and "is before --as-of" in err
    code, _, err = run("assess", good, "--policy", str(tmp_path / "none.yaml"))
    assert code == 2 and "none.yaml: cannot read" in err


def test_triage_ranks_the_example_backlog() -> None:
    code, out, err = run("triage", str(EXAMPLES), "--format", "csv", *AS_OF)
    assert code == 0, err
    lines = out.strip().splitlines()
    header, rows = lines[0].split(","), [line.split(",") for line in lines[1:]]
    assert header[:3] == ["key", "title", "verdict"]
    assert len(rows) == 26
    verdicts = [row[header.index("verdict")] for row in rows]
    order = {"hotfix": 0, "needs-info": 1, "wait": 2, "no-hotfix": 3}
    assert [order[v] for v in verdicts] == sorted(order[v] for v in verdicts)
    assert verdicts.count("hotfix") >= 5 and verdicts.count("no-hotfix") >= 10
    assert "ignored 1 record that is not an issue" in err


def test_triage_table_and_summary() -> None:
    code, out, _ = run("triage", str(EXAMPLES / "github_issues.json"), *AS_OF, "--limit", "3")
    assert code == 0
    assert "Showing the first 3 of 11" in out
    assert "Decided 11 issues" in out


def test_triage_jsonl_one_decision_per_line() -> None:
    code, out, _ = run("triage", str(EXAMPLES / "jira_search.json"), "--format", "jsonl", *AS_OF)
    assert code == 0
    decisions = [json.loads(line) for line in out.splitlines()]
    assert len(decisions) == 7
    assert all(
        d["subject"]["key"].startswith("jira:shopwise.atlassian.net/PAY-") for d in decisions
    )


class _CountingPool(ProcessPoolExecutor):
    """The builders' pool, counting the parts it was given."""

    parts = 0

    def submit(self, *args: Any, **kwargs: Any) -> Any:
        type(self).parts += 1
        return super().submit(*args, **kwargs)


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_documents_built_in_worker_processes_are_the_bytes_built_here(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example backlog in parts of 4 (7 parts, built by two processes beside the deciding)
    gives the bytes of one part built in this process, and records the same decisions (csv:
    the documents are built only to be recorded)."""
    outputs, recorded = [], []
    monkeypatch.setattr(_CountingPool, "parts", 0)
    for run_number, part in enumerate((10_000, 4)):
        monkeypatch.setattr(service, "DOCUMENT_BATCH", part)
        monkeypatch.setattr(service, "BUILDERS", 2)
        monkeypatch.setattr(service, "ProcessPoolExecutor", _CountingPool)
        db = f"sqlite:///{tmp_path / f'run{run_number}.db'}"
        code, out, err = run("triage", str(EXAMPLES), "--format", fmt, "--db", db, *AS_OF)
        assert code == 0, err
        outputs.append(out)
        recorded.append(re.search(r"Recorded (\d+) decisions", err))
    assert _CountingPool.parts == 7, _CountingPool.parts  # only the second run used workers
    assert outputs[0] == outputs[1]
    documents = json.loads(outputs[0]) if fmt == "json" else outputs[0].splitlines()
    assert len(documents) == 26 + (fmt == "csv")  # the csv has a header
    assert [m and m.group(1) for m in recorded] == ["26", "26"]
    evidence = []
    for run_number in (0, 1):
        with sqlite3.connect(tmp_path / f"run{run_number}.db") as db:
            query = "select subject_key, verdict, evidence from decisions order by subject_key"
            evidence.append(db.execute(query).fetchall())
    assert len(evidence[0]) == 26 and evidence[0] == evidence[1]


def test_documents_are_built_with_the_collector_paused_and_it_runs_again_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A part's documents are built with the cyclic collector off; it is on again after, and
    after a builder that failed; a collector that was off stays off."""
    seen: list[bool] = []

    def documents(*_: Any) -> list[dict[str, Any]]:
        seen.append(gc.isenabled())
        if len(seen) == 2:
            raise RuntimeError("a builder that fails")
        return []

    monkeypatch.setattr(service, "decision_documents", documents)
    building = service._Building(load_policy(None), Context(as_of=date(2026, 11, 2)), None)
    part = pl.DataFrame()
    assert gc.isenabled()
    assert service._build(building, part).lines == b""
    with pytest.raises(RuntimeError):
        service._build(building, part)
    assert gc.isenabled()
    gc.disable()
    try:
        service._build(building, part)
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert seen == [False, False, False]


def test_triage_skips_bad_records_and_counts_them(tmp_path: Path) -> None:
    good = json.dumps(github_issue("Crash on save", number=1))
    lines = [
        good,
        "{not json",
        json.dumps({"key": "a:1", "source": "hotgate"}),
        "",
        json.dumps(github_issue("Hang", number=2)),
    ]
    source = write(tmp_path, "mixed.jsonl", "\n".join(lines) + "\n")
    out_file = tmp_path / "decisions.csv"
    code, _, err = run("triage", source, "--format", "csv", "--out", str(out_file), *AS_OF)
    assert code == 2
    assert "mixed.jsonl line 2: not valid JSON" in err
    assert "mixed.jsonl line 3 (a:1): field 'title'" in err
    assert "decided 2, skipped 2 bad records" in err
    assert len(out_file.read_text().splitlines()) == 3  # header and the two good issues


def test_a_folder_counts_files_it_cannot_read_apart_from_bad_records(tmp_path: Path) -> None:
    """In a folder, a file of no format hotgate reads is a skipped file, not a bad record."""
    folder = tmp_path / "exports"
    folder.mkdir()
    good = json.dumps(github_issue("Crash on save", number=1))
    (folder / "issues.jsonl").write_text(good + "\n{not json\n")
    (folder / "screenshot.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (folder / "notes.txt").write_text("call the vendor on Monday\n")
    code, _, err = run("triage", str(folder), "--format", "csv", "--no-record", *AS_OF)
    assert code == 2
    assert "screenshot.png: unknown format" in err
    assert "decided 1, skipped 1 bad record and 2 files it could not read" in err


def test_triage_out_is_all_or_nothing(tmp_path: Path) -> None:
    out_file = tmp_path / "decisions.json"
    code, _, _ = run(
        "triage", write(tmp_path, "bad.json", "[{"), "--format", "json", "--out", str(out_file)
    )
    assert code == 2
    assert not out_file.exists()
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("hotgate.db"))
    assert left == ["bad.json"]  # no partial output, no temporary file left behind


def test_triage_json_is_ranked(tmp_path: Path) -> None:
    out_file = tmp_path / "d.json"
    code, _, _ = run(
        "triage",
        str(EXAMPLES / "bugzilla_bugs.json"),
        "--format",
        "json",
        "--out",
        str(out_file),
        *AS_OF,
    )
    assert code == 0
    verdicts = [d["verdict"] for d in json.loads(out_file.read_text())]
    assert verdicts[0] == "hotfix" and verdicts[-1] == "no-hotfix" and len(verdicts) == 6


def test_every_format_lists_ties_in_the_same_order(tmp_path: Path) -> None:
    """Bugs that tie on verdict and cost of waiting (S3 and an unknown severity weigh the same)
    are listed by key in the table, CSV and JSON alike; the table once put S3 first."""
    body = "The footer link is grey instead of blue."
    records = [
        github_issue("The footer link colour looks odd", body, labels, number=number)
        for number, labels in [(1, ()), (9, ("severity-normal",)), (5, ()), (3, ("s3",))]
    ]
    path = write(tmp_path, "ties.jsonl", "\n".join(json.dumps(r) for r in records) + "\n")
    orders = {}
    for fmt in ("table", "csv", "json"):
        code, out, _ = run("triage", path, "--format", fmt, "--no-record", *AS_OF)
        assert code == 0
        if fmt == "json":
            orders[fmt] = [d["subject"]["key"] for d in json.loads(out)]
        else:
            orders[fmt] = re.findall(r"github:acme/shop#\d+", out)
    expected = [f"github:acme/shop#{n}" for n in (1, 3, 5, 9)]
    assert orders == {"table": expected, "csv": expected, "json": expected}


def test_init_writes_the_default_policy_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("init")[0] == 0
    assert (tmp_path / "hotgate.yaml").read_text().startswith("# hotgate default policy")
    code, _, err = run("init")
    assert code == 2 and "already exists" in err
    # The local policy is used without --policy, and an edit shows in the digest.
    text = (
        (tmp_path / "hotgate.yaml")
        .read_text()
        .replace("wait_within_days: 3", "wait_within_days: 5")
    )
    (tmp_path / "hotgate.yaml").write_text(text)
    code, out, _ = run("policy", "show")
    assert code == 0 and "within 5 day(s)" in out


def test_policy_show_is_a_checklist() -> None:
    code, out, _ = run("policy", "show")
    assert code == 0
    for text in (
        "Is this bug significant?",
        "Does it affect most users?",
        "serious-security-hole",
        "wait if the next release or its freeze is within 3 day(s)",
        "☐ Is there a workaround at all?",
    ):
        assert text in out


def test_policy_check(tmp_path: Path) -> None:
    code, out, _ = run(
        "policy", "check", str(ROOT / "src" / "hotgate" / "policy" / "definition" / "default.yaml")
    )
    assert code == 0 and re.search(r"valid — \d+ signals, 3 criteria, 2 overrides", out), out
    broken = write(
        tmp_path,
        "p.yaml",
        (ROOT / "src/hotgate/policy/definition/default.yaml")
        .read_text()
        .replace("when: not_a_bug,", "when: nota_bug,"),
    )
    code, _, err = run("policy", "check", broken)
    assert (
        code == 2
        and "p.yaml: criteria.significant.rules[0].when: unknown signal or field 'nota_bug'" in err
    )


def test_out_to_a_device_writes_to_it_and_leaves_it_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    code, _, _ = run(
        "triage", str(EXAMPLES / "jira_search.json"), "--format", "csv", "--out", str(fifo), *AS_OF
    )
    received = reader.communicate(timeout=30)[0].decode()
    assert code == 0
    assert received.startswith("key,title,verdict")
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_triage_table_out_holds_both_tables_and_their_counts(tmp_path: Path) -> None:
    both = tmp_path / "both"
    both.mkdir()
    (both / "bugs.json").write_bytes((EXAMPLES / "bugzilla_bugs.json").read_bytes())
    (both / "changes.yaml").write_bytes((ROOT / "examples/changes/all-requests.yaml").read_bytes())
    out_file = tmp_path / "triage.txt"
    code, shown, err = run("triage", str(both), "--out", str(out_file), *AS_OF)
    assert code == 0, err
    assert shown == ""  # everything went to the file
    written = out_file.read_text()
    assert "hotgate triage — change requests" in written
    assert "Decided 6 issues — " in written
    assert "change requests — " in written.splitlines()[-1]


def test_triage_says_where_it_recorded_even_when_not_on_a_terminal(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    code, _, err = run("triage", str(EXAMPLES / "bugzilla_bugs.json"), "--db", url, *AS_OF)
    assert code == 0
    assert f"Recorded 6 decisions in {tmp_path / 'd.db'}." in err


def test_one_recorded_decision_is_said_in_the_singular(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    one = tmp_path / "one.json"
    one.write_bytes(orjson.dumps(orjson.loads((EXAMPLES / "github_issues.json").read_bytes())[0]))
    code, _, err = run("assess", str(one), "--db", url, *AS_OF)
    assert code == 0, err
    assert f"Recorded 1 decision in {tmp_path / 'd.db'}." in err


def test_host_gives_bugzilla_bugs_their_real_keys_and_links() -> None:
    bugs = str(EXAMPLES / "bugzilla_bugs.json")
    code, shown, _ = run("triage", bugs, "--format", "jsonl", "--no-record", *AS_OF)
    assert code == 0
    assert json.loads(shown.splitlines()[0])["subject"]["key"].startswith("bugzilla:bugzilla#")
    args = ("--host", "bugzilla.mozilla.org", "--no-record", *AS_OF)
    code, shown, _ = run("triage", bugs, "--format", "jsonl", *args)
    assert code == 0
    subjects = [json.loads(line)["subject"] for line in shown.splitlines()]
    assert all(s["key"].startswith("bugzilla:bugzilla.mozilla.org#") for s in subjects)
    number = subjects[0]["key"].rpartition("#")[2]
    assert subjects[0]["url"] == f"https://bugzilla.mozilla.org/show_bug.cgi?id={number}"


def test_the_command_line_loads_no_store_nor_http_client_until_a_command_needs_them() -> None:
    """Start-up: every command (assess, check-diff, --help) would pay for them otherwise."""
    script = (
        "import sys, hotgate.cli; "
        "print([m for m in ('hotgate.store', 'sqlalchemy', 'httpx', 'sklearn', 'fastapi') "
        "if m in sys.modules])"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"


def test_ctrl_c_stops_a_run_and_its_builders_and_writes_nothing(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the process group, as a terminal sends it) while documents are built
    in worker processes: the run exits with 130, leaves no process behind and no --out file."""
    psutil = pytest.importorskip("psutil")
    source = tmp_path / "many.jsonl"
    issues = (
        github_issue(f"Checkout fails with error {n}", f"Steps: open cart {n}, pay.", number=n)
        for n in range(1, 30_001)
    )
    source.write_bytes(b"".join(orjson.dumps(issue) + b"\n" for issue in issues))
    out = tmp_path / "decisions.jsonl"
    command = [sys.executable, "-m", "hotgate", "triage", str(source), "--format", "jsonl"]
    run_ = subprocess.Popen(
        [*command, "--out", str(out), "--no-record", *AS_OF],
        start_new_session=True,
        stderr=subprocess.PIPE,
    )
    parent = psutil.Process(run_.pid)
    builders: list[Any] = []
    # Both builders started, and the run's own process takes Ctrl-C again (it ignores it for
    # the moment it starts them).
    while run_.poll() is None and (len(builders) < 2 or not _catches_ctrl_c(run_.pid)):
        builders = [p for p in parent.children() if "spawn_main" in " ".join(p.cmdline())]
    assert run_.poll() is None, "the run ended before its builders started"
    os.killpg(run_.pid, signal.SIGINT)
    _, err = run_.communicate(timeout=60)
    assert run_.returncode == 130, err.decode()[-500:]
    assert not out.exists()
    assert not list(tmp_path.glob(".decisions.jsonl.*"))  # nor its temporary file
    gone, alive = psutil.wait_procs(builders, timeout=10)
    assert not alive and len(gone) == 2
    assert b"Traceback" not in err


def _catches_ctrl_c(pid: int) -> bool:
    """Whether a process has a handler for SIGINT (Linux: the SigCgt mask in /proc)."""
    status = Path(f"/proc/{pid}/status").read_text()
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) >> (signal.SIGINT - 1) & 1)


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("missing/decisions.csv", "the folder {tmp}/missing does not exist"),
        (".", "is a folder; name a file to write"),
    ],
)
def test_an_out_that_cannot_be_written_stops_before_deciding(
    tmp_path: Path, where: str, reason: str
) -> None:
    target = tmp_path / where
    code, shown, err = run("triage", str(EXAMPLES), "--out", str(target), "--no-record", *AS_OF)
    assert code == 2
    assert err == f"hotgate: --out {target}: {reason.format(tmp=tmp_path)}\n"
    assert shown == ""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_full_disk_is_one_line_and_records_nothing(tmp_path: Path, fmt: str) -> None:
    db = tmp_path / "runs.db"
    code, _, err = run(
        "triage", str(EXAMPLES), "--format", fmt, "--out", "/dev/full", "--db", f"sqlite:///{db}",
        *AS_OF,
    )  # fmt: skip
    assert code == 2
    assert err.splitlines()[-1] == "hotgate: cannot write /dev/full: No space left on device"
    assert "Recorded" not in err
    assert _recorded(db) == 0


def _recorded(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as connection:
        return int(connection.execute("SELECT count(*) FROM decisions").fetchone()[0])


@pytest.mark.parametrize("fmt", ["jsonl", "json", "table"])
def test_a_reader_that_goes_away_ends_the_run_quietly(tmp_path: Path, fmt: str) -> None:
    """`hotgate triage … | head -1`: exit 141 as a shell shows a closed pipe, no traceback,
    and nothing recorded, since the run did not deliver its decisions. (Enough issues for
    JSON Lines to come in several blocks: one write that the reader leaves half-read can
    succeed, as it does for CSV, written whole at the end.)"""
    source = tmp_path / "many.jsonl"
    issues = (github_issue(f"Crash {n}", "It crashes.", number=n) for n in range(1, 9001))
    source.write_bytes(b"".join(orjson.dumps(issue) + b"\n" for issue in issues))
    db = tmp_path / "runs.db"
    command = [sys.executable, "-m", "hotgate", "triage", str(source), "--format", fmt]
    command += ["--limit", "0", "--db", f"sqlite:///{db}", *AS_OF]
    triage = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert triage.stdout is not None
    triage.stdout.read(100)
    triage.stdout.close()  # the reader goes away after the first bytes
    _, err = triage.communicate(timeout=120)
    assert triage.returncode == 141, err.decode()[-500:]
    assert err == b""
    assert _recorded(db) == 0


def test_a_backlog_of_pull_requests_only_says_so_once(tmp_path: Path) -> None:
    pulls = write(
        tmp_path,
        "pulls.jsonl",
        json.dumps(github_issue("Fix the cart", "Fixes #1", pull_request={"url": "https://x/p/1"}))
        + "\n",
    )
    code, shown, err = run("triage", pulls, "--no-record", *AS_OF)
    assert code == 2
    assert shown == ""
    assert err.splitlines() == [
        "hotgate: ignored 1 record that is not an issue (pull requests)",
        "hotgate: no issues found to decide",
    ]
