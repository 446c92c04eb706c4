"""Shared fixtures: real parts only (a Whoosh index on disk, uvicorn on a free port)."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
import uvicorn

from pulse.core.record import Repo
from pulse.core.settings import DEFAULT_GITHUB_API_URL, Settings
from pulse.index import IndexStore
from pulse.jobs.demo import DEMO_SNAPSHOT, read_jsonl
from pulse.web.server import uvicorn_config

if TYPE_CHECKING:
    from tests.fake_github import FakeGitHub

DATA = Path(__file__).resolve().parent / "data"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


NO_GITHUB = "http://127.0.0.1:9"  # the discard port: nothing listens, connections are refused at once


class LiveServer:
    """The real app under uvicorn in a background thread, on 127.0.0.1, configured as `pulse serve` is."""

    def __init__(self, settings: Settings, demo: bool = True, port: int | None = None) -> None:
        if settings.github_api_url == DEFAULT_GITHUB_API_URL:
            # No test may reach the internet: the registration checks' background worker asks GitHub,
            # so a server not pointed at a fake one is pointed at a closed local port instead.
            settings = dataclasses.replace(settings, github_api_url=NO_GITHUB)
        self.settings = settings
        self.port = port or free_port()  # given when PULSE_BASE_URL must name it beforehand
        self.url = f"http://127.0.0.1:{self.port}"
        # The same uvicorn configuration as `pulse serve` (limits, header timeout, no banner).
        config = uvicorn_config(settings, host="127.0.0.1", port=self.port, log_level="warning", demo=demo)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def get(self, path: str, **kwargs) -> httpx.Response:  # type: ignore[no-untyped-def]
        kwargs.setdefault("timeout", 30)
        return httpx.get(self.url + path, **kwargs)


def make_repo(id: int, name: str, owner: str = "Dorset-Council-UK", **fields) -> Repo:  # noqa: A002
    """A record with sensible defaults, for index and search tests."""
    values = dict(
        id=id,
        owner=owner,
        name=name,
        url=f"https://github.com/{owner}/{name}",
        source=f"github:{owner.lower()}",
        publisher="Dorset Council",
        publisher_type="local-government",
    )
    values.update(fields)
    return Repo(**values)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env({}, data_dir=tmp_path / "data")


@pytest.fixture
def store(settings: Settings) -> Iterator[IndexStore]:
    store = IndexStore(settings.index_dir)
    yield store
    store.close()


@pytest.fixture(scope="session")
def demo_records() -> list[Repo]:
    return list(read_jsonl(DEMO_SNAPSHOT))


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server over the demo catalogue, shared by read-only web tests."""
    settings = Settings.from_env({}, data_dir=tmp_path_factory.mktemp("demo-data"))
    with LiveServer(settings) as server:
        yield server


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    """A fake api.github.com on 127.0.0.1 that the real PyGithub talks to."""
    from tests.fake_github import FakeGitHub

    with FakeGitHub() as fake:
        yield fake


def github_env(fake: FakeGitHub, **extra: str) -> dict[str, str]:
    """Environment pointing Pulse at a fake GitHub: no delay between requests, one retry."""
    env = {"GITHUB_API_URL": fake.url, "PULSE_GITHUB_REQUEST_INTERVAL": "0", "PULSE_GITHUB_RETRIES": "1"}
    env.update(extra)
    return env
