"""The named graph of one source page: the page, its articles, the mentions pinned to its text
and an attestation for each post it prints.

An attestation is dated by the page's issue, or by a date the item prints for itself (marked
inferred). A page graph is a pure function of the page and its `PageRefs`, so pages are mapped in
parallel, one at a time, and a page whose refs did not change can reuse its cached graph."""
from __future__ import annotations

import pyoxigraph as ox

from ..convert.resolve import event_key, place_key
from ..model import Item, PageEntities
from .mapping import (
    BUILD_PATH,
    CREDIT_PROPERTY,
    DCTERMS,
    GH,
    OA,
    PROV,
    RDF,
    SCHEMA,
    XSD,
    Literal,
    PageRefs,
    Triples,
    _Namespace,
    with_super_properties,
    zh,
)


class _PageIds:
    """The IRIs of one page's graph, from its refs."""

    def __init__(self, refs: PageRefs):
        self.ID = _Namespace(refs.base)
        self.stem = refs.stem
        self.table = dict(refs.iris)
        self.page = self.ID[f"page/{refs.stem}"]
        self.build = self.ID[BUILD_PATH]

    def ref(self, *key) -> ox.NamedNode | None:
        iri = self.table.get(key)
        return ox.NamedNode(iri) if iri else None

    def article(self, n: int) -> ox.NamedNode:
        return self.ID[f"article/{self.stem}/{n}"]

    def date(self, iso: str) -> ox.NamedNode:
        return self.ID[f"date/{iso}"]


def page_graph(pe: PageEntities, refs: PageRefs) -> Triples:
    """The named graph of one page: the page, its items, the mentions and the posts it attests."""
    ids = _PageIds(refs)
    g = Triples()
    doc = pe.document
    page = ids.page
    g.add((page, RDF.type, GH.SourcePage))
    g.add((page, RDF.type, PROV.Entity))
    g.add((page, GH.fileName, Literal(doc.page.source)))
    g.add((page, GH.sha256, Literal(doc.page.sha256)))
    g.add((page, GH.encoding, Literal(doc.page.encoding)))
    g.add((page, GH.normalisedText, zh(doc.page.text)))
    # A page graph states nothing about a node another graph describes (the issue, a post): each
    # subject lives in one graph, so the merged dumps hold it in one block and each triple once.
    issue_node, date = ids.ref("issue"), None
    if issue_node is not None:
        date = doc.issue.date
        g.add((page, SCHEMA.isPartOf, issue_node))
    for n, item in enumerate(doc.items, start=1):
        _item(g, ids, n, item, issue_node, date)
    _mentions(g, ids, pe)
    _posts(g, ids, pe, date)
    return with_super_properties(g)


def _item(g: Triples, ids: _PageIds, n: int, item: Item, issue_node, date) -> None:
    node = ids.article(n)
    if item.kind == "photo":
        g.add((node, RDF.type, SCHEMA.Photograph))
        if item.paragraphs:
            g.add((node, SCHEMA.caption, zh("\n".join(p.text for p in item.paragraphs))))
    elif item.kind == "teaser":
        g.add((node, RDF.type, GH.Teaser))
        if item.jump:
            g.add((node, GH.jumpTo, zh(item.jump.text)))
    else:
        g.add((node, RDF.type, SCHEMA.NewsArticle))
        g.add((node, GH.itemKind, Literal(item.kind)))
        if item.kind == "speech":
            g.add((node, RDF.type, GH.Speech))
        if item.kind == "commentary":
            g.add((node, RDF.type, SCHEMA.OpinionNewsArticle))
        if item.paragraphs:
            g.add((node, SCHEMA.articleBody, zh("\n".join(p.text for p in item.paragraphs))))
    headline = item.headline.text if item.headline else None
    if headline is None and item.kind not in ("photo", "teaser"):
        first = item.paragraphs[0].text if item.paragraphs else ""
        headline = first[:24] + ("…" if len(first) > 24 else "")
    if headline:
        g.add((node, SCHEMA.headline, zh(headline.replace("\u3000", " "))))
    for prop, span in ((GH.kicker, item.kicker), (SCHEMA.alternativeHeadline, item.subheadline),
                       (SCHEMA.articleSection, item.section), (SCHEMA.dateline, item.dateline)):
        if span:
            g.add((node, prop, zh(span.text.replace("\n", " "))))
    g.add((node, SCHEMA.position, Literal(n)))
    g.add((node, GH.sourcePage, ids.page))
    g.add((node, PROV.wasDerivedFrom, ids.page))
    g.add((node, PROV.wasGeneratedBy, ids.build))
    g.add((node, GH.startOffset, Literal(item.start)))
    g.add((node, GH.endOffset, Literal(item.end)))
    if issue_node is not None:
        g.add((node, SCHEMA.isPartOf, issue_node))
        g.add((node, SCHEMA.datePublished, Literal(date, datatype=XSD.date)))
    if item.date:     # the day a speech was given, as its note prints it: not the day it was published
        g.add((node, SCHEMA.dateCreated, Literal(item.date, datatype=XSD.date)))
    for c in item.credits:
        person = ids.ref("person", c.name)
        if person is not None:
            g.add((node, CREDIT_PROPERTY[c.role], person))


