"""Search: an SQLite FTS5 index of every name, written form, pinyin and headline in the store,
built once when the server starts, and the ranked answers `/search?q=` gives from it.

Chinese has no spaces, so a name is indexed as its characters and character pairs (杭州市总工会 →
杭 州 … 杭州 州市 市总 总工 工会): a query of two characters or more must contain all its pairs in
order-free AND, one character its character, so 市总工会 finds 杭州市总工会 and 何静 finds 何静.
Pinyin (the data's @zh-Latn-pinyin labels) is indexed per word and joined, without tones, so
`zheng rongsheng`, `zhengrongsheng`, `zheng rong sheng` and `Zhèng Róngshēng` find 郑荣胜. FTS5 narrows the candidates; the ranking
(exact form, then prefix, then containment, then how often the thing is mentioned) is done here
over at most CANDIDATES of them, so an answer costs the same whatever the archive's size.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, Store

from . import browse_index
from .prefixes import PREFIXES

_S, _SKOS, _ORG, _GH, _RDFS, _OA = (PREFIXES[p] for p in ("schema", "skos", "org", "gh", "rdfs", "oa"))
RDF_TYPE = NamedNode(PREFIXES["rdf"] + "type")
DEFAULT = DefaultGraph()

# kind → the classes whose instances are indexed, in the order a tie is broken
KINDS = {"person": [_S + "Person"], "org": [_ORG + "Organization"], "slogan": [_GH + "Slogan"],
         "place": [_S + "Place"], "article": [_S + "NewsArticle", _S + "Photograph"]}
NAME_PREDICATES = [_S + "name", _SKOS + "prefLabel", _SKOS + "altLabel", _S + "headline"]
PINYIN = _RDFS + "label"
LAYOUT = 3                # of the tables (2: with browse_index's, 3: its totals beside the names): an index kept in a store folder with another is built again
CANDIDATES = 400          # rows FTS5 hands over for ranking
# what the line under a hit says, by kind (see _contexts)
CONTEXT_KEYS = {"person": {"post", "first", "last"}, "org": {"parent", "posts"},
                "slogan": {"articles", "first", "last"}, "place": {"articles", "first", "last", "in"},
                "article": {"date"}}
MAX_QUERY = 100           # characters of a query
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")


@dataclass(frozen=True)
class Hit:
    iri: str
    kind: str
    label: str
    score: int            # 0–100: 100 an exact written form
    context: tuple = ()   # (key, value) pairs: main post, first/last date, parent … (see _contexts)


def _fold(text: str) -> str:
    """Lower case, no tone marks or tone digits: Zhèng Róng2shēng → zheng rongsheng."""
    text = unicodedata.normalize("NFKD", text.lower())
    return re.sub(r"[0-9\u0300-\u036f]", "", text)


def _grams(text: str) -> list[str]:
    """The CJK characters of `text` and their neighbouring pairs, as FTS5 tokens."""
    out = []
    for run in re.findall(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]+", text):
        out += list(run) + [run[i:i + 2] for i in range(len(run) - 1)]
    return out


def _pinyin_tokens(labels: list[str]) -> tuple[list[str], str]:
    """The pinyin tokens of a thing from its pinyin labels (Zheng Rongsheng → zheng, rongsheng,
    zhengrongsheng; the data has them, so nothing is transliterated here) and its spelling, the
    first label's words joined."""
    words, spellings = [], []
    for label in labels:
        parts = re.findall(r"[a-z]+", _fold(label))
        words += parts
        spellings.append("".join(parts))
    return sorted(set(words + spellings)), (spellings[0] if spellings else "")


