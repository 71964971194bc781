"""`gonghui build`: seeds/ → lod/.

Four passes, each bounded in memory, so an archive of tens of thousands of pages builds on one
machine:

1. convert — read → segment → extract every page, in worker processes; each result is kept in a
   cache keyed by the page's content and the code version, so a rebuild redoes only changed pages;
2. resolve — fold the cached pages one by one into the corpus (identity, names, posts);
3. map and validate — each page becomes its own named graph (in workers), validated with the
   SHACL shapes together with the entity descriptions it refers to (results cached too);
4. publish — the graphs are written in a fixed order into a staging folder, then moved into
   `lod/` only when everything validated: gonghui.ttl, gonghui.nt.gz, gonghui.trig,
   gonghui.jsonld, void.ttl and SHA256SUMS.

Output never depends on the clock, hash order or the number of workers: building twice, with one
worker or many, gives byte-identical files.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import multiprocessing
import os
import pickle
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from . import __version__
from .errors import InputError
from .model import PageEntities
from .rdf import DEFAULT_BASE, Mapper
from .resolve import Corpus, _add_parents, add_page
from .vocab import GH, PREFIXES

VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DUMPS = ("gonghui.ttl", "gonghui.nt.gz", "gonghui.trig", "gonghui.jsonld")
FILES = DUMPS + ("void.ttl",)
SUMS = "SHA256SUMS"
MEDIA = {"gonghui.ttl": "text/turtle", "gonghui.nt.gz": "application/n-triples",
         "gonghui.trig": "application/trig", "gonghui.jsonld": "application/ld+json"}
OX_PREFIXES = {p: str(ns) for p, ns in sorted(PREFIXES.items())}


# ---------------------------------------------------------------- the code version and the cache

def code_version() -> str:
    """Digest of the package's code, lexicons and shapes: a change to any invalidates the cache."""
    here = Path(__file__).parent
    files = sorted(p for p in here.rglob("*") if p.is_file() and (p.suffix == ".py" or "data" in p.parts)
                   and "__pycache__" not in p.parts)
    shapes = here.parents[1] / "shapes" / "gonghui-shapes.ttl"
    h = hashlib.sha256(__version__.encode())
    for p in files + ([shapes] if shapes.exists() else []):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


class Cache:
    """Converted pages and validation verdicts on disk, under one folder per code version.

    Each entry is a pickle with a SHA-256 header; a truncated or corrupted entry is detected,
    removed and rebuilt. Writes go to a temporary file and are renamed into place."""

    def __init__(self, root: Path, version: str, reuse: bool = True):
        self.root = root / version
        self.reuse = reuse

    def page_path(self, source: str, sha: str) -> Path:
        return self.root / "pages" / f"{sha}-{hashlib.sha1(source.encode()).hexdigest()[:8]}.pkl"

    def has_page(self, source: str, sha: str) -> bool:
        return self.reuse and self.load_page(source, sha) is not None

    def load_page(self, source: str, sha: str) -> PageEntities | None:
        path = self.page_path(source, sha)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        digest, payload = data[:32], data[32:]
        if hashlib.sha256(payload).digest() != digest:
            path.unlink(missing_ok=True)          # corrupted: convert the page again
            return None
        try:
            return pickle.loads(payload)
        except Exception:
            path.unlink(missing_ok=True)
            return None

    def store_page(self, source: str, sha: str, pe: PageEntities) -> None:
        payload = pickle.dumps(pe, protocol=pickle.HIGHEST_PROTOCOL)
        _write_atomic(self.page_path(source, sha), hashlib.sha256(payload).digest() + payload)

    def valid(self, digest: str) -> bool:
        return self.reuse and (self.root / "valid" / digest).exists()

    def mark_valid(self, digest: str) -> None:
        _write_atomic(self.root / "valid" / digest, b"")


def _write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write to a temporary file beside the target, then rename over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- pass 1: convert

@dataclass
class Source:
    path: Path
    sha: str
    error: str | None = None


def convert_page(path: Path) -> PageEntities:
    """read → segment → extract for one page."""
    from .extract import extract
    from .read import read_page
    from .segment import segment
    return extract(segment(read_page(path)))


