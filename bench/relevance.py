"""Relevance benchmark: Pulse's ranking against plain BM25 and SQLite FTS5, on judged queries.

    .venv/bin/python bench/relevance.py                  # judged set, 714 repos: both halves, CIs
    .venv/bin/python bench/relevance.py --show 5         # also the per-query table, each engine's top 5
    .venv/bin/python bench/relevance.py --set legacy --corpus 120   # the old 35-query set, demo catalogue

The corpus (--corpus): "714" (default), the 714 real repositories of bench/data/corpus/ converted
by bench/corpus.py, or "120", the demo catalogue's repositories (the same records as
pulse/data/demo-catalogue.jsonl).

The judged set (--set judged, default): bench/judged/queries.yaml (72 queries written before any
ranking, split into a tuning and a held-out half by a fixed rule) and bench/judged/judgments.yaml
(grades 0/1/2 of every candidate pooled by bench/judged/pool.py from the three engines' top 20
and the queries' grep patterns, graded from each repository's own text). The legacy set
(--set legacy): bench/judgements.yaml, written beside the ranking over the 120 repositories;
kept for tests/test_relevance.py, not an honest measure.

Engines, over the same records:
- Pulse: `pulse.index.search` over a temp IndexStore, exactly as /api/search ranks;
- BM25: `pulse.index.baseline.BaselineIndex`, plain Whoosh BM25F over the same four text fields
  with StemmingAnalyzer, no boosts, no synonyms, no name splitting, words OR'd;
- FTS5: stdlib sqlite3 FTS5 (porter tokenizer) over the same four texts, words OR'd, bm25().
Metrics, at a cut-off of 10: nDCG@10 with gains 2^grade - 1 and a log2(rank + 1) discount, the
ideal ordering taken from all judgements of the query; MRR@10, the reciprocal rank of the first
result graded 1 or 2 (0 if none in the top 10). Queries with no repo graded 1 or 2 are listed and
left out of the means. Each mean has a 95% bootstrap confidence interval: the queries of the half
resampled with replacement, 2000 times, seed fixed; so do Pulse's paired differences from BM25 and FTS5
(the same resampled queries for every engine).

Ranking changes are justified on the tuning half and reported on the held-out half: never tune on
the held-out half.
"""

from __future__ import annotations

import argparse
import math
import random
import re
import sqlite3
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.corpus import load_records, text_fields  # noqa: E402
from pulse.core.query import SearchRequest  # noqa: E402
from pulse.core.record import Repo  # noqa: E402
from pulse.index import (
    IndexStore,  # noqa: E402
    search,  # noqa: E402
)
from pulse.index.baseline import BaselineIndex  # noqa: E402
from pulse.jobs.demo import DEMO_SNAPSHOT, read_jsonl  # noqa: E402

BENCH = Path(__file__).resolve().parent
JUDGEMENTS = BENCH / "judgements.yaml"  # the legacy set
QUERIES = BENCH / "judged" / "queries.yaml"
JUDGMENTS = BENCH / "judged" / "judgments.yaml"
CUTOFF = 10
ENGINES = ("pulse", "baseline", "fts5")
LABELS = {"pulse": "Pulse", "baseline": "BM25", "fts5": "FTS5"}
HALVES = ("tuning", "held_out")
BOOTSTRAP_ITERATIONS = 2000
BOOTSTRAP_SEED = 20261202


@dataclass(frozen=True)
class Judged:
    query: str
    grades: dict[str, int]  # full_name (lower case) -> 0, 1 or 2
    note: str = ""
    id: str = ""  # the judged set's query id; "" in the legacy set
    half: str = ""  # "tuning" or "held_out"; "" in the legacy set
    need: str = ""

    @property
    def key(self) -> str:
        return self.id or self.query

    @property
    def relevant(self) -> bool:
        """True if some repo is graded 1 or 2: a query without one is not averaged."""
        return any(g > 0 for g in self.grades.values())


@dataclass(frozen=True)
class Score:
    ndcg: float
    mrr: float


def load_judgements(path: Path = JUDGEMENTS) -> list[Judged]:
    """The legacy set (bench/judgements.yaml): query text -> grades of 1 or 2."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Judged(
            item["query"], {k.lower(): int(v) for k, v in (item.get("judgements") or {}).items()}, item.get("note", "")
        )
        for item in data["queries"]
    ]


def load_queries(path: Path = QUERIES) -> list[dict]:
    """The judged set's queries, as written in bench/judged/queries.yaml."""
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["queries"])


