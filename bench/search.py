"""Search benchmark: Pulse (index.search over Whoosh) against SQLite FTS5, same documents, same work.

    /tmp/venv/bin/python bench/search.py                    # N = 10,000 and 50,000
    /tmp/venv/bin/python bench/search.py --sizes 50000 --reps 5
    /tmp/venv/bin/python bench/search.py --quick            # 2,000 repos, smoke run
    /tmp/venv/bin/python bench/search.py --sizes 50000 --profile   # cProfile of the Pulse query pass

For each size a fresh child process (so memory figures are per size):
1. generates a deterministic synthetic catalogue (bench/synthetic.py);
2. builds a Pulse index in a temp dir with IndexStore.add_records (one commit);
3. runs the fixed query set through pulse.index.search: the full request
   (hits of page 1 of 20 with highlighted snippets, total, all six facet
   counts), one warm-up pass, then --reps timed passes;
4. builds SQLite FTS5 over the same documents (index.schema.to_document: name,
   description, topics, the bounded README excerpt; porter tokenizer; bm25
   column weights = pulse.index.FIELD_BOOSTS) and runs the same requests doing
   the same work: MATCH into a temp table, COUNT, six GROUP BY facet counts
   (topics through a join table), top 20 by bm25 (or by stars/pushed), snippet()
   for the 20 hits, and the 20 stored records decoded into Repo;
5. prints both, the ratio p95(Pulse)/p95(FTS5), the machine and the date.

Only public Pulse APIs are used (IndexStore, search, SearchRequest, to_document),
so the figures are what the web app and /api/search pay per request.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import hashlib
import importlib.util
import io
import json
import os
import platform
import pstats
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.synthetic import generate  # noqa: E402
from pulse.core.query import SearchRequest  # noqa: E402
from pulse.core.record import Repo  # noqa: E402
from pulse.index import (  # noqa: E402  # noqa: E402
    FIELD_BOOSTS,
    MAX_FACET_VALUES,
    SCHEMA_VERSION,
    IndexStore,  # noqa: E402
    search,
    to_document,
)

TARGET_P95_MS = 40.0

# What a council developer types, plus browse pages and filtered searches.
QUERIES: list[SearchRequest] = [
    SearchRequest(q="bin collection"),
    SearchRequest(q="planning application"),
    SearchRequest(q="address lookup"),
    SearchRequest(q="design system components"),
    SearchRequest(q="foi request"),
    SearchRequest(q="drupal"),
    SearchRequest(q="booking"),
    SearchRequest(q="flooding"),
    SearchRequest(q="parking permit"),
    SearchRequest(q="council tax"),
    SearchRequest(q="api"),
    SearchRequest(q="data"),
    SearchRequest(q="frontend"),
    SearchRequest(q="housing repairs"),
    SearchRequest(q="school admissions"),
    SearchRequest(q="postcode"),
    SearchRequest(q="terraform aws"),
    SearchRequest(q="open data dashboard"),
    SearchRequest(q="library"),
    SearchRequest(q="roadworks"),
    SearchRequest(q="election results"),
    SearchRequest(q="social care"),
    SearchRequest(q="govuk pay"),
    SearchRequest(q="form builder"),
    SearchRequest(q="map"),
    SearchRequest(q="nhs login"),
    SearchRequest(q="api", filters={"language": ("Python",)}),
    SearchRequest(q="planning", filters={"publisher_type": ("local-government",)}, sort="stars"),
    SearchRequest(q="design system", sort="updated"),
    SearchRequest(q="accessibility", filters={"licence": ("MIT",)}),
    SearchRequest(q=""),  # the browse page: everything, by stars
    SearchRequest(q="", filters={"topic": ("drupal",)}),
]

FACET_COLUMNS = ("language", "licence", "publisher", "publisher_type", "archived")
_FTS_WEIGHTS = ", ".join(str(FIELD_BOOSTS[f]) for f in ("name", "description", "topics_text", "readme_excerpt"))


def describe(request: SearchRequest) -> str:
    text = f'"{request.q}"' if request.q else "(all)"
    for name, values in request.filters.items():
        text += f" {name}={','.join(values)}"
    if request.sort != "relevance":
        text += f" sort={request.sort}"
    return text


# -- measuring ------------------------------------------------------------------


def dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run_passes(run, reps: int) -> dict:  # type: ignore[no-untyped-def]
    """One warm-up pass then `reps` timed passes of the whole query set."""
    first_seen = []
    totals = []
    for request in QUERIES:  # warm-up; also the latency of a query the process has not seen yet
        start = time.perf_counter()
        totals.append(run(request))
        first_seen.append((time.perf_counter() - start) * 1000)
    per_query: list[list[float]] = [[] for _ in QUERIES]
    for _ in range(reps):
        for i, request in enumerate(QUERIES):
            start = time.perf_counter()
            run(request)
            per_query[i].append((time.perf_counter() - start) * 1000)
    samples = [ms for series in per_query for ms in series]
    return {
        "p50_ms": percentile(samples, 50),
        "p95_ms": percentile(samples, 95),
        "max_ms": max(samples),
        "mean_ms": statistics.fmean(samples),
        "mean_results": statistics.fmean(totals),
        "first_p50_ms": percentile(first_seen, 50),
        "first_p95_ms": percentile(first_seen, 95),
        "totals": totals,
        "per_query_p50_ms": [statistics.median(series) for series in per_query],
    }


# -- Pulse --------------------------------------------------------------------


def bench_pulse(repos: list[Repo], workdir: Path, reps: int, profile: bool) -> dict:
    path = workdir / "pulse-index"
    marker = workdir / "pulse-build.json"
    if marker.exists():  # --workdir: reuse an index built by an earlier run
        build_s = json.loads(marker.read_text())["build_s"]
    else:
        shutil.rmtree(path, ignore_errors=True)
        store = IndexStore(path)
        start = time.perf_counter()
        store.add_records(repos)
        build_s = time.perf_counter() - start
        store.close()
        marker.write_text(json.dumps({"build_s": build_s}))
    size = dir_mb(path)

    start = time.perf_counter()
    store = IndexStore(path)
    first = search(store, QUERIES[0])  # opens the searcher and builds its per-searcher caches
    cold_ms = (time.perf_counter() - start) * 1000
    assert first.total >= 0

    def run(request: SearchRequest) -> int:
        page = search(store, request)
        assert len(page.hits) <= request.per_page
        return page.total

    result = run_passes(run, reps)
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(max(1, reps)):
            for request in QUERIES:
                run(request)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        result["profile"] = out.getvalue()
    store.close()
    result.update(
        build_s=build_s, build_rate=len(repos) / build_s, size_mb=size, cold_first_ms=cold_ms, maxrss_mb=maxrss_mb()
    )
    return result


# -- SQLite FTS5 --------------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def split_name(name: str) -> str:
    """Pulse's name analyzer splits on . - _ and CamelCase; give FTS5 the same words."""
    return " ".join(_CAMEL.sub(" ", part) for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def build_fts(repos: list[Repo], db_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db_path)
    conn.executescript(
        f"""
        PRAGMA journal_mode = OFF;
        PRAGMA synchronous = OFF;
        CREATE TABLE docs (
            rowid INTEGER PRIMARY KEY, id TEXT, language TEXT, licence TEXT, publisher TEXT,
            publisher_type TEXT, archived TEXT, stars INTEGER, pushed INTEGER, record TEXT, readme TEXT
        );
        CREATE TABLE topics (doc INTEGER, topic TEXT);
        CREATE VIRTUAL TABLE fts USING fts5(name, description, topics_text, readme_excerpt,
                                            tokenize = 'porter unicode61');
        INSERT INTO fts(fts, rank) VALUES ('rank', 'bm25({_FTS_WEIGHTS})');
        """
    )
    with conn:
        for rowid, repo in enumerate(repos, start=1):
            doc = to_document(repo)
            conn.execute(
                "INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    rowid,
                    doc["id"],
                    doc["language"],
                    doc["licence"],
                    doc["publisher"],
                    doc["publisher_type"],
                    doc["archived"],
                    doc["stars"],
                    doc["pushed"],
                    doc["record"],
                    doc["readme"],
                ),
            )
            conn.executemany("INSERT INTO topics VALUES (?,?)", [(rowid, t) for t in doc["topic"].split(",") if t])
            conn.execute(
                "INSERT INTO fts(rowid, name, description, topics_text, readme_excerpt) VALUES (?,?,?,?,?)",
                (rowid, split_name(doc["name"]), doc["description"], doc["topics_text"], doc["readme_excerpt"]),
            )
        conn.executescript(
            """
            CREATE INDEX topics_topic ON topics(topic, doc);
            CREATE INDEX topics_doc ON topics(doc, topic);
            CREATE INDEX docs_stars ON docs(stars DESC, pushed DESC);
            CREATE INDEX docs_pushed ON docs(pushed DESC);
            CREATE INDEX docs_language ON docs(language);
            CREATE INDEX docs_licence ON docs(licence);
            CREATE INDEX docs_publisher_type ON docs(publisher_type);
            INSERT INTO fts(fts) VALUES ('optimize');
            """
        )
    conn.execute("ANALYZE")
    conn.execute("CREATE TEMP TABLE m (rowid INTEGER PRIMARY KEY)")
    return conn


