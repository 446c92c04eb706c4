"""deploy/nginx.conf in a real nginx in front of the real app: it loads, proxies, and keeps the limits.

Needs Debian's nginx (`.ci/run` installs it). Skipped locally without it; under
CI=true a missing nginx fails the run, so CI cannot pass silently.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pulse.core.settings import Settings
from tests.conftest import LiveServer, free_port

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, LiveServer]]:
    """`pulse serve` over the demo catalogue behind deploy/nginx.conf; yields nginx's URL and the app."""
    if not Path(NGINX).is_file():
        if os.environ.get("CI"):
            pytest.fail("CI is set, so nginx must be installed (apt-get install -y nginx)", pytrace=False)
        pytest.skip("nginx is not installed (apt-get install -y nginx)")
    work = tmp_path_factory.mktemp("nginx")
    settings = Settings.from_env({"PULSE_BASE_URL": "https://pulse.example.gov.uk"}, data_dir=work / "data")
    with LiveServer(settings) as app:
        listen = free_port()
        site = NGINX_CONF.read_text()
        site = site.replace("server 127.0.0.1:8000;  # PULSE_UPSTREAM", f"server 127.0.0.1:{app.port};")
        site = site.replace("listen 80;  # PULSE_LISTEN", f"listen 127.0.0.1:{listen};")
        assert str(app.port) in site and str(listen) in site  # the markers are still in the shipped file
        (work / "pulse.conf").write_text(site)
        (work / "nginx.conf").write_text(
            f"pid {work}/nginx.pid;\nerror_log {work}/error.log warn;\nevents {{}}\n"
            f"http {{\n  access_log off;\n  client_body_temp_path {work}/body;\n  proxy_temp_path {work}/proxy;\n"
            f"  fastcgi_temp_path {work}/fcgi;\n  uwsgi_temp_path {work}/uwsgi;\n  scgi_temp_path {work}/scgi;\n"
            f"  include {work}/pulse.conf;\n}}\n"
        )
        check = subprocess.run(
            [NGINX, "-t", "-p", str(work), "-c", str(work / "nginx.conf")], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stderr
        nginx = subprocess.Popen(
            [NGINX, "-p", str(work), "-c", str(work / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", listen), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or nginx.poll() is not None:
                    raise RuntimeError(f"nginx did not start: {nginx.stderr.read() if nginx.stderr else ''}") from None
                time.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{listen}", app
        finally:
            nginx.terminate()
            nginx.wait(10)


HOST = {"Host": "pulse.example.gov.uk"}


def test_nginx_proxies_with_pulse_headers_and_no_banners(proxied: tuple[str, LiveServer]) -> None:
    url, _ = proxied
    page = httpx.get(url + "/search", params={"q": "waste"}, headers=HOST, timeout=10)
    assert page.status_code == 200 and "waste" in page.text.lower()
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers.get("server") == "nginx"  # server_tokens off: no version
    feed = httpx.get(url + "/feeds/search.atom", headers=HOST, timeout=10)
    assert 'href="https://pulse.example.gov.uk/feeds/search.atom"' in feed.text  # PULSE_BASE_URL, not the Host
    download = httpx.get(url + "/downloads/search.csv", headers=HOST, timeout=30)
    assert download.status_code == 200 and download.text.count("\n") > 100


def test_nginx_passes_host_through_so_unknown_hosts_are_refused(proxied: tuple[str, LiveServer]) -> None:
    url, _ = proxied
    assert httpx.get(url + "/", headers={"Host": "evil.example"}, timeout=10).status_code == 400


def test_nginx_cuts_off_slow_headers(proxied: tuple[str, LiveServer]) -> None:
    url, _ = proxied
    port = int(url.rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port))
    try:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: pulse.example.gov.uk\r\n")
        sock.settimeout(20)
        started = time.monotonic()
        answer = sock.recv(1000)
        waited = time.monotonic() - started
    finally:
        sock.close()
    assert answer in (b"",) or answer.startswith(b"HTTP/1.1 408")
    assert 5 < waited < 15  # client_header_timeout 10s
