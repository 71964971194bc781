"""Query workers: child processes that evaluate SPARQL over a read-only copy of the store.

pyoxigraph has no query timeout, so every query runs in a worker process. The server waits for
the answer until the deadline and otherwise kills the worker (which frees its CPU and memory at
once) and starts a fresh one. While one worker is stuck on a runaway query the others answer.

Worker side: `worker_main` opens `Store.read_only(path)` and answers jobs sent over a pipe.
Server side: `WorkerPool.call(job, timeout)` (asyncio) returns `(status, media_type, body)`.

Jobs are plain dicts:
  {"op": "query", "query", "base", "default", "named", "formats", "max_bytes", "service_check"?}
  {"op": "describe", "candidates", "rdf", "html", "max_bytes"}
"""
from __future__ import annotations

import asyncio
import io
import json
import multiprocessing
import os
import re
import resource
import signal
from dataclasses import dataclass

from pyoxigraph import (BlankNode, DefaultGraph, Literal, NamedNode, QueryBoolean, QueryResultsFormat, QuerySolutions,
                        RdfFormat, Store, Triple, serialize)

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

_RDF, _RDFS, _SCHEMA, _SKOS, _ORG, _OA, _GH, _TIME, _DCT = (
    PREFIXES[p] for p in ("rdf", "rdfs", "schema", "skos", "org", "oa", "gh", "time", "dcterms"))
RDF_TYPE = NamedNode(_RDF + "type")
DEFAULT = DefaultGraph()
# The first of these a resource has is its label; Chinese (@zh) wins over pinyin.
LABEL_PREDICATES = [NamedNode(i) for i in (_SCHEMA + "name", _SKOS + "prefLabel", _SCHEMA + "headline",
                                           _RDFS + "label", _DCT + "title", _SCHEMA + "caption")]
MAX_DESCRIPTION = 5000     # triples in one resource description
MAX_ROWS = 300             # rows of each list on an HTML page
SNIPPET = 40               # characters of context either side of a mention


SERVICE_REFUSED = ("SERVICE is not allowed on this endpoint: it would make the server fetch data from "
                   "another service. Run federated queries from your own machine.")
SERVICE_UNPARSED = ("the query mentions SERVICE in a form the safety check cannot parse; "
                    "SERVICE is not allowed on this endpoint")


class QueryTimeout(Exception):
    """The query did not finish before its deadline; its worker was killed."""


class WorkerCrashed(Exception):
    """A worker died while answering (e.g. its memory limit was hit)."""


class WorkerGone(Exception):
    """An idle worker was found dead before it got the job (the job can go to another one)."""


# ------------------------------------------------------------------ worker side

class _CappedWriter(io.RawIOBase):
    """A bytes buffer that refuses to grow past `limit`, so a huge result stops early."""

    def __init__(self, limit: int):
        self.buffer, self.limit, self.overflow = io.BytesIO(), limit, False

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if self.buffer.tell() + len(data) > self.limit:
            self.overflow = True
            raise OSError("result too large")
        return self.buffer.write(data)


def worker_main(conn, store_path: str, memory_limit: int | None) -> None:
    """Entry point of a worker process: answer jobs until the pipe closes."""
    # Ctrl-C in a terminal reaches the whole process group; the server decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory_limit:
        # A query that allocates past this dies alone instead of exhausting the machine.
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    store = Store.read_only(store_path)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            status, media, body = handle(store, job)
        except MemoryError:
            status, media, body = 503, "text/plain", b"the query needed more memory than a worker may use"
        except Exception as exc:  # a bug must not kill the worker; report it as a server error
            status, media, body = 500, "text/plain", f"{type(exc).__name__}: {exc}".encode()
        conn.send((status, media, len(body)))
        conn.send_bytes(body)


