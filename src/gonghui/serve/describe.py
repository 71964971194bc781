"""What a resource's page shows, read from the store inside a worker: its own triples (and those of
its blank nodes), its label, the posts it holds or has, the articles that mention it, an issue's contents."""
from __future__ import annotations

import json

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, RdfFormat, Store, Triple, serialize

from .prefixes import PREFIXES, tidy_turtle

_RDF, _RDFS, _SCHEMA, _SKOS, _ORG, _OA, _GH, _TIME, _DCT, _PROV = (
    PREFIXES[p] for p in ("rdf", "rdfs", "schema", "skos", "org", "oa", "gh", "time", "dcterms", "prov"))
RDF_TYPE = NamedNode(_RDF + "type")
DEFAULT = DefaultGraph()
# The first of these a resource has is its label; Chinese (@zh) wins over pinyin.
LABEL_PREDICATES = [NamedNode(i) for i in (_SCHEMA + "name", _SKOS + "prefLabel", _SCHEMA + "headline",
                                           _RDFS + "label", _DCT + "title", _SCHEMA + "caption")]
MAX_DESCRIPTION = 5000     # triples in one resource description
MAX_ROWS = 300             # rows of each list on an HTML page
SNIPPET = 40               # characters of context either side of a mention


def term(t) -> dict:
    """A pyoxigraph term as a small JSON-able dict (the pages module renders these)."""
    if isinstance(t, NamedNode):
        return {"t": "iri", "v": t.value}
    if isinstance(t, BlankNode):
        return {"t": "bnode", "v": t.value}
    if isinstance(t, Literal):
        d = {"t": "lit", "v": t.value}
        if t.language:
            d["lang"] = t.language
        elif t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            d["dt"] = t.datatype.value
        return d
    return {"t": "lit", "v": str(t)}


def _key(t) -> str:
    return str(t)


def _triples(store: Store, s=None, p=None, o=None, limit: int = MAX_DESCRIPTION):
    """Triples matching the pattern in the default graph (which holds the merge of all graphs)."""
    out = []
    for q in store.quads_for_pattern(s, p, o, DEFAULT):
        out.append((q.subject, q.predicate, q.object))
        if len(out) >= limit:
            break
    out.sort(key=lambda t: (_key(t[0]), _key(t[1]), _key(t[2])))
    return out


def _first(store: Store, s, p):
    """The first object of (s, p), Chinese literals preferred, or None."""
    objs = [q.object for q in store.quads_for_pattern(s, NamedNode(p) if isinstance(p, str) else p, None, DEFAULT)]
    if not objs:
        return None
    objs.sort(key=lambda o: (not _is_chinese(o), _key(o)))
    return objs[0]


def _is_chinese(t) -> bool:
    lang = (t.language or "").lower() if isinstance(t, Literal) else ""
    return lang == "zh" or (lang.startswith("zh-") and "latn" not in lang)


def _exists(store: Store, node) -> bool:
    for _ in store.quads_for_pattern(node, None, None, DEFAULT):
        return True
    for _ in store.quads_for_pattern(None, None, node, DEFAULT):
        return True
    return False


def _own(store: Store, node, out: list, seen: set) -> None:
    """The node's triples, plus those of its blank nodes and `#fragment` sub-resources (a mention's
    `#target` and `#selector`), which have no page of their own."""
    prefix = node.value + "#"
    todo, done = [node], set()
    while todo and len(out) < MAX_DESCRIPTION:
        s = todo.pop()
        if s in done:
            continue
        done.add(s)
        for t in _triples(store, s=s):
            if t not in seen:
                seen.add(t)
                out.append(t)
            o = t[2]
            if isinstance(o, BlankNode) or (isinstance(o, NamedNode) and o.value.startswith(prefix)):
                todo.append(o)


# Nodes that exist only to say something about what they point at: a post (org:Membership, with
# the gh:Attestation of each printing) and a mention (oa:Annotation). They travel with it.
_CARRIERS = {NamedNode(_ORG + "Membership"), NamedNode(_OA + "Annotation")}
_ATTESTS = NamedNode(_GH + "attests")


