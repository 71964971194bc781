"""The W3C Entity Reconciliation API 0.2 at /reconcile, the protocol OpenRefine speaks: match a
column of names to the people and organisations of the dataset, then fetch their posts and dates.

  GET  /reconcile                       the service manifest
  GET|POST /reconcile  queries=…        a reconciliation query batch (form field or query
                                        parameter, JSON) → a result batch; also a JSON body
                                        {"queries": …}
  GET|POST /reconcile  extend=…         data extension {"ids", "properties"} → {"meta", "rows"}
  GET  /reconcile/suggest/entity?prefix=…   …/suggest/type, …/suggest/property (also ?type=)
  GET  /reconcile/propose_properties?type=…  the properties data extension offers for a type
  GET  /reconcile/preview?id=…          a small HTML summary, framable by any page

Ids are the IRIs' paths under the base (identifierSpace + id = the IRI: person/wang-jianguo);
a full IRI is accepted wherever an id is. Types: schema:Person, org:Organization and the kinds
of organisation (gh:TradeUnion …); property ids are short names (organisation, post, role, posts,
first_attested …, see reconcile_match.PROPERTIES).

Matching runs in the query workers over a name index built once at start (`IndexBuilder`); until
it is ready a request waits within its deadline, then gets 503 with Retry-After.
Bounds: at most MAX_QUERIES queries a batch (more: 413), limit ≤ MAX_LIMIT, MAX_EXTEND_IDS ids
and MAX_EXTEND_PROPERTIES properties a data extension, the request body as for SPARQL; every
answer that reads the data runs in a query worker under the server's deadline (run_job).
Cross-origin: every response carries Access-Control-Allow-Origin: *, and with callback=NAME
(JSONP, which 0.2 clients may use) JSON comes as `/**/NAME(…);` application/javascript. NAME
must be an identifier (letters, digits, _ and $, at most 64): nothing else reaches the script.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import tempfile
import urllib.parse
from pathlib import Path

from starlette.datastructures import MultiDict
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from .endpoint import Settings, _media_and_charset, _read_body, _utf8, error_response, run_job, site_root
from .pages import _BIDI_CONTROLS, esc, text
from .reconcile_match import ORGANIZATION, PERSON, PROPERTIES, TYPES, build_file, norm
from .resources import ONTOLOGY_NS
from .store import TEMPORARY_STORE

MAX_QUERIES = 50
MAX_LIMIT = 25
DEFAULT_LIMIT = 10
MAX_QUERY_CHARS = 200
MAX_CONSTRAINTS = 10          # property constraints of one query, and values of one constraint
MAX_EXTEND_IDS = 500
MAX_EXTEND_PROPERTIES = 20
CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]{0,63}")
CORS_HEADERS = {"Access-Control-Allow-Origin": "*"}
# The preview is shown in an iframe of the client's page (OpenRefine's own origin): it may be
# framed anywhere, and it runs nothing.
PREVIEW_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
                  "form-action 'none'; frame-ancestors *")
TYPE_ALIASES = {"person": PERSON, "schema:person": PERSON, "organization": ORGANIZATION,
                "organisation": ORGANIZATION, "org": ORGANIZATION, "org:organization": ORGANIZATION,
                **{k.lower(): k for k in TYPES},
                **{t.rsplit("#", 1)[-1].lower(): t for t in TYPES if t.startswith(ONTOLOGY_NS)},
                **{"gh:" + t.rsplit("#", 1)[-1].lower(): t for t in TYPES if t.startswith(ONTOLOGY_NS)}}


class IndexBuilder:
    """The process that builds the name index once when the server starts (reconcile_match.build_file),
    into a temporary folder that goes when the server stops; workers wait for the file."""

    def __init__(self, store_dir: str, base: str, memory_limit: int | None):
        # Named like a temporary store, so that one left by a killed server is removed at the next
        # start (store.remove_stale_stores).
        self.folder = tempfile.mkdtemp(prefix=f"{TEMPORARY_STORE}{os.getpid()}-reconcile-")
        self.path = str(Path(self.folder) / "index.pickle")
        ctx = multiprocessing.get_context("spawn")
        self.process = ctx.Process(target=build_file, args=(store_dir, base, self.path, memory_limit),
                                   daemon=True, name="gonghui-reconcile-index")
        self.process.start()

    def close(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        shutil.rmtree(self.folder, ignore_errors=True)


def _type_id(value) -> str | None:
    return TYPE_ALIASES.get(str(value).strip().lower()) if isinstance(value, str) else None


def manifest(request: Request) -> dict:
    settings: Settings = request.app.state.settings
    root = site_root(request)
    service = root + "/reconcile"
    return {
        "versions": ["0.2"],
        "name": "gonghui 工会报 LOD: people and organisations",
        "identifierSpace": settings.base,
        "schemaSpace": ONTOLOGY_NS,
        "documentation": root + "/",
        "batchSize": MAX_QUERIES,
        "defaultTypes": [{"id": PERSON, "name": TYPES[PERSON][0]}, {"id": ORGANIZATION, "name": TYPES[ORGANIZATION][0]}],
        "view": {"url": root + "/id/{{id}}"},
        "preview": {"url": service + "/preview?id={{id}}", "width": 420, "height": 220},
        "suggest": {kind: {"service_url": service, "service_path": f"/suggest/{kind}"}
                    for kind in ("entity", "type", "property")},
        "extend": {"propose_properties": {"service_url": service, "service_path": "/propose_properties"},
                   "property_settings": []},
    }


# ------------------------------------------------------------------ requests and answers

async def _params(request: Request) -> MultiDict:
    """The query parameters, plus a POST's form fields or JSON body ({"queries"|"extend": …})."""
    params = list(request.query_params.multi_items())
    if request.method != "POST":
        return MultiDict(params)
    settings: Settings = request.app.state.settings
    media, charset = _media_and_charset(request.headers.get("content-type") or "")
    if charset not in (None, "utf-8", "utf8"):
        raise HTTPException(415, f"unsupported charset {charset!r}; send UTF-8")
    if media not in ("application/x-www-form-urlencoded", "application/json"):
        raise HTTPException(415, "send the batch as a form field queries= (application/x-www-form-urlencoded) "
                                 "or as JSON {\"queries\": …}")
    body = _utf8(await _read_body(request, settings.max_body_bytes, settings.timeout), "the request body")
    if media == "application/x-www-form-urlencoded":
        return MultiDict(params + urllib.parse.parse_qsl(body, keep_blank_values=True))
    data = _json(body, "the body")
    if not isinstance(data, dict) or not {"queries", "extend"} & set(data):
        raise HTTPException(400, 'a JSON body is an object {"queries": batch} or {"extend": query}')
    return MultiDict(params + [(k, json.dumps(data[k], ensure_ascii=False)) for k in ("queries", "extend") if k in data])


