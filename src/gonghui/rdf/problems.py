"""A validation problem in plain strings and the readable report of many, shared by the fast
checks of the build (shacl.py) and the reference validator (validate.py)."""
from __future__ import annotations

from dataclasses import dataclass

from rdflib import RDF
from rdflib.namespace import PROV

from ..vocab import GH, OA, SCHEMA, SH

PREFIXES = {
    "gh": str(GH),
    "ghsh": "https://w3id.org/gonghui/shapes#",
    "schema": str(SCHEMA),
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": str(PROV),
    "time": "http://www.w3.org/2006/time#",
    "oa": str(OA),
    "dcterms": "http://purl.org/dc/terms/",
    "rdf": str(RDF),
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": str(SH),
}


@dataclass
class Problem:
    """One SHACL validation result, in plain strings.

    focus: IRI of the node that fails. path: IRI of the property (None for a problem with the
    node itself, such as its IRI pattern). value: the offending value, an IRI or a literal in
    N-Triples form with compact datatype ('"2021"^^xsd:string'). shape: IRI of the shape that
    failed. where: "file:line" of the source page the focus node came from, if known.
    """
    focus: str
    path: str | None
    message: str
    severity: str          # "Violation", "Warning" or "Info"
    shape: str | None
    value: str | None
    where: str | None

    def sort_key(self) -> tuple:
        return (self.focus, self.path or "", self.shape or "", self.value or "", self.message)


@dataclass
class Report:
    conforms: bool
    problems: list[Problem]

    @property
    def violations(self) -> int:
        return sum(1 for p in self.problems if p.severity == "Violation")

    def text(self) -> str:
        """Readable report: one block per problem, then "N violations" or "conforms"."""
        blocks = []
        for p in self.problems:
            lines = [p.focus if p.severity == "Violation" else f"{p.focus}  [{p.severity}]"]
            lines.append(f"  path:    {compact(p.path) if p.path else '(the node itself)'}")
            lines.append(f"  problem: {p.message}")
            if p.value is not None:
                lines.append(f"  value:   {compact(p.value)}")
            if p.where:
                lines.append(f"  where:   {p.where}")
            if p.shape:
                lines.append(f"  shape:   {compact(p.shape)}")
            blocks.append("\n".join(lines))
        n = self.violations
        others = len(self.problems) - n
        if n:
            closing = f"{n} violation" + ("" if n == 1 else "s")
        else:
            closing = "conforms"
        if others:
            closing += f" ({others} warning" + ("" if others == 1 else "s") + ")"
        return "\n\n".join(blocks + [closing])


def compact(text: str) -> str:
    """schema:name for a known namespace; anything else unchanged."""
    for prefix, iri in PREFIXES.items():
        if text.startswith(iri) and len(text) > len(iri):
            local = text[len(iri):]
            if all(c.isalnum() or c in "-_." for c in local):
                return f"{prefix}:{local}"
    return text
