"""`gonghui build`: seeds/ → lod/.

Four passes, each bounded in memory, so an archive of tens of thousands of pages builds on one
machine:

1. convert — read → segment → extract every page, in worker processes; each result is kept in a
   cache keyed by the page's content and the code version, so a rebuild redoes only changed pages;
2. resolve — fold the cached pages one by one into the corpus (identity, names, posts);
3. map and validate — each page becomes its own named graph (in workers), validated with the
   SHACL shapes (gonghui.shacl) over the entity descriptions; the rendered graph is cached,
   keyed by the page and the IRIs it refers to, so an unchanged page is not mapped again; the
   entities graph is rendered and validated in pieces, each cached on its own;
4. publish — the graphs are written in a fixed order into a staging folder (an unchanged one
   copied from the dumps the last build published), then moved into `lod/` only when everything
   validated: gonghui.ttl, gonghui.nt.gz, gonghui.trig, gonghui.jsonld, void.ttl and SHA256SUMS.

Output never depends on the clock, hash order or the number of workers: building twice, with one
worker or many, gives byte-identical files.
"""
from __future__ import annotations

import functools
import gc
import gzip
import hashlib
import io
import itertools
import json
import multiprocessing
import os
import pickle
import shutil
import sys
import tempfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from . import __version__, iri
from .errors import InputError
from .model import Document, PageEntities, PersonRef
from .rdf import DEFAULT_BASE, GH, Mapper, PageNames, Triples, page_graph
from .resolve import Corpus, _add_parents, add_page
from .shacl import Data, Recording, compiled_shapes, digest_reads, problem, shapes_path
from .vocab import PREFIXES

VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DUMPS = ("gonghui.ttl", "gonghui.nt.gz", "gonghui.trig", "gonghui.jsonld")
FILES = DUMPS + ("void.ttl",)
SUMS = "SHA256SUMS"
READ_BACK = ("gonghui.ttl", "gonghui.nt.gz", "gonghui.jsonld")    # a chunk's bytes, as published
MEDIA = {"gonghui.ttl": "text/turtle", "gonghui.nt.gz": "application/n-triples",
         "gonghui.trig": "application/trig", "gonghui.jsonld": "application/ld+json"}
OX_PREFIXES = {p: str(ns) for p, ns in sorted(PREFIXES.items())}
RDF_TYPE = ox.NamedNode(str(RDF.type))
XSD_STRING = ox.NamedNode(str(XSD.string))


# ---------------------------------------------------------------- the code version and the cache

def code_version() -> str:
    """Digest of the package's code, lexicons and shapes: a change to any invalidates the cache."""
    here = Path(__file__).parent
    files = sorted(p for p in here.rglob("*") if p.is_file() and (p.suffix == ".py" or "data" in p.parts)
                   and "__pycache__" not in p.parts)
    h = hashlib.sha256(__version__.encode())
    for p in files + [shapes_path()]:                # the shapes file the build validates with
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


