"""Content negotiation: the media types the endpoint offers for results, graphs and pages, the
`format=` parameter, and choosing one by the Accept header's q-values."""
from __future__ import annotations

# Offers in server preference order: (media type, pyoxigraph format name).
RESULT_TYPES = [
    ("application/sparql-results+json", "JSON"), ("application/sparql-results+xml", "XML"),
    ("text/csv", "CSV"), ("text/tab-separated-values", "TSV"),
    ("application/json", "JSON"), ("application/xml", "XML"), ("text/xml", "XML"),
]
GRAPH_TYPES = [
    ("text/turtle", "TURTLE"), ("application/n-triples", "N_TRIPLES"), ("application/ld+json", "JSON_LD"),
    ("application/rdf+xml", "RDF_XML"), ("application/x-turtle", "TURTLE"), ("text/plain", "N_TRIPLES"),
    ("application/json", "JSON_LD"), ("application/xml", "RDF_XML"), ("text/xml", "RDF_XML"),
]
HTML_TYPES = ["text/html", "application/xhtml+xml"]
# The `format` parameter (also what SPARQLWrapper sends): (for results, for graphs).
FORMAT_PARAM = {
    "json": ("application/sparql-results+json", "application/ld+json"),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "csv": ("text/csv", None), "tsv": ("text/tab-separated-values", None),
    "turtle": (None, "text/turtle"), "ttl": (None, "text/turtle"), "n3": (None, "text/turtle"),
    "nt": (None, "application/n-triples"), "ntriples": (None, "application/n-triples"),
    "n-triples": (None, "application/n-triples"),
    "json-ld": (None, "application/ld+json"), "jsonld": (None, "application/ld+json"),
    "rdf": (None, "application/rdf+xml"), "rdf+xml": (None, "application/rdf+xml"),
    "rdfxml": (None, "application/rdf+xml"),
}


def with_charset(media: str) -> str:
    """Text media types say they are UTF-8 (all output is)."""
    textual = media.startswith("text/") or media.endswith(("json", "xml"))
    return f"{media}; charset=utf-8" if textual else media


def _parse_accept(header: str) -> list[tuple[str, float]]:
    ranges = []
    for part in header.split(","):
        bits = [b.strip() for b in part.split(";")]
        if not bits[0]:
            continue
        q = 1.0
        for b in bits[1:]:
            if b.lower().startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        ranges.append((bits[0].lower(), q))
    return ranges


def negotiate(header: str | None, offers: list[str]) -> str | None:
    """The offer the Accept header likes best (ties go to the earlier offer); None if none is acceptable."""
    if not header or not header.strip():
        return offers[0] if offers else None
    ranges = _parse_accept(header)
    best, best_q = None, 0.0
    for offer in offers:
        kind = offer.split("/")[0]
        # The most specific matching range decides the quality of an offer.
        q, spec = 0.0, -1
        for rng, rq in ranges:
            s = 2 if rng == offer else 1 if rng == kind + "/*" else 0 if rng == "*/*" else -1
            if s > spec:
                q, spec = rq, s
        if q > best_q:
            best, best_q = offer, q
    return best
