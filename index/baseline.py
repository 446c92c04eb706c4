"""A plain BM25F index for the relevance benchmark (bench/relevance.py): the yardstick
Pulse's ranking is compared with. Lives here because only `index/` imports Whoosh.

Same four text fields as Pulse (name, description, topics, README excerpt, from
`index.schema.to_document`), each with Whoosh's plain StemmingAnalyzer, BM25F with
Whoosh's defaults, no field boosts, no synonyms, no name splitting, and the query's
words combined with OR, as a textbook BM25 engine ranks.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from whoosh import analysis, fields, index, qparser, scoring

from pulse.core.record import Repo
from pulse.index.schema import to_document

TEXT_FIELDS = ("name", "description", "topics_text", "readme_excerpt")


class BaselineIndex:
    def __init__(self, path: Path, repos: Iterable[Repo]) -> None:
        analyzer = analysis.StemmingAnalyzer()
        schema = fields.Schema(
            full_name=fields.ID(stored=True), **{name: fields.TEXT(analyzer=analyzer) for name in TEXT_FIELDS}
        )
        Path(path).mkdir(parents=True, exist_ok=True)
        self._ix = index.create_in(str(path), schema)
        writer = self._ix.writer()
        for repo in repos:
            document = to_document(repo)
            writer.add_document(full_name=repo.full_name, **{name: document[name] for name in TEXT_FIELDS})
        writer.commit()
        self._searcher = self._ix.searcher(weighting=scoring.BM25F())
        self._parser = qparser.MultifieldParser(list(TEXT_FIELDS), schema=schema, group=qparser.OrGroup)

    def search(self, text: str, limit: int = 10) -> list[str]:
        """Full names of the `limit` best matches, best first."""
        results = self._searcher.search(self._parser.parse(text), limit=limit)
        return [hit["full_name"] for hit in results]

    def close(self) -> None:
        self._searcher.close()
        self._ix.close()