def _convert_task(args: tuple[Path, str, Path, str]) -> str | None:
    """Worker: convert one page into the cache; the error message, or None."""
    path, sha, root, version = args
    try:
        pe = convert_page(path)
        Cache(root, version).store_page(path.name, sha, pe)
    except InputError as exc:
        return str(exc)
    except OSError as exc:
        return f"{path.name}: cannot write the cache ({exc.strerror or exc})"
    return None


def _warm_up() -> None:
    """Load jieba and the lexicons once in the parent, so forked workers start warm."""
    import jieba

    from . import extract, lexicon
    jieba.setLogLevel(60)
    jieba.initialize()
    lexicon.is_common_word("工会")
    extract._division_regex()
    extract.title_regex()


def _pool(workers: int):
    return multiprocessing.get_context("fork").Pool(workers)


def convert(paths: list[Path], cache: Cache, workers: int, echo: Callable | None) -> list[Source]:
    sources = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror})") from None
        sources.append(Source(path, hashlib.sha256(data).hexdigest()))
    todo = [s for s in sources if not cache.has_page(s.path.name, s.sha)]
    tasks = [(s.path, s.sha, cache.root.parent, cache.root.name) for s in todo]
    if todo:
        _warm_up()
    if workers > 1 and len(todo) > 1:
        with _pool(min(workers, len(todo))) as pool:
            errors = []
            for n, err in enumerate(pool.imap(_convert_task, tasks, chunksize=1), 1):
                errors.append(err)
                _progress(echo, "converting", n, len(todo))
    else:
        errors = []
        for n, t in enumerate(tasks, 1):
            errors.append(_convert_task(t))
            _progress(echo, "converting", n, len(todo))
    for s, err in zip(todo, errors):
        s.error = err
    return sources


def _progress(echo, what, n, total):
    """A text progress bar on stderr, printed about twenty times over a long run."""
    if echo and total > 1 and (n == total or n % max(1, total // 20) == 0):
        done = 30 * n // total
        echo(f"  {what} [{'#' * done}{'.' * (30 - done)}] {n}/{total}", err=True)


# ---------------------------------------------------------------- pass 3: map and validate

@dataclass
class Chunk:
    """One named graph, rendered in every output syntax."""
    name: str
    nt: bytes
    ttl: str
    jsonld: list[str]
    classes: dict[str, int]
    triples: int
    problems: list = field(default_factory=list)
    source: str | None = None


_STATE: dict = {}     # the mapper and entity index, set before forking the workers


def render(name: URIRef, graph: Graph) -> Chunk:
    """Sorted N-Triples, Turtle body and JSON-LD nodes of one graph (pyoxigraph writes fast)."""
    lines = sorted(set(graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()) - {""})
    nt = ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    triples = list(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)) if lines else []
    ttl = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=OX_PREFIXES).decode("utf-8") if triples else ""
    ttl = "\n".join(l for l in ttl.splitlines() if not l.startswith("@prefix")).strip("\n")
    classes: dict[str, int] = {}
    for t in triples:
        if t.predicate.value == str(RDF.type):
            classes[t.object.value] = classes.get(t.object.value, 0) + 1
    return Chunk(str(name), nt, ttl, jsonld_nodes(triples), classes, len(triples))


def _closure(graph: Graph, index: dict, depth: int = 2) -> Graph:
    """A page graph plus the entity descriptions it refers to, for validating it on its own."""
    out = Graph()
    for t in graph:
        out.add(t)
    frontier = {n for t in graph for n in (t[0], t[2]) if isinstance(n, URIRef)}
    seen = set()
    for _ in range(depth):
        nxt = set()
        for node in frontier - seen:
            seen.add(node)
            for t in index.get(node, ()):
                out.add(t)
                if isinstance(t[2], URIRef):
                    nxt.add(t[2])
        frontier = nxt
    return out


def _validate_chunk(graph: Graph, k: int) -> list:
    closure = _closure(graph, _STATE["index"])
    mapper: Mapper = _STATE["mapper"]
    closure.add((mapper.build(), PROV.used, mapper.page(k)))
    return _validate_cached(closure)


