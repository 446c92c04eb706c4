""" "Did you mean": Whoosh's documented searcher.suggest() against Pulse's automaton over an in-memory lexicon.

    .venv/bin/python bench/spelling.py                 # the demo catalogue and a 10,000-repo synthetic one
    .venv/bin/python bench/spelling.py --sizes 50000

The issue asked to use Whoosh's documented API where it does the same job within
the speed target. Both run the same Levenshtein search over the same `spelling`
field; this prints, per catalogue, the median and p95 time of one word's lookup
each way (first lookup after opening the index, as a new generation pays it, and
warm), and how often the two pick the same correction.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.synthetic import generate
from pulse.core.record import Repo
from pulse.index import IndexStore
from pulse.index.spelling import SUGGEST_FIELD, _nearest
from pulse.jobs.demo import DEMO_SNAPSHOT, read_jsonl

# Misspellings a maker types (one or two edits from a real word), none of them indexed words.
WORDS = [
    "flodding",
    "recyling",
    "collecton",
    "plannning",
    "permitts",
    "libary",
    "councl",
    "housng",
    "parkng",
    "licencing",
    "adress",
    "postcde",
    "boundries",
    "accesibility",
    "complaints",
    "goverment",
    "desgin",
    "componets",
    "bookng",
    "paymnet",
    "registar",
    "electon",
    "schol",
    "transprt",
    "wste",
    "rubish",
    "servce",
    "dashbord",
    "formss",
    "lookp",
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure(records: list[Repo], label: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = IndexStore(Path(tmp))
        store.add_records(records)
        reading = store.reading()
        searcher = reading.searcher
        unknown = [w for w in WORDS if (SUGGEST_FIELD, w) not in searcher.reader()]

        def whoosh(word: str) -> str:
            maxdist = 1 if len(word) <= 4 else 2
            found = searcher.suggest(SUGGEST_FIELD, word, limit=1, maxdist=maxdist, prefix=0)
            return found[0] if found else ""

        def pulse(word: str) -> str:
            return _nearest(searcher, reading, word)

        results = {}
        for name, fn in (("whoosh searcher.suggest", whoosh), ("pulse automaton", pulse)):
            first_t0 = time.perf_counter()
            fn(unknown[0])
            first = (time.perf_counter() - first_t0) * 1000
            times, picks = [], []
            for word in unknown:
                t0 = time.perf_counter()
                picks.append(fn(word))
                times.append((time.perf_counter() - t0) * 1000)
            results[name] = (first, times, picks)
        same = sum(
            a == b for a, b in zip(results["whoosh searcher.suggest"][2], results["pulse automaton"][2], strict=True)
        )
        print(f"\n{label}: {len(records):,} repos, {len(unknown)} misspelled words")
        for name, (first, times, _) in results.items():
            print(
                f"  {name:24} first {first:7.1f} ms   median {statistics.median(times):7.2f} ms   "
                f"p95 {pct(times, 0.95):7.2f} ms"
            )
        ratio = statistics.median(results["whoosh searcher.suggest"][1]) / statistics.median(
            results["pulse automaton"][1]
        )
        print(f"  median ratio whoosh/pulse {ratio:.1f}x; same correction for {same} of {len(unknown)} words")
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000])
    args = parser.parse_args()
    print(f"{dt.date.today()} · {platform.processor() or platform.machine()} · Python {platform.python_version()}")
    measure(list(read_jsonl(DEMO_SNAPSHOT)), "demo catalogue")
    for size in args.sizes:
        measure(generate(size), f"synthetic {size:,}")


if __name__ == "__main__":
    main()