def service_second_opinion(text: str) -> str | None:
    """Why a query that names SERVICE only inside a name, string or comment must still be refused,
    or None: rdflib's independent parser must agree that no SERVICE clause is there.

    rdflib parses slowly (seconds for a few kilobytes of FILTERs), so the server asks a query
    worker, which is killed at the deadline like any other job, instead of blocking its event loop."""
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        tree = parseQuery(text)
    except Exception:       # any failure, RecursionError included, means "cannot tell": refuse
        return SERVICE_UNPARSED

    def walk(node) -> bool:
        if getattr(node, "name", None) == "ServiceGraphPattern":
            return True
        if isinstance(node, dict):
            return any(walk(v) for v in node.values())
        if isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
            return any(walk(v) for v in node)
        return False

    try:
        return SERVICE_REFUSED if walk(tree) else None
    except RecursionError:
        return SERVICE_UNPARSED


def handle(store: Store, job: dict) -> tuple[int, str, bytes]:
    if job["op"] == "query":
        return run_query(store, job)
    if job["op"] == "describe":
        return describe(store, job)
    return 500, "text/plain", f"unknown job {job['op']!r}".encode()


def run_query(store: Store, job: dict) -> tuple[int, str, bytes]:
    """Evaluate one SPARQL query and serialise it in the format negotiated for its kind."""
    if job.get("service_check"):
        refusal = service_second_opinion(job["query"])
        if refusal:
            return 400, "text/plain", refusal.encode()
    kwargs = {"base_iri": job["base"]}
    if job.get("default") is not None or job.get("named") is not None:
        kwargs["default_graph"] = [NamedNode(g) for g in job.get("default") or []]
        kwargs["named_graphs"] = [NamedNode(g) for g in job.get("named") or []]
    try:
        result = store.query(job["query"], **kwargs)
    except SyntaxError as exc:
        return 400, "text/plain", f"SPARQL syntax error: {exc}".encode()
    kind = ("boolean" if isinstance(result, QueryBoolean)
            else "solutions" if isinstance(result, QuerySolutions) else "graph")
    chosen = job["formats"].get(kind)
    if chosen is None:
        return 406, "text/plain", f"no acceptable media type for a {kind} result".encode()
    fmt_name, media = chosen
    out = _CappedWriter(job["max_bytes"])
    try:
        if kind == "graph":
            fmt = getattr(RdfFormat, fmt_name)
            serialize(result, out, fmt, prefixes=PREFIXES if fmt == RdfFormat.TURTLE else None)
        else:
            result.serialize(out, getattr(QueryResultsFormat, fmt_name))
    except Exception as exc:
        if out.overflow:
            limit = job["max_bytes"] // (1 << 20) or 1
            return 400, "text/plain", (f"the result is larger than {limit} MB; "
                                       f"add LIMIT or select fewer variables").encode()
        return 400, "text/plain", f"query failed: {exc}".encode()
    body = out.buffer.getvalue()
    return 200, media, tidy_turtle(body) if media == "text/turtle" else body


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


# ------------------------------------------------------------------ resource descriptions

def term(t) -> dict:
    """A pyoxigraph term as a small JSON-able dict (the pages module renders these)."""
    if isinstance(t, NamedNode):
        return {"t": "iri", "v": t.value}
    if isinstance(t, BlankNode):
        return {"t": "bnode", "v": t.value}
    if isinstance(t, Literal):
        d = {"t": "lit", "v": t.value}
        if t.language:
            d["lang"] = t.language
        elif t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            d["dt"] = t.datatype.value
        return d
    return {"t": "lit", "v": str(t)}


def _key(t) -> str:
    return str(t)


def _triples(store: Store, s=None, p=None, o=None, limit: int = MAX_DESCRIPTION):
    """Triples matching the pattern in the default graph (which holds the merge of all graphs)."""
    out = []
    for q in store.quads_for_pattern(s, p, o, DEFAULT):
        out.append((q.subject, q.predicate, q.object))
        if len(out) >= limit:
            break
    out.sort(key=lambda t: (_key(t[0]), _key(t[1]), _key(t[2])))
    return out


def _first(store: Store, s, p):
    """The first object of (s, p), Chinese literals preferred, or None."""
    objs = [q.object for q in store.quads_for_pattern(s, NamedNode(p) if isinstance(p, str) else p, None, DEFAULT)]
    if not objs:
        return None
    objs.sort(key=lambda o: (not _is_chinese(o), _key(o)))
    return objs[0]


