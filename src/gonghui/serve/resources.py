"""Dereferenceable IRIs and the site's other pages: each resource as HTML or RDF, the ontology and
shapes, the JSON-LD context, VoID, downloads and the query page."""
from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Triple
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from ..vocab import site_of
from . import browse_index, curate, pages, profiles, query_page
from .describe import term
from .endpoint import Settings, error_response, rdf_response, run_job, site_root
from .negotiate import GRAPH_TYPES, HTML_TYPES, negotiate, with_charset
from .prefixes import PREFIXES

GH_NS, ORG_NS = PREFIXES["gh"], PREFIXES["org"]
from .search import KINDS as SEARCH_KINDS
from .store import Document

SITE = "https://w3id.org/gonghui/"          # the vocabulary's IRIs live here too
ONTOLOGY_NS = SITE + "ontology#"


# Suffixes that select a format on /id/…, /ontology and /shapes.
SUFFIXES = {".ttl": "text/turtle", ".nt": "application/n-triples", ".jsonld": "application/ld+json",
            ".rdf": "application/rdf+xml", ".html": "text/html"}


DOWNLOAD_TYPES = {".ttl": "text/turtle", ".trig": "application/trig", ".nq": "application/n-quads",
                  ".nt": "application/n-triples", ".jsonld": "application/ld+json", ".rdf": "application/rdf+xml",
                  ".owl": "application/rdf+xml", ".gz": "application/gzip", ".zip": "application/zip",
                  ".bz2": "application/x-bzip2", ".csv": "text/csv", ".json": "application/json",
                  ".md": "text/markdown", ".txt": "text/plain", ".html": "text/html", ".rq": "application/sparql-query"}


def media_of(path: Path) -> str:
    if path.name == "SHA256SUMS":
        return "text/plain"
    return DOWNLOAD_TYPES.get(path.suffix.lower(), "application/octet-stream")


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
    if re.fullmatch(r"(?:[a-z]+/)?", raw_path[len("/id/"):]):
        return await _index(request, raw_path[len("/id/"):].rstrip("/"))
    rest, forced = _suffix_format(raw_path[len("/id/"):])
    choice = _rdf_or_html(request, forced)
    if choice is None:
        raise HTTPException(406, "this resource is available as HTML, Turtle, N-Triples, JSON-LD or RDF/XML")
    # IRIs are stored as written; a browser percent-encodes non-ASCII characters, so try both forms.
    candidates = list(dict.fromkeys([settings.base + rest, settings.base + urllib.parse.unquote(rest)]))
    html = choice in HTML_TYPES
    job = {"op": "describe", "candidates": candidates, "html": html,
           "rdf": None if html else (dict(GRAPH_TYPES)[choice], choice)}
    status, media, body = await run_job(request, job)
    if status == 301:
        return _moved(request, settings, body.decode(), raw_path[len("/id/") + len(rest):])
    if status in (404, 410):
        if html:
            return HTMLResponse(pages.error_page(status, body.decode()), status_code=status)
        return error_response(status, body.decode())
    if status != 200:
        return error_response(status, body.decode("utf-8", "replace"))
    headers = {"Vary": "Accept", "Link": _alternates("/id/" + rest)}
    if html:
        data, linker = json.loads(body), _linker(settings)
        _from_index(request.app.state.search.db, data)
        last = ""
        if settings.curate is not None:
            done = request.query_params.get("curated", "")
            last = curate.form(data, settings.curate_token, done if re.fullmatch(r"[0-9A-Za-z_.-]{1,64}", done) else None)
        page = pages.resource_page(data, linker, profiles.sections(data, linker), last)
        return HTMLResponse(page, headers=headers)
    return Response(body, media_type=with_charset(media), headers=headers)


