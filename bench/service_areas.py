"""Measure the service-area rules (pulse/core/service_areas.py) against the judged sample.

    .venv/bin/python bench/service_areas.py                  # the table per half, and the speed
    .venv/bin/python bench/service_areas.py --show tuning    # and the tuning half's disagreements
    .venv/bin/python bench/service_areas.py --show held_out  # (for the report; never tune on it)

bench/service_areas/sample.yaml holds 200 items (160 of the 714 corpus repositories, 40 of the
199 shipped open resources), each judged with its correct areas before any rule was written; the
file states the draw and the split into a tuning and a held-out half, and `draw` below re-derives
both. Per area and half: how many items the judge gave it, how many the rules gave it, precision
(of those the rules gave, the share the judge gave too) and recall (of those the judge gave, the
share the rules found); micro averages over all (item, area) pairs; items with no area, judged and
assigned. The order of an item's areas is not scored.

Speed: `service_areas` over every corpus repository and resource, repeated, per item, both as
the indexer will call it (with the README prose it already has) and from the raw record (the
markdown parse included).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.corpus import load_records  # noqa: E402
from pulse.core.record import Repo  # noqa: E402
from pulse.core.service_areas import (  # noqa: E402
    README_CHARS,
    README_MARKDOWN_CHARS,
    SERVICE_AREAS,
    explain,
    service_areas,
)
from pulse.core.text import markdown_to_text  # noqa: E402
from pulse.jobs.demo import demo_resources  # noqa: E402

SAMPLE = Path(__file__).resolve().parent / "service_areas" / "sample.yaml"
HALVES = ("tuning", "held_out")
REPOSITORIES, RESOURCES = 160, 40  # how many of each the sample draws


@dataclass(frozen=True)
class Judged:
    id: str
    kind: str  # "repository" or "resource"
    half: str
    areas: tuple[str, ...]


def item_id(repo: Repo) -> str:
    """A sample item's id: a repository's full name, a resource's locator."""
    return repo.locator if repo.resource_type else repo.full_name


