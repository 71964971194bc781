"""The reconciliation service (W3C Entity Reconciliation API 0.2) at /reconcile, served for real
and called over HTTP as OpenRefine calls it. Every JSON answer is validated against the API's own
schemas, unchanged in ../shared/conformance/reconciliation-api-0.2/ (they refer to each other,
resolved with `referencing`).

Data: tests/data/reconcile-sample.trig (invented), and the committed lod/ for structure and speed.
"""
from __future__ import annotations

import json
import time
import urllib.parse
from pathlib import Path

import httpx
import pytest
from jsonschema import Draft7Validator
from referencing import Registry
from referencing.jsonschema import DRAFT7
from servers import LiveServer

from gonghui.serve import create_app
from gonghui.serve.reconcile import MAX_QUERIES

HERE = Path(__file__).parents[1]
ROOT = HERE.parent
SAMPLE = HERE / "data" / "reconcile-sample.trig"
SCHEMAS = next((p for p in (ROOT.parent / "shared" / "conformance" / "reconciliation-api-0.2",
                            Path("/work/shared/conformance/reconciliation-api-0.2")) if p.is_dir()), None)
ID = "https://w3id.org/gonghui/id/"
PERSON, ORG = "http://schema.org/Person", "http://www.w3.org/ns/org#Organization"

pytestmark = pytest.mark.skipif(SCHEMAS is None, reason="the reconciliation API's schemas are not in ../shared")


@pytest.fixture(scope="module")
def schemas():
    """Schema file name → a draft-7 validator whose $refs resolve among the files of the folder."""
    contents = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(SCHEMAS.glob("*.json"))}
    registry = Registry().with_resources((c["$id"].rstrip("#"), DRAFT7.create_resource(c)) for c in contents.values())
    return {name: Draft7Validator(c, registry=registry) for name, c in contents.items()}


def valid(schemas, name: str, data) -> None:
    errors = sorted(schemas[name].iter_errors(data), key=str)
    assert not errors, f"{name}: " + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


@pytest.fixture(scope="module")
def http():
    with LiveServer(create_app([SAMPLE], timeout=5, workers=2)) as live:
        with httpx.Client(base_url=live.url, timeout=30) as client:
            yield client


def reconcile(http, schemas, queries: dict, method: str = "POST") -> dict:
    payload = {"queries": json.dumps(queries, ensure_ascii=False)}
    r = http.post("/reconcile", data=payload) if method == "POST" else http.get("/reconcile", params=payload)
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == "*"
    valid(schemas, "reconciliation-query-batch.json", queries)       # what we sent is a valid batch too
    valid(schemas, "reconciliation-result-batch.json", r.json())
    return r.json()


def top(batch: dict, key: str = "q0") -> dict:
    return batch[key]["result"][0]


# ------------------------------------------------------------------ manifest

def test_manifest(http, schemas):
    r = http.get("/reconcile")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.headers["access-control-allow-origin"] == "*"
    m = r.json()
    valid(schemas, "manifest.json", m)
    assert m["versions"] == ["0.2"] and m["identifierSpace"] == ID
    assert m["schemaSpace"] == "https://w3id.org/gonghui/ontology#"
    assert [t["id"] for t in m["defaultTypes"]] == [PERSON, ORG]
    # the view template leads to the resource's page here, the preview to a page too
    view = m["view"]["url"].replace("{{id}}", urllib.parse.quote("person/tang-yuesheng", safe=""))
    assert http.get(view, headers={"accept": "text/html"}).status_code == 200
    assert "唐悦笙" in http.get(m["preview"]["url"].replace("{{id}}", "person/tang-yuesheng")).text
    for kind in ("entity", "type", "property"):
        s = m["suggest"][kind]
        assert http.get(s["service_url"] + s["service_path"], params={"prefix": "x"}).status_code == 200
    assert http.get("/reconcile/").json() == m