class Cache:
    """Converted pages and rendered page graphs on disk, under one folder per code version.

    Each entry is a pickle with a SHA-256 header; a truncated or corrupted entry is detected,
    removed and rebuilt. Writes go to a temporary file and are renamed into place."""

    def __init__(self, root: Path, version: str, reuse: bool = True):
        self.root = root / version
        self.reuse = reuse
        self._slugs_on_disk = 0

    def page_path(self, source: str, sha: str, what: str = "page") -> Path:
        return self.root / "pages" / f"{sha}-{hashlib.sha1(source.encode()).hexdigest()[:8]}.{what}.pkl"

    def has_page(self, source: str, sha: str) -> bool:
        """This page is cached: a sound entry (its checksum is checked, it is not unpickled) and a
        summary, whose checksum the resolve pass checks when it loads it (and converts the page
        again if it fails)."""
        return self.reuse and self._verified(self.page_path(source, sha)) is not None \
            and self.page_path(source, sha, "summary").is_file()

    def load_page(self, source: str, sha: str) -> PageEntities | None:
        return self._load(self.page_path(source, sha))

    def load_summary(self, source: str, sha: str) -> PageSummary | None:
        return self._load(self.page_path(source, sha, "summary"))

    def store_page(self, source: str, sha: str, pe: PageEntities) -> None:
        self._store(self.page_path(source, sha), pe)
        self._store(self.page_path(source, sha, "summary"), PageSummary.of(pe))

    def chunk_path(self, key: str) -> Path:
        return self.root / "chunks" / f"{key}.pkl"

    def has_chunk(self, key: str) -> bool:
        return self.reuse and self._verified(self.chunk_path(key)) is not None

    def load_chunk(self, key: str, always: bool = False):
        """A cached chunk; with `always`, also under --no-cache (one written by this build)."""
        return self._load(self.chunk_path(key)) if self.reuse or always else None

    def store_chunk(self, key: str, chunk) -> None:
        self._store(self.chunk_path(key), chunk)

    def published_path(self, out_dir: Path) -> Path:
        return self.root / "published" / f"{hashlib.sha1(str(out_dir.resolve()).encode()).hexdigest()[:16]}.pkl"

    def load_published(self, out_dir: Path) -> tuple[dict[str, Chunk], dict[str, int]]:
        """What the last build with this cache published in out_dir: the stubs of its graphs (cache
        key → Chunk.stub) and the dumps they point into, open for reading — or nothing, unless
        those dumps are still the very files it wrote (same inode, size and modification time)."""
        found = self._load(self.published_path(out_dir)) if self.reuse else None
        if not isinstance(found, tuple):
            return {}, {}
        files, stubs = found
        opened: dict[str, int] = {}
        try:
            for name, identity in files.items():
                opened[name] = os.open(out_dir / name, os.O_RDONLY)
                if _identity(os.fstat(opened[name])) != identity:
                    raise FileNotFoundError
        except OSError:
            for fd in opened.values():
                os.close(fd)
            return {}, {}
        return stubs, opened

    def forget_published(self, out_dir: Path) -> None:
        self.published_path(out_dir).unlink(missing_ok=True)

    def store_published(self, out_dir: Path, stubs: dict[str, Chunk]) -> None:
        try:
            files = {name: _identity(os.stat(out_dir / name)) for name in READ_BACK}
            self._store(self.published_path(out_dir), (files, stubs))
        except OSError:         # only a shortcut for the next build: it will load the chunks instead
            pass

    def load_slugs(self) -> None:
        """Fill iri.SLUGS with the slugs made by earlier builds of this code version."""
        slugs = self._load(self.root / "slugs.pkl") if self.reuse else None
        if isinstance(slugs, dict):
            iri.SLUGS.update(slugs)
        self._slugs_on_disk = len(slugs) if isinstance(slugs, dict) else 0

    def store_slugs(self) -> None:
        if len(iri.SLUGS) > self._slugs_on_disk:
            self._store(self.root / "slugs.pkl", iri.SLUGS)

    @staticmethod
    def _verified(path: Path) -> bytes | None:
        """The payload of an entry whose checksum holds; a truncated or corrupted one is removed."""
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data[32:]).digest() != data[:32]:
            path.unlink(missing_ok=True)
            return None
        return data[32:]

    @classmethod
    def _load(cls, path: Path):
        payload = cls._verified(path)
        if payload is None:
            return None
        try:
            return pickle.loads(zlib.decompress(payload))
        except Exception:                     # unreadable after all: make it again
            path.unlink(missing_ok=True)
            return None

    @staticmethod
    def _store(path: Path, value) -> None:
        # level 1: a rendered page graph shrinks ~8× for a few milliseconds
        payload = zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)
        _write_atomic(path, hashlib.sha256(payload).digest() + payload)


