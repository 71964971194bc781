"""The bundled linked-data server: SPARQL 1.1 Protocol endpoint, query page and dereferenceable IRIs.

Routes (a small router in the style of rdflib-endpoint):
  /sparql              SPARQL 1.1 Protocol (GET, POST form, POST application/sparql-query);
                       a GET without a query returns the service description
  /                    YASGUI query page with example queries (vendored, works offline)
  /id/{path}           every IRI under the base: HTML, Turtle, N-Triples, JSON-LD, RDF/XML
  /ontology, /shapes   the vocabulary and the SHACL shapes (also .ttl/.nt/.jsonld/.rdf)
  /download/{file}     the dumps in lod/ ; /.well-known/void the VoID description

Safety: the endpoint is read-only (updates get 403); SERVICE and dataset clauses that would name
a local file or a graph this dataset does not hold are refused with 400 before evaluation (the
engine never fetches anything); every query that is not a lookup (lookup.py: a few triple
patterns reached from named resources, answered in this process) runs in a worker process that is
killed at the deadline (sparql_worker.py), and request bodies and results are capped. A request must arrive
within the timeout too (a slow or silent client gets 408 or is closed: `guarded_protocol`), and a
query nested deeper than MAX_NESTING levels gets 400 before it can crash the engine's parser.
"""
from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import gzip
import hashlib
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Store, Triple, parse, serialize
from starlette.applications import Starlette
from starlette.datastructures import MultiDict
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import pages
from .errors import InputError
from .lookup import lookup, resolve_iri
from .sparql_worker import (PREFIXES, SERVICE_REFUSED, QueryTimeout, WorkerCrashed, WorkerPool, run_query,
                            service_second_opinion, term, tidy_turtle)

DEFAULT_BASE = "https://w3id.org/gonghui/id/"
SITE = "https://w3id.org/gonghui/"          # the vocabulary's IRIs live here too
ONTOLOGY_NS = SITE + "ontology#"
STATIC = Path(__file__).parent / "static"

# ------------------------------------------------------------------ media types

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
# Suffixes that select a format on /id/…, /ontology and /shapes.
SUFFIXES = {".ttl": "text/turtle", ".nt": "application/n-triples", ".jsonld": "application/ld+json",
            ".rdf": "application/rdf+xml", ".html": "text/html"}
DATA_FORMATS = {".ttl": RdfFormat.TURTLE, ".turtle": RdfFormat.TURTLE, ".nt": RdfFormat.N_TRIPLES,
                ".nq": RdfFormat.N_QUADS, ".trig": RdfFormat.TRIG, ".rdf": RdfFormat.RDF_XML,
                ".owl": RdfFormat.RDF_XML, ".xml": RdfFormat.RDF_XML, ".jsonld": RdfFormat.JSON_LD,
                ".n3": RdfFormat.N3}
DOWNLOAD_TYPES = {".ttl": "text/turtle", ".trig": "application/trig", ".nq": "application/n-quads",
                  ".nt": "application/n-triples", ".jsonld": "application/ld+json", ".rdf": "application/rdf+xml",
                  ".owl": "application/rdf+xml", ".gz": "application/gzip", ".zip": "application/zip",
                  ".bz2": "application/x-bzip2", ".csv": "text/csv", ".json": "application/json",
                  ".md": "text/markdown", ".txt": "text/plain", ".html": "text/html", ".rq": "application/sparql-query"}
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"


def _with_charset(media: str) -> str:
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


# ------------------------------------------------------------------ query inspection

