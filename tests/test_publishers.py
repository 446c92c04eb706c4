"""Publisher directory and pages, with each source's harvest status (HTML and API)."""

from __future__ import annotations

from pathlib import Path

from pulse.core.settings import Settings
from pulse.index import IndexStore
from pulse.jobs.harvest import run_harvest
from tests.conftest import LiveServer, github_env
from tests.fake_github import FakeGitHub
from tests.test_nightly import publishers


def test_demo_publishers_are_listed(demo_server: LiveServer) -> None:
    body = demo_server.get("/api/publishers").json()
    names = {p["name"]: p for p in body["publishers"]}
    assert body["total"] == len(names) > 20
    essex = names["Essex County Council"]
    assert essex["type"] == "local-government" and essex["repos"] == 11 + 24  # its repositories and its manual
    assert essex["sources"][0]["status"] == "demo"
    assert sum(p["repos"] for p in body["publishers"]) == 913
    assert demo_server.get("/api/publishers/ESSEXCOUNTYCOUNCIL").json()["name"] == "Essex County Council"
    page = demo_server.get("/publishers/essexcountycouncil")
    assert page.status_code == 200 and "essexcountycouncil/" in page.text
    directory = demo_server.get("/publishers", params={"type": "health"})
    assert "NHS" in directory.text and "Essex County Council" not in directory.text
    assert demo_server.get("/publishers", params={"type": "bogus"}).status_code == 400
    assert demo_server.get("/api/publishers/nobody-here").status_code == 404


def test_a_failed_source_shows_as_stale_with_its_error(github: FakeGitHub, tmp_path: Path) -> None:
    github.add_repo("york-council", "bins", license_spdx=None)
    github.add_repo("york-council", "roads")
    github.add_repo("leeds-city-council", "libraries")
    settings = Settings.from_env(github_env(github), data_dir=tmp_path)
    store = IndexStore(settings.index_dir)
    run_harvest(publishers("york-council", "leeds-city-council"), store, settings)
    github.fail("/orgs/york-council", 500)
    run_harvest(publishers("york-council", "leeds-city-council"), store, settings)
    store.close()

    with LiveServer(settings, demo=False) as server:
        york = server.get("/api/publishers/york-council").json()
        (source,) = york["sources"]
        assert (york["repos"], york["stale"], source["status"]) == (2, True, "failed")
        assert source["last_success"] and "after retries" in source["last_error"]
        leeds = server.get("/api/publishers/leeds-city-council").json()
        assert leeds["sources"][0]["status"] == "ok" and not leeds["stale"]
        page = server.get("/publishers/york-council").text
        assert "showing data from the last good harvest" in page
        assert "1 of 2 repositories have no licence" in page
        detail = server.get("/repos/york-council/bins").text
        assert "The latest harvest of york-council failed" in detail
