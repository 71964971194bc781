"""The answers of the /browse lists, made ready when the server loads the data: per thing, per
newspaper and year, the articles that name it and the first and last issue date.

A list's SPARQL query (browse.list_query, shown on the page) groups every article naming every
thing: on the 10,000-page archive that took longer than the query timeout. The same answer is
summed here from rows made in one pass over the store, kept in the search index's SQLite database
(built with it, and kept with it in a --store folder). tests/serve/test_browse.py holds the two
to the same rows for every filter and sort.

Rows of `listed`: (what, thing, name, articles, first, last), each thing's totals; of `seen`:
(what, thing, paper, year, articles, first, last), per newspaper and year of the issues, and with
paper and year "*" the row that counts every article naming the thing, dated or not.
"""
from __future__ import annotations

import sqlite3
from collections import defaultdict

from pyoxigraph import DefaultGraph, NamedNode, Store

from .prefixes import PREFIXES

_S, _SKOS, _ORG, _GH = (PREFIXES[p] for p in ("schema", "skos", "org", "gh"))
RDF_TYPE = NamedNode(PREFIXES["rdf"] + "type")
DEFAULT = DefaultGraph()
ALL = "*"

# what → (its class, its name's predicate, the predicates by which an article names it): as LISTS
LISTED = {"people": (_S + "Person", _S + "name", (_S + "mentions", _S + "contributor")),
          "organisations": (_ORG + "Organization", _S + "name", (_S + "mentions",)),
          "slogans": (_GH + "Slogan", _SKOS + "prefLabel", (_S + "mentions",))}
# browse.ORDER in SQL: SPARQL orders an unbound value first, so DESC puts it last
ORDER = {"articles": "articles DESC, name", "name": "name", "first": "first IS NULL, first, name",
         "last": "last IS NULL, last DESC, name"}


def _pairs(store: Store, p: str):
    return ((q.subject.value, q.object) for q in store.quads_for_pattern(None, NamedNode(p), None, DEFAULT))