def _is_chinese(t) -> bool:
    lang = (t.language or "").lower() if isinstance(t, Literal) else ""
    return lang == "zh" or (lang.startswith("zh-") and "latn" not in lang)


def _exists(store: Store, node) -> bool:
    for _ in store.quads_for_pattern(node, None, None, DEFAULT):
        return True
    for _ in store.quads_for_pattern(None, None, node, DEFAULT):
        return True
    return False


def description(store: Store, node: NamedNode) -> list:
    """The resource's own triples, plus those of its blank nodes and `#fragment` sub-resources
    (a mention's `#target` and `#selector`), which have no page of their own."""
    prefix = node.value + "#"
    todo, done, out = [node], set(), []
    while todo and len(out) < MAX_DESCRIPTION:
        s = todo.pop()
        if s in done:
            continue
        done.add(s)
        for t in _triples(store, s=s):
            out.append(t)
            o = t[2]
            if isinstance(o, BlankNode) or (isinstance(o, NamedNode) and o.value.startswith(prefix)):
                todo.append(o)
    return out


def label(store: Store, node) -> str | None:
    if not isinstance(node, NamedNode):
        return None
    for p in LABEL_PREDICATES:
        o = _first(store, node, p)
        if o is not None:
            return o.value
    return None


def _date_of(store: Store, article) -> str | None:
    d = _first(store, article, _SCHEMA + "datePublished")
    if d is None:
        issue = _first(store, article, _SCHEMA + "isPartOf")
        d = _first(store, issue, _SCHEMA + "datePublished") if isinstance(issue, NamedNode) else None
    return d.value if d is not None else None


def _int(t) -> int | None:
    try:
        return int(t.value)
    except (AttributeError, ValueError):
        return None


def mentions(store: Store, node: NamedNode) -> list[dict]:
    """Where the resource is named: article, date, and the text around each mention."""
    texts, articles_on, rows, annotated = {}, {}, [], set()
    for ann, _, _ in _triples(store, p=NamedNode(_OA + "hasBody"), o=node, limit=MAX_ROWS):
        target = _first(store, ann, _OA + "hasTarget")
        page = _first(store, target, _OA + "hasSource") if target is not None else None
        sel = _first(store, target, _OA + "hasSelector") if target is not None else None
        start = _int(_first(store, sel, _OA + "start")) if sel is not None else None
        end = _int(_first(store, sel, _OA + "end")) if sel is not None else None
        exact = _first(store, sel, _OA + "exact") if sel is not None else None
        row = {"annotation": ann.value, "exact": exact.value if exact is not None else None,
               "start": start, "article": None, "headline": None, "date": None, "before": "", "after": ""}
        if page is not None:
            if page not in texts:
                text = _first(store, page, _GH + "normalisedText")
                texts[page] = text.value if text is not None else ""
                articles_on[page] = [(a, _int(_first(store, a, _GH + "startOffset")),
                                      _int(_first(store, a, _GH + "endOffset")))
                                     for a, _, _ in _triples(store, p=NamedNode(_GH + "sourcePage"), o=page)]
            text = texts[page]
            if start is not None and end is not None and end <= len(text):
                row["before"] = text[max(0, start - SNIPPET):start].replace("\n", " ")
                row["after"] = text[end:end + SNIPPET].replace("\n", " ")
                row["exact"] = text[start:end]
                for a, a_start, a_end in articles_on[page]:
                    if a_start is not None and a_end is not None and a_start <= start < a_end:
                        row["article"] = a.value
                        break
        if row["article"]:
            article = NamedNode(row["article"])
            annotated.add(row["article"])
            row["headline"] = label(store, article)
            row["date"] = _date_of(store, article)
        rows.append(row)
    # Articles that say they mention the resource but carry no positioned annotation.
    for article, _, _ in _triples(store, p=NamedNode(_SCHEMA + "mentions"), o=node, limit=MAX_ROWS):
        if article.value not in annotated:
            rows.append({"annotation": None, "exact": None, "start": None, "article": article.value,
                         "headline": label(store, article), "date": _date_of(store, article),
                         "before": "", "after": ""})
    rows.sort(key=lambda r: (r["date"] or "9999", r["article"] or "", r["start"] or 0))
    return rows[:MAX_ROWS]


