"""A small SHACL Core engine for the build: the shapes file compiled into Python checks.

pyshacl (validate.py) is the reference validator and checks any file a user gives it, but it
spends seconds on one page graph. The build validates every page graph on its own, against the
same shapes file, with this engine instead: it reads shapes/gonghui-shapes.ttl, implements the
SHACL Core constraint components that file uses (and refuses to load a shape that uses any
other), and runs over pyoxigraph terms indexed in plain dicts — a few milliseconds a page.
tests/rdf/test_shacl.py holds it to pyshacl's results on the published data and on broken copies.

    shapes = compiled_shapes()
    problems = shapes.check(Data(page_triples, shared=Data(entity_triples)))

A page's data is its own triples over the shared ones (entity descriptions, the build): values
and classes are looked up in both, focus nodes are the subjects of the page's own triples.
"""
from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
import rdflib

from .. import vocab
from ..errors import InputError
from ..vocab import GH, OA

SH, RDF, XSD = str(vocab.SH), str(rdflib.RDF), str(vocab.XSD)
RDF_TYPE = ox.NamedNode(RDF + "type")
RDF_FIRST, RDF_REST, RDF_NIL = (ox.NamedNode(RDF + n) for n in ("first", "rest", "nil"))


def sh(name: str) -> ox.NamedNode:
    return ox.NamedNode(SH + name)


# ---------------------------------------------------------------- data

class Data:
    """Triples indexed subject → predicate → objects, optionally over a shared lower layer.
    Triples are (s, p, o) tuples or ox.Triple of pyoxigraph terms."""

    def __init__(self, triples: Iterable = (), shared: Data | None = None):
        self.spo: dict = {}
        self.shared = shared
        for spo in triples:
            self.add(spo)

    def add(self, spo: tuple) -> None:
        """Add a triple unless it is there: a mapper can write its graph straight into the index
        (as into `rdf.Triples`), so a large graph is not held twice."""
        s, p, o = spo
        own = self.spo.get(s)
        if own is None:
            own = self.spo[s] = {}
        values = own.get(p)
        if values is None:
            own[p] = [o]
        elif o not in values:
            values.append(o)

    def __iter__(self):
        """This layer's own triples."""
        return ((s, p, o) for s, po in self.spo.items() for p, objects in po.items() for o in objects)

    def objects(self, s, p) -> list:
        """The objects of (s, p) in this layer and those below (do not modify the list)."""
        own = self.spo.get(s)
        mine = own.get(p) if own else None
        if self.shared is None:
            return mine or []
        theirs = self.shared.objects(s, p)
        if mine and theirs:
            return list(dict.fromkeys(mine + theirs))
        return mine or theirs

    def types(self, node) -> list:
        return self.objects(node, RDF_TYPE)

    def subjects(self) -> list:
        """The subjects of this layer's own triples, in a fixed order."""
        return sorted(self.spo, key=str)


class Recording(Data):
    """The same data, remembering each (subject, predicate) looked up outside `own`: validating
    some subjects reads their own triples and a few of other nodes' (the types of the nodes they
    point to), and those reads are all the results can depend on — so a cached verdict holds as
    long as the subjects' triples and what these reads return are unchanged."""

    def __init__(self, data: Data, own: set):
        self.spo, self.shared, self.own = data.spo, data.shared, own
        self.reads: set = set()

    def objects(self, s, p) -> list:
        if s not in self.own:
            self.reads.add((s, p))
        return super().objects(s, p)


def digest_reads(data: Data, reads: Iterable[tuple]) -> bytes:
    """A digest of what each (subject, predicate) read returns in `data`, in a fixed order."""
    h = hashlib.blake2b(digest_size=20)
    for s, p in sorted(reads, key=lambda sp: (str(sp[0]), sp[1].value)):
        h.update(f"{s} {p} {' '.join(sorted(map(str, data.objects(s, p))))}\n".encode("utf-8"))
    return h.digest()


# ---------------------------------------------------------------- shapes

@dataclass
class Shape:
    node: object                      # the shape's IRI or blank node
    path: ox.NamedNode | None         # None for a node shape
    message: str | None
    severity: str
    targets: list = field(default_factory=list)
    checks: list = field(default_factory=list)            # (component function, parameter)
    properties: list = field(default_factory=list)        # nested property shapes

    @property
    def name(self) -> str | None:
        return self.node.value if isinstance(self.node, ox.NamedNode) else None


@dataclass(frozen=True)
class Result:
    """One validation result: the focus node, the path (None for a node shape), the offending
    value (None for a count) and the shape that produced it."""
    focus: object
    path: ox.NamedNode | None
    value: object
    source: object                                  # the shape's node
    shape: Shape = field(compare=False, hash=False)