def _identity(st: os.stat_result) -> tuple:
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


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
class PageSummary:
    """What the resolve pass needs of a converted page: its entities without the text, the items
    and the mentions (a small fraction of the page, so resolving thousands of cached pages does
    not unpickle them whole), the names its graph refers to, and its line in the build summary."""
    entities: PageEntities
    names: PageNames
    stats: tuple

    @classmethod
    def of(cls, pe: PageEntities) -> PageSummary:
        doc = pe.document
        bare = PageEntities(
            Document(replace(doc.page, text="", repairs=()), doc.issue, []),
            people=[PersonRef(p.name, [replace(post, mention=None) for post in p.posts]) for p in pe.people],
            organisations=[replace(o, mentions=[]) for o in pe.organisations],
            places=[replace(p, mentions=[]) for p in pe.places],
            slogans=[replace(s, mentions=[]) for s in pe.slogans],
            events=[replace(e, mentions=[]) for e in pe.events])
        return cls(bare, PageNames.of(pe), _page_stats(pe))


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


def _convert_task(args: tuple[Path, str, Path, str]) -> tuple[str | None, dict[str, str]]:
    """Worker: convert one page into the cache; the error message (or None), and the slugs of
    the page's names (made here, in parallel, rather than in the parent when minting)."""
    path, sha, root, version = args
    try:
        pe = convert_page(path)
        Cache(root, version).store_page(path.name, sha, pe)
    except InputError as exc:
        return str(exc), {}
    except OSError as exc:
        return f"{path.name}: cannot write the cache ({exc.strerror or exc})", {}
    return None, {text: iri.slug(text) for text in sorted(Mapper.slug_texts(pe))}


def _warm_up() -> None:
    """Load jieba and the lexicons once in the parent, so forked workers start warm."""
    import jieba

    from . import extract, lexicon
    jieba.setLogLevel(60)
    jieba.initialize()
    lexicon.is_common_word("工会")
    # the word lists the finders look up (built here, they are shared by every forked worker)
    extract._divisions()
    extract._suffixes()
    extract._titles()


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
            for n, (err, slugs) in enumerate(pool.imap(_convert_task, tasks, chunksize=1), 1):
                errors.append(err)
                iri.SLUGS.update(slugs)
                _progress(echo, "converting", n, len(todo))
    else:
        errors = []
        for n, t in enumerate(tasks, 1):
            errors.append(_convert_task(t)[0])
            _progress(echo, "converting", n, len(todo))
    for s, err in zip(todo, errors):
        s.error = err
    return sources


def _reconvert(cache: Cache, src: Source) -> PageEntities:
    """A page whose cache entry turned out unreadable (checked only by checksum): convert again."""
    pe = convert_page(src.path)
    cache.store_page(src.path.name, src.sha, pe)
    return pe