def _from_index(db, data: dict) -> None:
    """A slogan's usage per year and the papers naming an organisation, summed from the rows made
    at load (browse_index.py) rather than by walking every article that names it."""
    if GH_NS + "Slogan" in data["types"]:
        data["usage"] = browse_index.usage(db, data["iri"])
    if ORG_NS + "Organization" in data["types"]:
        data["papers"] = browse_index.papers(db, data["iri"])
        data["labels"] = {**browse_index.names(db, [r["paper"] for r in data["papers"]]), **data.get("labels", {})}


async def _index(request: Request, kind: str) -> Response:
    """/id/ and /id/{kind}/: what kinds of resource there are, and the resources of one kind."""
    settings: Settings = request.app.state.settings
    try:
        offset = int(request.query_params.get("offset", "0"))
    except ValueError:
        raise HTTPException(400, "offset must be a whole number") from None
    status, _, body = await run_job(request, {"op": "index", "base": settings.base, "kind": kind,
                                              "offset": offset})
    if status != 200:
        return HTMLResponse(pages.error_page(status, body.decode("utf-8", "replace")), status_code=status)
    data = json.loads(body)
    page = pages.kind_page(data, _linker(settings)) if kind else pages.index_page(data)
    return HTMLResponse(page)


def _moved(request: Request, settings: Settings, new: str, suffix: str) -> Response:
    """301 from an IRI an earlier slug rule minted to the one that replaced it, here (under this
    server's /id/), in the format the request's suffix asked for: published IRIs stay valid, and a
    permanent redirect tells clients and caches to use the new one."""
    if new.startswith(settings.base):
        new = f"{site_root(request)}/id/{new[len(settings.base):]}{suffix}"
    return RedirectResponse(new, status_code=301)


def _linker(settings: Settings) -> pages.Linker:
    local = {}
    if settings.ontology is not None:
        local[SITE + "ontology"] = "/ontology"
    if settings.shapes is not None:
        local[SITE + "shapes"] = "/shapes"
    if settings.context is not None:
        local[SITE + "context.jsonld"] = "/context.jsonld"
    return pages.Linker(base=settings.base, local=local)


def document_route(attr: str, title: str):
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
        return rdf_response(request, doc.triples, choice, raw=doc)
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
    root = site_root(request)
    if settings.void is not None:
        return rdf_response(request, _here(settings.void.triples, settings.base, root), choice)
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
    return rdf_response(request, triples, choice)


def _here(triples: list, base: str, root: str) -> list:
    """The published VoID with its endpoint and dump addresses (the publication's site + "sparql",
    + "download/…") pointed at this server, so that what it names answers here."""
    site = site_of(base)
    ours = (site + "sparql", site + "download/")

    def moved(term):
        if isinstance(term, NamedNode) and term.value.startswith(ours):
            return NamedNode(root + "/" + term.value[len(site):])
        return term
    return [Triple(t.subject, t.predicate, moved(t.object)) for t in triples]


