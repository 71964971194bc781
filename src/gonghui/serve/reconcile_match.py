"""Reconciliation in a query worker: the name index of the people and organisations, the name
score of a candidate, and how far it agrees with a property constraint (reconcile_answers uses it).

A batch runs in a query worker (job {"op": "reconcile", …}, see workers.handle), so one that runs
long is killed at the deadline like any query; the HTTP side is serve/reconcile.py. The index is
built once, when the server starts, by a process of its own (`build_file`: ~6 s for 100,000
people, too long for each worker to spend under a request's deadline), and each worker loads it
on its first reconciliation job.

Every written form is a key: a person's schema:name and pinyin rdfs:label, an
organisation's schema:name, each skos:altLabel (市总工会) and its pinyin. Keys are compared
normalised: NFKC, case-folded, tone marks, spaces, hyphens and apostrophes dropped, so
"Qiao Mingyuan", "qiaomingyuan" and "Qiáo Míngyuǎn" are one key. Candidates of a query are
its exact keys, keys it begins, and keys sharing bigrams (pinyin: trigrams) with it (at most
MAX_CANDIDATES scored per query).

Score (0–100): the best form's name score (100 the Chinese name, 98 another written form, 90 the
pinyin, less for a partial match), and with property constraints 70 % of that plus 30 % of how far
they agree (1 agrees, 0.5 partly, 0 not). `match` is true only for an exact name whose every
constraint agrees and which no other candidate equals or beats.
"""
from __future__ import annotations

import bisect
import os
import pickle
import re
import resource
import signal
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, Store

from .describe import DEFAULT, RDF_TYPE, _date_of, _first, _triples, posts

_SCHEMA, _ORG, _SKOS = "http://schema.org/", "http://www.w3.org/ns/org#", "http://www.w3.org/2004/02/skos/core#"
_RDFS, _GH = "http://www.w3.org/2000/01/rdf-schema#", "https://w3id.org/gonghui/ontology#"
PERSON, ORGANIZATION = _SCHEMA + "Person", _ORG + "Organization"
# The types a query may name: the two kinds, and the kinds of organisation (ontology/README.md).
TYPES = {PERSON: ("Person 人物", None), ORGANIZATION: ("Organisation 组织", None),
         **{_GH + k: (f"{name} ({k})", ORGANIZATION) for k, name in (
             ("TradeUnion", "工会"), ("PartyBody", "党组织"), ("GovernmentBody", "政府机构"),
             ("Legislature", "人大"), ("Company", "企业"), ("Association", "协会"),
             ("MediaOrganisation", "媒体"), ("School", "学校"))}}
# id, name, description, the kinds it applies to, the type of its entity values (None: literals).
PROPERTIES = [
    ("organisation", "organisation 组织", "an organisation the person held a post in (any written form)",
     ("person",), ORGANIZATION),
    ("post", "post 职务", "a post title or role, as printed (主席, 市总工会主席) or resolved", ("person",), None),
    ("role", "role 职位", "the role of a post (org:role)", ("person",), _ORG + "Role"),
    ("posts", "posts with dates", "each post's resolved title with its first and last date", ("person",), None),
    ("parent", "parent organisation 上级", "org:subOrganizationOf", ("org",), ORGANIZATION),
    ("names", "other written forms", "skos:altLabel", ("org",), None),
    ("members", "people with posts", "the people who held a post in the organisation", ("org",), PERSON),
    ("pinyin", "pinyin", "rdfs:label in pinyin", ("person", "org"), None),
    ("first_attested", "first date attested", "the earliest date a post was printed", ("person", "org"), None),
    ("last_attested", "last date attested", "the latest date a post was printed", ("person", "org"), None),
    ("first_seen", "first date seen", "the earliest date of a post or an item mentioning it", ("person", "org"), None),
    ("last_seen", "last date seen", "the latest date of a post or an item mentioning it", ("person", "org"), None),
]
PROPERTY_IDS = {p[0]: p for p in PROPERTIES}
# Other names a client may use for a property: the vocabulary's IRIs and English spellings.
PROPERTY_ALIASES = {"organization": "organisation", "org": "organisation", _ORG + "organization": "organisation",
                    "title": "post", _GH + "postTitle": "post", _GH + "resolvedTitle": "post", _ORG + "role": "role",
                    _ORG + "subOrganizationOf": "parent", _SKOS + "altLabel": "names"}
