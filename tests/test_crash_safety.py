"""Crash safety, the harvest lock, and serving while a harvest commits.

These run `pulse` as real processes: a harvest is SIGKILLed at several
points, a second harvest meets the lock, and a separate `pulse serve`
answers searches throughout commits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from pulse.core.settings import Settings
from pulse.index import IndexStore
from pulse.jobs.lock import harvest_lock
from tests.conftest import free_port, github_env, make_repo
from tests.fake_github import FakeGitHub

SOURCES = """\
publishers:
  - name: Camden (test)
    type: local-government
    sources:
      - github: camden-council
  - name: Leeds (test)
    type: local-government
    sources:
      - github: leeds-city-council
"""


def pulse(*args: str, env: dict[str, str], quiet: bool = False) -> subprocess.Popen[str]:
    """Run `pulse` as its own process; `quiet` discards output nobody reads (a full pipe blocks a server)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PULSE_"))}
    full_env.update(env)
    out = subprocess.DEVNULL if quiet else subprocess.PIPE
    return subprocess.Popen([sys.executable, "-m", "pulse", *args], stdout=out, stderr=out, text=True, env=full_env)


def populate(github: FakeGitHub, per_org: int, prefix: str) -> None:
    for login in ("camden-council", "leeds-city-council"):
        for i in range(per_org):
            github.add_repo(login, f"{prefix}-{i}", readme=f"# {prefix} {i}\n\n" + "Council service text. " * 200)


def index_ids(data_dir: Path) -> set[int]:
    store = IndexStore(Settings.from_env({}, data_dir=data_dir).index_dir)
    try:
        return {r.id for r in store.all_records()}
    finally:
        store.close()


@pytest.fixture
def crash_world(github: FakeGitHub, tmp_path: Path):  # type: ignore[no-untyped-def]
    populate(github, 150, "first")
    sources = tmp_path / "sources.yaml"
    sources.write_text(SOURCES)
    data_dir = tmp_path / "data"
    env = github_env(github)
    run = pulse("harvest", "--sources", str(sources), "--data-dir", str(data_dir), env=env)
    assert run.wait(120) == 0, run.stderr.read() if run.stderr else ""
    before = index_ids(data_dir)
    populate(github, 150, "second")  # the next harvest has 300 new repos to write
    return github, sources, data_dir, env, before


