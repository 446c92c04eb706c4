"""Integrity of the judged relevance set (bench/judged/): queries, split, pool and judgments.

Fast: reads YAML and JSON Lines only, builds no index.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bench.corpus import CORPUS_DIR, load_records
from pulse.jobs.demo import DEMO_SNAPSHOT, read_jsonl

JUDGED = Path(__file__).resolve().parent.parent / "bench" / "judged"


@pytest.fixture(scope="module")
def queries() -> list[dict]:
    return yaml.safe_load((JUDGED / "queries.yaml").read_text(encoding="utf-8"))["queries"]


@pytest.fixture(scope="module")
def judgments() -> dict[str, dict[str, int]]:
    return yaml.safe_load((JUDGED / "judgments.yaml").read_text(encoding="utf-8"))["judgments"]


@pytest.fixture(scope="module")
def corpus_names() -> set[str]:
    names = set()
    for path in sorted(CORPUS_DIR.glob("*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            names.update(json.loads(line)["full_name"] for line in lines if line.strip())
    return names


def test_at_least_60_queries_each_with_an_id_a_need_and_a_half(queries: list[dict]) -> None:
    assert len(queries) >= 60
    ids = [q["id"] for q in queries]
    assert len(set(ids)) == len(ids), "query ids must be unique"
    for q in queries:
        assert q["query"].strip() and q["type"], q["id"]
        assert len(q["need"].split()) >= 5, f"{q['id']}: the need must say what counts as an answer"
        assert q["half"] in ("tuning", "held_out"), q["id"]


def test_halves_are_balanced_overall_and_within_each_query_type(queries: list[dict]) -> None:
    halves = Counter(q["half"] for q in queries)
    assert abs(halves["tuning"] - halves["held_out"]) <= 2, halves
    for kind in {q["type"] for q in queries}:
        of_kind = Counter(q["half"] for q in queries if q["type"] == kind)
        assert abs(of_kind["tuning"] - of_kind["held_out"]) <= 1, (kind, of_kind)


def test_the_split_is_the_fixed_sha256_rule_stated_in_the_file(queries: list[dict]) -> None:
    # Within each type, ids sorted by sha256(id): 1st, 3rd, ... tuning; 2nd, 4th, ... held out.
    for kind in {q["type"] for q in queries}:
        ordered = sorted(
            (q for q in queries if q["type"] == kind), key=lambda q: hashlib.sha256(q["id"].encode()).hexdigest()
        )
        for position, q in enumerate(ordered):
            assert q["half"] == ("tuning" if position % 2 == 0 else "held_out"), q["id"]


def test_every_grep_pattern_compiles(queries: list[dict]) -> None:
    for q in queries:
        assert q.get("grep"), f"{q['id']} has no concept patterns"
        for pattern in q["grep"]:
            re.compile(pattern, re.IGNORECASE)


def test_every_judged_repo_exists_in_the_corpus_copy_and_grades_are_0_1_2(
    queries: list[dict], judgments: dict[str, dict[str, int]], corpus_names: set[str]
) -> None:
    assert len(corpus_names) == 714
    assert set(judgments) == {q["id"] for q in queries}
    for qid, grades in judgments.items():
        assert set(grades) <= corpus_names, (qid, set(grades) - corpus_names)
        assert set(grades.values()) <= {0, 1, 2}, qid
    answerable = [qid for qid, grades in judgments.items() if any(g > 0 for g in grades.values())]
    assert len(answerable) >= 60, "most queries must have some relevant repository"


def test_every_pooled_pair_is_judged_and_the_pool_carries_no_ranks(judgments: dict[str, dict[str, int]]) -> None:
    rows = [json.loads(line) for line in (JUDGED / "pool.jsonl").read_text(encoding="utf-8").splitlines() if line]
    assert rows
    for row in rows:
        assert set(row) == {"query", "full_name", "found_by", "round"}, row  # no rank position
        assert set(row["found_by"]) <= {"pulse", "bm25", "fts5", "grep"} and row["found_by"], row
        assert row["full_name"] in judgments[row["query"]], row


def test_the_120_convert_to_exactly_the_demo_catalogues_records() -> None:
    assert load_records("714") == list(read_jsonl(DEMO_SNAPSHOT))  # the demo is the whole corpus
