"""Which queries the server answers itself (lookup.py) and how `serve.endpoint._answer_lookup` guards them."""
from __future__ import annotations

import types

import pyoxigraph as ox
import pytest

from gonghui.serve import endpoint
from gonghui.serve import lookup as lookups
from gonghui.serve.lookup import CLOSURE_LIMIT, PROBE_LIMIT, RDF_TYPE, Closure, lookup, resolve_iri, walks_too_far
from gonghui.serve.protocol import inspect_query

BASE = "http://127.0.0.1:8000/sparql"
P = ("PREFIX ex: <http://example.org/ns#> PREFIX schema: <http://schema.org/> "
     "PREFIX org: <http://www.w3.org/ns/org#>\n")


def classify(query: str):
    info = inspect_query(P + query, BASE)
    return lookup(info.tokens, info.prefixes, info.base)


@pytest.mark.parametrize("query, probes", [
    ("ASK { <http://example.org/p1> a schema:Person }", 0),
    ("SELECT ?name WHERE { ex:p1 schema:name ?name }", 0),
    ("SELECT DISTINCT ?org ?date { ?m org:member ex:p1 ; org:organization ?org . "
     "OPTIONAL { ?m ex:attestedAt/ex:date ?date } } ORDER BY DESC(?date) LIMIT 10 OFFSET 2", 1),
    ("SELECT * { ex:p1 ?p ?o }", 1),
    ("SELECT ?s { ?s a schema:Person }", 1),
    ('SELECT ?s { ?s schema:name "某甲"@zh , "Mou Jia" }', 1),      # the second only checks ?s
    ('SELECT ?s { ?s ex:n "3"^^<http://www.w3.org/2001/XMLSchema#integer> }', 1),
    ("SELECT ?x { ex:a ex:p ?x . ?x ex:q ?y . ?y ex:r ?z }", 0),
    ("SELECT ?x ?n { ?x org:subOrganizationOf+ ex:a ; schema:name ?n } ORDER BY ?n", 0),   # a closure
])
def test_lookups(query, probes):
    found = classify(query)
    assert found is not None and len(found.probes) == probes


def test_paths_from_a_named_node_are_walked_first():
    sub, part = ox.NamedNode("http://www.w3.org/ns/org#subOrganizationOf"), ox.NamedNode("http://example.org/ns#part")
    a, b = ox.NamedNode("http://example.org/ns#a"), ox.NamedNode("http://example.org/ns#b")
    assert classify("SELECT ?x { ?x org:subOrganizationOf+ ex:a }").closures == [Closure(a, sub, False)]
    assert classify("SELECT ?x { ex:a ex:part* ?x . ?x schema:name ?n }").closures == [Closure(a, part, True)]
    assert classify("ASK { ex:a ex:part+ ex:b }").closures == [Closure(a, part, True)]
    assert classify("SELECT ?x { ?x ex:part+ ex:b . ex:a ex:p ?x }").closures == [Closure(b, part, False)]


@pytest.mark.parametrize("query", [
    "SELECT * { ?s ?p ?o }",                                           # nothing named
    "SELECT ?x { ex:a ex:p ?x . ?y ex:q ?z }",                         # a second, unreached pattern
    "SELECT ?x { ex:a ?p ?x . ?x ?q ?y }",                             # a whole description of each ?x
    "SELECT ?x { ex:a ex:p ?x . ?y ex:p ?x }",                         # arriving at a reached node
    "SELECT ?x { ?x org:subOrganizationOf+ ?y }",                      # a path from nothing named
    "SELECT ?y { ex:a ex:p ?x . ?x ex:part+ ?y }",                     # … from every ?x
    "SELECT ?x { ex:a ex:p/ex:part+ ?x }",                             # a closure inside a sequence
    "SELECT ?x { ex:a (ex:p/ex:q)+ ?x }",                              # a closure of a sequence
    "SELECT ?x { ex:a ex:p? ?x }",                                     # other path operators
    "SELECT ?x { ex:a ex:p|ex:q ?x }",
    "SELECT ?x { ?x ^ex:p ex:a }",                                     # inverse path
    "SELECT ?x { ex:a ex:p ?x FILTER(?x > 1) }",
    "SELECT ?x { ex:a ex:p ?x BIND(1 AS ?y) }",
    "SELECT ?x { { ex:a ex:p ?x } UNION { ex:b ex:p ?x } }",
    "SELECT ?x { GRAPH ?g { ex:a ex:p ?x } }",
    "SELECT ?x FROM ex:g { ex:a ex:p ?x }",
    "SELECT (COUNT(*) AS ?n) { ex:a ex:p ?x }",
    "SELECT ?x { ex:a ex:p ?x } GROUP BY ?x",
    "SELECT ?x { ex:a ex:p ?x { SELECT ?x { ?x ?p ?o } } }",
    "SELECT ?x { ex:a ex:p [ ex:q ?x ] }",                             # blank node
    "SELECT ?x { ex:a ex:p ?x } VALUES ?x { ex:b }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ex:a ?p ?o }",
    "DESCRIBE ex:a",
    "SELECT ?x { ex:a " + " ; ".join(f"ex:p{i} ?x{i}" for i in range(9)) + " }",   # too many patterns
    'SELECT ?x { ?x ex:n "a\\"b" }',                                   # escaped string
    "SELECT ?x { ?x ex:n undeclared:x }",
])
def test_not_lookups(query):
    assert classify(query) is None


