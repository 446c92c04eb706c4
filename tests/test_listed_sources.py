"""code.json inventories and open-resources lists as sources, end to end: sources.yaml, real HTTP
on 127.0.0.1, the harvest job and a real index. A bad entry is reported and the rest kept; a failing
source keeps its items; a URL Pulse may not fetch is refused like any failing source."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pulse.core.query import SearchRequest
from pulse.core.settings import Settings
from pulse.core.sources import parse_sources
from pulse.core.vocabulary import HarvestStatus
from pulse.index import IndexStore, search
from pulse.jobs.harvest import run_harvest

DATA = Path(__file__).parent / "data"
INVENTORY = (DATA / "formats" / "code.json.cdcgov-source-code-inventory.excerpt.json").read_bytes()
TEMPLATES = (DATA / "open-resources" / "templates-accessibility-and-privacy.yaml").read_bytes()
DESIGN = (DATA / "open-resources" / "gds-govuk-design-system.yaml").read_bytes()


class Files(ThreadingHTTPServer):
    """Serves `routes` (path -> (status, body)) and counts the requests per path."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, tuple[int, bytes]] = {}
        self.hits: dict[str, int] = {}
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Files

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.server.hits[self.path] = self.server.hits.get(self.path, 0) + 1
        status, body = self.server.routes.get(self.path, (404, b"not found"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def files() -> Iterator[Files]:
    server = Files()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def sources(files: Files, tmp_path: Path) -> str:
    (tmp_path / "lists").mkdir(exist_ok=True)
    (tmp_path / "lists" / "templates.csv").write_bytes(
        (DATA / "open-resources" / "templates-accessibility-and-privacy.csv").read_bytes()
    )
    sources_file = tmp_path / "sources.yaml"
    sources_file.write_text(
        f"""publishers:
  - name: Centers for Disease Control and Prevention
    type: other-public
    sources:
      - code_json: {files.url}/code.json
  - name: Government Digital Service (GOV.UK)
    type: central-government
    sources:
      - resources: {files.url}/design-system.yaml
  - name: Accessibility and privacy templates
    type: other-public
    sources:
      - resources: lists/templates.csv
"""
    )
    return str(sources_file)


def harvest(path: str, settings: Settings):  # type: ignore[no-untyped-def]
    store = IndexStore(settings.index_dir)
    try:
        report = run_harvest(parse_sources(Path(path).read_text(), path), store, settings)
        return report, {r.key: r for r in store.all_records()}
    finally:
        store.close()


def test_inventories_and_resources_lists_harvest_into_one_catalogue(files: Files, tmp_path: Path) -> None:
    files.routes = {"/code.json": (200, INVENTORY), "/design-system.yaml": (200, DESIGN)}
    settings = Settings.from_env({"PULSE_ALLOW_PRIVATE_URLS": "1"}, data_dir=tmp_path / "data")
    report, records = harvest(sources(files, tmp_path), settings)
    by_source = {e.source.split(":")[0]: e for e in report.sources}
    assert all(e.status == HarvestStatus.OK for e in report.sources), [(e.source, e.error) for e in report.sources]
    inventory = by_source["code_json"]
    assert inventory.seen == 15 and len(inventory.problems) == 11  # the real excerpt's messy entries, one line each
    assert any("no link" in p or "repositoryURL" in p for p in inventory.problems)
    kinds = {r.kind for r in records.values()}
    assert kinds == {"code", "resource"}
    design = [r for r in records.values() if r.source.startswith("resources:http")]
    assert len(design) == 70 and {r.resource_type for r in design} == {"component", "pattern"}
    csv_items = [r for r in records.values() if r.source == "resources:lists/templates.csv"]
    assert len(csv_items) == 9 and "template" in {r.resource_type for r in csv_items}
    store = IndexStore(settings.index_dir)
    try:
        found = search(store, SearchRequest(q="privacy notice template")).hits
        assert found and found[0].repo.kind == "resource", [h.repo.title for h in found[:3]]
        page = search(store, SearchRequest(q="accessibility statement"))
        assert {f.value for f in page.facets["kind"]} >= {"resource"}
        assert any(f.value == "template" for f in page.facets["resource_type"])
        button = store.find("design-system.service.gov.uk", "components/button")
        assert button is not None and button.page_url == "/items/design-system.service.gov.uk/components/button"
    finally:
        store.close()
    second, _ = harvest(sources(files, tmp_path), settings)
    assert files.hits == {"/code.json": 2, "/design-system.yaml": 2}  # one request per file per run, no more
    assert all(e.added == e.updated == e.removed == 0 for e in second.sources)  # nothing changed


def test_a_failing_inventory_keeps_its_items_and_a_bad_list_names_the_problem(files: Files, tmp_path: Path) -> None:
    files.routes = {"/code.json": (200, INVENTORY), "/design-system.yaml": (200, DESIGN)}
    settings = Settings.from_env({"PULSE_ALLOW_PRIVATE_URLS": "1"}, data_dir=tmp_path / "data")
    path = sources(files, tmp_path)
    _, before = harvest(path, settings)
    files.routes = {"/code.json": (500, b"oops"), "/design-system.yaml": (200, b"items: [unclosed")}
    report, after = harvest(path, settings)
    failed = {e.source.split(":")[0]: e for e in report.sources if e.status == HarvestStatus.FAILED}
    assert set(failed) == {"code_json", "resources"}
    assert "500" in failed["code_json"].error and "YAML" in failed["resources"].error
    assert after.keys() == before.keys()  # both failing sources kept every item they had


def test_urls_pulse_may_not_fetch_are_refused_like_a_failing_source(files: Files, tmp_path: Path) -> None:
    files.routes = {"/code.json": (200, INVENTORY), "/design-system.yaml": (200, b"x" * 10_000_001)}
    settings = Settings.from_env({}, data_dir=tmp_path / "data")  # no PULSE_ALLOW_PRIVATE_URLS
    report, records = harvest(sources(files, tmp_path), settings)
    status = {e.source.split(":")[0] + ("-csv" if e.source.endswith(".csv") else ""): e for e in report.sources}
    assert (
        status["code_json"].status == HarvestStatus.FAILED and "PULSE_ALLOW_PRIVATE_URLS" in status["code_json"].error
    )
    assert status["resources-csv"].status == HarvestStatus.OK  # a local list is read: the others go on
    assert files.hits == {}  # nothing was fetched from 127.0.0.1
    assert {r.source for r in records.values()} == {"resources:lists/templates.csv"}
    allowed = Settings.from_env({"PULSE_ALLOW_PRIVATE_URLS": "1"}, data_dir=tmp_path / "data")
    report, _ = harvest(sources(files, tmp_path), allowed)
    huge = next(e for e in report.sources if e.source.endswith("design-system.yaml"))
    assert huge.status == HarvestStatus.FAILED and "10,000,000" in huge.error


def test_publisher_and_item_pages_show_kinds_problems_and_resources(files: Files, tmp_path: Path) -> None:
    from tests.conftest import LiveServer

    files.routes = {"/code.json": (200, INVENTORY), "/design-system.yaml": (200, DESIGN)}
    settings = Settings.from_env({"PULSE_ALLOW_PRIVATE_URLS": "1"}, data_dir=tmp_path / "data")
    harvest(sources(files, tmp_path), settings)
    with LiveServer(settings, demo=False) as server:
        cdc = server.get("/publishers/centers-for-disease-control-and-prevention")
        assert cdc.status_code == 200 and "code.json inventory" in cdc.text
        assert "11 entries of" in cdc.text and "could not be used" in cdc.text  # each problem listed
        button = server.get("/items/design-system.service.gov.uk/components/button")
        assert button.status_code == 200 and "Resources list" not in button.text
        assert "Component" in button.text and 'id="readme"' not in button.text
        crumb = next(
            line for line in button.text.splitlines() if "govuk-breadcrumbs__link" in line and "publishers/" in line
        )
        address = crumb.split('href="')[1].split('"')[0]
        publisher = server.get(address)
        assert publisher.status_code == 200 and "70 open resources" in publisher.text
        api = server.get("/api/items/design-system.service.gov.uk/components/button").json()
        assert (api["kind"], api["resource_type"], api["page_url"]) == (
            "resource", "component", "/items/design-system.service.gov.uk/components/button"
        )  # fmt: skip
        found = server.get("/api/search", params={"q": "design system components", "kind": "resource"}).json()
        assert found["total"] > 0 and all(r["kind"] == "resource" for r in found["results"])