def _validate_cached(graph: Graph) -> list:
    """SHACL problems of a graph; a graph that conformed once (same triples, same shapes and
    code) is not validated again."""
    from .validate import graph_locator, validate_graph
    cache: Cache = _STATE["cache"]
    lines = sorted(graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines())
    digest = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
    if cache.valid(digest):
        return []
    report = validate_graph(graph, locate=graph_locator(graph))
    if report.conforms:
        cache.mark_valid(digest)
        return []
    return report.problems


def _page_task(k: int) -> Chunk:
    """Worker: map page k to its graph, render and validate it."""
    mapper: Mapper = _STATE["mapper"]
    src: Source = _STATE["sources"][k]
    pe = _STATE["cache"].load_page(src.path.name, src.sha)
    graph = mapper.page_graph(k, pe)
    chunk = render(mapper.graph_name(k), graph)
    chunk.problems = _validate_chunk(graph, k)
    chunk.source = src.path.name
    return chunk


def map_pages(corpus: Corpus, sources: list[Source], cache: Cache, base: str, workers: int,
              echo: Callable | None) -> Iterable[Chunk]:
    """The build graph, the entities graph, then every page graph, in this fixed order."""
    mapper = Mapper(corpus, base)
    entities = mapper.entities_graph()
    build_graph = mapper.build_graph()
    index: dict = {}
    for t in entities:
        index.setdefault(t[0], []).append(t)
    # a page graph points at the build: its description goes along, except the pages it used
    for t in build_graph:
        if t[1] != PROV.used:
            index.setdefault(t[0], []).append(t)
    _STATE.update(mapper=mapper, index=index, cache=cache, sources=sources)
    yield render(mapper.graph_name("build"), build_graph)
    chunk = render(mapper.graph_name("entities"), entities)
    # the build uses the pages: their types (from the page graphs) complete the picture
    shared = entities + build_graph
    for k, src in enumerate(sources):
        page = mapper.page(k)
        shared.add((page, RDF.type, GH.SourcePage))
        shared.add((page, GH.fileName, Literal(src.path.name)))
        shared.add((page, GH.sha256, Literal(src.sha)))
    chunk.problems = _validate_cached(shared)
    yield chunk
    n = len(sources)
    if workers > 1 and n > 1:
        with _pool(min(workers, n)) as pool:
            for i, c in enumerate(pool.imap(_page_task, range(n), chunksize=1), 1):
                _progress(echo, "mapping", i, n)
                yield c
    else:
        for i in range(n):
            _progress(echo, "mapping", i + 1, n)
            yield _page_task(i)


# ---------------------------------------------------------------- writing

def jsonld_nodes(triples: list) -> list[str]:
    """One JSON-LD node object per subject (the triples come sorted, so grouped by subject)."""
    nodes, current, node = [], None, None
    for t in triples:
        s = t.subject.value
        if s != current:
            if node:
                nodes.append(json.dumps(node, ensure_ascii=False, sort_keys=True))
            current, node = s, {"@id": compact(s)}
        if t.predicate.value == str(RDF.type):
            node.setdefault("@type", []).append(compact(t.object.value))
            continue
        o = t.object
        if isinstance(o, ox.NamedNode):
            value = {"@id": compact(o.value)}
        elif o.language:
            value = {"@value": o.value, "@language": o.language}
        elif o.datatype.value == str(XSD.string):
            value = {"@value": o.value}
        else:
            value = {"@value": o.value, "@type": compact(o.datatype.value)}
        node.setdefault(compact(t.predicate.value), []).append(value)
    if node:
        nodes.append(json.dumps(node, ensure_ascii=False, sort_keys=True))
    return nodes


