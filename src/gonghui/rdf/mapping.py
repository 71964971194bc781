"""Map the resolved corpus to RDF, following ontology/README.md (the core contract).

The dataset is a set of named graphs that share no subject (so none shares a triple):
- `graph/entities`: people, organisations, places, slogans, events, roles, newspapers, issues,
  dates and the core of every post (member, organisation, role), built from the `Corpus`;
- `graph/build`: the build as a prov:Activity, and `<old> dcterms:isReplacedBy <new>` for every
  IRI an earlier slug rule minted differently (rdf/legacy.py), so published IRIs keep resolving;
- `graph/page/{stem}`: one per source page, made by `page_graph.page_graph` from the page and
  its `PageRefs` (the IRIs its names resolve to in the corpus, made here).

Terms are pyoxigraph terms (fast to make, hash and serialise); graphs are `Triples`.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, fields
from sys import intern

import pyoxigraph as ox

from .. import __version__, vocab
from ..convert.extract import recogniser
from ..convert.resolve import Corpus, event_key, place_key
from ..model import PageEntities
from ..vocab import DEFAULT_BASE
from .iri import Minter, pinyin_label
from .legacy import legacy_minter, legacy_slug, retired_statements


class _Namespace:
    """vocab's namespaces as pyoxigraph IRIs: GH.Teaser, SCHEMA["name"]."""

    def __init__(self, ns):
        self._ns = str(ns)

    def __getattr__(self, name: str) -> ox.NamedNode:      # a vocabulary term, kept
        if name.startswith("_"):
            raise AttributeError(name)
        node = ox.NamedNode(self._ns + name)
        setattr(self, name, node)
        return node

    def __getitem__(self, name: str) -> ox.NamedNode:      # any IRI under the namespace
        return ox.NamedNode(self._ns + name)


GH, OA, ORG, SCHEMA, TIME = (_Namespace(ns) for ns in (vocab.GH, vocab.OA, vocab.ORG, vocab.SCHEMA, vocab.TIME))
PROV, RDFS, SKOS, XSD = (_Namespace(ns) for ns in (vocab.PROV, vocab.RDFS, vocab.SKOS, vocab.XSD))
DCTERMS = _Namespace("http://purl.org/dc/terms/")
OWL = _Namespace("http://www.w3.org/2002/07/owl#")
RDF = _Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")


class Triples(dict):
    """A graph: a set of (subject, predicate, object) tuples of pyoxigraph terms, kept in
    insertion order (dict keys). Plain tuples: an ox.Triple makes new term objects at every
    attribute access, which costs more than the mapping itself."""

    def add(self, spo: tuple) -> None:
        self[spo] = None


# The super-properties the ontology declares, stated beside each use so a query for
# schema:contributor or schema:identifier finds them without a reasoner. Not gh:sourcePage ⊑
# prov:wasDerivedFrom: on an attestation prov:wasDerivedFrom names the item, and a second value
# (the page) would double every row of a query that follows it (ontology/README.md says so).
SUPER_PROPERTIES = {GH.correspondent: SCHEMA.contributor, GH.photographer: SCHEMA.contributor,
                    GH.reporter: SCHEMA.contributor, GH.cnSerial: SCHEMA.identifier,
                    GH.divisionCode: SCHEMA.identifier, GH.postalDistributionCode: SCHEMA.identifier,
                    GH.printPermit: SCHEMA.identifier, GH.correctedBy: PROV.wasInfluencedBy}


def with_super_properties(g: Triples) -> Triples:
    """Add (s, super, o) after each (s, p, o) whose p has a declared super-property."""
    for s, p, o in list(g):
        if p in SUPER_PROPERTIES:
            g.add((s, SUPER_PROPERTIES[p], o))
    return g


def Literal(value, lang: str | None = None, datatype: ox.NamedNode | None = None) -> ox.Literal:
    """A literal the way rdflib made one: ints are xsd:integer, other values plain strings."""
    if lang:
        return ox.Literal(str(value), language=lang)
    if datatype is None and isinstance(value, int):
        datatype = XSD.integer
    return ox.Literal(str(value), datatype=datatype) if datatype else ox.Literal(str(value))