# A SPARQL tokenizer good enough to find keywords: strings, IRIs, comments, variables and prefixed
# names are consumed whole so that words inside them never count as keywords.
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
             | \"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\"
             | '(?:[^'\\\r\n]|\\.)*'
             | "(?:[^"\\\r\n]|\\.)*")
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
  | (?P<var>[?$]\w+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>(?:[^\W\d_][\w.-]*)?:(?:[\w:-]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?\#@%]|\.(?=[\w:%\\-]))*)
  | (?P<word>[^\W\d]\w*)
  | (?P<other>.)
""", re.X | re.S)
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
# Brackets and "!" nest in the engine's parser, which runs out of stack at a few thousand levels
# (the worker dies); real queries stay far below this.
MAX_NESTING = 128
UPDATE_FORMS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


def _unescape(text: str) -> str:
    def one(m):
        try:
            return chr(int(m.group(1) or m.group(2), 16))
        except ValueError:
            return m.group(0)
    return _UCHAR.sub(one, text)


@dataclass
class QueryInfo:
    form: str | None = None                  # SELECT, ASK, … or the first update keyword
    service: bool = False                    # a SERVICE keyword outside strings, IRIs and comments
    from_graphs: list[str] = field(default_factory=list)   # FROM and FROM NAMED, resolved
    depth: int = 0                           # deepest nesting of brackets and "!" outside strings
    tokens: list[tuple[str, str]] = field(default_factory=list, repr=False)   # (kind, text), no spaces
    prefixes: dict[str, str | None] = field(default_factory=dict, repr=False)  # PREFIX declarations, resolved
    base: str = ""                           # the base IRI after any BASE declaration


# The PREFIX and BASE declarations a query opens with, when plain (no comments or escapes): a
# client sends the same ones with every query, and they are half the tokens of a small lookup.
_IRI_PLAIN = r"""<[^<>"{}|^`\\\x00-\x20]*>"""
_PROLOGUE = re.compile(rf"(?:\s*(?:PREFIX\s+(?:[^\W\d_][\w.-]*)?:\s*{_IRI_PLAIN}|BASE\s*{_IRI_PLAIN}))*", re.I)
PROLOGUE_CACHED = 4096       # longer prologues are not kept (characters)


def inspect_query(text: str, base: str) -> QueryInfo:
    """What a query asks for, found without evaluating (or even fully parsing) it."""
    end = _PROLOGUE.match(text).end()
    if not 0 < end <= PROLOGUE_CACHED:
        return _inspect(text, base)
    tokens, prefixes, base = _inspect_prologue(text[:end], base)
    # Tokens end where the prologue does (after an IRI's ">"), so the rest scans alike on its own.
    info = _inspect(text[end:], base, dict(prefixes))
    info.tokens[:0] = tokens
    return info


@functools.lru_cache(maxsize=64)
def _inspect_prologue(head: str, base: str) -> tuple[tuple, dict, str]:
    info = _inspect(head, base)
    return tuple(info.tokens), info.prefixes, info.base


def _inspect(text: str, base: str, prefixes: dict | None = None) -> QueryInfo:
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text) if m.lastgroup not in ("ws", "comment")]
    info, prefixes = QueryInfo(), ({} if prefixes is None else prefixes)

    def resolve(kind: str, value: str) -> str | None:
        if kind == "iri":
            return resolve_iri(base, _unescape(value[1:-1]))
        if kind == "pname":
            pfx, _, local = value.partition(":")
            return prefixes[pfx] + re.sub(r"\\(.)", r"\1", local) if pfx in prefixes else None
        return None

    depth, negations = 0, 0
    for i, (kind, value) in enumerate(tokens):
        if kind == "other":
            depth += (value in "({[") - (value in ")}]")
            negations = negations + 1 if value == "!" else 0
            info.depth = max(info.depth, depth + negations)
        if kind != "word":
            continue
        word = value.upper()
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ("", "")
        if word == "SERVICE":
            info.service = True
        elif word == "PREFIX" and nxt[0] == "pname" and i + 2 < len(tokens) and tokens[i + 2][0] == "iri":
            prefixes[nxt[1][:-1]] = resolve(*tokens[i + 2])
        elif word == "BASE" and nxt[0] == "iri":
            base = resolve(*nxt)
        elif word == "FROM":
            if nxt[0] == "word" and nxt[1].upper() == "NAMED":
                nxt = tokens[i + 2] if i + 2 < len(tokens) else ("", "")
            iri = resolve(*nxt)
            info.from_graphs.append(iri if iri is not None else nxt[1])
        elif info.form is None and (word in QUERY_FORMS or word in UPDATE_FORMS):
            info.form = word
    info.tokens, info.prefixes, info.base = tokens, prefixes, base
    return info


SECOND_OPINION = "second opinion"     # the verdict of _service_first_look when a parser must decide


def _service_first_look(text: str, info: QueryInfo, base: str) -> str | None:
    """SERVICE_REFUSED, None, or SECOND_OPINION when the word appears only inside a name, string
    or comment and an independent parser has to confirm there is no SERVICE clause."""
    plain = _unescape(text)
    if info.service or (plain != text and inspect_query(plain, base).service):
        return SERVICE_REFUSED
    if "service" in plain.lower():
        return SECOND_OPINION
    return None


def service_refusal(text: str, info: QueryInfo, base: str) -> str | None:
    """Why a query must not run because it could make the engine call out, or None.
    (The endpoint runs the slow second opinion in a query worker instead of calling this.)"""
    verdict = _service_first_look(text, info, base)
    return service_second_opinion(text) if verdict == SECOND_OPINION else verdict


# ------------------------------------------------------------------ loading

@dataclass
class Dataset:
    store_dir: str
    triples: int          # distinct triples of the (merged) default graph
    graphs: list[str]     # names of the named graphs
    files: list[Path]
    store: Path | None = None   # the persistent store folder (--store), None for a temporary store
    reused: bool = False        # the persistent store was reused without parsing the files
    seconds: float = 0.0        # how long loading the files took (0 when a store was reused)

    @functools.cached_property
    def graph_set(self) -> frozenset[str]:
        return frozenset(self.graphs)


def _data_format(path: Path) -> tuple[RdfFormat, bool]:
    suffixes = [s.lower() for s in path.suffixes]
    zipped = bool(suffixes) and suffixes[-1] == ".gz"
    suffix = (suffixes[-2] if zipped and len(suffixes) > 1 else suffixes[-1] if suffixes else "")
    if suffix not in DATA_FORMATS:
        raise InputError(f"{path}: unknown RDF format {suffix or '(no suffix)'!r}; "
                         f"use {', '.join(sorted(DATA_FORMATS))} (optionally .gz)")
    return DATA_FORMATS[suffix], zipped


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _with_default_copies(quads):
    """Each quad, plus a copy in the default graph of every quad in a named graph."""
    for q in quads:
        yield q
        if not isinstance(q.graph_name, DefaultGraph):
            yield Quad(q.subject, q.predicate, q.object)


def _load_file(store: Store, path: Path, base: str, scratch: Path) -> None:
    fmt, zipped = _data_format(path)
    try:
        with (gzip.open(path, "rb") if zipped else open(path, "rb")) as fh:
            if not fmt.supports_datasets:
                store.bulk_load(fh, fmt, base_iri=base)
                return
            # The default graph is the merge of all graphs (a set: a triple printed in several
            # page graphs counts once). pyoxigraph's union-default-graph option repeats such
            # triples, so the merge is stored: parse once, write quads and default-graph copies
            # to a scratch file, bulk-load that (it was just validated, hence lenient).
            serialize(_with_default_copies(parse(fh, fmt, base_iri=base)), str(scratch), RdfFormat.N_QUADS)
        store.bulk_load(path=str(scratch), format=RdfFormat.N_QUADS, lenient=True)
    except (SyntaxError, ValueError, OSError, EOFError) as exc:
        raise InputError(f"{path}: cannot be read as {fmt.name}: {_first_line(exc)}") from None
    finally:
        scratch.unlink(missing_ok=True)


def _check_files(files: list[Path]) -> None:
    if not files:
        raise InputError("no data to serve: give --data FILE or build lod/ first (gonghui build)")
    for path in files:
        if not Path(path).is_file():
            raise InputError(f"{path}: no such file")


def _fill_store(db: Path, files: list[Path], base: str, scratch: Path) -> tuple[int, list[str]]:
    """Load `files` into a new store at `db`; return its triple count and named graphs."""
    store = Store(str(db))
    try:
        for path in files:
            _load_file(store, Path(path), base, scratch)
        triples = int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value)
        graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, NamedNode))
        store.flush()
    except InputError:
        del store   # close it before the caller removes the folder
        raise
    del store   # close it: the workers open the same directory read-only
    return triples, graphs