def compact(iri: str) -> str:
    for prefix, ns in sorted(OX_PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


class Writer:
    """Appends chunks to the four dumps in a staging folder.

    Graphs share no triple except what two pages attest of the same post (the title as printed,
    the issue date); those are counted once for VoID by remembering their hashes."""

    def __init__(self, staging: Path, base: str):
        self.staging = staging
        self.shared_prefix = f"<{base}membership/".encode()
        self.shared_seen: set[bytes] = set()
        header = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in OX_PREFIXES.items()) + "\n"
        self.ttl = open(staging / "gonghui.ttl", "w", encoding="utf-8")
        self.trig = open(staging / "gonghui.trig", "w", encoding="utf-8")
        self.raw_nt = open(staging / "gonghui.nt.gz", "wb")
        self.nt = gzip.GzipFile(fileobj=self.raw_nt, mode="wb", mtime=0, filename="")
        self.jsonld = open(staging / "gonghui.jsonld", "w", encoding="utf-8")
        self.ttl.write(header)
        self.trig.write(header)
        context = json.dumps(OX_PREFIXES, ensure_ascii=False, sort_keys=True)
        self.jsonld.write('{"@context": ' + context + ',\n "@graph": [\n')
        self.first_node = True
        self.triples = 0
        self.classes: dict[str, int] = {}

    def add(self, chunk: Chunk) -> None:
        if not chunk.triples:
            return
        self.ttl.write(chunk.ttl + "\n\n")
        self.trig.write(f"<{chunk.name}> {{\n{chunk.ttl}\n}}\n\n")
        self.nt.write(chunk.nt)
        duplicates = 0
        for line in chunk.nt.splitlines():
            if line.startswith(self.shared_prefix):
                h = hashlib.blake2b(line, digest_size=12).digest()
                duplicates += h in self.shared_seen
                self.shared_seen.add(h)
        self.triples -= duplicates
        for node in chunk.jsonld:
            self.jsonld.write(("  " if self.first_node else ",\n  ") + node)
            self.first_node = False
        self.triples += chunk.triples
        for cls, n in chunk.classes.items():
            self.classes[cls] = self.classes.get(cls, 0) + n

    def close(self) -> None:
        self.jsonld.write("\n ]\n}\n")
        for fh in (self.ttl, self.trig, self.nt, self.raw_nt, self.jsonld):
            fh.close()


def void(triples: int, classes: dict[str, int], files: dict[str, Path], base: str) -> bytes:
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
    v.add((ds, VOID.triples, Literal(triples, datatype=XSD.integer)))
    for cls, n in sorted(classes.items()):
        part = URIRef(f"{base}dataset/class/{hashlib.sha1(cls.encode()).hexdigest()[:10]}")
        v.add((ds, VOID.classPartition, part))
        v.add((part, VOID["class"], URIRef(cls)))
        v.add((part, VOID.entities, Literal(n, datatype=XSD.integer)))
    for name, path in sorted(files.items()):
        dist = URIRef(f"{base}dataset/dump/{name}")
        url = URIRef(f"http://127.0.0.1:8000/download/{name}")
        v.add((ds, VOID.dataDump, url))
        v.add((ds, DCAT.distribution, dist))
        v.add((dist, RDF.type, DCAT.Distribution))
        v.add((dist, DCAT.downloadURL, url))
        v.add((dist, DCAT.mediaType, Literal(MEDIA[name])))
        v.add((dist, DCAT.byteSize, Literal(path.stat().st_size, datatype=XSD.integer)))
        v.add((dist, URIRef("http://spdx.org/rdf/terms#checksum"), Literal(_sha256_file(path))))
    for ns in sorted({str(ns) for ns in PREFIXES.values()}):
        v.add((ds, VOID.vocabulary, URIRef(ns)))
    return v.serialize(format="turtle").encode("utf-8")


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ---------------------------------------------------------------- staging and commit

def recover(out_dir: Path) -> None:
    """Finish or undo a publish that was interrupted: a staging folder marked COMPLETE is moved
    into place (roll forward); an unmarked one is removed (the previous files were never touched)."""
    if not out_dir.is_dir():
        return
    for staging in sorted(out_dir.glob(".staging-*")):
        if (staging / "COMPLETE").exists():
            _commit(staging, out_dir)
        else:
            shutil.rmtree(staging, ignore_errors=True)


