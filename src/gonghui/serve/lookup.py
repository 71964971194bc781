"""Lookups: the queries the server answers itself instead of handing them to a query worker.

A query worker costs a process hop per query, which is most of the time of a small lookup; its
point is that a runaway query can be killed at its deadline. A lookup cannot run away: its cost is
bounded by the data around the resources it names. Here a lookup is a SELECT or ASK whose WHERE
clause is only triple patterns and OPTIONAL groups of them, in which every pattern is reached
from a named resource or literal:

  - leaving a node already reached (or named) by a predicate IRI or a sequence path of them
    (`?m gh:attestedAt/time:inXSDDate ?date`): the out-degree of one resource;
  - arriving at a named node (`?m org:member <person>`, `?s a schema:Person`), or leaving one
    by a variable predicate (`<x> ?p ?o`): these are the patterns `probes` lists, and the server
    counts their matches in the store first (at most PROBE_LIMIT, or the query goes to a worker);
  - a path `p+` or `p*` of one IRI from or to a named node (`?sub org:subOrganizationOf+ <org>`):
    these are the `closures`; the server walks each first and gives up after CLOSURE_LIMIT edges.

The probes must lie in one connected join (patterns linked by shared variables): two unconnected
probes are a cross product, whose size is the product of theirs. Before the engine runs, `Lookup.too_big`
bounds what it can do: the closures are walked, the product of the probes' counts must stay within
ROW_LIMIT, and the join itself is walked pattern by pattern (a nested loop over the store's index)
and given up as soon as it has made more than ROW_LIMIT rows. So ORDER BY, DISTINCT and the
engine's own joins never see more rows than that: a lookup's cost is known before it runs.

Anything else — FILTER, BIND, UNION, GRAPH, subqueries, aggregates, other paths, blank nodes,
FROM, more than MAX_PATTERNS patterns — is not a lookup and goes to a worker, as before.
The decision is made on the tokens `serve.inspect_query` already has; nothing is evaluated.
"""
from __future__ import annotations

import itertools
import re
import urllib.parse
from dataclasses import dataclass, field

from pyoxigraph import DefaultGraph, Literal, NamedNode

MAX_PATTERNS = 8
PROBE_LIMIT = 1000     # matches of a probe
ROW_LIMIT = 1000       # rows the join may make, summed over its patterns, and the product of the probes' counts
CLOSURE_LIMIT = 100    # edges walked along a closure (≈ 10 µs each, and the engine walks them again)
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

# A term of a pattern: ("var", name) or ("node", NamedNode or Literal).
Term = tuple[str, object]
Probe = tuple[object, object, object]    # a pattern as quads_for_pattern takes it: None for a variable


@dataclass(frozen=True)
class Closure:
    """A path `predicate+` (or `*`) starting at a named node: `forward` from subject to object,
    else back from object to subject."""
    start: NamedNode
    predicate: NamedNode
    forward: bool


@dataclass(frozen=True)
class Pattern:
    """One triple pattern of a lookup, in the order the join is walked. `verb` is a sequence path
    (a list of IRIs), ("var", name), or ("closure", IRI) for `IRI+` / `IRI*`."""
    subject: Term
    verb: list[NamedNode] | Term
    object: Term
    optional: bool


@dataclass(frozen=True)
class Lookup:
    probes: list[Probe]        # patterns whose matches the server counts before answering
    closures: list[Closure]    # paths the server walks before answering
    patterns: list[Pattern] = field(default_factory=list)   # the join, in walking order

    def too_big(self, store) -> bool:
        """Whether answering could cost more than the bounds allow, so that a worker answers: a
        closure walks more than CLOSURE_LIMIT edges, a probe matches more than PROBE_LIMIT quads of
        the default graph of `store`, their product passes ROW_LIMIT, or the join makes more rows."""
        if any(walks_too_far(store, closure) for closure in self.closures):
            return True
        product = 1
        for s, p, o in self.probes:
            count = sum(1 for _ in itertools.islice(store.quads_for_pattern(s, p, o, DefaultGraph()), PROBE_LIMIT + 1))
            product *= max(1, count)
            if count > PROBE_LIMIT or product > ROW_LIMIT:
                return True
        return join_rows(store, self.patterns, ROW_LIMIT) > ROW_LIMIT


