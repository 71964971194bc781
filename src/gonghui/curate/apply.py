"""Corrections applied: to one page's records before they are resolved, and to the resolved corpus.

Both are pure: `apply_page(pe, fixes)` returns a corrected copy of the page, `apply_corpus` changes
a corpus the build has just made. Each correction reports what it did (`Result`): how often it
applied, the statements it removed and added, and when it did not apply, why — a correction that
applies nowhere is stale (the page changed, or the extractor now gets it right), and the build says
so instead of dropping it silently.

A page's records remember which correction made a mention or a post (`PageEntities.corrections`),
and the corpus which correction changed an entity (`Corpus.curated`): the RDF says so.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable, Iterable

from ..convert.extract import suffix_kind
from ..convert.resolve import Corpus, Organisation, Person, Slogan
from ..model import Mention, OrgRef, PageEntities, PersonRef, PlaceRef, Post, SloganRef, Span
from .corrections import Correction

PAGE_OPS = ("not", "is", "add-post", "remove-post")
CORPUS_OPS = ("split", "merge", "rename", "variants")      # applied in this order
REFS = {"person": "people", "organisation": "organisations", "place": "places", "slogan": "slogans"}
MENTION_KIND = {"person": "person", "organisation": "org", "place": "place", "slogan": "slogan"}


@dataclass
class Result:
    """What one correction did."""
    correction: Correction
    applied: int = 0
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    why: str = ""                 # why it did not apply (the last reason met)

    @property
    def stale(self) -> bool:
        return self.applied == 0

    def absorb(self, other: Result) -> None:
        self.applied += other.applied
        self.removed += other.removed
        self.added += other.added
        self.why = other.why or self.why


class Stale(Exception):
    """This correction does not apply here, and why."""


def _name(ref) -> str:
    return ref.label if isinstance(ref, SloganRef) else ref.name


def _names_of(ref) -> set[str]:
    """The names a correction may call an entity of the page by: its name, and an organisation's forms."""
    return {_name(ref)} | (ref.forms if isinstance(ref, OrgRef) else set())


# ---------------------------------------------------------------- which corrections a page takes

def for_page(corrections: Iterable[Correction], source: str, entities: PageEntities) -> list[Correction]:
    """The page-level corrections that concern page `source`, whose records (the summary the
    resolve pass reads will do) are given: those addressed to it, and those addressed to every page
    that names their target."""
    out = []
    for c in corrections:
        if c.op not in PAGE_OPS:
            continue
        if c.page is not None:
            if c.page == source:
                out.append(c)
        elif c.op == "not" and any(c.text in _names_of(ref) for ref in getattr(entities, REFS[c.kind])):
            out.append(c)
        elif c.op == "remove-post" and any(p.name == c.person and any(post.role == c.role for post in p.posts)
                                           for p in entities.people):
            out.append(c)
    return out


# ---------------------------------------------------------------- one page

def apply_page(pe: PageEntities, fixes: list[Correction]) -> tuple[PageEntities, list[Result]]:
    """A corrected copy of the page, and what each correction did on it."""
    if not fixes:
        return pe, []
    pe = copy.deepcopy(pe)
    results = []
    for c in fixes:
        r = Result(c)
        try:
            _PAGE[c.op](pe, c, r)
        except Stale as why:
            r.why = str(why)
        results.append(r)
    return pe, results


def _source(pe: PageEntities) -> str:
    return pe.document.page.source


def _located(pe: PageEntities, c: Correction) -> tuple[int, int] | None:
    """The span `at` names, checked against the text when the correction gives it too."""
    if c.at is None:
        return None
    start, end = c.at
    text = pe.document.page.text
    if end > len(text):
        raise Stale(f"{_source(pe)} has {len(text)} characters; {start}-{end} is past its end")
    if c.text is not None and text[start:end] != c.text:
        raise Stale(f"{_source(pe)} no longer prints “{c.text}” at {start}-{end} (it prints “{text[start:end]}”)")
    return start, end


def _matches(m: Mention, span: tuple[int, int] | None, text: str | None) -> bool:
    return (m.start, m.end) == span if span else m.text == text


def _item_at(pe: PageEntities, start: int) -> int | None:
    for k, item in enumerate(pe.document.items):
        if item.start <= start < item.end:
            return k
    return None