def _json(raw: str, what: str):
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise HTTPException(400, f"{what} is not valid JSON") from None


def _callback(params: MultiDict) -> str | None:
    name = params.get("callback")
    if name is None or name == "":
        return None
    if not CALLBACK.fullmatch(name):
        raise HTTPException(400, "callback must be a JavaScript identifier (letters, digits, _ and $, at most 64)")
    return name


def _answer(data, callback: str | None) -> Response:
    body = json.dumps(data, ensure_ascii=False)
    if callback is None:
        return Response(body, media_type="application/json", headers=CORS_HEADERS)
    # U+2028 and U+2029 are valid in JSON but ended a line in older JavaScript.
    body = body.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Response(f"/**/{callback}({body});", media_type="application/javascript", headers=CORS_HEADERS)


def _with_cors(handler):
    """The handler, with its error responses carrying the CORS header too."""
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except HTTPException as exc:
            response = error_response(exc.status_code, str(exc.detail))
            response.headers.update({**(exc.headers or {}), **CORS_HEADERS})
            if request.method == "POST":
                response.headers["connection"] = "close"
            return response
    wrapped.__doc__ = handler.__doc__
    return wrapped


async def _work(request: Request, job: dict) -> dict:
    settings: Settings = request.app.state.settings
    index = getattr(request.app.state, "reconcile_index", None)
    status, _, body = await run_job(request, {"op": "reconcile", "base": settings.base, "index": index,
                                              "wait": settings.timeout * 0.8, **job})
    if status != 200:
        raise HTTPException(status, body.decode("utf-8", "replace"), headers={"Retry-After": "5"} if status == 503 else None)
    return json.loads(body)


