"""`gonghui push`: load a published dataset into any SPARQL 1.1 store, one named graph per page.

The TriG dump (lod/gonghui.trig) holds one named graph per page plus the entities and build
graphs. Each graph goes to the store by one of two standard protocols:

  Graph Store Protocol (--graph-store URL, preferred): the first batch of a graph is sent with
      HTTP PUT ?graph=IRI, which replaces whatever the graph held; further batches of a very
      large graph are appended with POST.
  SPARQL Update (--endpoint URL, the fallback): `DROP SILENT GRAPH <g> ; INSERT DATA { GRAPH <g>
      { … } }`, further batches as plain INSERT DATA.

Either way a graph is replaced as a whole, so pushing the same dataset again leaves the store as
it was (idempotent), and pushing a rebuilt dataset replaces every page it holds. Triples in the
default graph (the gonghui build writes none) are added, never replaced, because the default
graph of a shared store is not ours to wipe.

Blank nodes are only meaningful inside one request, so the blank-node triples of a graph are
held back and sent together in the graph's last request.

Every failure (no dump, unreadable dump, cannot connect, HTTP error) is one InputError line.
"""
from __future__ import annotations

import contextlib
import gzip
import re
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import httpx
from pyoxigraph import BlankNode, DefaultGraph, Quad, RdfFormat, parse

from ..errors import InputError

DUMPS = ("gonghui.trig", "gonghui.nq", "gonghui.trig.gz", "gonghui.nq.gz")
FORMATS = {".trig": RdfFormat.TRIG, ".nq": RdfFormat.N_QUADS}
GSP_BATCH = 50_000        # triples per Graph Store request (~10 MB of N-Triples)
MAX_PENDING = 200_000     # triples held back while gathering graphs that a dump lists in pieces
UPDATE_BATCH = 250        # triples per SPARQL Update request: Virtuoso refuses ~2,000 and is fastest near 250
HTTP_TIMEOUT = httpx.Timeout(300.0, connect=10.0)
PAGE_GRAPH = "/graph/page/"   # how the build names page graphs (iri.py)


# ------------------------------------------------------------------ reading the dump

def dataset_file(lod_dir: Path) -> Path:
    """The dump to push: `lod_dir` itself if it is a file, else its TriG (or N-Quads) dump."""
    lod_dir = Path(lod_dir)
    if lod_dir.is_file():
        _format(lod_dir)   # refuse Turtle and others early: they have no named graphs
        return lod_dir
    if not lod_dir.is_dir():
        raise InputError(f"{lod_dir}: no such folder; run `gonghui build` first")
    for name in DUMPS:
        if (lod_dir / name).is_file():
            return lod_dir / name
    raise InputError(f"{lod_dir / DUMPS[0]}: no such file; run `gonghui build` first")


def _format(path: Path) -> tuple[RdfFormat, bool]:
    suffixes = [s.lower() for s in path.suffixes]
    zipped = bool(suffixes) and suffixes[-1] == ".gz"
    suffix = suffixes[-2] if zipped and len(suffixes) > 1 else suffixes[-1] if suffixes else ""
    if suffix not in FORMATS:
        raise InputError(f"{path}: push needs named graphs: give a TriG (.trig) or N-Quads (.nq) file")
    return FORMATS[suffix], zipped


