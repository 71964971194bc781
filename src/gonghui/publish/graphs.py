"""Pass 3, map and validate: each page becomes its own named graph, and the entities graph is cut into
pieces; each is rendered, validated with the compiled SHACL shapes over the entity descriptions, and
cached, so an unchanged page or piece is neither mapped nor validated again."""
from __future__ import annotations

import hashlib
import zlib
from typing import Callable, Iterable

import pyoxigraph as ox

from ..convert.resolve import Corpus
from ..curate import digest
from ..curate.apply import apply_page
from ..rdf.mapping import GH, Mapper, PageNames, Triples
from ..rdf.page_graph import page_graph
from ..rdf.shacl import Data, Recording, compiled_shapes, digest_reads, problem
from .cache import Cache
from .pool import Source, fork_pool, progress, reconvert
from .render import RDF_TYPE, Chunk, render, render_ordered

WORKER_STATE: dict = {}     # the mapper, the shared data and the cache, set before forking the workers


def check(data: Data, focus=None, source: str | None = None, text: str | None = None) -> list:
    """SHACL problems of some data (gonghui.rdf.shacl: the shapes file, compiled)."""
    return [problem(r, data, source, text) for r in compiled_shapes().check(data, focus)]


def _page_task(k: int) -> Chunk:
    """Worker: page k's chunk — from the cache when the page and the IRIs it refers to are
    unchanged, else mapped, rendered and validated."""
    mapper: Mapper = WORKER_STATE["mapper"]
    cache: Cache = WORKER_STATE["cache"]
    src: Source = WORKER_STATE["sources"][k]
    refs = mapper.page_refs(k, WORKER_STATE["names"][k])
    fixes = WORKER_STATE["fixes"][k]
    key = hashlib.sha256(f"{refs.digest()} {src.sha} {src.path.name} {digest(fixes) if fixes else ''}"
                         .encode()).hexdigest()
    if key in WORKER_STATE["published"]:
        return WORKER_STATE["published"][key]
    chunk = cache.load_chunk(key)
    if chunk is None:
        pe = cache.load_page(src.path.name, src.sha) or reconvert(cache, src)
        if fixes:
            pe, _ = apply_page(pe, fixes)
        triples = page_graph(pe, refs)
        chunk = render(mapper.graph_name(k), triples)
        chunk.problems = check(Data(triples, shared=WORKER_STATE["shared"]), source=src.path.name,
                               text=pe.document.page.text)
        chunk.source, chunk.key = src.path.name, key
        if not chunk.problems:
            cache.store_chunk(key, chunk)
    return chunk


def map_pages(corpus: Corpus, sources: list[Source], names: list[PageNames], cache: Cache, base: str,
              workers: int, echo: Callable | None, published: dict | None = None,
              fixes: list | None = None, corrections: list | None = None) -> Iterable[Chunk]:
    """The build graph, the entities graph, then every page graph, in this fixed order. A graph
    found in `published` (cache key → stub, see Writer.published) comes as that stub. `fixes[k]`
    are the corrections page k takes; `corrections` what the applied ones did (curate.Result)."""
    mapper = Mapper(corpus, base)
    cache.store_slugs()
    build_graph = mapper.build_graph(corrections)
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
    WORKER_STATE.update(mapper=mapper, shared=shared, cache=cache, sources=sources, names=names,
                        fixes=fixes or [[] for _ in sources], subjects=subjects, published=published or {})
    compiled_shapes()                      # once, before the workers fork
    yield render(mapper.graph_name("build"), build_graph)
    n = len(sources)
    if workers > 1 and n > 1:
        with fork_pool(min(workers, n)) as pool:
            # the entities graph is rendered and validated in one worker while the others start
            # on the pages (it is the largest graph, and it would otherwise hold up the rest)
            pending = pool.apply_async(_entities_task)
            pages = pool.imap(_page_task, range(n), chunksize=4)
            yield from _entity_pieces(*pending.get())
            for i, c in enumerate(pages, 1):
                progress(echo, "mapping", i, n)
                yield c
    else:
        yield from _entity_pieces(*_entities_task())
        for i in range(n):
            progress(echo, "mapping", i + 1, n)
            yield _page_task(i)


PIECE = 20_000        # triples of the entities graph rendered at a time, on average


def _entities_task() -> tuple[list[str], list]:
    """Render the entities graph in pieces of whole subjects and validate it; the pieces' cache
    keys and the problems. A piece is cached under the digest of its lines, so a change to a few
    entities renders a few pieces again; so is its validation, with the reads of other nodes it
    made (shacl.Recording), so a piece whose triples and whose reads are unchanged is not
    validated again."""
    cache: Cache = WORKER_STATE["cache"]
    shared: Data = WORKER_STATE["shared"]
    name = WORKER_STATE["mapper"].graph_name("entities")
    subjects = sorted(WORKER_STATE["subjects"], key=lambda node: f"{node} ")        # the order of their lines
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
    cache: Cache = WORKER_STATE["cache"]
    if problems:
        yield Chunk("", b"", b"", b"", {}, 0, problems)
        return
    for key in keys:
        chunk = WORKER_STATE["published"].get(key) or cache.load_chunk(key, always=True)
        if chunk is None:
            raise OSError(f"cache entry {key} vanished during the build")
        chunk.key = key
        yield chunk
