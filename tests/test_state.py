"""The harvest state file: an unreadable one is set aside with a timestamp and reported, never silently replaced."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pulse.core.settings import Settings
from pulse.jobs.state import STATE_FILE, SourceState, load_state, read_state
from tests.conftest import LiveServer, github_env
from tests.fake_github import FakeGitHub

SOURCES = """\
publishers:
  - name: Dorset Council
    type: local-government
    sources:
      - github: Dorset-Council-UK
"""


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PULSE_"))}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "pulse", *args], capture_output=True, text=True, env=full_env, timeout=120
    )


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"sources": {"github:x": {"publisher": "X", "target": "x", "last_error": "bo', "not valid JSON"),
        (b"[1, 2, 3]", "not a sources state"),
        (b'{"sources": {"github:x": {"target": "x"}}, "pending": []}', "malformed"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
    ],
)
def test_an_unreadable_state_file_is_moved_aside_and_remembered(tmp_path: Path, body: bytes, problem: str) -> None:
    (tmp_path / STATE_FILE).write_bytes(body)
    seen = read_state(tmp_path)  # a reader (the web) only says so, and touches nothing
    assert problem in seen.unreadable and (tmp_path / STATE_FILE).read_bytes() == body

    state = load_state(tmp_path)  # the harvest sets it aside
    assert state.recovered_now and state.recovery is not None and problem in state.recovery.problem
    moved = tmp_path / state.recovery.moved_to
    assert moved.name.startswith("sources-state.corrupt-") and moved.read_bytes() == body
    assert not (tmp_path / STATE_FILE).exists() and state.sources == {}


def test_a_good_state_file_reads_back_whole(tmp_path: Path) -> None:
    (tmp_path / STATE_FILE).write_text(
        json.dumps(
            {
                "sources": {"github:x": {"publisher": "X", "target": "x", "tombstoned": "2026-01-01"}},
                "pending": ["github:x"],
            }
        )
    )
    state = load_state(tmp_path)
    assert state.sources == {"github:x": SourceState(publisher="X", target="x", tombstoned="2026-01-01")}
    assert state.pending == ["github:x"] and state.recovery is None and not state.recovered_now
    assert (tmp_path / STATE_FILE).exists()


def test_the_next_run_reports_the_recovery_in_cli_report_and_api(github: FakeGitHub, tmp_path: Path) -> None:
    github.add_repo("Dorset-Council-UK", "bins", readme="Bin collection day finder")
    sources, data_dir = tmp_path / "sources.yaml", tmp_path / "data"
    sources.write_text(SOURCES)
    data_dir.mkdir()
    (data_dir / STATE_FILE).write_text('{"sources": {"github:dorset-council-uk": {"publisher": "Dorset')

    with LiveServer(Settings.from_env({}, data_dir=data_dir), demo=False) as server:
        before = server.get("/api/publishers").json()["harvest_state"]
        assert "not valid JSON" in before["unreadable"] and before["recovered"] is None

        run = run_cli("harvest", "--sources", str(sources), "--data-dir", str(data_dir), env=github_env(github))
        assert run.returncode == 0, run.stderr
        assert "harvest state file was unreadable" in run.stderr and "moved aside" in run.stderr

        report = json.loads((data_dir / "reports" / "harvest-latest.json").read_text())
        moved_to = report["state_recovered"]["moved_to"]
        assert "not valid JSON" in report["state_recovered"]["problem"] and (data_dir / moved_to).exists()

        after = server.get("/api/publishers").json()["harvest_state"]
        assert after["unreadable"] == "" and after["recovered"]["moved_to"] == moved_to

    # The recovery stays on record in later runs; a later report no longer claims one happened then.
    run = run_cli("harvest", "--sources", str(sources), "--data-dir", str(data_dir), env=github_env(github))
    assert run.returncode == 0 and "unreadable" not in run.stderr
    assert json.loads((data_dir / "reports" / "harvest-latest.json").read_text())["state_recovered"] is None
    assert read_state(data_dir).recovery is not None and read_state(data_dir).recovery.moved_to == moved_to