def build(db: sqlite3.Connection, store: Store) -> None:
    """The tables, from one pass over each predicate they need."""
    db.execute("CREATE TABLE listed (what TEXT, thing TEXT, name TEXT, articles INTEGER, first TEXT, last TEXT)")
    db.execute("CREATE TABLE facet (thing TEXT, kind TEXT, place TEXT)")
    db.execute("CREATE TABLE seen (what TEXT, thing TEXT, paper TEXT, year TEXT, articles INTEGER, first TEXT, last TEXT)")
    issues = {q.subject.value for q in store.quads_for_pattern(None, RDF_TYPE, NamedNode(_S + "PublicationIssue"), DEFAULT)}
    issue_date = {s: o.value for s, o in _pairs(store, _S + "datePublished") if s in issues}
    issue_paper = {s: o.value for s, o in _pairs(store, _S + "isPartOf") if s in issue_date}
    article_issue = {s: o.value for s, o in _pairs(store, _S + "isPartOf") if o.value in issue_date}
    rows, facets = [], []
    for what, (cls, name_p, named_by) in LISTED.items():
        things = {q.subject.value for q in store.quads_for_pattern(None, RDF_TYPE, NamedNode(cls), DEFAULT)
                  if isinstance(q.subject, NamedNode)}
        names = [(s, o.value) for s, o in _pairs(store, name_p) if s in things]
        named = {s for s, _ in names}
        articles: dict[tuple, set] = defaultdict(set)
        dates: dict[tuple, list] = defaultdict(list)
        for p in named_by:
            for article, thing in _pairs(store, p):
                if thing.value not in named:
                    continue
                issue = article_issue.get(article)
                date = issue_date.get(issue) if issue else None
                keys = [(thing.value, ALL, ALL)]
                if date:
                    keys.append((thing.value, issue_paper.get(issue, ""), date[:4]))
                for key in keys:
                    articles[key].add(article)
                    if date:
                        dates[key].append(date)
        for key, found in articles.items():
            ds = dates.get(key)
            rows.append((what, *key, len(found), min(ds) if ds else None, max(ds) if ds else None))
        # each thing's totals beside its name: an unfiltered list is then read without a join
        totals = {thing: (len(found), min(dates[k]) if dates.get(k) else None, max(dates[k]) if dates.get(k) else None)
                  for k, found in articles.items() if k[1] == ALL for thing in (k[0],)}
        db.executemany("INSERT INTO listed VALUES (?, ?, ?, ?, ?, ?)",
                       [(what, s_, n, *totals.get(s_, (0, None, None))) for s_, n in names])
        if what == "organisations":
            facets += [(q.subject.value, q.object.value[len(_GH):], None)
                       for q in store.quads_for_pattern(None, RDF_TYPE, None, DEFAULT)
                       if q.subject.value in named and q.object.value.startswith(_GH)]
            facets += [(s, None, o.value) for s, o in _pairs(store, _S + "location") if s in named]
    db.executemany("INSERT INTO seen VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    db.executemany("INSERT INTO facet VALUES (?, ?, ?)", facets)
    # by thing: a list joins its things' rows, a profile reads one thing's (without, a join scanned every row)
    db.execute("CREATE INDEX seen_thing ON seen (what, thing, paper, year)")
    db.execute("CREATE INDEX listed_what ON listed (what, thing)")
    db.execute("CREATE INDEX listed_thing ON listed (thing)")
    db.commit()


def rows(db: sqlite3.Connection, what: str, *, paper: str | None = None, year: str | None = None,
         kind: str | None = None, place: str | None = None, sort: str = "articles",
         offset: int = 0, limit: int | None = None) -> list[dict]:
    """The rows browse.list_query(what, …) answers, in its order, as SPARQL JSON bindings read
    ({variable: value}, an unbound variable absent); `limit` of them from `offset` (a page)."""
    facets = [("t.thing IN (SELECT thing FROM facet WHERE kind = ?)", kind),
              ("t.thing IN (SELECT thing FROM facet WHERE place = ?)", place)]
    where = ["t.what = ?"] + [sql for sql, value in facets if value]
    args = [what] + [value for _, value in facets if value]
    page = [-1 if limit is None else limit, offset]
    if not (paper or year):     # every thing, with its totals
        sql = (f"SELECT thing, name, articles, first, last FROM listed t WHERE {' AND '.join(where)} "
               f"ORDER BY {ORDER[sort]}, thing LIMIT ? OFFSET ?")
        return _bindings(db.execute(sql, args + page))
    # only what those issues name: their rows, summed per thing
    issues = [("s.paper != ?", ALL), ("s.paper = ?", paper), ("s.year = ?", year)]
    on = " AND ".join(["s.what = t.what", "s.thing = t.thing"] + [sql for sql, value in issues if value])
    sql = (f"SELECT thing, name, articles, first, last FROM (SELECT t.thing AS thing, t.name AS name, "
           f"SUM(s.articles) AS articles, MIN(s.first) AS first, MAX(s.last) AS last FROM listed t JOIN seen s ON {on} "
           f"WHERE {' AND '.join(where)} GROUP BY t.thing, t.name) ORDER BY {ORDER[sort]}, thing LIMIT ? OFFSET ?")
    return _bindings(db.execute(sql, [value for _, value in issues if value] + args + page))


def _bindings(cursor) -> list[dict]:
    out = []
    for thing, name, articles, first, last in cursor:
        row = {"thing": thing, "name": name, "articles": str(articles)}
        if first is not None:
            row["first"] = first
        if last is not None:
            row["last"] = last
        out.append(row)
    return out


# ---------------------------------------------------------------- profile charts from the same rows

def usage(db: sqlite3.Connection, slogan: str) -> dict:
    """Articles naming a slogan per year of their issue (profiles.USAGE_QUERY's answer), and how
    many are on pages without a date: a slogan named on thousands of pages costs a few rows."""
    years = db.execute("SELECT year, SUM(articles) FROM seen WHERE what = 'slogans' AND thing = ? AND paper != ? "
                       "GROUP BY year ORDER BY year", (slogan, ALL)).fetchall()
    total = db.execute("SELECT articles FROM seen WHERE what = 'slogans' AND thing = ? AND paper = ?",
                       (slogan, ALL)).fetchone()
    dated = sum(n for _, n in years)
    return {"years": [(y, n) for y, n in years], "undated": (total[0] if total else 0) - dated}


def papers(db: sqlite3.Connection, org: str) -> list[dict]:
    """The newspapers whose articles name an organisation, with the first and last issue date
    (profiles.PAPERS_QUERY's answer), most articles first."""
    rows = db.execute("SELECT s.paper, SUM(s.articles) AS n, MIN(s.first), MAX(s.last) FROM seen s "
                      "JOIN listed p ON p.thing = s.paper AND p.what = 'organisations' "
                      "WHERE s.what = 'organisations' AND s.thing = ? AND s.paper != ? "
                      "GROUP BY s.paper ORDER BY n DESC, s.paper", (org, ALL)).fetchall()
    return [{"paper": p, "articles": n, "first": first, "last": last} for p, n, first, last in rows]


def names(db: sqlite3.Connection, iris: list[str]) -> dict[str, str]:
    """The names the lists know of these IRIs (for links to read as names)."""
    out = {}
    for iri in iris:
        row = db.execute("SELECT MIN(name) FROM listed WHERE thing = ?", (iri,)).fetchone()
        if row and row[0]:
            out[iri] = row[0]
    return out
