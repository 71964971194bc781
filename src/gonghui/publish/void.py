"""The VoID and DCAT description of the published dataset (void.ttl): counts, dumps and their checksums."""
from __future__ import annotations

import hashlib
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from .. import __version__
from ..vocab import PREFIXES, site_of
from .dumps import MEDIA

VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SPDX = Namespace("http://spdx.org/rdf/terms#")


def void(triples: int, classes: dict[str, int], files: dict[str, Path], sums: dict[str, str], base: str) -> bytes:
    """VoID + DCAT description: counts per class, dumps with checksums, endpoint, vocabularies."""
    v = Graph(bind_namespaces="none")       # rdflib's own bindings would name schema: "schema1:"
    v.bind("void", VOID)
    v.bind("spdx", SPDX)
    v.bind("dcat", DCAT)
    v.bind("dcterms", DCTERMS)
    for prefix, ns in PREFIXES.items():
        v.bind(prefix, ns)
    ds = URIRef(base + "dataset")
    v.add((ds, RDF.type, VOID.Dataset))
    v.add((ds, RDF.type, DCAT.Dataset))
    v.add((ds, DCTERMS.title, Literal("gonghui: Chinese trade-union newspapers as Linked Open Data", lang="en")))
    v.add((ds, DCTERMS.title, Literal("工会报纸关联数据", lang="zh")))
    v.add((ds, DCTERMS.description, Literal(
        "Issues, articles, people and their posts, organisations, places, slogans and events extracted "
        "from Chinese trade-union newspaper pages.", lang="en")))
    v.add((ds, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
    v.add((ds, DCTERMS.hasVersion, Literal(__version__)))
    v.add((ds, VOID.uriSpace, Literal(base)))
    site = site_of(base)
    v.add((ds, VOID.sparqlEndpoint, URIRef(site + "sparql")))
    v.add((ds, VOID.triples, Literal(triples, datatype=XSD.integer)))
    for cls, n in sorted(classes.items()):
        part = URIRef(f"{base}dataset/class/{hashlib.sha1(cls.encode()).hexdigest()[:10]}")
        v.add((ds, VOID.classPartition, part))
        v.add((part, VOID["class"], URIRef(cls)))
        v.add((part, VOID.entities, Literal(n, datatype=XSD.integer)))
    for name, path in sorted(files.items()):
        dist = URIRef(f"{base}dataset/dump/{name}")
        url = URIRef(f"{site}download/{name}")
        v.add((ds, VOID.dataDump, url))
        v.add((ds, DCAT.distribution, dist))
        v.add((dist, RDF.type, DCAT.Distribution))
        v.add((dist, DCAT.downloadURL, url))
        v.add((dist, DCAT.mediaType, Literal(MEDIA[name])))
        v.add((dist, DCAT.byteSize, Literal(path.stat().st_size, datatype=XSD.integer)))
        v.add((dist, SPDX.checksum, Literal(sums[name])))
    for ns in sorted({str(ns) for ns in PREFIXES.values()}):
        v.add((ds, VOID.vocabulary, URIRef(ns)))
    return v.serialize(format="turtle").encode("utf-8")
