"""The security review's attacks, replayed over HTTP against a real `pulse serve`, beside plain traffic.

    .venv/bin/python bench/hostile.py                 # demo catalogue + the crafted records
    .venv/bin/python bench/hostile.py --synthetic 10000

Starts `pulse serve` in its own process over a fresh data directory holding
the demo catalogue (or a synthetic one, bench/synthetic.py) plus crafted
records (a README with a 30,000-space heading, javascript: URLs), then
measures, each beside the plain queries of the same run:

- latency of each attack request (median and worst of several tries) against
  plain word searches, all first-seen queries for the process where it matters;
- an 8-client mix with 2% hostile queries against the same mix without them
  (throughput and p95): the review measured 28.6 -> 4.5 req/s before the fix;
- a download while four clients hold downloads open without reading.

Figures go to BENCHMARKS.md with date and machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pulse.core.record import Repo  # noqa: E402
from pulse.jobs.demo import DEMO_SNAPSHOT, read_jsonl  # noqa: E402

PLAIN = [
    "waste",
    "planning application",
    "bin collection",
    "parking permits",
    "council tax",
    "flood risk",
    "design system",
    "housing repairs",
    "school admissions",
    "library",
    "api",
    "drupal",
    "foi requests",
    "address lookup",
    "accessibility",
    "data pipeline",
    "booking",
    "payments",
    "maps",
    "forms",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def crafted() -> list[Repo]:
    base = dict(owner="crafted-org", source="github:crafted-org", publisher="Crafted", publisher_type="other-public")
    return [
        Repo(
            id=9_000_001,
            name="spaces",
            url="https://github.com/crafted-org/spaces",
            description="crafted readme",
            readme="# a" + " " * 30_000 + "x\n\n" + "text " * 200,
            **base,
        ),  # type: ignore[arg-type]
        Repo(
            id=9_000_002,
            name="script-url",
            url="javascript:alert(1)",
            homepage="javascript:alert(2)",
            description="crafted url",
            **base,
        ),  # type: ignore[arg-type]
    ]


def start_server(data_dir: Path, records: list[Repo], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    export = data_dir.parent / "catalogue.jsonl"
    export.write_text("".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in records))
    pulse = [sys.executable, "-m", "pulse"]
    subprocess.run(
        [*pulse, "import", str(export), "--data-dir", str(data_dir)], check=True, env=env, capture_output=True
    )
    port = free_port()
    server = subprocess.Popen(
        [*pulse, "serve", "--port", str(port), "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return server, url
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("pulse serve did not start")


def timed(client: httpx.Client, path: str, **params: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(path, params=params or None)
    return (time.perf_counter() - started) * 1000, response.status_code


def attacks(client: httpx.Client) -> list[tuple[str, str, dict[str, str]]]:
    made_up = " ".join(f"zq{chr(97 + i)}{random.randrange(10**6)}xw" for i in range(10))
    return [
        ("crafted README page (30,000-space heading)", "/repos/crafted-org/spaces", {}),
        ("crafted README via API", "/api/repos/crafted-org/spaces", {}),
        ("q = 'the' x 125", "/api/search", {"q": " ".join(["the"] * 125)}),
        ("q = 10 made-up words (did you mean)", "/api/search", {"q": made_up}),
        ("q = data REQUIRE api", "/api/search", {"q": "data REQUIRE api"}),
        ("feed of 'the' x 125", "/feeds/search.atom", {"q": " ".join(["the"] * 125)}),
        (
            "every facet at once",
            "/api/search",
            {
                "q": "council",
                "language": "Python",
                "licence": "MIT",
                "publisher_type": "local-government",
                "archived": "no",
                "kind": "code",
                "has_licence": "yes",
                "topic": "waste",
            },
        ),
    ]


def latency_table(url: str, tries: int) -> list[str]:
    lines = ["| request | median ms | worst ms | status |", "|---|---|---|---|"]
    with httpx.Client(base_url=url, timeout=120) as client:
        plain = [timed(client, "/api/search", q=f"{q} {i}")[0] for i in range(tries) for q in PLAIN]
        lines.append(
            f"| baseline: plain searches, first seen ({len(plain)}) | {statistics.median(plain):.1f} | "
            f"{max(plain):.1f} | 200 |"
        )
        for label, path, params in attacks(client):
            runs = [timed(client, path, **params) for _ in range(tries)]
            times = [t for t, _ in runs]
            lines.append(f"| {label} | {statistics.median(times):.1f} | {max(times):.1f} | {runs[0][1]} |")
    return lines


def mix(url: str, hostile_share: float, seconds: float, clients: int = 8) -> tuple[float, float, int]:
    """Throughput (req/s), p95 (ms) and errors of `clients` closed-loop clients for `seconds`."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    hostile = [" ".join(["the"] * 125), "data REQUIRE api", "flodding zzqqx kwyjibo drupall"]

    def client_loop(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=url, timeout=120) as client:
            while time.monotonic() < stop:
                q = rng.choice(hostile) if rng.random() < hostile_share else f"{rng.choice(PLAIN)} {rng.randrange(99)}"
                t, status = timed(client, "/api/search", q=q)
                with lock:
                    latencies.append(t)
                    errors[0] += status >= 500

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else 0.0
    return len(latencies) / seconds, p95, errors[0]


def stalled_downloads(url: str) -> tuple[float, int, float, int]:
    """Four clients that never read a whole-catalogue download; then: one download at once, and after the stall."""
    port = int(url.rsplit(":", 1)[1])
    socks = []
    for _ in range(4):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", port))
        sock.sendall(b"GET /downloads/search.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        socks.append(sock)
    time.sleep(0.5)
    with httpx.Client(base_url=url, timeout=300) as client:
        first_ms, first_status = timed(client, "/downloads/search.csv")
        time.sleep(3.0)
        after_ms, after_status = timed(client, "/downloads/search.csv")
    for sock in socks:
        sock.close()
    return first_ms, first_status, after_ms, after_status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--synthetic", type=int, default=0, help="a synthetic catalogue of this size instead of the demo"
    )
    parser.add_argument("--tries", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each mixed-load run")
    args = parser.parse_args(argv)

    if args.synthetic:
        from bench.synthetic import generate

        records = generate(args.synthetic)
    else:
        records = list(read_jsonl(DEMO_SNAPSHOT))
    records += crafted()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PULSE_"))}
    env["PULSE_DOWNLOAD_STALL_SECONDS"] = "2"
    with tempfile.TemporaryDirectory() as tmp:
        server, url = start_server(Path(tmp) / "data", records, env)
        try:
            print(
                f"# bench/hostile.py: {len(records)} records, {platform.processor() or platform.machine()}, "
                f"{os.cpu_count()} cores, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"
            )
            print("\n".join(latency_table(url, args.tries)))
            print()
            print("| 8-client mix | req/s | p95 ms | 5xx |")
            print("|---|---|---|---|")
            for label, share in (("plain queries only (baseline)", 0.0), ("2% hostile queries", 0.02)):
                rate, p95, errors = mix(url, share, args.seconds)
                print(f"| {label} | {rate:.1f} | {p95:.1f} | {errors} |")
            first_ms, first_status, after_ms, after_status = stalled_downloads(url)
            print()
            print(
                f"Download while 4 clients stall: HTTP {first_status} in {first_ms:.0f} ms (all slots taken: "
                f"503 + Retry-After); 3 s later (stall limit 2 s): HTTP {after_status} in {after_ms:.0f} ms"
            )
        finally:
            server.terminate()
            server.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