def _dates(store: Store, membership) -> list[str]:
    out = []
    for inst in (q.object for q in store.quads_for_pattern(membership, NamedNode(_GH + "attestedAt"), None, DEFAULT)):
        d = _first(store, inst, _TIME + "inXSDDate")
        if d is not None:
            out.append(d.value)
    return sorted(set(out))


def posts(store: Store, node: NamedNode, by: str) -> list[dict]:
    """Memberships of a person (by="member") or in an organisation (by="organization"), by date."""
    rows = []
    for m, _, _ in _triples(store, p=NamedNode(_ORG + by), o=node, limit=MAX_ROWS):
        title = _first(store, m, _GH + "postTitle")
        rows.append({"membership": m.value,
                     "person": getattr(_first(store, m, _ORG + "member"), "value", None),
                     "org": getattr(_first(store, m, _ORG + "organization"), "value", None),
                     "role": getattr(_first(store, m, _ORG + "role"), "value", None),
                     "title": title.value if title is not None else None,
                     "dates": _dates(store, m)})
    rows.sort(key=lambda r: ((r["dates"] or ["9999"])[0], r["title"] or "", r["membership"]))
    return rows


def contents(store: Store, issue: NamedNode) -> list[dict]:
    """The items of an issue in page order."""
    rows = []
    for a, _, _ in _triples(store, p=NamedNode(_SCHEMA + "isPartOf"), o=issue, limit=MAX_ROWS):
        page = _first(store, a, _GH + "sourcePage")
        rows.append({"article": a.value, "headline": label(store, a),
                     "page": page.value if page is not None else "",
                     "position": _int(_first(store, a, _SCHEMA + "position")) or 0})
    rows.sort(key=lambda r: (r["page"], r["position"], r["article"]))
    return rows


def page_data(store: Store, node: NamedNode) -> dict:
    """Everything the HTML page of one resource shows, as plain JSON-able data."""
    own = description(store, node)
    incoming = _triples(store, o=node, limit=MAX_ROWS)
    types = sorted({t[2].value for t in own if t[0] == node and t[1] == RDF_TYPE})
    data = {
        "iri": node.value,
        "label": label(store, node),
        "types": types,
        "triples": [[term(s), term(p), term(o)] for s, p, o in own],
        "incoming": [[term(s), term(p)] for s, p, _ in incoming],
        "mentions": mentions(store, node),
        "posts": posts(store, node, "member") if _SCHEMA + "Person" in types else [],
        "members": posts(store, node, "organization") if _ORG + "Organization" in types else [],
        "contents": contents(store, node) if _SCHEMA + "PublicationIssue" in types else [],
    }
    # Labels for every IRI the page links to, so links read as names rather than IRIs.
    iris = {t["v"] for row in data["triples"] + data["incoming"] for t in row if t["t"] == "iri"}
    iris |= {r[k] for r in data["posts"] + data["members"] for k in ("person", "org", "role") if r[k]}
    iris |= set(types)
    data["labels"] = {i: lab for i in sorted(iris)[:2000] if (lab := label(store, NamedNode(i)))}
    return data


def describe(store: Store, job: dict) -> tuple[int, str, bytes]:
    """Find the first candidate IRI the data knows and describe it as RDF or as page data."""
    for iri in job["candidates"]:
        try:
            node = NamedNode(iri)
        except ValueError:      # not an IRI at all (a stray %FF or %3C in the path): unknown
            continue
        if _exists(store, node):
            break
    else:
        return 404, "text/plain", f"nothing is known about <{job['candidates'][0]}>".encode()
    if job.get("rdf"):
        fmt_name, media = job["rdf"]
        fmt = getattr(RdfFormat, fmt_name)
        triples = [Triple(*t) for t in description(store, node)]
        body = serialize(triples, None, fmt, prefixes=PREFIXES if fmt == RdfFormat.TURTLE else None)
        return 200, media, tidy_turtle(body) if fmt == RdfFormat.TURTLE else body
    return 200, "application/json", json.dumps(page_data(store, node), ensure_ascii=False).encode()


# ------------------------------------------------------------------ server side