class SearchIndex:
    """The index of one store, in memory; `search` is safe to call from the server's thread."""

    def __init__(self, store: Store | None, db: sqlite3.Connection | None = None):
        if db is not None:                 # an index kept from an earlier start (open)
            self.db = db
            self.size = db.execute("SELECT COUNT(*) FROM thing").fetchone()[0]
            return
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.execute("CREATE TABLE layout (version INTEGER)")
        self.db.execute("INSERT INTO layout VALUES (?)", (LAYOUT,))
        self.db.execute("CREATE TABLE thing (id INTEGER PRIMARY KEY, iri TEXT, kind TEXT, label TEXT, "
                        "forms TEXT, spelling TEXT, mentions INTEGER, context TEXT)")
        self.db.execute("CREATE VIRTUAL TABLE words USING fts5(grams, pinyin, tokenize='unicode61')")
        self.size = self._fill(store)
        browse_index.build(self.db, store)       # the /browse lists' answers, kept in the same file

    @classmethod
    def open(cls, store: Store, path: Path | None = None) -> SearchIndex:
        """The index of `store`: read from `path` when an earlier start left it there (a
        persistent store's folder: the folder is replaced when the data changes, and the index
        with it), else built and, with `path`, saved there for the next start."""
        if path is not None and path.is_file():
            try:
                db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
                if db.execute("SELECT version FROM layout").fetchone() == (LAYOUT,):
                    return cls(None, db)
                db.close()
            except sqlite3.Error:
                pass                       # damaged or of another layout: build it again
        index = cls(store)
        if path is not None:
            part = path.with_name(f".{path.name}.{os.getpid()}")
            try:
                with sqlite3.connect(part) as saved:
                    index.db.backup(saved)
                saved.close()
                os.replace(part, path)
            except (OSError, sqlite3.Error):
                part.unlink(missing_ok=True)   # a read-only store folder: serve without keeping it
        return index

    def _fill(self, store: Store) -> int:
        # One pass over each predicate, not a lookup per thing: at 1,000 pages (47,000 things)
        # the lookups took 24 s of a 25 s start.
        forms: dict[str, set[str]] = defaultdict(set)
        label: dict[str, str] = {}
        for p in NAME_PREDICATES:
            for q in store.quads_for_pattern(None, NamedNode(p), None, DEFAULT):
                s_, v = q.subject.value, q.object.value
                forms[s_].add(v)
                if p != _SKOS + "altLabel" and (s_ not in label or v < label[s_]):
                    label[s_] = v
        pinyin: dict[str, list[str]] = defaultdict(list)
        for q in store.quads_for_pattern(None, NamedNode(PINYIN), None, DEFAULT):
            if not CJK.search(q.object.value):
                pinyin[q.subject.value].append(q.object.value)
        mentions = Counter(q.object.value for q in store.quads_for_pattern(None, NamedNode(_OA + "hasBody"), None, DEFAULT))
        lines = _contexts(store, label)
        seen: set[str] = set()
        rows, words = [], []
        for kind, classes in KINDS.items():
            things = sorted({q.subject.value for cls in classes
                             for q in store.quads_for_pattern(None, RDF_TYPE, NamedNode(cls), DEFAULT)
                             if isinstance(q.subject, NamedNode)})
            for iri in things:
                if iri in seen or "/newspaper/" in iri or not forms.get(iri):
                    continue
                seen.add(iri)
                names = sorted(forms[iri])
                # headlines are found by their characters only: their pinyin would match anything
                tokens, spelling = _pinyin_tokens(sorted(pinyin[iri])) if kind != "article" else ([], "")
                line = {k: v for k, v in lines.get(iri, {}).items()
                        if kind in CONTEXT_KEYS and k in CONTEXT_KEYS[kind]}
                rows.append((len(rows) + 1, iri, kind, label.get(iri, names[0]), "\n".join(names), spelling,
                             mentions[iri], json.dumps(line, ensure_ascii=False, sort_keys=True)))
                grams = sorted({g for f in names for g in _grams(f)})
                words.append((len(words) + 1, " ".join(grams), " ".join(tokens)))
        self.db.executemany("INSERT INTO thing VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        self.db.executemany("INSERT INTO words (rowid, grams, pinyin) VALUES (?, ?, ?)", words)
        self.db.commit()
        return len(rows)

    def search(self, q: str, kind: str | None = None, limit: int = 20) -> list[Hit]:
        """The things whose names match `q`, best first."""
        q = unicodedata.normalize("NFKC", q).strip()[:MAX_QUERY]
        match = _match_expression(q)
        if match is None:
            return []
        sql = ("SELECT thing.iri, thing.kind, thing.label, thing.forms, thing.spelling, thing.mentions, "
               "thing.context FROM words "
               "JOIN thing ON thing.id = words.rowid WHERE words MATCH ?")
        args: list = [match]
        if kind:
            sql += " AND thing.kind = ?"
            args.append(kind)
        sql += f" LIMIT {CANDIDATES}"
        found = self.db.execute(sql, args).fetchall()
        hits = [(_score(q, forms.split("\n"), spelling), mentions, iri, kind_, label, line)
                for iri, kind_, label, forms, spelling, mentions, line in found]
        order = list(KINDS)
        hits.sort(key=lambda h: (-h[0], -h[1], order.index(h[3]), h[4], h[2]))
        return [Hit(iri, k, label, score, tuple(json.loads(line).items()))
                for score, _, iri, k, label, line in hits[:limit]]


def _match_expression(q: str) -> str | None:
    """The FTS5 query for what the user typed: every CJK pair (or the one character) in `grams`;
    ASCII words as prefixes in `pinyin`, each word or all of them joined."""
    grams = _grams(q)
    pairs = [g for g in grams if len(g) == 2] or grams
    words = re.findall(r"[a-z]+", _fold(q))
    parts = []
    if pairs:
        parts.append("grams : (" + " AND ".join(f'"{g}"' for g in sorted(set(pairs))) + ")")
    if words:
        each = " AND ".join(f'"{w}"*' for w in words)
        joined = f'"{"".join(words)}"*'
        parts.append(f"pinyin : (({each}) OR {joined})")
    if not parts:
        return None
    return " AND ".join(parts)


def _score(q: str, forms: list[str], spelling: str) -> int:
    """100 an exact written form, 90 its exact pinyin, 80 a form starting with the query, 70 a
    pinyin starting with it, 60 a form containing it, 50 any other match."""
    folded = re.sub(r"[^a-z]", "", _fold(q))
    if q in forms:
        return 100
    if folded and folded == spelling:
        return 90
    if any(f.startswith(q) for f in forms):
        return 80
    if folded and spelling.startswith(folded):
        return 70
    if any(q in f for f in forms):
        return 60
    return 50


# ------------------------------------------------------------------ the line under each hit

def _contexts(store: Store, label: dict[str, str]) -> dict[str, dict]:
    """A line about each thing, from one pass over each predicate it needs: a person's most
    printed post and the first and last date a post of theirs was printed; an organisation's
    parent and number of posts; the number of articles naming a slogan or place, first and last
    date; an article's date. Computed with the index so an answer reads nothing else."""
    def pairs(p: str):
        return ((q.subject.value, q.object) for q in store.quads_for_pattern(None, NamedNode(p), None, DEFAULT))

    out: dict[str, dict] = defaultdict(dict)
    issue_date = {s_: o.value for s_, o in pairs(_S + "datePublished")}
    item_date = {s_: issue_date.get(o.value) for s_, o in pairs(_S + "isPartOf") if o.value in issue_date}
    item_date.update(issue_date)                     # an item's own date wins over its issue's
    instant = {s_: o.value for s_, o in pairs(PREFIXES["time"] + "inXSDDate")}
    # people: printings → post → member
    member = {s_: o.value for s_, o in pairs(_ORG + "member")}
    title = {s_: o.value for s_, o in pairs(_GH + "resolvedTitle")}
    when = {s_: instant.get(o.value) for s_, o in pairs(_GH + "attestedAt")}
    printed: dict[str, Counter] = defaultdict(Counter)
    dates: dict[str, list[str]] = defaultdict(list)
    for a, post in pairs(_GH + "attests"):
        person = member.get(post.value)
        if person is None:
            continue
        printed[person][title.get(a, "")] += 1
        if when.get(a):
            dates[person].append(when[a])
    # organisations: parent, posts
    for s_, o in pairs(_ORG + "subOrganizationOf"):
        if o.value in label:
            out[s_]["parent"] = label[o.value]
    for _, o in pairs(_ORG + "organization"):
        out[o.value]["posts"] = out[o.value].get("posts", 0) + 1
    # slogans and places: articles and their dates
    for article, thing in pairs(_S + "mentions"):
        c = out[thing.value]
        c["articles"] = c.get("articles", 0) + 1
        if d := item_date.get(article):
            dates[thing.value].append(d)
    for s_, o in pairs(_S + "containedInPlace"):
        if o.value in label:
            out[s_]["in"] = label[o.value]
    for person, titles in printed.items():
        out[person]["post"] = max(titles.items(), key=lambda kv: (kv[1], kv[0]))[0]
    for thing, ds in dates.items():
        out[thing]["first"], out[thing]["last"] = min(ds), max(ds)
    for article, d in item_date.items():
        if d:
            out[article]["date"] = d
    return out

