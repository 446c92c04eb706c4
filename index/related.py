"""Repositories related to one repository, for its detail page and /api/repos/{owner}/{name}:
similar projects of other publishers, forks by other publishers (reuse), and the upstream."""

from __future__ import annotations

from whoosh import query

from pulse.core.record import Repo
from pulse.index.parsing import FIELD_BOOSTS
from pulse.index.schema import to_record
from pulse.index.store import IndexStore

SIMILAR_KEY_TERMS = 12


def reused_by(store: IndexStore, repo: Repo) -> list[Repo]:
    """Forks of `repo` in the catalogue owned by other publishers (fork_of is case-insensitive)."""
    searcher = store.searcher()
    forks = (
        to_record(searcher.stored_fields(n))
        for n in searcher.docs_for_query(query.Term("fork_of", repo.full_name.lower()))
    )
    return sorted(
        (f for f in forks if f.publisher != repo.publisher and f.owner.lower() != repo.owner.lower()),
        key=lambda f: f.full_name.lower(),
    )


def upstream(store: IndexStore, repo: Repo) -> Repo | None:
    """The repo `repo` was forked from, if it is in the catalogue."""
    owner, _, name = repo.fork_of.partition("/")
    return store.get(owner, name, with_readme=False) if owner and name else None


def similar(store: IndexStore, repo: Repo, limit: int = 5, *, exclude: tuple[Repo, ...] = ()) -> list[Repo]:
    """Up to `limit` repos of other publishers most like `repo`: Whoosh's more-like-this (Bo1 key terms
    of the stored description and README excerpt, plus the name's words), searched over every text
    field with the usual boosts. `exclude` (e.g. its forks and upstream) is left out."""
    searcher = store.searcher()
    docnum = searcher.document_number(locator=repo.locator)
    if docnum is None:
        return []
    stored = searcher.stored_fields(docnum)
    name_words = " ".join(token.text for token in searcher.schema["name"].analyzer(repo.name))
    # The description appears twice on purpose: it weighs double in the key terms, as it is boosted in search.
    text = "\n".join(
        (
            name_words,
            stored.get("description", ""),
            stored.get("description", ""),
            " ".join(t.replace("-", " ") for t in repo.topics),
            stored.get("readme_excerpt", ""),
        )
    )
    key_terms = searcher.key_terms_from_text("readme_excerpt", text, numterms=SIMILAR_KEY_TERMS, normalize=True)
    if not key_terms:
        return []
    terms = [
        query.Term(fieldname, word, boost=weight * boost)
        for word, weight in key_terms
        for fieldname, boost in FIELD_BOOSTS.items()
    ]
    mask = query.Or(
        [query.Term("publisher", repo.publisher), query.Term("id", str(repo.id))]
        + [query.Term("id", str(other.id)) for other in exclude]
    )
    results = searcher.search(query.Or(terms), limit=limit, mask=mask)
    return [to_record(hit.fields()) for hit in results]


__all__ = ["Related", "similar", "reused_by", "upstream"]


class Related:
    """Everything the detail page shows about a repo's neighbours."""

    def __init__(self, store: IndexStore, repo: Repo, similar_limit: int = 5) -> None:
        self.reused_by = reused_by(store, repo)
        self.upstream = upstream(store, repo)
        exclude = tuple(self.reused_by) + ((self.upstream,) if self.upstream else ())
        self.similar = similar(store, repo, similar_limit, exclude=exclude)
