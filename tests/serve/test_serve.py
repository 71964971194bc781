"""The linked-data server, started for real on a free loopback port and queried over HTTP.

Data: tests/data/serve-sample.trig (invented newspaper, people and organisations).
"""
from __future__ import annotations

import concurrent.futures
import csv
import io
import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from servers import LiveServer, running_serve
from SPARQLWrapper import JSON, SPARQLWrapper

from gonghui.errors import InputError
from gonghui.serve import create_app, protocol
from gonghui.serve.negotiate import negotiate
from gonghui.serve.protocol import inspect_query, service_refusal
from gonghui.serve.query_page import examples
from gonghui.serve.store import load_dataset

HERE = Path(__file__).parents[1]                    # tests/
SAMPLE = HERE / "data" / "serve-sample.trig"
ROOT = HERE.parent
ID = "https://w3id.org/gonghui/id/"
SCHEMA = "http://schema.org/"
PREFIXES = f"PREFIX schema: <{SCHEMA}> PREFIX id: <{ID}> PREFIX org: <http://www.w3.org/ns/org#>\n"
TIMEOUT = 2.0
# Five-way cartesian product over the sample (~250^5 rows): runs far past any timeout.
RUNAWAY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?o ?q }"


@pytest.fixture(scope="module")
def live():
    with LiveServer(create_app([SAMPLE], timeout=TIMEOUT, workers=3)) as server:
        yield server


@pytest.fixture(scope="module")
def http(live):
    with httpx.Client(base_url=live.url, timeout=30) as client:
        yield client


