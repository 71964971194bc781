"""Validate RDF data against the SHACL shapes of the core contract (shapes/gonghui-shapes.ttl).

    report = validate_file("lod/gonghui.ttl")
    print(report.text())          # one block per problem, then "N violations" or "conforms"

The shapes are SHACL Core and the data is validated as it is, without inference: the data
states every class a node needs. Each problem can say where its focus node came from
("page.txt:12"): `validate_file` works that out from the data itself (`graph_locator`);
`validate_graph` takes any `locate(focus_iri) -> "file:line" | None` callback.

Where the shapes are found: this module ships NO copy of them. `load_shapes` looks in the
source checkout (`shapes/` next to `src/`, which is also where an editable install points)
and then in `./shapes/` under the current directory. A non-editable wheel therefore needs to
be run from a checkout; one file, one truth, no copy that can drift.
"""
from __future__ import annotations

import functools
import gzip
import json
from pathlib import Path
from typing import Callable, Iterable

import pyshacl
import rdflib
from rdflib import RDF, BNode, Literal, URIRef
from rdflib.namespace import PROV, NamespaceManager

from ..errors import InputError
from ..vocab import GH, OA, SCHEMA, SH
from .problems import PREFIXES, Problem, Report, compact
from .shacl import shapes_path

# The published address of ontology/context.jsonld; JSON-LD files that name it are read with
# the local copy instead (no network).
CONTEXT_IRI = "https://w3id.org/gonghui/context.jsonld"


# Suffix (after an optional .gz) → rdflib parser name; the quad formats are merged into one graph.
FORMATS = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".n3": "n3",
    ".trig": "trig",
    ".nq": "nquads",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "xml",
    ".owl": "xml",
}
QUAD_FORMATS = {"trig", "nquads"}

Locate = Callable[[str], "str | None"]


# ---------------------------------------------------------------- validation

@functools.lru_cache(maxsize=1)
def load_shapes() -> rdflib.Graph:
    """The shapes graph (parsed once; do not modify it)."""
    path = shapes_path()
    try:
        return rdflib.Graph().parse(path, format="turtle")
    except Exception as exc:  # any parser error: our own file is broken
        raise InputError(f"{path}: cannot parse the SHACL shapes: {_one_line(exc)}") from None


def validate_graph(data: rdflib.Graph, locate: Locate | None = None) -> Report:
    """Validate `data` against the shapes, without inference; problems sorted by focus, path."""
    conforms, results, _ = pyshacl.validate(
        data,
        shacl_graph=load_shapes(),
        inference="none",
        advanced=False,
        meta_shacl=False,
        allow_warnings=True,
    )
    problems = sorted(_problems(results, locate), key=Problem.sort_key)
    return Report(conforms=bool(conforms), problems=problems)


def validate_file(path, locate: Locate | None = None) -> Report:
    """Parse an RDF file (format by suffix, ".gz" allowed) and validate it.

    Without `locate`, problems are located through the data itself (`graph_locator`).
    Unreadable, unparsable or empty input raises InputError with a one-line message.
    """
    path = Path(path)
    data = read_graph(path)
    return validate_graph(data, locate if locate is not None else graph_locator(data))


def read_graph(path) -> rdflib.Graph:
    """Read one RDF file into a graph; quads (TriG, N-Quads) are merged into one graph."""
    path = Path(path)
    name = path.name.lower()
    packed = name.endswith(".gz")
    suffix = Path(name[:-3] if packed else name).suffix
    fmt = FORMATS.get(suffix)
    if fmt is None:
        known = " ".join(sorted(FORMATS))
        raise InputError(f"{path}: unknown RDF format {suffix or '(no suffix)'!r}; expected one of {known} (optionally .gz)")
    try:
        raw = path.read_bytes()
        if packed:
            raw = gzip.decompress(raw)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not an RDF file") from None
    except (OSError, EOFError) as exc:   # unreadable, or a broken gzip stream
        raise InputError(f"{path}: cannot read: {_one_line(exc)}") from None

    base = path.resolve().as_uri()
    try:
        if fmt == "json-ld":
            raw = _local_context(raw)
        if fmt in QUAD_FORMATS:
            dataset = rdflib.Dataset()
            dataset.parse(data=raw, format=fmt, publicID=base)
            graph = rdflib.Graph()
            for s, p, o, _ in dataset.quads((None, None, None, None)):
                graph.add((s, p, o))
        else:
            graph = rdflib.Graph().parse(data=raw, format=fmt, publicID=base)
    except _Refused as exc:
        raise InputError(f"{path}: {exc}") from None
    except InputError:          # the local context is missing: that message names its file
        raise
    except Exception as exc:  # rdflib raises many kinds (BadSyntax, ValueError, JSON errors …)
        raise InputError(f"{path}: not valid {fmt}: {_one_line(exc)}") from None
    if len(graph) == 0:
        raise InputError(f"{path}: no triples")
    return graph


class _Refused(ValueError):
    """Input we will not parse, for a reason worth saying as it is."""