def description(store: Store, node: NamedNode) -> list:
    """What dereferencing the IRI as RDF gives (documented in ontology/README.md): the resource's own
    triples, every triple that points at it, and the whole description of the posts and mentions
    that point at it — so a person's RDF holds the posts and mentions its HTML page shows."""
    out: list = []
    seen: set = set()
    _own(store, node, out, seen)
    for t in _triples(store, o=node):
        if len(out) >= MAX_DESCRIPTION:
            break
        if t not in seen:
            seen.add(t)
            out.append(t)
        s = t[0]
        if not any(True for _ in store.quads_for_pattern(s, RDF_TYPE, None, DEFAULT)
                   if _.object in _CARRIERS) or s == node:
            continue
        _own(store, s, out, seen)
        for a, _, _ in _triples(store, p=_ATTESTS, o=s):
            _own(store, a, out, seen)
    return out[:MAX_DESCRIPTION]


def label(store: Store, node) -> str | None:
    if not isinstance(node, NamedNode):
        return None
    for p in LABEL_PREDICATES:
        o = _first(store, node, p)
        if o is not None:
            return o.value
    return None


def _date_of(store: Store, article) -> str | None:
    d = _first(store, article, _SCHEMA + "datePublished")
    if d is None:
        issue = _first(store, article, _SCHEMA + "isPartOf")
        d = _first(store, issue, _SCHEMA + "datePublished") if isinstance(issue, NamedNode) else None
    return d.value if d is not None else None


def _created(store: Store, article) -> str | None:
    """The date an undated page's item gives itself (a speech's dateline), when there is one."""
    d = _first(store, article, _SCHEMA + "dateCreated") if article is not None else None
    return d.value if d is not None else None


def _int(t) -> int | None:
    try:
        return int(t.value)
    except (AttributeError, ValueError):
        return None


def mentions(store: Store, node: NamedNode) -> list[dict]:
    """Where the resource is named: article, date, and the text around each mention."""
    texts, articles_on, rows, annotated = {}, {}, [], set()
    for ann, _, _ in _triples(store, p=NamedNode(_OA + "hasBody"), o=node, limit=MAX_ROWS):
        target = _first(store, ann, _OA + "hasTarget")
        page = _first(store, target, _OA + "hasSource") if target is not None else None
        sel = _first(store, target, _OA + "hasSelector") if target is not None else None
        start = _int(_first(store, sel, _OA + "start")) if sel is not None else None
        end = _int(_first(store, sel, _OA + "end")) if sel is not None else None
        exact = _first(store, sel, _OA + "exact") if sel is not None else None
        row = {"annotation": ann.value, "exact": exact.value if exact is not None else None,
               "start": start, "article": None, "headline": None, "date": None, "before": "", "after": ""}
        if page is not None:
            if page not in texts:
                text = _first(store, page, _GH + "normalisedText")
                texts[page] = text.value if text is not None else ""
                articles_on[page] = [(a, _int(_first(store, a, _GH + "startOffset")),
                                      _int(_first(store, a, _GH + "endOffset")))
                                     for a, _, _ in _triples(store, p=NamedNode(_GH + "sourcePage"), o=page)]
            text = texts[page]
            if start is not None and end is not None and end <= len(text):
                row["before"] = text[max(0, start - SNIPPET):start].replace("\n", " ")
                row["after"] = text[end:end + SNIPPET].replace("\n", " ")
                row["exact"] = text[start:end]
                for a, a_start, a_end in articles_on[page]:
                    if a_start is not None and a_end is not None and a_start <= start < a_end:
                        row["article"] = a.value
                        break
        if row["article"]:
            article = NamedNode(row["article"])
            annotated.add(row["article"])
            row["headline"] = label(store, article)
            row["date"] = _date_of(store, article)
            row["created"] = None if row["date"] else _created(store, article)
        rows.append(row)
    # Articles that say they mention the resource but carry no positioned annotation.
    for article, _, _ in _triples(store, p=NamedNode(_SCHEMA + "mentions"), o=node, limit=MAX_ROWS):
        if article.value not in annotated:
            rows.append({"annotation": None, "exact": None, "start": None, "article": article.value,
                         "headline": label(store, article), "date": _date_of(store, article),
                         "before": "", "after": ""})
    rows.sort(key=lambda r: (r["date"] or r.get("created") or "9999", r["article"] or "", r["start"] or 0))
    return rows[:MAX_ROWS]