def draw(repos: Sequence[Repo], resources: Sequence[Repo]) -> dict[str, tuple[str, str]]:
    """The sample's ids with (kind, half), by the rule sample.yaml states."""
    ranked_repos = sorted(repos, key=lambda r: r.full_name.lower())
    ranked_resources = sorted(resources, key=lambda r: r.locator)
    groups = {
        "repository": [ranked_repos[i * len(ranked_repos) // REPOSITORIES] for i in range(REPOSITORIES)],
        "resource": [ranked_resources[i * len(ranked_resources) // RESOURCES] for i in range(RESOURCES)],
    }
    drawn: dict[str, tuple[str, str]] = {}
    for kind, items in groups.items():
        ids = sorted((item_id(r) for r in items), key=lambda i: hashlib.sha256(i.encode()).hexdigest())
        drawn.update({i: (kind, HALVES[n % 2]) for n, i in enumerate(ids)})
    return drawn


def load_sample(path: Path = SAMPLE) -> list[Judged]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Judged(i["id"], i["kind"], i["half"], tuple(i["areas"] or ())) for i in data["items"]]


def records() -> tuple[list[Repo], list[Repo]]:
    """The 714 corpus repositories and the 199 shipped resources, as Pulse records."""
    return load_records("714"), list(demo_resources())


@dataclass
class Counts:
    judged: int = 0
    assigned: int = 0
    agreed: int = 0

    def precision(self) -> float | None:
        return self.agreed / self.assigned if self.assigned else None

    def recall(self) -> float | None:
        return self.agreed / self.judged if self.judged else None


def score(items: Iterable[Judged], assigned: dict[str, tuple[str, ...]]) -> tuple[dict[str, Counts], Counts, dict]:
    """Per-area counts, the micro totals, and the no-area counts, for `items`."""
    per = {area: Counts() for area in SERVICE_AREAS}
    total = Counts()
    none = {"judged": 0, "assigned": 0, "both": 0, "items": 0}
    for item in items:
        got, want = set(assigned[item.id]), set(item.areas)
        none["items"] += 1
        none["judged"] += not want
        none["assigned"] += not got
        none["both"] += not want and not got
        for area in got | want:
            c = per[area]
            c.judged += area in want
            c.assigned += area in got
            c.agreed += area in want and area in got
    for c in per.values():
        total.judged += c.judged
        total.assigned += c.assigned
        total.agreed += c.agreed
    return per, total, none


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def table(label: str, items: list[Judged], assigned: dict[str, tuple[str, ...]]) -> list[str]:
    """A markdown table: per area judged, assigned, agreed, precision, recall; then micro and no-area lines."""
    per, total, none = score(items, assigned)
    lines = [
        f"**{label}** ({none['items']} items)",
        "",
        "| area | judged | assigned | agreed | precision | recall |",
        "|---|---|---|---|---|---|",
    ]
    for area in SERVICE_AREAS:
        c = per[area]
        lines.append(
            f"| {area} | {c.judged} | {c.assigned} | {c.agreed} | {_pct(c.precision())} | {_pct(c.recall())} |"
        )
    lines.append(
        f"| **micro average** | {total.judged} | {total.assigned} | {total.agreed} "
        f"| **{_pct(total.precision())}** | **{_pct(total.recall())}** |"
    )
    lines.append("")
    lines.append(f"Items with no area: judged {none['judged']}, assigned {none['assigned']}, both {none['both']}.")
    return lines


def disagreements(items: list[Judged], assigned: dict[str, tuple[str, ...]], by_id: dict[str, Repo]) -> list[str]:
    """One line per item whose assigned areas differ from the judged ones, with the words that fired."""
    lines = []
    for item in items:
        got = assigned[item.id]
        if set(got) == set(item.areas):
            continue
        why = explain(by_id[item.id])
        fired = "; ".join(
            f"{area}: " + ", ".join(f"{where}={'/'.join(words)}" for where, words in found.items())
            for area, found in why.items()
        )
        lines.append(f"- {item.id}\n    judged {list(item.areas)}  assigned {list(got)}\n    fired: {fired or '-'}")
    return lines


def speed(all_records: list[Repo], rounds: int = 5) -> tuple[float, float]:
    """Milliseconds per item: with the prose given (as the indexer calls it), and from the raw record."""
    prose = [markdown_to_text(r.readme[:README_MARKDOWN_CHARS]) if r.readme else "" for r in all_records]
    best_given = best_raw = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for record, text in zip(all_records, prose, strict=True):
            service_areas(record, prose=text)
        best_given = min(best_given, (time.perf_counter() - start) / len(all_records))
        start = time.perf_counter()
        for record in all_records:
            service_areas(record)
        best_raw = min(best_raw, (time.perf_counter() - start) / len(all_records))
    return best_given * 1000, best_raw * 1000


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs, {model or platform.processor()}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", choices=[*HALVES, "both"], help="list the per-item disagreements of a half")
    parser.add_argument("--no-speed", action="store_true", help="skip the timing")
    args = parser.parse_args(argv)

    repos, resources = records()
    by_id = {item_id(r): r for r in (*repos, *resources)}
    sample = load_sample()
    drawn = draw(repos, resources)
    if {i.id: (i.kind, i.half) for i in sample} != drawn:
        print("sample.yaml does not match the stated draw and split", file=sys.stderr)
        return 1
    assigned = {item.id: service_areas(by_id[item.id]) for item in sample}

    for half in HALVES:
        print("\n".join(table(half.replace("_", " "), [i for i in sample if i.half == half], assigned)), end="\n\n")
    print("\n".join(table("both halves", sample, assigned)), end="\n\n")

    if args.show:
        shown = [i for i in sample if args.show == "both" or i.half == args.show]
        print(f"Disagreements, {args.show}:")
        print("\n".join(disagreements(shown, assigned, by_id)) or "(none)", end="\n\n")

    if not args.no_speed:
        everything = [*repos, *resources]
        given, raw = speed(everything)
        print(
            f"Speed over {len(everything)} items (best of 5): {given:.3f} ms per item with the prose given, "
            f"{raw:.3f} ms from the raw record (markdown parse of the first {README_MARKDOWN_CHARS:,} "
            f"characters included; prose read: {README_CHARS:,}). Machine: {machine()}."
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