def fts_match(q: str, any_word: bool = False) -> tuple[str, int]:
    """Plain words to FTS5 syntax: each term quoted (so nothing is an operator), ANDed."""
    terms = re.findall(r"\w+", q.lower())
    joiner = " OR " if any_word else " AND "
    return joiner.join('"' + t.replace('"', '""') + '"' for t in terms), len(terms)


def fts_search(conn: sqlite3.Connection, request: SearchRequest) -> dict:
    where, params = [], []
    for name, values in request.filters.items():
        marks = ",".join("?" * len(values))
        if name == "topic":
            where.append(f"d.rowid IN (SELECT doc FROM topics WHERE topic IN ({marks}))")
            params += [v.lower() for v in values]
        else:
            where.append(f"d.{name} IN ({marks})")
            params += list(values)
    filter_sql = "".join(f" AND {w}" for w in where)

    match, n_terms = fts_match(request.q)
    conn.execute("DELETE FROM temp.m")
    if match:
        insert = f"INSERT INTO temp.m SELECT fts.rowid FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ?{filter_sql}"
        conn.execute(insert, [match, *params])
        total = conn.execute("SELECT count(*) FROM temp.m").fetchone()[0]
        if total == 0 and n_terms > 1:  # Pulse's fallback: any word
            match, _ = fts_match(request.q, any_word=True)
            conn.execute(insert, [match, *params])
            total = conn.execute("SELECT count(*) FROM temp.m").fetchone()[0]
    else:
        conn.execute(f"INSERT INTO temp.m SELECT d.rowid FROM docs d WHERE 1{filter_sql}", params)
        total = conn.execute("SELECT count(*) FROM temp.m").fetchone()[0]

    facets = {}
    for column in FACET_COLUMNS:
        facets[column] = conn.execute(
            f"SELECT d.{column}, count(*) AS c FROM temp.m JOIN docs d ON d.rowid = m.rowid "
            f"GROUP BY d.{column} ORDER BY c DESC, lower(d.{column}) LIMIT {MAX_FACET_VALUES}"
        ).fetchall()
    facets["topic"] = conn.execute(
        "SELECT t.topic, count(*) AS c FROM temp.m JOIN topics t ON t.doc = m.rowid "
        f"GROUP BY t.topic ORDER BY c DESC, t.topic LIMIT {MAX_FACET_VALUES}"
    ).fetchall()

    offset = (request.page - 1) * request.per_page
    sort_sql = {"stars": "d.stars DESC, d.pushed DESC", "updated": "d.pushed DESC"}
    if match and request.sort == "relevance":
        top = conn.execute(
            f"SELECT fts.rowid FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ?{filter_sql} "
            "ORDER BY rank LIMIT ? OFFSET ?",
            [match, *params, request.per_page, offset],
        ).fetchall()
    elif match:
        top = conn.execute(
            f"SELECT fts.rowid FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ?{filter_sql} "
            f"ORDER BY {sort_sql[request.sort]} LIMIT ? OFFSET ?",
            [match, *params, request.per_page, offset],
        ).fetchall()
    else:
        top = conn.execute(
            f"SELECT d.rowid FROM docs d WHERE 1{filter_sql} ORDER BY {sort_sql.get(request.sort, sort_sql['stars'])} "
            "LIMIT ? OFFSET ?",
            [*params, request.per_page, offset],
        ).fetchall()
    rowids = [r[0] for r in top]
    marks = ",".join("?" * len(rowids))
    snippets: dict[int, str] = {}
    if match and rowids:
        snippets = dict(
            conn.execute(
                f"SELECT rowid, snippet(fts, -1, '<mark class=\"hl\">', '</mark>', ' … ', 40) FROM fts "
                f"WHERE fts MATCH ? AND rowid IN ({marks})",
                [match, *rowids],
            ).fetchall()
        )
    records = dict(conn.execute(f"SELECT rowid, record FROM docs WHERE rowid IN ({marks})", rowids).fetchall())
    hits = [(Repo.from_dict(json.loads(records[r])), snippets.get(r, "")) for r in rowids]
    return {"total": total, "hits": hits, "facets": facets}


