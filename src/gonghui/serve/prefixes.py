"""The prefixes the server writes Turtle with and shows IRIs by (ontology/README.md), and the tidy-up
that drops those a Turtle answer does not use."""
from __future__ import annotations

import re

# Prefixes used in Turtle output and HTML display (ontology/README.md).
PREFIXES = {
    "gh": "https://w3id.org/gonghui/ontology#",
    "schema": "http://schema.org/",
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "time": "http://www.w3.org/2006/time#",
    "oa": "http://www.w3.org/ns/oa#",
    "dcterms": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "sh": "http://www.w3.org/ns/shacl#",
    "ghsh": "https://w3id.org/gonghui/shapes#",
}


def tidy_turtle(body: bytes) -> bytes:
    """Drop the @prefix lines a Turtle document does not use (the serialiser writes them all)."""
    lines = body.split(b"\n")
    n = 0
    while n < len(lines) and lines[n].startswith(b"@prefix "):
        n += 1
    rest = b"\n".join(lines[n:])
    kept = [line for line in lines[:n]
            if re.search(rb"(?<![\w<\"#/])" + re.escape(line.split()[1]), rest)]
    return b"\n".join(kept + lines[n:])
