"""Reuse readiness: weights sum to 100, each signal explains itself, unknowns are shown as unknown."""

from __future__ import annotations

from datetime import UTC, datetime

from pulse.core.readiness import WEIGHTS, readiness
from tests.conftest import make_repo

NOW = datetime(2026, 11, 23, tzinfo=UTC)
GOOD_README = "# Bin finder\n\n" + "Finds your bin day from a postcode. " * 40 + "\n\n## Installation\n\nRun `make`.\n"


def test_weights_sum_to_100_and_a_ready_repo_scores_100() -> None:
    assert sum(WEIGHTS.values()) == 100
    repo = make_repo(
        1,
        "bins",
        description="Bin days",
        topics=("waste",),
        licence="OGL-UK-3.0",
        readme=GOOD_README,
        pushed_at="2026-06-01T00:00:00Z",
        has_contributing=True,
        has_tests=True,
        is_template=True,
    )
    result = readiness(repo, reused_by=2, now=NOW)
    assert result.score == 100 and all(s.met for s in result.signals)
    assert sum(s.weight for s in result.signals) == 100
    assert (
        next(s for s in result.signals if s.label == "README says how to install or use it").detail
        == "Section “Installation”"
    )


def test_unknown_signals_count_as_not_met_and_say_so() -> None:
    repo = make_repo(2, "bare", licence="Other")
    result = readiness(repo, now=NOW)
    by_label = {s.label: s for s in result.signals}
    assert by_label["Recently active"].met is None and "not known" in by_label["Recently active"].detail
    assert by_label["Tests or CI"].met is None and by_label["Contributing guide"].met is None
    assert by_label["Open licence"].met is False and "Other" in by_label["Open licence"].detail
    assert result.score == WEIGHTS["Not archived"]  # the only thing met
    assert result.score == sum(s.weight for s in result.signals if s.met)


def test_old_archived_repo_loses_those_points() -> None:
    repo = make_repo(3, "old", licence="MIT", archived=True, pushed_at="2019-01-01T00:00:00Z", has_tests=False)
    by_label = {s.label: s for s in readiness(repo, now=NOW).signals}
    assert by_label["Recently active"].met is False and "2019" in by_label["Recently active"].detail
    assert by_label["Not archived"].met is False and by_label["Tests or CI"].met is False
    assert by_label["Open licence"].met is True


def test_api_and_page_show_readiness(demo_server) -> None:  # type: ignore[no-untyped-def]
    body = demo_server.get("/api/repos/alphagov/govuk-frontend").json()
    assert body["full_name"] == "alphagov/govuk-frontend" and "readme" in body  # existing keys kept
    assert 0 <= body["readiness"]["score"] <= 100
    assert sum(s["weight"] for s in body["readiness"]["signals"]) == 100
    assert {"label", "weight", "met", "detail"} == set(body["readiness"]["signals"][0])
    assert isinstance(body["similar"], list) and isinstance(body["reused_by"], list)
    assert demo_server.get("/repos/alphagov/govuk-frontend").status_code == 200