def _commit(staging: Path, out_dir: Path) -> None:
    for name in FILES + (SUMS,):
        if (staging / name).exists():
            os.replace(staging / name, out_dir / name)
    shutil.rmtree(staging, ignore_errors=True)


def verify(out_dir: Path) -> list[str]:
    """Problems with the published files against their SHA256SUMS (empty: all good)."""
    out_dir = Path(out_dir)
    recover(out_dir)
    sums = out_dir / SUMS
    if not sums.exists():
        raise InputError(f"{out_dir}: no {SUMS} (not a gonghui dataset?)")
    problems = []
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        path = out_dir / name
        if not path.exists():
            problems.append(f"{name}: missing")
        elif _sha256_file(path) != digest:
            problems.append(f"{name}: SHA-256 differs from {SUMS}")
    return problems


# ---------------------------------------------------------------- the build

def build(seeds_dir: Path, out_dir: Path, base: str | None = None, keep_going: bool = False,
          echo: Callable | None = None, workers: int | None = None, cache: bool = True,
          shard: str | None = None, cache_dir: Path | None = None) -> bool:
    """Build and publish the dataset; return False (publishing nothing) when it does not validate.
    With `shard` ("I/N"), only convert that share of the pages into the cache and write a shard
    list for `merge` instead of publishing."""
    seeds_dir, out_dir = Path(seeds_dir), Path(out_dir)
    if not seeds_dir.is_dir():
        raise InputError(f"{seeds_dir}: not a folder of pages")
    paths = sorted(p for p in seeds_dir.iterdir() if p.suffix == ".txt" and p.is_file())
    if not paths:
        raise InputError(f"{seeds_dir}: no *.txt pages to convert")
    if shard:
        paths = _shard(paths, shard)
    workers = workers or os.cpu_count() or 1
    store = Cache(Path(cache_dir) if cache_dir else _default_cache(out_dir), code_version(), reuse=cache)
    sources = convert(paths, store, workers, echo)
    failed = [s for s in sources if s.error]
    if failed and not keep_going:
        raise InputError(failed[0].error)
    good = [s for s in sources if not s.error]
    if shard:
        return write_shard(good, store, out_dir, shard, echo)
    return publish_sources(good, store, out_dir, base or DEFAULT_BASE, keep_going, workers, echo,
                           [(s.path.name, s.error) for s in failed])


def _shard(paths: list[Path], shard: str) -> list[Path]:
    try:
        i, n = (int(x) for x in shard.split("/"))
        assert 1 <= i <= n
    except (ValueError, AssertionError):
        raise InputError(f"--shard {shard}: expected I/N with 1 ≤ I ≤ N") from None
    # by name, so a page stays in its shard when others are added
    return [p for p in paths if int(hashlib.sha1(p.name.encode()).hexdigest(), 16) % n == i - 1]


def _default_cache(out_dir: Path) -> Path:
    return out_dir.resolve().parent / ".gonghui-cache"


def publish_sources(sources: list[Source], cache: Cache, out_dir: Path, base: str, keep_going: bool,
                    workers: int, echo: Callable | None, failed: list[tuple[str, str]]) -> bool:
    if not sources:
        raise InputError("no page could be converted")
    try:
        return _publish(sources, cache, out_dir, base, keep_going, workers, echo, failed)
    except OSError as exc:
        # disk full, read-only folder …: one line; the staging folder is gone, lod/ untouched
        raise InputError(f"{out_dir}: cannot publish ({exc.strerror or exc})") from None


