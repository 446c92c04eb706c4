"""Harvest benchmark: requests and wall time of a nightly harvest on a synthetic GitHub.

    /tmp/venv/bin/python bench/harvest.py                  # 200 orgs, 20,000 repos
    /tmp/venv/bin/python bench/harvest.py --quick          # 20 orgs, 2,000 repos
    /tmp/venv/bin/python bench/harvest.py --orgs 50 --repos 5000 --changed 0.05
    /tmp/venv/bin/python bench/harvest.py --quick --profile   # + cProfile of the client side of each run
    /tmp/venv/bin/python bench/harvest.py --fast-fake      # + index the fake's repo lookup (see below)

What it does:
1. starts the fake GitHub the tests use (tests/fake_github.py, real HTTP on
   127.0.0.1; nothing contacts the internet) and fills it with a deterministic
   world: org sizes skewed like the real UK lists (about 3% of orgs hold
   500-1,500 repos, the rest 20-100-ish), READMEs of 1-10 KB, ~5% of repos
   without a README and ~2% empty;
2. runs the real `pulse.harvest.run_harvest` (real PyGithub, real Whoosh
   IndexStore in a temp dir, PULSE_GITHUB_REQUEST_INTERVAL=0) three times:
   (a) first run, (b) nothing changed, (c) after --changed (2%) of repos were
   pushed to (new pushed_at and README via FakeGitHub.update_repo);
3. prints for each run: requests counted by the fake server, requests the
   harvest report claims (must match), wall time, repos/s, the time spent
   inside the fake server's handler, and the "naive full re-read" baseline
   (Σ ceil(repos/100) + orgs + repos: list everything and read every README
   again) with the ratio;
4. checks the no-change run costs at most 1.1 × the floor Σ ceil(repos/100) + orgs
   (list pages plus one GET /orgs/{org} per org): PASS/FAIL, exit 1 on FAIL
   (also on a request-count mismatch, a failed source or a wrong index size).

The fake lifts its 5,000/h rate limit for the benchmark (set_rate_limit), so
the first run is not cut short; a real first harvest of this size is not
possible within one hour of one token's budget (see BENCHMARKS.md).

The fake server runs in this process (threads, same GIL), so its time is wall
time the client does not get. `fake handler s` is the time spent in
FakeGitHub.handle, measured by wrapping it (no behaviour change).
--fast-fake replaces the fake's linear-scan repo lookup (FakeGitHub._find walks
every repo for every /repos/{owner}/{name} request) with a dict, on this
instance only, to show what Pulse itself costs; the default measures the fake
as shipped.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import math
import os
import platform
import pstats
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pulse.core.settings import Settings  # noqa: E402
from pulse.core.sources import Publisher, Source  # noqa: E402
from pulse.index import IndexStore  # noqa: E402
from pulse.jobs.harvest import HarvestReport, run_harvest  # noqa: E402
from tests.fake_github import LANGUAGES, LICENCES, SERVICES, VARIANTS, FakeGitHub, fake_readme  # noqa: E402
from tests.fake_github import _Repo as _FakeRepo  # noqa: E402

MAX_NO_CHANGE_RATIO = 1.1  # no-change run vs the floor
BIG_ORG_SHARE = 0.03  # share of orgs that are big (500-1,500 repos)
BIG_ORG_SIZES = (500, 1500)
SMALL_ORG_WEIGHTS = (20, 100)
T0 = 1_700_000_000  # pushed_at of the world is before this; changes are after it

# Paragraphs README bodies are assembled from (council-flavoured, searchable words).
_PARAGRAPHS = [
    "## Prerequisites\n\nYou need Node.js 20, npm and a PostgreSQL 15 database. On macOS install them with Homebrew; "
    "on Windows use WSL2. Copy `.env.example` to `.env` and fill in the values from the team password manager.",
    "## Running locally\n\n```sh\nnpm ci\nnpm run build\nnpm run dev\n```\n\nThe service starts on "
    "http://localhost:3000. Sign-in uses GOV.UK One Login in integration; locally a stub identity provider is used.",
    "## Tests\n\nUnit tests run with `npm test`; end-to-end tests use Playwright against a local build "
    "(`npm run test:e2e`). Accessibility checks with axe-core run in CI on every pull request.",
    "## Deployment\n\nMerges to `main` deploy to the staging environment through GitHub Actions. Production "
    "releases are tagged and approved by the service owner. Infrastructure is described in Terraform under `infra/`.",
    "## Data\n\nThe service reads addresses from the Local Land and Property Gazetteer (LLPG) through the "
    "council's address API and stores UPRNs, never free-text addresses. Personal data is kept for 6 years.",
    "## Architecture\n\nA small Express app renders GOV.UK Frontend templates with Nunjucks. Form state is held in "
    "a Redis session. Submissions go onto a queue and a worker posts them to the back-office case management system.",
    "## Accessibility\n\nWe aim to meet WCAG 2.2 AA. The accessibility statement is published on the council "
    "website. Report problems to the digital team; we reply within 5 working days.",
    "## Contributing\n\nIssues and pull requests are welcome, from other councils especially. Please read "
    "CONTRIBUTING.md first and do not include residents' personal data in issues, screenshots or test fixtures.",
    "## Security\n\nPlease report vulnerabilities privately to the security team rather than opening an issue. "
    "Dependencies are kept up to date with Dependabot and scanned with CodeQL.",
    "## Reuse\n\nOther local authorities are welcome to reuse this code. It was built with funding from the "
    "Local Digital Fund and follows the Technology Code of Practice and the GDS Service Standard.",
    "## Open data\n\nThe pipeline publishes a daily CSV and JSON extract to the open data portal under the Open "
    "Government Licence. Column definitions are in `docs/schema.md`; dates are ISO 8601 in UTC.",
    "## Roadmap\n\n- move the address lookup to the national UPRN service\n- Welsh language version\n"
    "- better error messages for postcode search\n- retire the legacy SOAP integration",
]


# -- the synthetic world ---------------------------------------------------------


def plan_world(orgs: int, repos: int, seed: int) -> list[tuple[str, int]]:
    """(login, size) per org, sizes summing to `repos`: a few big orgs, most small (deterministic)."""
    if orgs < 1 or repos < orgs:
        raise SystemExit("need at least one org and at least one repo per org")
    rng = random.Random(seed)
    n_big = max(1, round(orgs * BIG_ORG_SHARE)) if orgs > 1 else 0
    big = [rng.randint(*BIG_ORG_SIZES) for _ in range(n_big)]
    while big and sum(big) > repos // 2:  # small worlds: keep at least half the repos in small orgs
        big = [max(1, b // 2) for b in big]
    rest, n_small = repos - sum(big), orgs - n_big
    weights = [rng.uniform(*SMALL_ORG_WEIGHTS) for _ in range(n_small)]
    small = [max(1, int(w * rest / sum(weights))) for w in weights] if n_small else []
    i = 0
    while sum(big) + sum(small) != repos:  # hand out (or take back) the rounding remainder
        k = i % len(small) if small else 0
        step = 1 if sum(big) + sum(small) < repos else -1
        if small and small[k] + step >= 1:
            small[k] += step
        elif not small:
            big[0] += step
        i += 1
    sizes = big + small
    rng.shuffle(sizes)
    return [(f"bench-council-{i:03d}", size) for i, size in enumerate(sizes)]


def make_readme(rng: random.Random, name: str, description: str, council: str, language: str, topics: list[str]) -> str:
    """A README of 1-10 KB (log-uniform, median ~3 KB): fake_readme plus council-flavoured sections."""
    target = int(math.exp(rng.uniform(math.log(1024), math.log(10 * 1024))))
    parts = [fake_readme(name, description, council, language, topics)]
    size = len(parts[0])
    while size < target:
        para = rng.choice(_PARAGRAPHS)
        parts.append(para)
        size += len(para) + 2
    return "\n\n".join(parts)[:target] + "\n"


def populate(fake: FakeGitHub, plan: list[tuple[str, int]], seed: int) -> list[tuple[str, str]]:
    """Add every org and repo to the fake; returns (org, name) of every repo."""
    rng = random.Random(seed + 1)
    names: list[tuple[str, str]] = []
    # Real forks always have an upstream (`parent`, only in GET /repos/{o}/{r}); give ours one
    # when this FakeGitHub can serve it, else a fork's upstream stays unknown and is asked every run.
    with_parent = "parent" in getattr(_FakeRepo, "__dataclass_fields__", {})
    for login, size in plan:
        council = login.replace("-", " ").title()
        fake.add_org(login, name=council, description=f"Open source code from {council}")
        for j in range(size):
            svc_name, svc_desc, svc_topics = SERVICES[j % len(SERVICES)]
            variant = VARIANTS[(j // len(SERVICES)) % len(VARIANTS)]
            name = f"{svc_name}{variant}" + (f"-{j}" if j >= len(SERVICES) * len(VARIANTS) else "")
            language = rng.choice(LANGUAGES)
            roll = rng.random()
            fork = rng.random() < 0.08
            extra = {"parent": f"upstream-org/{name}"} if fork and with_parent else {}
            fake.add_repo(
                login,
                name,
                description=svc_desc if roll > 0.05 else None,
                topics=list(svc_topics) + (["uk-council"] if rng.random() < 0.5 else []),
                language=language,
                license_spdx=rng.choice(LICENCES),
                stars=int(rng.paretovariate(1.5)) - 1,
                forks=rng.randrange(0, 5),
                archived=rng.random() < 0.1,
                is_template=rng.random() < 0.03,
                fork=fork,
                readme=None if 0.05 < roll < 0.10 else make_readme(rng, name, svc_desc, council, language, svc_topics),
                empty=0.10 < roll < 0.12,
                pushed_at=_iso(T0 - rng.randrange(0, 3 * 365 * 86400)),
                **extra,
            )
            names.append((login, name))
    return names


def change_some(fake: FakeGitHub, names: list[tuple[str, str]], share: float, seed: int) -> int:
    """Push to `share` of the repos: a newer pushed_at and a new README. Returns how many."""
    rng = random.Random(seed + 2)
    chosen = rng.sample(names, max(1, round(len(names) * share)))
    for k, (org, name) in enumerate(chosen):
        readme = make_readme(rng, name, "Updated service", org, "Python", ["changed"])
        fake.update_repo(org, name, pushed_at=_iso(T0 + 86400 + k), readme=readme)
    return len(chosen)


# -- measuring -------------------------------------------------------------------


class HandlerClock:
    """Wraps FakeGitHub.handle on one instance to add up the time the fake spends answering."""

    def __init__(self, fake: FakeGitHub) -> None:
        self.seconds = 0.0
        self._lock = threading.Lock()
        original = fake.handle

        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                with self._lock:
                    self.seconds += time.perf_counter() - started

        fake.handle = timed  # type: ignore[method-assign]

    def reset(self) -> None:
        with self._lock:
            self.seconds = 0.0


def index_fake_lookups(fake: FakeGitHub) -> None:
    """--fast-fake: answer FakeGitHub._find from a dict rebuilt when the repo count changes (no renames here)."""
    cache: dict[tuple[str, str], object] = {}
    size = [-1]

    def find(owner: str, name: str):  # type: ignore[no-untyped-def]
        with fake._lock:
            if size[0] != len(fake._repos):
                cache.clear()
                cache.update({(r.owner.lower(), r.name.lower()): r for r in fake._repos.values()})
                size[0] = len(fake._repos)
            return cache.get((owner.lower(), name.lower()))

    fake._find = find  # type: ignore[method-assign]


def floor_requests(plan: list[tuple[str, int]]) -> int:
    """The least any harvest can cost: every list page plus GET /orgs/{org}."""
    return sum(math.ceil(size / 100) for _, size in plan) + len(plan)


def one_run(
    label: str,
    fake: FakeGitHub,
    clock: HandlerClock,
    publishers: list[Publisher],
    store: IndexStore,
    settings: Settings,
    profile: bool,
) -> dict:
    fake.set_rate_limit(10**9, reset=int(time.time()) + 4 * 3600)  # the benchmark is not about the 5,000/h budget
    fake.reset_counts()
    clock.reset()
    profiler = cProfile.Profile() if profile else None
    started, cpu_started = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    report: HarvestReport = run_harvest(publishers, store, settings)
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    result = {
        "label": label,
        "server": fake.count(),
        "readme_requests": sum(1 for r in fake.requests if r.path.endswith("/readme")),
        # e.g. GET /repos/{o}/{r} for a fork's upstream: neither a list page nor a README
        "other_requests": sum(
            1
            for r in fake.requests
            if r.path.startswith(("/repos/", "/repositories/")) and not r.path.endswith("/readme")
        ),
        "claimed": report.requests,
        "wall": wall,
        "cpu": cpu,
        "load": os.getloadavg()[0],
        "fetch": sum(s.seconds for s in report.sources),
        "handler": clock.seconds,
        "seen": sum(s.seen for s in report.sources),
        "added": sum(s.added for s in report.sources),
        "updated": sum(s.updated for s in report.sources),
        "removed": sum(s.removed for s in report.sources),
        "failed": [f"{s.target}: {s.status} {s.error}" for s in report.failed],
    }
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        result["profile"] = out.getvalue()
    return result


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        nproc = str(os.cpu_count())
    mem = ""
    try:
        kib = int(
            next(
                line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
            ).split()[1]
        )
        mem = f", {kib / 1024 / 1024:.1f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    from importlib.metadata import PackageNotFoundError, version

    def ver(dist: str) -> str:
        try:
            return version(dist)
        except PackageNotFoundError:
            return "?"

    return (
        f"nproc {nproc}, CPU {model or platform.processor() or 'unknown'}{mem}; "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}; "
        f"PyGithub {ver('PyGithub')}; Whoosh-Reloaded {ver('Whoosh-Reloaded')}"
    )


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


# -- main ------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=200)
    parser.add_argument("--repos", type=int, default=20_000, help="repos in total, over all orgs")
    parser.add_argument("--quick", action="store_true", help="20 orgs, 2,000 repos")
    parser.add_argument("--changed", type=float, default=0.02, help="share of repos pushed to before run (c)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile the client side of each run (top 25)")
    parser.add_argument(
        "--fast-fake",
        action="store_true",
        help="index the fake's repo lookup (dict instead of a scan of every repo per request)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp data dir and print its path")
    args = parser.parse_args(argv)
    if args.quick:
        args.orgs, args.repos = 20, 2_000

    command = "python bench/harvest.py " + " ".join(argv if argv is not None else sys.argv[1:])
    print(f"Pulse harvest benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M UTC}")
    print(f"machine: {machine()}")
    print(f"command: {command.strip()}")

    plan = plan_world(args.orgs, args.repos, args.seed)
    sizes = sorted((s for _, s in plan), reverse=True)
    floor = floor_requests(plan)
    naive = floor + args.repos
    print(
        f"world: {len(plan)} orgs, {args.repos} repos; largest orgs {sizes[:8]}; "
        f"median org {sizes[len(sizes) // 2]}, smallest {sizes[-1]}; seed {args.seed}"
    )

    tmp = Path(tempfile.mkdtemp(prefix="pulse-bench-harvest-"))
    fake = FakeGitHub().start()
    try:
        clock = HandlerClock(fake)
        t = time.perf_counter()
        names = populate(fake, plan, args.seed)
        if args.fast_fake:  # after populating: add_repo's own lookups would rebuild the dict every time
            index_fake_lookups(fake)
        readme_bytes = [len(r.readme) for r in fake._repos.values() if r.readme]
        print(
            f"fake GitHub at {fake.url}{' (--fast-fake: indexed lookups)' if args.fast_fake else ''}: "
            f"populated in {time.perf_counter() - t:.1f}s; {len(readme_bytes)} READMEs, "
            f"mean {sum(readme_bytes) / len(readme_bytes) / 1024:.1f} KB, "
            f"min {min(readme_bytes) / 1024:.1f} KB, max {max(readme_bytes) / 1024:.1f} KB"
        )
        print(f"floor (Σ ceil(repos/100) + orgs) = {floor}; naive full re-read (floor + repos) = {naive}")
        print()

        env = {"GITHUB_API_URL": fake.url, "PULSE_GITHUB_REQUEST_INTERVAL": "0", "PULSE_GITHUB_RETRIES": "1"}
        settings = Settings.from_env(env, data_dir=tmp / "data")
        store = IndexStore(settings.index_dir)
        publishers = [
            Publisher(name=login.replace("-", " ").title(), type="local-government", sources=(Source("github", login),))
            for login, _ in plan
        ]
        results = []
        try:
            results.append(one_run("(a) first run", fake, clock, publishers, store, settings, args.profile))
            _print_progress(results[-1])
            results.append(one_run("(b) no change", fake, clock, publishers, store, settings, args.profile))
            _print_progress(results[-1])
            changed = change_some(fake, names, args.changed, args.seed)
            results.append(one_run(f"(c) {changed} changed", fake, clock, publishers, store, settings, args.profile))
            _print_progress(results[-1])
            docs = store.doc_count()
        finally:
            store.close()
        index_mb = sum(f.stat().st_size for f in settings.index_dir.rglob("*") if f.is_file()) / 1e6
    finally:
        fake.stop()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    print()
    header = (
        f"{'run':<18} {'server req':>10} {'report req':>10} {'README req':>10} {'other req':>9} {'wall s':>8} {'cpu s':>6} {'repos/s':>8} "
        f"{'fetch s':>8} {'commit s':>8} {'fake handler s':>14} {'naive req':>9} {'naive/run':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['label']:<18} {r['server']:>10} {r['claimed']:>10} {r['readme_requests']:>10} {r['other_requests']:>9} {r['wall']:>8.1f} {r['cpu']:>6.1f} "
            f"{r['seen'] / r['wall']:>8.0f} {r['fetch']:>8.1f} {r['wall'] - r['fetch']:>8.1f} "
            f"{r['handler']:>14.1f} {naive:>9} {naive / max(r['server'], 1):>8.1f}x"
        )
    print()
    print(
        "fetch s = Σ per-source seconds (listing + README requests); commit s = wall - fetch "
        "(one Whoosh commit, state and report files);"
    )
    print("other req = /repos/ requests that are not READMEs (a fork's upstream, read once per fork);")
    print("fake handler s = time inside FakeGitHub.handle (same process and GIL, so it is part of the wall time);")
    print(
        "cpu s = CPU time of this process (client and fake server threads), less sensitive to other load than wall s."
    )
    loads = ", ".join(f"{r['load']:.1f}" for r in results)
    print(f"load average (1 min) after each run: {loads} on {os.cpu_count()} CPUs")
    print(f"index: {docs} documents, {index_mb:.0f} MB on disk")

    ok = True
    for r in results:
        if r["server"] != r["claimed"]:
            print(f"FAIL {r['label']}: the report claims {r['claimed']} requests, the server counted {r['server']}")
            ok = False
        if r["failed"]:
            print(f"FAIL {r['label']}: {len(r['failed'])} sources not ok, e.g. {r['failed'][0]}")
            ok = False
    if docs != args.repos:
        print(f"FAIL index holds {docs} documents, expected {args.repos}")
        ok = False
    no_change = results[1]["server"]
    limit = MAX_NO_CHANGE_RATIO * floor
    verdict = "PASS" if no_change <= limit else "FAIL"
    ok = ok and verdict == "PASS"
    print(
        f"{verdict} no-change run: {no_change} requests <= {MAX_NO_CHANGE_RATIO} x floor {floor} = {limit:.0f} "
        f"({no_change / floor:.3f} x floor)"
    )
    c = results[2]
    print(
        f"     change run: {c['server']} requests = floor {floor} + {c['server'] - floor} "
        f"({c['readme_requests']} README reads for {c['updated']} updated repos)"
    )
    if args.profile:
        for r in results:
            print(f"\n--- cProfile (client thread only) {r['label']} ---\n{r['profile']}")
    return 0 if ok else 1


def _print_progress(r: dict) -> None:
    print(
        f"  {r['label']}: {r['server']} requests, {r['wall']:.1f}s "
        f"(cpu {r['cpu']:.1f}s, fake handler {r['handler']:.1f}s, load {r['load']:.1f}); +{r['added']} ~{r['updated']} -{r['removed']}",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
