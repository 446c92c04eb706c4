"""sources.yaml: the minimal form keeps working; mistakes name file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulse.core.errors import ConfigError
from pulse.core.settings import Settings
from pulse.core.sources import DEFAULT_SOURCES, load_sources, parse_sources

MINIMAL = """\
publishers:
  - name: Dorset Council
    type: local-government
    sources:
      - github: Dorset-Council-UK
"""


def test_minimal_form_parses() -> None:
    (publisher,) = parse_sources(MINIMAL)
    assert publisher.name == "Dorset Council"
    assert publisher.type == "local-government"
    assert [(s.kind, s.target, s.key) for s in publisher.sources] == [
        ("github", "Dorset-Council-UK", "github:dorset-council-uk")
    ]


def test_shipped_sources_file_is_valid_and_realistic() -> None:
    publishers = load_sources(DEFAULT_SOURCES)
    assert len(publishers) > 50
    assert {p.type for p in publishers} == {
        "local-government",
        "central-government",
        "health",
        "devolved",
        "other-public",
    }
    assert any(s.target == "Dorset-Council-UK" for p in publishers for s in p.sources)


@pytest.mark.parametrize(
    ("text", "line", "key", "words"),
    [
        (MINIMAL.replace("local-government", "parish"), 3, "publishers[0].type", "not one of"),
        (MINIMAL.replace("    type: local-government\n", ""), 2, "publishers[0].type", "missing"),
        (MINIMAL.replace("github:", "bitbucket:"), 5, "publishers[0].sources[0].bitbucket", "unknown source kind"),
        (MINIMAL.replace("Dorset-Council-UK", "not a login!"), 5, "publishers[0].sources[0].github", "not a valid"),
        (MINIMAL.replace("sources:", "sorces:"), 4, "publishers[0].sorces", "unknown key"),
        (MINIMAL.replace("name: Dorset Council", "name:"), 2, "publishers[0].name", "non-empty text"),
        (
            MINIMAL + "  - name: Dorset again\n    type: health\n    sources:\n      - github: dorset-council-uk\n",
            6,
            "publishers[1].sources[0].github",
            "already listed",
        ),
        ("publishers:\n  - name: [unclosed\n", 3, "(syntax)", "not valid YAML"),
        ("publishers: {}\n", 1, "publishers", "expected a list"),
        ("", None, "publishers", "empty"),
        ("pubishers: []\n", 1, "publishers", "missing"),
    ],
)
def test_malformed_sources_name_line_and_key(text: str, line: int | None, key: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_sources(text, "my-sources.yaml")
    error = caught.value
    assert (error.path, error.line, error.key) == ("my-sources.yaml", line, key)
    assert words in str(error)
    assert str(error).startswith(f"my-sources.yaml, line {line}: {key}:" if line else "my-sources.yaml:")


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_sources(tmp_path / "nope.yaml")


def test_settings_come_from_an_injected_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"PULSE_DATA_DIR": str(tmp_path), "GITHUB_API_URL": "http://127.0.0.1:9/", "GITHUB_TOKEN": "ghp_secret"}
    )
    assert settings.data_dir == tmp_path
    assert settings.github_api_url == "http://127.0.0.1:9"
    assert "ghp_secret" not in repr(settings)
    assert Settings.from_env({}).github_api_url == "https://api.github.com"
    assert Settings.from_env({"PULSE_DATA_DIR": "/x"}, data_dir=tmp_path).data_dir == tmp_path