MAX_CANDIDATES = 300     # entities scored per query
MAX_POSTING = 5000       # a bigram shared by more entities than this finds nothing alone
MIN_SCORE = 30           # partial matches below this name score are not candidates
RERANK = 25              # candidates whose facts are read when a query has property constraints
MAX_EXTEND_VALUES = 100  # values of one property of one entity

_DROP = re.compile(r"[\s\-'’‘`·・‧.]+")


def norm(text: str) -> str:
    """The key a written form is compared by (see the module docstring)."""
    s = unicodedata.normalize("NFKC", str(text)).casefold()
    s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    s = _DROP.sub("", s)
    if s.isascii():
        s = s.replace("v", "u")       # lv = lü = lu: pinyin has no other v
    return unicodedata.normalize("NFC", s)


def _grams(key: str) -> set[str]:
    """Character bigrams of a Chinese key, trigrams of a pinyin one (its bigrams say little)."""
    n = 3 if key.isascii() else 2
    return {key[i:i + n] for i in range(len(key) - n + 1)} or {key}


@dataclass(slots=True)
class Entity:
    iri: str
    kind: str                     # "person" or "org"
    name: str
    types: list[str]
    forms: list[tuple[str, float, str]] = field(default_factory=list)   # (key, weight, as written)


def _literals(store: Store, node: NamedNode, predicate: str) -> list[Literal]:
    return sorted((q.object for q in store.quads_for_pattern(node, NamedNode(predicate), None, DEFAULT)
                   if isinstance(q.object, Literal)), key=str)


def _is_pinyin(lit: Literal) -> bool:
    return "latn" in (lit.language or "").lower()


