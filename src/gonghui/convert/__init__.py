"""Pages to typed records, knowing nothing of RDF: read → segment → extract → resolve.

    read.read_page(path)        file → Page: decoding, whitespace, columns, transcript markers
    segment.segment(page)       Page → Document: the masthead (Issue) and the items
    extract.extract(doc)        Document → PageEntities: people and posts, organisations, places …
    resolve.add_page(corpus, …) PageEntities → Corpus: one entity per person/organisation across pages
    resolve.add_parents(corpus) then structure.derive: parents, locations, merged short names
    extract.tag_line(text)      flat PER/ORG/LOC spans of one line, for `gonghui entities`
    report.document_json(doc)   the document model as JSON, or document_summary as a short table

`convert_page(path)` runs the first three on one page.
"""
from __future__ import annotations

from pathlib import Path

from ..model import PageEntities
from .extract import extract, tag_line
from .read import read_page
from .report import document_json, document_summary
from .segment import segment


def convert_page(path: Path) -> PageEntities:
    """read → segment → extract for one page."""
    return extract(segment(read_page(path)))


def warm_up() -> None:
    """Load jieba and the lexicons once in the parent, so forked workers start warm."""
    import jieba

    from .. import lexicon
    from .extract import division_words, suffix_words, title_words
    jieba.setLogLevel(60)
    jieba.initialize()
    lexicon.is_common_word("工会")
    # the word lists the finders look up (built here, they are shared by every forked worker)
    division_words()
    suffix_words()
    title_words()


__all__ = ["convert_page", "warm_up", "read_page", "segment", "extract", "tag_line", "document_json", "document_summary"]