def _local_context(raw: bytes) -> bytes:
    """Swap our published context IRI for the local ontology/context.jsonld; refuse other remote ones."""
    doc = json.loads(raw)          # a JSON error here becomes "not valid json-ld" above
    if not isinstance(doc, dict) or "@context" not in doc:
        return raw
    refs = doc["@context"] if isinstance(doc["@context"], list) else [doc["@context"]]
    local = []
    for ref in refs:
        if ref == CONTEXT_IRI:
            local.append(_context_document()["@context"])
        elif isinstance(ref, str):
            raise _Refused(f"remote JSON-LD context {ref!r} is not fetched (no network); inline it or use {CONTEXT_IRI}")
        else:
            local.append(ref)
    doc["@context"] = local if len(local) > 1 else local[0]
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


@functools.lru_cache(maxsize=1)
def _context_document() -> dict:
    path = Path(__file__).resolve().parents[2] / "ontology" / "context.jsonld"
    if not path.is_file():
        path = Path.cwd() / "ontology" / "context.jsonld"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read the JSON-LD context: {_one_line(exc)}") from None


def _problems(results: rdflib.Graph, locate: Locate | None) -> Iterable[Problem]:
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        severity = results.value(result, SH.resultSeverity)
        shape = results.value(result, SH.sourceShape)
        value = results.value(result, SH.value)
        messages = sorted(str(m) for m in results.objects(result, SH.resultMessage))
        focus_text = _node_text(focus)
        yield Problem(
            focus=focus_text,
            path=_path_text(results, path) if path is not None else None,
            message="; ".join(messages) or "does not conform",
            severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            shape=str(shape) if isinstance(shape, URIRef) else None,
            value=_node_text(value) if value is not None else None,
            where=locate(focus_text) if locate is not None and isinstance(focus, URIRef) else None,
        )


# ---------------------------------------------------------------- where a node came from

def graph_locator(data: rdflib.Graph) -> Locate:
    """A `locate` callback that finds the source page line of a node through the data itself.

    Items point at their page (gh:sourcePage, gh:startOffset) and issues are found from their
    pages; mentions at a text selector (oa:start); attestations at the item they were read
    from, posts through their attestations; any other entity at the first of its mentions. The
    line is counted in the page's gh:normalisedText when it is present; without it only the
    file name is given.
    """
    def pages_of(node, depth: int) -> list[tuple[URIRef, int | None]]:
        if depth > 3:            # item → page is the longest useful chain; stop cycles
            return []
        if data.value(node, GH.fileName) is not None:
            return [(node, None)]
        page = data.value(node, GH.sourcePage)
        offset = _int(data.value(node, GH.startOffset))
        if page is not None and offset is not None:
            return [(page, offset)]
        selector = data.value(node, OA.hasSelector)
        if selector is not None:
            page = data.value(node, OA.hasSource)
            return [(page, _int(data.value(selector, OA.start)))] if page is not None else []
        found = []
        for nxt in data.objects(node, OA.hasTarget):
            found += pages_of(nxt, depth + 1)
        for target in data.subjects(OA.hasSelector, node):
            found += pages_of(target, depth + 1)
        for attestation in data.subjects(GH.attests, node):
            found += pages_of(attestation, depth + 1)
        if not found:
            for origin in data.objects(node, PROV.wasDerivedFrom):
                found += pages_of(origin, depth + 1)
        if not found and page is not None:      # an attestation of the page itself
            found = [(page, None)]
        if not found:                           # an issue: the pages that are part of it
            found = [(p, None) for p in data.subjects(SCHEMA.isPartOf, node)
                     if data.value(p, GH.fileName) is not None]
        if not found:
            for mention in data.subjects(OA.hasBody, node):
                found += pages_of(mention, depth + 1)
        return found

    def locate(focus: str) -> str | None:
        places = sorted({_where(data, page, offset) for page, offset in pages_of(URIRef(focus), 0)})
        return places[0] if places else None

    return locate


def _where(data: rdflib.Graph, page, offset: int | None) -> str:
    name = data.value(page, GH.fileName)
    name = str(name) if name is not None else str(page).rstrip("/").rsplit("/", 1)[-1]
    text = data.value(page, GH.normalisedText)
    if offset is None or text is None or not 0 <= offset <= len(str(text)):
        return name
    return f"{name}:{str(text).count(chr(10), 0, offset) + 1}"


def _int(value) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- rendering

@functools.lru_cache(maxsize=1)
def _namespaces() -> NamespaceManager:
    manager = NamespaceManager(rdflib.Graph(), bind_namespaces="none")
    for prefix, iri in PREFIXES.items():
        manager.bind(prefix, iri, override=True)
    return manager


def _node_text(node) -> str:
    if isinstance(node, Literal):
        return node.n3(_namespaces())
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)


def _path_text(graph: rdflib.Graph, path) -> str:
    """A property IRI, or a SPARQL-style rendering of a complex path."""
    if isinstance(path, URIRef):
        return str(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + compact(_path_text(graph, inverse))
    if graph.value(path, RDF.first) is not None:
        return "/".join(compact(_path_text(graph, step)) for step in graph.items(path))
    return "(complex path)"




def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