def test_relative_and_namespace_iris_resolve():
    assert resolve_iri(BASE, "http://www.w3.org/ns/org#") == "http://www.w3.org/ns/org#"
    assert resolve_iri(BASE, "id/x") == "http://127.0.0.1:8000/id/x"
    found = classify("SELECT ?m { ?m org:member <id/x> }")
    assert found.probes == [(None, ox.NamedNode("http://www.w3.org/ns/org#member"),
                             ox.NamedNode("http://127.0.0.1:8000/id/x"))]


def _state(members: int):
    store = ox.Store()
    cls, p = ox.NamedNode("http://example.org/ns#C"), ox.NamedNode("http://example.org/ns#p")
    for i in range(members):
        store.add(ox.Quad(ox.NamedNode(f"http://example.org/m{i}"), ox.NamedNode(RDF_TYPE), cls))
        store.add(ox.Quad(ox.NamedNode(f"http://example.org/m{i}"), p, ox.Literal(str(i))))
    return types.SimpleNamespace(store=store, slow_shapes={}, lookups=0)


def _job(query: str) -> dict:
    return {"op": "query", "query": P + query, "base": BASE, "default": None, "named": None,
            "formats": {"solutions": ("CSV", "text/csv"), "boolean": ("CSV", "text/csv")},
            "max_bytes": 1 << 20}


def _answer(state, query: str):
    return endpoint._answer_lookup(state, inspect_query(P + query, BASE), _job(query))


def test_a_lookup_is_answered_in_the_server():
    state = _state(3)
    status, media, body = _answer(state, "SELECT ?v { ex:x ex:p ?v } ")
    assert (status, media, body) == (200, "text/csv", b"v\r\n")
    status, _, body = _answer(state, "SELECT ?m { ?m a ex:C } ORDER BY ?m")
    assert body.split() == [b"m", b"http://example.org/m0", b"http://example.org/m1", b"http://example.org/m2"]
    assert state.lookups == 2


def test_a_named_node_with_too_many_matches_goes_to_a_worker():
    assert _answer(_state(PROBE_LIMIT), "SELECT ?m { ?m a ex:C }")[0] == 200
    state = _state(PROBE_LIMIT + 1)
    assert _answer(state, "SELECT ?m { ?m a ex:C }") is None
    assert state.lookups == 0
    assert _answer(state, "ASK { ex:m1 a ex:C }")[0] == 200     # a lookup about one node still is


def test_a_slow_lookup_sends_its_shape_to_the_workers(monkeypatch):
    state = _state(5)
    monkeypatch.setattr(endpoint, "LOOKUP_BUDGET", -1.0)             # every lookup "too slow"
    assert _answer(state, "SELECT ?v { <http://example.org/m1> ex:p ?v }")[0] == 200
    assert _answer(state, "SELECT ?v { <http://example.org/m2> ex:p ?v }") is None   # same shape, other node
    assert _answer(state, "SELECT ?v ?w { <http://example.org/m2> ex:p ?v ; ex:p ?w }") is not None   # another


def test_a_slow_shape_is_measured_again_and_comes_back_when_cheap(monkeypatch):
    state = _state(5)
    query = "SELECT ?v {{ <http://example.org/m{}> ex:p ?v }}"
    monkeypatch.setattr(endpoint, "LOOKUP_BUDGET", -1.0)             # a cold store: the first is slow
    assert _answer(state, query.format(0))[0] == 200
    for i in range(1, endpoint.RETRY_EVERY):
        assert _answer(state, query.format(i % 5)) is None         # to the workers …
    assert _answer(state, query.format(1))[0] == 200               # … until measured again: still slow
    assert _answer(state, query.format(2)) is None
    monkeypatch.setattr(endpoint, "LOOKUP_BUDGET", 10.0)              # warm now
    for i in range(2, endpoint.RETRY_EVERY):
        assert _answer(state, query.format(i % 5)) is None
    assert _answer(state, query.format(3))[0] == 200               # measured again: cheap, so it is back
    assert _answer(state, query.format(4))[0] == 200 and state.slow_shapes == {}
    assert state.lookups == 4


def _chain(store, length: int, branches: int = 1) -> ox.NamedNode:
    """A tree below ex:root: `length` levels of `branches` children each, linked by ex:part."""
    part, root = ox.NamedNode("http://example.org/ns#part"), ox.NamedNode("http://example.org/ns#root")
    level = [root]
    for depth in range(length):
        level = [ox.NamedNode(f"{parent.value}-{depth}.{i}") for parent in level for i in range(branches)]
        for child in level:
            store.add(ox.Quad(child, part, ox.NamedNode(child.value.rsplit("-", 1)[0])))
    return root


