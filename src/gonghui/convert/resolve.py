"""Merge what the pages found into one set of entities for the whole corpus.

The same person or organisation on several pages is one entity with all posts collected. Two
people with the same name stay apart where the text shows it: both hold posts and their
organisations share nothing (not the same body, not one under the other's place).

Pages are read one at a time and only what identity needs is kept (names, forms, posts), so a
large archive can be resolved without holding every page in memory; the mentions stay with the
pages and are mapped page by page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from sys import intern
from typing import Iterable

from ..model import Issue, PageEntities

# The corpus of a large archive holds hundreds of thousands of these: slots and frozensets (the
# empty one is shared, and most people hold no post) keep each to a few hundred bytes.

@dataclass(slots=True)
class Person:
    key: str                      # unique key: the name, or name + "#" + org for a namesake
    name: str
    orgs: frozenset[str] = frozenset()
    roles: frozenset[tuple[str, str]] = frozenset()     # (org, role) of every post
    aliases: frozenset[str] = frozenset()               # other names merged into it by a correction


@dataclass(slots=True)
class Organisation:
    name: str
    kind: str
    forms: frozenset[str] = frozenset()
    parent: str | None = None
    place: str | None = None      # key of the place it is named after (structure.py)


@dataclass(slots=True)
class Place:
    key: str                      # division code or name
    names: frozenset[str] = frozenset()
    level: str | None = None
    code: str | None = None

    @property
    def display_name(self) -> str:
        """The name its IRI and label are made from: the longest (杭州市 over 杭州), then the first."""
        return min(self.names, key=lambda n: (-len(n), n))


@dataclass(slots=True)
class Slogan:
    label: str
    variants: frozenset[str] = frozenset()


@dataclass(slots=True)
class Event:
    name: str
    date: str | None


@dataclass
class Corpus:
    sources: list[str] = field(default_factory=list)          # page file names, in build order
    people: dict[str, Person] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)
    slogans: dict[str, Slogan] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    issues: dict[tuple[str, str], tuple[int, Issue]] = field(default_factory=dict)  # (paper, date) → (page, masthead)
    person_key: dict[tuple[int, str], str] = field(default_factory=dict)  # (page, name) → key
    by_name: dict[str, list[str]] = field(default_factory=dict)           # name → person keys
    # dates items print for themselves on pages without a masthead date (they date attestations)
    item_dates: set[str] = field(default_factory=set)
    # a name merged into another organisation's (structure.py) → that organisation's name
    org_alias: dict[str, str] = field(default_factory=dict)
    # IRIs an earlier lod/ published that the extractor no longer mints (publish/retired.py):
    # relative IRI → the one now meant, or None
    retired_iris: dict[str, str | None] = field(default_factory=dict)
    # what corrections changed (curate/apply.py): a slogan merged into another → its label;
    # (kind, key) of an entity a correction changed → the corrections' ids; (kind, old key) of an
    # entity merged away or renamed → (the key now, the text its old IRI was made from); and the
    # posts whose IRIs that changed: ((person, org, role) before, (person, org, role) now)
    slogan_alias: dict[str, str] = field(default_factory=dict)
    curated: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    retired: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    retired_memberships: list[tuple[tuple, tuple]] = field(default_factory=list)

    def org_name(self, name: str) -> str:
        """The organisation a name a page printed stands for in the corpus."""
        return self.org_alias.get(name, name)

    def slogan_label(self, label: str) -> str:
        """The slogan a label a page printed stands for, after the corrections."""
        return self.slogan_alias.get(label, label)

    def add_org(self, name: str, kind: str, forms: frozenset[str] = frozenset()) -> None:
        """An organisation no page names on its own (structure.py: a federation a printed one
        belongs to, or the enterprise at the start of its office's name)."""
        self.organisations[name] = Organisation(name, kind, forms)

    def add_place(self, key: str, name: str, level: str | None, code: str | None) -> None:
        """A place no page names as a place (structure.py: the division an organisation is named after)."""
        self.places[key] = Place(key, frozenset({name}), level, code)


def place_key(code: str | None, name: str) -> str:
    return code or name


def event_key(name: str, date: str | None) -> str:
    return f"{name}@{date}" if date else name


def resolve(pages: Iterable[PageEntities]) -> Corpus:
    corpus = Corpus()
    for k, page in enumerate(pages):
        add_page(corpus, k, page)
    add_parents(corpus)
    return corpus


def add_page(corpus: Corpus, k: int, page: PageEntities) -> None:
    """Fold one page into the corpus (page k of the build)."""
    corpus.sources.append(page.document.page.source)
    issue = page.document.issue
    if issue and issue.newspaper and issue.date:
        corpus.issues.setdefault((issue.newspaper, issue.date), (k, issue))
    else:
        corpus.item_dates |= {item.date for item in page.document.items if item.date}
    for o in page.organisations:
        org = corpus.organisations.setdefault(o.name, Organisation(o.name, o.kind))
        org.forms |= o.forms
        org.parent = org.parent or o.parent
    for p in page.people:
        # names recur on thousands of pages, each page bringing its own copy: keep one (intern)
        name = intern(p.name)
        orgs = {intern(post.org) for post in p.posts if post.org}
        person = _person_for(corpus, name, orgs)
        if orgs:                  # `|=` with nothing would still make a new (empty) frozenset
            person.orgs |= orgs
            person.roles |= {(intern(post.org), intern(post.role)) for post in p.posts if post.org}
        corpus.person_key[(k, name)] = person.key
    for pl in page.places:
        key = place_key(pl.code, pl.name)
        place = corpus.places.setdefault(key, Place(key, level=pl.level, code=pl.code))
        place.names |= {pl.name}
    for s in page.slogans:
        corpus.slogans.setdefault(s.label, Slogan(s.label)).variants |= s.variants
    for e in page.events:
        corpus.events.setdefault(event_key(e.name, e.date), Event(e.name, e.date))


def add_parents(corpus: Corpus) -> None:
    """Once every page is in: parents named by a sub-organisation are organisations too (the body
    a 党组 belongs to), then the structure of the whole corpus is derived (structure.py)."""
    from .extract import suffix_kind
    from .structure import derive
    for org in list(corpus.organisations.values()):
        if org.parent and org.parent not in corpus.organisations:
            kind = suffix_kind(org.parent)
            if kind:
                corpus.organisations[org.parent] = Organisation(org.parent, kind, frozenset({org.parent}))
            else:
                org.parent = None
    derive(corpus)


def _person_for(corpus: Corpus, name: str, orgs: set[str]) -> Person:
    """The existing person of that name unless both hold posts in unrelated organisations."""
    namesakes = corpus.by_name.setdefault(name, [])
    for key in namesakes:
        p = corpus.people[key]
        if not orgs or not p.orgs or _related(orgs, p.orgs):
            return p
    key = name if not namesakes else f"{name}#{sorted(orgs)[0]}"
    corpus.people[key] = Person(key, name)
    namesakes.append(key)
    return corpus.people[key]


def _related(a: set[str], b: set[str]) -> bool:
    """Share an organisation, or one is the other's sub-body, or they share a place prefix."""
    for x in a:
        for y in b:
            if x == y or x.startswith(y) or y.startswith(x) or x[:3] == y[:3]:
                return True
    return False
