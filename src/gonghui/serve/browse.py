"""/browse/people, /browse/organisations, /browse/slogans: lists a researcher can filter by
newspaper, year, kind of organisation and its place, sort and page, each made by a SPARQL query that the
page shows (with a link to the query page and the whole list as CSV), as Scholia does.

The filters are checked here (a newspaper is an IRI the dataset has, a year four digits, a kind
one of KINDS, a place one an organisation is in) and written into the query as IRIs and literals, never as text a user typed."""
from __future__ import annotations

import json
import re
import urllib.parse

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from . import browse_index
from .endpoint import _pick_formats, run_job
from .pages import Linker, esc, layout, link, text
from .profiles import query_links
from .query_page import with_prefixes

PAGE = 50
KINDS = {"TradeUnion": "工会 trade union", "PartyBody": "党组织 party body", "GovernmentBody": "政府机关 government",
         "Legislature": "人大政协 legislature", "Company": "企业 company", "Association": "协会 association",
         "MediaOrganisation": "媒体 media", "School": "学校 school"}
SORTS = {"articles": "most articles first", "name": "by name", "first": "first seen first", "last": "last seen first"}
ORDER = {"articles": "DESC(?articles) ?name", "name": "?name", "first": "(!BOUND(?first)) ?first ?name",
         "last": "DESC(?last) ?name"}   # undated last either way
LISTS = {
    "people": ("People 人物", "?thing a schema:Person ; schema:name ?name .",
               "schema:mentions|schema:contributor"),
    "organisations": ("Organisations 组织", "?thing a org:Organization ; schema:name ?name .", "schema:mentions"),
    "slogans": ("Slogans 口号", "?thing a gh:Slogan ; skos:prefLabel ?name .", "schema:mentions"),
}
YEAR = re.compile(r"^[0-9]{4}$")
JSON = "application/sparql-results+json"


def list_query(what: str, *, paper: str | None = None, year: str | None = None, kind: str | None = None,
               place: str | None = None, sort: str = "articles") -> str:
    """The query of one list: each thing with the articles that name it and its first and last
    issue date, restricted to a newspaper's issues, a year, a kind of organisation."""
    _, thing, named_by = LISTS[what]
    where = [thing]
    if kind:
        where.append(f"?thing a gh:{kind} .")
    if place:
        where.append(f"?thing schema:location <{place}> .")
    dated = [f"?article {named_by} ?thing .", "?article schema:isPartOf ?issue .",
             "?issue schema:datePublished ?date ."]
    if paper:
        dated.append(f"?issue schema:isPartOf <{paper}> .")
    if year:
        dated.append(f'FILTER(STRSTARTS(STR(?date), "{year}"))')
    if paper or year:
        where += dated           # only what those issues name
        body = "\n  ".join(where)
        return (f"SELECT ?thing ?name (COUNT(DISTINCT ?article) AS ?articles) (MIN(?date) AS ?first) (MAX(?date) AS ?last)\n"
                f"WHERE {{\n  {body}\n}}\nGROUP BY ?thing ?name\nORDER BY {ORDER[sort]} ?thing\n")
    # every thing, with the articles naming it, dated or not; the dates apart, as MIN and MAX are
    # unbound over a group holding one unbound value (an undated page's article)
    where.append(f"OPTIONAL {{ ?article {named_by} ?thing }}")
    body = "\n      ".join(where)
    return (f"SELECT ?thing ?name ?articles ?first ?last\nWHERE {{\n"
            f"  {{ SELECT ?thing ?name (COUNT(DISTINCT ?article) AS ?articles)\n    WHERE {{\n      {body}\n    }}\n"
            f"    GROUP BY ?thing ?name }}\n"
            f"  OPTIONAL {{ SELECT ?thing (MIN(?date) AS ?first) (MAX(?date) AS ?last)\n"
            f"    WHERE {{ ?article {named_by} ?thing ; schema:isPartOf/schema:datePublished ?date }}\n"
            f"    GROUP BY ?thing }}\n}}\nORDER BY {ORDER[sort]} ?thing\n")


FACETS_QUERY = """SELECT ?paper ?name (GROUP_CONCAT(DISTINCT SUBSTR(STR(?date), 1, 4); separator=" ") AS ?years)
WHERE { ?paper a schema:Newspaper ; schema:name ?name .
        OPTIONAL { ?issue schema:isPartOf ?paper ; schema:datePublished ?date } }
GROUP BY ?paper ?name ORDER BY ?name ?paper"""
PLACES_QUERY = """SELECT DISTINCT ?place ?name
WHERE { ?org a org:Organization ; schema:location ?place . ?place schema:name ?name }
ORDER BY ?name ?place"""


async def _select(request: Request, query: str) -> list[dict]:
    settings = request.app.state.settings
    job = {"op": "query", "query": with_prefixes(query, settings.base), "base": settings.base, "default": None,
           "named": None, "formats": _pick_formats(JSON, ""), "max_bytes": settings.max_result_bytes,
           "service_check": False}
    status, _, body = await run_job(request, job)
    if status != 200:
        raise HTTPException(status, body.decode("utf-8", "replace"))
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(body)["results"]["bindings"]]


LISTS_KEPT = 32       # facet answers kept by query: the dataset a server serves does not change