def test_a_closure_is_walked_and_a_long_one_goes_to_a_worker():
    state = _state(0)
    root = _chain(state.store, 4, 3)          # 3 + 9 + 27 + 81 = 120 nodes below the root
    down = Closure(root, ox.NamedNode("http://example.org/ns#part"), False)
    assert not walks_too_far(state.store, down, 120) and walks_too_far(state.store, down, 119)
    small = _state(0)
    _chain(small.store, 3, 4)                 # 4 + 16 + 64 = 84
    status, _, body = _answer(small, "SELECT ?x { ?x ex:part+ ex:root }")
    assert status == 200 and len(body.split()) == 1 + 84 and small.lookups == 1
    leaf = ox.NamedNode(root.value + "-0.0-1.0-2.0-3.0")
    assert not walks_too_far(state.store, Closure(leaf, down.predicate, True), 4)    # up: 4 edges
    assert walks_too_far(state.store, Closure(leaf, down.predicate, True), 3)
    big = _state(0)
    _chain(big.store, 1, CLOSURE_LIMIT + 1)
    assert _answer(big, "SELECT ?x { ?x ex:part+ ex:root }") is None and big.lookups == 0


def test_a_cycle_ends_the_walk():
    store, part = ox.Store(), ox.NamedNode("http://example.org/ns#part")
    a, b = ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/b")
    store.add(ox.Quad(a, part, b))
    store.add(ox.Quad(b, part, a))
    assert not walks_too_far(store, Closure(a, part, True), 2)


@pytest.mark.parametrize("query", [
    "SELECT * { ?a a schema:Person . ?b a schema:Person . ?c a schema:Person } ORDER BY ?a ?b ?c LIMIT 1",
    "SELECT * { ?a a ex:C . ?b a ex:C . ?c a ex:C . ?d a ex:C } ORDER BY ?d LIMIT 1",
    "SELECT * { ?a a ex:C . ?b org:member ex:x }",                       # two probes, nothing joins them
])
def test_a_cross_product_of_probes_is_not_a_lookup(query):
    assert classify(query) is None


def test_a_star_on_a_named_node_is_still_a_lookup():
    assert classify("SELECT ?v ?w { ex:m2 ex:p ?v ; ex:q ?w }") is not None
    assert classify("SELECT * { ?m org:member ex:p1 ; org:organization ?o . ex:p1 schema:name ?n }") is not None


def _fan(store, width: int) -> None:
    """ex:root ex:p → `width` children, each ex:q → `width` grandchildren."""
    p, q = ox.NamedNode("http://example.org/ns#p"), ox.NamedNode("http://example.org/ns#q")
    root = ox.NamedNode("http://example.org/ns#root")
    for i in range(width):
        child = ox.NamedNode(f"http://example.org/c{i}")
        store.add(ox.Quad(root, p, child))
        for j in range(width):
            store.add(ox.Quad(child, q, ox.NamedNode(f"http://example.org/g{i}-{j}")))


def test_a_join_that_fans_out_past_the_row_limit_goes_to_a_worker():
    small, big = _state(0), _state(0)
    _fan(small.store, 30)                    # 30 + 900 rows
    _fan(big.store, 40)                      # 40 + 1,600 rows
    query = "SELECT * { ex:root ex:p ?c . ?c ex:q ?g } ORDER BY ?g"
    assert classify(query).probes == []      # no probe: only the walk sees the fan-out
    status, _, body = _answer(small, query)
    assert status == 200 and len(body.split()) == 1 + 900
    assert _answer(big, query) is None and big.lookups == 0
    assert _answer(big, "SELECT * { ex:root ex:p/ex:q ?g }") is None        # the same through a path
    assert _answer(small, "SELECT * { ex:root ex:p/ex:q ?g }")[0] == 200


def test_the_join_walk_counts_rows_as_the_engine_would_make_them():
    state = _state(0)
    _fan(state.store, 5)
    rows = lambda q: lookups.join_rows(state.store, classify(q).patterns)   # noqa: E731
    assert rows("SELECT * { ex:root ex:p ?c . ?c ex:q ?g }") == 5 + 25
    assert rows("SELECT * { ex:root ex:p ?c . OPTIONAL { ?c ex:none ?x } }") == 5     # kept unmatched
    assert rows("SELECT * { ex:root ex:p ?c . ?c ex:none ?x }") == 5
    assert rows("SELECT * { ?g ex:none ex:root }") == 0
    assert rows("SELECT * { ex:root ex:p ?c . ?c ex:q ?c }") == 5                     # ?c twice: no match
    assert lookups.join_rows(state.store, classify("SELECT * { ex:root ex:p ?c . ?c ex:q ?g }").patterns, 10) == 11


def test_the_slow_shape_does_not_depend_on_variable_names(monkeypatch):
    state = _state(5)
    monkeypatch.setattr(endpoint, "LOOKUP_BUDGET", -1.0)
    assert _answer(state, "SELECT ?v { <http://example.org/m1> ex:p ?v }")[0] == 200
    assert _answer(state, "SELECT ?renamed { <http://example.org/m1> ex:p ?renamed }") is None
    assert _answer(state, "SELECT ?v ?w { ?v ex:p ?w . ?v a ex:C }") is not None       # another shape