def test_jsonp_callback_and_its_validation(http, schemas):
    r = http.get("/reconcile", params={"callback": "jQuery3600_17"})
    assert r.headers["content-type"].startswith("application/javascript")
    body = r.text
    assert body.startswith("/**/jQuery3600_17(") and body.endswith(");")
    valid(schemas, "manifest.json", json.loads(body[len("/**/jQuery3600_17("):-2]))
    for bad in ("alert(1)//", "a b", "x;alert(1)", "<script>", "a.b", "1abc", "x" * 65):
        r = http.get("/reconcile", params={"callback": bad})
        assert r.status_code == 400, bad
        assert bad not in r.text or bad == "a.b" or bad == "x" * 65
        assert not r.headers["content-type"].startswith("application/javascript")
    r = http.get("/reconcile/suggest/entity", params={"prefix": "乔", "callback": "cb"})
    assert r.text.startswith("/**/cb(")


def test_cors_on_every_reconcile_route(http):
    for path, params in (("/reconcile", {}), ("/reconcile/suggest/entity", {"prefix": "乔"}),
                         ("/reconcile/suggest/type", {"prefix": ""}), ("/reconcile/suggest/property", {"prefix": ""}),
                         ("/reconcile/propose_properties", {"type": PERSON}),
                         ("/reconcile/preview", {"id": "person/tang-yue"}),
                         ("/reconcile/preview", {"id": "person/nobody"}), ("/reconcile", {"queries": "[1"})):
        r = http.get(path, params=params, headers={"origin": "http://localhost:3333"})
        assert r.headers.get("access-control-allow-origin") == "*", path
    pre = http.options("/reconcile", headers={"origin": "http://localhost:3333", "access-control-request-method": "POST",
                                              "access-control-request-headers": "content-type"})
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] in ("*", "http://localhost:3333")


# ------------------------------------------------------------------ reconciliation

def test_exact_name_with_the_right_organisation_is_a_match(http, schemas):
    batch = reconcile(http, schemas, {
        "q0": {"query": "乔明远", "type": PERSON, "properties": [{"pid": "organisation", "v": "澄湖市总工会"}]},
        "q1": {"query": "乔明远", "type": PERSON, "properties": [{"pid": "organisation", "v": "云岭县总工会"}]},
        "q2": {"query": "乔明远", "type": PERSON, "properties": [{"pid": "post", "v": "主席"}]},
        "q3": {"query": "乔明远", "type": PERSON, "properties": [
            {"pid": "organisation", "v": {"id": "org/chenghu-shi-zonggonghui", "name": "澄湖市总工会"}}]},
    })
    for key, who in (("q0", "person/qiao-mingyuan"), ("q1", "person/qiao-mingyuan-5d41a2"),
                     ("q2", "person/qiao-mingyuan"), ("q3", "person/qiao-mingyuan")):
        first, second = batch[key]["result"][:2]
        assert first["id"] == who and first["match"] is True, key
        assert second["match"] is False and second["score"] < first["score"], key
        assert first["type"][0]["id"] == PERSON and 0 <= second["score"] <= first["score"] <= 100
    d = top(batch)["description"]
    assert "澄湖市总工会主席" in d and "2030-11-20" in d and "2031-04-02" in d     # main post, first … last


def test_homonyms_or_another_organisation_are_not_a_match(http, schemas):
    batch = reconcile(http, schemas, {
        "q0": {"query": "乔明远", "type": PERSON},                                     # two of them
        "q1": {"query": "唐悦笙", "type": PERSON, "properties": [{"pid": "organisation", "v": "云岭县总工会"}]},
        "q2": {"query": "唐悦笙", "type": PERSON},
        "q3": {"query": "唐悦笙", "type": PERSON, "properties": [{"pid": "post", "v": "主席"}]},   # 副主席
    })
    assert [c["match"] for c in batch["q0"]["result"]] == [False, False]
    assert {c["id"] for c in batch["q0"]["result"]} == {"person/qiao-mingyuan", "person/qiao-mingyuan-5d41a2"}
    assert top(batch, "q1")["id"] == "person/tang-yuesheng" and top(batch, "q1")["match"] is False
    assert top(batch, "q1")["score"] < top(batch, "q2")["score"]
    assert top(batch, "q2")["match"] is True
    assert top(batch, "q3")["match"] is False