def _not(pe: PageEntities, c: Correction, r: Result) -> None:
    refs = getattr(pe, REFS[c.kind])
    if c.page is None:                  # this name is never one, on any page
        for ref in [ref for ref in refs if c.text in _names_of(ref)]:
            _drop(pe, c.kind, ref, list(ref.mentions), r)
            r.applied += 1
        if not r.applied:
            raise Stale(f"no {c.kind} named {c.text} on {_source(pe)}")
        return
    span = _located(pe, c)
    for ref in list(refs):
        gone = [m for m in ref.mentions if _matches(m, span, c.text)]
        if gone:
            _drop(pe, c.kind, ref, gone, r)
            r.applied += 1
    if not r.applied:
        at = f"at {span[0]}-{span[1]}" if span else f"printed “{c.text}”"
        raise Stale(f"no {c.kind} mention {at} on {_source(pe)}: the extractor no longer finds one")


def _drop(pe: PageEntities, kind: str, ref, gone: list[Mention], r: Result) -> None:
    """Remove some mentions of an entity of the page (kind as corrections name it); the entity too
    once none is left. What goes is listed in `r.removed`; the caller counts the application."""
    ref.mentions = [m for m in ref.mentions if m not in gone]
    for m in gone:
        r.removed.append(f"{_source(pe)} {m.start}-{m.end} “{m.text}” as a {kind} mention of {_name(ref)}"
                         f" (mention/…/{m.start}-{m.end}-{MENTION_KIND[kind]})")
    if isinstance(ref, PersonRef):
        spans = {(m.start, m.end) for m in gone}
        for post in [p for p in ref.posts if p.mention and (p.mention.start, p.mention.end) in spans]:
            ref.posts.remove(post)
            r.removed.append(f"{_source(pe)}: the post {post.role} of {ref.name} in {post.org} printed there")
        for item in pe.document.items:        # a byline credit at that place credits no one now
            item.credits = [cr for cr in item.credits if (cr.start, cr.end) not in spans or cr.name != ref.name]
    if not ref.mentions and not (isinstance(ref, OrgRef) and _posts_in(pe, ref.name)):
        getattr(pe, REFS[kind]).remove(ref)
        if isinstance(ref, PersonRef):
            for post in ref.posts:
                r.removed.append(f"{_source(pe)}: the post {post.role} of {ref.name} in {post.org}")
            for item in pe.document.items:
                item.credits = [cr for cr in item.credits if cr.name != ref.name]


def _posts_in(pe: PageEntities, org: str) -> bool:
    return any(post.org == org for p in pe.people for post in p.posts)


def _is(pe: PageEntities, c: Correction, r: Result) -> None:
    refs = getattr(pe, REFS[c.kind])
    text = pe.document.page.text
    span = _located(pe, c)
    if span:
        spans = [span]
    else:
        spans = sorted({(m.start, m.end) for ref in refs for m in ref.mentions if m.text == c.text})
        if not spans:                           # the extractor missed it: its first printing
            at = text.find(c.text)
            if at < 0:
                raise Stale(f"{_source(pe)} does not print “{c.text}”")
            spans = [(at, at + len(c.text))]
    target = next((ref for ref in refs if _name(ref) == c.name), None)
    kind = MENTION_KIND[c.kind]
    for start, end in spans:
        if target is not None and any((m.start, m.end) == (start, end) for m in target.mentions):
            r.why = f"the extractor already finds {start}-{end} on {_source(pe)} as {c.name}"
            continue
        for ref in list(refs):
            gone = [m for m in ref.mentions if (m.start, m.end) == (start, end)]
            if gone and ref is not target:   # the span moves to the target
                _drop(pe, c.kind, ref, gone, r)
        if target is None:
            target = _new_ref(c.kind, c.name, text[start:end])
            refs.append(target)
        if isinstance(target, OrgRef):
            target.forms.add(text[start:end])
        if isinstance(target, SloganRef):
            target.variants.add(text[start:end])
        target.mentions.append(Mention(start, end, text[start:end], _item_at(pe, start), "correction"))
        target.mentions.sort(key=lambda m: (m.start, m.end))
        pe.corrections[("mention", start, end, kind)] = c.id
        r.added.append(f"{_source(pe)} {start}-{end} “{text[start:end]}” as a {c.kind} mention of {c.name}")
        r.applied += 1


def _new_ref(kind: str, name: str, printed: str):
    if kind == "person":
        return PersonRef(name)
    if kind == "organisation":
        return OrgRef(name, suffix_kind(name) or "other", {printed, name})
    if kind == "place":
        return PlaceRef(name)
    return SloganRef(name, {printed, name})


