"""The Whoosh schema, and the two mappings record -> document and hit -> record.

Only the `index` package imports whoosh. Bump SCHEMA_VERSION whenever a field
or an analyzer changes: an index built with another version is refused with
a message saying how to rebuild it, instead of answering wrongly.
"""

from __future__ import annotations

import json
import re
from calendar import timegm
from time import strptime
from typing import Any

from whoosh import analysis, fields, formats

from pulse.core.record import Repo
from pulse.core.text import excerpt, markdown_to_text
from pulse.core.vocabulary import FILTERS, NONE_VALUE
from pulse.index.stemming import uk_stem

# 2: kind, has_licence, fork_of and spelling fields; 3: keys namespaced by host, resource_type;
# 4: the README excerpt is prose only (no code, commands, badges, URLs); 5: UK and US spellings one word
SCHEMA_VERSION = 5
MIGRATES_FROM = (2, 3, 4)  # versions whose stored records this version re-indexes on open (store.py), losing nothing

# Words: stemmed, lower-cased, English stop words removed, UK and US spellings one word
# (pulse/core/spellings.py, inside the stem function, so every field and snippet agrees).
TEXT_ANALYZER = analysis.StemmingAnalyzer(stemfn=uk_stem)
# Repo names: split on dots, dashes, underscores and CamelCase first, so
# `Escc.RubbishAndRecycling.SiteFinder` is found by "rubbish" or "site finder".
_NAME = (
    analysis.RegexTokenizer(r"[^\s/]+")
    | analysis.IntraWordFilter(splitwords=True, splitnums=False)
    | analysis.LowercaseFilter()
    | analysis.StopFilter()
    | analysis.StemFilter(stemfn=uk_stem)
)
# Spelling suggestions ("did you mean"): the unstemmed words of the searchable text
# (names split as above), so a correction is a word people write, not a stem.
_SPELL = analysis.RegexTokenizer(r"[^\W\d_]+") | analysis.LowercaseFilter() | analysis.StopFilter(minsize=3)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def build_schema() -> fields.Schema:
    return fields.Schema(
        # Document key, namespaced by host (`github.com:123`): a forge's numeric id is stable
        # across renames, and GitHub and GitLab ids can be the same number. See Repo.key.
        id=fields.ID(unique=True, stored=True),
        # "host/path" lower-cased (`github.com/owner/name`), for the pages' and the API's addresses.
        locator=fields.ID(unique=True),
        # Which configured source produced the repo ("github:login"): a
        # harvest replaces exactly the repos of the sources that succeeded.
        source=fields.ID(stored=True),
        # Searchable text. Name and description are boosted at query time.
        name=fields.TEXT(analyzer=_NAME, field_boost=1.0),
        description=fields.TEXT(analyzer=TEXT_ANALYZER, stored=True),
        topics_text=fields.TEXT(analyzer=TEXT_ANALYZER),
        # A bounded plain-text README excerpt: searching whole README bodies
        # costs ~10x at 50k repos. Stored for highlighted snippets.
        readme_excerpt=fields.TEXT(analyzer=TEXT_ANALYZER, stored=True),
        # Facets and filters: exact values in columns (sortable) for fast counts.
        language=fields.ID(sortable=True),
        licence=fields.ID(sortable=True),
        publisher=fields.ID(sortable=True),
        publisher_type=fields.ID(sortable=True),
        archived=fields.ID(sortable=True),  # "yes" / "no"
        kind=fields.ID(sortable=True),  # "code" / "template" / "resource": see Repo.kind
        resource_type=fields.ID(sortable=True),  # a listed resource's type; NONE_VALUE for code
        has_licence=fields.ID(sortable=True),  # "yes" / "no" (any licence, identified or "Other")
        # The upstream "owner/name" of a fork, lower-cased: who reuses a repo.
        fork_of=fields.ID(),
        # Unstemmed words of name, description, topics and README excerpt, for
        # spelling suggestions only (no frequencies, positions or lengths).
        spelling=fields.FieldType(formats.Existence(), _SPELL, scorable=False, stored=False),
        # Topics are many per repo: a keyword field, counted from postings.
        topic=fields.KEYWORD(lowercase=True, commas=True),
        # Sort keys.
        stars=fields.NUMERIC(sortable=True, bits=32, signed=False),
        pushed=fields.NUMERIC(sortable=True, bits=64, signed=False),  # epoch seconds
        # The whole record minus its README, as JSON: one read per hit.
        record=fields.STORED(),
        # The README markdown, kept apart so result pages need not decode it.
        readme=fields.STORED(),
    )


# API filter name -> index field: every filter of the vocabulary is a facet field of the same name.
FACET_FIELDS: dict[str, str] = {name: name for name in FILTERS}


def to_document(repo: Repo) -> dict[str, Any]:
    """Map a record to the fields Whoosh indexes and stores."""
    record = repo.to_dict(with_readme=False)
    readme_excerpt = excerpt(markdown_to_text(repo.readme)) if repo.readme else ""
    topics_text = " ".join(t.replace("-", " ") for t in repo.topics)
    document = {
        "id": repo.key,
        "locator": repo.locator,
        "source": repo.source,
        "name": repo.name,
        "description": repo.description,
        "topics_text": topics_text,
        "readme_excerpt": readme_excerpt,
        "language": repo.language or NONE_VALUE,
        "licence": repo.licence or NONE_VALUE,
        "publisher": repo.publisher,
        "publisher_type": repo.publisher_type,
        "archived": "yes" if repo.archived else "no",
        "kind": repo.kind,
        "resource_type": repo.resource_type or NONE_VALUE,
        "has_licence": "yes" if repo.licence else "no",
        "spelling": "\n".join((_CAMEL.sub(" ", repo.name), repo.description, topics_text, readme_excerpt)),
        "topic": ",".join(t.lower() for t in repo.topics),
        "stars": max(0, repo.stars),
        "pushed": _epoch(repo.pushed_at),
        "record": json.dumps(record, separators=(",", ":")),
        "readme": repo.readme,
    }
    if repo.fork_of:
        document["fork_of"] = repo.fork_of.lower()
    return document


def to_record(stored: dict[str, Any], *, with_readme: bool = False) -> Repo:
    """Map a hit's stored fields back to a record."""
    data = json.loads(stored["record"])
    if with_readme:
        data["readme"] = stored.get("readme", "")
    return Repo.from_dict(data)


def _epoch(iso: str) -> int:
    if not iso:
        return 0
    try:
        return timegm(strptime(iso, "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        return 0
