"""A whole harvest run, and the CLI end to end: fake GitHub -> index -> API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pulse.core.settings import Settings
from pulse.core.sources import parse_sources
from pulse.index import IndexStore
from pulse.jobs.harvest import run_harvest
from tests.conftest import LiveServer, github_env
from tests.fake_github import FakeGitHub

SOURCES = """\
publishers:
  - name: Dorset Council
    type: local-government
    sources:
      - github: Dorset-Council-UK
  - name: Essex County Council
    type: local-government
    sources:
      - github: essexcountycouncil
"""


def test_a_failing_org_keeps_its_previously_indexed_repos(github: FakeGitHub, tmp_path: Path) -> None:
    github.add_repo("Dorset-Council-UK", "bins", readme="Bin collection day finder")
    github.add_repo("essexcountycouncil", "libraries", readme="Library opening hours")
    settings = Settings.from_env(github_env(github), data_dir=tmp_path)
    store = IndexStore(settings.index_dir)
    first = run_harvest(parse_sources(SOURCES), store, settings)
    assert [s.status for s in first.sources] == ["ok", "ok"] and store.doc_count() == 2

    github.add_repo("Dorset-Council-UK", "parking", readme="Parking permits")
    github.fail("/orgs/essexcountycouncil", 500)
    second = run_harvest(parse_sources(SOURCES), store, settings)
    dorset, essex = second.sources
    assert (dorset.status, dorset.seen, dorset.added, dorset.updated, dorset.removed) == ("ok", 2, 1, 0, 0)
    assert essex.status == "failed" and "essexcountycouncil" in essex.error
    assert store.get("essexcountycouncil", "libraries") is not None
    assert store.doc_count() == 3

    report = json.loads((tmp_path / "reports" / "harvest-latest.json").read_text())
    assert [s["status"] for s in report["sources"]] == ["ok", "failed"]
    assert report["requests"] == second.requests > 0
    store.close()


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PULSE_"))}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "pulse", *args], capture_output=True, text=True, env=full_env, timeout=120
    )


def test_cli_harvest_then_serve_finds_repos_by_readme_words(github: FakeGitHub, tmp_path: Path) -> None:
    github.add_repo(
        "Dorset-Council-UK",
        "FloodReporter",
        description="Report flooding",
        readme="# Flood reporter\n\nResidents report **gully blockages** and flooding to the council.",
    )
    github.add_repo("essexcountycouncil", "school-admissions", readme="Apply for a school place: admissions rounds.")
    sources = tmp_path / "sources.yaml"
    sources.write_text(SOURCES)
    data_dir = tmp_path / "data"

    result = run_cli("harvest", "--sources", str(sources), "--data-dir", str(data_dir), env=github_env(github))
    assert result.returncode == 0, result.stderr
    assert "ok          Dorset-Council-UK: 1 items" in result.stdout
    assert "Harvested 2 of 2 sources" in result.stdout

    with LiveServer(Settings.from_env({}, data_dir=data_dir)) as server:
        body = server.get("/api/search", params={"q": "gully blockages"}).json()
        assert [r["full_name"] for r in body["results"]] == ["Dorset-Council-UK/FloodReporter"]
        assert server.get("/healthz").json() == {"status": "ok", "documents": 2, "demo": False}
        page = server.get("/search", params={"q": "admissions"})
        assert "essexcountycouncil/school-admissions" in page.text


def test_cli_exits_non_zero_when_a_source_failed(github: FakeGitHub, tmp_path: Path) -> None:
    github.add_repo("Dorset-Council-UK", "a")
    sources = tmp_path / "sources.yaml"
    sources.write_text(SOURCES)  # essexcountycouncil does not exist on the fake: 404
    result = run_cli("harvest", "--sources", str(sources), "--data-dir", str(tmp_path / "d"), env=github_env(github))
    assert result.returncode == 1
    assert "FAILED      essexcountycouncil: GitHub 'essexcountycouncil': HTTP 404" in result.stdout
    assert "source=github:essexcountycouncil status=failed" in result.stderr  # plain log lines off a terminal


def test_cli_malformed_sources_exits_before_touching_the_index(tmp_path: Path) -> None:
    sources = tmp_path / "bad.yaml"
    sources.write_text(SOURCES.replace("type: local-government", "type: parish", 1))
    data_dir = tmp_path / "data"
    result = run_cli("harvest", "--sources", str(sources), "--data-dir", str(data_dir), env={})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"pulse: {sources}, line 3: publishers[0].type: 'parish' is not one of "
        "local-government, central-government, health, devolved, other-public"
    )
    assert not data_dir.exists()


def test_readme_fake_world_walkthrough_sources_match_the_generated_world(github: FakeGitHub, tmp_path: Path) -> None:
    """The README's "try a harvest without GitHub" steps: generated world + tests/data/fake-world-sources.yaml."""
    from tests.fake_github import build_world

    build_world(github, orgs=3, repos_per_org=12)
    sources = Path(__file__).parent / "data" / "fake-world-sources.yaml"
    result = run_cli("harvest", "--sources", str(sources), "--data-dir", str(tmp_path), env=github_env(github))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Harvested 3 of 3 sources" in result.stdout
