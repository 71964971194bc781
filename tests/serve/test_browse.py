"""/browse/…: lists with facets over the committed lod/, each checked against the SPARQL query
the page shows, run over HTTP with SPARQLWrapper against the same real `gonghui serve`."""
from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

import httpx
import pytest
from servers import running_serve
from SPARQLWrapper import JSON, SPARQLWrapper

from gonghui.serve.browse import PAGE

ROOT = Path(__file__).parents[2]
ROW = re.compile(r'<tr><td><a href="([^"]+)"><bdi>(.*?)</bdi></a></td><td class="num">(\d+)</td>')


@pytest.fixture(scope="module")
def site():
    with running_serve(cwd=ROOT) as served:
        yield served


def get(site, path, **params):
    return httpx.get(site.url + path, params=params or None, timeout=30)


def shown(page: str) -> tuple[list[tuple[str, str, int]], str]:
    """The rows of a list page (link, name, articles) and the query it shows."""
    query = html.unescape(re.search(r"<pre>(.*?)</pre>", page, re.S).group(1))
    return [(h, html.unescape(n), int(c)) for h, n, c in ROW.findall(page)], query


def select(site, query):
    sw = SPARQLWrapper(site.url + "/sparql")
    sw.setQuery(query)
    sw.setReturnFormat(JSON)
    return [{k: v["value"] for k, v in b.items()} for b in sw.queryAndConvert()["results"]["bindings"]]


@pytest.mark.parametrize("what", ["people", "organisations", "slogans"])
def test_a_list_is_its_query_s_answer(site, what):
    r = get(site, f"/browse/{what}")
    assert r.status_code == 200
    rows, query = shown(r.text)
    answer = select(site, query)
    assert len(rows) == min(PAGE, len(answer)) > 0
    assert [(n, c) for _, n, c in rows] == [(a["name"], int(a["articles"])) for a in answer[:PAGE]]
    assert [c for _, _, c in rows] == sorted((c for _, _, c in rows), reverse=True)    # most articles first


def test_the_kind_facet_keeps_one_kind(site):
    rows, query = shown(get(site, "/browse/organisations", kind="TradeUnion", sort="name").text)
    assert "gh:TradeUnion" in query and rows
    unions = {a["o"] for a in select(site, "PREFIX gh: <https://w3id.org/gonghui/ontology#> "
                                           "SELECT ?o WHERE { ?o a gh:TradeUnion }")}
    assert all(any(u.endswith(h.split("/id/")[1]) for u in unions) for h, _, _ in rows)
    assert [n for _, n, _ in rows] == sorted(n for _, n, _ in rows)


def test_the_place_facet_keeps_the_organisations_in_it(site):
    page = get(site, "/browse/organisations").text
    places = re.findall(r'<option value="(https?://[^"]+/id/place/[^"]+)"', page)
    assert places
    rows, query = shown(get(site, "/browse/organisations", place=places[0]).text)
    assert f"schema:location <{places[0]}>" in query and rows
    inside = {a["o"] for a in select(site, f"PREFIX schema: <http://schema.org/> SELECT ?o WHERE {{ ?o schema:location <{places[0]}> }}")}
    assert {h.split("/id/")[1] for h, _, _ in rows} <= {o.split("/id/")[1] for o in inside}
    assert get(site, "/browse/organisations", place="https://w3id.org/gonghui/id/place/nowhere").status_code == 400


def test_a_newspaper_and_a_year_narrow_the_list(site):
    page = get(site, "/browse/people").text
    papers = re.findall(r'<option value="(https?://[^"]+)"', page)
    years = re.findall(r'<option value="(\d{4})"', page)
    assert papers and years
    narrowed = 0
    for paper in papers:
        for year in years:
            rows, query = shown(get(site, "/browse/people", paper=paper, year=year).text)
            assert f"<{paper}>" in query and f'"{year}"' in query
            assert [n for _, n, _ in rows] == [a["name"] for a in select(site, query)][:PAGE]
            narrowed += bool(rows)
    assert narrowed >= 1
    assert shown(get(site, "/browse/people", year="1900").text)[0] == []


def test_pages_follow_on_and_the_csv_is_the_whole_list(site):
    first = get(site, "/browse/organisations").text
    nxt = re.search(r'<a rel="next" href="\?([^"]+)"', first)
    assert nxt, "more than one page of organisations in lod/"
    second = get(site, "/browse/organisations?" + html.unescape(nxt.group(1))).text
    assert not {h for h, _, _ in shown(first)[0]} & {h for h, _, _ in shown(second)[0]}
    csv_link = html.unescape(re.search(r'<a href="(/sparql\?query=[^"]+)">CSV</a>', first).group(1))
    table = list(csv.reader(io.StringIO(get(site, csv_link).text)))
    assert table[0][:3] == ["thing", "name", "articles"]
    assert len(table) - 1 == len(select(site, shown(first)[1])) > PAGE


@pytest.mark.parametrize("path, params, status", [
    ("/browse/people", {"year": "20x8"}, 400), ("/browse/people", {"paper": "https://example.org/x"}, 400),
    ("/browse/organisations", {"kind": "Nothing"}, 400), ("/browse/people", {"sort": "random"}, 400),
    ("/browse/people", {"offset": "-x"}, 400), ("/browse/everything", {}, 404)])
