"""Query workers: child processes that evaluate SPARQL over a read-only copy of the store.

pyoxigraph has no query timeout, so every query runs in a worker process. The server waits for
the answer until the deadline and otherwise kills the worker (which frees its CPU and memory at
once) and starts a fresh one. While one worker is stuck on a runaway query the others answer.

Worker side: `worker_main` opens `Store.read_only(path)` and answers jobs sent over a pipe.
Server side: `WorkerPool.call(job, timeout, client)` (asyncio) returns `(status, media_type, body)`.

Workers are shared fairly between clients (their IP addresses): a client runs at most
`per_client` queries at once and may keep at most `max_waiting` more waiting (past that,
`Busy`, which the endpoint answers with 429); a free worker goes to the clients with queries
waiting in turn, and the last free one only to a client that has nothing running. So a pile of
slow queries from one client makes its own queries wait, not everybody's.

Jobs are plain dicts:
  {"op": "query", "query", "base", "default", "named", "formats", "max_bytes", "service_check"?}
  {"op": "describe", "candidates", "rdf", "html", "max_bytes"}
  {"op": "index", "base", "kind", "offset"}   (kind "" for the list of kinds)
  {"op": "reconcile", "action", "base", …}      (reconciliation: serve/reconcile_answers.py)
"""
from __future__ import annotations

import asyncio
import io
import multiprocessing
import os
import resource
import signal
from collections import Counter, deque
from dataclasses import dataclass

from pyoxigraph import NamedNode, QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat, Store, serialize

from .describe import describe, index
from .prefixes import PREFIXES, tidy_turtle
from .reconcile_answers import handle as reconcile

SERVICE_REFUSED = ("SERVICE is not allowed on this endpoint: it would make the server fetch data from "
                   "another service. Run federated queries from your own machine.")
SERVICE_UNPARSED = ("the query mentions SERVICE in a form the safety check cannot parse; "
                    "SERVICE is not allowed on this endpoint")


class QueryTimeout(Exception):
    """The query did not finish before its deadline; its worker was killed."""


class WorkerCrashed(Exception):
    """A worker died while answering (e.g. its memory limit was hit)."""


class Busy(Exception):
    """The client already has as many queries running and waiting as it may have."""


class WorkerGone(Exception):
    """An idle worker was found dead before it got the job (the job can go to another one)."""


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
    if job["op"] == "index":
        return index(store, job)
    if job["op"] == "reconcile":
        return reconcile(store, job)
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

    def __init__(self, store_path: str, size: int = 4, memory_limit: int | None = None,
                 per_client: int | None = None, max_waiting: int = 16):
        self.store_path, self.size, self.memory_limit = store_path, size, memory_limit
        self.per_client = per_client or max(1, size - 1)
        self.max_waiting = max_waiting
        self._ctx = multiprocessing.get_context("spawn")   # no inherited threads or event loop
        self._idle: list[_Worker] = []
        self._waiting: dict[str, deque[asyncio.Future]] = {}   # per client, in the order it asked
        self._running: Counter[str] = Counter()
        self._all: set[_Worker] = set()
        self._tasks: set[asyncio.Task] = set()
        self.stats = PoolStats()

    def _may_take(self, client: str) -> bool:
        running = self._running[client]
        return running < self.per_client and (len(self._idle) > 1 or running == 0)

    def _give_back(self, worker: _Worker) -> None:
        self._idle.append(worker)
        self._dispatch()

    def _dispatch(self) -> None:
        """Idle workers to the clients waiting, in turn, as far as each may take one."""
        while self._idle:
            for client in list(self._waiting):
                queue = self._waiting[client]
                while queue and queue[0].done():             # gave up meanwhile
                    queue.popleft()
                if not queue:
                    del self._waiting[client]
                elif self._may_take(client):
                    self._running[client] += 1
                    queue.popleft().set_result(self._idle.pop())
                    del self._waiting[client]                 # to the back of the turn
                    if queue:
                        self._waiting[client] = queue
                    break
            else:
                return

    async def _take(self, client: str, deadline: float) -> _Worker:
        loop = asyncio.get_running_loop()
        if self._idle and client not in self._waiting and self._may_take(client):
            self._running[client] += 1
            return self._idle.pop()
        queue = self._waiting.get(client)
        if queue is not None and sum(not f.done() for f in queue) >= self.max_waiting:
            raise Busy(f"{self._running[client]} queries of this client are running and "
                       f"{len(queue)} waiting")
        ticket = loop.create_future()
        self._waiting.setdefault(client, deque()).append(ticket)
        try:
            return await asyncio.wait_for(asyncio.shield(ticket), max(deadline - loop.time(), 0.001))
        except BaseException:
            if ticket.done() and not ticket.cancelled():   # a worker arrived just as we gave up
                self._release(client, ticket.result())
            ticket.cancel()
            raise

    def _release(self, client: str, worker: _Worker | None) -> None:
        """`client` no longer holds a worker; `worker` is idle again (None: it was replaced)."""
        self._running[client] -= 1
        if self._running[client] <= 0:
            del self._running[client]
        if worker is not None:
            self._idle.append(worker)
        self._dispatch()

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
            self._give_back(worker)

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
            self._give_back(await self._spawn())

        task = asyncio.create_task(respawn())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def call(self, job: dict, timeout: float, client: str = "") -> tuple[int, str, bytes]:
        """Run `job` for `client` on a worker; raise QueryTimeout after `timeout` seconds (waiting
        included), Busy at once if the client has too many queries running and waiting."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                worker = await self._take(client, deadline)
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
                    self._release(client, worker)
                else:  # timed out, crashed, gone or the request was cancelled: it may be mid-query
                    self._release(client, None)
                    self._replace(worker)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for worker in list(self._all):
            worker.kill()
        for worker in list(self._all):
            await asyncio.get_running_loop().run_in_executor(None, worker.process.join, 5)
        self._all.clear()