def _progress(echo, what, n, total):
    """A text progress bar on stderr, printed about twenty times over a long run."""
    if echo and total > 1 and (n == total or n % max(1, total // 20) == 0):
        done = 30 * n // total
        echo(f"  {what} [{'#' * done}{'.' * (30 - done)}] {n}/{total}", err=True)


# ---------------------------------------------------------------- pass 3: map and validate

@dataclass
class Chunk:
    """One named graph, rendered in every output syntax as UTF-8 bytes: handing a chunk from a
    worker to the writer then costs a copy, not a decode and an encode of ~1 MB of text."""
    name: str
    nt_gz: bytes             # N-Triples, one gzip member (a .gz file may hold many, RFC 1952)
    shared: bytes            # 12-byte hashes, end to end, of the lines another graph may hold too
                             # (post attestations): one object, not one per line, as the writer
                             # keeps them for every graph
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


SHARED_HASH = 12      # bytes of each hash in Chunk.shared
_STATE: dict = {}     # the mapper, the shared data and the cache, set before forking the workers


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
    prefix = f"<{name.value.split('/graph/')[0]}/membership/"
    shared = b"".join(hashlib.blake2b(line.encode("utf-8"), digest_size=SHARED_HASH).digest()
                      for line, _ in ordered if line.startswith(prefix))
    jsonld = ",\n  ".join(jsonld_nodes(spo)).encode("utf-8")
    return Chunk(name.value, gzip.compress(nt, compresslevel=6, mtime=0), shared, ttl, jsonld, classes, len(spo))


def check(data: Data, focus=None, source: str | None = None, text: str | None = None) -> list:
    """SHACL problems of some data (gonghui.shacl: the shapes file, compiled)."""
    return [problem(r, data, source, text) for r in compiled_shapes().check(data, focus)]


def _page_task(k: int) -> Chunk:
    """Worker: page k's chunk — from the cache when the page and the IRIs it refers to are
    unchanged, else mapped, rendered and validated."""
    mapper: Mapper = _STATE["mapper"]
    cache: Cache = _STATE["cache"]
    src: Source = _STATE["sources"][k]
    refs = mapper.page_refs(k, _STATE["names"][k])
    key = hashlib.sha256(f"{refs.digest()} {src.sha} {src.path.name}".encode()).hexdigest()
    if key in _STATE["published"]:
        return _STATE["published"][key]
    chunk = cache.load_chunk(key)
    if chunk is None:
        pe = cache.load_page(src.path.name, src.sha) or _reconvert(cache, src)
        triples = page_graph(pe, refs)
        chunk = render(mapper.graph_name(k), triples)
        chunk.problems = check(Data(triples, shared=_STATE["shared"]), source=src.path.name,
                               text=pe.document.page.text)
        chunk.source, chunk.key = src.path.name, key
        if not chunk.problems:
            cache.store_chunk(key, chunk)
    return chunk


def map_pages(corpus: Corpus, sources: list[Source], names: list[PageNames], cache: Cache, base: str,
              workers: int, echo: Callable | None, published: dict | None = None) -> Iterable[Chunk]:
    """The build graph, the entities graph, then every page graph, in this fixed order. A graph
    found in `published` (cache key → stub, see Writer.published) comes as that stub."""
    mapper = Mapper(corpus, base)
    cache.store_slugs()
    build_graph = mapper.build_graph()
    # a page graph is validated over the entity descriptions and the build; the build (which
    # uses the pages) over the types the pages give themselves in their own graphs
    others = Triples(build_graph)
    for k, src in enumerate(sources):
        page = mapper.page(k)
        others.add((page, RDF_TYPE, GH.SourcePage))
        others.add((page, GH.fileName, ox.Literal(src.path.name)))
        others.add((page, GH.sha256, ox.Literal(src.sha)))
    # the entities graph is written straight into the validation index and read back from it
    shared = Data()
    mapper.entities_graph(shared)
    subjects = list(shared.spo)
    for spo in others:
        shared.add(spo)
    _STATE.update(mapper=mapper, shared=shared, cache=cache, sources=sources, names=names,
                  subjects=subjects, published=published or {})
    compiled_shapes()                      # once, before the workers fork
    yield render(mapper.graph_name("build"), build_graph)
    n = len(sources)
    if workers > 1 and n > 1:
        with _pool(min(workers, n)) as pool:
            # the entities graph is rendered and validated in one worker while the others start
            # on the pages (it is the largest graph, and it would otherwise hold up the rest)
            pending = pool.apply_async(_entities_task)
            pages = pool.imap(_page_task, range(n), chunksize=4)
            yield from _entity_pieces(*pending.get())
            for i, c in enumerate(pages, 1):
                _progress(echo, "mapping", i, n)
                yield c
    else:
        yield from _entity_pieces(*_entities_task())
        for i in range(n):
            _progress(echo, "mapping", i + 1, n)
            yield _page_task(i)


PIECE = 20_000        # triples of the entities graph rendered at a time, on average


def _entities_task() -> tuple[list[str], list]:
    """Render the entities graph in pieces of whole subjects and validate it; the pieces' cache
    keys and the problems. A piece is cached under the digest of its lines, so a change to a few
    entities renders a few pieces again; so is its validation, with the reads of other nodes it
    made (shacl.Recording), so a piece whose triples and whose reads are unchanged is not
    validated again."""
    cache: Cache = _STATE["cache"]
    shared: Data = _STATE["shared"]
    name = _STATE["mapper"].graph_name("entities")
    subjects = sorted(_STATE["subjects"], key=lambda node: f"{node} ")        # the order of their lines
    keys, problems, predicates = [], [], {}
    for piece in _pieces(subjects, shared):
        lines = []
        for s in piece:
            subject = f"{s} "
            for p, objects in shared.spo[s].items():      # each term written once, not per triple
                head = subject + (predicates.get(p) or predicates.setdefault(p, f"{p} "))
                lines += [f"{head}{o} ." for o in objects]
        # digested in the index's order, which the mapper fixes; sorted only to be rendered
        digest = hashlib.blake2b("\n".join(lines).encode("utf-8"), digest_size=20)
        keys.append(f"entities-piece-{digest.hexdigest()}")
        if not cache.has_chunk(keys[-1]):
            triples = [(s, p, o) for s in piece for p, objects in shared.spo[s].items() for o in objects]
            cache.store_chunk(keys[-1], render_ordered(name, sorted(zip(lines, triples))))
        problems += _validate_piece(piece, f"entities-valid-{digest.hexdigest()}", shared, cache)
    return keys, problems


def _validate_piece(piece: list, key: str, shared: Data, cache: Cache) -> list:
    """The problems of a piece of the entities graph, none if it validated before with the same
    triples (`key`) and the same answers to its reads of other nodes."""
    before = cache.load_chunk(key)
    if isinstance(before, tuple) and digest_reads(shared, before[0]) == before[1]:
        return []
    data = Recording(shared, set(piece))
    problems = check(data, focus=piece)
    if not problems:
        reads = list(data.reads)                 # digest_reads puts them in a fixed order
        cache.store_chunk(key, (reads, digest_reads(shared, reads)))
    return problems


def _pieces(subjects: list, shared: Data) -> Iterable[list]:
    """Runs of subjects of about PIECE triples, cut where a subject's hash says so (each triple
    has a 1/PIECE chance to end a run, once the run holds PIECE/4): the cuts depend on the
    subjects, hardly on what precedes them, so a change to one entity does not move the cuts of
    the pieces after it (content-defined chunking, as in rsync or restic)."""
    piece, size = [], 0
    for subject in subjects:
        n = sum(map(len, shared.spo[subject].values()))
        piece.append(subject)
        size += n
        cut = zlib.crc32(subject.value.encode("utf-8")) % PIECE < n
        if (cut and size >= PIECE // 4) or size >= 4 * PIECE:
            yield piece
            piece, size = [], 0
    if piece:
        yield piece


def _entity_pieces(keys: list[str], problems: list) -> Iterable[Chunk]:
    cache: Cache = _STATE["cache"]
    if problems:
        yield Chunk("", b"", b"", b"", b"", {}, 0, problems)
        return
    for key in keys:
        chunk = _STATE["published"].get(key) or cache.load_chunk(key, always=True)
        if chunk is None:
            raise OSError(f"cache entry {key} vanished during the build")
        chunk.key = key
        yield chunk


# ---------------------------------------------------------------- writing

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


class Writer:
    """Appends chunks to the four dumps in a staging folder, taking their SHA-256 on the way (a
    dump of 10,000 pages is gigabytes: reading it back to checksum it would cost a second pass).

    Graphs share no triple except what two pages attest of the same post (the title as printed,
    the issue date); those are counted once for VoID by remembering their hashes."""

    def __init__(self, staging: Path, previous: dict[str, int] | None = None):
        self.shared_seen: set[bytes] = set()
        self.files = {name: open(staging / name, "wb") for name in DUMPS}
        self.sha256 = {name: hashlib.sha256() for name in DUMPS}
        self.previous = previous or {}       # dump name → open descriptor of the published file
        self.published: dict[str, Chunk] = {}
        header = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in OX_PREFIXES.items()).encode() + b"\n"
        self._put("gonghui.ttl", header)
        self._put("gonghui.trig", header)
        context = json.dumps(OX_PREFIXES, ensure_ascii=False, sort_keys=True)
        self._put("gonghui.jsonld", ('{"@context": ' + context + ',\n "@graph": [\n').encode("utf-8"))
        self.first_node = True
        self.triples = 0
        self.classes: dict[str, int] = {}

    def _put(self, name: str, data: bytes) -> None:
        self.files[name].write(data)
        self.sha256[name].update(data)

    def add(self, chunk: Chunk) -> None:
        if not chunk.triples:
            return
        if chunk.where:
            chunk = self._read_back(chunk)
        where = (self.files["gonghui.ttl"].tell(), len(chunk.ttl))
        self._put("gonghui.ttl", chunk.ttl + b"\n\n")
        self._put("gonghui.trig", f"<{chunk.name}> {{\n".encode() + chunk.ttl + b"\n}\n\n")
        where += (self.files["gonghui.nt.gz"].tell(), len(chunk.nt_gz))
        self._put("gonghui.nt.gz", chunk.nt_gz)
        hashes = [chunk.shared[i:i + SHARED_HASH] for i in range(0, len(chunk.shared), SHARED_HASH)]
        duplicates = sum(h in self.shared_seen for h in hashes)
        self.shared_seen.update(hashes)
        self.triples += chunk.triples - duplicates
        self._put("gonghui.jsonld", b"  " if self.first_node else b",\n  ")
        where += (self.files["gonghui.jsonld"].tell(), len(chunk.jsonld))
        self._put("gonghui.jsonld", chunk.jsonld)
        self.first_node = False
        if chunk.key:
            self.published[chunk.key] = chunk.stub(where)
        for cls, n in chunk.classes.items():
            self.classes[cls] = self.classes.get(cls, 0) + n

    def _read_back(self, stub: Chunk) -> Chunk:
        """A chunk whose bytes are read from the dumps the previous build published (it wrote them
        from the same chunk): cheaper than unpickling and decompressing its cache entry."""
        offsets, lengths = stub.where[::2], stub.where[1::2]       # in the order of READ_BACK
        ttl, nt_gz, jsonld = (os.pread(self.previous[name], length, offset)
                              for name, offset, length in zip(READ_BACK, offsets, lengths))
        if (len(ttl), len(nt_gz), len(jsonld)) != lengths:
            raise OSError(f"the published dumps changed during the build ({stub.name})")
        return replace(stub, ttl=ttl, nt_gz=nt_gz, jsonld=jsonld, where=())

    def close(self) -> dict[str, str]:
        """Close the dumps; their SHA-256 digests (hex)."""
        self._put("gonghui.jsonld", b"\n ]\n}\n")
        for fh in self.files.values():
            fh.close()
        return {name: h.hexdigest() for name, h in self.sha256.items()}


def void(triples: int, classes: dict[str, int], files: dict[str, Path], sums: dict[str, str], base: str) -> bytes:
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
        v.add((dist, URIRef("http://spdx.org/rdf/terms#checksum"), Literal(sums[name])))
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


def _mark_complete(staging: Path) -> None:
    """Mark a staging folder ready to be moved into place, with the inode of each file: after an
    interrupted exchange (see _move_over) the old file sits in staging under the new one's name,
    and only the inode tells which of the two is in place."""
    lines = "".join(f"{name} {(staging / name).stat().st_ino}\n" for name in FILES + (SUMS,)
                    if (staging / name).exists())
    _write_atomic(staging / "COMPLETE", lines.encode("ascii"))


def _commit(staging: Path, out_dir: Path) -> None:
    moved = {}
    for line in (staging / "COMPLETE").read_text(encoding="ascii", errors="replace").splitlines():
        name, _, ino = line.partition(" ")
        moved[name] = int(ino) if ino.isdigit() else None
    for name in FILES + (SUMS,):
        src, dst = staging / name, out_dir / name
        if not src.exists():
            continue
        if moved.get(name) is not None and dst.exists() and dst.stat().st_ino == moved[name]:
            continue                  # already in place: src is the old file, swapped out
        _move_over(src, dst)
    shutil.rmtree(staging, ignore_errors=True)


def _move_over(src: Path, dst: Path) -> None:
    """os.replace, but where Linux allows it by atomically exchanging the two names and then
    removing the old file: ext4 flushes a file renamed over another at once (auto_da_alloc), which
    held a rebuild of 1,000 pages up for about 0.4 s."""
    if dst.exists() and _exchange(src, dst):
        src.unlink()
    else:
        os.replace(src, dst)


@functools.cache
def _renameat2():
    try:
        import ctypes
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):         # not glibc ≥ 2.28: plain os.replace
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (renameat2 RENAME_EXCHANGE); False where that is not available."""
    fn = _renameat2()
    AT_FDCWD, RENAME_EXCHANGE = -100, 2
    return fn is not None and fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0


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

def _without_cycle_collector(fn: Callable) -> Callable:
    """Run fn with Python's cycle collector off. A build makes millions of long-lived objects (the
    corpus, the entity index) and next to no cyclic garbage, so each collection scanned the growing
    heap for nothing: off, one changed page of 1,000 rebuilds in 9.1 s instead of 11.3 s and a
    build of 200 pages maps in 16.4-16.9 s instead of 18.6-20.7 s, with the same peak memory.
    Forked workers inherit the setting."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        was = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if was:
                gc.enable()
    return wrapper


