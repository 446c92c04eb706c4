"""Relevance benchmark: Pulse's ranking against a plain BM25 baseline, on judged queries.

    /tmp/venv/bin/python bench/relevance.py                 # table per query, then the means
    /tmp/venv/bin/python bench/relevance.py --show 5        # also each engine's top 5 per query

Over the 120-repo demo catalogue (pulse/data/demo-catalogue.jsonl), for each query
in bench/judgements.yaml (graded 2 = truly answers, 1 = partly):
- Pulse: `pulse.index.search` over a temp IndexStore, exactly as /api/search ranks;
- baseline: `index.baseline.BaselineIndex`, plain Whoosh BM25F over the same four
  text fields with StemmingAnalyzer, no boosts, no synonyms, no name splitting,
  words OR'd.
Metrics, at a cut-off of 10: nDCG@10 with gains 2^grade - 1 and a log2(rank + 1)
discount, the ideal ordering taken from all judgements of the query; MRR@10, the
reciprocal rank of the first result graded 1 or 2 (0 if none in the top 10).
Queries with no judged repo (the concept is absent from the corpus) are listed
but not averaged.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pulse.core.query import SearchRequest  # noqa: E402
from pulse.index import (
    IndexStore,  # noqa: E402
    search,  # noqa: E402
)
from pulse.index.baseline import BaselineIndex  # noqa: E402
from pulse.jobs.demo import DEMO_SNAPSHOT, read_jsonl  # noqa: E402

JUDGEMENTS = Path(__file__).resolve().parent / "judgements.yaml"
CUTOFF = 10


@dataclass(frozen=True)
class Judged:
    query: str
    grades: dict[str, int]  # full_name (lower case) -> 1 or 2
    note: str = ""


@dataclass(frozen=True)
class Score:
    ndcg: float
    mrr: float


def load_judgements(path: Path = JUDGEMENTS) -> list[Judged]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Judged(
            item["query"], {k.lower(): int(v) for k, v in (item.get("judgements") or {}).items()}, item.get("note", "")
        )
        for item in data["queries"]
    ]


def score(ranking: list[str], grades: dict[str, int], cutoff: int = CUTOFF) -> Score:
    ranked = [grades.get(name.lower(), 0) for name in ranking[:cutoff]]
    dcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ranked))
    ideal = sorted(grades.values(), reverse=True)[:cutoff]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    first = next((i for i, g in enumerate(ranked) if g > 0), None)
    return Score(dcg / idcg if idcg else 0.0, 1 / (first + 1) if first is not None else 0.0)


class Engines:
    """Pulse and the baseline over the same catalogue, in temp dirs."""

    def __init__(self, records=None) -> None:  # type: ignore[no-untyped-def]
        records = list(records if records is not None else read_jsonl(DEMO_SNAPSHOT))
        self._tmp = tempfile.TemporaryDirectory(prefix="pulse-relevance-")
        self.store = IndexStore(Path(self._tmp.name) / "pulse")
        self.store.add_records(records)
        self.baseline = BaselineIndex(Path(self._tmp.name) / "baseline", records)

    def pulse(self, q: str, limit: int = CUTOFF) -> list[str]:
        return [hit.repo.full_name for hit in search(self.store, SearchRequest(q=q, per_page=limit)).hits]

    def plain(self, q: str, limit: int = CUTOFF) -> list[str]:
        return self.baseline.search(q, limit)

    def close(self) -> None:
        self.baseline.close()
        self.store.close()
        self._tmp.cleanup()


def evaluate(engines: Engines, judged: list[Judged]) -> dict[str, dict[str, Score]]:
    """query -> {"pulse": Score, "baseline": Score}, for the queries with judgements."""
    return {
        j.query: {"pulse": score(engines.pulse(j.query), j.grades), "baseline": score(engines.plain(j.query), j.grades)}
        for j in judged
        if j.grades
    }


def means(results: dict[str, dict[str, Score]], engine: str) -> Score:
    scores = [r[engine] for r in results.values()]
    return Score(sum(s.ndcg for s in scores) / len(scores), sum(s.mrr for s in scores) / len(scores))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", type=int, default=0, help="print each engine's top N per query")
    args = parser.parse_args()
    judged = load_judgements()
    engines = Engines()
    try:
        results = evaluate(engines, judged)
        print(f"{'query':40} {'Pulse nDCG':>10} {'MRR':>5}   {'BM25 nDCG':>9} {'MRR':>5}")
        for j in judged:
            if not j.grades:
                top = engines.pulse(j.query, 3)
                print(f"{j.query[:40]:40} {'(no relevant repo in the corpus; Pulse top 3: ' + ', '.join(top) + ')'}")
                continue
            p, b = results[j.query]["pulse"], results[j.query]["baseline"]
            print(f"{j.query[:40]:40} {p.ndcg:10.3f} {p.mrr:5.2f}   {b.ndcg:9.3f} {b.mrr:5.2f}")
            if args.show:
                print("    pulse:   ", ", ".join(engines.pulse(j.query, args.show)))
                print("    baseline:", ", ".join(engines.plain(j.query, args.show)))
        p, b = means(results, "pulse"), means(results, "baseline")
        print(
            f"{'MEAN over ' + str(len(results)) + ' judged queries':40} {p.ndcg:10.3f} {p.mrr:5.2f}   "
            f"{b.ndcg:9.3f} {b.mrr:5.2f}"
        )
    finally:
        engines.close()


if __name__ == "__main__":
    main()