def bench_fts(repos: list[Repo], workdir: Path, reps: int) -> dict:
    db_path = workdir / "fts.sqlite"
    marker = workdir / "fts-build.json"
    if marker.exists():  # --workdir: reuse
        build_s = json.loads(marker.read_text())["build_s"]
        conn = sqlite3.connect(db_path)
        conn.execute("CREATE TEMP TABLE m (rowid INTEGER PRIMARY KEY)")
    else:
        db_path.unlink(missing_ok=True)
        start = time.perf_counter()
        conn = build_fts(repos, db_path)
        build_s = time.perf_counter() - start
        marker.write_text(json.dumps({"build_s": build_s}))
    size = db_path.stat().st_size / 1e6

    def run(request: SearchRequest) -> int:
        return fts_search(conn, request)["total"]

    result = run_passes(run, reps)
    conn.close()
    result.update(build_s=build_s, build_rate=len(repos) / build_s, size_mb=size, maxrss_mb=maxrss_mb())
    return result


# -- one size (child process) ---------------------------------------------------

_NO_FTS = {
    "p50_ms": float("nan"),
    "p95_ms": float("nan"),
    "max_ms": float("nan"),
    "mean_ms": float("nan"),
    "mean_results": float("nan"),
    "totals": [0] * len(QUERIES),
    "per_query_p50_ms": [float("nan")] * len(QUERIES),
    "first_p50_ms": float("nan"),
    "first_p95_ms": float("nan"),
    "build_s": float("nan"),
    "build_rate": float("nan"),
    "size_mb": float("nan"),
    "maxrss_mb": float("nan"),
}


