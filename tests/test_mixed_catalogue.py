"""Issue 10's "done when", as a new user would: a sources.yaml mixing a GitHub organisation, a GitLab
group with subgroups, a code.json URL and a resources list harvests with `pulse harvest` into one
catalogue; maker queries find resources and template repositories beside code, with the kind and
resource-type facets; a second harvest with nothing changed costs only list pages at every fake."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import LiveServer, github_env
from tests.fake_github import FakeGitHub
from tests.fake_gitlab import FakeGitLab, build_nhsbsa_world
from tests.test_listed_sources import DESIGN, INVENTORY, TEMPLATES, Files, files  # noqa: F401 - the fixture
from tests.test_registrations import pulse_cli


def test_four_kinds_of_source_make_one_catalogue(github: FakeGitHub, files: Files, tmp_path: Path) -> None:  # noqa: F811
    readme = "# Accessibility statement template\n\nCopy and fill in for your council website."
    github.add_repo("Dorset-Council-UK", "accessibility-statement-template", is_template=True,
                    description="A template accessibility statement for council websites", readme=readme)  # fmt: skip
    github.add_repo("Dorset-Council-UK", "BinDayFinder", readme="# Bin day finder\n\nFind your bin collection day.")
    files.routes = {"/code.json": (200, INVENTORY), "/design-system.yaml": (200, DESIGN),
                    "/templates.yaml": (200, TEMPLATES)}  # fmt: skip
    with FakeGitLab() as gitlab:
        build_nhsbsa_world(gitlab)
        sources = tmp_path / "sources.yaml"
        sources.write_text(
            f"""publishers:
  - name: Dorset Council
    type: local-government
    sources:
      - github: Dorset-Council-UK
  - name: NHS Business Services Authority
    type: health
    sources:
      - gitlab: nhsbsa
        url: {gitlab.url}
  - name: Centers for Disease Control and Prevention
    type: other-public
    sources:
      - code_json: {files.url}/code.json
  - name: Government Digital Service
    type: central-government
    sources:
      - resources: {files.url}/design-system.yaml
      - resources: {files.url}/templates.yaml
"""
        )
        env = github_env(github, PULSE_ALLOW_PRIVATE_URLS="1")
        data = ("--sources", str(sources), "--data-dir", str(tmp_path / "data"))
        first = pulse_cli("harvest", *data, env=env)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "Harvested 5 of 5 sources" in first.stdout
        assert (
            "By kind: github 2 items from 1, gitlab 8 items from 1, code_json 15 items from 1, resources 79"
            in first.stdout
        )
        report = json.loads((tmp_path / "data" / "reports" / "harvest-latest.json").read_text())
        assert report["by_kind"]["resources"] == {"sources": 2, "failed": 0, "items": 79}

        github.reset_counts(), gitlab.reset_counts()
        files.hits.clear()
        second = pulse_cli("harvest", *data, env=env)
        assert second.returncode == 0 and second.stdout.count("(+0 new, 0 updated, -0 removed)") == 5, second.stdout
        # Only list pages: GitHub's organisation and its one page of repositories; GitLab's group and its
        # project list pages (no project, tree or file requests); each file once.
        assert {r.path for r in github.requests} == {"/orgs/Dorset-Council-UK", "/orgs/Dorset-Council-UK/repos"}
        assert gitlab.count("/api/v4/projects/") == 0 and gitlab.count("/api/v4/groups/") == len(gitlab.requests)
        assert files.hits == {"/code.json": 1, "/design-system.yaml": 1, "/templates.yaml": 1}

    settings_env = {"PULSE_DATA_DIR": str(tmp_path / "data")}
    from pulse.core.settings import Settings

    with LiveServer(Settings.from_env(settings_env), demo=False) as server:

        def top(q: str, n: int = 5) -> list[dict]:  # type: ignore[type-arg]
            return server.get("/api/search", params={"q": q}).json()["results"][:n]  # type: ignore[no-any-return]

        privacy = top("privacy notice template")
        assert privacy and privacy[0]["kind"] == "resource" and privacy[0]["resource_type"] == "template"
        statement = server.get("/api/search", params={"q": "accessibility statement"}).json()
        kinds = {f["value"] for f in statement["facets"]["kind"]}
        assert {"resource", "template"} <= kinds  # a listed template resource and a template repository
        assert any(f["value"] == "template" for f in statement["facets"]["resource_type"])
        # Beside code: listed components are among the first results (ranking them first is issue 11's).
        components = top("design system components", 10)
        assert sum(r["resource_type"] == "component" for r in components) >= 3, [r["name"] for r in components]
        everything = server.get("/api/search").json()
        hosts = {r["host"] for page in range(1, 4) for r in server.get(
            "/api/search", params={"page": page, "per_page": 100}).json()["results"]}  # fmt: skip
        assert {"github.com", "127.0.0.1", "design-system.service.gov.uk"} <= hosts
        assert everything["total"] >= 2 + 8 + 15 + 70 + 9
        nested = server.get("/items/127.0.0.1/nhsbsa/ddat/test-community/accessibility/axe-checks")
        assert nested.status_code == 200 and "GitLab" in nested.text