def _mentions(g: Triples, ids: _PageIds, pe: PageEntities) -> None:
    targets = [("person", ids.ref("person", p.name), p.mentions) for p in pe.people]
    targets += [("org", ids.ref("org", o.name), o.mentions) for o in pe.organisations]
    targets += [("place", ids.ref("place", place_key(p.code, p.name)), p.mentions) for p in pe.places]
    targets += [("slogan", ids.ref("slogan", s.label), s.mentions) for s in pe.slogans]
    targets += [("event", ids.ref("event", event_key(e.name, e.date)), e.mentions) for e in pe.events]
    # A name printed in an item's byline credits the person (schema:author, gh:reporter …); it is
    # not something the item writes about, so it gives the item no schema:mentions.
    bylines = {k: [(c.start, c.end) for c in item.credits] for k, item in enumerate(pe.document.items)}
    for kind, target, mentions in targets:
        for m in mentions:
            in_byline = kind == "person" and any(
                start <= m.start and m.end <= end for start, end in bylines.get(m.item, ()))
            if m.item is not None and not in_byline:
                g.add((ids.article(m.item + 1), SCHEMA.mentions, target))
            ann = f"{ids.ID._ns}mention/{ids.stem}/{m.start}-{m.end}-{kind}"
            node, tgt, sel = ox.NamedNode(ann), ox.NamedNode(f"{ann}#target"), ox.NamedNode(f"{ann}#selector")
            g.add((node, RDF.type, OA.Annotation))
            g.add((node, OA.hasBody, target))
            g.add((node, OA.hasTarget, tgt))
            g.add((node, PROV.wasGeneratedBy, ids.build))
            if m.source:
                g.add((node, GH.foundBy, Literal(m.source)))
            if (fix := pe.corrections.get(("mention", m.start, m.end, kind))) is not None:
                g.add((node, GH.correctedBy, ids.ID[f"correction/{fix}"]))
            g.add((tgt, RDF.type, OA.SpecificResource))
            g.add((tgt, OA.hasSource, ids.page))
            g.add((tgt, OA.hasSelector, sel))
            g.add((sel, RDF.type, OA.TextPositionSelector))
            g.add((sel, OA.start, Literal(m.start, datatype=XSD.nonNegativeInteger)))
            g.add((sel, OA.end, Literal(m.end, datatype=XSD.nonNegativeInteger)))
            g.add((sel, OA.exact, zh(m.text)))


def _posts(g: Triples, ids: _PageIds, pe: PageEntities, date: str | None) -> None:
    """What this page attests of each post: one gh:Attestation per post and item printing it, with
    the title as printed there, the item, the page and the issue date (when the page has one)."""
    seen = set()
    for p in pe.people:
        for post in p.posts:
            membership = ids.ref("membership", p.name, post.org, post.role) if post.org else None
            if membership is None:
                continue
            item = post.mention.item if post.mention else None
            where = str(item + 1) if item is not None else "page"
            node = ids.ID[f"attestation/{ids.stem}/{where}/{membership.value.split('/membership/', 1)[1]}"]
            if node in seen:      # printed twice in one item: the first printing attests it
                continue
            seen.add(node)
            g.add((node, RDF.type, GH.Attestation))
            g.add((node, GH.attests, membership))
            old = ids.ref("replaced membership", p.name, post.org, post.role)
            if old is not None:   # its IRI as an earlier slug rule made it (rdf/legacy.py)
                g.add((ids.ID[f"attestation/{ids.stem}/{where}/{old.value.split('/membership/', 1)[1]}"],
                       DCTERMS.isReplacedBy, node))
            # exactly what the page prints (副主任 after 、), and the title with the organisation's
            # full name (杭州市人大常委会副主任) for reading and matching
            g.add((node, GH.postTitle, zh(post.printed.text if post.printed else post.title)))
            g.add((node, GH.resolvedTitle, zh(post.resolved_title)))
            if post.printed:
                g.add((node, GH.startOffset, Literal(post.printed.start)))
                g.add((node, GH.endOffset, Literal(post.printed.end)))
            g.add((node, GH.sourcePage, ids.page))
            g.add((node, PROV.wasGeneratedBy, ids.build))
            if (fix := pe.corrections.get(("post", p.name, post.org, post.role))) is not None:
                g.add((node, GH.correctedBy, ids.ID[f"correction/{fix}"]))
            if item is not None:
                g.add((node, PROV.wasDerivedFrom, ids.article(item + 1)))
            if date:
                g.add((node, GH.attestedAt, ids.date(date)))
            elif item is not None and (dated := pe.document.items[item]).date:
                # an undated page whose item prints its own date: the post was held that day,
                # read from the words kept as evidence, so the date is marked inferred
                g.add((node, GH.attestedAt, ids.date(dated.date)))
                g.add((node, GH.dateInferred, Literal("true", datatype=XSD.boolean)))
                g.add((node, GH.dateEvidence, zh(dated.date_evidence.text)))