# Parameters that describe a shape rather than constrain it.
DESCRIPTIVE = {"name", "description", "message", "severity", "targetClass", "property", "path",
               "order", "group", "deactivated", "qualifiedMaxCount", "qualifiedMinCount", "flags"}


class ShapesError(ValueError):
    pass


class Shapes:
    """The shapes of one shapes graph, compiled."""

    def __init__(self, triples: Iterable):
        self.g = Data((s, p, o) for s, p, o, *_ in triples)      # triples or quads
        self._compiled: dict = {}
        roots = [s for s in self.g.subjects()
                 if self.g.objects(s, sh("targetClass")) or sh("NodeShape") in self.g.types(s)]
        self.targeted = [self.shape(s) for s in roots]
        self.targeted = [s for s in self.targeted if s.targets]
        self.by_class: dict = {}
        self._by_classes: dict = {}
        for s in self.targeted:
            for c in s.targets:
                self.by_class.setdefault(c, []).append(s)

    def _list(self, head) -> list:
        items = []
        while head != RDF_NIL:
            items += self.g.objects(head, RDF_FIRST)
            rest = self.g.objects(head, RDF_REST)
            if not rest:
                raise ShapesError(f"broken RDF list in the shapes at {head}")
            head = rest[0]
        return items

    def shape(self, node) -> Shape:
        if node in self._compiled:
            return self._compiled[node]
        one = lambda p: next(iter(self.g.objects(node, sh(p))), None)
        path = one("path")
        if path is not None and not isinstance(path, ox.NamedNode):
            raise ShapesError(f"{node}: only predicate paths are supported, not {path}")
        severity = one("severity")
        message = one("message")
        shape = Shape(node, path, message.value if message is not None else None,
                      severity.value.rsplit("#", 1)[-1] if severity is not None else "Violation")
        self._compiled[node] = shape          # before compiling children: shapes may refer back
        shape.targets = self.g.objects(node, sh("targetClass"))
        for p, values in sorted(self.g.spo.get(node, {}).items(), key=lambda kv: str(kv[0])):
            if not p.value.startswith(SH):
                continue
            name = p.value[len(SH):]
            if name in DESCRIPTIVE:
                continue
            if name not in CHECKS:        # a component this engine does not implement
                raise ShapesError(f"{node}: sh:{name} is not implemented by gonghui.rdf.shacl")
            for v in values:
                param = self._parameter(name, v, one)
                if param is not None:
                    shape.checks.append((CHECKS[name], param))
        shape.properties = [self.shape(p) for p in self.g.objects(node, sh("property"))]
        return shape

    def _parameter(self, name: str, v, one: Callable):
        """The compiled parameter of one constraint (None: nothing to check)."""
        if name in ("not", "node"):
            return self.shape(v)
        if name in ("or", "and"):
            return [self.shape(x) for x in self._list(v)]
        if name == "in":
            return self._list(v)
        if name == "languageIn":
            return Languages(r.value for r in self._list(v))
        if name == "pattern":
            flags = one("flags")
            return re.compile(v.value, re.IGNORECASE if flags is not None and "i" in flags.value else 0)
        if name == "qualifiedValueShape":
            low, high = one("qualifiedMinCount"), one("qualifiedMaxCount")
            return (self.shape(v), int(low.value) if low else None, int(high.value) if high else None)
        if name in ("minCount", "maxCount", "minLength", "maxLength"):
            return int(v.value)
        if name == "uniqueLang":
            return True if v.value == "true" else None
        return v

    # ------------------------------------------------------------ checking

    def check(self, data: Data, focus: Iterable | None = None) -> list[Result]:
        """Results for the focus nodes (default: the subjects of data's own triples) of every
        shape that targets one of their classes; sorted, so the order is stable."""
        results: list[Result] = []
        for node in (data.subjects() if focus is None else focus):
            for shape in self._shapes_for(tuple(data.types(node))):
                self.results(shape, node, data, results)
        return sorted(set(results), key=lambda r: (str(r.focus), str(r.path or ""), str(r.source),
                                                   str(r.value or "")))

    def _shapes_for(self, classes: tuple) -> list[Shape]:
        """The shapes that target any of these classes, each once (remembered per class set)."""
        shapes = self._by_classes.get(classes)
        if shapes is None:
            found: dict = {}
            for cls in classes:
                for shape in self.by_class.get(cls, ()):
                    found[id(shape)] = shape
            shapes = self._by_classes[classes] = list(found.values())
        return shapes

    def results(self, shape: Shape, focus, data: Data, out: list | None = None) -> list[Result]:
        out = [] if out is None else out
        values = [focus] if shape.path is None else data.objects(focus, shape.path)
        for component, param in shape.checks:
            for value in component(self, param, focus, values, data, shape):
                out.append(Result(focus, shape.path, value, shape.node, shape))
        for prop in shape.properties:
            for v in values:
                self.results(prop, v, data, out)
        return out

    def conforms(self, shape: Shape, node, data: Data) -> bool:
        return not self.results(shape, node, data)