@_without_cycle_collector
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
    cache.load_slugs()
    stubs, previous = cache.load_published(out_dir)
    try:
        return _publish_with(stubs, previous, sources, cache, out_dir, base, keep_going, workers, echo, failed)
    finally:
        for fd in previous.values():
            os.close(fd)
        # the mapper and the entity index go now, not at exit: a library caller keeps its memory,
        # and the interpreter's last collection over them cost a 1,000-page build 1.2 s
        _STATE.clear()


def _publish_with(stubs, previous, sources, cache, out_dir, base, keep_going, workers, echo, failed) -> bool:
    while True:
        corpus = Corpus()
        stats, names = [], []
        for k, s in enumerate(sources):
            brief = cache.load_summary(s.path.name, s.sha) or PageSummary.of(_reconvert(cache, s))
            add_page(corpus, k, brief.entities)
            stats.append(brief.stats)
            names.append(brief.names.interned())
        _add_parents(corpus)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
        try:
            writer = Writer(staging, previous)
            problems, bad = [], set()
            for chunk in map_pages(corpus, sources, names, cache, base, workers, echo, stubs):
                if chunk.problems:
                    problems += chunk.problems
                    bad.add(chunk.source)
                if not problems:
                    writer.add(chunk)
            sums = writer.close()
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
            description = void(writer.triples, writer.classes, files, sums, base)
            _write_atomic(staging / "void.ttl", description)
            sums["void.ttl"] = hashlib.sha256(description).hexdigest()
            _write_atomic(staging / SUMS, "".join(f"{sums[n]}  {n}\n" for n in FILES).encode())
            for name in FILES:
                os.chmod(staging / name, 0o644)
            _mark_complete(staging)
            cache.forget_published(out_dir)
            _commit(staging, out_dir)
            cache.store_published(out_dir, writer.published)
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


@_without_cycle_collector
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