def _publish(sources, cache, out_dir, base, keep_going, workers, echo, failed) -> bool:
    out_dir.mkdir(parents=True, exist_ok=True)
    recover(out_dir)
    while True:
        corpus = Corpus()
        stats = []
        for k, s in enumerate(sources):
            pe = cache.load_page(s.path.name, s.sha)
            add_page(corpus, k, pe)
            stats.append(_page_stats(pe))
        _add_parents(corpus)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
        try:
            writer = Writer(staging, base)
            problems, bad = [], set()
            for chunk in map_pages(corpus, sources, cache, base, workers, echo):
                if chunk.problems:
                    problems += chunk.problems
                    bad.add(chunk.source)
                if not problems:
                    writer.add(chunk)
            writer.close()
            if problems:
                shutil.rmtree(staging, ignore_errors=True)
                if echo:
                    from .validate import Report
                    echo(Report(False, problems).text())
                if keep_going and None not in bad:
                    failed += [(name, "violates the shapes") for name in sorted(bad)]
                    sources = [s for s in sources if s.path.name not in bad]
                    if sources:
                        continue
                if echo:
                    echo("gonghui: the dataset does not validate; nothing was published")
                return False
            files = {name: staging / name for name in DUMPS}
            _write_atomic(staging / "void.ttl", void(writer.triples, writer.classes, files, base))
            sums = "".join(f"{_sha256_file(staging / n)}  {n}\n" for n in FILES)
            _write_atomic(staging / SUMS, sums.encode())
            for name in FILES:
                os.chmod(staging / name, 0o644)
            (staging / "COMPLETE").write_bytes(b"")
            _commit(staging, out_dir)
        finally:
            if staging.exists() and not (staging / "COMPLETE").exists():
                shutil.rmtree(staging, ignore_errors=True)
        if echo:
            echo(summary(stats, writer.triples, failed))
        return True


def _page_stats(pe: PageEntities) -> tuple:
    d = pe.document
    return (d.page.source, len(d.items), sum(i.is_article for i in d.items), len(pe.people),
            len(pe.organisations), len(pe.places), len(pe.slogans))


def summary(stats: list[tuple], triples: int, failed: list[tuple[str, str]]) -> str:
    rows = [("page", "items", "articles", "people", "orgs", "places", "slogans")] + \
        [tuple(str(x) for x in s) for s in stats]
    if len(rows) > 41:      # a long archive: the first pages and a total
        rows = rows[:21] + [("…",) * 7]
    widths = [max(len(r[c]) for r in rows) for c in range(7)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    lines.append(f"{triples} triples from {len(stats)} pages")
    lines += [f"left out: {name}: {error}" for name, error in failed]
    return "\n".join(lines)


# ---------------------------------------------------------------- shards

def write_shard(sources: list[Source], cache: Cache, out_dir: Path, shard: str, echo) -> bool:
    """A shard build leaves its converted pages in a portable file for `gonghui merge`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pages = [(s.path.name, s.sha, cache.load_page(s.path.name, s.sha)) for s in sources]
    name = "shard-" + shard.replace("/", "-of-") + ".pages.gz"
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as gz:
        pickle.dump((code_version(), pages), gz, protocol=pickle.HIGHEST_PROTOCOL)
    _write_atomic(out_dir / name, buf.getvalue())
    if echo:
        echo(f"shard {shard}: {len(pages)} pages converted into {out_dir / name}")
    return True


def merge(shard_paths: list[Path], out_dir: Path, base: str | None = None, echo: Callable | None = None,
          workers: int | None = None) -> bool:
    """Publish one dataset from shard files (or folders holding them) made by `build --shard`."""
    files = []
    for p in map(Path, shard_paths):
        files += sorted(p.glob("shard-*.pages.gz")) if p.is_dir() else [p]
    if not files:
        raise InputError("no shard files (shard-*.pages.gz) given")
    version = code_version()
    tmp = Path(tempfile.mkdtemp(prefix="gonghui-merge-"))
    try:
        cache = Cache(tmp, version)
        sources = []
        for f in files:
            try:
                with gzip.open(f, "rb") as gz:
                    shard_version, pages = pickle.load(gz)
            except Exception:
                raise InputError(f"{f}: not a readable shard file") from None
            if shard_version != version:
                raise InputError(f"{f}: made by another code version ({shard_version}); rebuild the shard")
            for name, sha, pe in pages:
                cache.store_page(name, sha, pe)
                sources.append(Source(Path(name), sha))
        sources.sort(key=lambda s: s.path.name)
        return publish_sources(sources, cache, Path(out_dir), base or DEFAULT_BASE, False,
                               workers or os.cpu_count() or 1, echo, [])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