BUILD_PATH = f"build/{__version__}"      # the build (a prov:Activity) under the base; every graph uses it
ORG_CLASS = {"union": GH.TradeUnion, "party": GH.PartyBody, "government": GH.GovernmentBody,
             "legislature": GH.Legislature, "company": GH.Company, "association": GH.Association,
             "media": GH.MediaOrganisation, "school": GH.School}
CREDIT_PROPERTY = {"reporter": GH.reporter, "correspondent": GH.correspondent, "photographer": GH.photographer,
                   "author": SCHEMA.author, "speaker": SCHEMA.author}


def zh(text: str) -> ox.Literal:
    return ox.Literal(text, language="zh")


def file_stem(source: str) -> str:
    """The IRI-safe stem of a page's file name: 000_4b75a84f.txt → 000_4b75a84f. A name with other
    characters (第一版.txt) gets its pinyin and a short hash of the name, so two pages never share
    an IRI and the same file always gets the same one."""
    stem = source.rsplit(".", 1)[0] if "." in source else source
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-.")
    if safe == stem and safe:
        return safe
    # the old slug rule, kept: a page's IRI (and its items', mentions') carries the hash anyway,
    # so it gains nothing from better word cuts and must not move
    from .iri import short_hash
    return f"{legacy_slug(stem)}-{short_hash(source)}"