def load_judged(queries: Path = QUERIES, judgments: Path = JUDGMENTS) -> list[Judged]:
    """The judged set: each query of queries.yaml with its grades from judgments.yaml."""
    grades = yaml.safe_load(judgments.read_text(encoding="utf-8")) if judgments.exists() else {}
    grades = (grades or {}).get("judgments") or {}
    return [
        Judged(
            q["query"],
            {name.lower(): int(g) for name, g in (grades.get(q["id"]) or {}).items()},
            id=q["id"],
            half=q["half"],
            need=q["need"],
        )
        for q in load_queries(queries)
    ]


def score(ranking: list[str], grades: dict[str, int], cutoff: int = CUTOFF) -> Score:
    ranked = [grades.get(name.lower(), 0) for name in ranking[:cutoff]]
    dcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ranked))
    ideal = sorted(grades.values(), reverse=True)[:cutoff]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    first = next((i for i, g in enumerate(ranked) if g > 0), None)
    return Score(dcg / idcg if idcg else 0.0, 1 / (first + 1) if first is not None else 0.0)


class Fts5Index:
    """SQLite FTS5 over the four searchable texts: porter tokenizer, bm25(), words OR'd."""

    COLUMNS = ("name", "description", "topics", "readme")

    def __init__(self, repos: Iterable[Repo]) -> None:
        self._db = sqlite3.connect(":memory:")
        self._db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(full_name UNINDEXED, name, description, topics, readme, "
            "tokenize = 'porter unicode61')"
        )
        self._db.executemany(
            "INSERT INTO docs VALUES (?, ?, ?, ?, ?)",
            ((repo.full_name, *text_fields(repo).values()) for repo in repos),
        )

    def search(self, text: str, limit: int = 10) -> list[str]:
        """Full names of the `limit` best matches, best first (each word quoted: no FTS5 syntax)."""
        words = re.findall(r"\w+", text)
        if not words:
            return []
        match = " OR ".join('"' + word + '"' for word in words)
        rows = self._db.execute(
            "SELECT full_name FROM docs WHERE docs MATCH ? ORDER BY bm25(docs), rowid LIMIT ?", (match, limit)
        )
        return [name for (name,) in rows]

    def close(self) -> None:
        self._db.close()


class Engines:
    """Pulse, the BM25 baseline and FTS5 over the same catalogue, in temp dirs."""

    def __init__(self, records=None) -> None:  # type: ignore[no-untyped-def]
        records = list(records if records is not None else read_jsonl(DEMO_SNAPSHOT))
        self._tmp = tempfile.TemporaryDirectory(prefix="pulse-relevance-")
        self.store = IndexStore(Path(self._tmp.name) / "pulse")
        self.store.add_records(records)
        self.baseline = BaselineIndex(Path(self._tmp.name) / "baseline", records)
        self.fts = Fts5Index(records)

    def pulse(self, q: str, limit: int = CUTOFF) -> list[str]:
        return [hit.repo.full_name for hit in search(self.store, SearchRequest(q=q, per_page=limit)).hits]

    def plain(self, q: str, limit: int = CUTOFF) -> list[str]:
        return self.baseline.search(q, limit)

    def fts5(self, q: str, limit: int = CUTOFF) -> list[str]:
        return self.fts.search(q, limit)

    def ranking(self, engine: str, q: str, limit: int = CUTOFF) -> list[str]:
        return {"pulse": self.pulse, "baseline": self.plain, "fts5": self.fts5}[engine](q, limit)

    def close(self) -> None:
        self.fts.close()
        self.baseline.close()
        self.store.close()
        self._tmp.cleanup()


def evaluate(engines: Engines, judged: list[Judged]) -> dict[str, dict[str, Score]]:
    """query key -> {"pulse": Score, "baseline": Score, "fts5": Score}, for the queries with a relevant repo."""
    return {
        j.key: {engine: score(engines.ranking(engine, j.query), j.grades) for engine in ENGINES}
        for j in judged
        if j.relevant
    }


def means(results: dict[str, dict[str, Score]], engine: str) -> Score:
    scores = [r[engine] for r in results.values()]
    return Score(sum(s.ndcg for s in scores) / len(scores), sum(s.mrr for s in scores) / len(scores))