def attestations(store: Store, membership) -> list[dict]:
    """The printings of a post (gh:Attestation): the title as printed, the item and its date."""
    rows = []
    for a, _, _ in _triples(store, p=NamedNode(_GH + "attests"), o=membership, limit=MAX_ROWS):
        instant = _first(store, a, _GH + "attestedAt")
        date = _first(store, instant, _TIME + "inXSDDate") if instant is not None else None
        item = _first(store, a, _PROV + "wasDerivedFrom")
        resolved = _first(store, a, _GH + "resolvedTitle")
        inferred = _first(store, a, _GH + "dateInferred")
        for q in store.quads_for_pattern(a, NamedNode(_GH + "postTitle"), None, DEFAULT):
            rows.append({"title": q.object.value, "date": date.value if date is not None else None,
                         "resolved": resolved.value if resolved is not None else q.object.value,
                         "inferred": inferred is not None and inferred.value == "true",
                         "article": item.value if item is not None else None})
    rows.sort(key=lambda r: (r["date"] or "9999", r["article"] or "", r["title"]))
    return rows


def posts(store: Store, node: NamedNode, by: str) -> list[dict]:
    """Memberships of a person (by="member") or in an organisation (by="organization"), by date."""
    rows = []
    for m, _, _ in _triples(store, p=NamedNode(_ORG + by), o=node, limit=MAX_ROWS):
        printed = attestations(store, m)
        rows.append({"membership": m.value,
                     "person": getattr(_first(store, m, _ORG + "member"), "value", None),
                     "org": getattr(_first(store, m, _ORG + "organization"), "value", None),
                     "role": getattr(_first(store, m, _ORG + "role"), "value", None),
                     "title": printed[0]["resolved"] if printed else None,
                     "printed": sorted({r["title"] for r in printed}),
                     "inferred": sorted({r["date"] for r in printed if r["inferred"] and r["date"]}),
                     "dates": sorted({r["date"] for r in printed if r["date"]}),
                     "attestations": printed})
    rows.sort(key=lambda r: ((r["dates"] or ["9999"])[0], r["title"] or "", r["membership"]))
    return rows


def contents(store: Store, issue: NamedNode) -> list[dict]:
    """The items of an issue in page order."""
    rows = []
    for a, _, _ in _triples(store, p=NamedNode(_SCHEMA + "isPartOf"), o=issue, limit=MAX_ROWS):
        page = _first(store, a, _GH + "sourcePage")
        if page is None:        # the issue's source pages are part of it too; they are not items
            continue
        rows.append({"article": a.value, "headline": label(store, a),
                     "page": page.value,
                     "position": _int(_first(store, a, _SCHEMA + "position")) or 0})
    rows.sort(key=lambda r: (r["page"], r["position"], r["article"]))
    return rows


MAX_READER_MENTIONS = 5000
MAX_TREE = 300             # organisations shown under one
_SUB = NamedNode(_ORG + "subOrganizationOf")


def tree(store: Store, org: NamedNode) -> dict:
    """The organisation's parents up to the top, and the bodies under it, depth first (at most
    MAX_TREE; a cycle in the data is cut where it closes)."""
    parents, at, seen = [], org, {org}
    while (up := _first(store, at, _SUB)) is not None and up not in seen and len(parents) < 20:
        parents.append(up.value)
        seen.add(up)
        at = up
    count = [0]

    def below(node, depth):
        out = []
        for child, _, _ in _triples(store, p=_SUB, o=node, limit=MAX_TREE):
            if child in seen or count[0] >= MAX_TREE or depth > 6:
                continue
            seen.add(child)
            count[0] += 1
            out.append({"org": child.value, "children": below(child, depth + 1)})
        return out
    return {"parents": parents, "children": below(org, 0)}