def bench_size(
    n: int,
    seed: int,
    reps: int,
    profile: bool,
    keep: Path | None,
    log,  # type: ignore[no-untyped-def]
    skip_fts: bool = False,
) -> dict:
    start = time.perf_counter()
    repos = generate(n, seed=seed)
    gen_s = time.perf_counter() - start
    readme_kb = statistics.median(len(r.readme) for r in repos) / 1000
    log(f"[{n}] generated in {gen_s:.1f}s (median README {readme_kb:.1f} KB); RSS {rss_mb():.0f} MB")
    if keep is not None:
        # The catalogue depends on the generator and on the demo READMEs it learns from.
        generator = hashlib.sha1(
            (ROOT / "bench" / "synthetic.py").read_bytes()
            + (ROOT / "pulse" / "data" / "demo-catalogue.jsonl").read_bytes()
        ).hexdigest()[:8]
        workdir = keep / f"n{n}-seed{seed}-schema{SCHEMA_VERSION}-gen{generator}"
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        workdir = Path(tempfile.mkdtemp(prefix=f"pulse-bench-{n}-"))
    try:
        catalogue_rss = rss_mb()
        pulse = bench_pulse(repos, workdir, reps, profile)
        log(f"[{n}] pulse: built in {pulse['build_s']:.1f}s, p95 {pulse['p95_ms']:.1f} ms")
        fts = bench_fts(repos, workdir, reps) if not skip_fts else _NO_FTS
        log(f"[{n}] fts5: built in {fts['build_s']:.1f}s, p95 {fts['p95_ms']:.1f} ms")
    finally:
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return {
        "n": n,
        "seed": seed,
        "reps": reps,
        "generate_s": gen_s,
        "median_readme_kb": readme_kb,
        "catalogue_rss_mb": catalogue_rss,
        "reused_build": keep is not None,
        "pulse": pulse,
        "fts5": fts,
    }


# -- report -------------------------------------------------------------------


