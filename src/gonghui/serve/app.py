"""The Starlette app and `gonghui serve`: routes, CORS, the worker pool's lifespan, the SPARQL
shortcut past the router, and uvicorn with deadlines against slow and silent clients."""
from __future__ import annotations

import contextlib
import functools
import secrets
import shutil
import socket
import sys
from pathlib import Path

from pyoxigraph import Store
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import InputError
from ..vocab import DEFAULT_BASE
from .browse import browse
from .curate import loopback, suggest
from .endpoint import Settings, sparql
from .reconcile import (
    IndexBuilder,
    preview,
    propose_properties,
    service,
    suggest_entity,
    suggest_property,
    suggest_type,
)
from .resources import (
    context_jsonld,
    document_route,
    download,
    download_files,
    home,
    http_error,
    resource,
    search,
    void,
)
from .search import SearchIndex
from .store import default_dumps, load_dataset, open_store, read_document, store_note
from .workers import WorkerPool

STATIC = Path(__file__).parent / "static"


def create_app(data_files: list[Path], *, base: str = DEFAULT_BASE, timeout: float = 10.0,
               lod_dir: Path | None = None, ontology: Path | None = None, shapes: Path | None = None,
               workers: int = 4, max_result_bytes: int = 64 << 20, max_body_bytes: int = 1 << 20,
               memory_limit: int | None = 4 << 30, store: Path | None = None, announce=None,
               digests: dict[str, str] | None = None, curate: Path | None = None) -> Starlette:
    """Build the ASGI app. Loads the data now (errors are InputError); workers start with the app.

    With no data files the default dump of `lod_dir` is served. The ontology and shapes default to
    ontology/gonghui.ttl and shapes/gonghui-shapes.ttl next to `lod_dir`. With `store` the data is
    kept in that folder and reused at the next start while the files are unchanged (open_store).
    `announce()` is called once the server is ready. `digests` (resolved path → SHA-256) are
    those the caller has just checked, which the store need not compute again. With `curate` (a
    corrections file) every resource page has a form that appends a correction to it (serve/curate.py).
    """
    if timeout <= 0:
        raise InputError(f"--timeout must be positive, not {timeout}")
    lod_dir = Path(lod_dir) if lod_dir is not None else None
    files = [Path(p) for p in data_files] or (default_dumps(lod_dir) if lod_dir is not None else [])
    dataset = (open_store(files, Path(store), base, digests or {}) if store is not None
               else load_dataset(files, base))
    root = lod_dir.parent if lod_dir is not None else None
    if ontology is None and root is not None and (root / "ontology" / "gonghui.ttl").is_file():
        ontology = root / "ontology" / "gonghui.ttl"
    if shapes is None and root is not None and (root / "shapes" / "gonghui-shapes.ttl").is_file():
        shapes = root / "shapes" / "gonghui-shapes.ttl"
    context = Path(ontology).parent / "context.jsonld" if ontology is not None else None
    void_file = lod_dir / "void.ttl" if lod_dir is not None else None
    settings = Settings(
        base=base, timeout=timeout, max_result_bytes=max_result_bytes, max_body_bytes=max_body_bytes,
        dataset=dataset, downloads=download_files(lod_dir, files),
        ontology=read_document(Path(ontology)) if ontology is not None else None,
        shapes=read_document(Path(shapes)) if shapes is not None else None,
        context=context if context is not None and context.is_file() else None,
        void=read_document(void_file) if void_file is not None and void_file.is_file() else None,
        curate=Path(curate) if curate is not None else None, curate_token=secrets.token_urlsafe(24))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        builder = IndexBuilder(dataset.store_dir, base, memory_limit)     # runs beside the workers' start
        app.state.reconcile_index = builder.path
        pool = WorkerPool(dataset.store_dir, size=workers, memory_limit=memory_limit)
        app.state.pool = pool
        app.state.browse_lists = {}        # serve/browse.py: whole lists by query
        app.state.store = Store.read_only(dataset.store_dir)    # for lookups (_answer_lookup)
        # for /search: built once here, or read from a persistent store's folder
        app.state.search = SearchIndex.open(app.state.store, dataset.store / "search.sqlite" if dataset.store else None)
        app.state.slow_shapes, app.state.lookups = {}, 0
        await pool.start()
        if announce is not None:
            announce()
        try:
            yield
        finally:
            await pool.close()
            builder.close()
            del app.state.store
            if dataset.store is None:   # a temporary store goes; a --store folder stays for the next start
                shutil.rmtree(Path(dataset.store_dir).parent, ignore_errors=True)

    routes = [
        Route("/", home),
        *(Route(path, sparql, methods=["GET", "POST"]) for path in SPARQL_PATHS),
        Route("/id/{rest:path}", resource),
        Route("/search", search),
        Route("/browse/{what}", browse),
        Route("/ontology", document_route("ontology", "Ontology")),
        Route("/ontology.{ext}", document_route("ontology", "Ontology")),
        Route("/context.jsonld", context_jsonld),
        Route("/ontology/context.jsonld", context_jsonld),
        Route("/shapes", document_route("shapes", "SHACL shapes")),
        Route("/shapes.{ext}", document_route("shapes", "SHACL shapes")),
        Route("/download/", download),
        Route("/download/{name}", download),
        Route("/.well-known/void", void),
        Route("/reconcile", service, methods=["GET", "POST"]),
        Route("/reconcile/", service, methods=["GET", "POST"]),
        Route("/reconcile/suggest/entity", suggest_entity),
        Route("/reconcile/suggest/type", suggest_type),
        Route("/reconcile/suggest/property", suggest_property),
        Route("/reconcile/propose_properties", propose_properties),
        Route("/reconcile/preview", preview),
        Route("/curate", suggest, methods=["POST"]),
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


# Sent with every HTML page: scripts and everything else only from this server (the query page's
# YASGUI included), no plugins, no framing, no <base> rewriting. Inline styles are allowed because
# YASGUI sets them; inline scripts are not (the page's configuration is a JSON data block).
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
                           "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
_NOSNIFF = (b"x-content-type-options", b"nosniff")
_CSP = (b"content-security-policy", CONTENT_SECURITY_POLICY.encode())


def _with_safety_headers(send):
    """`send`, adding nosniff to every response and the content security policy to HTML ones that
    have none of their own (the reconciliation preview has: it is made to be framed)."""
    async def guarded(message):
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            headers.append(_NOSNIFF)
            if any(k == b"content-type" and v.startswith(b"text/html") for k, v in headers) and \
                    not any(k == b"content-security-policy" for k, _ in headers):   # a page's own policy stays
                headers.append(_CSP)
            message = {**message, "headers": headers}
        await send(message)
    return guarded


class _App(Starlette):
    """Starlette, except that SPARQL GETs and POSTs go straight to `sparql`: the middleware stack
    and the router cost more than answering a lookup. What they would add is added here: the
    error responses of `http_error` and the CORS headers, by the CORS middleware's own `send`.
    Every response, by either way, gets the safety headers of `_with_safety_headers`."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.cors = CORSMiddleware(self, **CORS)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            send = _with_safety_headers(send)
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
        store: Path | None = None, memory_limit: int = 4 << 30, digests: dict[str, str] | None = None,
        curate: Path | None = None) -> None:
    """`gonghui serve`: load the data, print the URLs and serve until interrupted.

    `memory_limit` (bytes of address space) bounds the server process and each query worker: a
    worker past it dies alone and is replaced; the server, whose own work is bounded (lookups,
    pages, results up to max_result_bytes), gets MemoryError for the one request instead of
    taking the machine."""
    import resource

    import uvicorn

    if curate is not None and not loopback(host):
        raise InputError(f"--curate writes corrections from this machine only: serve it on 127.0.0.1 or ::1, not {host}")
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
              f"  reconciliation   {url}/reconcile  (OpenRefine: Reconcile → Add standard service)\n"
              + (f"  curation         a correction form on every resource page, appending to {curate}\n"
                 if curate is not None else "") +
              "  (Ctrl-C to stop)", flush=True)

    app = create_app(data_files, timeout=timeout, lod_dir=lod_dir,
                     ontology=ontology if data_files and ontology.is_file() else None,
                     shapes=shapes if data_files and shapes.is_file() else None, store=store,
                     memory_limit=memory_limit, announce=announce, digests=digests, curate=curate)
    # Set after loading: a bulk load of a large dump may briefly need more than serving does.
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    soft = memory_limit if hard == resource.RLIM_INFINITY else min(memory_limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2,
                http=guarded_protocol(timeout))
    sys.stdout.flush()
