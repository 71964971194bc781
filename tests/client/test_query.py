"""`gonghui query` (gonghui.client.query.run_query) against the real server on a loopback port."""
from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import uvicorn

from gonghui.client.query import run_query, width
from gonghui.errors import InputError
from gonghui.serve import create_app

SAMPLE = Path(__file__).parents[1] / "data" / "serve-sample.trig"
ID = "https://w3id.org/gonghui/id/"
NAMES = ("PREFIX schema: <http://schema.org/>\n"
         "SELECT ?name ?person WHERE { ?person a schema:Person ; schema:name ?name } ORDER BY ?name")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def endpoint():
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app([SAMPLE], timeout=5, workers=2), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 60
    while not server.started:
        assert time.time() < deadline, "server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}/sparql"
    server.should_exit = True
    thread.join(10)


def test_table(endpoint):
    out = run_query(NAMES, endpoint=endpoint)
    lines = out.splitlines()
    assert lines[0].split(" | ")[0].strip() == "name"
    assert lines[2].startswith("李晓梅 | id:person/li-xiaomei")
    assert lines[3].startswith("王建国 | id:person/wang-jianguo")
    assert lines[-1] == "(2 rows)"
    # Columns line up on screen: Chinese characters are two columns wide.
    bars = {width(line[:line.index("|")]) for line in lines[:4] if "|" in line}
    assert bars == {width("李晓梅 ")} and width("李晓梅") == 6


def test_json(endpoint):
    results = json.loads(run_query(NAMES, endpoint=endpoint, fmt="json"))
    assert [b["name"]["value"] for b in results["results"]["bindings"]] == ["李晓梅", "王建国"]


def test_csv(endpoint):
    rows = list(csv.DictReader(io.StringIO(run_query(NAMES, endpoint=endpoint, fmt="csv"))))
    assert [(r["name"], r["person"]) for r in rows] == [("李晓梅", ID + "person/li-xiaomei"),
                                                        ("王建国", ID + "person/wang-jianguo")]


def test_ask(endpoint):
    assert run_query(f"ASK {{ <{ID}person/li-xiaomei> ?p ?o }}", endpoint=endpoint) == "true"
    assert run_query(f"ASK {{ <{ID}person/nobody> ?p ?o }}", endpoint=endpoint, fmt="csv") == "false"


def test_construct(endpoint):
    query = ("PREFIX schema: <http://schema.org/>\n"
             "CONSTRUCT { ?p schema:name ?n } WHERE { ?p a schema:Person ; schema:name ?n }")
    turtle = run_query(query, endpoint=endpoint)
    triples = {q.triple for q in ox.parse(turtle.encode(), ox.RdfFormat.TURTLE)}
    assert ox.Triple(ox.NamedNode(ID + "person/wang-jianguo"), ox.NamedNode("http://schema.org/name"),
                     ox.Literal("王建国", language="zh")) in triples
    rows = list(csv.reader(io.StringIO(run_query(query, endpoint=endpoint, fmt="csv"))))
    assert rows[0] == ["subject", "predicate", "object"]
    assert sorted(r[2] for r in rows[1:]) == ["李晓梅", "王建国"]
    jsonld = run_query(query, endpoint=endpoint, fmt="json")
    assert len({q.triple for q in ox.parse(jsonld.encode(), ox.RdfFormat.JSON_LD)}) == 2


def test_query_from_file(endpoint, tmp_path):
    path = tmp_path / "names.rq"
    path.write_text(NAMES, encoding="utf-8")
    assert run_query(str(path), endpoint=endpoint) == run_query(NAMES, endpoint=endpoint)


def test_errors_are_one_line(endpoint, tmp_path):
    with pytest.raises(InputError) as err:
        run_query("SELECT ?s WHERE { ?s ?p }", endpoint=endpoint)
    assert str(err.value).startswith(f"{endpoint}: HTTP 400: SPARQL syntax error")
    with pytest.raises(InputError) as err:
        run_query("INSERT DATA { <http://a> <http://b> <http://c> }", endpoint=endpoint)
    assert "HTTP 403" in str(err.value) and "read-only" in str(err.value)
    with pytest.raises(InputError, match="no such query file"):
        run_query(str(tmp_path / "missing.rq"), endpoint=endpoint)
    closed = f"http://127.0.0.1:{free_port()}/sparql"
    with pytest.raises(InputError) as err:
        run_query("ASK {}", endpoint=closed)
    assert str(err.value).startswith(f"{closed}: cannot connect")
    with pytest.raises(InputError, match="http:// or https://"):
        run_query("ASK {}", endpoint="ftp://example.org/sparql")
    for exc in (err.value,):
        assert "\n" not in str(exc)