class Index:
    """The people and organisations under `base`, by every written form."""

    def __init__(self, store: Store, base: str):
        self.store, self.base = store, base
        self.entities: list[Entity] = []
        self.by_iri: dict[str, int] = {}
        self.by_key: dict[str, list[tuple[int, float]]] = {}
        self.grams: dict[str, set[int]] = {}
        self._facts: dict[int, dict] = {}
        # One scan per class and per naming predicate (an index range each), not a look-up per
        # entity: 100,000 people are indexed in seconds.
        kinds: dict[str, str] = {}
        for cls, kind in ((PERSON, "person"), (ORGANIZATION, "org")):
            for q in store.quads_for_pattern(None, RDF_TYPE, NamedNode(cls), DEFAULT):
                if isinstance(q.subject, NamedNode) and q.subject.value.startswith(base):
                    kinds.setdefault(q.subject.value, kind)
        types: dict[str, list[str]] = {}
        for t in TYPES:
            for q in store.quads_for_pattern(None, RDF_TYPE, NamedNode(t), DEFAULT):
                if q.subject.value in kinds:
                    types.setdefault(q.subject.value, []).append(t)
        written: dict[str, list[tuple[str, Literal]]] = {}
        for predicate in (_SCHEMA + "name", _SKOS + "altLabel", _RDFS + "label"):
            for q in store.quads_for_pattern(None, NamedNode(predicate), None, DEFAULT):
                if isinstance(q.object, Literal) and q.subject.value in kinds:
                    written.setdefault(q.subject.value, []).append((predicate, q.object))
        for iri in sorted(written):
            self._add(iri, kinds[iri], sorted(types.get(iri, [])), written[iri])
        self.keys = sorted(self.by_key)

    def _add(self, iri: str, kind: str, types: list[str], written: list[tuple[str, Literal]]) -> None:
        names = sorted((lit for p, lit in written if p == _SCHEMA + "name" and not _is_pinyin(lit)),
                       key=lambda lit: ("zh" not in (lit.language or ""), lit.value))
        forms = [(lit.value, 100.0 if i == 0 else 98.0) for i, lit in enumerate(names)]
        for p, lit in sorted(written, key=lambda pl: (pl[0], str(pl[1]))):
            if p != _SCHEMA + "name" or _is_pinyin(lit):
                forms.append((lit.value, 90.0 if _is_pinyin(lit) or lit.value.isascii() else 98.0))
        if not forms:
            return
        entity = Entity(iri, kind, forms[0][0], types)
        idx = len(self.entities)
        seen: dict[str, float] = {}
        for text, weight in forms:
            key = norm(text)
            if key and weight > seen.get(key, -1):
                seen[key] = weight
                entity.forms.append((key, weight, text))
        self.entities.append(entity)
        self.by_iri[iri] = idx
        for key, weight in seen.items():
            self.by_key.setdefault(key, []).append((idx, weight))
            for g in _grams(key):
                self.grams.setdefault(g, set()).add(idx)

    def __getstate__(self) -> dict:        # pickled without the store and the facts read so far
        return {k: v for k, v in self.__dict__.items() if k not in ("store", "_facts")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, store=None, _facts={})

    def ident(self, idx: int) -> str:
        return self.entities[idx].iri[len(self.base):]

    def resolve(self, ref: str) -> int | None:
        """An entity by its id (person/…), its IRI or a path /id/…."""
        ref = ref.strip()
        for prefix in (self.base, "/id/", ""):
            if ref.startswith(prefix) and (found := self.by_iri.get(self.base + ref[len(prefix):])) is not None:
                return found
        return None

    # ------------------------------------------------------------------ names

    def name_scores(self, query: str) -> dict[int, tuple[float, bool]]:
        """Candidates for a written name: entity → (name score, whether a form is exactly the query)."""
        q = norm(query)
        out: dict[int, tuple[float, bool]] = {}
        if not q:
            return out
        for idx, weight in self.by_key.get(q, ()):
            out[idx] = (weight, True)
        hits: Counter[int] = Counter()
        for i in range(bisect.bisect_left(self.keys, q), len(self.keys)):      # keys the query begins
            if not self.keys[i].startswith(q) or len(hits) >= MAX_CANDIDATES:
                break
            hits.update(idx for idx, _ in self.by_key[self.keys[i]])
        postings = sorted((self.grams.get(g, set()) for g in _grams(q)), key=len)
        for posting in postings:
            if len(posting) > MAX_POSTING and hits:
                break
            hits.update(posting)
        for idx, _ in hits.most_common(MAX_CANDIDATES):
            if idx not in out:
                out[idx] = (max(_similarity(q, key) * weight / 100 for key, weight, _ in self.entities[idx].forms),
                            False)
        return {idx: s for idx, s in out.items() if s[0] >= MIN_SCORE}

    # ------------------------------------------------------------------ facts

    def facts(self, idx: int) -> dict:
        """What constraints, descriptions, previews and extension read about an entity (cached)."""
        if idx in self._facts:
            return self._facts[idx]
        e = self.entities[idx]
        node = NamedNode(e.iri)
        rows = posts(self.store, node, "member" if e.kind == "person" else "organization")
        attested = sorted({d for r in rows for d in r["dates"]})
        mentioned = {d for a, _, _ in _triples(self.store, p=NamedNode(_SCHEMA + "mentions"), o=node, limit=300)
                     if (d := _date_of(self.store, a))}
        seen = sorted(set(attested) | mentioned)
        f = {"posts": rows, "attested": attested, "seen": seen,
             "pinyin": [w for _, weight, w in e.forms if weight == 90.0],
             "names": [w for _, weight, w in e.forms if weight == 98.0]}
        if e.kind == "person":
            f["orgs"] = sorted({r["org"] for r in rows if r["org"]})
            f["roles"] = sorted({r["role"] for r in rows if r["role"]})
        else:
            f["parents"] = sorted(q.object.value for q in self.store.quads_for_pattern(
                node, NamedNode(_ORG + "subOrganizationOf"), None, DEFAULT) if isinstance(q.object, NamedNode))
            f["members"] = sorted({r["person"] for r in rows if r["person"]})
        if len(self._facts) > 20000:
            self._facts.clear()
        self._facts[idx] = f
        return f

    def label(self, iri: str | None) -> str:
        if not iri:
            return ""
        idx = self.by_iri.get(iri)
        if idx is not None:
            return self.entities[idx].name
        lit = _first(self.store, NamedNode(iri), _SKOS + "prefLabel") or _first(self.store, NamedNode(iri), _SCHEMA + "name")
        return lit.value if lit is not None else iri.rsplit("/", 1)[-1]

    def _forms_of(self, iri: str) -> set[str]:
        idx = self.by_iri.get(iri)
        if idx is not None:
            return {key for key, _, _ in self.entities[idx].forms}
        return {norm(lit.value) for lit in _literals(self.store, NamedNode(iri), _SKOS + "prefLabel")}

    def agreement(self, idx: int, pid: str, values: list) -> float | None:
        """How far the entity agrees with a property constraint: 1, 0.5 (partly) or 0 (also for a
        property of the other kind); None for a property this service does not know (left out)."""
        pid = PROPERTY_ALIASES.get(pid, pid)
        e, best = self.entities[idx], 0.0
        if pid not in PROPERTY_IDS:
            return None
        if pid == "organisation" and e.kind == "person" or pid == "parent" and e.kind == "org":
            f = self.facts(idx)
            targets = f["orgs"] if e.kind == "person" else f["parents"]
            for v in values:
                best = max(best, self._refers(v, targets))
            return best
        if pid in ("post", "role") and e.kind == "person":
            f = self.facts(idx)
            titles = {norm(t) for r in f["posts"] for t in [r["title"] or "", *r["printed"]] if t}
            roles = {key for role in f["roles"] for key in self._forms_of(role)}
            for v in values:
                if isinstance(v, dict) and v.get("id"):
                    ref = str(v["id"]).removeprefix("/id/")
                    if (ref if ref.startswith(self.base) else self.base + ref) in f["roles"]:
                        return 1.0
                    v = v.get("name") or ""
                key = norm(v) if isinstance(v, str) else ""
                if key and (key in titles or key in roles):
                    return 1.0
                if key and any(key in t or t in key for t in titles | roles):
                    best = 0.5
            return best
        return 0.0          # a known property the entity cannot have: it does not agree

    def _refers(self, value, targets: list[str]) -> float:
        """Whether a constraint value (a name, or {"id", "name"}) names one of `targets` (IRIs)."""
        if isinstance(value, dict):
            ref = self.resolve(str(value.get("id", "")))
            if ref is not None:
                return 1.0 if self.entities[ref].iri in targets else 0.0
            value = value.get("name") or ""
        key = norm(value) if isinstance(value, (str, int, float)) else ""
        if not key:
            return 0.0
        best = 0.0
        for iri in targets:
            forms = self._forms_of(iri)
            if key in forms:
                return 1.0
            if any(len(key) > 1 and (key in f or f in key) for f in forms):
                best = 0.5
        return best