def _walk(children: list[dict]):
    for c in children:
        yield c
        yield from _walk(c["children"])


TOGETHER = 15             # people listed as most often named with a person


def together(store: Store, person: NamedNode) -> list[dict]:
    """The people most often named in the same articles as this one: (person, articles), most first."""
    mentions, person_type = NamedNode(_SCHEMA + "mentions"), NamedNode(_SCHEMA + "Person")
    counts: dict[str, int] = {}
    for article, _, _ in _triples(store, p=mentions, o=person, limit=MAX_ROWS):
        for _, _, other in _triples(store, s=article, p=mentions, limit=MAX_ROWS):
            if other != person and isinstance(other, NamedNode) and any(
                    True for _ in store.quads_for_pattern(other, RDF_TYPE, person_type, DEFAULT)):
                counts[other.value] = counts.get(other.value, 0) + 1
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOGETHER]
    return [{"person": p, "articles": n} for p, n in top]


def reader(store: Store, page: NamedNode) -> dict:
    """A source page's normalised text and every mention on it (start, end, the entity, its kind
    and label), for the page reader; the offsets index the text."""
    text = _first(store, page, _GH + "normalisedText")
    marks = []
    for target, _, _ in _triples(store, p=NamedNode(_OA + "hasSource"), o=page, limit=MAX_READER_MENTIONS):
        sel = _first(store, target, _OA + "hasSelector")
        start = _int(_first(store, sel, _OA + "start")) if sel is not None else None
        end = _int(_first(store, sel, _OA + "end")) if sel is not None else None
        for ann, _, _ in _triples(store, p=NamedNode(_OA + "hasTarget"), o=target, limit=4):
            body = _first(store, ann, _OA + "hasBody")
            if start is None or end is None or not isinstance(body, NamedNode):
                continue
            kind = ann.value.rsplit("-", 1)[-1] if "-" in ann.value else ""
            marks.append({"start": start, "end": end, "entity": body.value, "kind": kind,
                          "label": label(store, body)})
    marks.sort(key=lambda m: (m["start"], -m["end"], m["entity"]))
    return {"text": text.value if text is not None else "", "marks": marks}


def page_data(store: Store, node: NamedNode) -> dict:
    """Everything the HTML page of one resource shows, as plain JSON-able data."""
    own: list = []
    _own(store, node, own, set())
    incoming = _triples(store, o=node, limit=MAX_ROWS)
    types = sorted({t[2].value for t in own if t[0] == node and t[1] == RDF_TYPE})
    data = {
        "iri": node.value,
        "label": label(store, node),
        "types": types,
        "triples": [[term(s), term(p), term(o)] for s, p, o in own],
        "incoming": [[term(s), term(p)] for s, p, _ in incoming],
        "mentions": mentions(store, node),
        "posts": posts(store, node, "member") if _SCHEMA + "Person" in types else [],
        "members": posts(store, node, "organization") if _ORG + "Organization" in types else [],
        "contents": contents(store, node) if _SCHEMA + "PublicationIssue" in types else [],
        "reader": reader(store, node) if _GH + "SourcePage" in types else None,
        "tree": tree(store, node) if _ORG + "Organization" in types else None,
        # a slogan's usage and the papers naming an organisation come from the server's index
        # (browse_index.py), not from here: they sum every article, which here meant walking them all
        "together": together(store, node) if _SCHEMA + "Person" in types else [],
    }
    # Labels for every IRI the page links to, so links read as names rather than IRIs.
    iris = {t["v"] for row in data["triples"] + data["incoming"] for t in row if t["t"] == "iri"}
    iris |= {r[k] for r in data["posts"] + data["members"] for k in ("person", "org", "role") if r[k]}
    iris |= set(types)
    iris |= {r["person"] for r in data["together"]}
    if data["tree"]:
        iris |= {o for o in data["tree"]["parents"]} | {c["org"] for c in _walk(data["tree"]["children"])}
    data["labels"] = {i: lab for i in sorted(iris)[:2000] if (lab := label(store, NamedNode(i)))}
    return data