def _limit(raw, default: int = DEFAULT_LIMIT) -> int:
    if raw is None or raw == "":
        return default
    try:
        n = int(raw)
    except (TypeError, ValueError):
        raise HTTPException(400, "limit must be a positive whole number") from None
    if n < 1:
        raise HTTPException(400, "limit must be a positive whole number")
    return min(n, MAX_LIMIT)


def _value(v):
    if isinstance(v, (str, bool, int, float)):
        return str(v)[:MAX_QUERY_CHARS] if isinstance(v, str) else v
    if isinstance(v, dict) and isinstance(v.get("id"), str):
        return {"id": v["id"][:MAX_QUERY_CHARS], "name": str(v.get("name") or "")[:MAX_QUERY_CHARS]}
    raise HTTPException(400, "a property value is a string, number, boolean or {\"id\", \"name\"}")


def _queries(raw: str) -> dict:
    """A reconciliation query batch, checked and capped, as the worker takes it."""
    batch = _json(raw, "queries")
    if not isinstance(batch, dict):
        raise HTTPException(400, 'queries is a JSON object {"q0": {"query": …}, …}')
    if len(batch) > MAX_QUERIES:
        raise HTTPException(413, f"at most {MAX_QUERIES} queries a batch (batchSize in the manifest)")
    out = {}
    for key, q in batch.items():
        if not isinstance(q, dict):
            raise HTTPException(400, f"query {key!r} is not an object")
        query = q.get("query", "")
        if not isinstance(query, str):
            raise HTTPException(400, f"query {key!r}: query is a string")
        types = q.get("type") or []
        types = [types] if isinstance(types, str) else types
        if not isinstance(types, list):
            raise HTTPException(400, f"query {key!r}: type is a string or a list of strings")
        constraints, given = [], q.get("properties") or []
        if not isinstance(given, list):
            raise HTTPException(400, f"query {key!r}: properties is a list")
        for c in given[:MAX_CONSTRAINTS]:
            if not isinstance(c, dict) or not isinstance(c.get("pid"), str) or "v" not in c:
                raise HTTPException(400, f"query {key!r}: each property is {{\"pid\": …, \"v\": …}}")
            values = c["v"] if isinstance(c["v"], list) else [c["v"]]
            constraints.append({"pid": c["pid"][:MAX_QUERY_CHARS], "v": [_value(v) for v in values[:MAX_CONSTRAINTS]]})
        out[str(key)] = {"query": query[:MAX_QUERY_CHARS], "limit": _limit(q.get("limit")),
                         "types": [t for t in map(_type_id, types) if t], "properties": constraints}
    return out


def _extension(raw: str) -> dict:
    query = _json(raw, "extend")
    if not isinstance(query, dict) or not isinstance(query.get("ids"), list) \
            or not isinstance(query.get("properties"), list):
        raise HTTPException(400, 'extend is a JSON object {"ids": [...], "properties": [{"id": …}]}')
    if len(query["ids"]) > MAX_EXTEND_IDS or len(query["properties"]) > MAX_EXTEND_PROPERTIES:
        raise HTTPException(413, f"at most {MAX_EXTEND_IDS} ids and {MAX_EXTEND_PROPERTIES} properties at once")
    ids = [str(i)[:MAX_QUERY_CHARS] for i in query["ids"]]
    props = []
    for p in query["properties"]:
        pid = p.get("id") if isinstance(p, dict) else p
        if not isinstance(pid, str):
            raise HTTPException(400, 'each property is {"id": …}')
        props.append(pid[:MAX_QUERY_CHARS])
    return {"ids": list(dict.fromkeys(ids)), "properties": list(dict.fromkeys(props))}


# ------------------------------------------------------------------ routes

@_with_cors
async def service(request: Request) -> Response:
    """/reconcile: the manifest, a query batch or a data extension."""
    params = await _params(request)
    callback = _callback(params)
    if params.get("queries"):
        return _answer(await _work(request, {"action": "query", "queries": _queries(params["queries"])}), callback)
    if params.get("extend"):
        return _answer(await _work(request, {"action": "extend", **_extension(params["extend"])}), callback)
    return _answer(manifest(request), callback)