@contextlib.contextmanager
def open_dump(path: Path) -> Iterator[BinaryIO]:
    """The dump opened once for both passes: a build that replaces the file meanwhile (publish
    renames the new file into place) cannot make the second pass read other data."""
    _, zipped = _format(path)
    try:
        raw = open(path, "rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    with raw, (gzip.GzipFile(fileobj=raw, mode="rb") if zipped else contextlib.nullcontext(raw)) as fh:
        yield fh


def read_quads(fh: BinaryIO, path: Path) -> Iterator[Quad]:
    """The quads of a TriG or N-Quads dump from its start, streamed."""
    fmt, _ = _format(path)
    try:
        fh.seek(0)
        yield from parse(fh, fmt)
    except (SyntaxError, ValueError, OSError, EOFError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InputError(f"{path}: cannot be read as {fmt.name}: {first}") from None


@dataclass
class Census:
    """What a dump holds, counted before anything is sent."""
    triples: int = 0
    graphs: dict[str, int] = field(default_factory=dict)   # named graph → triples
    default: int = 0                                        # triples in the default graph

    @property
    def pages(self) -> int:
        return sum(1 for g in self.graphs if PAGE_GRAPH in g)


def census(quads: Iterator[Quad]) -> Census:
    """Count graphs and triples; this full parse also makes sure the dump is valid before the
    store is touched, so a broken file never leaves half a dataset behind."""
    result = Census()
    for quad in quads:
        result.triples += 1
        if isinstance(quad.graph_name, DefaultGraph):
            result.default += 1
        else:
            name = quad.graph_name.value
            result.graphs[name] = result.graphs.get(name, 0) + 1
    return result


@dataclass
class Batch:
    graph: str | None       # IRI, or None for the default graph
    lines: list[str]        # N-Triples lines without the final " ."
    replace: bool           # first batch of this graph: replace what the store holds


def batches(quads: Iterator[Quad], size: int, max_pending: int = MAX_PENDING) -> Iterator[Batch]:
    """Gather the triples of each graph into batches of at most `size` triples.

    The gonghui TriG lists each graph in one piece, but N-Quads may interleave graphs: triples
    wait in memory (at most `max_pending` of them) so that a graph goes in as few requests as
    possible. The first batch of a named graph replaces it in the store, later ones are appended.
    Blank-node triples wait for the graph's last batch: a blank node names the same node only
    within one request.
    """
    pending: dict[str | None, list[str]] = {}     # in order of first appearance
    blank: dict[str | None, list[str]] = {}
    seen: set[str | None] = set()
    held = 0

    def emit(graph: str | None, lines: list[str]) -> Batch:
        # The default graph is never replaced: other data may live there.
        batch = Batch(graph, lines, replace=graph is not None and graph not in seen)
        seen.add(graph)
        return batch

    for quad in quads:
        graph = None if isinstance(quad.graph_name, DefaultGraph) else quad.graph_name.value
        text = str(quad.triple)
        if isinstance(quad.subject, BlankNode) or isinstance(quad.object, BlankNode):
            blank.setdefault(graph, []).append(text)
            continue
        lines = pending.setdefault(graph, [])
        lines.append(text)
        held += 1
        if len(lines) >= size:
            yield emit(graph, lines)
            held -= len(lines)
            pending[graph] = []
        elif held >= max_pending:
            for name, waiting in pending.items():
                if waiting:
                    yield emit(name, waiting)
            pending = {name: [] for name in pending}
            held = 0
    for name in list(pending) + [g for g in blank if g not in pending]:
        body = pending.get(name, []) + blank.get(name, [])
        if body:
            yield emit(name, body)


# ------------------------------------------------------------------ talking to the store

class BasicOrDigest(httpx.Auth):
    """HTTP Basic, switching to Digest when the server asks for it (Virtuoso's -auth endpoints do)."""

    def __init__(self, user: str, password: str):
        self.basic = httpx.BasicAuth(user, password)
        self.digest = httpx.DigestAuth(user, password)
        self.use_digest = False

    def auth_flow(self, request: httpx.Request):
        if self.use_digest:
            yield from self.digest.auth_flow(request)
            return
        response = yield next(self.basic.auth_flow(request))
        challenge = response.headers.get("www-authenticate", "").lower()
        # Virtuoso answers a Basic attempt with a bare 401 (no challenge): ask again without
        # credentials to learn the challenge; Digest takes over if that is what it asks for.
        if response.status_code == 401 and not challenge.startswith("basic"):
            del request.headers["Authorization"]
            flow = self.digest.auth_flow(request)
            sent = next(flow)
            while True:
                response = yield sent
                try:
                    sent = flow.send(response)
                except StopIteration:
                    break
            self.use_digest = response.status_code != 401


def _one_line(text: str, limit: int = 300) -> str:
    """An error body as one line: plain text gives its first line; HTML (Virtuoso's error pages)
    gives all its text lines joined, since the cause is usually not the first."""
    if text.lstrip().startswith("<"):
        lines = [line.strip() for line in re.sub(r"<[^>]*>", "\n", text).splitlines()]
        return " | ".join(line for line in lines if line)[:limit]
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:limit]
    return ""


class Remote:
    """The remote store: one HTTP client, errors turned into InputError lines."""

    def __init__(self, user: str | None, password: str | None, transport: httpx.BaseTransport | None = None):
        self.user = user
        auth = BasicOrDigest(user, password or "") if user else None
        self.client = httpx.Client(auth=auth, timeout=HTTP_TIMEOUT, transport=transport)
        self.requests = 0

    def close(self) -> None:
        self.client.close()

    def send(self, method: str, url: str, **kwargs) -> httpx.Response:
        shown = url.split("?")[0]
        self.requests += 1
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.ConnectError as exc:
            raise InputError(f"{shown}: cannot connect ({_one_line(str(exc)) or 'refused'})") from None
        except httpx.TimeoutException:
            raise InputError(f"{shown}: no answer within {HTTP_TIMEOUT.read:.0f} s") from None
        except httpx.HTTPError as exc:
            raise InputError(f"{shown}: {type(exc).__name__}: {_one_line(str(exc))}") from None
        if response.is_success:
            return response
        detail = _one_line(response.text) or response.reason_phrase
        if response.status_code == 401:
            detail = (f"user {self.user!r} was refused" if self.user
                      else "the store wants a user and password (--user, --password)")
        raise InputError(f"{shown}: HTTP {response.status_code}: {detail}")


def _graph_url(graph_store: str, graph: str | None) -> str:
    """Graph Store Protocol address of one graph (indirect identification: ?graph=IRI)."""
    joiner = "&" if "?" in graph_store else "?"
    if graph is None:
        return graph_store + joiner + "default"
    return graph_store + joiner + "graph=" + urllib.parse.quote(graph, safe="")


def send_gsp(store: Remote, graph_store: str, batch: Batch) -> None:
    body = "".join(line + " .\n" for line in batch.lines).encode("utf-8")
    # N-Triples is Turtle too; text/turtle is the one type every Graph Store accepts.
    store.send("PUT" if batch.replace else "POST", _graph_url(graph_store, batch.graph), content=body,
               headers={"Content-Type": "text/turtle; charset=utf-8"})


def update_text(batch: Batch) -> str:
    """The SPARQL Update request of one batch."""
    triples = "".join(f"  {line} .\n" for line in batch.lines)
    if batch.graph is None:
        return f"INSERT DATA {{\n{triples}}}\n"
    iri = f"<{batch.graph}>"
    insert = f"INSERT DATA {{ GRAPH {iri} {{\n{triples}}} }}\n" if batch.lines else ""
    if batch.replace:
        return f"DROP SILENT GRAPH {iri} ;\n{insert}" if insert else f"DROP SILENT GRAPH {iri}\n"
    return insert


def send_update(store: Remote, endpoint: str, batch: Batch) -> None:
    text = update_text(batch)
    if text:
        # The form-encoded variant of the protocol is the one every store understands.
        store.send("POST", endpoint, data={"update": text},
                   headers={"Accept": "application/sparql-results+json, text/plain, */*"})


def count_in_store(store: Remote, endpoint: str, graphs: list[str], chunk: int = 1000) -> int:
    """Triples the store now holds in `graphs`, asked at its query endpoint (a thousand graphs
    per query, so that a huge archive does not make one huge query)."""
    total = 0
    for start in range(0, len(graphs), chunk):
        values = " ".join(f"<{g}>" for g in graphs[start:start + chunk])
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        response = store.send("POST", endpoint, data={"query": query},
                              headers={"Accept": "application/sparql-results+json"})
        try:
            total += int(response.json()["results"]["bindings"][0]["n"]["value"])
        except (ValueError, KeyError, IndexError, TypeError):
            raise InputError(f"{endpoint}: the count query did not return SPARQL JSON results") from None
    return total


# ------------------------------------------------------------------ the command

def _check_url(url: str, option: str) -> None:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InputError(f"{url}: {option} must be an http:// or https:// URL")


def push(lod_dir: Path, *, endpoint: str, graph_store: str | None = None, user: str | None = None,
         password: str | None = None, batch_size: int | None = None,
         transport: httpx.BaseTransport | None = None) -> str:
    """Load the dataset of `lod_dir` into a SPARQL 1.1 store; return a one-paragraph summary.

    With `graph_store` the Graph Store Protocol is used and `endpoint` is the query endpoint the
    result is counted at; without it `endpoint` is the SPARQL Update endpoint. `transport` lets
    tests and embedders route the HTTP requests (httpx.MockTransport).
    """
    _check_url(endpoint, "--endpoint")
    if graph_store is not None:
        _check_url(graph_store, "--graph-store")
    if password and not user:
        raise InputError("--password given without --user")
    path = dataset_file(lod_dir)
    size = batch_size or (GSP_BATCH if graph_store else UPDATE_BATCH)
    with open_dump(path) as fh:
        counted = census(read_quads(fh, path))
        if counted.triples == 0:
            raise InputError(f"{path}: the dataset is empty; nothing to push")
        started = time.perf_counter()
        store = Remote(user, password, transport)
        try:
            for batch in batches(read_quads(fh, path), size):
                if graph_store is not None:
                    send_gsp(store, graph_store, batch)
                else:
                    send_update(store, endpoint, batch)
            held = count_in_store(store, endpoint, sorted(counted.graphs)) if graph_store and counted.graphs else None
        finally:
            store.close()
    seconds = time.perf_counter() - started

    others = len(counted.graphs) - counted.pages
    how = (f"with the Graph Store Protocol at {graph_store} (HTTP PUT per graph)" if graph_store
           else f"with SPARQL Update at {endpoint} (DROP SILENT GRAPH + INSERT DATA per graph)")
    summary = (f"pushed {counted.triples} triples in {len(counted.graphs)} named graphs "
               f"({counted.pages} pages, {others} other{'s' if others != 1 else ''}) from {path} {how}: "
               f"{store.requests} requests in {seconds:.1f} s.")
    if counted.default:
        summary += f" {counted.default} default-graph triples were added, not replaced."
    if held is not None:
        in_graphs = counted.triples - counted.default
        check = ("as pushed" if held == in_graphs
                 else f"the dump lists {in_graphs}: a triple listed twice counts once" if held < in_graphs
                 else f"more than the {in_graphs} pushed: another writer uses these graphs")
        summary += f" The store now holds {held} triples in these graphs ({check}, counted at {endpoint})."
    summary += " Pushing again replaces the same graphs."
    return summary