# ---------------------------------------------------------------- constraint components
# Each takes (shapes, parameter, focus, value nodes, data, shape) and yields the offending values
# (None where the whole value set is at fault, as for a count).

def _each(test: Callable) -> Callable:
    """A component that tests every value node on its own."""
    def component(shapes, param, focus, values, data, shape):
        return [v for v in values if not test(shapes, param, v, data)]
    return component


def _is_literal(v) -> bool:
    return isinstance(v, ox.Literal)


NODE_KINDS = {
    "IRI": (ox.NamedNode,), "Literal": (ox.Literal,), "BlankNode": (ox.BlankNode,),
    "BlankNodeOrIRI": (ox.BlankNode, ox.NamedNode), "BlankNodeOrLiteral": (ox.BlankNode, ox.Literal),
    "IRIOrLiteral": (ox.NamedNode, ox.Literal),
}

WELL_FORMED = {
    XSD + "integer": r"[+-]?[0-9]+", XSD + "nonNegativeInteger": r"\+?[0-9]+|-0+",
    XSD + "positiveInteger": r"\+?0*[1-9][0-9]*", XSD + "int": r"[+-]?[0-9]+", XSD + "long": r"[+-]?[0-9]+",
    XSD + "decimal": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)",
    XSD + "date": r"-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(Z|[+-][0-9]{2}:[0-9]{2})?",
    XSD + "gYear": r"-?[0-9]{4,}(Z|[+-][0-9]{2}:[0-9]{2})?",
    XSD + "boolean": r"true|false|1|0",
}


WELL_FORMED_RX = {dt: re.compile(form) for dt, form in WELL_FORMED.items()}


class Languages:
    """The language ranges of an sh:languageIn (basic filtering, RFC 4647), with the verdict on
    each tag remembered: a dataset uses a handful of tags on millions of literals."""

    def __init__(self, ranges: Iterable[str]):
        self.ranges = tuple(r.lower() for r in ranges)
        self._seen: dict[str, bool] = {}

    def __contains__(self, tag: str) -> bool:
        found = self._seen.get(tag)
        if found is None:
            low = tag.lower()
            found = self._seen[tag] = any(r == "*" or low == r or low.startswith(r + "-") for r in self.ranges)
        return found


def _comparable(v):
    """A literal's value for ordering (numbers as numbers, dates and strings as text), or None."""
    if not _is_literal(v):
        return None
    dt = v.datatype.value
    if dt in (XSD + "integer", XSD + "nonNegativeInteger", XSD + "positiveInteger", XSD + "int",
              XSD + "long", XSD + "decimal", XSD + "double", XSD + "float"):
        try:
            return (0, Decimal(v.value))
        except InvalidOperation:
            return None
    if dt in (XSD + "date", XSD + "dateTime", XSD + "gYear"):
        return (1, dt, v.value)
    if dt == XSD + "string":
        return (2, v.value)
    return None


def _compare(v, bound, test) -> bool:
    a, b = _comparable(v), _comparable(bound)
    if a is None or b is None or a[0] != b[0] or (a[0] == 1 and a[1] != b[1]):
        return False
    return test(a[-1], b[-1])


def _count(test):
    def component(shapes, n, focus, values, data, shape):
        return [] if test(len(values), n) else [None]
    return component


def _less_than(shapes, other, focus, values, data, shape):
    others = data.objects(focus, other)
    return [v for v in values for w in others if not _compare(v, w, lambda a, b: a < b)]


def _unique_lang(shapes, _, focus, values, data, shape):
    seen: dict = {}
    for v in values:
        if _is_literal(v) and v.language:
            seen[v.language.lower()] = seen.get(v.language.lower(), 0) + 1
    return [None for lang, n in sorted(seen.items()) if n > 1]


def _qualified(shapes, param, focus, values, data, shape):
    inner, low, high = param
    n = sum(shapes.conforms(inner, v, data) for v in values)
    return [None] if (low is not None and n < low) or (high is not None and n > high) else []


def _length(test):
    return _each(lambda shapes, n, v, data: not isinstance(v, ox.BlankNode) and test(len(v.value), n))


def _class(shapes, cls, focus, values, data, shape):
    return [v for v in values if isinstance(v, ox.Literal) or cls not in data.types(v)]


def _datatype(shapes, dt, focus, values, data, shape):
    form = WELL_FORMED_RX.get(dt.value)
    return [v for v in values if not isinstance(v, ox.Literal) or v.datatype != dt
            or (form is not None and form.fullmatch(v.value) is None)]


