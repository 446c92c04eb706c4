"""Pool the candidates to grade for the judged set (bench/judged/queries.yaml).

    .venv/bin/python bench/judged/pool.py            # writes bench/judged/pool.jsonl

For each query, over the 714 repositories of bench/data/corpus/ (bench/corpus.py):
the top 20 of Pulse (`pulse.index.search`), of the plain BM25 baseline and of SQLite FTS5
(bench/relevance.py runs all three), plus every repository whose name, description, topics or
README excerpt matches one of the query's `grep` patterns (case-insensitive). One line per
(query, repository) of the union: {"query": id, "full_name": ..., "found_by": [...], "round": n},
where found_by names the sources that found it ("pulse", "bm25", "fts5", "grep", in any round)
but never a rank. Lines are shuffled within each query with a fixed seed, so grading is not
anchored to any ranker's order.

Pooling is cumulative: a run keeps every line already in pool.jsonl and appends the pairs that are
new (the rankers change as the code changes), marked with the next round number, to be graded in
bench/judged/judgments.yaml. Nothing already pooled is dropped, so no judgment is orphaned.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.corpus import load_records, text_of  # noqa: E402
from bench.relevance import Engines, load_queries  # noqa: E402

POOL = Path(__file__).resolve().parent / "pool.jsonl"
DEPTH = 20
SEED = 11  # issue 11
SOURCES = {"pulse": "pulse", "baseline": "bm25", "fts5": "fts5"}


def grep_matches(patterns: list[str], texts: dict[str, str]) -> list[str]:
    """Full names whose text matches any pattern (case-insensitive), in corpus order."""
    compiled = [re.compile(p, re.IGNORECASE) for p in patterns]
    return [name for name, text in texts.items() if any(c.search(text) for c in compiled)]


def pool(
    queries: list[dict], engines: Engines, texts: dict[str, str], existing: list[dict] | None = None, depth: int = DEPTH
) -> list[dict]:
    """The pooled lines: those of `existing` (found_by widened), then each query's new pairs, shuffled."""
    rng = random.Random(SEED)
    lines = [dict(line) for line in existing or ()]
    known = {(line["query"], line["full_name"]): line for line in lines}
    latest = max((line.get("round", 1) for line in lines), default=0)
    for q in queries:
        found: dict[str, set[str]] = {}
        for engine, label in SOURCES.items():
            for name in engines.ranking(engine, q["query"], depth):
                found.setdefault(name, set()).add(label)
        for name in grep_matches(q.get("grep") or [], texts):
            found.setdefault(name, set()).add("grep")
        new = []
        for name, by in sorted(found.items()):
            if (q["id"], name) in known:
                line = known[(q["id"], name)]
                line["found_by"] = sorted(set(line["found_by"]) | by)
            else:
                new.append({"query": q["id"], "full_name": name, "found_by": sorted(by), "round": latest + 1})
        rng.shuffle(new)
        lines.extend(new)
    return lines


def read_pool(path: Path = POOL) -> list[dict]:
    """The lines of pool.jsonl (round 1 where a line has none), or [] if there is none yet."""
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [{**line, "round": line.get("round", 1)} for line in lines]


def main() -> None:
    records = load_records("714")
    texts = {repo.full_name: text_of(repo) for repo in records}
    queries = load_queries()
    engines = Engines(records)
    existing = read_pool()
    try:
        lines = pool(queries, engines, texts, existing)
    finally:
        engines.close()
    with POOL.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    per_query: dict[str, int] = {}
    for line in lines:
        per_query[line["query"]] = per_query.get(line["query"], 0) + 1
    print(f"{len(lines)} (query, repository) pairs over {len(queries)} queries -> {POOL.relative_to(ROOT)}")
    print(f"{len(lines) - len(existing)} of them new in this run, to grade")
    print(", ".join(f"{q}: {n}" for q, n in per_query.items()))


if __name__ == "__main__":
    main()
