"""`gonghui build`: seeds/ → lod/.

Runs the pipeline over every page, validates the dataset and only then publishes the dumps:
gonghui.ttl (whole dataset, sorted Turtle), gonghui.nt.gz (sorted N-Triples), gonghui.trig (a
named graph per page), gonghui.jsonld and void.ttl. Each file is written to a temporary file
and renamed into place, so an interrupted or refused build never damages what was published.
Nothing in the output depends on the clock or on hash order: building twice gives identical bytes.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from . import __version__
from .errors import InputError
from .extract import extract
from .model import PageEntities
from .rdf import DEFAULT_BASE, PREFIXES, to_dataset
from .read import read_page
from .resolve import resolve
from .segment import segment

VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DUMPS = ("gonghui.ttl", "gonghui.nt.gz", "gonghui.trig", "gonghui.jsonld")


@dataclass
class PageResult:
    source: str
    entities: PageEntities | None
    error: str | None = None


def convert_page(path: Path) -> PageEntities:
    """read → segment → extract for one page."""
    return extract(segment(read_page(path)))


def convert(paths: list[Path], keep_going: bool, echo: Callable | None) -> list[PageResult]:
    results = []
    for n, path in enumerate(paths, 1):
        try:
            results.append(PageResult(path.name, convert_page(path)))
        except InputError as exc:
            if not keep_going:
                raise
            results.append(PageResult(path.name, None, str(exc)))
        if echo and len(paths) > 1:
            _progress(echo, n, len(paths))
    return results


def _progress(echo, n, total):
    """A text progress bar, printed about twenty times over a long run."""
    if n == total or n % max(1, total // 20) == 0:
        done = 30 * n // total
        echo(f"  converting pages [{'#' * done}{'.' * (30 - done)}] {n}/{total}", err=True)


def build(seeds_dir: Path, out_dir: Path, base: str | None = None, keep_going: bool = False,
          echo: Callable | None = None, workers: int | None = None, cache: bool = True,
          shard: str | None = None) -> bool:
    """Build and publish the dataset; return False (publishing nothing) when it does not validate."""
    from .validate import graph_locator, validate_graph

    seeds_dir, out_dir = Path(seeds_dir), Path(out_dir)
    if not seeds_dir.is_dir():
        raise InputError(f"{seeds_dir}: not a folder of pages")
    paths = sorted(p for p in seeds_dir.iterdir() if p.suffix == ".txt" and p.is_file())
    if not paths:
        raise InputError(f"{seeds_dir}: no *.txt pages to convert")
    results = convert(paths, keep_going, echo)
    failed = [r for r in results if r.entities is None]
    pages = [r.entities for r in results if r.entities is not None]
    if not pages:
        raise InputError(f"{seeds_dir}: no page could be converted")
    while True:
        ds = to_dataset(resolve(pages), base)
        union = union_graph(ds)
        report = validate_graph(union, locate=graph_locator(union))
        if report.conforms:
            break
        bad = _pages_of(report, union)
        if echo:
            echo(report.text())
        if not keep_going or not bad:
            if echo:
                echo("gonghui: the dataset does not validate; nothing was published")
            return False
        failed += [PageResult(p.document.page.source, None, "violates the shapes") for p in pages
                   if p.document.page.source in bad]
        pages = [p for p in pages if p.document.page.source not in bad]
        if not pages:
            return False
    publish(ds, union, out_dir, base or DEFAULT_BASE)
    if echo:
        echo(summary(pages, union, failed))
    return True


def union_graph(ds: Dataset) -> Graph:
    g = Graph()
    for prefix, ns in ds.namespaces():
        g.bind(prefix, ns)
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def _pages_of(report, union: Graph) -> set[str]:
    out = set()
    for problem in report.problems:
        if problem.where:
            out.add(problem.where.split(":")[0])
    return out


# ---------------------------------------------------------------- writing

def publish(ds: Dataset, union: Graph, out_dir: Path, base: str) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "gonghui.ttl": union.serialize(format="turtle").encode("utf-8"),
        "gonghui.nt.gz": _gzip(sorted_ntriples(union)),
        "gonghui.trig": trig(ds),
        "gonghui.jsonld": jsonld(union),
    }
    files["void.ttl"] = void(union, files, base).serialize(format="turtle").encode("utf-8")
    for name, data in files.items():
        write_atomic(out_dir / name, data)


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside the target, then rename over it."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def trig(ds: Dataset) -> bytes:
    """TriG with the named graphs in IRI order, each written as sorted Turtle (rdflib's own TriG
    writer orders graphs by hash, which breaks byte-identical rebuilds)."""
    prefixes = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(ds.namespaces()) if p)
    blocks = []
    for g in sorted(ds.graphs(), key=lambda g: str(g.identifier)):
        if not len(g) or not isinstance(g.identifier, URIRef):
            continue
        body = Graph(namespace_manager=ds.namespace_manager)
        for t in g:
            body.add(t)
        lines = [l for l in body.serialize(format="turtle").splitlines() if not l.startswith("@prefix")]
        inner = "\n".join(lines).strip("\n")   # no indenting: it would change multi-line literals
        blocks.append(f"<{g.identifier}> {{\n{inner}\n}}\n")
    return (prefixes + "\n" + "\n".join(blocks)).encode("utf-8")


def sorted_ntriples(g: Graph) -> bytes:
    lines = g.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
    return ("\n".join(sorted(set(l for l in lines if l.strip()))) + "\n").encode("utf-8")


def _gzip(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as gz:
        gz.write(data)
    return buf.getvalue()


def jsonld(g: Graph) -> bytes:
    """JSON-LD with the prefixes as context, nodes sorted by @id for byte-stable output."""
    context = {prefix: str(ns) for prefix, ns in sorted(PREFIXES.items())}
    doc = json.loads(g.serialize(format="json-ld", context=context, auto_compact=True))
    nodes = doc.get("@graph", [doc])
    for node in nodes:
        for key, value in node.items():
            if isinstance(value, list):
                node[key] = sorted(value, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    nodes.sort(key=lambda n: n.get("@id", ""))
    return (json.dumps({"@context": context, "@graph": nodes}, ensure_ascii=False, indent=1, sort_keys=True)
            + "\n").encode("utf-8")


def void(union: Graph, files: dict[str, bytes], base: str) -> Graph:
    """VoID + DCAT description: counts per class, dumps with checksums, endpoint, vocabularies."""
    v = Graph()
    v.bind("void", VOID)
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
    v.add((ds, VOID.sparqlEndpoint, URIRef("http://127.0.0.1:8000/sparql")))
    v.add((ds, VOID.triples, Literal(len(union), datatype=XSD.integer)))
    subjects = set(union.subjects())
    v.add((ds, VOID.distinctSubjects, Literal(len(subjects), datatype=XSD.integer)))
    v.add((ds, VOID.entities, Literal(len({s for s in subjects if isinstance(s, URIRef)}), datatype=XSD.integer)))
    counts: dict[URIRef, int] = {}
    for _, cls in union.subject_objects(RDF.type):
        counts[cls] = counts.get(cls, 0) + 1
    for cls, n in sorted(counts.items()):
        part = URIRef(f"{base}dataset/class/{hashlib.sha1(str(cls).encode()).hexdigest()[:10]}")
        v.add((ds, VOID.classPartition, part))
        v.add((part, VOID["class"], cls))
        v.add((part, VOID.entities, Literal(n, datatype=XSD.integer)))
    media = {"gonghui.ttl": "text/turtle", "gonghui.nt.gz": "application/n-triples",
             "gonghui.trig": "application/trig", "gonghui.jsonld": "application/ld+json"}
    for name, data in sorted(files.items()):
        dist = URIRef(f"{base}dataset/dump/{name}")
        v.add((ds, VOID.dataDump, URIRef(f"http://127.0.0.1:8000/download/{name}")))
        v.add((ds, DCAT.distribution, dist))
        v.add((dist, RDF.type, DCAT.Distribution))
        v.add((dist, DCAT.downloadURL, URIRef(f"http://127.0.0.1:8000/download/{name}")))
        v.add((dist, DCAT.mediaType, Literal(media[name])))
        v.add((dist, DCAT.byteSize, Literal(len(data), datatype=XSD.integer)))
        v.add((dist, URIRef("http://spdx.org/rdf/terms#checksum"), Literal(hashlib.sha256(data).hexdigest())))
    for ns in sorted({str(ns) for ns in PREFIXES.values()}):
        v.add((ds, VOID.vocabulary, URIRef(ns)))
    return v


def summary(pages: list[PageEntities], union: Graph, failed: list[PageResult]) -> str:
    rows = [("page", "items", "articles", "people", "orgs", "places", "slogans")]
    for p in pages:
        d = p.document
        rows.append((d.page.source, str(len(d.items)), str(sum(i.is_article for i in d.items)), str(len(p.people)),
                     str(len(p.organisations)), str(len(p.places)), str(len(p.slogans))))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)) for r in rows]
    lines.append(f"{len(union)} triples from {len(pages)} pages")
    for f in failed:
        lines.append(f"left out: {f.source}: {f.error}")
    return "\n".join(lines)