def walks_too_far(store, closure: Closure, limit: int = CLOSURE_LIMIT) -> bool:
    """Whether following `closure` through the default graph of `store` meets more than `limit`
    edges: breadth first, stopping there, so the check itself is bounded."""
    seen, frontier, edges = {closure.start}, [closure.start], 0
    while frontier:
        following = []
        for node in frontier:
            quads = (store.quads_for_pattern(node, closure.predicate, None, DefaultGraph()) if closure.forward
                     else store.quads_for_pattern(None, closure.predicate, node, DefaultGraph()))
            for quad in quads:
                edges += 1
                if edges > limit:
                    return True
                reached = quad.object if closure.forward else quad.subject
                if reached not in seen and not isinstance(reached, Literal):   # a literal leads nowhere
                    seen.add(reached)
                    following.append(reached)
        frontier = following
    return False


def join_rows(store, patterns: list[Pattern], limit: int = ROW_LIMIT) -> int:
    """The rows a nested-loop join of `patterns` makes in the default graph of `store`, summed over
    the patterns, counting no further than just past `limit` (so the walk itself is bounded).

    An upper bound of what the engine's join makes: an OPTIONAL pattern keeps a row it does not
    match, a closure binds every node it reaches (and its start, for `*`), and a variable left
    unbound by an OPTIONAL matches anything where it is used later."""
    try:
        return _join(store, patterns, limit)
    except _TooMany:
        return limit + 1


class _TooMany(Exception):
    """A sequence path's middle reached more nodes than ROW_LIMIT."""


def _join(store, patterns: list[Pattern], limit: int) -> int:
    rows: list[dict[str, object]] = [{}]
    made = 0
    for pattern in patterns:
        following = []
        for row in rows:
            matched = False
            for extended in _matches(store, pattern, row):
                matched = True
                following.append(extended)
                made += 1
                if made > limit:
                    return made
            if pattern.optional and not matched:
                following.append(row)
        rows = following
    return made


def _bound(term: Term, row: dict):
    return row.get(term[1]) if term[0] == "var" else term[1]


def _bind(row: dict, pairs) -> dict | None:
    """`row` with the variables of `pairs` bound, or None where one is already bound to another node."""
    row = dict(row)
    for term, node in pairs:
        if term[0] == "var":
            if row.setdefault(term[1], node) != node:
                return None
    return row


def _matches(store, pattern: Pattern, row: dict):
    """The rows `row` extends to through one pattern."""
    subject, obj = _bound(pattern.subject, row), _bound(pattern.object, row)
    if isinstance(subject, Literal):
        return
    verb = pattern.verb
    if isinstance(verb, tuple) and verb[0] == "closure":
        start, forward = (subject, True) if subject is not None and pattern.subject[0] == "node" else (obj, False)
        for node in _reached(store, Closure(start, verb[1], forward)):
            ends = (start, node) if forward else (node, start)
            found = _bind(row, [(pattern.subject, ends[0]), (pattern.object, ends[1])])
            if found is not None:
                yield found
        return
    if isinstance(verb, tuple):                                # a variable predicate
        predicate = _bound(verb, row)
        for quad in store.quads_for_pattern(subject, predicate, obj, DefaultGraph()):
            found = _bind(row, [(pattern.subject, quad.subject), (verb, quad.predicate), (pattern.object, quad.object)])
            if found is not None:
                yield found
        return
    if subject is None:                                        # arriving at a named node by one IRI
        for quad in store.quads_for_pattern(None, verb[0], obj, DefaultGraph()):
            found = _bind(row, [(pattern.subject, quad.subject)])
            if found is not None:
                yield found
        return
    frontier = [subject]                                       # leaving a node along a sequence path
    for step in verb[:-1]:
        frontier = list(itertools.islice((q.object for node in frontier if not isinstance(node, Literal)
                                          for q in store.quads_for_pattern(node, step, None, DefaultGraph())),
                                         ROW_LIMIT + 1))
        if len(frontier) > ROW_LIMIT:
            raise _TooMany
    for node in frontier:
        if isinstance(node, Literal):
            continue
        for quad in store.quads_for_pattern(node, verb[-1], obj, DefaultGraph()):
            found = _bind(row, [(pattern.object, quad.object)])
            if found is not None:
                yield found