def _node_kind(shapes, kind, focus, values, data, shape):
    kinds = NODE_KINDS[kind.value[len(SH):]]
    return [v for v in values if not isinstance(v, kinds)]


def _pattern(shapes, rx, focus, values, data, shape):
    return [v for v in values if isinstance(v, ox.BlankNode) or rx.search(v.value) is None]


def _language_in(shapes, languages, focus, values, data, shape):
    return [v for v in values if not isinstance(v, ox.Literal) or not (tag := v.language) or tag not in languages]


CHECKS: dict[str, Callable] = {
    "class": _class,
    "datatype": _datatype,
    "nodeKind": _node_kind,
    "pattern": _pattern,
    "languageIn": _language_in,
    "in": _each(lambda shapes, allowed, v, data: v in allowed),
    "hasValue": lambda shapes, want, focus, values, data, shape: [] if want in values else [None],
    "minInclusive": _each(lambda shapes, b, v, data: _compare(v, b, lambda x, y: x >= y)),
    "maxInclusive": _each(lambda shapes, b, v, data: _compare(v, b, lambda x, y: x <= y)),
    "minExclusive": _each(lambda shapes, b, v, data: _compare(v, b, lambda x, y: x > y)),
    "maxExclusive": _each(lambda shapes, b, v, data: _compare(v, b, lambda x, y: x < y)),
    "minLength": _length(lambda n, m: n >= m),
    "maxLength": _length(lambda n, m: n <= m),
    "minCount": _count(lambda n, m: n >= m),
    "maxCount": _count(lambda n, m: n <= m),
    "lessThan": _less_than,
    "uniqueLang": _unique_lang,
    "not": _each(lambda shapes, inner, v, data: not shapes.conforms(inner, v, data)),
    "node": _each(lambda shapes, inner, v, data: shapes.conforms(inner, v, data)),
    "or": _each(lambda shapes, inner, v, data: any(shapes.conforms(s, v, data) for s in inner)),
    "and": _each(lambda shapes, inner, v, data: all(shapes.conforms(s, v, data) for s in inner)),
    "qualifiedValueShape": _qualified,
}


SHAPES_NAME = "gonghui-shapes.ttl"


def _shapes_candidates() -> list[Path]:
    return [
        Path(__file__).resolve().parents[3] / "shapes" / SHAPES_NAME,   # source checkout: src/gonghui/rdf/ → ./
        Path.cwd() / "shapes" / SHAPES_NAME,
    ]


def shapes_path() -> Path:
    """Where the shapes file is (the first of `_shapes_candidates` that exists)."""
    for path in _shapes_candidates():
        if path.is_file():
            return path
    looked = ", ".join(str(p) for p in _shapes_candidates())
    raise InputError(f"{SHAPES_NAME}: not found (looked in {looked})")


@functools.lru_cache(maxsize=4)
def compiled_shapes(path: str | None = None) -> Shapes:
    """The project's shapes file (or another), parsed and compiled once per process."""
    where = path or str(shapes_path())
    try:
        return Shapes(ox.parse(path=where, format=ox.RdfFormat.TURTLE))
    except (SyntaxError, ValueError, OSError) as exc:
        raise InputError(f"{where}: cannot use the SHACL shapes: {exc}") from None


# ---------------------------------------------------------------- reporting

START_OFFSET, HAS_SELECTOR, SELECTOR_START = (ox.NamedNode(str(iri)) for iri in
                                               (GH.startOffset, OA.hasSelector, OA.start))


def problem(result: Result, data: Data, source: str | None = None, text: str | None = None):
    """A result as a validate.Problem; `where` is the page file (and line, when the focus node
    carries an offset into the page's text)."""
    from .problems import Problem
    where = source
    if source and text is not None:
        offsets = list(data.objects(result.focus, START_OFFSET))
        for sel in data.objects(result.focus, HAS_SELECTOR):
            offsets += data.objects(sel, SELECTOR_START)
        start = _comparable(offsets[0]) if offsets else None
        if start and start[0] == 0 and 0 <= start[1] <= len(text):
            where = f"{source}:{text.count(chr(10), 0, int(start[1])) + 1}"
    shape = result.shape
    return Problem(focus=_text(result.focus), path=result.path.value if result.path else None,
                   message=shape.message or "does not conform", severity=shape.severity,
                   shape=shape.name, value=_text(result.value) if result.value is not None else None,
                   where=where)


def _text(term) -> str:
    from .problems import compact
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    body = '"' + term.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if term.language:
        return f"{body}@{term.language}"
    if term.datatype.value == XSD + "string":
        return body
    return f"{body}^^{compact(term.datatype.value)}"
