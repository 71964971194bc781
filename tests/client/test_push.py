"""`gonghui push`: batching, the update text, auth and errors (no server), then real stores.

The integration tests start the Oxigraph server (`pip install oxigraph`, in the test extra) on a
free loopback port, push the published dataset with the Graph Store Protocol and with SPARQL
Update, twice, and compare `gonghui query` answers with the same queries run on the TriG dump
loaded in pyoxigraph. A Virtuoso test runs where Debian's virtuoso-opensource is installed and
GONGHUI_TEST_VIRTUOSO=1 is set.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from servers import free_port, running

from gonghui.cli import main
from gonghui.client.push import (
    Remote,
    batches,
    census,
    count_in_store,
    dataset_file,
    open_dump,
    push,
    read_quads,
    update_text,
)
from gonghui.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
EX = "https://example.org/"
G1, G2 = EX + "graph/page/001", EX + "graph/page/002"

# An invented two-page dataset; the second page's graph comes back after the entities graph.
SMALL_TRIG = f"""
@prefix ex: <{EX}> .
@prefix schema: <http://schema.org/> .
<{G1}> {{ ex:a schema:name "甄一鸣"@zh . ex:a schema:jobTitle "车间主任"@zh . }}
<{EX}graph/entities> {{ ex:org schema:name "青禾县机械工会"@zh . }}
<{G2}> {{ ex:b schema:name "柏知秋"@zh . }}
<{G1}> {{ ex:a schema:age 41 . }}
"""


def quads_of(text: str) -> list[ox.Quad]:
    return list(ox.parse(text.encode(), ox.RdfFormat.TRIG))


def write_lod(tmp_path: Path, text: str = SMALL_TRIG) -> Path:
    lod = tmp_path / "lod"
    lod.mkdir()
    (lod / "gonghui.trig").write_text(text, encoding="utf-8")
    return lod


def contents(store: ox.Store) -> set[str]:
    return {str(q) for q in store}


# ------------------------------------------------------------------ batching and update text

def test_batches_replace_each_graph_once_and_append_the_rest():
    got = list(batches(iter(quads_of(SMALL_TRIG)), size=1))
    assert [(b.graph, len(b.lines), b.replace) for b in got] == [
        (G1, 1, True), (G1, 1, False), (EX + "graph/entities", 1, True), (G2, 1, True), (G1, 1, False)]


def test_a_graph_listed_in_pieces_goes_in_one_request():
    got = list(batches(iter(quads_of(SMALL_TRIG)), size=10))
    assert [(b.graph, len(b.lines), b.replace) for b in got] == [
        (G1, 3, True), (EX + "graph/entities", 1, True), (G2, 1, True)]


def test_held_back_triples_are_sent_when_the_memory_cap_is_reached():
    got = list(batches(iter(quads_of(SMALL_TRIG)), size=10, max_pending=2))
    # The cap is hit at the entities graph (G1 has 2 waiting, entities 1 → 3 ≥ 2) …
    assert [(b.graph, len(b.lines), b.replace) for b in got] == [
        (G1, 2, True), (EX + "graph/entities", 1, True), (G2, 1, True), (G1, 1, False)]
    # … and nothing is lost or sent twice.
    assert sorted(line for b in got for line in b.lines) == sorted(str(q.triple) for q in quads_of(SMALL_TRIG))


def test_batches_split_at_size_and_keep_blank_nodes_in_the_last_batch_of_a_graph():
    text = f"""<{G1}> {{ <{EX}s> <{EX}p> _:x . _:x <{EX}q> "1" . <{EX}s> <{EX}r> "2" .
                         <{EX}s> <{EX}r> "3" . <{EX}s> <{EX}r> "4" . }}"""
    got = list(batches(iter(quads_of(text)), size=2))
    assert [len(b.lines) for b in got] == [2, 3]
    assert [b.replace for b in got] == [True, False]
    # Both triples with the blank node travel together, in the graph's last request.
    assert sum("_:" in line for line in got[1].lines) == 2
    assert not any("_:" in line for line in got[0].lines)


def test_default_graph_triples_are_added_never_replaced():
    text = f"""<{EX}s> <{EX}p> "default" . <{G1}> {{ <{EX}s> <{EX}p> "named" . }}"""
    got = list(batches(iter(quads_of(text)), size=10))
    assert [(b.graph, b.replace) for b in got] == [(None, False), (G1, True)]
    assert update_text(got[0]).startswith("INSERT DATA {")
    assert "DROP" not in update_text(got[0])


def test_update_text_replaces_a_graph_and_is_idempotent_in_a_real_engine():
    store = ox.Store()
    store.update(f'INSERT DATA {{ GRAPH <{G1}> {{ <{EX}stale> <{EX}p> "old" }} '
                 f'GRAPH <{EX}other> {{ <{EX}keep> <{EX}p> "theirs" }} }}')
    for _ in range(2):
        for batch in batches(iter(quads_of(SMALL_TRIG)), size=1):
            store.update(update_text(batch))
        assert contents(store) == {str(q) for q in quads_of(SMALL_TRIG)} | {
            f'<{EX}keep> <{EX}p> "theirs" <{EX}other>'}


def test_update_text_keeps_awkward_literals_intact():
    # Quotes, backslashes, line breaks, a control character and a long string survive the trip
    # through N-Triples escapes inside SPARQL.
    value = '他说："好"\\ 第二行\n\t结束\x01' + "长" * 3000
    quad = ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal(value, language="zh"),
                   ox.NamedNode(G1))
    store = ox.Store()
    for batch in batches(iter([quad]), size=10):
        store.update(update_text(batch))
    (got,) = list(store)
    assert got.object.value == value


def test_an_empty_final_batch_is_not_sent():
    text = f"<{G1}> {{ <{EX}s> <{EX}p> 1, 2 . }}"
    assert [len(b.lines) for b in batches(iter(quads_of(text)), size=2)] == [2]


def test_census_counts_graphs_pages_and_default_triples(tmp_path):
    path = write_lod(tmp_path) / "gonghui.trig"
    with open_dump(path) as fh:
        counted = census(read_quads(fh, path))
        assert census(read_quads(fh, path)) == counted   # each pass starts from the beginning
    assert (counted.triples, counted.default, counted.pages) == (5, 0, 2)
    assert counted.graphs == {G1: 3, EX + "graph/entities": 1, G2: 1}


def test_a_gzipped_dump_is_pushed_like_the_plain_one(tmp_path):
    import gzip
    dump = tmp_path / "pages.trig.gz"
    dump.write_bytes(gzip.compress(SMALL_TRIG.encode()))
    plain, zipped = Recorder(), Recorder()
    push(write_lod(tmp_path), endpoint="http://store.test/update", transport=plain.transport())
    push(dump, endpoint="http://store.test/update", transport=zipped.transport())
    assert [r.content for r in zipped.requests] == [r.content for r in plain.requests]
    assert len(plain.requests) == 3


def test_the_count_check_asks_in_chunks_and_adds_up():
    seen = []

    def reply(request):
        query = httpx.QueryParams(request.content.decode())["query"]
        seen.append(query.count("<"))
        n = str(10 * query.count("<"))
        return httpx.Response(200, json={"results": {"bindings": [{"n": {"type": "literal", "value": n}}]}})

    remote = Remote(None, None, httpx.MockTransport(reply))
    graphs = [f"{EX}graph/page/{i:03d}" for i in range(5)]
    assert count_in_store(remote, "http://store.test/query", graphs, chunk=2) == 50
    assert seen == [2, 2, 1]


# ------------------------------------------------------------------ files and errors (no server)

def test_dataset_file_finds_the_trig_and_refuses_what_has_no_named_graphs(tmp_path):
    lod = write_lod(tmp_path)
    assert dataset_file(lod) == lod / "gonghui.trig"
    assert dataset_file(lod / "gonghui.trig") == lod / "gonghui.trig"
    (tmp_path / "x.ttl").write_text("<a:b> <a:c> <a:d> .")
    with pytest.raises(InputError, match=r"x\.ttl: push needs named graphs"):
        dataset_file(tmp_path / "x.ttl")
    with pytest.raises(InputError, match=r"nowhere: no such folder"):
        dataset_file(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"empty/gonghui\.trig: no such file"):
        dataset_file(tmp_path / "empty")


class Recorder:
    """A mock store: records requests, answers with `reply(request)` (default 204)."""

    def __init__(self, reply=None):
        self.requests: list[httpx.Request] = []
        self.auth: list[str] = []     # the Authorization header of each request as it was sent
        self.reply = reply or (lambda request: httpx.Response(204))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        self.auth.append(request.headers.get("authorization", "none"))
        return self.reply(request)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def test_a_broken_dump_is_refused_before_anything_is_sent(tmp_path):
    lod = write_lod(tmp_path, SMALL_TRIG + f"\n<{G2}> {{ <{EX}x> <{EX}y> \"unterminated }}\n")
    mock = Recorder()
    with pytest.raises(InputError) as err:
        push(lod, endpoint="http://store.invalid/update", transport=mock.transport())
    assert str(err.value).startswith(f"{lod / 'gonghui.trig'}: cannot be read as TriG: ")
    assert "\n" not in str(err.value)
    assert mock.requests == []


def test_graph_store_requests_put_then_post_with_the_graph_as_parameter(tmp_path):
    counts = {"n": 0}

    def reply(request):
        if request.url.path == "/query":
            counts["n"] += 1
            return httpx.Response(200, json={"head": {"vars": ["n"]},
                                             "results": {"bindings": [{"n": {"type": "literal", "value": "5"}}]}})
        return httpx.Response(201)

    mock = Recorder(reply)
    summary = push(write_lod(tmp_path), endpoint="http://store.test/query", graph_store="http://store.test/store",
                   batch_size=1, transport=mock.transport())
    sent = [(r.method, r.url.params.get("graph")) for r in mock.requests if r.url.path == "/store"]
    assert sent == [("PUT", G1), ("POST", G1), ("PUT", EX + "graph/entities"), ("PUT", G2), ("POST", G1)]
    assert all(r.headers["content-type"].startswith("text/turtle") for r in mock.requests if r.url.path == "/store")
    # The body is valid Turtle holding exactly the triples of the batch.
    first = mock.requests[0]
    assert [str(t) for t in ox.parse(first.content, ox.RdfFormat.TURTLE)] == [str(quads_of(SMALL_TRIG)[0].triple)]
    assert counts["n"] == 1
    assert "pushed 5 triples in 3 named graphs (2 pages, 1 other)" in summary
    assert "The store now holds 5 triples in these graphs (as pushed" in summary


def test_update_requests_are_form_encoded_and_start_with_drop(tmp_path):
    mock = Recorder(lambda request: httpx.Response(200, text="ok"))
    summary = push(write_lod(tmp_path), endpoint="http://store.test/update", batch_size=2,
                   transport=mock.transport())
    bodies = [httpx.QueryParams(r.content.decode())["update"] for r in mock.requests]
    assert [r.method for r in mock.requests] == ["POST"] * 4
    assert bodies[0].startswith(f"DROP SILENT GRAPH <{G1}> ;\nINSERT DATA {{ GRAPH <{G1}> {{")
    assert bodies[1].startswith(f"INSERT DATA {{ GRAPH <{G1}> {{")   # the rest after a full batch: appended
    assert bodies[3].startswith(f"DROP SILENT GRAPH <{G2}> ;")
    assert "4 requests" in summary and "SPARQL Update" in summary


def test_basic_auth_is_sent_when_a_user_is_given(tmp_path):
    expected = "Basic " + base64.b64encode("ingest:s3cret".encode()).decode()
    mock = Recorder(lambda r: httpx.Response(204 if r.headers.get("authorization") == expected else 401))
    push(write_lod(tmp_path), endpoint="http://store.test/update", user="ingest", password="s3cret",
         transport=mock.transport())
    assert set(mock.auth) == {expected}


def test_digest_auth_takes_over_when_the_store_asks_for_it(tmp_path):
    # Like Virtuoso's -auth endpoints: a bare 401 to Basic, a Digest challenge without credentials.
    challenge = 'Digest realm="SPARQL", nonce="abc123", qop="auth", algorithm="MD5"'

    def reply(request):
        auth = request.headers.get("authorization", "")
        if auth.startswith("Digest ") and 'username="ingest"' in auth and 'realm="SPARQL"' in auth:
            return httpx.Response(200)
        if auth.startswith("Basic "):
            return httpx.Response(401)
        return httpx.Response(401, headers={"WWW-Authenticate": challenge})

    mock = Recorder(reply)
    push(write_lod(tmp_path), endpoint="http://store.test/sparql-auth", user="ingest", password="pw",
         transport=mock.transport())
    kinds = [auth.split(" ")[0] for auth in mock.auth]
    # Basic once, then the challenge round, then Digest straight away for the remaining requests.
    assert kinds == ["Basic", "none", "Digest", "Digest", "Digest"]


@pytest.mark.parametrize("user, expected", [(None, "the store wants a user and password (--user, --password)"),
                                            ("ingest", "user 'ingest' was refused")])
def test_refused_credentials_are_one_line(tmp_path, user, expected):
    mock = Recorder(lambda r: httpx.Response(401, headers={"WWW-Authenticate": 'Basic realm="x"'}))
    with pytest.raises(InputError) as err:
        push(write_lod(tmp_path), endpoint="http://store.test/update", user=user, password="pw" if user else None,
             transport=mock.transport())
    assert str(err.value) == f"http://store.test/update: HTTP 401: {expected}"


@pytest.mark.parametrize("body, detail", [
    ("Parse error at line 3\nstack …\n", "Parse error at line 3"),
    # An HTML error page (Virtuoso's): the cause is in a later line, so all text lines are kept.
    ("<html><body><h1>HTTP/1.1 500 Request Failed</h1>\n<h3>Error 22023</h3>\nno default graph here</body></html>",
     "HTTP/1.1 500 Request Failed | Error 22023 | no default graph here"),
])
def test_a_server_error_is_one_line_with_its_cause(tmp_path, body, detail):
    mock = Recorder(lambda r: httpx.Response(500, text=body))
    with pytest.raises(InputError) as err:
        push(write_lod(tmp_path), endpoint="http://store.test/update?key=v", transport=mock.transport())
    assert str(err.value) == f"http://store.test/update: HTTP 500: {detail}"


def test_no_server_listening_is_one_line_through_the_cli(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/update"
    result = CliRunner().invoke(main, ["push", str(write_lod(tmp_path)), "--endpoint", url])
    assert result.exit_code == 2
    assert result.output.startswith(f"gonghui: {url}: cannot connect (")
    assert result.output.count("\n") == 1


@pytest.mark.parametrize("args, message", [
    (["--endpoint", "ftp://x/update"], "ftp://x/update: --endpoint must be an http:// or https:// URL"),
    (["--endpoint", "http://x/q", "--graph-store", "store"], "store: --graph-store must be an http:// or https:// URL"),
    (["--endpoint", "http://x/update", "--password", "pw"], "--password given without --user"),
])
def test_bad_options_are_one_line(tmp_path, args, message):
    result = CliRunner().invoke(main, ["push", str(write_lod(tmp_path)), *args])
    assert (result.exit_code, result.output) == (2, f"gonghui: {message}\n")


# ------------------------------------------------------------------ a real Oxigraph server

OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
needs_oxigraph = pytest.mark.skipif(not Path(OXIGRAPH).is_file(),
                                    reason="the Oxigraph server is not installed (pip install oxigraph)")


@pytest.fixture
def oxigraph(tmp_path):
    """A fresh Oxigraph server on a free loopback port; its base URL. Stopped at the end."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running([OXIGRAPH, "serve", "--location", str(tmp_path / "oxigraph"), "--bind", f"127.0.0.1:{port}"],
                 url + "/query?query=ASK%7B%7D", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE):
        yield url


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A copy of the published dataset (others may rebuild lod/ meanwhile) and it loaded locally."""
    source = ROOT / "lod" / "gonghui.trig"
    if not source.is_file():
        pytest.skip("lod/gonghui.trig is not built")
    lod = tmp_path_factory.mktemp("published")
    shutil.copy(source, lod / "gonghui.trig")
    local = ox.Store()
    local.bulk_load(path=str(lod / "gonghui.trig"), format=ox.RdfFormat.TRIG)
    return lod, local


COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
BUSIEST = """PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?person WHERE { GRAPH ?g { ?m org:member ?person } } GROUP BY ?person ORDER BY DESC(COUNT(?m)) ?person LIMIT 1"""
POSTS = """PREFIX org: <http://www.w3.org/ns/org#> PREFIX gh: <https://w3id.org/gonghui/ontology#>
SELECT DISTINCT ?org ?role ?title WHERE {{
  GRAPH ?g {{ ?m org:member <{person}> ; org:organization ?org ; org:role ?role }}
  OPTIONAL {{ GRAPH ?page {{ ?a gh:attests ?m ; gh:postTitle ?title }} }} }} ORDER BY ?org ?role ?title"""


def local_rows(store: ox.Store, query: str) -> list[dict[str, str]]:
    solutions = store.query(query)
    names = [v.value for v in solutions.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in solutions]


def remote_rows(endpoint: str, query: str) -> list[dict[str, str]]:
    """The answer of `gonghui query --format json`, as the CLI prints it."""
    result = CliRunner().invoke(main, ["query", query, "--endpoint", endpoint, "--format", "json"])
    assert result.exit_code == 0, result.output
    bindings = json.loads(result.output)["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in bindings]


def run_push(lod: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["push", str(lod), *args])
    assert result.exit_code == 0, result.output
    return result.output


def check_same_answers(endpoint: str, local: ox.Store) -> None:
    expected = local_rows(local, COUNT)
    assert int(expected[0]["n"]) == len(local) > 1000
    assert remote_rows(endpoint, COUNT) == expected
    # GONGHUI_ENDPOINT names the server for `gonghui query` when --endpoint is not given
    by_env = CliRunner().invoke(main, ["query", COUNT, "--format", "csv"], env={"GONGHUI_ENDPOINT": endpoint})
    assert by_env.exit_code == 0 and by_env.output.split()[1] == expected[0]["n"], by_env.output
    (busiest,) = local_rows(local, BUSIEST)
    posts = POSTS.format(person=busiest["person"])
    expected_posts = local_rows(local, posts)
    assert any("title" in row for row in expected_posts)
    assert remote_rows(endpoint, posts) == expected_posts


@needs_oxigraph
def test_push_with_the_graph_store_protocol_is_idempotent(oxigraph, published):
    lod, local = published
    args = ["--endpoint", oxigraph + "/query", "--graph-store", oxigraph + "/store"]
    first = run_push(lod, *args)
    assert f"pushed {len(local)} triples" in first
    assert f"The store now holds {len(local)} triples in these graphs (as pushed" in first
    check_same_answers(oxigraph + "/query", local)
    run_push(lod, *args)
    check_same_answers(oxigraph + "/query", local)


@needs_oxigraph
def test_push_with_sparql_update_is_idempotent_and_leaves_other_graphs_alone(oxigraph, published):
    lod, local = published
    page = next(g.value for g in local.named_graphs() if "/graph/page/" in g.value)
    # A stale triple in one of our graphs must go; a graph of someone else must stay.
    httpx.post(oxigraph + "/update", data={"update": f'INSERT DATA {{ GRAPH <{page}> {{ <{EX}stale> <{EX}p> 1 }} '
                                                     f'GRAPH <{EX}theirs> {{ <{EX}keep> <{EX}p> 2 }} }}'}
               ).raise_for_status()
    for _ in range(2):
        summary = run_push(lod, "--endpoint", oxigraph + "/update")
        assert "with SPARQL Update" in summary
        ours = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{EX}theirs>) }}"
        assert remote_rows(oxigraph + "/query", ours) == local_rows(local, COUNT)
        assert remote_rows(oxigraph + "/query", f"SELECT ?s WHERE {{ GRAPH <{EX}theirs> {{ ?s ?p ?o }} }}") == [
            {"s": EX + "keep"}]
    (busiest,) = local_rows(local, BUSIEST)
    posts = POSTS.format(person=busiest["person"])
    assert remote_rows(oxigraph + "/query", posts) == local_rows(local, posts)


@needs_oxigraph
def test_pushing_to_the_query_endpoint_is_refused_in_one_line(oxigraph, tmp_path):
    result = CliRunner().invoke(main, ["push", str(write_lod(tmp_path)), "--endpoint", oxigraph + "/query",
                                       "--graph-store", oxigraph + "/query"])
    assert result.exit_code == 2
    assert result.output.startswith(f"gonghui: {oxigraph}/query: HTTP 4")
    assert result.output.count("\n") == 1


# ------------------------------------------------------------------ Virtuoso, where installed

VIRTUOSO = shutil.which("virtuoso-t")
VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")


@pytest.fixture
def virtuoso(tmp_path):
    """A throwaway Virtuoso (Debian's virtuoso-opensource) on free loopback ports; its base URL."""
    if VIRTUOSO is None or not VIRTUOSO_INI.is_file():
        pytest.skip("Virtuoso is not installed (apt-get install virtuoso-opensource)")
    if not os.environ.get("GONGHUI_TEST_VIRTUOSO"):
        # A fresh Virtuoso database takes 5-15 s to create: too slow for every run.
        pytest.skip("set GONGHUI_TEST_VIRTUOSO=1 to push to a throwaway Virtuoso")
    sql_port, http_port = free_port(), free_port()
    db = tmp_path / "virtuoso"
    db.mkdir()
    ini = VIRTUOSO_INI.read_text().replace("/var/lib/virtuoso-opensource-7/db", str(db))
    lines = []
    section = ""
    for line in ini.splitlines():
        if line.startswith("["):
            section = line.strip()
        if line.replace(" ", "").startswith("ServerPort="):
            port = sql_port if section == "[Parameters]" else http_port
            line = f"ServerPort = 127.0.0.1:{port}"
        lines.append(line)
    (db / "virtuoso.ini").write_text("\n".join(lines) + "\n")
    url = f"http://127.0.0.1:{http_port}"
    with running([VIRTUOSO, "+foreground", "+configfile", str(db / "virtuoso.ini")], url + "/sparql?query=ASK%7B%7D",
                 seconds=60, cwd=db, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        yield url


def test_push_to_virtuoso_with_digest_auth_is_idempotent(virtuoso, published):
    lod, local = published
    args = ["--endpoint", virtuoso + "/sparql", "--graph-store", virtuoso + "/sparql-graph-crud-auth",
            "--user", "dba", "--password", "dba"]   # the fresh database's default administrator
    for _ in range(2):
        summary = run_push(lod, *args)
        assert f"The store now holds {len(local)} triples in these graphs (as pushed" in summary
    ours = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), 'https://w3id.org/gonghui/')) }"
    assert remote_rows(virtuoso + "/sparql", ours) == local_rows(local, COUNT)