def machine() -> dict:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "sqlite": sqlite3.sqlite_version,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def report(results: list[dict], per_query: bool) -> str:
    m = machine()
    lines = [
        f"Machine: {m['platform']}, {m['cpus']} CPUs ({m['cpu']}), Python {m['python']}, SQLite {m['sqlite']}",
        f"Date: {m['date']}",
        "",
    ]
    if per_query:
        for res in results:
            lines.append(f"Per-query median latency (ms) and result count at N={res['n']:,}:")
            lines.append(f"  {'query':44} {'Pulse ms':>9} {'FTS5 ms':>9} {'Pulse n':>8} {'FTS5 n':>8}")
            p, f = res["pulse"], res["fts5"]
            for i, request in enumerate(QUERIES):
                lines.append(
                    f"  {describe(request):44} {p['per_query_p50_ms'][i]:9.1f} {f['per_query_p50_ms'][i]:9.1f} "
                    f"{p['totals'][i]:8d} {f['totals'][i]:8d}"
                )
            lines.append("")
    header = (
        f"{'N':>7} {'engine':7} {'build s':>8} {'repos/s':>8} {'size MB':>8} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'max ms':>7} {'1st p50':>7} {'1st p95':>7} {'mean hits':>9} {'maxrss MB':>9}"
    )
    lines.append(header)
    lines.append("-" * len(header))
    for res in results:
        for engine in ("pulse", "fts5"):
            r = res[engine]
            lines.append(
                f"{res['n']:7d} {engine:7} {r['build_s']:8.1f} {r['build_rate']:8.0f} {r['size_mb']:8.1f} "
                f"{r['p50_ms']:7.1f} {r['p95_ms']:7.1f} {r['max_ms']:7.1f} {r['first_p50_ms']:7.1f} "
                f"{r['first_p95_ms']:7.1f} {r['mean_results']:9.0f} {r['maxrss_mb']:9.0f}"
            )
    lines.append(
        "(p50/p95/max: --reps passes after a warm-up pass; 1st p50/p95: that warm-up pass, i.e. each query "
        "the first time this process runs it)"
    )
    lines.append("")
    for res in results:
        p, f = res["pulse"], res["fts5"]
        ratio = p["p95_ms"] / f["p95_ms"]
        verdict = "meets" if p["p95_ms"] <= TARGET_P95_MS and ratio <= 0.5 else "MISSES"
        lines.append(
            f"N={res['n']:,}: p95 Pulse/FTS5 = {p['p95_ms']:.1f}/{f['p95_ms']:.1f} ms = {ratio:.2f}; "
            f"Pulse first request (open searcher + caches) {p['cold_first_ms']:.0f} ms; "
            f"catalogue in memory {res['catalogue_rss_mb']:.0f} MB RSS; "
            f"{verdict} the target (p95 <= {TARGET_P95_MS:.0f} ms and <= 0.5x FTS5)"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--quick", action="store_true", help="one 2,000-repo smoke run")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--per-query", action="store_true", help="print each query's median and result count")
    parser.add_argument("--profile", action="store_true", help="cProfile one extra Pulse pass and print it")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep the built indexes here and reuse them on the next run (build figures then come "
        "from the run that built them; delete the folder after changing index/schema.py)",
    )
    parser.add_argument(
        "--search-module",
        type=Path,
        help="time the search() of this file instead of index/searching.py (e.g. the previous version, "
        "saved with 'git show HEAD:index/searching.py > /tmp/search_before.py')",
    )
    parser.add_argument("--skip-fts", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if args.child:
        if args.search_module:
            global search
            spec = importlib.util.spec_from_file_location("pulse_bench_search_module", args.search_module)
            module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
            sys.modules[spec.name] = module  # type: ignore[union-attr]
            spec.loader.exec_module(module)  # type: ignore[union-attr]
            search = module.search
            log(f"timing search() from {args.search_module}")
        result = bench_size(args.child, args.seed, args.reps, args.profile, args.workdir, log, args.skip_fts)
        args.child_out.write_text(json.dumps(result))
        return 0

    sizes = [2_000] if args.quick else args.sizes
    results = []
    for n in sizes:
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
            out = Path(tmp.name)
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            str(n),
            "--child-out",
            str(out),
            "--reps",
            str(args.reps),
            "--seed",
            str(args.seed),
        ] + (["--profile"] if args.profile else [])
        if args.workdir:
            cmd += ["--workdir", str(args.workdir.resolve())]
        if args.search_module:
            cmd += ["--search-module", str(args.search_module.resolve())]
        if args.skip_fts:
            cmd += ["--skip-fts"]
        subprocess.run(cmd, check=True)
        results.append(json.loads(out.read_text()))
        out.unlink()
        if args.profile:
            print(f"--- cProfile, Pulse query passes, N={n} ---\n{results[-1]['pulse'].get('profile', '')}")
    print(report(results, args.per_query or args.quick))
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