def _similarity(q: str, key: str) -> float:
    """0–100 for a partial match of two keys: containment first, then bigram overlap (Dice)."""
    if q == key:
        return 100.0
    if q in key or key in q:
        short, long_ = sorted((len(q), len(key)))
        return 50 + 35 * short / long_
    a, b = _grams(q), _grams(key)
    return 70 * 2 * len(a & b) / (len(a) + len(b))



_INDEXES: dict[tuple, Index] = {}


def build_file(store_path: str, base: str, out: str, memory_limit: int | None = None) -> None:
    """Entry point of the process that builds the index once for all workers (app lifespan):
    written to `out` whole (renamed into place), so a worker never reads half of it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory_limit:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    index = Index(Store.read_only(store_path), base)
    with open(out + ".part", "wb") as f:
        pickle.dump(index, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(out + ".part", out)


def index_of(store: Store, base: str, path: str | None = None, wait: float = 0.0) -> Index | None:
    """The worker's index of `store` under `base`: read from the file the builder process writes
    (waiting up to `wait` seconds for it; None if it is not there by then), or, without a file,
    built here on first use. Kept for the worker's life."""
    key = (base, path)
    if key not in _INDEXES:
        if path is None:
            _INDEXES[key] = Index(store, base)
        else:
            deadline = time.monotonic() + wait
            while not os.path.exists(path):
                if time.monotonic() >= deadline:
                    return None
                time.sleep(0.02)
            with open(path, "rb") as f:
                index = pickle.load(f)
            index.store = store
            _INDEXES[key] = index
    return _INDEXES[key]