class Mapper:
    """Mints the IRIs of a corpus and maps it to graphs."""

    def __init__(self, corpus: Corpus, base: str = DEFAULT_BASE):
        self.c = corpus
        self.base = base if base.endswith(("/", "#")) else base + "/"
        self.ID = _Namespace(self.base)
        self.mint, self.legacy = Minter(), legacy_minter()
        self._nodes: dict[str, dict] = {}
        self._build = self.ID[BUILD_PATH]      # one object: every membership refers to it
        for kind, keys in self.slug_keys().items():
            # the old rule also named the organisations since merged into another (a short form,
            # a paper's title): their old IRIs must lead somewhere too (replaced())
            old_keys = {**keys, **{a: a for a in self.c.org_alias}} if kind == "org" else keys
            # an entity a correction merged away or renamed keeps its IRI (which now redirects),
            # minted among the others as it was before the correction, so no IRI changes hands
            retired = {k: text for (of, k), (_, text) in self.c.retired.items() if of == kind}
            old_keys = {**retired, **old_keys}
            self.legacy.assign(kind, old_keys)
            # an old IRI keeps meaning what it meant: no other entity is given it now
            self.mint.assign(kind, {**retired, **keys}, reserved={self.legacy(kind, k): k for k in old_keys})
        self._papers = frozenset(paper for paper, _ in corpus.issues)

    def slug_keys(self) -> dict[str, dict[str, str]]:
        """kind → {key → the text its slug is made from}, for every kind of entity."""
        c = self.c
        return {"person": {k: p.name for k, p in c.people.items()}, "org": {k: k for k in c.organisations},
                "place": {k: p.display_name for k, p in c.places.items()}, "slogan": {k: k for k in c.slogans},
                "event": {k: k.replace("@", " ") for k in c.events}, "role": {r: r for r in self.roles()},
                "newspaper": {paper: paper for paper, _ in c.issues}}

    def roles(self) -> list[str]:
        return sorted({role for p in self.c.people.values() for _, role in p.roles})

    @staticmethod
    def slug_texts(pe: PageEntities) -> set[str]:
        """The texts `__init__` will likely make slugs of for this page's names (as above), so the
        conversion workers can make them in parallel; a text missed here is made when minting."""
        texts = {post.role for p in pe.people for post in p.posts}
        texts |= {o.name for o in pe.organisations} | {pl.name for pl in pe.places}
        texts |= {s.label for s in pe.slogans} | {event_key(e.name, e.date).replace("@", " ") for e in pe.events}
        if pe.document.issue and pe.document.issue.newspaper:
            texts.add(pe.document.issue.newspaper)
        return {(t, False) for t in texts} | {(p.name, True) for p in pe.people}

    # ------------------------------------------------------------ IRIs
    def person(self, key): return self._entity("person", key)
    def org(self, key):
        """An organisation's IRI: a merged name's body, and a newspaper's own node for an
        organisation that has a newspaper's title (its staff hold posts in it)."""
        key = self.c.org_name(key)
        return self.newspaper(key) if key in self._papers else self._entity("org", key)
    def place(self, key): return self._entity("place", key)
    def slogan(self, key): return self._entity("slogan", self.c.slogan_label(key))
    def event(self, key): return self._entity("event", key)
    def role(self, key): return self._entity("role", key)
    def newspaper(self, name): return self._entity("newspaper", name)
    def issue(self, paper, date): return self.ID[f"issue/{self.mint('newspaper', paper)}/{date}"]
    def page(self, k): return self.ID[f"page/{file_stem(self.c.sources[k])}"]
    def article(self, k, n): return self.ID[f"article/{file_stem(self.c.sources[k])}/{n}"]
    def date(self, iso): return self.ID[f"date/{iso}"]
    def build(self): return self._build
    def software(self): return self.ID[f"software/gonghui/{__version__}"]
    def correction(self, id): return self.ID[f"correction/{id}"]

    def _entity(self, kind: str, key: str) -> ox.NamedNode:
        """One IRI object per entity: an organisation or a role recurs in thousands of triples, and
        at 10,000 pages separate copies cost hundreds of megabytes."""
        nodes = self._nodes.setdefault(kind, {})
        node = nodes.get(key)
        if node is None:
            node = nodes[key] = self.ID[f"{kind}/{self.mint(kind, key)}"]
        return node

    def membership(self, person_key, org, role, mint=None, aliased=True):
        """A post's IRI; with `aliased` False, of the organisation key as given, not the body a
        name stands for now (a post's IRI before a correction renamed its organisation)."""
        mint = mint or self.mint
        org = self.c.org_name(org) if aliased else org
        return self.ID[f"membership/{mint('person', person_key)}/{mint('org', org)}/{mint('role', role)}"]

    def replaced(self) -> list[tuple[ox.NamedNode, ox.NamedNode]]:
        """(old IRI, new IRI) for every entity, issue and post whose IRI the slug rule before this
        one (rdf/legacy.py) made differently, and for every organisation merged into another, sorted;
        the attestations' are in the page graphs."""
        pairs = {}
        for kind, keys in self.slug_keys().items():
            for key in keys:
                new = self.org(key) if kind == "org" else self._entity(kind, key)
                old = self.ID[f"{kind}/{self.legacy(kind, key)}"]
                if old != new:
                    pairs[old] = new
        for alias, name in self.c.org_alias.items():
            old = self.ID[f"org/{self.legacy('org', alias)}"]
            if name in self.c.organisations and old != self.org(name):
                pairs[old] = self.org(name)
        for (kind, key), (now, _) in self.c.retired.items():      # merged away or renamed by a correction
            pairs[self.ID[f"{kind}/{self.mint(kind, key)}"]] = self.org(now) if kind == "org" else self._entity(kind, now)
        for (person, org, role), now in self.c.retired_memberships:
            if ("org", org) not in self.c.retired:        # a body since merged into another, by its name now
                org = self.c.org_name(org)
            minted = org in self.c.organisations or ("org", org) in self.c.retired
            if minted and self.c.org_name(now[1]) in self.c.organisations:
                pairs[self.membership(person, org, role, aliased=False)] = self.membership(*now)
        for paper, date in self.c.issues:
            old = self.ID[f"issue/{self.legacy('newspaper', paper)}/{date}"]
            if old != self.issue(paper, date):
                pairs[old] = self.issue(paper, date)
        for key, p in self.c.people.items():
            for org, role in p.roles:
                if self.c.org_name(org) in self.c.organisations:
                    old = self.ID[f"membership/{self.legacy('person', key)}/{self.legacy('org', org)}/"
                                  f"{self.legacy('role', role)}"]
                    new = self.membership(key, org, role)
                    if old != new:
                        pairs[old] = new
        return sorted(pairs.items(), key=lambda pair: pair[0].value)

    def graph_name(self, k: int | str) -> ox.NamedNode:
        return self.ID[f"graph/page/{file_stem(self.c.sources[k])}" if isinstance(k, int) else f"graph/{k}"]

    def _label(self, g, node, text, person=False):
        g.add((node, RDFS.label, zh(text)))
        py = pinyin_label(text, person)
        if py:
            g.add((node, RDFS.label, Literal(py, lang="zh-Latn-pinyin")))

    # ------------------------------------------------------------ the build
    def build_graph(self, corrections: list | None = None) -> Triples:
        """The build, and the corrections it applied (curate.Result): each a gh:Correction (a
        prov:Activity) with who made it and when as its file says, and the statements it removed."""
        g = Triples()
        b, sw = self.build(), self.software()
        g.add((b, RDF.type, PROV.Activity))
        g.add((b, RDFS.label, Literal(f"gonghui build {__version__}", lang="en")))
        g.add((b, PROV.wasAssociatedWith, sw))
        g.add((sw, RDF.type, PROV.SoftwareAgent))
        g.add((sw, SCHEMA.name, Literal("gonghui")))
        g.add((sw, SCHEMA.softwareVersion, Literal(__version__)))
        if recogniser.enabled():     # which mentions say gh:foundBy "model" depends on it
            g.add((sw, SCHEMA.softwareRequirements, Literal(recogniser.MODEL_NAME)))
        for k in range(len(self.c.sources)):
            g.add((b, PROV.used, self.page(k)))
        replaced = self.replaced()
        for old, new in replaced:
            g.add((old, DCTERMS.isReplacedBy, new))
        for old, new in retired_statements(self, {old.value for old, _ in replaced}):
            g.add((old, DCTERMS.isReplacedBy, new) if new else (old, OWL.deprecated, ox.Literal(True)))
        for r in corrections or ():
            self._correction(g, r)
        return g

    def minted(self) -> set[str]:
        """Every entity, post and issue IRI this build mints."""
        out = {self._entity(kind, key).value for kind, keys in self.slug_keys().items() for key in keys}
        out |= {self.org(key).value for key in self.c.organisations}
        out |= {self.membership(key, org, role).value for key, p in self.c.people.items() for org, role in p.roles}
        return out | {self.issue(paper, date).value for paper, date in self.c.issues}

    def _correction(self, g: Triples, r) -> None:
        c, node = r.correction, self.correction(r.correction.id)
        g.add((self.build(), PROV.wasInformedBy, node))
        g.add((node, RDF.type, GH.Correction))
        g.add((node, GH.operation, Literal(c.op)))
        g.add((node, RDFS.label, Literal(c.describe())))
        g.add((node, DCTERMS.source, Literal(c.file)))
        if c.by:
            agent = self.ID[f"agent/{self.mint.make(c.by, 'person')}"]
            g.add((node, PROV.wasAssociatedWith, agent))
            g.add((agent, RDF.type, PROV.Person))
            g.add((agent, SCHEMA.name, Literal(c.by)))
        if c.date:
            g.add((node, DCTERMS.date, Literal(c.date, datatype=XSD.dateTime if "T" in c.date else XSD.date)))
        if c.note:
            g.add((node, RDFS.comment, Literal(c.note)))
        for line in r.removed:
            g.add((node, GH.removedStatement, Literal(line)))

    # ------------------------------------------------------------ entities
    def entities_graph(self, g=None):
        """The entities graph, added to `g` (a new `Triples` by default; the build passes its
        validation index, so the graph is held once)."""
        g = Triples() if g is None else g
        for key, p in self.c.people.items():
            node = self.person(key)
            g.add((node, RDF.type, SCHEMA.Person))
            g.add((node, SCHEMA.name, zh(p.name)))
            self._label(g, node, p.name, person=True)
            for alias in sorted(p.aliases):
                g.add((node, SKOS.altLabel, zh(alias)))
            for org, role in sorted(p.roles):
                if org in self.c.organisations:
                    m = self.membership(key, org, role)
                    g.add((m, RDF.type, ORG.Membership))
                    g.add((m, ORG.member, node))
                    g.add((m, ORG.organization, self.org(org)))
                    g.add((m, ORG.role, self.role(role)))
                    g.add((m, PROV.wasGeneratedBy, self.build()))
        for key, o in self.c.organisations.items():
            node = self.org(key)
            g.add((node, RDF.type, ORG.Organization))
            if key in self._papers:      # described on the newspaper's node, which is media
                g.add((node, RDF.type, GH.MediaOrganisation))
            elif o.kind in ORG_CLASS:
                g.add((node, RDF.type, ORG_CLASS[o.kind]))
            g.add((node, SCHEMA.name, zh(o.name)))
            self._label(g, node, o.name)
            for form in sorted(o.forms - {o.name}):
                g.add((node, SKOS.altLabel, zh(form)))
            if o.parent and o.parent in self.c.organisations:
                g.add((node, ORG.subOrganizationOf, self.org(o.parent)))
            if o.place and o.place in self.c.places:
                g.add((node, SCHEMA.location, self.place(o.place)))
        for key, pl in self.c.places.items():
            node = self.place(key)
            g.add((node, RDF.type, SCHEMA.Place))
            for name in sorted(pl.names):
                g.add((node, SCHEMA.name, zh(name)))
            self._label(g, node, pl.display_name)
            if pl.code:
                g.add((node, RDF.type, SCHEMA.AdministrativeArea))
                g.add((node, GH.divisionCode, Literal(pl.code)))
            if pl.level:
                g.add((node, GH.divisionLevel, Literal(pl.level)))
        scheme = self.ID["slogans"]
        g.add((scheme, RDF.type, SKOS.ConceptScheme))
        g.add((scheme, SKOS.prefLabel, zh("口号与提法")))
        g.add((scheme, RDFS.label, Literal("Slogans, campaigns and formulas", lang="en")))
        for key, s in self.c.slogans.items():
            node = self.slogan(key)
            g.add((node, RDF.type, GH.Slogan))
            g.add((node, RDF.type, SKOS.Concept))
            g.add((node, SKOS.prefLabel, zh(s.label)))
            g.add((node, SKOS.inScheme, scheme))
            for v in sorted(s.variants - {s.label}):
                g.add((node, SKOS.altLabel, zh(v)))
            self._label(g, node, s.label)
        for key, e in self.c.events.items():
            node = self.event(key)
            g.add((node, RDF.type, SCHEMA.Event))
            g.add((node, SCHEMA.name, zh(e.name)))
            if e.date:
                g.add((node, SCHEMA.startDate, Literal(e.date, datatype=XSD.date)))
        for role in self.roles():
            node = self.role(role)
            g.add((node, RDF.type, ORG.Role))
            g.add((node, RDF.type, SKOS.Concept))
            g.add((node, SKOS.prefLabel, zh(role)))
            self._label(g, node, role)
        for (paper, date), (k, issue) in self.c.issues.items():
            self._issue(g, paper, date, k, issue)
        for date in sorted(self.c.item_dates):
            self._instant(g, date)
        present = {"person": self.c.people, "org": self.c.organisations, "slogan": self.c.slogans}
        for (kind, key), ids in sorted(self.c.curated.items()):
            if key not in present[kind]:
                continue
            node = self.org(key) if kind == "org" else self._entity(kind, key)
            for id in sorted(ids):
                g.add((node, GH.correctedBy, self.correction(id)))
        return with_super_properties(g)

    def _instant(self, g: Triples, date: str) -> None:
        instant = self.date(date)
        g.add((instant, RDF.type, TIME.Instant))
        g.add((instant, TIME.inXSDDate, Literal(date, datatype=XSD.date)))

    def _issue(self, g: Triples, paper_name: str, date: str, k: int, issue) -> None:
        node, paper = self.issue(paper_name, date), self.newspaper(paper_name)
        g.add((paper, RDF.type, SCHEMA.Newspaper))
        g.add((paper, RDF.type, ORG.Organization))
        g.add((paper, RDF.type, GH.MediaOrganisation))
        g.add((paper, SCHEMA.name, zh(paper_name)))
        self._label(g, paper, paper_name)
        g.add((paper, SKOS.altLabel, zh("本报")))
        if issue.cn_number:
            g.add((paper, GH.cnSerial, Literal(issue.cn_number)))
        if issue.postal_code:
            g.add((paper, GH.postalDistributionCode, Literal(issue.postal_code)))
        g.add((node, RDF.type, SCHEMA.PublicationIssue))
        g.add((node, SCHEMA.isPartOf, paper))
        g.add((node, SCHEMA.datePublished, Literal(date, datatype=XSD.date)))
        g.add((node, SCHEMA.issueNumber, Literal(issue.issue_number or issue.total_number or date.replace("-", ""))))
        if issue.total_number:
            g.add((node, GH.runningNumber, Literal(issue.total_number)))
        for prop, value in ((GH.weekday, issue.weekday), (GH.lunarDate, issue.lunar_date), (SCHEMA.address, issue.address)):
            if value:
                g.add((node, prop, zh(value)))
        for prop, value in ((SCHEMA.postalCode, issue.postcode), (SCHEMA.email, issue.email),
                            (GH.printPermit, issue.print_permit)):
            if value:
                g.add((node, prop, Literal(value)))
        for label, number in sorted(issue.phones.items()):
            g.add((node, SCHEMA.telephone, Literal(f"{label}: {number}")))
        for _, url in sorted(issue.websites.items()):
            g.add((node, SCHEMA.url, Literal(url)))
        publisher = self.c.org_name(issue.publisher) if issue.publisher else None
        if publisher in self.c.organisations:
            g.add((node, SCHEMA.publisher, self.org(publisher)))
            g.add((paper, SCHEMA.publisher, self.org(publisher)))
        elif self.c.org_name(paper_name + "社") in self.c.organisations:   # 某日报社 publishes 某日报
            g.add((paper, SCHEMA.publisher, self.org(paper_name + "社")))
        editor = self.c.person_key.get((k, issue.editor)) if issue.editor else None
        if editor:
            g.add((node, SCHEMA.editor, self.person(editor)))
        self._instant(g, date)

    # ------------------------------------------------------------ one page
    def page_refs(self, k: int, names: PageNames) -> PageRefs:
        """Everything page k's graph needs from the corpus (see `page_graph`)."""
        iris: dict[tuple, str] = {}
        for name in names.people:
            key = self.c.person_key.get((k, name))
            if key:
                iris[("person", name)] = self.person(key).value
        for name in names.orgs:
            iris[("org", name)] = self.org(name).value
        for key in names.places:
            iris[("place", key)] = self.place(key).value
        for label in names.slogans:
            iris[("slogan", label)] = self.slogan(label).value
        for key in names.events:
            iris[("event", key)] = self.event(key).value
        for name, org, role in names.posts:
            if self.c.org_name(org) in self.c.organisations:
                m = self.membership(self.c.person_key[(k, name)], org, role)
                iris[("membership", name, org, role)] = m.value
                old = self.membership(self.c.person_key[(k, name)], org, role, self.legacy)
                if old != m:         # the page states what replaced its attestations' old IRIs
                    iris[("replaced membership", name, org, role)] = old.value
        if names.issue:
            iris[("issue",)] = self.issue(*names.issue).value
        return PageRefs(self.base, file_stem(self.c.sources[k]), tuple(sorted(iris.items())))