@_with_cors
async def suggest_entity(request: Request) -> Response:
    params = request.query_params
    callback = _callback(params)
    prefix = (params.get("prefix") or "")[:MAX_QUERY_CHARS]
    try:
        cursor = max(0, min(int(params.get("cursor") or 0), 10_000))
    except ValueError:
        raise HTTPException(400, "cursor must be a whole number") from None
    job = {"action": "suggest", "prefix": prefix, "cursor": cursor, "limit": _limit(params.get("limit")),
           "types": [t for t in [_type_id(params.get("type") or "")] if t]}
    return _answer(await _work(request, job) if prefix.strip() else {"result": []}, callback)


def _type_rows() -> list[dict]:
    rows = []
    for tid, (name, broader) in TYPES.items():
        row = {"id": tid, "name": name}
        if broader:
            row["broader"] = [{"id": broader, "name": TYPES[broader][0]}]
        rows.append(row)
    return rows


def _matches(prefix: str, *fields: str) -> bool:
    key = norm(prefix)
    return not key or any(key in norm(f) for f in fields)


@_with_cors
async def suggest_type(request: Request) -> Response:
    params = request.query_params
    callback = _callback(params)
    prefix = (params.get("prefix") or "")[:MAX_QUERY_CHARS]
    rows = [r for r in _type_rows() if _matches(prefix, r["name"], r["id"].rsplit("/", 1)[-1].rsplit("#", 1)[-1])]
    return _answer({"result": rows[:_limit(params.get("limit"))]}, callback)


def _properties_for(type_id: str | None) -> list[dict]:
    kind = None if type_id is None else "person" if type_id == PERSON else "org"
    return [{"id": pid, "name": name, "description": about} for pid, name, about, kinds, _ in PROPERTIES
            if kind is None or kind in kinds]


@_with_cors
async def suggest_property(request: Request) -> Response:
    params = request.query_params
    callback = _callback(params)
    prefix = (params.get("prefix") or "")[:MAX_QUERY_CHARS]
    rows = [r for r in _properties_for(_type_id(params.get("type") or ""))
            if _matches(prefix, r["id"], r["name"], r["description"])]
    return _answer({"result": rows[:_limit(params.get("limit"))]}, callback)


@_with_cors
async def propose_properties(request: Request) -> Response:
    params = request.query_params
    callback = _callback(params)
    asked = params.get("type") or ""
    limit = _limit(params.get("limit"), default=MAX_LIMIT)
    data = {"type": asked[:MAX_QUERY_CHARS], "properties": _properties_for(_type_id(asked))[:limit]}
    if params.get("limit"):
        data["limit"] = limit
    return _answer(data, callback)


@_with_cors
async def preview(request: Request) -> Response:
    """/reconcile/preview?id=…: a small page for the client's iframe (escaped, bidi-isolated)."""
    ident = (request.query_params.get("id") or "")[:MAX_QUERY_CHARS]
    if not ident:
        raise HTTPException(400, "preview needs ?id=")
    data = await _work(request, {"action": "preview", "id": ident})
    headers = {**CORS_HEADERS, "Content-Security-Policy": PREVIEW_POLICY}
    return HTMLResponse(preview_page(data), headers=headers)


def preview_page(data: dict) -> str:
    href = "/id/" + urllib.parse.quote(data["id"], safe="/")
    names = " · ".join(text(n) for n in data["pinyin"] + data["names"])
    seen = " … ".join(text(d) for d in data["seen"])
    facts = [text(" · ".join(data["types"]))] + ([f"seen {seen}"] if seen else [])
    facts += [f"上级 {text(p)}" for p in data["parents"]]
    items = "".join(f"<li>{text(p['title'])}{' — ' + text(p['other']) if p['other'] else ''}"
                    f"{' <small>' + ' … '.join(text(d) for d in p['dates']) + '</small>' if p['dates'] else ''}</li>"
                    for p in data["posts"])
    more = f"<li><small>… {int(data['more'])} more</small></li>" if data["more"] else ""
    return f"""<!doctype html>
<html lang="zh">
<head>
<meta charset="utf-8">
<title>{esc(data["name"].translate(_BIDI_CONTROLS))} · gonghui</title>
<link rel="stylesheet" href="/static/gonghui.css">
</head>
<body class="preview">
<p class="name"><a href="{esc(href)}" target="_blank" rel="noopener">{text(data["name"])}</a> <small>{names}</small></p>
<p class="facts">{" · ".join(facts)}</p>
{f'<ul class="posts">{items}{more}</ul>' if items else ""}
</body>
</html>
"""
