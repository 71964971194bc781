"""Flat PER/ORG/LOC spans of one line (`gonghui entities`): the page rules, then jieba's tags for
what they cannot see in general news; for measuring the extractor on any corpus."""
from __future__ import annotations

from ...model import Document
from .context import Context
from .orgs import find_orgs, occurrences
from .people import find_people, plausible_name
from .places import find_places


def tag_line(text: str) -> list[dict]:
    """Flat PER/ORG/LOC spans of one line of text, for measuring the extractor on any corpus.

    The page rules (titles, lists, prefixes, the gazetteer) come first; jieba's name, place and
    organisation tags fill in what they cannot see in general news (李明说, 美国, 新华社), with
    names kept only where they pass the same surname and common-word checks."""
    import jieba.posseg as pseg

    from ...model import Page
    page = Page("stdin", "", "utf-8", text)
    doc = Document(page=page, issue=None, items=[])
    ctx = Context()
    orgs = find_orgs(text, ctx)
    spans: list[tuple[int, int, str]] = [(h.start, h.end, "ORG") for h in orgs]
    for h in find_people(doc, ctx, orgs):
        spans.append((h.start, h.end, "PER"))
    for pl in find_places(text, ctx, orgs):
        for m in pl.mentions:
            spans.append((m.start, m.end, "LOC"))
    pos = 0
    for w in pseg.lcut(text):
        word, flag = w.word, w.flag
        start, pos = pos, pos + len(word)
        if flag in ("nr", "nrfg") and plausible_name(word):
            spans.append((start, pos, "PER"))
        elif flag == "ns" and len(word) >= 2 and word not in NOT_PLACES:
            spans.append((start, pos, "LOC"))
        elif flag == "nt" and len(word) >= 2:
            spans.append((start, pos, "ORG"))
    names = {text[s:e] for s, e, t in spans if t == "PER"}
    for name in names:
        for start in occurrences(name, text):
            spans.append((start, start + len(name), "PER"))
    return [{"start": s, "end": e, "type": t, "text": text[s:e]} for s, e, t in _flatten(spans)]


NOT_PLACES = {"中华", "中外", "国内", "国外", "海内外", "东西", "南北", "内外"}


def _flatten(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Non-overlapping spans: longer first, ORG over LOC inside it."""
    out: list[tuple[int, int, str]] = []
    for s, e, t in sorted(set(spans), key=lambda x: (-(x[1] - x[0]), x[0])):
        if all(e <= s2 or s >= e2 for s2, e2, _ in out):
            out.append((s, e, t))
    return sorted(out)