def test_sigkill_at_any_point_leaves_the_previous_index_and_the_next_run_completes(crash_world) -> None:  # type: ignore[no-untyped-def]
    github, sources, data_dir, env, before = crash_world
    assert len(before) == 300
    after: set[int] = set()

    for point in ("before-commit", "after-commit"):
        github.set_rate_limit(5000)  # many harvests in a row: give each a fresh hour of quota
        run = pulse(
            "harvest", "--sources", str(sources), "--data-dir", str(data_dir), env={**env, "PULSE_TEST_PAUSE_AT": point}
        )
        assert run.stdout is not None
        assert run.stdout.readline().strip() == f"PAUSED AT {point}"
        run.send_signal(signal.SIGKILL)
        run.wait(30)
        ids = index_ids(data_dir)
        if point == "before-commit":
            assert ids == before  # nothing of the killed run is visible
        else:
            assert ids > before and len(ids) == 600  # the commit is whole
            after = ids

    for round_, delay in enumerate((0.3, 0.6, 0.9, 1.2, 1.6, 2.0)):  # and at moments nobody chose
        populate(github, 40, f"round{round_}")
        github.set_rate_limit(5000)
        run = pulse("harvest", "--sources", str(sources), "--data-dir", str(data_dir), env=env)
        time.sleep(delay)
        run.send_signal(signal.SIGKILL)
        run.wait(30)
        ids = index_ids(data_dir)
        everything = 600 + 80 * (round_ + 1)  # all repos on the fake GitHub by now
        assert ids == after or (ids > after and len(ids) == everything), "a half-written harvest is visible"
        after = ids

    github.set_rate_limit(5000)
    final = pulse("harvest", "--sources", str(sources), "--data-dir", str(data_dir), env=env)
    out, err = final.communicate(timeout=120)
    assert final.returncode == 0, err
    assert len(index_ids(data_dir)) == 600 + 6 * 80
    leftovers = [p.name for p in data_dir.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    store = IndexStore(data_dir / "index")
    assert store.doc_count() == 600 + 6 * 80
    store.close()


def test_a_second_harvest_exits_at_once_with_a_clear_message(github: FakeGitHub, tmp_path: Path) -> None:
    populate(github, 2, "svc")
    sources = tmp_path / "sources.yaml"
    sources.write_text(SOURCES)
    data_dir = tmp_path / "data"
    with harvest_lock(data_dir):
        started = time.monotonic()
        run = pulse("harvest", "--sources", str(sources), "--data-dir", str(data_dir), env=github_env(github))
        out, err = run.communicate(timeout=60)
        assert run.returncode == 3
        assert "another harvest or import is running" in err
        assert time.monotonic() - started < 30
        assert github.count() == 0
        export = tmp_path / "empty.jsonl"
        export.write_text("")
        blocked = pulse("import", str(export), "--data-dir", str(data_dir), env={})
        out, err = blocked.communicate(timeout=60)
        assert blocked.returncode == 3 and "another harvest or import is running" in err
    run = pulse("harvest", "--sources", str(sources), "--data-dir", str(data_dir), env=github_env(github))
    assert run.wait(60) == 0


def test_export_then_import_moves_the_catalogue(github: FakeGitHub, tmp_path: Path) -> None:
    populate(github, 5, "svc")
    sources = tmp_path / "sources.yaml"
    sources.write_text(SOURCES)
    source_dir, target_dir, export = tmp_path / "a", tmp_path / "b", tmp_path / "catalogue.jsonl"
    assert (
        pulse("harvest", "--sources", str(sources), "--data-dir", str(source_dir), env=github_env(github)).wait(60) == 0
    )
    assert pulse("export", "-o", str(export), "--data-dir", str(source_dir), env={}).wait(60) == 0
    assert len(export.read_text().splitlines()) == 10
    importing = pulse("import", str(export), "--data-dir", str(target_dir), env={})
    out, err = importing.communicate(timeout=60)
    assert importing.returncode == 0, err
    assert "Imported 10 records" in out
    assert index_ids(target_dir) == index_ids(source_dir)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\nnot json\n')
    refused = pulse("import", str(bad), "--data-dir", str(target_dir), env={})
    out, err = refused.communicate(timeout=60)
    assert refused.returncode == 2 and "line 1" in err
    assert len(index_ids(target_dir)) == 10


def test_a_separate_server_keeps_answering_through_commits(tmp_path: Path) -> None:
    settings = Settings.from_env({}, data_dir=tmp_path)
    writer = IndexStore(settings.index_dir)
    writer.add_records([make_repo(i, f"road-{i}", description="road maintenance") for i in range(200)])
    port = free_port()
    server = pulse("serve", "--port", str(port), "--data-dir", str(tmp_path), env={}, quiet=True)
    url = f"http://127.0.0.1:{port}/api/search"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url, timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        errors: list[str] = []
        totals: set[int] = set()
        stop = threading.Event()

        def hammer() -> None:
            with httpx.Client(timeout=10) as client:
                while not stop.is_set():
                    response = client.get(url, params={"q": "road maintenance", "per_page": 5})
                    if response.status_code != 200:
                        errors.append(f"{response.status_code} {response.text[:200]}")
                    else:
                        totals.add(response.json()["total"])

        threads = [threading.Thread(target=hammer) for _ in range(3)]
        for thread in threads:
            thread.start()
        for commit in range(1, 6):  # five commits, each adding 100 matching repos
            writer.add_records(
                [make_repo(1000 * commit + i, f"road-{commit}-{i}", description="road maintenance") for i in range(100)]
            )
            time.sleep(0.3)
        stop.set()
        for thread in threads:
            thread.join()
        assert errors == []
        assert totals <= {200, 300, 400, 500, 600, 700} and len(totals) > 1  # whole commits only
        assert httpx.get(url, params={"q": "road maintenance"}, timeout=10).json()["total"] == 700
    finally:
        writer.close()
        server.send_signal(signal.SIGINT)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(15)