class _Worker:
    """One child process and the server's end of its pipe."""

    def __init__(self, ctx, store_path: str, memory_limit: int | None):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=worker_main, args=(child, store_path, memory_limit),
                                   daemon=True, name="gonghui-sparql-worker")
        self.process.start()
        child.close()

    async def _readable(self, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        if self.conn.poll():
            return
        ready = loop.create_future()
        fd = self.conn.fileno()
        loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
        try:
            await asyncio.wait_for(ready, max(timeout, 0.001))
        finally:
            loop.remove_reader(fd)

    async def ready(self, timeout: float) -> None:
        await self._readable(timeout)
        self.conn.recv()

    async def request(self, job: dict, timeout: float) -> tuple[int, str, bytes]:
        if not self.process.is_alive():
            raise WorkerGone("the idle worker had died")
        try:
            self.conn.send(job)
        except OSError as exc:
            raise WorkerGone("the idle worker had died") from exc
        await self._readable(timeout)
        # uvloop leaves a descriptor it watched non-blocking; the reads below must wait for the
        # rest of a reply that has only begun to arrive.
        os.set_blocking(self.conn.fileno(), True)
        try:
            status, media, size = self.conn.recv()
            if size < (256 << 10):
                body = self.conn.recv_bytes()
            else:  # a big result is copied off the event loop so other requests keep flowing
                body = await asyncio.get_running_loop().run_in_executor(None, self.conn.recv_bytes)
        except (EOFError, OSError) as exc:
            raise WorkerCrashed("the query worker stopped unexpectedly") from exc
        return status, media, body

    def kill(self) -> None:
        self.process.kill()
        self.conn.close()


@dataclass
class PoolStats:
    started: int = 0
    killed: int = 0


class WorkerPool:
    """A fixed number of query workers; `call` hands a job to an idle one under a deadline."""

    def __init__(self, store_path: str, size: int = 4, memory_limit: int | None = None):
        self.store_path, self.size, self.memory_limit = store_path, size, memory_limit
        self._ctx = multiprocessing.get_context("spawn")   # no inherited threads or event loop
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._all: set[_Worker] = set()
        self._tasks: set[asyncio.Task] = set()
        self.stats = PoolStats()

    async def _spawn(self) -> _Worker:
        worker = _Worker(self._ctx, self.store_path, self.memory_limit)
        self._all.add(worker)
        self.stats.started += 1
        try:
            await worker.ready(60)
        except BaseException:
            self._retire(worker)
            raise
        return worker

    async def start(self) -> None:
        for worker in await asyncio.gather(*(self._spawn() for _ in range(self.size))):
            self._idle.put_nowait(worker)

    def _retire(self, worker: _Worker) -> None:
        self._all.discard(worker)
        worker.kill()
        # Reap the killed process off the event loop (join waits for the OS to clean it up).
        loop = asyncio.get_running_loop()
        loop.run_in_executor(None, worker.process.join, 5)

    def _replace(self, worker: _Worker) -> None:
        self.stats.killed += 1
        self._retire(worker)

        async def respawn():
            self._idle.put_nowait(await self._spawn())

        task = asyncio.create_task(respawn())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def call(self, job: dict, timeout: float) -> tuple[int, str, bytes]:
        """Run `job` on a worker; raise QueryTimeout after `timeout` seconds (waiting included)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                worker = await asyncio.wait_for(self._idle.get(), max(deadline - loop.time(), 0.001))
            except TimeoutError:
                raise QueryTimeout("all query workers stayed busy") from None
            finished = False
            try:
                reply = await worker.request(job, deadline - loop.time())
                finished = True
                return reply
            except WorkerGone:
                continue   # killed from outside while idle: replaced below, try the next one
            except TimeoutError:
                raise QueryTimeout("the query ran past the deadline") from None
            finally:
                if finished:
                    self._idle.put_nowait(worker)
                else:  # timed out, crashed, gone or the request was cancelled: it may be mid-query
                    self._replace(worker)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for worker in list(self._all):
            worker.kill()
        for worker in list(self._all):
            await asyncio.get_running_loop().run_in_executor(None, worker.process.join, 5)
        self._all.clear()