def test_bad_filters_get_one_clear_line(site, path, params, status):
    r = get(site, path, **params)
    assert r.status_code == status and len(r.text.strip().splitlines()) <= 40 and "Traceback" not in r.text


def test_an_organisation_page_lists_the_papers_that_name_it(site):
    top = shown(get(site, "/browse/organisations").text)[0][0][0]       # the most named organisation
    page = httpx.get(site.url + top, headers={"accept": "text/html"}).text
    assert "Papers that name it" in page
    part = page.split("Papers that name it", 1)[1]
    query = html.unescape(re.search(r"<pre>(.*?)</pre>", part, re.S).group(1))
    answer = select(site, query)
    counts = [int(c) for c in re.findall(r'<td class="num">([\d,]+)</td>', part.split("</table>")[0])]
    assert counts == [int(a["articles"]) for a in answer] and counts


# ---------------------------------------------------------------- the index that answers the lists

@pytest.fixture(scope="module")
def indexed():
    """The committed dump in a store, and the search index (with the browse tables) made of it."""
    import gzip

    import pyoxigraph as ox

    from gonghui.serve.search import SearchIndex
    store = ox.Store()
    store.load(gzip.decompress((ROOT / "lod" / "gonghui.nt.gz").read_bytes()), ox.RdfFormat.N_TRIPLES)
    return store, SearchIndex(store)


def _answer(store, query: str) -> list[dict]:
    from gonghui.serve.query_page import with_prefixes
    solutions = store.query(with_prefixes(query))
    names = [v.value for v in solutions.variables]
    return [{k: v.value for k, v in zip(names, row) if v is not None} for row in solutions]


def test_the_index_gives_every_list_s_query_answer_row_for_row(indexed):
    """For every list, filter and sort: the rows the page is made from are, all of them and in
    order, what the SPARQL query the page shows answers (articles, first and last seen)."""
    from gonghui.serve import browse_index
    from gonghui.serve.browse import SORTS, list_query
    store, index = indexed
    papers = [r["paper"] for r in _answer(store, "SELECT ?paper WHERE { ?paper a schema:Newspaper }")]
    years = sorted({r["d"][:4] for r in _answer(store, "SELECT ?d WHERE { ?i a schema:PublicationIssue ; schema:datePublished ?d }")})
    places = sorted({r["p"] for r in _answer(store, "SELECT ?p WHERE { ?o a org:Organization ; schema:location ?p }")})
    assert papers and years and places
    cases = [dict()] + [{"paper": p} for p in papers] + [{"year": y} for y in years] + \
            [{"paper": p, "year": y} for p in papers for y in years]
    checked = 0
    for what in ("people", "organisations", "slogans"):
        extra = [{"kind": "TradeUnion"}, {"kind": "Company"}, {"place": places[0]},
                 {"kind": "TradeUnion", "year": years[0]}] if what == "organisations" else []
        for case in cases + extra:
            for sort in SORTS:
                expected = _answer(store, list_query(what, sort=sort, **case))
                got = browse_index.rows(index.db, what, sort=sort, **case)
                assert got == expected, (what, case, sort)
                checked += len(got)
    assert checked > 3000
    # a person named on dated pages and on an undated one has dates all the same (MIN and MAX over
    # a group with one unbound date are unbound: the query keeps the dates apart)
    people = browse_index.rows(index.db, "people")
    dated = _answer(store, "SELECT DISTINCT ?p WHERE { ?a schema:mentions|schema:contributor ?p ; "
                           "schema:isPartOf/schema:datePublished ?d . ?p a schema:Person }")
    assert {r["thing"] for r in people if r.get("first")} == {r["p"] for r in dated}
    assert len(dated) > 20


def test_a_page_of_the_index_is_that_slice_of_the_whole(indexed):
    from gonghui.serve import browse_index
    _, index = indexed
    whole = browse_index.rows(index.db, "people", sort="name")
    assert len(whole) > 60
    assert browse_index.rows(index.db, "people", sort="name", offset=50, limit=10) == whole[50:60]


def test_the_index_gives_every_usage_curve_and_papers_table_its_query_s_answer(indexed):
    """The slogan curves and the papers tables, read from the index, for every slogan and
    organisation: what the queries their pages show answer."""
    from gonghui.serve import browse_index
    from gonghui.serve.profiles import PAPERS_QUERY, USAGE_QUERY
    store, index = indexed
    slogans = [r["s"] for r in _answer(store, "SELECT ?s WHERE { ?s a gh:Slogan }")]
    orgs = [r["o"] for r in _answer(store, "SELECT ?o WHERE { ?o a org:Organization }")]
    assert len(slogans) > 50 and len(orgs) > 100
    curves = 0
    for s in slogans:
        years = [(r["year"], int(r["articles"])) for r in _answer(store, USAGE_QUERY.format(iri=s))]
        assert browse_index.usage(index.db, s)["years"] == years, s
        curves += bool(years)
    named = 0
    for o in orgs:
        expected = [{"paper": r["paper"], "articles": int(r["articles"]), "first": r.get("first"), "last": r.get("last")}
                    for r in _answer(store, PAPERS_QUERY.format(iri=o))]
        assert browse_index.papers(index.db, o) == expected, o
        named += bool(expected)
    assert curves > 20 and named >= 20
