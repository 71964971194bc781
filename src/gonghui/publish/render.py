"""A rendered graph (Chunk): its triples as sorted lines of Turtle, N-Triples and JSON-LD, ready to be
appended to the dumps. Graphs share no subject (rdf.mapping), so appending them one after another
gives each subject one block and each triple once."""
from __future__ import annotations

import functools
import gzip
import itertools
import json
import sys
from dataclasses import dataclass, field, replace
from typing import Iterable

import pyoxigraph as ox
from rdflib.namespace import RDF, XSD

from ..vocab import PREFIXES

OX_PREFIXES = {p: str(ns) for p, ns in sorted(PREFIXES.items())}
RDF_TYPE = ox.NamedNode(str(RDF.type))
XSD_STRING = ox.NamedNode(str(XSD.string))


@dataclass
class Chunk:
    """One named graph, rendered in every output syntax as UTF-8 bytes: handing a chunk from a
    worker to the writer then costs a copy, not a decode and an encode of ~1 MB of text."""
    name: str
    nt_gz: bytes             # N-Triples, one gzip member (a .gz file may hold many, RFC 1952)
    ttl: bytes               # Turtle statements; the prefixes are declared once, atop the dump
    jsonld: bytes            # JSON-LD node objects, comma-separated
    classes: dict[str, int]
    triples: int
    problems: list = field(default_factory=list)
    source: str | None = None
    key: str = ""            # its cache key ("" for the build graph, which is made every time)
    where: tuple = ()        # in the previous dumps: (ttl, nt_gz, jsonld) × (offset, length)

    def stub(self, where: tuple) -> Chunk:
        """This chunk without its bytes, which sit in the published dumps at `where`."""
        return replace(self, nt_gz=b"", ttl=b"", jsonld=b"", problems=[], where=where)


def ordered_lines(triples: Iterable[tuple]) -> list[tuple[str, tuple]]:
    """(N-Triples line, triple) pairs in the order of their lines: the order of every dump."""
    return sorted((f"{s} {p} {o} .", (s, p, o)) for s, p, o in triples)


def render(name: ox.NamedNode, triples: Iterable[tuple]) -> Chunk:
    """Sorted N-Triples, Turtle body and JSON-LD nodes of one graph."""
    return render_ordered(name, ordered_lines(triples))


def render_ordered(name: ox.NamedNode, ordered: list[tuple[str, tuple]]) -> Chunk:
    nt = "".join(line + "\n" for line, _ in ordered).encode("utf-8")
    spo = [t for _, t in ordered]
    ttl = b""
    if spo:      # parsing the lines back is cheaper than making ox.Triple objects in Python
        ttl = ox.serialize(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.TURTLE,
                           prefixes=OX_PREFIXES)
        # split on LF only: a literal may hold U+2028 and the like, which str.splitlines would cut
        ttl = b"\n".join(l for l in ttl.split(b"\n") if not l.startswith(b"@prefix")).strip(b"\n")
    classes: dict[str, int] = {}
    for _, p, o in spo:
        if p == RDF_TYPE:
            cls = sys.intern(o.value)      # a few classes, counted for every graph the writer keeps
            classes[cls] = classes.get(cls, 0) + 1
    jsonld = ",\n  ".join(jsonld_nodes(spo)).encode("utf-8")
    return Chunk(name.value, gzip.compress(nt, compresslevel=6, mtime=0), ttl, jsonld, classes, len(spo))


def jsonld_nodes(triples: list[tuple]) -> list[str]:
    """One JSON-LD node object per subject (the triples come sorted, so grouped by subject).
    Written as text, keys sorted, the same bytes json.dumps(node, sort_keys=True) gives — about
    1.5 times faster than building the dicts."""
    nodes = []
    for subject, group in itertools.groupby(triples, key=lambda t: t[0]):
        types, props = [], {}
        for _, p, o in group:
            if p == RDF_TYPE:
                types.append(_json_string(compact(o.value)))
            else:
                props.setdefault(compact(p.value), []).append(_json_value(o))
        parts = ['"@id": ' + _json_string(compact(subject.value))]
        if types:
            parts.append('"@type": [' + ", ".join(types) + "]")
        for key in sorted(props):
            parts.append(_json_string(key) + ": [" + ", ".join(props[key]) + "]")
        nodes.append("{" + ", ".join(parts) + "}")
    return nodes


_json_string = json.encoder.encode_basestring        # a str as a JSON string, non-ASCII kept


def _json_value(o) -> str:
    if isinstance(o, ox.NamedNode):
        return '{"@id": ' + _json_string(compact(o.value)) + "}"
    if o.language:
        return '{"@language": ' + _json_string(o.language) + ', "@value": ' + _json_string(o.value) + "}"
    if o.datatype == XSD_STRING:
        return '{"@value": ' + _json_string(o.value) + "}"
    return '{"@type": ' + _json_string(compact(o.datatype.value)) + ', "@value": ' + _json_string(o.value) + "}"


@functools.lru_cache(maxsize=1 << 16)
def compact(iri: str) -> str:
    for prefix, ns in _LONGEST_FIRST:
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


_LONGEST_FIRST = sorted(OX_PREFIXES.items(), key=lambda kv: -len(kv[1]))