# The kinds of resource under the base (id:{kind}/…), each found by its class, as the contract in
# ontology/README.md lists them; an index page lists the kinds, then the resources of one kind.
KINDS = {"newspaper": ["schema:Newspaper"], "issue": ["schema:PublicationIssue"], "page": ["gh:SourcePage"],
         "article": ["schema:NewsArticle", "schema:Photograph", "gh:Teaser"], "person": ["schema:Person"],
         "org": ["org:Organization"], "membership": ["org:Membership"], "attestation": ["gh:Attestation"],
         "role": ["org:Role"], "slogan": ["gh:Slogan"], "place": ["schema:Place"], "event": ["schema:Event"],
         "date": ["time:Instant"], "mention": ["oa:Annotation"]}
INDEX_PAGE = 500          # resources listed on one page of a kind's index


def _class(curie: str) -> NamedNode:
    prefix, _, local = curie.partition(":")
    return NamedNode(PREFIXES[prefix] + local)


def _of_kind(store: Store, base: str, kind: str) -> list[NamedNode]:
    start = base + kind + "/"
    found = {q.subject for name in KINDS[kind]
             for q in store.quads_for_pattern(None, RDF_TYPE, _class(name), DEFAULT)
             if isinstance(q.subject, NamedNode) and q.subject.value.startswith(start)}
    return sorted(found, key=lambda n: n.value)


def index(store: Store, job: dict) -> tuple[int, str, bytes]:
    """/id/ (the kinds with their counts) or /id/{kind}/ (one page of its resources, by IRI)."""
    base, kind = job["base"], job["kind"]
    if not kind:
        data = {"kinds": [{"kind": k, "count": len(_of_kind(store, base, k))} for k in KINDS]}
        return 200, "application/json", json.dumps(data).encode()
    if kind not in KINDS:
        return 404, "text/plain", f"there is no kind of resource called {kind!r} here".encode()
    nodes = _of_kind(store, base, kind)
    offset = max(0, job.get("offset", 0))
    rows = [{"iri": n.value, "label": label(store, n)} for n in nodes[offset:offset + INDEX_PAGE]]
    data = {"kind": kind, "total": len(nodes), "offset": offset, "limit": INDEX_PAGE, "rows": rows}
    return 200, "application/json", json.dumps(data, ensure_ascii=False).encode()


def describe(store: Store, job: dict) -> tuple[int, str, bytes]:
    """Find the first candidate IRI the data knows and describe it as RDF or as page data; an IRI
    the data says is replaced (dcterms:isReplacedBy: a slug minted by an earlier rule) gives 301
    and the IRI that replaces it."""
    for iri in job["candidates"]:
        try:
            node = NamedNode(iri)
        except ValueError:      # not an IRI at all (a stray %FF or %3C in the path): unknown
            continue
        if _exists(store, node):
            break
    else:
        return 404, "text/plain", f"nothing is known about <{job['candidates'][0]}>".encode()
    new = _first(store, node, _DCT + "isReplacedBy")
    if isinstance(new, NamedNode):
        return 301, "text/uri-list", new.value.encode()
    if _first(store, node, "http://www.w3.org/2002/07/owl#deprecated") is not None and \
            _first(store, node, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type") is None:
        # an IRI an earlier extractor published for what was no entity (publish/retired.py)
        return 410, "text/plain", f"<{node.value}> was published once and has been withdrawn".encode()
    if job.get("rdf"):
        fmt_name, media = job["rdf"]
        fmt = getattr(RdfFormat, fmt_name)
        triples = [Triple(*t) for t in description(store, node)]
        body = serialize(triples, None, fmt, prefixes=PREFIXES if fmt == RdfFormat.TURTLE else None)
        return 200, media, tidy_turtle(body) if fmt == RdfFormat.TURTLE else body
    return 200, "application/json", json.dumps(page_data(store, node), ensure_ascii=False).encode()