def load_dataset(files: list[Path], base: str = DEFAULT_BASE) -> Dataset:
    """Load RDF files into a fresh on-disk store.

    N-Quads and TriG keep their named graphs; the default graph holds the merge of everything,
    so a query without a dataset sees all the data once.
    """
    _check_files(files)
    store_dir = tempfile.mkdtemp(prefix="gonghui-store-")
    atexit.register(shutil.rmtree, store_dir, True)
    start = time.monotonic()
    try:
        triples, graphs = _fill_store(Path(store_dir) / "db", files, base, Path(store_dir) / "scratch.nq")
    except InputError:
        shutil.rmtree(store_dir, ignore_errors=True)
        raise
    return Dataset(str(Path(store_dir) / "db"), triples, graphs, [Path(p) for p in files],
                   seconds=time.monotonic() - start)


# A load longer than this (seconds) into a temporary store earns a hint about --store.
STORE_HINT_AFTER = 60.0


def store_note(dataset: Dataset) -> str:
    """What the start banner says about where the data was loaded."""
    if dataset.store is not None:
        return (f" (store {dataset.store}: " +
                ("reused, the files are unchanged)" if dataset.reused else "loaded, reused at the next start)"))
    if dataset.seconds > STORE_HINT_AFTER:
        return (f" (loaded in {dataset.seconds:.0f} s; `--store DIR` keeps the store on disk "
                f"and the next start skips the load)")
    return ""


# ------------------------------------------------------------------ the persistent store (--store)

