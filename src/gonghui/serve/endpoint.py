"""The SPARQL 1.1 Protocol: reading a request (GET, POST form, POST query), refusing what must not run,
answering lookups in this process and everything else in a killable worker, and the service description."""
from __future__ import annotations

import asyncio
import functools
import math
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Store, Triple, serialize
from starlette.datastructures import MultiDict
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from .lookup import lookup
from .negotiate import FORMAT_PARAM, GRAPH_TYPES, HTML_TYPES, RESULT_TYPES, negotiate, with_charset
from .prefixes import PREFIXES, tidy_turtle
from .protocol import (
    MAX_NESTING,
    MAX_OPERATORS,
    SECOND_OPINION,
    UPDATE_FORMS,
    QueryInfo,
    inspect_query,
    service_first_look,
)
from .store import Dataset, Document
from .workers import Busy, QueryTimeout, WorkerCrashed, run_query

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"


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
    curate: Path | None = None       # `serve --curate`: the corrections file the form appends to
    curate_token: str = ""           # and the token its form must carry (serve/curate.py)


def error_response(status: int, message: str) -> PlainTextResponse:
    return PlainTextResponse(message + "\n", status_code=status)


def _endpoint_base(request: Request) -> str:
    return str(request.url.replace(query="", fragment=""))


def site_root(request: Request) -> str:
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
    if request.method in ("GET", "HEAD"):          # HEAD answers as GET would, without the body
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
    if info.operators > MAX_OPERATORS:
        raise HTTPException(400, f"the query chains {info.operators} operator characters in one expression; "
                                 f"this endpoint accepts at most {MAX_OPERATORS}")
    refusal = service_first_look(query, info, base)
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
    status, media, body = answer or await run_job(request, job)
    if status != 200:
        return error_response(status, body.decode("utf-8", "replace"))
    return Response(body, media_type=with_charset(media), headers={"Vary": "Accept"})


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
    """A query with its IRIs, strings and numbers left out and its variables numbered in order of
    first use: the same lookup about other things, however its variables are named."""
    names: dict[str, int] = {}
    return tuple(names.setdefault(text[1:], len(names)) if kind == "var"
                 else text if kind in ("word", "pname", "other") and not text.isdigit() else kind
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


async def run_job(request: Request, job: dict) -> tuple[int, str, bytes]:
    settings: Settings = request.app.state.settings
    try:
        client = request.client.host if request.client else ""
        return await request.app.state.pool.call(job, settings.timeout, client)
    except Busy as exc:
        # Retry-After: by then every query it has running or waiting has finished or been stopped.
        raise HTTPException(429, f"too many queries at once from your address ({exc}); retry later",
                            headers={"Retry-After": str(math.ceil(settings.timeout))}) from None
    except QueryTimeout:
        raise HTTPException(503, f"query timed out after {settings.timeout:g} s and was stopped; "
                                 f"add LIMIT or make the patterns more selective") from None
    except WorkerCrashed:
        raise HTTPException(503, "the query was stopped: its worker ran out of memory or crashed") from None


def rdf_response(request: Request, triples: list, media: str, *, raw: Document | None = None) -> Response:
    """Serialise triples as `media`, reusing the file's own text when it is already in that format."""
    if raw is not None and raw.media == media:
        body = raw.raw
    else:
        fmt = dict(GRAPH_TYPES)[media]
        body = serialize(triples, None, getattr(RdfFormat, fmt),
                         prefixes=PREFIXES if fmt == "TURTLE" else None)
        body = tidy_turtle(body) if fmt == "TURTLE" else body
    return Response(body, media_type=with_charset(media), headers={"Vary": "Accept"})


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
    return rdf_response(request, triples, choice)
