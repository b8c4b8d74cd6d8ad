"""The Firefox learning mapping's derived numbers, on rows written by hand (known answers)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from hotgate.history.backtest import issue_frame, load_mapping, read_history

ROOT = Path(__file__).resolve().parents[2]
MAPPING = ROOT / "examples" / "backtest" / "firefox-uplift-learn.yaml"

# Three requests in the columns of the Firefox uplift data (values chosen by hand).
HEADER = (
    "bug_id,backout_num,blocks,bug_assignee,changes_add,changes_del,code_churn,"
    "changes_last_3_releases,prior_changes,comment_num,component,depends_on,"
    "developer_exp_last_3_releases,developer_experience,in-testsuite,landing_delta,languages,"
    "modules_num,r-ed_patches,release_delta,response_delta,reviewer_exp_last_3_releases,"
    "reviewer_experience,test_code_churn,types,uplift_accepted,uplift_comment_length,"
    "uplift_date,uplift_reject_date,uplift_requestor"
)
ROWS = [
    # 30 added, 10 deleted in 3 modules; 20 of 99 earlier changes by the developer, 9 by the
    # reviewer; 60 lines of test churn beside 139 of code; C and C++ touched; staff asks.
    "1,0,1,dev@mozilla.com,30,10,139,5,99,12,DOM,0,2,20,+,3600,C^C++,3,0,864000,500,1,9,60,"
    "crash,True,400,2016-01-02,,dev@mozilla.com",
    # 9 added, 0 deleted, no module; no earlier change; JavaScript, HTML and moz.build; a
    # volunteer asks, nobody is assigned.
    "2,0,0,nobody@mozilla.org,9,0,20,0,0,3,Networking,0,0,0,,-60,Javascript^Html^moz.build,0,0,"
    "172800,100,0,0,0,,False,250,,2016-01-03,someone@example.org",
    # No patch found: churn and languages are empty, so the derived numbers are missing too.
    "3,0,0,dev@mozilla.com,,,,,,4,DOM,0,,,,0,,,0,432000,0,,,,security,True,0,2016-01-04,,",
]


@pytest.fixture
def frame(tmp_path: Path) -> pl.DataFrame:
    history = tmp_path / "uplift.csv"
    history.write_text("\n".join([HEADER, *ROWS]) + "\n", "utf-8")
    return issue_frame(read_history(history), load_mapping(MAPPING), str(history))


def column(frame: pl.DataFrame, name: str) -> list[float | None]:
    return [None if v is None else round(v, 6) for v in frame[name].to_list()]


def test_patch_shape_ratios(frame: pl.DataFrame) -> None:
    assert column(frame, "lines_per_module") == [10.0, 9.0, None]  # (30+10)/(3+1), 9/(0+1)
    assert column(frame, "deleted_share") == [round(10 / 41, 6), 0.0, None]
    assert column(frame, "test_share") == [0.3, 0.0, None]  # 60/(60+139+1)


def test_languages_touched(frame: pl.DataFrame) -> None:
    assert column(frame, "touches_cpp") == [1.0, 0.0, 0.0]
    assert column(frame, "touches_js") == [0.0, 1.0, 0.0]
    assert column(frame, "languages_num") == [2.0, 3.0, 0.0]


def test_who_asks_and_who_wrote_the_files(frame: pl.DataFrame) -> None:
    assert column(frame, "requestor_staff") == [1.0, 0.0, 0.0]
    assert column(frame, "assignee_staff") == [1.0, 0.0, 1.0]
    assert column(frame, "developer_share") == [0.2, 0.0, None]  # 20/(99+1)
    assert column(frame, "reviewer_share") == [0.09, 0.0, None]


def test_no_derived_number_reads_the_decision(frame: pl.DataFrame) -> None:
    mapping = load_mapping(MAPPING)
    late = set(mapping.after_decision)
    for name, text in mapping.features.items():
        read = set(pl.sql_expr(text).meta.root_names())
        assert not read & late, name
    assert frame["actual"].to_list() == ["accepted", "rejected", "accepted"]
