"""The package as a user installs it: `make wheel`'s wheel, installed (not editable) in a fresh
venv, serving the site over real HTTP with nothing from the checkout.

The wheel is built the way pip builds one from PyPI: an sdist from a copy of the checkout,
then the wheel from that sdist (`python -m build --no-isolation`), so a file the sdist forgets
is missing from the wheel too. The copy leaves no `build/` or `*.egg-info` litter in the
checkout (`build/layout` belongs to `make lint`) and includes the compiled stylesheet
(`make assets`; without it these tests skip, or fail when $CI is set, as the browser tests do).
A direct `--wheel` build (what `make wheel` runs) must give the same files.

No test reaches the internet, and a package index counts as internet. So the fresh venv gets
the wheel with `pip install --no-deps --no-index` (pip's config files and PIP_* settings
ignored), and its third-party dependencies from a `.pth` file that appends the project venv's
site-packages *after* the fresh venv's own. A `.pth` line that is a plain path is only added
to sys.path; `.pth` files inside that directory are not run, so the project's editable finder
(`__editable___pulse_*_finder`, which maps `pulse` to this checkout) stays inactive, and the
project venv has no `pulse/` folder of its own. The tests check that this holds: the server's
stylesheet URL is versioned by the mtime of the fresh venv's copy, and the fresh venv's Python,
run from a neutral directory, imports `pulse`, `pulse.index` and the shipped templates and
sources from its own site-packages.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import time
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version as installed_version
from pathlib import Path

import httpx
import pytest
from conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
STYLESHEET = ROOT / "pulse" / "web" / "static" / "build" / "pulse.css"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
WHEEL_NAME = f"pulse-{VERSION}-py3-none-any.whl"
DIST_INFO = f"pulse-{VERSION}.dist-info"
# Not part of a source tree: at the root, environments, builds and local data (`data/` as .gitignore
# has it: pulse/data is source); anywhere, caches, egg-info and hidden files.
NOT_SOURCE_AT_ROOT = {".venv", "node_modules", "build", "dist", "data"}
# Files that must be in the wheel whatever else changes, so the comparison with the tree can never pass empty.
MUST_SHIP = {
    "pulse/__init__.py",
    "pulse/cli.py",
    "pulse/core/resources.py",
    "pulse/jobs/harvest.py",
    "pulse/web/app.py",
    "pulse/index/__init__.py",
    "pulse/harvesters/__init__.py",
    "pulse/templates/base.html",
    "pulse/web/static/pulse.css",
    "pulse/web/static/favicon.svg",
    "pulse/web/static/build/pulse.css",
    "pulse/data/demo-catalogue.jsonl",
    "pulse/data/DEMO-CATALOGUE-SOURCE.md",
    "pulse/shipped/sources.yaml",
}
BUILD_TIMEOUT = 180


@dataclass
class Built:
    source: Path  # the copy of the checkout the sdist was made from
    wheel: Path  # built from the sdist
    direct_wheel: Path  # built straight from the source copy, as `make wheel` does
    sdist: Path


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that points Python, pip or Pulse elsewhere."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_", "PULSE_", "GITHUB_", "VIRTUAL_ENV"))
    }
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    env.update(extra)
    return env


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    kwargs.setdefault("env", _clean_env())
    done = subprocess.run(args, capture_output=True, text=True, timeout=BUILD_TIMEOUT, **kwargs)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _ignore(folder: str, names: list[str]) -> set[str]:
    skip = {n for n in names if n == "__pycache__" or n.startswith(".") or n.endswith((".egg-info", ".pyc"))}
    return skip | (NOT_SOURCE_AT_ROOT & set(names) if Path(folder) == ROOT else set())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    if not STYLESHEET.is_file():
        message = f"the compiled stylesheet {STYLESHEET.relative_to(ROOT)} is missing (run `make assets`)"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set, so the wheel must be tested: {message}", pytrace=False)
        pytest.skip(message)
    setuptools = tuple(int(p) for p in re.findall(r"\d+", installed_version("setuptools"))[:3])
    assert setuptools >= (77, 0, 3), "the build needs setuptools>=77.0.3 in .venv: run `make install-test`"
    work = tmp_path_factory.mktemp("wheel-build")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=_ignore)  # the stylesheet too: pulse/web/static/build is not /build
    # No --sdist/--wheel: build makes the sdist, then the wheel from the unpacked sdist, as pip does.
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(work / "dist"), str(source)])
    _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(work / "direct"), str(source)])
    return Built(
        source=source,
        wheel=work / "dist" / WHEEL_NAME,
        direct_wheel=work / "direct" / WHEEL_NAME,
        sdist=work / "dist" / f"pulse-{VERSION}.tar.gz",
    )


def expected_files(source: Path) -> set[str]:
    """What the wheel must hold, from the tree: every module and every shipped data file."""
    files = set()
    for folder, package in (("pulse", "pulse"), ("index", "pulse/index"), ("harvesters", "pulse/harvesters")):
        files |= {f"{package}/{p.relative_to(source / folder).as_posix()}" for p in (source / folder).rglob("*.py")}
    files |= {f"pulse/templates/{p.name}" for p in (source / "templates").glob("*.html")}
    for folder in ("pulse/web/static", "pulse/data"):
        files |= {p.relative_to(source).as_posix() for p in (source / folder).rglob("*") if p.is_file()}
    files.add("pulse/shipped/sources.yaml")
    return files


def test_the_wheel_holds_every_module_and_shipped_file_under_pulse_only(built: Built) -> None:
    assert built.sdist.is_file() and built.wheel.is_file(), sorted(p.name for p in built.wheel.parent.iterdir())
    with zipfile.ZipFile(built.wheel) as wheel:
        names = set(wheel.namelist())
        top_level = wheel.read(f"{DIST_INFO}/top_level.txt").decode().split()
        entry_points = wheel.read(f"{DIST_INFO}/entry_points.txt").decode()
        stylesheet = wheel.read("pulse/web/static/build/pulse.css")
    # Nothing generic such as `index/`, `harvesters/`, `templates/` or `tests/` at the top of site-packages.
    assert {name.split("/")[0] for name in names} == {"pulse", DIST_INFO}
    assert top_level == ["pulse"]
    assert "pulse = pulse.cli:main" in entry_points
    shipped = names - {n for n in names if n.startswith(f"{DIST_INFO}/")}
    assert MUST_SHIP <= shipped, sorted(MUST_SHIP - shipped)
    expected = expected_files(built.source)
    assert shipped == expected, f"missing: {sorted(expected - shipped)}; extra: {sorted(shipped - expected)}"
    # pulse.shipped maps to the checkout's root: it must carry sources.yaml and nothing else (no root *.py).
    assert {n for n in shipped if n.startswith("pulse/shipped/")} == {"pulse/shipped/sources.yaml"}
    assert stylesheet == STYLESHEET.read_bytes()
    with zipfile.ZipFile(built.direct_wheel) as direct:
        assert set(direct.namelist()) == names  # `make wheel`'s direct build ships the same files


def test_the_sdist_holds_what_the_wheel_is_built_from(built: Built) -> None:
    with tarfile.open(built.sdist) as sdist:
        members = {m.name.removeprefix(f"pulse-{VERSION}/") for m in sdist.getmembers() if m.isfile()}
    assert {"pyproject.toml", "README.md", "sources.yaml", "pulse/web/static/build/pulse.css"} <= members
    assert {"index/__init__.py", "harvesters/__init__.py", "templates/base.html"} <= members


@pytest.fixture(scope="module")
def installed(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A fresh venv with the wheel installed (not editable); yields its python and site-packages."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    # Dependencies: appended after the venv's own site-packages, so the wheel's `pulse` comes first.
    project_site = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (site / "zz_pulse_test_dependencies.pth").write_text("".join(f"{path}\n" for path in project_site))
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(built.wheel)])
    yield python, site


def test_installed_files_are_the_wheels_and_import_from_the_fresh_venv(
    built: Built, installed: tuple[Path, Path], tmp_path: Path
) -> None:
    python, site = installed
    with zipfile.ZipFile(built.wheel) as wheel:
        for name in wheel.namelist():
            if not name.startswith(f"{DIST_INFO}/"):
                assert (site / name).is_file(), name
    assert not (site / "index").exists() and not (site / "harvesters").exists()
    assert (python.parent / "pulse").read_text().splitlines()[0] == f"#!{python}"
    probe = (
        "import importlib.util, json, sys, pulse, pulse.index, pulse.harvesters, pulse.web.templating as t\n"
        "from pulse.core import resources as r\n"
        "print(json.dumps({'files': [pulse.__file__, pulse.index.__file__, pulse.harvesters.__file__, t.__file__,"
        " str(r.shipped_dir('templates')), str(r.shipped_file('sources.yaml')), str(t.BUILT_STYLESHEET)],"
        " 'generic': [n for n in ('index', 'harvesters') if importlib.util.find_spec(n)],"
        " 'finders': [repr(f) for f in sys.meta_path if 'editable' in repr(f).lower()]}))"
    )
    found = json.loads(_run([str(python), "-c", probe], cwd=tmp_path).stdout)
    for path in found["files"]:
        assert Path(path).is_relative_to(site / "pulse") and Path(path).exists(), path
        assert not Path(path).resolve().is_relative_to(ROOT), path
    assert found["generic"] == [] and found["finders"] == []


def test_the_installed_pulse_serves_the_site_over_http(installed: tuple[Path, Path], tmp_path: Path) -> None:
    python, site = installed
    # Give the installed stylesheet an mtime the checkout's cannot have: the server versions the
    # stylesheet URL by the mtime of the copy it imported, so the URL shows which `pulse` it runs.
    stamp = 1_234_567_890
    os.utime(site / "pulse/web/static/build/pulse.css", (stamp, stamp))
    assert int(STYLESHEET.stat().st_mtime) != stamp
    data_dir = tmp_path / "empty-data"
    data_dir.mkdir()
    neutral = tmp_path / "elsewhere"
    neutral.mkdir()
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(python.parent / "pulse"), "serve", "--host", "127.0.0.1", "--port", str(port)]
            + ["--data-dir", str(data_dir)],
            cwd=neutral,
            env=_clean_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10, trust_env=False) as client:
            deadline = time.monotonic() + 30
            while True:
                assert server.poll() is None, f"pulse serve exited {server.returncode}:\n{log.read_text()}"
                try:
                    health = client.get("/healthz")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, f"pulse serve did not answer:\n{log.read_text()}"
                    time.sleep(0.1)
            assert health.status_code == 200
            demo_lines = (site / "pulse/data/demo-catalogue.jsonl").read_text().splitlines()
            lists = sorted((site / "pulse/data/open-resources").glob("*.yaml"))  # the wheel ships the resources too
            resources = sum(f.read_text().count("\n- title:") for f in lists)
            assert len(lists) == 7 and resources == 199
            assert health.json() == {"status": "ok", "documents": len(demo_lines) + resources, "demo": True}

            home = client.get("/")
            assert home.status_code == 200 and home.headers["content-type"].startswith("text/html")
            link = re.search(r'href="(/static/build/pulse\.css\?v=(\d+))"', home.text)
            assert link, "the home page does not link the compiled stylesheet"
            assert int(link.group(2)) == stamp  # versioned by the fresh venv's file: that is the pulse it runs

            css = client.get(link.group(1))
            assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
            assert len(css.content) > 20_000 and css.content == STYLESHEET.read_bytes()

            page = client.get("/search", params={"q": "bin"})
            assert page.status_code == 200
            count = re.search(r'class="result-count"[^>]*>(\d+) result', page.text)
            assert count and int(count.group(1)) > 0, page.text[:2000]

            api = client.get("/api/search", params={"q": "bin"})
            assert api.status_code == 200 and api.headers["content-type"].startswith("application/json")
            body = api.json()
            assert body["query"] == "bin" and body["total"] == int(count.group(1)) and body["results"]
            first = body["results"][0]
            path = f"/repos/{first['owner']}/{first['name']}"
            assert f'href="{path}"' in page.text  # the page lists the same search

            repo = client.get(path)
            assert repo.status_code == 200 and repo.headers["content-type"].startswith("text/html")
            assert f">{first['full_name']}</h1>" in repo.text and f'href="{first["url"]}"' in repo.text
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