async def download(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    name = request.path_params.get("name", "")
    if not name:
        return HTMLResponse(pages.downloads_page(_dataset_facts(settings), _files(settings)))
    path = settings.downloads.get(name)
    if path is None or not path.is_file():
        raise HTTPException(404, f"no download called {name!r}")
    media = media_of(path)
    return FileResponse(path, media_type=with_charset(media) if media.startswith("text/") else media,
                        filename=name, content_disposition_type="inline")


# What each published file is (README.md, "What you get in lod/").
FILE_NOTES = {"gonghui.ttl": "the whole dataset, prefixed, sorted Turtle",
              "gonghui.nt.gz": "the same as sorted N-Triples, gzipped",
              "gonghui.trig": "one named graph per source page, plus the entities and build graphs",
              "gonghui.jsonld": "the dataset as JSON-LD",
              "void.ttl": "VoID and DCAT description: licence, counts, dumps with their SHA-256",
              "SHA256SUMS": "the checksums below, for sha256sum -c or gonghui verify"}


def _files(settings: Settings) -> list[dict]:
    """Each download with its size, media type, note and SHA-256 (from SHA256SUMS, not recomputed
    at every request: a dump can be gigabytes)."""
    sums: dict[str, str] = {}
    listed = settings.downloads.get("SHA256SUMS")
    if listed is not None and listed.is_file():
        for line in listed.read_text(encoding="utf-8", errors="replace").splitlines():
            digest, _, name = line.partition("  ")
            if len(digest) == 64 and name:
                sums[name.strip()] = digest
    return [{"name": n, "bytes": p.stat().st_size, "sha256": sums.get(n), "note": FILE_NOTES.get(n, ""),
             "media": media_of(p)}
            for n, p in sorted(settings.downloads.items()) if p.is_file()]


def _dataset_facts(settings: Settings) -> dict:
    """Title, description, licence, version and size of the dataset, as its VoID states them."""
    facts: dict = {"title": [], "description": [], "license": None, "version": None, "triples": None}
    if settings.void is None:
        return facts
    names = {PREFIXES["dcterms"] + "title": "title", PREFIXES["dcterms"] + "description": "description",
             PREFIXES["dcterms"] + "license": "license", PREFIXES["dcterms"] + "hasVersion": "version",
             PREFIXES["void"] + "triples": "triples"}
    dataset_type = NamedNode(PREFIXES["void"] + "Dataset")
    datasets = {t.subject for t in settings.void.triples
                if t.predicate.value == PREFIXES["rdf"] + "type" and t.object == dataset_type}
    for t in sorted(settings.void.triples, key=str):
        key = names.get(t.predicate.value)
        if key is None or t.subject not in datasets:
            continue
        if key in ("title", "description"):
            facts[key].append({"v": t.object.value, "lang": getattr(t.object, "language", None)})
        else:
            facts[key] = t.object.value
    return facts


async def search(request: Request) -> Response:
    """/search?q=…[&kind=person|org|slogan|place|article][&limit=N]: ranked, as HTML or JSON."""
    q = request.query_params.get("q", "")
    kind = request.query_params.get("kind") or None
    if kind is not None and kind not in SEARCH_KINDS:
        raise HTTPException(400, f"kind must be one of {', '.join(SEARCH_KINDS)}")
    try:
        limit = min(100, max(1, int(request.query_params.get("limit", "20"))))
    except ValueError:
        raise HTTPException(400, "limit must be a whole number") from None
    state = request.app.state
    hits = state.search.search(q, kind, limit) if q.strip() else []
    linker = _linker(state.settings)
    rows = [{"iri": h.iri, "kind": h.kind, "label": h.label, "score": h.score,
             "page": linker.href(h.iri) or h.iri, **dict(h.context)} for h in hits]
    wants = request.query_params.get("format") or negotiate(request.headers.get("accept"),
                                                            HTML_TYPES[:1] + ["application/json"] + HTML_TYPES[1:])
    if wants in ("json", "application/json"):
        return Response(json.dumps({"q": q, "kind": kind, "results": rows}, ensure_ascii=False),
                        media_type="application/json")
    return HTMLResponse(pages.search_page(q, kind, rows))


async def home(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    return HTMLResponse(query_page.query_page(
        endpoint="/sparql", quads=settings.dataset.triples, graphs=len(settings.dataset.graphs),
        downloads=bool(settings.downloads), ontology=settings.ontology is not None,
        shapes=settings.shapes is not None, base=settings.base))


async def http_error(request: Request, exc: HTTPException) -> Response:
    response = error_response(exc.status_code, str(exc.detail))
    response.headers.update(exc.headers or {})
    if request.method == "POST":
        # The body may be partly unread (413, 415 …): close, or a client could stream on for ever.
        response.headers["connection"] = "close"
    return response


def download_files(lod_dir: Path | None, files: list[Path]) -> dict[str, Path]:
    if lod_dir is not None and lod_dir.is_dir():
        candidates = sorted(p for p in lod_dir.iterdir() if p.is_file() and not p.name.startswith("."))
    else:
        candidates = [Path(p) for p in files]
    return {p.name: p for p in candidates}