def _reached(store, closure: Closure) -> list:
    """The start of a closure and the nodes it reaches (the walk is bounded: walks_too_far came first)."""
    seen, frontier = [closure.start], [closure.start]
    while frontier:
        following = []
        for node in frontier:
            quads = (store.quads_for_pattern(node, closure.predicate, None, DefaultGraph()) if closure.forward
                     else store.quads_for_pattern(None, closure.predicate, node, DefaultGraph()))
            for quad in quads:
                reached = quad.object if closure.forward else quad.subject
                if reached not in seen:
                    seen.append(reached)
                    if not isinstance(reached, Literal):
                        following.append(reached)
        frontier = following
    return seen


_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def resolve_iri(base: str, ref: str) -> str:
    """`ref` resolved against `base`; urljoin drops an empty fragment, which a namespace
    such as <http://www.w3.org/ns/org#> needs."""
    if _ABSOLUTE.match(ref) and "/." not in ref:
        return ref                    # the common case, and urljoin takes 15 µs
    iri = urllib.parse.urljoin(base, ref)
    return iri + "#" if ref.endswith("#") and not iri.endswith("#") else iri


class _NotALookup(Exception):
    pass


def lookup(tokens: list[tuple[str, str]], prefixes: dict[str, str | None], base: str) -> Lookup | None:
    """The probes of a query that is a lookup, or None for any other query.

    `tokens` are (kind, text) from serve's tokenizer (no whitespace or comments), `prefixes`
    the query's PREFIX declarations, resolved, and `base` its base IRI."""
    try:
        patterns = _Parser(tokens, prefixes, base).query()
        probes, closures, ordered = _probes(patterns)
        if len(_joins(patterns, probes)) > 1:
            return None
        return Lookup([tuple(None if t[0] == "var" else t[1] for t in p) for p in probes], closures, ordered)
    except (_NotALookup, IndexError, ValueError):   # ValueError: a malformed IRI or language tag
        return None


class _Parser:
    """Just enough of SPARQL's grammar for lookups; anything outside it raises _NotALookup."""

    def __init__(self, tokens, prefixes, base):
        self.tokens, self.prefixes, self.base, self.i = tokens, prefixes, base, 0
        self.patterns: list[Pattern] = []
        self.optional = 0          # how many OPTIONAL groups the parser is inside

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("", "")

    def take(self) -> tuple[str, str]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def word(self, *words: str) -> bool:
        kind, text = self.peek()
        if kind == "word" and text.upper() in words:
            self.i += 1
            return True
        return False

    def punct(self, char: str) -> bool:
        if self.peek() == ("other", char):
            self.i += 1
            return True
        return False

    def expect(self, char: str) -> None:
        if not self.punct(char):
            raise _NotALookup

    def query(self) -> list:
        while self.word("PREFIX", "BASE"):   # already resolved by inspect_query
            self.take()
            if self.tokens[self.i - 1][0] == "pname":
                self.take()
        if self.word("ASK"):
            pass
        elif self.word("SELECT"):
            self.word("DISTINCT", "REDUCED")
            if not self.punct("*"):
                if self.peek()[0] != "var":
                    raise _NotALookup       # expressions, aggregates
                while self.peek()[0] == "var":
                    self.take()
        else:
            raise _NotALookup
        self.word("WHERE")
        self.expect("{")
        self.group()
        self.modifiers()
        if self.i != len(self.tokens) or not self.patterns or len(self.patterns) > MAX_PATTERNS:
            raise _NotALookup
        return self.patterns

    def group(self) -> None:
        while not self.punct("}"):
            if self.punct("."):
                continue
            if self.word("OPTIONAL"):
                self.expect("{")
                self.optional += 1
                self.group()
                self.optional -= 1
                continue
            self.triples()

    def triples(self) -> None:
        subject = self.term()
        while True:
            verb = self.verb()
            while True:
                self.patterns.append(Pattern(subject, verb, self.term(), self.optional > 0))
                if not self.punct(","):
                    break
            if not self.punct(";"):
                return
            if self.peek() in (("other", "."), ("other", "}")):
                return

    def verb(self) -> list[NamedNode] | Term:
        kind, text = self.peek()
        if kind == "word" and text == "a":
            self.i += 1
            return [NamedNode(RDF_TYPE)]
        if kind == "var":
            self.i += 1
            return ("var", text[1:])
        steps = [NamedNode(self.iri())]
        if self.punct("+") or self.punct("*"):
            return ("closure", steps[0])
        while self.punct("/"):
            steps.append(NamedNode(self.iri()))
        return steps

    def iri(self) -> str:
        kind, text = self.take()
        if kind == "iri" and "\\" not in text:
            return resolve_iri(self.base, text[1:-1])
        if kind == "pname":
            pfx, _, local = text.partition(":")
            if self.prefixes.get(pfx) is None or "\\" in local:
                raise _NotALookup
            return self.prefixes[pfx] + local
        raise _NotALookup

    def term(self) -> Term:
        kind, text = self.peek()
        if kind == "var":
            self.i += 1
            return ("var", text[1:])
        if kind == "string":
            self.i += 1
            if text[:3] in ('"""', "'''") or "\\" in text:
                raise _NotALookup             # long or escaped strings: not worth decoding here
            value = text[1:-1]
            if self.peek()[0] == "lang":
                return ("node", Literal(value, language=self.take()[1][1:]))
            if self.punct("^"):
                self.expect("^")
                return ("node", Literal(value, datatype=NamedNode(self.iri())))
            return ("node", Literal(value))
        return ("node", NamedNode(self.iri()))

    def modifiers(self) -> None:
        if self.word("ORDER"):
            if not self.word("BY"):
                raise _NotALookup
            while True:
                if self.word("ASC", "DESC"):
                    self.expect("(")
                    self.var()
                    self.expect(")")
                elif self.peek()[0] == "var":
                    self.take()
                else:
                    break
        while self.word("LIMIT", "OFFSET"):
            if not self.peek()[1].isdigit():
                raise _NotALookup
            while self.peek()[0] == "other" and self.peek()[1].isdigit():
                self.take()

    def var(self) -> None:
        if self.take()[0] != "var":
            raise _NotALookup