def _add_post(pe: PageEntities, c: Correction, r: Result) -> None:
    person = next((p for p in pe.people if p.name == c.person), None)
    if person is None:
        raise Stale(f"{_source(pe)} names no person {c.person}")
    if any(post.org == c.organisation and post.role == c.role for post in person.posts):
        raise Stale(f"the extractor already finds {c.person}'s post {c.role} in {c.organisation} on {_source(pe)}")
    printed = None
    span = _located(pe, c)
    if span is None and c.text is not None:
        at = pe.document.page.text.find(c.text)
        if at < 0:
            raise Stale(f"{_source(pe)} does not print “{c.text}”")
        span = (at, at + len(c.text))
    if span:
        printed = Span(span[0], span[1], pe.document.page.text[span[0]:span[1]])
    if not any(o.name == c.organisation for o in pe.organisations):
        pe.organisations.append(OrgRef(c.organisation, suffix_kind(c.organisation) or "other", {c.organisation}))
    item = _item_at(pe, printed.start) if printed else None
    mention = next((m for m in person.mentions if m.item == item), person.mentions[0] if person.mentions else None)
    person.posts.append(Post(printed.text if printed else c.role, c.role, c.organisation, mention, printed))
    pe.corrections[("post", c.person, c.organisation, c.role)] = c.id
    r.added.append(f"{_source(pe)}: the post {c.role} of {c.person} in {c.organisation}")
    r.applied += 1


def _remove_post(pe: PageEntities, c: Correction, r: Result) -> None:
    for person in pe.people:
        if person.name != c.person:
            continue
        for post in [p for p in person.posts if p.role == c.role and c.organisation in (None, p.org)]:
            person.posts.remove(post)
            r.removed.append(f"{_source(pe)}: the post {post.role} of {c.person} in {post.org}")
            r.applied += 1
    if not r.applied:
        raise Stale(f"{_source(pe)} gives {c.person} no post {c.role}" + (f" in {c.organisation}" if c.organisation else ""))


_PAGE: dict[str, Callable] = {"not": _not, "is": _is, "add-post": _add_post, "remove-post": _remove_post}


# ---------------------------------------------------------------- the corpus

def apply_corpus(corpus: Corpus, names: list, fixes: list[Correction],
                 key_of_iri: Callable[[str, str], str | None]) -> list[Result]:
    """Apply the corpus-level corrections (split, merge, rename, variants) to a resolved corpus.
    `names[k]` are page k's names (rdf.mapping.PageNames); `key_of_iri(kind, iri)` finds the
    entity an IRI was minted for (kind "person" or "org"), so a correction may give IRIs."""
    results = []
    for op in CORPUS_OPS:
        for c in fixes:
            if c.op == op:
                r = Result(c)
                try:
                    _CORPUS[op](corpus, names, c, r, key_of_iri)
                except Stale as why:
                    r.why = str(why)
                results.append(r)
    return results


def _person(corpus: Corpus, ref: str, key_of_iri) -> str:
    """The key of the person a correction means: by IRI, or by a name only one person has."""
    if "://" in ref:
        key = key_of_iri("person", ref)
        if key is None or key not in corpus.people:
            raise Stale(f"no person has the IRI {ref}")
        return key
    keys = corpus.by_name.get(ref, [])
    if not keys:
        raise Stale(f"no person is named {ref}")
    if len(keys) > 1:
        raise Stale(f"{len(keys)} people are named {ref}: give the IRI of the one meant")
    return keys[0]


def _org(corpus: Corpus, ref: str, key_of_iri) -> str:
    if "://" in ref:
        key = key_of_iri("org", ref)
        if key is None:
            raise Stale(f"no organisation has the IRI {ref}")
        return corpus.org_name(key)
    return corpus.org_name(ref)


def _mark(corpus: Corpus, kind: str, key: str, c: Correction) -> None:
    corpus.curated.setdefault((kind, key), set()).add(c.id)


def _merge(corpus: Corpus, names, c: Correction, r: Result, key_of_iri) -> None:
    keys = [_person(corpus, ref, key_of_iri) for ref in c.people]
    keep = keys[0]
    into = corpus.people[keep]
    for key in dict.fromkeys(keys[1:]):
        if key == keep:
            continue
        old = corpus.people.pop(key)
        into.orgs |= old.orgs
        into.roles |= old.roles
        if old.name != into.name:
            into.aliases |= {old.name}
        corpus.by_name[old.name] = [k for k in corpus.by_name[old.name] if k != key]
        if keep not in corpus.by_name[old.name]:
            corpus.by_name[old.name].append(keep)
        for where, k in corpus.person_key.items():
            if k == key:
                corpus.person_key[where] = keep
        corpus.retired[("person", key)] = (keep, old.name)
        corpus.retired_memberships += [((key, org, role), (keep, org, role)) for org, role in sorted(old.roles)]
        r.removed.append(f"the person {key} (its IRI now redirects to the person kept)")
        r.applied += 1
    if not r.applied:
        raise Stale(f"{' and '.join(c.people)} are already one person")
    _mark(corpus, "person", keep, c)
    r.added.append(f"the person {keep}, with every post of the people merged into it")