def test_pinyin_and_partial_names(http, schemas):
    batch = reconcile(http, schemas, {
        "q0": {"query": "tang yuesheng"}, "q1": {"query": "tangyuesheng"}, "q2": {"query": "Táng Yuèshēng"},
        "q3": {"query": "唐悦", "type": PERSON}, "q4": {"query": "悦笙"}, "q5": {"query": "qiao mingyuan"},
    }, method="GET")
    for key in ("q0", "q1", "q2"):
        assert top(batch, key)["id"] == "person/tang-yuesheng" and top(batch, key)["match"] is True, key
    assert [c["id"] for c in batch["q3"]["result"][:2]] == ["person/tang-yue", "person/tang-yuesheng"]
    assert top(batch, "q3")["match"] is True and batch["q3"]["result"][1]["match"] is False
    assert top(batch, "q4")["id"] == "person/tang-yuesheng" and top(batch, "q4")["match"] is False
    assert not any(c["match"] for c in batch["q5"]["result"])         # pinyin of two homonyms


def test_organisations_by_any_written_form(http, schemas):
    batch = reconcile(http, schemas, {
        "q0": {"query": "市总工会", "type": ORG}, "q1": {"query": "县总工会", "type": ORG},
        "q2": {"query": "交通工会", "type": "https://w3id.org/gonghui/ontology#TradeUnion"},
        "q3": {"query": "Chenghu Shi Zonggonghui"}, "q4": {"query": "澄湖市总工会", "type": PERSON},
        "q5": {"query": "交通工会", "type": ORG, "properties": [{"pid": "parent", "v": "市总工会"}]},
    })
    assert top(batch, "q0")["id"] == "org/chenghu-shi-zonggonghui" and top(batch, "q0")["match"] is True
    assert top(batch, "q1")["id"] == "org/yunling-xian-zonggonghui"
    assert top(batch, "q2")["id"] == "org/chenghu-shi-jiaotong-gonghui"
    assert top(batch, "q3")["id"] == "org/chenghu-shi-zonggonghui"
    assert batch["q4"]["result"] == []                                  # no person of that name
    assert top(batch, "q5")["match"] is True and "上级 澄湖市总工会" in top(batch, "q5")["description"]


def test_an_id_as_the_query_and_json_bodies(http, schemas):
    batch = reconcile(http, schemas, {"q0": {"query": ID + "person/tang-yue"}, "q1": {"query": "person/tang-yue"}})
    assert top(batch)["id"] == top(batch, "q1")["id"] == "person/tang-yue"
    r = http.post("/reconcile", json={"queries": {"a": {"query": "唐悦笙", "limit": 1}}})
    valid(schemas, "reconciliation-result-batch.json", r.json())
    assert [c["id"] for c in r.json()["a"]["result"]] == ["person/tang-yuesheng"]


def test_bad_and_oversized_batches(http):
    assert http.post("/reconcile", data={"queries": "{not json"}).status_code == 400
    assert http.post("/reconcile", data={"queries": "[]"}).status_code == 400
    assert http.post("/reconcile", data={"queries": '{"q0": {"query": 5}}'}).status_code == 400
    assert http.post("/reconcile", data={"queries": '{"q0": {"query": "x", "limit": 0}}'}).status_code == 400
    assert http.post("/reconcile", data={"queries": '{"q0": {"query": "x", "properties": {"pid": 1}}}'}).status_code == 400
    assert http.post("/reconcile", data={"queries": '{"q0": {"query": "x", "properties": [{"pid": "post", "v": [[1]]}]}}'}
                     ).status_code == 400
    assert http.post("/reconcile", data={"queries": "[" * 100_000}).status_code == 400
    many = {f"q{i}": {"query": "乔"} for i in range(MAX_QUERIES + 1)}
    assert http.post("/reconcile", data={"queries": json.dumps(many)}).status_code == 413
    r = http.post("/reconcile", data={"queries": json.dumps({"q0": {"query": "唐", "limit": 1000}})})
    assert r.status_code == 200 and len(r.json()["q0"]["result"]) <= 25
    assert http.post("/reconcile", content=b"queries=x", headers={"content-type": "text/plain"}).status_code == 415