@dataclass(frozen=True)
class PageNames:
    """The names on a page that its graph resolves through the corpus: a few strings, kept for
    every page during a build so a cached page graph is found without loading the page."""
    people: tuple          # people and credited names
    orgs: tuple
    places: tuple          # place keys
    slogans: tuple
    events: tuple          # event keys
    posts: tuple           # (person name, organisation, role)
    issue: tuple | None    # (newspaper, date)

    def interned(self) -> PageNames:
        """The same names, each string the one copy the interpreter keeps (sys.intern): a build
        holds the names of every page, and the same names recur from page to page."""
        def names(values: tuple) -> tuple:
            return tuple(intern(v) if isinstance(v, str) else names(v) for v in values)
        values = (getattr(self, f.name) for f in fields(self))
        return PageNames(*(None if v is None else names(v) for v in values))

    @classmethod
    def of(cls, pe: PageEntities) -> PageNames:
        doc = pe.document
        people = {p.name for p in pe.people} | {c.name for item in doc.items for c in item.credits}
        posts = {(p.name, post.org, post.role) for p in pe.people for post in p.posts if post.org}
        issue = doc.issue
        return cls(tuple(sorted(people)), tuple(sorted({o.name for o in pe.organisations})),
                   tuple(sorted({place_key(p.code, p.name) for p in pe.places})),
                   tuple(sorted({s.label for s in pe.slogans})),
                   tuple(sorted({event_key(e.name, e.date) for e in pe.events})), tuple(sorted(posts)),
                   (issue.newspaper, issue.date) if issue and issue.newspaper and issue.date else None)


@dataclass(frozen=True)
class PageRefs:
    """What a page graph takes from the rest of the corpus: the base IRI, the page's file stem and
    the IRIs its names resolve to — ((kind, key…), IRI) pairs, sorted. `page_graph(pe, refs)` reads
    nothing else, so (the page, its refs) is a complete cache key for its graph."""
    base: str
    stem: str
    iris: tuple

    def digest(self) -> str:
        data = json.dumps([__version__, self.base, self.stem, self.iris], ensure_ascii=False)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()