def _variables(pattern: Pattern) -> set[str]:
    terms = [pattern.subject, pattern.object] + ([pattern.verb] if isinstance(pattern.verb, tuple) else [])
    return {t[1] for t in terms if t[0] == "var"}


def _joins(patterns: list[Pattern], probes: list) -> list[set[str]]:
    """The joins (variables linked by sharing patterns) that hold a probe. Joins that leave a
    named node are bounded by its out-degree (`ex:a ex:p ?x ; ex:q ?y`); two that hold a probe
    are a cross product of everything arriving at two nodes (`?a a C . ?b a C`)."""
    groups: list[set[str]] = []
    for names in map(_variables, patterns):
        joined = [g for g in groups if g & names]
        groups = [g for g in groups if not g & names] + [names.union(*joined)]
    probed = [{t[1] for t in probe if t[0] == "var"} for probe in probes]
    return [g for g in groups if any(g & names for names in probed)]


def _probes(patterns: list[Pattern]) -> tuple[list[tuple[Term, Term, Term]], list[Closure], list[Pattern]]:
    """Check that every pattern is reached from a named node; return the patterns to count, the
    paths to walk, and the patterns in the order they were reached (the order join_rows walks)."""
    reached: set[str] = set()
    waiting, probes, closures, ordered = list(patterns), [], [], []

    def known(term: Term) -> bool:
        return term[0] != "var" or term[1] in reached

    progress = True
    while waiting and progress:
        progress = False
        for pattern in list(waiting):
            subject, verb, obj = pattern.subject, pattern.verb, pattern.object
            closure = isinstance(verb, tuple) and verb[0] == "closure"
            by_variable = isinstance(verb, tuple) and not closure
            if closure:
                # walked from a node the query names (not from a variable's every binding)
                if subject[0] == "node" and isinstance(subject[1], NamedNode):
                    closures.append(Closure(subject[1], verb[1], True))
                elif obj[0] == "node" and isinstance(obj[1], NamedNode):
                    closures.append(Closure(obj[1], verb[1], False))
                else:
                    continue
            elif known(subject) and not by_variable:
                pass                                         # leaving a node by IRIs
            elif subject[0] != "var" and by_variable:
                probes.append((subject, verb, obj))          # a named node's whole description
            elif obj[0] != "var" and (by_variable or len(verb) == 1):
                probes.append((subject, verb if by_variable else ("node", verb[0]), obj))   # arriving
            else:
                continue
            reached.update(_variables(pattern))
            waiting.remove(pattern)
            ordered.append(pattern)
            progress = True
    if waiting:
        raise _NotALookup
    return probes, closures, ordered
