"""One page's entities: the finders run over every item, bylines and author notes give people,
and the results are gathered into PageEntities."""
from __future__ import annotations

import bisect
import dataclasses
import itertools
import re

from ...model import Document, Mention, OrgRef, PageEntities, PersonRef, Post, Span
from . import recogniser
from .context import Context, page_context
from .events import find_events
from .orgs import OrgHit, find_orgs, occurrences
from .people import NameHit, find_people, plausible_name
from .places import find_places
from .posts import post_chain
from .slogans import find_slogans
from .vetting import foreign_names, model_people
from .words import title_ending_at


def extract(doc: Document) -> PageEntities:
    """Everything found on one page, with mentions pinned to the normalised text."""
    text = doc.page.text
    ctx = page_context(doc)
    item_of = _item_index(doc)
    orgs = find_orgs(text, ctx)
    ents = PageEntities(document=doc)

    # organisations
    by_org: dict[str, OrgRef] = {}
    for h in orgs:
        ref = by_org.setdefault(h.name, OrgRef(h.name, h.kind, parent=h.parent))
        ref.forms.add(h.form)
        ref.mentions.append(Mention(h.start, h.end, h.form, item_of(h.start), h.source))
    # the newspaper is an organisation too: its staff hold posts in it
    paper = doc.issue.newspaper if doc.issue and doc.issue.newspaper else None
    if paper:
        ref = by_org.setdefault(paper, OrgRef(paper, "media"))
        ref.forms.add(paper)

    # people
    people: dict[str, PersonRef] = {}

    def person(name: str) -> PersonRef:
        return people.setdefault(name, PersonRef(name))

    for idx, item in enumerate(doc.items):
        for c in item.credits:
            p = person(c.name)
            p.mentions.append(Mention(c.start, c.end, c.name, idx, "byline"))
            role = c.qualifier or {"photographer": "摄影", "author": "作者", "speaker": None}.get(c.role)
            if role and paper and c.role in ("reporter", "photographer", "correspondent") and c.qualifier and "记者" in c.qualifier:
                at = text.rfind(c.qualifier, item.start, c.start)
                printed = Span(at, at + len(c.qualifier), c.qualifier) if at >= 0 else None
                p.posts.append(Post(c.qualifier, c.qualifier, paper, Mention(c.start, c.end, c.name, idx), printed))
    staff = [("责任编辑", doc.issue.editor)] if doc.issue and doc.issue.editor else []
    staff += [(label, name) for label, name in doc.issue.other.items() if label in STAFF_TITLES] if doc.issue else []
    for title, name in staff:
        if not (plausible_name(name, strict=False) or "·" in name):
            continue
        # the masthead's editor, or the staff printed at the page foot: where the title is printed
        # before the name (the name alone may stand in an article first)
        m = re.compile(re.escape(title) + r"\s*[:：]?\s*(" + re.escape(name) + ")").search(text, doc.issue.start)
        if m is None:
            continue
        at, off = m.start(), m.start(1)
        p = person(name)
        p.mentions.append(Mention(off, off + len(name), name, None, "masthead"))
        if paper:
            p.posts.append(Post(title, title, paper, printed=Span(at, at + len(title), title)))
    for h in _author_notes(doc, ctx, orgs) + _byline_posts(doc, ctx, orgs):
        p = person(h.name)
        for post in h.posts:
            if not any(q.title == post.title and q.org == post.org for q in p.posts):
                p.posts.append(post)
    places = find_places(text, ctx, orgs)
    listed: dict[str, set[Mention]] = {}     # beside each list: `in` on the list was quadratic
    found = find_people(doc, ctx, orgs)
    for h in _whole_dotted_names(text, found + _model_people(text, ctx, orgs, places, found, people)):
        p = person(h.name)
        mention = Mention(h.start, h.end, h.name, item_of(h.start), h.source)
        known = listed.get(h.name)
        if known is None:
            known = listed[h.name] = set(p.mentions)
        if mention not in known:
            p.mentions.append(mention)
            known.add(mention)
        for post in h.posts:
            if not any(q.title == post.title and q.org == post.org for q in p.posts):
                p.posts.append(dataclasses.replace(post, mention=mention))
    # names established on the page: every further occurrence is a mention
    for name, p in people.items():
        known = {(m.start, m.end) for m in p.mentions}
        for start in occurrences(name, text):
            if (start, start + len(name)) not in known:
                p.mentions.append(Mention(start, start + len(name), name, item_of(start), "second-mention"))
        p.mentions.sort(key=lambda m: m.start)
    # an organisation whose name is a person's name + suffix is not that person (and v.v.)
    ents.people = sorted(people.values(), key=lambda p: p.mentions[0].start if p.mentions else 0)
    for o in by_org.values():
        o.mentions.sort(key=lambda m: m.start)
    ents.organisations = sorted(by_org.values(), key=lambda o: (o.mentions[0].start if o.mentions else -1, o.name))

    ents.places = places
    for pl in ents.places:
        pl.mentions = [dataclasses.replace(m, item=item_of(m.start)) for m in pl.mentions]
    ents.slogans = find_slogans(text)
    for s in ents.slogans:
        s.mentions = [dataclasses.replace(m, item=item_of(m.start)) for m in s.mentions]
    ents.events = find_events(text, ctx)
    for e in ents.events:
        e.mentions = [dataclasses.replace(m, item=item_of(m.start)) for m in e.mentions]
    return ents