def _split(corpus: Corpus, names, c: Correction, r: Result, key_of_iri) -> None:
    key = _person(corpus, c.person, key_of_iri)
    org = _org(corpus, c.organisation, key_of_iri)
    person = corpus.people[key]
    moved, kept = set(), set()
    for k, page in enumerate(names):
        if corpus.person_key.get((k, person.name)) != key:
            continue
        posts = {(corpus.org_name(o), role) for n, o, role in page.posts if n == person.name}
        (moved if any(o == org for o, _ in posts) else kept).add(k)
    if not moved:
        raise Stale(f"no page gives {person.name} a post in {org}")
    if not kept:
        raise Stale(f"every page naming {person.name} gives a post in {org}: there is no one to split off")
    new_key = f"{person.name}#{org}"
    if new_key in corpus.people:
        raise Stale(f"{new_key} is already another person")

    def posts_of(pages: set[int]) -> frozenset:
        return frozenset((o, role) for k in pages for n, o, role in names[k].posts if n == person.name)
    before = person.roles
    person.roles = posts_of(kept)
    person.orgs = frozenset(o for o, _ in person.roles)
    split = corpus.people[new_key] = Person(new_key, person.name, roles=posts_of(moved))
    split.orgs = frozenset(o for o, _ in split.roles)
    corpus.by_name[person.name].append(new_key)
    for k in moved:
        corpus.person_key[(k, person.name)] = new_key
    corpus.retired_memberships += [((key, o, role), (new_key, o, role)) for o, role in sorted(before - person.roles)]
    _mark(corpus, "person", key, c)
    _mark(corpus, "person", new_key, c)
    r.added.append(f"the person {new_key}, named on {len(moved)} page(s), apart from {key} ({len(kept)} page(s))")
    r.applied += 1


def _rename(corpus: Corpus, names, c: Correction, r: Result, key_of_iri) -> None:
    old = _org(corpus, c.organisation, key_of_iri)
    new = c.name
    if old not in corpus.organisations:
        raise Stale(f"no organisation {old}")
    if old == new:
        raise Stale(f"the organisation is already named {new}")
    was = corpus.organisations.pop(old)
    into = corpus.organisations.get(new)
    if into is None:
        into = corpus.organisations[new] = Organisation(new, was.kind, was.forms, was.parent, was.place)
    into.forms |= was.forms | {old, new}
    into.parent = into.parent or was.parent
    for o in corpus.organisations.values():
        if o.parent == old:
            o.parent = new
    for alias, name in list(corpus.org_alias.items()):
        if name == old:
            corpus.org_alias[alias] = new
    corpus.org_alias[old] = new
    for person in corpus.people.values():
        if old in person.orgs:
            person.orgs = frozenset(new if o == old else o for o in person.orgs)
            corpus.retired_memberships += [((person.key, old, role), (person.key, new, role))
                                           for o, role in sorted(person.roles) if o == old]
            person.roles = frozenset((new if o == old else o, role) for o, role in person.roles)
    corpus.retired[("org", old)] = (new, old)
    _mark(corpus, "org", new, c)
    r.removed.append(f"the organisation name {old} (its IRI now redirects to {new})")
    r.added.append(f"the organisation {new}, printed {len(into.forms)} way(s)")
    r.applied += 1


def _variants(corpus: Corpus, names, c: Correction, r: Result, key_of_iri) -> None:
    label, others = c.slogans[0], c.slogans[1:]
    present = [v for v in others if v in corpus.slogans and v != label]
    if not present:
        raise Stale(f"no slogan {' or '.join(others)} to make a variant of {label}")
    into = corpus.slogans.setdefault(label, Slogan(label, frozenset({label})))
    for v in present:
        old = corpus.slogans.pop(v)
        into.variants |= old.variants | {v}
        corpus.slogan_alias[v] = label
        corpus.retired[("slogan", v)] = (label, v)
        r.removed.append(f"the slogan {v} (its IRI now redirects to {label})")
        r.applied += 1
    for alias, name in list(corpus.slogan_alias.items()):
        if name in present:
            corpus.slogan_alias[alias] = label
    _mark(corpus, "slogan", label, c)
    r.added.append(f"the slogan {label} with the variants {', '.join(sorted(into.variants - {label}))}")


_CORPUS: dict[str, Callable] = {"merge": _merge, "split": _split, "rename": _rename, "variants": _variants}