# ------------------------------------------------------------------ suggest, preview, extension

def test_suggest(http, schemas):
    r = http.get("/reconcile/suggest/entity", params={"prefix": "唐悦"})
    valid(schemas, "suggest-entities-response.json", r.json())
    assert [e["id"] for e in r.json()["result"]][:2] == ["person/tang-yue", "person/tang-yuesheng"]
    r = http.get("/reconcile/suggest/entity", params={"prefix": "tangyue", "cursor": 1})
    assert [e["id"] for e in r.json()["result"]][:1] == ["person/tang-yuesheng"]
    r = http.get("/reconcile/suggest/entity", params={"prefix": "市总", "type": ORG})
    assert r.json()["result"][0]["id"] == "org/chenghu-shi-zonggonghui"
    assert all(ORG in [t["id"] for t in e["notable"]] for e in r.json()["result"])
    r = http.get("/reconcile/suggest/type", params={"prefix": "工会"})
    valid(schemas, "suggest-types-response.json", r.json())
    assert [t["id"] for t in r.json()["result"]] == ["https://w3id.org/gonghui/ontology#TradeUnion"]
    r = http.get("/reconcile/suggest/property", params={"prefix": "org", "type": PERSON})
    valid(schemas, "suggest-properties-response.json", r.json())
    assert "organisation" in [p["id"] for p in r.json()["result"]]
    r = http.get("/reconcile/propose_properties", params={"type": PERSON, "limit": 3})
    valid(schemas, "data-extension-property-proposal.json", r.json())
    assert r.json()["type"] == PERSON and len(r.json()["properties"]) == 3