async def _whole_list(request: Request, query: str) -> list[dict]:
    """The whole answer of a facet's query (the newspapers and their years, the places), kept:
    every list page shows the facets, and the answer never changes. The lists themselves are
    read from browse_index."""
    kept = request.app.state.browse_lists
    if query not in kept:
        if len(kept) >= LISTS_KEPT:
            kept.pop(next(iter(kept)))
        kept[query] = await _select(request, query)
    return kept[query]


async def browse(request: Request) -> HTMLResponse:
    what = request.path_params["what"]
    if what not in LISTS:
        raise HTTPException(404, f"nothing to browse as {what!r}: try " + ", ".join(f"/browse/{w}" for w in LISTS))
    params = request.query_params
    papers = await _whole_list(request, FACETS_QUERY)
    known = {p["paper"]: p for p in papers}
    paper = params.get("paper") or None
    year = params.get("year") or None
    kind = (params.get("kind") or None) if what == "organisations" else None
    place = (params.get("place") or None) if what == "organisations" else None
    places = await _whole_list(request, PLACES_QUERY) if what == "organisations" else []
    place_names = {}
    for p in places:
        place_names.setdefault(p["place"], p["name"])       # a place printed two ways: its first name
    sort = params.get("sort") or "articles"
    if paper is not None and paper not in known:
        raise HTTPException(400, "paper must be the IRI of a newspaper in the dataset")
    if year is not None and not YEAR.match(year):
        raise HTTPException(400, "year must be four digits")
    if place is not None and place not in place_names:
        raise HTTPException(400, "place must be the IRI of a place an organisation of the dataset is in")
    if kind is not None and kind not in KINDS:
        raise HTTPException(400, "kind must be one of " + ", ".join(KINDS))
    if sort not in SORTS:
        raise HTTPException(400, "sort must be one of " + ", ".join(SORTS))
    try:
        offset = max(0, int(params.get("offset", "0")))
    except ValueError:
        raise HTTPException(400, "offset must be a whole number") from None
    query = list_query(what, paper=paper, year=year, kind=kind, place=place, sort=sort)
    # the query's answer, summed from the index made at load (browse_index.py; the same rows, tested)
    rows = browse_index.rows(request.app.state.search.db, what, paper=paper, year=year, kind=kind, place=place,
                             sort=sort, offset=offset, limit=PAGE + 1)
    years = sorted({y for p in papers for y in p.get("years", "").split() if YEAR.match(y)})
    linker = Linker(base=request.app.state.settings.base, local={})
    return HTMLResponse(page(what, rows[:PAGE], more=len(rows) > PAGE, offset=offset, query=query, papers=papers,
                             years=years, places=sorted(place_names.items(), key=lambda kv: (kv[1], kv[0])),
                             chosen={"paper": paper, "year": year, "kind": kind, "place": place, "sort": sort},
                             linker=linker))


def page(what: str, rows: list[dict], *, more: bool, offset: int, query: str, papers: list[dict],
         years: list[str], chosen: dict, linker: Linker, places: list[tuple[str, str]] = ()) -> str:
    title = LISTS[what][0]

    def options(name: str, values: list[tuple[str, str]], blank: str) -> str:
        opts = [f'<option value="">{esc(blank)}</option>'] + [
            f'<option value="{esc(v)}"{" selected" if chosen.get(name) == v else ""}>{esc(label)}</option>'
            for v, label in values]
        return f'<label>{esc(name)} <select name="{esc(name)}">{"".join(opts)}</select></label>'

    controls = [options("paper", [(p["paper"], p["name"]) for p in papers], "every newspaper"),
                options("year", [(y, y) for y in years], "every year")]
    if what == "organisations":
        controls.append(options("kind", list(KINDS.items()), "every kind"))
        controls.append(options("place", list(places), "every place"))
    controls.append(options("sort", list(SORTS.items()), "most articles first"))
    form = (f'<form class="facets" method="get" action="/browse/{esc(what)}">{" ".join(controls)} '
            '<button type="submit">Show 显示</button></form>')
    tabs = " · ".join(f'<a href="/browse/{w}"{" aria-current=page" if w == what else ""}>{esc(LISTS[w][0])}</a>'
                      for w in LISTS)
    body_rows = "".join(
        f'<tr><td>{link(r["thing"], linker, {r["thing"]: r.get("name", "")}, show_curie=False)}</td>'
        f'<td class="num">{esc(r.get("articles", "0"))}</td><td>{esc(r.get("first", ""))}</td>'
        f'<td>{esc(r.get("last", ""))}</td></tr>' for r in rows)
    keep = {k: v for k, v in chosen.items() if v}
    nav = []
    if offset > 0:
        nav.append(f'<a rel="prev" href="?{esc(urllib.parse.urlencode({**keep, "offset": max(0, offset - PAGE)}))}">← previous</a>')
    if more:
        nav.append(f'<a rel="next" href="?{esc(urllib.parse.urlencode({**keep, "offset": offset + PAGE}))}">next →</a>')
    shown = f"{offset + 1:,}–{offset + len(rows):,}" if rows else "none"
    table = ('<table class="browse"><tr><th>Name 名称</th><th>Articles 文章</th><th>First seen 首见</th>'
             f'<th>Last seen 末见</th></tr>{body_rows}</table>')
    return layout(title, f'<h1>{esc(title)}</h1><p class="tabs">{tabs}</p>{form}<p>{text(shown)}</p>{table}'
                  f'<p class="pager">{" · ".join(nav)}</p><section><h2>How this list is made</h2>'
                  f'{query_links(query)}</section>')