def _author_notes(doc: Document, ctx: Context, orgs: list[OrgHit]) -> list[NameHit]:
    """(作者系某总工会组织宣教部部长): the post of a signed item's author."""
    out = []
    org_at_end = {h.end: h for h in orgs}
    for idx, item in enumerate(doc.items):
        authors = [c for c in item.credits if c.role == "author"]
        if len(authors) != 1:
            continue
        for para in item.paragraphs:
            m = re.search(r"作者(?:系|为|是)([^))]{2,40})[))]", para.text)
            if not m:
                continue
            end = para.start + m.end(1)
            found = title_ending_at(doc.page.text, end, org_at_end)
            if found:
                posts = post_chain(doc.page.text, found[0], found[1], ctx, org_at_end)
                mention = Mention(authors[0].start, authors[0].end, authors[0].name, idx, "author-note")
                out.append(NameHit(authors[0].start, authors[0].end, authors[0].name,
                                   [dataclasses.replace(p, mention=mention) for p in posts], "author-note"))
    return out


def _byline_posts(doc: Document, ctx: Context, orgs: list[OrgHit]) -> list[NameHit]:
    """`市人大常委会副主任、市总工会主席 某某` in a speech's byline: the posts printed before a
    credited name, a space apart (a post run into the name is found with the text's names)."""
    text, out = doc.page.text, []
    org_at_end = {h.end: h for h in orgs}
    for idx, item in enumerate(doc.items):
        for c in item.credits:
            end = c.start
            while end > 0 and text[end - 1] in " \u3000\t":
                end -= 1
            if end == c.start or c.qualifier:
                continue
            found = title_ending_at(text, end, org_at_end)
            if found:
                mention = Mention(c.start, c.end, c.name, idx, "byline")
                posts = post_chain(text, found[0], found[1], ctx, org_at_end)
                out.append(NameHit(c.start, c.end, c.name, [dataclasses.replace(p, mention=mention) for p in posts],
                                   "byline"))
    return out


def _whole_dotted_names(text: str, hits: list[NameHit]) -> list[NameHit]:
    """A name found in part where the page prints it in parts joined by a dot (阿依努尔 of
    阿依努尔·卡德尔) is the whole name; parts already inside a whole one are dropped."""
    wholes = {}
    named = [(c.start, c.end) for c in recogniser.recognise(text) if c.kind == "PER" and "·" in c.text]
    for h in hits:
        if "·" in text[max(0, h.start - 1):h.end + 1]:
            for s, e in foreign_names(text, [(h.start, h.end)] + named):
                if s <= h.start and h.end <= e:
                    wholes[(h.start, h.end)] = (s, e)
    # a whole found twice (from two of its parts) is one mention: extract() keeps a mention once
    out = []
    for h in hits:
        s, e = wholes.get((h.start, h.end), (h.start, h.end))
        out.append(h if (s, e) == (h.start, h.end) else NameHit(s, e, text[s:e], h.posts, h.source))
    return out


STAFF_TITLES = ("美术编辑", "美编", "校对", "版式设计", "编辑")


def _model_people(text: str, ctx: Context, orgs: list[OrgHit], places, found: list[NameHit],
                  people: dict) -> list[NameHit]:
    """Names the statistical recogniser proposes where no rule saw one (丁某某结合…提出, 某某从…):
    kept only where they pass the surname or transliteration check (vetting.py) and overlap no
    organisation, place or name the rules found; a post title right before one is its post."""
    cands = recogniser.recognise(text)
    if not cands:
        return []
    taken = [(h.start, h.end) for h in orgs] + [(h.start, h.end) for h in found]
    taken += [(m.start, m.end) for p in people.values() for m in p.mentions]
    taken += [(m.start, m.end) for pl in places for m in pl.mentions]
    taken.sort()
    starts = [s for s, _ in taken]
    reach = list(itertools.accumulate((e for _, e in taken), max, initial=0))[1:]
    org_at_end = {h.end: h for h in orgs}
    out = []
    for s, e in model_people(text, cands):
        j = bisect.bisect_left(starts, e) - 1          # the last span starting before e
        if j >= 0 and reach[j] > s:
            continue
        found_title = title_ending_at(text, s, org_at_end)
        posts = post_chain(text, found_title[0], found_title[1], ctx, org_at_end) if found_title else []
        out.append(NameHit(s, e, text[s:e], posts, "model"))
    return out


def _item_index(doc: Document):
    """item_of(offset): the index of the item holding the offset (the one starting last, as a
    photo inside an article), or None. A binary search, so a page of 10,000 items stays fast."""
    spans = sorted((it.start, k, it.end) for k, it in enumerate(doc.items))
    starts = [s for s, _, _ in spans]
    reach = list(itertools.accumulate((e for _, _, e in spans), max))   # furthest end so far

    def item_of(offset: int) -> int | None:
        j = bisect.bisect_right(starts, offset) - 1
        while j >= 0 and reach[j] > offset:      # some item at or before j still reaches the offset
            _, k, end = spans[j]
            if offset < end:
                return k
            j -= 1
        return None
    return item_of