def rows_of(http, query: str, **params) -> list[dict]:
    r = http.get("/sparql", params={"query": PREFIXES + query, **params},
                 headers={"accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return [{k: v["value"] for k, v in b.items()} for b in r.json()["results"]["bindings"]]


def triples_of(body: bytes, fmt) -> set:
    return {q.triple for q in ox.parse(body, fmt)}


# ------------------------------------------------------------------ SPARQL protocol

def test_sparqlwrapper_select(live):
    sw = SPARQLWrapper(live.url + "/sparql")
    sw.setQuery(PREFIXES + "SELECT ?name WHERE { ?p a schema:Person ; schema:name ?name } ORDER BY ?name")
    sw.setReturnFormat(JSON)
    rows = sw.query().convert()["results"]["bindings"]
    assert [r["name"]["value"] for r in rows] == ["李晓梅", "王建国"]
    assert rows[0]["name"]["xml:lang"] == "zh"


NAMES = PREFIXES + "SELECT ?name WHERE { ?p a schema:Person ; schema:name ?name } ORDER BY ?name"


def _names_from(media: str, body: bytes) -> list[str]:
    text = body.decode("utf-8")
    if "json" in media:
        return [b["name"]["value"] for b in json.loads(text)["results"]["bindings"]]
    if "xml" in media:
        ns = {"r": "http://www.w3.org/2005/sparql-results#"}
        return [e.text for e in ET.fromstring(text).findall(".//r:binding[@name='name']/r:literal", ns)]
    if media == "text/csv":
        return [row["name"] for row in csv.DictReader(io.StringIO(text))]
    lines = text.splitlines()   # TSV: N-Triples-style terms
    assert lines[0] == "?name"
    return [line.rsplit("@", 1)[0].strip('"') for line in lines[1:]]


@pytest.mark.parametrize("accept, media", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/json"),
    ("text/html,application/xml;q=0.9,*/*;q=0.8", "application/xml"),
    ("*/*", "application/sparql-results+json"),
])
def test_select_by_accept(http, accept, media):
    r = http.get("/sparql", params={"query": NAMES}, headers={"accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    assert _names_from(media, r.content) == ["李晓梅", "王建国"]


@pytest.mark.parametrize("fmt, media", [("json", "application/sparql-results+json"),
                                        ("xml", "application/sparql-results+xml"),
                                        ("csv", "text/csv"), ("tsv", "text/tab-separated-values")])
def test_select_by_format_parameter(http, fmt, media):
    # The parameter wins over the Accept header.
    r = http.get("/sparql", params={"query": NAMES, "format": fmt}, headers={"accept": "text/turtle"})
    assert r.headers["content-type"].split(";")[0] == media
    assert _names_from(media, r.content) == ["李晓梅", "王建国"]


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml"])
def test_ask(http, accept):
    for query, expected in ((PREFIXES + f"ASK {{ <{ID}person/li-xiaomei> a schema:Person }}", "true"),
                            (PREFIXES + f"ASK {{ <{ID}person/li-xiaomei> a schema:Organization }}", "false")):
        r = http.post("/sparql", content=query.encode(),
                      headers={"content-type": "application/sparql-query", "accept": accept})
        value = r.json()["boolean"] if "json" in accept else re.search(r"<boolean>(\w+)</boolean>", r.text).group(1)
        assert str(value).lower() == expected


CONSTRUCT = PREFIXES + "CONSTRUCT { ?p schema:name ?n } WHERE { ?p a schema:Person ; schema:name ?n }"


@pytest.mark.parametrize("accept, fmt", [
    ("text/turtle", ox.RdfFormat.TURTLE), ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/ld+json", ox.RdfFormat.JSON_LD), ("application/rdf+xml", ox.RdfFormat.RDF_XML),
])
def test_construct_by_accept(http, accept, fmt):
    for how in ("accept", "format"):
        params = {"query": CONSTRUCT}
        headers = {"accept": accept}
        if how == "format":
            params["format"] = {"text/turtle": "turtle", "application/n-triples": "nt",
                                "application/ld+json": "json-ld", "application/rdf+xml": "rdf+xml"}[accept]
            headers = {"accept": "application/sparql-results+json"}
        r = http.get("/sparql", params=params, headers=headers)
        assert r.status_code == 200
        assert r.headers["content-type"].split(";")[0] == accept
        triples = triples_of(r.content, fmt)
        assert ox.Triple(ox.NamedNode(ID + "person/wang-jianguo"), ox.NamedNode(SCHEMA + "name"),
                         ox.Literal("王建国", language="zh")) in triples
        assert len(triples) == 2


def test_describe_is_rdf(http):
    r = http.get("/sparql", params={"query": f"DESCRIBE <{ID}person/li-xiaomei>"})
    assert r.headers["content-type"].startswith("text/turtle")
    assert '"李晓梅"@zh' in r.text


def test_post_form_and_direct_agree(http):
    form = http.post("/sparql", data={"query": NAMES}, headers={"accept": "text/csv"})
    direct = http.post("/sparql", content=NAMES.encode(),
                       headers={"content-type": "application/sparql-query; charset=utf-8", "accept": "text/csv"})
    assert form.status_code == direct.status_code == 200
    assert form.text == direct.text
    assert form.text.splitlines()[1] == "李晓梅"


ARTICLES = "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a schema:NewsArticle }"


def test_default_graph_is_union_of_all_graphs(http):
    assert rows_of(http, ARTICLES) == [{"n": "3"}]


def test_protocol_dataset(http):
    assert rows_of(http, ARTICLES, **{"default-graph-uri": ID + "graph/sample-b"}) == [{"n": "1"}]
    rows = rows_of(http, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?a a schema:NewsArticle } }",
                  **{"named-graph-uri": ID + "graph/sample-a"})
    assert rows == [{"g": ID + "graph/sample-a"}]
    # A graph name the data does not hold is an empty graph, never fetched.
    assert rows_of(http, ARTICLES, **{"default-graph-uri": "http://example.org/unknown"}) == [{"n": "0"}]


def test_from_clause_on_loaded_graph(http):
    rows = rows_of(http, f"SELECT (COUNT(DISTINCT ?a) AS ?n) FROM <{ID}graph/sample-a> WHERE {{ ?a a schema:NewsArticle }}")
    assert rows == [{"n": "2"}]


def test_relative_iris_resolve_against_endpoint(live, http):
    rows = rows_of(http, "SELECT ?x WHERE { BIND(<thing/1> AS ?x) }")
    assert rows == [{"x": live.url + "/thing/1"}]


def test_service_description(live, http):
    r = http.get("/sparql", headers={"accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    g = triples_of(r.content, ox.RdfFormat.TURTLE)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert any(t.predicate.value == sd + "endpoint" and t.object.value == live.url + "/sparql" for t in g)
    names = {t.object.value for t in g if t.predicate.value == sd + "name"}
    assert names == {ID + "graph/sample-a", ID + "graph/sample-b"}
    assert http.get("/sparql", headers={"accept": "text/turtle"}).content == r.content   # deterministic
    browser = http.get("/sparql", headers={"accept": "text/html"}, follow_redirects=False)
    assert browser.status_code == 303 and browser.headers["location"] == "/"


def test_cors(http):
    r = http.get("/sparql", params={"query": "ASK {}"}, headers={"origin": "http://other.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    pre = http.options("/sparql", headers={"origin": "http://other.example", "access-control-request-method": "POST",
                                           "access-control-request-headers": "content-type"})
    assert pre.status_code == 200
    assert "POST" in pre.headers["access-control-allow-methods"]


# ------------------------------------------------------------------ safety

@pytest.mark.parametrize("request_kwargs", [
    {"method": "GET", "params": {"update": "CLEAR ALL"}},
    {"method": "POST", "data": {"update": "DROP ALL"}},
    {"method": "POST", "content": b"CLEAR ALL", "headers": {"content-type": "application/sparql-update"}},
    {"method": "GET", "params": {"query": "INSERT DATA { <http://a> <http://b> <http://c> }"}},
    {"method": "GET", "params": {"query": "# a comment\nPREFIX a: <http://a/> DELETE WHERE { ?s ?p ?o }"}},
    {"method": "GET", "params": {"query": "LOAD <file:///etc/passwd>"}},
])
def test_updates_are_refused(http, request_kwargs):
    r = http.request(url="/sparql", **request_kwargs)
    assert r.status_code == 403
    assert "read-only" in r.text
    assert rows_of(http, ARTICLES) == [{"n": "3"}]


def test_service_is_refused_without_any_connection(http):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        target = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
        escaped = target.replace("h", "\\u0068", 1)
        for query in (f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
                      f"select * where {{ ?x ?y ?z . service silent <{target}> {{ ?s ?p ?o }} }}",
                      f"SELECT * WHERE {{ SERVICE <{escaped}> {{ ?s ?p ?o }} }}",
                      f"SELECT * WHERE {{ BIND(<{target}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
                      f"ASK {{ FILTER(1<2)SERVICE<{target}>{{}} }}"):
            r = http.get("/sparql", params={"query": query})
            assert r.status_code == 400, query
            assert "SERVICE is not allowed" in r.text
        time.sleep(0.3)
        ready, _, _ = select.select([listener], [], [], 0)
        assert ready == [], "the endpoint connected to the SERVICE target"


@pytest.mark.parametrize("query", [
    "SELECT ?service WHERE { ?service a <http://example.org/Service> }",
    'SELECT ?x WHERE { BIND("SERVICE <http://127.0.0.1:9/> {}" AS ?x) }',
    "SELECT ?x WHERE { BIND(<http://example.org/SERVICE> AS ?x) }",
    "SELECT ?x WHERE { # SERVICE <http://127.0.0.1:9/> { }\n BIND(1 AS ?x) }",
    "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> SELECT ?x WHERE { ?x a sd:Service }",
])
def test_the_word_service_elsewhere_is_fine(http, query):
    r = http.get("/sparql", params={"query": query}, headers={"accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("query, params", [
    ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", {}),
    ("SELECT * FROM NAMED <http://127.0.0.1:9/data.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }", {}),
    ("PREFIX f: <file:///etc/> SELECT * FROM f:passwd WHERE { ?s ?p ?o }", {}),
    ("SELECT * WHERE { ?s ?p ?o }", {"default-graph-uri": "file:///etc/passwd"}),
    ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": "ftp://example.org/x"}),
])
def test_dataset_clauses_that_would_fetch_are_refused(http, query, params):
    r = http.get("/sparql", params={"query": query, **params})
    assert r.status_code == 400
    assert "never fetch" in r.text


def test_syntax_error_gets_parser_message(http):
    r = http.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert r.status_code == 400
    assert r.text.startswith("SPARQL syntax error: error at 1:")


def test_not_acceptable(http):
    r = http.get("/sparql", params={"query": "ASK {}"}, headers={"accept": "image/png"})
    assert r.status_code == 406


def test_runaway_query_times_out_while_others_answer(live, http):
    pool = live.app.state.pool
    killed = pool.stats.killed
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        start = time.monotonic()
        slow = ex.submit(http.get, "/sparql", params={"query": RUNAWAY})
        time.sleep(0.3)   # let the runaway query reach its worker
        t = time.monotonic()
        quick = http.get("/sparql", params={"query": f"ASK {{ <{ID}person/li-xiaomei> ?p ?o }}"})
        quick_time = time.monotonic() - t
        r = slow.result()
        slow_time = time.monotonic() - start
    assert quick.status_code == 200 and quick.json()["boolean"] is True
    assert quick_time < 0.1
    assert r.status_code == 503 and "timed out" in r.text
    assert TIMEOUT - 0.1 < slow_time < TIMEOUT + 1
    assert pool.stats.killed == killed + 1
    # The killed worker is replaced: the pool serves as many parallel queries as before.
    deadline = time.time() + 20
    while len(pool._idle) < pool.size and time.time() < deadline:
        time.sleep(0.05)
    assert len(pool._idle) == pool.size


def test_dead_workers_are_replaced(live, http):
    pool = live.app.state.pool
    for worker in list(pool._all):   # every worker dies while idle (e.g. killed by the OS)
        os.kill(worker.process.pid, 9)
    time.sleep(0.2)
    r = http.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert r.status_code == 200 and r.json()["boolean"] is True
    deadline = time.time() + 20
    while len(pool._idle) < pool.size and time.time() < deadline:
        time.sleep(0.05)
    assert len(pool._idle) == pool.size
    assert all(w.process.is_alive() for w in pool._all)


def test_large_results_arrive_whole(http):
    r = http.get("/sparql", params={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 5000"},
                 headers={"accept": "application/sparql-results+json"})
    assert len(r.content) > 256 << 10   # sent through the off-loop path
    assert len(r.json()["results"]["bindings"]) == 5000


def test_result_size_cap(live, http):
    settings = live.app.state.settings
    old, settings.max_result_bytes = settings.max_result_bytes, 300
    try:
        r = http.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
        small = http.get("/sparql", params={"query": "ASK {}"})
    finally:
        settings.max_result_bytes = old
    assert r.status_code == 400 and "larger than" in r.text
    assert small.status_code == 200


def test_request_body_limit(http):
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * (2 << 20)
    r = http.post("/sparql", content=big.encode(), headers={"content-type": "application/sparql-query"})
    assert r.status_code == 413


# ------------------------------------------------------------------ linked data pages

def test_person_page(http):
    r = http.get("/id/person/li-xiaomei", headers={"accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "<h1><bdi>李晓梅</bdi></h1>" in page
    # Posts by date: the 2020 post comes before the 2021 one.
    posts = page[page.index("Posts 职务"):page.index("Mentioned in")]
    assert posts.index("2020-11-20") < posts.index("2021-03-05") < posts.index("2021-03-12")
    assert posts.index("机械工会主席") < posts.index("市总工会主席")
    assert 'href="/id/org/jiangan-shi-zonggonghui"' in posts
    # Every mention with its date and the words around it, the name marked.
    mentions = page[page.index("Mentioned in"):page.index("<h2>Properties")]
    assert mentions.count("<mark><bdi>李晓梅</bdi></mark>") == 3
    assert re.findall(r'<td class="date"><bdi>([\d-]+)</bdi></td>', mentions) == ["2021-03-05", "2021-03-05", "2021-03-12"]
    assert "到场观摩" in mentions
    # Data is escaped, never injected.
    assert "职工“&lt;小发明&gt;”大赛 &amp; 技能展示" in page
    assert "<小发明>" not in page


def test_pages_escape_markup_in_data(http):
    page = http.get("/id/org/jiangan-shi-jixie-gonghui", headers={"accept": "text/html"}).text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert "王建国" in page   # the post held in this organisation


def test_issue_page_lists_articles_in_page_order(http):
    page = http.get("/id/issue/jiangan-gongren-bao/2021-03-05", headers={"accept": "text/html"}).text
    contents = page[page.index("Contents"):]
    assert contents.index("市总工会召开全委会议") < contents.index("机械工会开展技能比武")


@pytest.mark.parametrize("path, accept, fmt", [
    ("/id/person/li-xiaomei", "text/turtle", ox.RdfFormat.TURTLE),
    ("/id/person/li-xiaomei", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("/id/person/li-xiaomei", "application/ld+json", ox.RdfFormat.JSON_LD),
    ("/id/person/li-xiaomei", "application/rdf+xml", ox.RdfFormat.RDF_XML),
    ("/id/person/li-xiaomei.ttl", "text/html", ox.RdfFormat.TURTLE),
    ("/id/person/li-xiaomei.jsonld", "text/html", ox.RdfFormat.JSON_LD),
    ("/id/person/li-xiaomei.nt", "*/*", ox.RdfFormat.N_TRIPLES),
])
def test_resource_content_negotiation(http, path, accept, fmt):
    r = http.get(path, headers={"accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == fmt.media_type
    triples = triples_of(r.content, fmt)
    assert ox.Triple(ox.NamedNode(ID + "person/li-xiaomei"), ox.NamedNode(SCHEMA + "name"),
                     ox.Literal("李晓梅", language="zh")) in triples
    assert "Vary" in r.headers or "vary" in r.headers


def test_mention_description_includes_its_selector(http):
    r = http.get("/id/mention/sample-b/52-55-person.nt")
    iris = {t.subject.value for t in triples_of(r.content, ox.RdfFormat.N_TRIPLES)}
    base = ID + "mention/sample-b/52-55-person"
    assert iris == {base, base + "#target", base + "#selector"}
    assert '"李晓梅"@zh' in r.text


def test_unknown_resource_is_404(http):
    assert http.get("/id/person/nobody", headers={"accept": "text/html"}).status_code == 404
    assert http.get("/id/person/nobody.ttl").status_code == 404


def test_query_page_works_offline(http):
    page = http.get("/").text
    # Scripts and styles come from this server only.
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert url.startswith("/"), url
    assert '<script src="/static/yasgui/yasgui.min.js">' in page
    config = json.loads(re.search(r'<script type="application/json" id="gonghui-config">(.*?)</script>',
                                  page, re.S).group(1))
    assert len(config["examples"]) >= 5
    js = http.get("/static/yasgui/yasgui.min.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert len(js.content) > 500_000
    assert http.get("/static/gonghui-query.js").status_code == 200


@pytest.mark.parametrize("example", examples(), ids=lambda e: e["title"].split(" · ")[1])
def test_example_queries_answer(http, example):
    r = http.post("/sparql", data={"query": example["query"]}, headers={"accept": "text/csv"})
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.text)))
    assert len(rows) >= 2   # header and at least one answer on the sample


def test_examples_are_recognised_as_queries_by_sparqlwrapper():
    for example in examples():
        sw = SPARQLWrapper("http://127.0.0.1:9/sparql")
        sw.setQuery(example["query"])
        assert sw.queryType == "SELECT" and not sw.isSparqlUpdateRequest(), example["title"]


def test_example_answers(http):
    """The examples answer the users' questions correctly on the sample."""
    by_title = {e["title"].split(" · ")[1]: e["query"] for e in examples()}

    def run(title):
        r = http.post("/sparql", data={"query": by_title[title]}, headers={"accept": "text/csv"})
        return list(csv.DictReader(io.StringIO(r.text)))

    posts = run("Who holds which posts where")
    assert [(p["name"], p["printed"], p["resolved"], p["date"]) for p in posts] == [
        ("李晓梅", "市总工会主席", "江岸市总工会主席", "2021-03-05"),  # one row per printing, by date
        ("李晓梅", "市总工会主席", "江岸市总工会主席", "2021-03-12"),
        ("李晓梅", "机械工会主席", "江岸市机械工会主席", "2020-11-20"),
        ("王建国", "江岸市机械工会副主席", "江岸市机械工会副主席", "2021-03-05")]
    under = run("Organisations under a parent")
    assert [(o["top"], o["organisation"]) for o in under] == [("江岸市总工会", "江岸市机械工会"),
                                                             ("江岸市总工会", "江岸市第一机床厂工会")]
    slogans = run("Slogans by first appearance")
    assert [(s["label"], s["first"], s["articles"]) for s in slogans] == [("职工创新百花园", "2021-03-05", "2")]
    mentions = run("Every mention of a person")
    assert [(m["name"], m["date"]) for m in mentions] == [("李晓梅", "2021-03-05"), ("李晓梅", "2021-03-05"),
                                                          ("李晓梅", "2021-03-12"), ("王建国", "2021-03-05")]
    wrote = run("People a reporter wrote about")
    assert [(w["contributor"], w["name"], w["articles"]) for w in wrote] == [("李晓梅", "王建国", "1")]   # not herself
    people = run("People of an organisation")           # the federation's people include the 机械工会's
    assert [(p["organisation"], p["unit"], p["name"], p["first"], p["last"], p["printings"]) for p in people] == [
        ("江岸市总工会", "江岸市总工会", "李晓梅", "2021-03-05", "2021-03-12", "2"),
        ("江岸市总工会", "江岸市机械工会", "李晓梅", "2020-11-20", "2020-11-20", "1"),
        ("江岸市总工会", "江岸市机械工会", "王建国", "2021-03-05", "2021-03-05", "1"),
        ("江岸市机械工会", "江岸市机械工会", "李晓梅", "2020-11-20", "2020-11-20", "1"),
        ("江岸市机械工会", "江岸市机械工会", "王建国", "2021-03-05", "2021-03-05", "1")]


def test_downloads_and_void(http):
    r = http.get("/download/serve-sample.trig")
    assert r.status_code == 200 and r.headers["content-type"] == "application/trig"
    assert r.content == SAMPLE.read_bytes()
    assert http.get("/download/..%2Fserve.py").status_code == 404
    assert "serve-sample.trig" in http.get("/download/").text
    void = http.get("/.well-known/void", headers={"accept": "text/turtle"})
    g = triples_of(void.content, ox.RdfFormat.TURTLE)
    triples = {t.object.value for t in g if t.predicate.value == "http://rdfs.org/ns/void#triples"}
    assert triples == {"250"}


# ------------------------------------------------------------------ a project folder (lod/, ontology/, shapes/)

ONTOLOGY = """@prefix gh: <https://w3id.org/gonghui/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/gonghui/ontology#> a owl:Ontology ; rdfs:label "test vocabulary"@en .
gh:Slogan a owl:Class ; rdfs:label "Slogan"@en ; rdfs:comment "A <b>catchphrase</b>."@en .
"""


def test_project_folder_defaults(tmp_path):
    (tmp_path / "lod").mkdir()
    (tmp_path / "ontology").mkdir()
    (tmp_path / "shapes").mkdir()
    shutil.copy(SAMPLE, tmp_path / "lod" / "gonghui.trig")
    (tmp_path / "lod" / "gonghui.ttl.gz").write_bytes(b"\x1f\x8b")
    (tmp_path / "lod" / "void.ttl").write_text("<http://example.org/d> a <http://rdfs.org/ns/void#Dataset> .\n")
    (tmp_path / "ontology" / "gonghui.ttl").write_text(ONTOLOGY)
    (tmp_path / "shapes" / "gonghui-shapes.ttl").write_text("<http://example.org/s> a <http://www.w3.org/ns/shacl#NodeShape> .\n")
    app = create_app([], lod_dir=tmp_path / "lod", workers=1)
    assert app.state.settings.dataset.triples == 250
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as client:
        _check_project_routes(client, tmp_path)


def _check_project_routes(client, tmp_path):
    files = client.get("/download/").text
    assert "gonghui.trig" in files and "void.ttl" in files
    assert client.get("/download/gonghui.ttl.gz").headers["content-type"] == "application/gzip"
    served_void = rdflib.Graph().parse(data=client.get("/.well-known/void").text, format="turtle")
    assert set(served_void) == set(rdflib.Graph().parse(tmp_path / "lod" / "void.ttl"))   # nothing of ours to re-point
    onto = client.get("/ontology", headers={"accept": "text/html"})
    assert 'id="Slogan"' in onto.text and "A &lt;b&gt;catchphrase&lt;/b&gt;." in onto.text
    assert client.get("/ontology", headers={"accept": "text/turtle"}).text == ONTOLOGY
    jsonld = client.get("/ontology.jsonld")
    assert len(triples_of(jsonld.content, ox.RdfFormat.JSON_LD)) == 5
    assert client.get("/shapes.nt").text.startswith("<http://example.org/s>")
    assert client.get("/ontology.xyz").status_code == 404


@pytest.mark.parametrize("name, content, message", [
    ("missing.ttl", None, "no such file"),
    ("broken.ttl", "<a> <b> .\n", "cannot be read as Turtle"),
    ("data.csv", "a,b\n", "unknown RDF format"),
])
def test_bad_data_files_are_input_errors(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputError) as err:
        create_app([path])
    text = str(err.value)
    assert text.startswith(str(path)) and message in text and "\n" not in text


def test_default_graph_is_a_merge_not_a_bag(tmp_path):
    """A triple printed in two page graphs is one triple of the default graph."""
    data = tmp_path / "twice.trig"
    data.write_text("<http://g/1> { <http://s> <http://p> \"o\" . }\n<http://g/2> { <http://s> <http://p> \"o\" . }\n"
                    "<http://s> <http://q> _:b .\n")
    dataset = load_dataset([data])
    assert dataset.triples == 2 and dataset.graphs == ["http://g/1", "http://g/2"]
    store = ox.Store.read_only(dataset.store_dir)
    count = "SELECT (COUNT(*) AS ?n) WHERE { %s }"
    assert next(iter(store.query(count % "?s ?p ?o")))["n"].value == "2"
    assert next(iter(store.query(count % "GRAPH ?g { ?s ?p ?o }")))["n"].value == "2"
    del store
    shutil.rmtree(Path(dataset.store_dir).parent)


def test_missing_lod_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="gonghui.trig: no dataset found"):
        create_app([], lod_dir=tmp_path / "lod")


# ------------------------------------------------------------------ query inspection and negotiation (no server)

def test_inspect_query_finds_keywords_only_outside_strings_iris_and_comments():
    base = "http://h/sparql"
    assert inspect_query("SELECT * { ?s ?p ?o }", base).form == "SELECT"
    assert inspect_query("PREFIX ask: <http://x/> CONSTRUCT WHERE { ?s ask:p ?o }", base).form == "CONSTRUCT"
    assert inspect_query("# INSERT\nselect * {}", base).form == "SELECT"
    assert inspect_query("WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", base).form == "WITH"
    info = inspect_query('SELECT ?service { ?service <http://x/SERVICE> "SERVICE" . } # SERVICE', base)
    assert info.service is False
    assert inspect_query("SELECT * { SeRvIcE <http://x/> {} }", base).service is True
    q = 'PREFIX g: <http://g/> BASE <http://b/> SELECT * FROM g:one FROM NAMED <two> FROM <\\u0066ile:///x> {}'
    assert inspect_query(q, base).from_graphs == ["http://g/one", "http://b/two", "file:///x"]


@pytest.mark.parametrize("query", [
    "PREFIX ex: <http://e/> SELECT * { ?s ex:p ?o }",
    "prefix ex:<http://e/>prefix : <http://f/>\n\tSELECT * { ?s :p ex:o }",
    "PREFIX ex.a: <http://e/> PREFIX ex.a: <http://f/> ASK { ex.a:x ?p ?o }",     # declared twice
    "BASE <http://b/> PREFIX r: <rel/> BASE <other/> PREFIX s: <x> SELECT * FROM r:g FROM <y> {}",
    "PREFIX ex: <http://e/> # a comment\nPREFIX f: <http://f/> SELECT * { ?s f:p ex:o }",
    "PREFIX ex: <http://e/\\u0053> SELECT * { ?s ex:p ?o }",                       # an escape in the IRI
    "PREFIX: <http://e/> SELECT * {}",                                            # "PREFIX:" is a name
    "PREFIXES ex: <http://e/> SELECT * {}",
    "PREFIX ex: <http://e/>SERVICE <http://x/> {}",
    "PREFIX ex: <http://e/> PREFIX",
    "PREFIX ex: <http://e/>",
    "   ",
    "BASE<http://b/>SELECT*{<s><p>((1))}",
])
def test_inspect_query_with_a_kept_prologue_sees_what_a_full_scan_sees(query):
    base = "http://h/sparql"
    full = protocol._inspect(query, base)
    for _ in range(2):                       # the second time from the kept prologue
        info = inspect_query(query, base)
        assert (info.form, info.service, info.from_graphs, info.depth, info.tokens, info.prefixes, info.base) == \
               (full.form, full.service, full.from_graphs, full.depth, full.tokens, full.prefixes, full.base)
    assert protocol._inspect_prologue.cache_info().hits > 0


def test_service_refusal_second_opinion():
    base = "http://h/sparql"
    ok = "PREFIX ex: <http://e/> SELECT * { ?s ex:service ?o }"
    assert service_refusal(ok, inspect_query(ok, base), base) is None
    # Escapes in names can hide nothing: the query is refused unless a parser proves it harmless.
    odd = "SELECT * { ?s <http://e/p> ?o . \\u0053ERVICE <http://127.0.0.1:9/> { } }"
    assert "SERVICE" in service_refusal(odd, inspect_query(odd, base), base)


def test_negotiate():
    offers = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv"]
    assert negotiate(None, offers) == offers[0]
    assert negotiate("text/csv", offers) == "text/csv"
    assert negotiate("text/*;q=0.5, application/sparql-results+xml", offers) == offers[1]
    assert negotiate("*/*;q=0.1, text/csv;q=0", offers) == offers[0]
    assert negotiate("image/png", offers) is None


# ------------------------------------------------------------------ the W3C SPARQL 1.1 Protocol suite

SUITE = ROOT.parent / "shared" / "conformance" / "sparql11-protocol" / "manifest.ttl"
RUNNER = ROOT.parent / "shared" / "eval" / "sparql_protocol_tests.py"


@pytest.mark.skipif(not (SUITE.is_file() and RUNNER.is_file()), reason="W3C protocol suite not available")
def test_w3c_protocol_suite(tmp_path):
    nq = tmp_path / "suite.nq"
    subprocess.run([sys.executable, str(RUNNER), str(SUITE), "x", "--write-nquads", str(nq)],
                   check=True, capture_output=True)
    with running_serve("--data", str(nq)) as server:
        assert "serving 3 triples in 3 named graphs" in server.banner
        result = subprocess.run([sys.executable, str(RUNNER), str(SUITE), f"{server.url}/sparql"],
                                capture_output=True, text=True, timeout=120)
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("27 passed, 0 failed"), result.stdout


def test_a_reply_that_arrives_in_parts_on_a_non_blocking_pipe_is_read_whole():
    """uvloop leaves a descriptor it watched non-blocking: the worker's reply header may come
    before its body, and the server must wait for the body instead of taking the worker for dead."""
    import asyncio
    import multiprocessing

    from gonghui.serve.workers import _Worker

    ours, theirs = multiprocessing.Pipe()

    class Alive:
        def is_alive(self):
            return True

    def worker():
        theirs.recv()
        theirs.send((200, "text/plain", 5))      # the header at once, the body a little later
        time.sleep(0.3)
        theirs.send_bytes(b"hello")

    worker_ = object.__new__(_Worker)
    worker_.conn, worker_.process = ours, Alive()
    threading.Thread(target=worker, daemon=True).start()
    os.set_blocking(ours.fileno(), False)

    async def call():
        loop = asyncio.get_running_loop()
        # what uvloop does to a descriptor given to add_reader
        loop.call_soon(os.set_blocking, ours.fileno(), False)
        return await worker_.request({"op": "query"}, 5)

    assert asyncio.run(call()) == (200, "text/plain", b"hello")


def test_lookups_are_answered_while_every_worker_is_busy(live, http):
    """A lookup (lookup.py) is answered by the server itself: it neither waits for a worker nor
    costs a process hop. Everything else still goes to the workers."""
    state = live.app.state
    before = state.lookups
    lookup = PREFIXES + f"SELECT ?name {{ <{ID}person/li-xiaomei> schema:name ?name }}"
    with concurrent.futures.ThreadPoolExecutor(3) as ex:
        with httpx.Client(base_url=live.url, timeout=30) as other:
            stuck = [ex.submit(other.get, "/sparql", params={"query": RUNAWAY}) for _ in range(3)]
            time.sleep(0.3)                                  # all three workers are on a runaway query
            t = time.monotonic()
            r = http.get("/sparql", params={"query": lookup}, headers={"accept": "text/csv"})
            took = time.monotonic() - t
            assert [f.result().status_code for f in stuck] == [503] * 3
    assert r.status_code == 200 and r.text.split() == ["name", "李晓梅"] and took < 0.5
    assert state.lookups == before + 1
    r = http.get("/sparql", params={"query": PREFIXES + "SELECT (COUNT(*) AS ?n) { ?s a schema:Person }"})
    assert r.status_code == 200 and state.lookups == before + 1        # an aggregate: a worker's job


def test_head_answers_like_get_without_a_body(http):
    got = http.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"})
    head = http.head("/sparql", params={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"})
    assert got.status_code == head.status_code == 200
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.content == b"" and got.json()["boolean"] is True


def test_the_documented_language_filter_finds_the_pinyin_labels(http):
    """ontology/README's query for pinyin labels answers at the endpoint, and the plain string
    comparison it warns against does not (Oxigraph keeps language tags in lower case)."""
    readme = (Path(__file__).parents[2] / "ontology" / "README.md").read_text(encoding="utf-8")
    query = readme.split("Language tags compare", 1)[1].split("```sparql\n", 1)[1].split("```", 1)[0]
    found = rows_of(http, query)
    assert sorted(r["pinyin"] for r in found) == ["Li Xiaomei", "Wang Jianguo"]
    assert rows_of(http, query.replace('langMatches(lang(?pinyin), "zh-Latn-pinyin")',
                                       'lang(?pinyin) = "zh-Latn-pinyin"')) == []


def test_the_index_pages_list_kinds_and_the_resources_of_one(http):
    top = http.get("/id/", headers={"accept": "text/html"})
    assert top.status_code == 200
    counts = dict(re.findall(r'<a href="/id/([a-z]+)/">[^<]*</a></td><td><code>[^<]*</code></td>'
                             r'<td class="num">([\d,]+)</td>', top.text))
    assert counts["person"] == "2" and counts["org"] == "3" and counts["newspaper"] == "1"
    assert "event" not in counts                         # a kind with nothing is not listed
    people = http.get("/id/person/")
    assert people.status_code == 200
    assert re.findall(r'<li><a href="(/id/person/[a-z-]+)"><bdi>(\S+?)</bdi> <small', people.text) == [
        ("/id/person/li-xiaomei", "李晓梅"), ("/id/person/wang-jianguo", "王建国")]
    assert "1–2 of 2" in people.text and 'rel="next"' not in people.text
    assert http.get("/id/nothing/").status_code == 404
    assert http.get("/id/person/?offset=two").status_code == 400
    assert "none of 2" in http.get("/id/person/?offset=2").text     # past the end: none listed


def test_the_downloads_page_gives_each_dump_its_checksum_and_the_dataset_its_licence():
    import hashlib
    lod = HERE.parent / "lod"
    app = create_app([], lod_dir=lod, workers=1)
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as client:
        page = client.get("/download/").text
        sums = client.get("/download/SHA256SUMS")
    assert sums.headers["content-type"].startswith("text/plain")
    rows = dict(re.findall(r'<a href="/download/([\w.]+)">.*?<code class="sha256">([0-9a-f]{64}|—)</code>', page))
    dumps = {p.name for p in lod.iterdir() if p.is_file() and p.name != "SHA256SUMS"}
    assert set(rows) == dumps | {"SHA256SUMS"}
    for name in dumps:
        assert rows[name] == hashlib.sha256((lod / name).read_bytes()).hexdigest(), name
    assert 'rel="license" href="https://creativecommons.org/licenses/by/4.0/"' in page
    assert "Chinese trade-union newspapers as Linked Open Data" in page


def test_an_organisation_page_shows_its_tree_and_members_over_time(http):
    html = http.get("/id/org/jiangan-shi-zonggonghui", headers={"accept": "text/html"}).text
    tree = html.split('<div class="tree">', 1)[1].split("</div>", 1)[0]
    assert set(re.findall(r'<a href="(/id/org/[a-z-]+)">', tree)) == {
        "/id/org/jiangan-shi-jixie-gonghui", "/id/org/jiangan-shi-diyi-jichuangchang-gonghui"}
    assert "<h2>Members over time" in html
    child = http.get("/id/org/jiangan-shi-jixie-gonghui", headers={"accept": "text/html"}).text
    assert 'Under 上级: <a href="/id/org/jiangan-shi-zonggonghui"><bdi>江岸市总工会</bdi></a>' in child


def test_a_slogan_page_draws_its_usage_from_the_query_it_shows(http):
    html = http.get("/id/slogan/zhigong-chuangxin-baihuayuan", headers={"accept": "text/html"}).text
    bars = dict(re.findall(r'<g class="year" data-year="(\d{4})" data-articles="(\d+)">', html))
    query = urllib.parse.unquote(re.search(r'<a href="/sparql\?query=([^"&]+)&amp;format=csv">CSV</a>', html)[1])
    answer = list(csv.DictReader(io.StringIO(http.post("/sparql", data={"query": query},
                                                       headers={"accept": "text/csv"}).text)))
    assert bars == {r["year"]: r["articles"] for r in answer} == {"2021": "2"}


def test_a_person_page_lists_who_is_named_with_them_as_its_query_answers(http):
    html = http.get("/id/person/wang-jianguo", headers={"accept": "text/html"}).text
    table = html.split('<table class="together">', 1)[1].split("</table>", 1)[0]
    shown = re.findall(r'<a href="/id/person/([a-z-]+)"><bdi>[^<]*</bdi></a></td><td class="num">(\d+)</td>', table)
    query = urllib.parse.unquote(re.search(r'Named with.*?<a href="/sparql\?query=([^"&]+)&amp;format=csv">CSV</a>',
                                           html, re.S)[1])
    answer = list(csv.DictReader(io.StringIO(http.post("/sparql", data={"query": query},
                                                       headers={"accept": "text/csv"}).text)))
    assert shown == [(r["person"].rsplit("/", 1)[1], r["articles"]) for r in answer] == [("li-xiaomei", "1")]
