"""Printable views of a segmented page for `gonghui parse`."""
from __future__ import annotations

import json
from dataclasses import asdict

from ..model import Document, Item, Span


def _span(s: Span | None):
    return None if s is None else {"text": s.text, "start": s.start, "end": s.end}


def item_dict(item: Item) -> dict:
    return {
        "kind": item.kind,
        "kicker": _span(item.kicker),
        "headline": _span(item.headline),
        "subheadline": _span(item.subheadline),
        "section": _span(item.section),
        "dateline": _span(item.dateline),
        "reporters": item.names("reporter"),
        "correspondents": item.names("correspondent"),
        "photographers": item.names("photographer"),
        "authors": item.names("author"),
        "speakers": item.names("speaker"),
        "credits": [asdict(c) for c in item.credits],
        "paragraphs": [_span(p) for p in item.paragraphs],
        "jump": _span(item.jump),
        "start": item.start,
        "end": item.end,
    }


def document_dict(doc: Document) -> dict:
    page = doc.page
    return {
        "source": page.source,
        "sha256": page.sha256,
        "encoding": page.encoding,
        "issue": asdict(doc.issue) if doc.issue else None,
        "items": [item_dict(i) for i in doc.items],
        "repairs": [asdict(r) for r in page.repairs],
        "text": page.text,
    }


def document_json(doc: Document) -> str:
    return json.dumps(document_dict(doc), ensure_ascii=False, indent=1)


def document_summary(doc: Document) -> str:
    """A short table: masthead, items, repairs."""
    lines = [f"== {doc.page.source} ({doc.page.encoding}, {len(doc.page.text)} characters)"]
    if doc.issue:
        i = doc.issue
        numbers = " ".join(x for x in (i.issue_number and f"第{i.issue_number}期",
                                       i.total_number and f"总第{i.total_number}号") if x)
        lines.append(f"masthead: {i.newspaper} {i.date or '?'} {i.weekday or ''} {numbers}".rstrip())
    else:
        lines.append("masthead: none")
    for n, item in enumerate(doc.items, 1):
        head = item.headline.text if item.headline else (item.paragraphs[0].text[:20] + "…" if item.paragraphs else "")
        names = ", ".join(f"{c.role}:{c.name}" for c in item.credits)
        lines.append(f"{n:3d} {item.kind:10s} {head}" + (f"  [{names}]" if names else ""))
    counts: dict[str, int] = {}
    for r in doc.page.repairs:
        counts[r.kind] = counts.get(r.kind, 0) + 1
    lines.append("repairs: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"))
    return "\n".join(lines)
