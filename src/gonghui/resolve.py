"""Merge what the pages found into one set of entities for the whole corpus.

The same person or organisation on several pages is one entity with all posts and mentions
collected. Two people with the same name stay apart where the text shows it: both hold posts
and their organisations share nothing (not the same body, not one under the other's place).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .model import Mention, PageEntities, Post


@dataclass
class Attested:
    """A record found on one page: (page index, mention)."""
    page: int
    mention: Mention


@dataclass
class Person:
    key: str                      # unique key: the name, or name + "#" + org for a namesake
    name: str
    posts: list[tuple[int, Post]] = field(default_factory=list)     # (page index, post)
    mentions: list[Attested] = field(default_factory=list)


@dataclass
class Organisation:
    name: str
    kind: str
    forms: set[str] = field(default_factory=set)
    parent: str | None = None
    mentions: list[Attested] = field(default_factory=list)


@dataclass
class Place:
    key: str                      # division code or name
    names: set[str] = field(default_factory=set)
    level: str | None = None
    code: str | None = None
    parent: str | None = None
    mentions: list[Attested] = field(default_factory=list)


@dataclass
class Slogan:
    label: str
    variants: set[str] = field(default_factory=set)
    mentions: list[Attested] = field(default_factory=list)


@dataclass
class Event:
    name: str
    date: str | None
    place: str | None = None
    mentions: list[Attested] = field(default_factory=list)


@dataclass
class Corpus:
    pages: list[PageEntities]
    people: dict[str, Person]
    organisations: dict[str, Organisation]
    places: dict[str, Place]
    slogans: dict[str, Slogan]
    events: dict[str, Event]


def resolve(pages: list[PageEntities]) -> Corpus:
    corpus = Corpus(pages, {}, {}, {}, {}, {})
    for k, page in enumerate(pages):
        for o in page.organisations:
            org = corpus.organisations.setdefault(o.name, Organisation(o.name, o.kind))
            org.forms |= o.forms
            org.parent = org.parent or o.parent
            org.mentions += [Attested(k, m) for m in o.mentions]
        for p in page.people:
            person = _person_for(corpus, p.name, {post.org for post in p.posts if post.org})
            person.posts += [(k, post) for post in p.posts]
            person.mentions += [Attested(k, m) for m in p.mentions]
        for pl in page.places:
            key = pl.code or pl.name
            place = corpus.places.setdefault(key, Place(key, level=pl.level, code=pl.code, parent=pl.parent))
            place.names.add(pl.name)
            place.mentions += [Attested(k, m) for m in pl.mentions]
        for s in page.slogans:
            slogan = corpus.slogans.setdefault(s.label, Slogan(s.label))
            slogan.variants |= s.variants
            slogan.mentions += [Attested(k, m) for m in s.mentions]
        for e in page.events:
            key = f"{e.name}@{e.date}" if e.date else e.name
            event = corpus.events.setdefault(key, Event(e.name, e.date, e.place))
            event.mentions += [Attested(k, m) for m in e.mentions]
    # parents named by a sub-organisation are organisations too (the body a 党组 belongs to)
    for org in list(corpus.organisations.values()):
        if org.parent and org.parent not in corpus.organisations:
            from .extract import suffix_kind
            kind = suffix_kind(org.parent)
            if kind:
                corpus.organisations[org.parent] = Organisation(org.parent, kind, {org.parent})
            else:
                org.parent = None
    return corpus


def _person_for(corpus: Corpus, name: str, orgs: set[str]) -> Person:
    """The existing person of that name unless both hold posts in unrelated organisations."""
    namesakes = [p for p in corpus.people.values() if p.name == name]
    for p in namesakes:
        theirs = {post.org for _, post in p.posts if post.org}
        if not orgs or not theirs or _related(orgs, theirs):
            return p
    key = name if not namesakes else f"{name}#{sorted(orgs)[0]}"
    corpus.people[key] = Person(key, name)
    return corpus.people[key]


def _related(a: set[str], b: set[str]) -> bool:
    """Share an organisation, or one is the other's sub-body, or they share a place prefix."""
    for x in a:
        for y in b:
            if x == y or x.startswith(y) or y.startswith(x) or x[:3] == y[:3]:
                return True
    return False