def bootstrap(
    values: Sequence[float], iterations: int = BOOTSTRAP_ITERATIONS, seed: int = BOOTSTRAP_SEED
) -> tuple[float, float]:
    """A 95% percentile bootstrap interval of the mean of `values` (resampled with replacement)."""
    if not values:
        return (0.0, 0.0)
    rng = random.Random(seed)
    n = len(values)
    samples = sorted(sum(values[rng.randrange(n)] for _ in range(n)) / n for _ in range(iterations))
    return samples[int(0.025 * iterations)], samples[min(iterations - 1, int(0.975 * iterations))]


def summary(results: dict[str, dict[str, Score]]) -> list[str]:
    """Lines: each engine's mean nDCG@10 and MRR@10 with 95% CIs, then Pulse minus BM25 and FTS5 (paired)."""
    lines = [f"  {'engine':12} {'nDCG@10':>7} {'95% CI':>15}   {'MRR@10':>6} {'95% CI':>15}"]
    for engine in ENGINES:
        ndcg = [r[engine].ndcg for r in results.values()]
        mrr = [r[engine].mrr for r in results.values()]
        m = means(results, engine)
        lines.append(
            f"  {LABELS[engine]:12} {m.ndcg:7.3f} {_ci(bootstrap(ndcg)):>15}   {m.mrr:6.3f} {_ci(bootstrap(mrr)):>15}"
        )
    for other in ("baseline", "fts5"):
        d_ndcg = [r["pulse"].ndcg - r[other].ndcg for r in results.values()]
        d_mrr = [r["pulse"].mrr - r[other].mrr for r in results.values()]
        lines.append(
            f"  {'Pulse - ' + LABELS[other]:12} {sum(d_ndcg) / len(d_ndcg):+7.3f} {_ci(bootstrap(d_ndcg), True):>15}   "
            f"{sum(d_mrr) / len(d_mrr):+6.3f} {_ci(bootstrap(d_mrr), True):>15}"
        )
    return lines


def _ci(interval: tuple[float, float], signed: bool = False) -> str:
    low, high = interval
    return f"[{low:+.3f}, {high:+.3f}]" if signed else f"[{low:.3f}, {high:.3f}]"


def report(engines: Engines, judged: list[Judged], show: int = 0) -> None:
    """Print, per half (or for the whole legacy set), the means with CIs; with `show`, the per-query table."""
    groups = {half: [j for j in judged if j.half == half] for half in HALVES} if judged[0].half else {"all": judged}
    for name, group in groups.items():
        results = evaluate(engines, group)
        unjudged = [j for j in group if not j.relevant]
        print(f"== {name}: {len(results)} queries averaged, {len(unjudged)} with no relevant repo ==")
        if show:
            print(f"  {'query':38} {'Pulse':>11} {'BM25':>11} {'FTS5':>11}   (nDCG@10 MRR@10)")
            for j in group:
                if not j.relevant:
                    continue
                r = results[j.key]
                label = f"{j.id + ' ' if j.id else ''}{j.query}"[:38]
                print(f"  {label:38} " + " ".join(f"{r[e].ndcg:5.3f} {r[e].mrr:5.2f}" for e in ENGINES))
                for engine in ENGINES:
                    top = engines.ranking(engine, j.query, show)
                    marked = [f"{n}({j.grades.get(n.lower(), 0)})" for n in top]
                    print(f"      {LABELS[engine]:6} " + ", ".join(marked))
        for j in unjudged:
            print(f"  no relevant repo: {j.id + ' ' if j.id else ''}{j.query!r}")
        print("\n".join(summary(results)) if results else "  (no judged query)")
        print()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--show", type=int, default=0, help="print the per-query table and each engine's top N")
    parser.add_argument("--corpus", choices=("714", "120"), default="714", help="the 714 repositories or the 120")
    parser.add_argument("--set", dest="judged_set", choices=("judged", "legacy"), default="judged")
    args = parser.parse_args(argv)
    judged = load_judged() if args.judged_set == "judged" else load_judgements()
    records = load_records(args.corpus)
    print(f"corpus: {len(records)} repositories; set: {args.judged_set}, {len(judged)} queries; cut-off {CUTOFF}")
    if args.judged_set == "judged" and args.corpus != "714":
        names = {repo.full_name.lower() for repo in records}
        judged = [replace(j, grades={n: g for n, g in j.grades.items() if n in names}) for j in judged]
        print("note: the judged set was pooled over the 714; here only the grades of these repositories count")
    if args.judged_set == "legacy" and args.corpus != "120":
        print("note: the legacy set was judged over the 120 only; the 594 more repositories are unjudged there")
    engines = Engines(records)
    try:
        report(engines, judged, args.show)
    finally:
        engines.close()


if __name__ == "__main__":
    main()