def test_preview_is_a_small_escaped_framable_page(http):
    r = http.get("/reconcile/preview", params={"id": "person/qiao-mingyuan"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<bdi>乔明远</bdi>" in r.text and "<bdi>澄湖市总工会主席</bdi>" in r.text
    assert 'href="/id/person/qiao-mingyuan"' in r.text
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors *" in csp and "script-src" not in csp and "default-src 'none'" in csp
    assert http.get("/reconcile/preview", params={"id": ID + "org/yunling-xian-zonggonghui"}).status_code == 200
    assert http.get("/reconcile/preview", params={"id": "person/nobody"}).status_code == 404
    assert http.get("/reconcile/preview").status_code == 400


def test_extension_returns_posts_with_dates(http, schemas):
    query = {"ids": ["person/qiao-mingyuan", "person/tang-yue", "org/chenghu-shi-jiaotong-gonghui", "person/nobody"],
             "properties": [{"id": p} for p in ("posts", "organisation", "role", "first_attested", "last_attested",
                                                "parent", "members", "pinyin", "unknown")]}
    valid(schemas, "data-extension-query.json", query)
    r = http.post("/reconcile", data={"extend": json.dumps(query)})
    assert r.status_code == 200, r.text
    data = r.json()
    valid(schemas, "data-extension-response.json", data)
    assert [m["id"] for m in data["meta"]] == [p["id"] for p in query["properties"]]
    assert {m["id"]: m.get("type", {}).get("id") for m in data["meta"]}["organisation"] == ORG
    qiao = data["rows"]["person/qiao-mingyuan"]
    assert [v["str"] for v in qiao["posts"]] == ["澄湖市交通工会主席 (2030-11-20)",
                                                 "澄湖市总工会主席 (2031-03-05 … 2031-04-02, 2×)"]
    assert {v["id"] for v in qiao["organisation"]} == {"org/chenghu-shi-zonggonghui", "org/chenghu-shi-jiaotong-gonghui"}
    assert qiao["role"] == [{"id": "role/zhuxi", "name": "主席"}]
    assert qiao["first_attested"] == [{"date": "2030-11-20T00:00:00Z"}]
    assert qiao["last_attested"] == [{"date": "2031-04-02T00:00:00Z"}]
    assert qiao["pinyin"] == [{"str": "Qiao Mingyuan"}] and qiao["parent"] == [] and qiao["unknown"] == []
    assert data["rows"]["person/tang-yue"]["posts"] == []
    union = data["rows"]["org/chenghu-shi-jiaotong-gonghui"]
    assert union["parent"] == [{"id": "org/chenghu-shi-zonggonghui", "name": "澄湖市总工会"}]
    assert {v["id"] for v in union["members"]} == {"person/qiao-mingyuan", "person/tang-yuesheng"}
    assert all(v == [] for v in data["rows"]["person/nobody"].values())
    r = http.get("/reconcile", params={"extend": json.dumps({"ids": ["person/tang-yuesheng"],
                                                             "properties": [{"id": "post"}]})})
    assert r.json()["rows"]["person/tang-yuesheng"]["post"] == [{"str": "澄湖市交通工会副主席"}]
    assert http.get("/reconcile", params={"extend": '{"ids": 1}'}).status_code == 400


# ------------------------------------------------------------------ the committed dataset

@pytest.fixture(scope="module")
def lod_http():
    with LiveServer(create_app([], lod_dir=ROOT / "lod", timeout=10, workers=2)) as live:
        with httpx.Client(base_url=live.url, timeout=30) as client:
            yield client


def test_on_lod_every_person_finds_itself_fast(lod_http, schemas):
    """Structure only: each of the first 50 people, reconciled by its own name and by its pinyin,
    comes back first with an exact score, in bounded time."""
    query = ("SELECT ?p ?name ?pinyin { ?p a <http://schema.org/Person> ; <http://schema.org/name> ?name ; "
             "<http://www.w3.org/2000/01/rdf-schema#label> ?pinyin FILTER(langMatches(lang(?pinyin), 'zh-Latn-pinyin')) "
             "} ORDER BY ?p LIMIT 50")
    rows = lod_http.get("/sparql", params={"query": query}, headers={"accept": "application/sparql-results+json"})
    people = [(b["p"]["value"][len(ID):], b["name"]["value"], b["pinyin"]["value"])
              for b in rows.json()["results"]["bindings"]]
    assert len(people) == 50
    lod_http.post("/reconcile", data={"queries": json.dumps({"warm": {"query": "x"}})})
    started = time.monotonic()
    batch = reconcile(lod_http, schemas, {f"q{i}": {"query": name, "type": PERSON, "limit": 5}
                                          for i, (_, name, _) in enumerate(people)})
    assert time.monotonic() - started < 3
    by_pinyin = reconcile(lod_http, schemas, {f"q{i}": {"query": pinyin.replace(" ", "").lower(), "limit": 5}
                                              for i, (_, _, pinyin) in enumerate(people)})
    for i, (ident, name, _) in enumerate(people):
        ids = [c["id"] for c in batch[f"q{i}"]["result"] if c["score"] == 100]
        assert ident in ids, name
        assert ident in [c["id"] for c in by_pinyin[f"q{i}"]["result"]], name
    r = lod_http.get("/reconcile/suggest/entity", params={"prefix": people[0][1]})
    valid(schemas, "suggest-entities-response.json", r.json())
    ext = lod_http.post("/reconcile", data={"extend": json.dumps({"ids": [p[0] for p in people],
                                                                  "properties": [{"id": "posts"}, {"id": "last_seen"}]})})
    valid(schemas, "data-extension-response.json", ext.json())


def test_a_worker_answers_503_until_the_index_is_built(tmp_path):
    """The name index is built once by a process of its own; a worker that does not find it within
    its wait says so instead of building it under a request's deadline."""
    import pyoxigraph as ox

    from gonghui.serve.reconcile_answers import handle

    job = {"op": "reconcile", "action": "query", "base": ID, "index": str(tmp_path / "index.pickle"),
           "wait": 0.05, "queries": {"q0": {"query": "x", "limit": 1}}}
    status, _, body = handle(ox.Store(), job)
    assert status == 503 and b"still being built" in body