STORE_MANIFEST = "gonghui-store.json"   # marks a folder as ours and says what it was loaded from
STORE_LAYOUT = 1                        # bump when the way the store is filled changes


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _read_manifest(directory: Path) -> dict | None:
    try:
        manifest = json.loads((directory / STORE_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def _opens(db: Path) -> bool:
    """Whether the store can be opened the way the workers open it."""
    try:
        store = Store.read_only(str(db))
    except (OSError, RuntimeError):   # missing (OSError) or damaged (RuntimeError: Corruption …)
        return False
    del store
    return True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_leftovers(directory: Path) -> None:
    """Remove half loads and replaced stores beside `directory` left by a killed server."""
    for other in directory.parent.glob(f".{directory.name}.*-*"):
        kind, _, rest = other.name[len(directory.name) + 2:].partition("-")
        pid = rest.split("-")[0]
        if kind in ("loading", "old") and pid.isdigit() and not _pid_alive(int(pid)):
            shutil.rmtree(other, ignore_errors=True)


def open_store(files: list[Path], directory: Path, base: str = DEFAULT_BASE) -> Dataset:
    """The dataset in the persistent store `directory`, loading `files` only when they changed.

    The folder records the SHA-256 of every source file (gonghui-store.json). When the files,
    the base or the pyoxigraph version differ, the data is loaded into a new folder beside it
    that replaces the old one only when complete: a killed load never leaves a half store.
    """
    _check_files(files)
    directory = Path(os.path.abspath(directory))   # "." and ".." get a real name to put beside
    if directory.exists() and not directory.is_dir():
        raise InputError(f"{directory}: --store must be a folder, not a file")
    manifest = _read_manifest(directory)
    if manifest is None and directory.is_dir() and any(directory.iterdir()):
        # Never replace a folder we did not make.
        raise InputError(f"{directory}: not a gonghui store (no {STORE_MANIFEST}); give a new or empty folder")
    try:
        sources = [{"file": str(Path(p).resolve()), "bytes": Path(p).stat().st_size, "sha256": _sha256(Path(p))}
                   for p in files]
    except OSError as exc:
        raise InputError(f"{exc.filename}: cannot be read ({exc.strerror})") from None
    key = {"layout": STORE_LAYOUT, "pyoxigraph": pyoxigraph.__version__, "base": base,
           "sha256": [s["sha256"] for s in sources]}
    db = directory / "db"
    if directory.parent.is_dir():
        _remove_leftovers(directory)
    if manifest is not None and manifest.get("key") == key and _opens(db):
        try:
            return Dataset(str(db), int(manifest["triples"]), [str(g) for g in manifest["graphs"]],
                           [Path(p) for p in files], store=directory, reused=True)
        except (KeyError, TypeError, ValueError):
            pass   # a damaged record: load again

    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        loading = Path(tempfile.mkdtemp(prefix=f".{directory.name}.loading-{os.getpid()}-", dir=directory.parent))
    except OSError as exc:
        raise InputError(f"{directory}: cannot create the store there ({exc.strerror})") from None
    old = None
    start = time.monotonic()
    try:
        triples, graphs = _fill_store(loading / "db", files, base, loading / "scratch.nq")
        (loading / STORE_MANIFEST).write_text(json.dumps(
            {"key": key, "sources": sources, "triples": triples, "graphs": graphs},
            ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        # Swap: the old store steps aside, the complete new one takes its name, then the old goes.
        if directory.exists():
            old = directory.parent / f".{directory.name}.old-{os.getpid()}-{loading.name[-8:]}"
            directory.rename(old)
        loading.rename(directory)
    except OSError as exc:
        shutil.rmtree(loading, ignore_errors=True)
        raise InputError(f"{directory}: cannot write the store ({exc.strerror})") from None
    except BaseException:
        shutil.rmtree(loading, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return Dataset(str(db), triples, graphs, [Path(p) for p in files], store=directory,
                   seconds=time.monotonic() - start)


def default_dumps(lod_dir: Path) -> list[Path]:
    """The dump `gonghui serve` loads without --data: TriG (keeps named graphs) before Turtle."""
    for name in ("gonghui.trig", "gonghui.nq", "gonghui.ttl"):
        if (lod_dir / name).is_file():
            return [lod_dir / name]
    raise InputError(f"{lod_dir / 'gonghui.trig'}: no dataset found; run `gonghui build` first or give --data FILE")


@dataclass
class Document:
    """A small RDF file served as itself (ontology, shapes, VoID): raw text plus parsed triples."""
    path: Path
    raw: bytes
    media: str
    triples: list


def _read_document(path: Path) -> Document:
    fmt, _ = _data_format(path)
    raw = path.read_bytes()
    try:
        triples = [q.triple if hasattr(q, "triple") else q for q in parse(raw, fmt, base_iri=path.resolve().as_uri())]
    except (SyntaxError, ValueError) as exc:
        raise InputError(f"{path}: cannot be read as {fmt.name}: {_first_line(exc)}") from None
    return Document(path, raw, fmt.media_type, triples)


# ------------------------------------------------------------------ the app

@dataclass
class Settings:
    base: str
    timeout: float
    max_result_bytes: int
    max_body_bytes: int
    dataset: Dataset
    downloads: dict[str, Path]
    ontology: Document | None
    shapes: Document | None
    context: Path | None
    void: Document | None


def _error(status: int, message: str) -> PlainTextResponse:
    return PlainTextResponse(message + "\n", status_code=status)


def _endpoint_base(request: Request) -> str:
    return str(request.url.replace(query="", fragment=""))


def _root(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def _read_body(request: Request, limit: int, seconds: float) -> bytes:
    """The body, at most `limit` bytes, arriving within `seconds` (a trickling client gets 408)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise HTTPException(413, f"request body larger than {limit} bytes")
    chunks, size = [], 0
    try:
        async with asyncio.timeout(seconds):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise HTTPException(413, f"request body larger than {limit} bytes")
                chunks.append(chunk)
    except TimeoutError:
        raise HTTPException(408, f"the request body did not arrive within {seconds:g} s") from None
    return b"".join(chunks)


def _media_and_charset(header: str) -> tuple[str, str | None]:
    media, _, rest = header.partition(";")
    charset = None
    for param in rest.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(400, f"{what} is not valid UTF-8") from None


async def _protocol_params(request: Request, settings: Settings) -> tuple[MultiDict, str | None]:
    """The protocol parameters of a request and the query sent directly in the body, if any."""
    params = list(request.query_params.multi_items())
    if request.method == "GET":
        return MultiDict(params), None
    header = request.headers.get("content-type")
    if not header:
        raise HTTPException(400, "a POST needs a Content-Type: application/x-www-form-urlencoded "
                                 "or application/sparql-query")
    media, charset = _media_and_charset(header)
    if media == "application/sparql-update":
        raise HTTPException(403, "this endpoint is read-only: SPARQL Update is not accepted")
    if media not in ("application/x-www-form-urlencoded", "application/sparql-query"):
        raise HTTPException(415, f"unsupported Content-Type {media!r}; use application/x-www-form-urlencoded "
                                 f"or application/sparql-query")
    if charset not in (None, "utf-8", "utf8"):
        raise HTTPException(415, f"unsupported charset {charset!r}; send UTF-8")
    body = await _read_body(request, settings.max_body_bytes, settings.timeout)
    if media == "application/sparql-query":
        return MultiDict(params), _utf8(body, "the query")
    form = urllib.parse.parse_qsl(_utf8(body, "the form"), keep_blank_values=True)
    return MultiDict(params + form), None


def _formats(request: Request, params: MultiDict) -> dict:
    """The serialisation for each kind of result, from the `format` parameter or the Accept header."""
    return _pick_formats(request.headers.get("accept"), params.get("format", "").strip().lower())


@functools.lru_cache(maxsize=256)    # clients send the same few Accept headers again and again
def _pick_formats(accept: str | None, wanted: str) -> dict:
    forced = FORMAT_PARAM.get(wanted, (None, None))
    if wanted and wanted not in FORMAT_PARAM and "/" in wanted:
        accept = wanted   # a media type given as the format
    elif wanted and wanted not in FORMAT_PARAM:
        raise HTTPException(400, f"unknown format {wanted!r}; use one of {', '.join(sorted(FORMAT_PARAM))}")
    results, graphs = dict(RESULT_TYPES), dict(GRAPH_TYPES)
    res = forced[0] or negotiate(accept, [m for m, _ in RESULT_TYPES])
    gra = forced[1] or negotiate(accept, [m for m, _ in GRAPH_TYPES])
    pick = {}
    if res:
        pick["solutions"] = pick["boolean"] = (results[res], res)
    if gra:
        pick["graph"] = (graphs[gra], gra)
    return pick


def _check_dataset(info: QueryInfo, default: list[str], named: list[str], settings: Settings) -> None:
    if not (info.from_graphs or default or named):
        return
    loaded = settings.dataset.graph_set
    for iri in info.from_graphs:
        if iri not in loaded:
            raise HTTPException(400, f"FROM <{iri}> names no graph of this dataset; this endpoint never fetches "
                                     f"remote or local resources (the loaded graphs are listed at GET /sparql)")
    for iri in default + named:
        scheme = urllib.parse.urlsplit(iri).scheme.lower()
        if iri not in loaded and scheme not in ("http", "https", "urn"):
            raise HTTPException(400, f"graph <{iri}> is not part of this dataset and is never fetched; "
                                     f"only http(s) and urn graph names are accepted")


async def sparql(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    params, direct = await _protocol_params(request, settings)
    if "update" in params or "using-graph-uri" in params or "using-named-graph-uri" in params:
        raise HTTPException(403, "this endpoint is read-only: SPARQL Update is not accepted")
    queries = params.getlist("query") + ([direct] if direct is not None else [])
    if len(queries) > 1:
        raise HTTPException(400, "send exactly one query per request")
    if not queries:
        if request.method == "POST":
            raise HTTPException(400, "no query: send it as the `query` parameter or as an application/sparql-query body")
        return service_description(request)
    query = queries[0]
    base = _endpoint_base(request)
    info = inspect_query(query, base)
    if info.form in UPDATE_FORMS:
        raise HTTPException(403, f"this endpoint is read-only: {info.form} (SPARQL Update) is not accepted")
    if info.depth > MAX_NESTING:
        raise HTTPException(400, f"the query nests brackets or \"!\" {info.depth} levels deep; "
                                 f"this endpoint accepts at most {MAX_NESTING}")
    refusal = _service_first_look(query, info, base)
    if refusal and refusal != SECOND_OPINION:
        raise HTTPException(400, refusal)
    default, named = params.getlist("default-graph-uri"), params.getlist("named-graph-uri")
    _check_dataset(info, default, named, settings)
    formats = _formats(request, params)
    if not formats:
        raise HTTPException(406, "no supported media type is acceptable; results come as "
                                 + ", ".join(m for m, _ in RESULT_TYPES[:4] + GRAPH_TYPES[:4]))
    job = {"op": "query", "query": query, "base": base,
           "default": default if (default or named) else None, "named": named if (default or named) else None,
           "formats": formats,
           "max_bytes": settings.max_result_bytes,
           "service_check": refusal == SECOND_OPINION}   # rdflib is slow: it runs in the worker
    answer = None
    if refusal is None and not (default or named):
        answer = _answer_lookup(request.app.state, info, job)
    status, media, body = answer or await _call(request, job)
    if status != 200:
        return _error(status, body.decode("utf-8", "replace"))
    return Response(body, media_type=_with_charset(media), headers={"Vary": "Accept"})


# A lookup answered in the server process holds up every other request while it runs; one that
# takes more CPU than this (seconds) sends the queries of its shape to the workers, where they
# cost a hop (≈ 0.3 ms) but run beside the others. CPU time of this thread, not wall time, so that
# the machine pausing the server says nothing about the query.
LOOKUP_BUDGET = 0.002
# Every RETRY_EVERY-th query of such a shape is measured here again, and the shape comes back when
# it is cheap: the first queries on a large store cost several times more while its index blocks
# are read in (up to 7 ms against 0.1 ms once warm, on the 10,000-page store).
RETRY_EVERY = 100


def _shape(info: QueryInfo) -> tuple:
    """A query with its IRIs, strings and numbers left out: the same lookup about other things."""
    return tuple(text if kind in ("word", "var", "pname", "other") and not text.isdigit() else kind
                 for kind, text in info.tokens)


def _answer_lookup(state, info: QueryInfo, job: dict) -> tuple[int, str, bytes] | None:
    """The answer to a lookup (lookup.py), computed here without a worker; None for other queries."""
    found = lookup(info.tokens, info.prefixes, info.base)
    if found is None:
        return None
    slow: dict = state.slow_shapes      # shape → its queries sent to the workers since it was measured
    shape = _shape(info) if slow else None
    if shape in slow:
        slow[shape] += 1
        if slow[shape] < RETRY_EVERY:
            return None
    store: Store = state.store
    start = time.thread_time()
    if found.too_big(store):
        return None
    answer = run_query(store, job)
    if time.thread_time() - start > LOOKUP_BUDGET:
        slow[shape or _shape(info)] = 0
    elif shape in slow:
        del slow[shape]
    state.lookups += 1
    return answer


async def _call(request: Request, job: dict) -> tuple[int, str, bytes]:
    settings: Settings = request.app.state.settings
    try:
        return await request.app.state.pool.call(job, settings.timeout)
    except QueryTimeout:
        raise HTTPException(503, f"query timed out after {settings.timeout:g} s and was stopped; "
                                 f"add LIMIT or make the patterns more selective") from None
    except WorkerCrashed:
        raise HTTPException(503, "the query was stopped: its worker ran out of memory or crashed") from None


def _rdf_response(request: Request, triples: list, media: str, *, raw: Document | None = None) -> Response:
    """Serialise triples as `media`, reusing the file's own text when it is already in that format."""
    if raw is not None and raw.media == media:
        body = raw.raw
    else:
        fmt = dict(GRAPH_TYPES)[media]
        body = serialize(triples, None, getattr(RdfFormat, fmt),
                         prefixes=PREFIXES if fmt == "TURTLE" else None)
        body = tidy_turtle(body) if fmt == "TURTLE" else body
    return Response(body, media_type=_with_charset(media), headers={"Vary": "Accept"})


def service_description(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    accept = request.headers.get("accept")
    choice = negotiate(accept, [m for m, _ in GRAPH_TYPES] + HTML_TYPES) if accept else "text/turtle"
    if choice in HTML_TYPES:
        return RedirectResponse("/", status_code=303)
    if choice is None:
        raise HTTPException(406, "the service description is available as Turtle, N-Triples, JSON-LD or RDF/XML")
    sd = lambda local: NamedNode(SD + local)  # noqa: E731
    rdf_type = NamedNode(PREFIXES["rdf"] + "type")
    # Fixed blank node labels keep the description byte-for-byte the same on every request.
    service, dataset, default = BlankNode("service"), BlankNode("dataset"), BlankNode("defaultGraph")
    triples = [
        Triple(service, rdf_type, sd("Service")),
        Triple(service, sd("endpoint"), NamedNode(_endpoint_base(request))),
        Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        Triple(service, sd("defaultDataset"), dataset),
        Triple(dataset, rdf_type, sd("Dataset")),
        Triple(dataset, sd("defaultGraph"), default),
        Triple(default, rdf_type, sd("Graph")),
        Triple(default, NamedNode(PREFIXES["void"] + "triples"), Literal(str(settings.dataset.triples),
               datatype=NamedNode(PREFIXES["xsd"] + "integer"))),
    ]
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                 "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        triples.append(Triple(service, sd("resultFormat"), NamedNode(FORMATS_NS + name)))
    for n, g in enumerate(settings.dataset.graphs):
        ng = BlankNode(f"graph{n}")
        triples += [Triple(dataset, sd("namedGraph"), ng), Triple(ng, rdf_type, sd("NamedGraph")),
                    Triple(ng, sd("name"), NamedNode(g))]
    triples.append(Triple(service, NamedNode(PREFIXES["rdfs"] + "comment"), Literal(
        "Read-only; SERVICE is refused; queries stop after "
        f"{settings.timeout:g} s; without a dataset in the request the default graph is the merge of all graphs.")))
    return _rdf_response(request, triples, choice)


def _suffix_format(path: str) -> tuple[str, str | None]:
    for suffix, media in SUFFIXES.items():
        if path.endswith(suffix):
            return path[: -len(suffix)], media
    return path, None


def _rdf_or_html(request: Request, forced: str | None) -> str | None:
    if forced:
        return forced
    return negotiate(request.headers.get("accept"), HTML_TYPES[:1] + [m for m, _ in GRAPH_TYPES] + HTML_TYPES[1:])


def _alternates(path: str) -> str:
    return ", ".join(f'<{path}{suffix}>; rel="alternate"; type="{media}"' for suffix, media in SUFFIXES.items()
                     if media != "text/html")


async def resource(request: Request) -> Response:
    """/id/… : the description of one IRI under the base, as a page or as RDF."""
    settings: Settings = request.app.state.settings
    raw_path = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1").split("?")[0]
    rest, forced = _suffix_format(raw_path[len("/id/"):])
    choice = _rdf_or_html(request, forced)
    if choice is None:
        raise HTTPException(406, "this resource is available as HTML, Turtle, N-Triples, JSON-LD or RDF/XML")
    # IRIs are stored as written; a browser percent-encodes non-ASCII characters, so try both forms.
    candidates = list(dict.fromkeys([settings.base + rest, settings.base + urllib.parse.unquote(rest)]))
    html = choice in HTML_TYPES
    job = {"op": "describe", "candidates": candidates, "html": html,
           "rdf": None if html else (dict(GRAPH_TYPES)[choice], choice)}
    status, media, body = await _call(request, job)
    if status == 404:
        if html:
            return HTMLResponse(pages.error_page(404, body.decode()), status_code=404)
        return _error(404, body.decode())
    if status != 200:
        return _error(status, body.decode("utf-8", "replace"))
    headers = {"Vary": "Accept", "Link": _alternates("/id/" + rest)}
    if html:
        page = pages.resource_page(json.loads(body), _linker(settings))
        return HTMLResponse(page, headers=headers)
    return Response(body, media_type=_with_charset(media), headers=headers)


def _linker(settings: Settings) -> pages.Linker:
    local = {}
    if settings.ontology is not None:
        local[SITE + "ontology"] = "/ontology"
    if settings.shapes is not None:
        local[SITE + "shapes"] = "/shapes"
    if settings.context is not None:
        local[SITE + "context.jsonld"] = "/context.jsonld"
    return pages.Linker(base=settings.base, local=local)


def _document_route(attr: str, title: str):
    async def handler(request: Request) -> Response:
        settings: Settings = request.app.state.settings
        doc: Document | None = getattr(settings, attr)
        if doc is None:
            raise HTTPException(404, f"no {attr} file is served here")
        forced = SUFFIXES.get("." + request.path_params.get("ext", "")) if "ext" in request.path_params else None
        if "ext" in request.path_params and forced is None:
            raise HTTPException(404, f"unknown format suffix .{request.path_params['ext']}")
        choice = _rdf_or_html(request, forced)
        if choice is None:
            raise HTTPException(406, "available as HTML, Turtle, N-Triples, JSON-LD or RDF/XML")
        if choice in HTML_TYPES:
            triples = [[term(t.subject), term(t.predicate), term(t.object)] for t in doc.triples]
            return HTMLResponse(pages.document_page(title, doc.path.name, triples, _linker(settings),
                                                    "/" + attr), headers={"Vary": "Accept"})
        return _rdf_response(request, doc.triples, choice, raw=doc)
    return handler


async def context_jsonld(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if settings.context is None:
        raise HTTPException(404, "no JSON-LD context is served here")
    return FileResponse(settings.context, media_type="application/ld+json")


async def void(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    choice = negotiate(request.headers.get("accept"), [m for m, _ in GRAPH_TYPES] + HTML_TYPES) or "text/turtle"
    if choice in HTML_TYPES:
        choice = "text/turtle"
    if settings.void is not None:
        return _rdf_response(request, settings.void.triples, choice, raw=settings.void)
    root = _root(request)
    ds = NamedNode(root + "/.well-known/void#dataset")
    v = lambda local: NamedNode(PREFIXES["void"] + local)  # noqa: E731
    triples = [
        Triple(ds, NamedNode(PREFIXES["rdf"] + "type"), v("Dataset")),
        Triple(ds, NamedNode(PREFIXES["dcterms"] + "title"), Literal("gonghui")),
        Triple(ds, v("triples"), Literal(str(settings.dataset.triples), datatype=NamedNode(PREFIXES["xsd"] + "integer"))),
        Triple(ds, v("sparqlEndpoint"), NamedNode(root + "/sparql")),
        Triple(ds, v("uriSpace"), Literal(settings.base)),
        Triple(ds, v("vocabulary"), NamedNode(ONTOLOGY_NS)),
    ]
    triples += [Triple(ds, v("dataDump"), NamedNode(f"{root}/download/{urllib.parse.quote(name)}"))
                for name in settings.downloads]
    return _rdf_response(request, triples, choice)


async def download(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    name = request.path_params.get("name", "")
    if not name:
        return HTMLResponse(pages.downloads_page({n: p.stat().st_size for n, p in settings.downloads.items()}))
    path = settings.downloads.get(name)
    if path is None or not path.is_file():
        raise HTTPException(404, f"no download called {name!r}")
    media = DOWNLOAD_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return FileResponse(path, media_type=_with_charset(media) if media.startswith("text/") else media,
                        filename=name, content_disposition_type="inline")


async def home(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    return HTMLResponse(pages.query_page(
        endpoint="/sparql", quads=settings.dataset.triples, graphs=len(settings.dataset.graphs),
        downloads=bool(settings.downloads), ontology=settings.ontology is not None,
        shapes=settings.shapes is not None, base=settings.base))


async def http_error(request: Request, exc: HTTPException) -> Response:
    response = _error(exc.status_code, str(exc.detail))
    response.headers.update(exc.headers or {})
    if request.method == "POST":
        # The body may be partly unread (413, 415 …): close, or a client could stream on for ever.
        response.headers["connection"] = "close"
    return response


def _downloads(lod_dir: Path | None, files: list[Path]) -> dict[str, Path]:
    if lod_dir is not None and lod_dir.is_dir():
        candidates = sorted(p for p in lod_dir.iterdir() if p.is_file() and not p.name.startswith("."))
    else:
        candidates = [Path(p) for p in files]
    return {p.name: p for p in candidates}


def create_app(data_files: list[Path], *, base: str = DEFAULT_BASE, timeout: float = 10.0,
               lod_dir: Path | None = None, ontology: Path | None = None, shapes: Path | None = None,
               workers: int = 4, max_result_bytes: int = 64 << 20, max_body_bytes: int = 1 << 20,
               memory_limit: int | None = 4 << 30, store: Path | None = None, announce=None) -> Starlette:
    """Build the ASGI app. Loads the data now (errors are InputError); workers start with the app.

    With no data files the default dump of `lod_dir` is served. The ontology and shapes default to
    ontology/gonghui.ttl and shapes/gonghui-shapes.ttl next to `lod_dir`. With `store` the data is
    kept in that folder and reused at the next start while the files are unchanged (open_store).
    `announce()` is called once the server is ready.
    """
    if timeout <= 0:
        raise InputError(f"--timeout must be positive, not {timeout}")
    lod_dir = Path(lod_dir) if lod_dir is not None else None
    files = [Path(p) for p in data_files] or (default_dumps(lod_dir) if lod_dir is not None else [])
    dataset = open_store(files, Path(store), base) if store is not None else load_dataset(files, base)
    root = lod_dir.parent if lod_dir is not None else None
    if ontology is None and root is not None and (root / "ontology" / "gonghui.ttl").is_file():
        ontology = root / "ontology" / "gonghui.ttl"
    if shapes is None and root is not None and (root / "shapes" / "gonghui-shapes.ttl").is_file():
        shapes = root / "shapes" / "gonghui-shapes.ttl"
    context = Path(ontology).parent / "context.jsonld" if ontology is not None else None
    void_file = lod_dir / "void.ttl" if lod_dir is not None else None
    settings = Settings(
        base=base, timeout=timeout, max_result_bytes=max_result_bytes, max_body_bytes=max_body_bytes,
        dataset=dataset, downloads=_downloads(lod_dir, files),
        ontology=_read_document(Path(ontology)) if ontology is not None else None,
        shapes=_read_document(Path(shapes)) if shapes is not None else None,
        context=context if context is not None and context.is_file() else None,
        void=_read_document(void_file) if void_file is not None and void_file.is_file() else None)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        pool = WorkerPool(dataset.store_dir, size=workers, memory_limit=memory_limit)
        app.state.pool = pool
        app.state.store = Store.read_only(dataset.store_dir)    # for lookups (_answer_lookup)
        app.state.slow_shapes, app.state.lookups = {}, 0
        await pool.start()
        if announce is not None:
            announce()
        try:
            yield
        finally:
            await pool.close()
            del app.state.store
            if dataset.store is None:   # a temporary store goes; a --store folder stays for the next start
                shutil.rmtree(Path(dataset.store_dir).parent, ignore_errors=True)

    routes = [
        Route("/", home),
        *(Route(path, sparql, methods=["GET", "POST"]) for path in SPARQL_PATHS),
        Route("/id/{rest:path}", resource),
        Route("/ontology", _document_route("ontology", "Ontology")),
        Route("/ontology.{ext}", _document_route("ontology", "Ontology")),
        Route("/context.jsonld", context_jsonld),
        Route("/ontology/context.jsonld", context_jsonld),
        Route("/shapes", _document_route("shapes", "SHACL shapes")),
        Route("/shapes.{ext}", _document_route("shapes", "SHACL shapes")),
        Route("/download/", download),
        Route("/download/{name}", download),
        Route("/.well-known/void", void),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [Middleware(CORSMiddleware, **CORS)]
    app = _App(routes=routes, middleware=middleware, lifespan=lifespan,
               exception_handlers={HTTPException: http_error})
    app.state.settings = settings
    return app


SPARQL_PATHS = ("/sparql", "/sparql/")
CORS = {"allow_origins": ["*"], "allow_methods": ["GET", "POST", "OPTIONS"], "allow_headers": ["*"],
        "max_age": 86400}


class _App(Starlette):
    """Starlette, except that SPARQL GETs and POSTs go straight to `sparql`: the middleware stack
    and the router cost more than answering a lookup. What they would add is added here: the
    error responses of `http_error` and the CORS headers, by the CORS middleware's own `send`."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.cors = CORSMiddleware(self, **CORS)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] not in SPARQL_PATHS or scope["method"] not in ("GET", "POST"):
            return await super().__call__(scope, receive, send)
        scope["app"] = self
        request = Request(scope, receive)
        try:
            response = await sparql(request)
        except HTTPException as exc:
            response = await http_error(request, exc)
        await response(scope, receive, functools.partial(self.cors.send, send=send, request_headers=request.headers))


def guarded_protocol(seconds: float):
    """uvicorn's HTTP/1.1 protocol (httptools) with deadlines against slow or silent clients.

    uvicorn waits for a request head for ever; here a connection that sends nothing is closed
    after the keep-alive timeout, and a request head still incomplete `seconds` after its first
    byte gets 408 and the connection is closed (slow loris). A trickling body gets 408 in
    `_read_body`. httptools, not h11: its C parser halves the server's cost of a small request."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    message = f"the request head did not arrive within {seconds:g} s\n".encode()
    reply = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
             b"connection: close\r\ncontent-length: " + str(len(message)).encode() + b"\r\n\r\n" + message)

    class GuardedProtocol(HttpToolsProtocol):
        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self.head_timer = None
            self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive,
                                                                self.timeout_keep_alive_handler)

        def on_message_begin(self) -> None:      # the first byte of a request head
            super().on_message_begin()
            self._stop_head_timer()
            self.head_timer = self.loop.call_later(seconds, self.head_too_slow)

        def on_headers_complete(self) -> None:
            self._stop_head_timer()
            super().on_headers_complete()

        def connection_lost(self, exc) -> None:
            self._stop_head_timer()
            super().connection_lost(exc)

        def _stop_head_timer(self) -> None:
            if self.head_timer is not None:
                self.head_timer.cancel()
                self.head_timer = None

        def head_too_slow(self) -> None:
            self.head_timer = None
            if not self.transport.is_closing():
                self.transport.write(reply)
                self.transport.close()

    return GuardedProtocol


def run(data_files: list[Path], host: str = "127.0.0.1", port: int = 8000, timeout: float = 10.0,
        store: Path | None = None) -> None:
    """`gonghui serve`: load the data, print the URLs and serve until interrupted."""
    import uvicorn

    lod_dir = None if data_files else Path("lod")
    here = Path.cwd()
    ontology = here / "ontology" / "gonghui.ttl"
    shapes = here / "shapes" / "gonghui-shapes.ttl"
    # Fail early with one line if the port is taken, instead of a log message from uvicorn.
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise InputError(f"{host}:{port}: cannot listen there ({exc.strerror})") from None
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}"

    def announce():
        s = app.state.settings
        print(f"gonghui: serving {s.dataset.triples} triples in {len(s.dataset.graphs)} named graphs "
              f"from {', '.join(str(p) for p in s.dataset.files)}{store_note(s.dataset)}\n"
              f"  query page       {url}/\n"
              f"  SPARQL endpoint  {url}/sparql\n"
              f"  resources        {url}/id/…  (base {s.base})\n"
              f"  downloads        {url}/download/   VoID {url}/.well-known/void\n"
              f"  (Ctrl-C to stop)", flush=True)

    app = create_app(data_files, timeout=timeout, lod_dir=lod_dir,
                     ontology=ontology if data_files and ontology.is_file() else None,
                     shapes=shapes if data_files and shapes.is_file() else None, store=store,
                     announce=announce)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2,
                http=guarded_protocol(timeout))
    sys.stdout.flush()
