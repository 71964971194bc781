"""Search: the index over an invented store (names, written forms, pinyin, two-character names,
headlines) and `/search` over HTTP against a real `gonghui serve` of the invented pages."""

import httpx
import pyoxigraph as ox
import pytest

from gonghui.serve.search import SearchIndex

ID = "https://w3id.org/gonghui/id/"
DATA = """@prefix schema: <http://schema.org/> . @prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix gh: <https://w3id.org/gonghui/ontology#> . @prefix oa: <http://www.w3.org/ns/oa#> .
@base <https://w3id.org/gonghui/id/> .
<person/tao-lixin> a schema:Person ; schema:name "陶立新"@zh ; rdfs:label "Tao Lixin"@zh-latn-pinyin .
<person/tao-lixin-2> a schema:Person ; schema:name "陶立鑫"@zh ; rdfs:label "Tao Lixin"@zh-latn-pinyin .
<person/he-jing> a schema:Person ; schema:name "何静"@zh ; rdfs:label "He Jing"@zh-latn-pinyin .
<org/quzhou-shi-zonggonghui> a org:Organization ; schema:name "衢州市总工会"@zh ; skos:altLabel "市总工会"@zh ;
    rdfs:label "Quzhou Shi Zonggonghui"@zh-latn-pinyin .
<org/quzhou-shi-jiaoyu-gonghui> a org:Organization ; schema:name "衢州市教育工会"@zh .
<slogan/zhigong-shuwu> a gh:Slogan ; skos:prefLabel "职工书屋"@zh .
<article/p/1> a schema:NewsArticle ; schema:headline "职工书屋揭牌"@zh .
<mention/p/1> oa:hasBody <person/tao-lixin> . <mention/p/2> oa:hasBody <person/tao-lixin> .
"""


@pytest.fixture(scope="module")
def index():
    store = ox.Store()
    store.load(DATA.encode(), ox.RdfFormat.TURTLE)
    return SearchIndex(store)


def found(index, q, **kw):
    return [(h.iri[len(ID):], h.score) for h in index.search(q, **kw)]


@pytest.mark.parametrize("q", ["陶立新", "tao lixin", "taolixin", "Táo Lìxīn", "tao2 li4xin1", "TAO LI XIN"])
def test_a_person_is_found_by_name_and_by_pinyin_however_written(index, q):
    hits = found(index, q)
    assert hits[0][0] == "person/tao-lixin"        # the namesake 陶立鑫 shares the pinyin but is named less
    assert "person/tao-lixin-2" in [h for h, _ in hits] or q == "陶立新"


def test_the_exact_written_form_ranks_first_and_a_part_finds_the_whole(index):
    assert found(index, "陶立鑫")[0] == ("person/tao-lixin-2", 100)
    assert found(index, "立新") == [("person/tao-lixin", 60)]
    assert found(index, "何静") == [("person/he-jing", 100)]       # two characters
    assert found(index, "静") == [("person/he-jing", 60)]


def test_an_organisation_is_found_by_any_written_form(index):
    assert found(index, "市总工会")[0] == ("org/quzhou-shi-zonggonghui", 100)
    assert sorted(found(index, "工会")) == [("org/quzhou-shi-jiaoyu-gonghui", 60), ("org/quzhou-shi-zonggonghui", 60)]
    assert found(index, "quzhou shi zonggonghui")[0] == ("org/quzhou-shi-zonggonghui", 90)


def test_kinds_filter_and_nonsense_finds_nothing(index):
    assert [h for h, _ in found(index, "职工书屋")] == ["slogan/zhigong-shuwu", "article/p/1"]
    assert [h for h, _ in found(index, "职工书屋", kind="article")] == ["article/p/1"]
    for q in ("", "   ", '"', "AND", "*", "NEAR(", "zzzz", "^", "工会 OR 1", "-- DROP TABLE thing"):
        assert all(h[0].startswith(("org/", "person/", "slogan/", "article/")) for h in found(index, q)), q
    assert found(index, "zzzz") == [] and found(index, '"') == []


@pytest.fixture(scope="module")
def served(invented_site):
    return invented_site


def test_search_over_http_as_json_and_html(served):
    r = httpx.get(f"{served.url}/search", params={"q": "tao lixin", "format": "json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    top = r.json()["results"][0]
    assert (top["label"], top["kind"], top["page"]) == ("陶立新", "person", "/id/person/tao-lixin")
    assert top["post"] in {"衢州市总工会主席", "衢州市人大常委会副主任", "衢州市人大常委会党组副书记"}
    assert (top["first"], top["last"]) == ("2031-03-05", "2031-12-03")
    html = httpx.get(f"{served.url}/search", params={"q": "市总工会"}).text
    assert '<a href="/id/org/quzhou-shi-zonggonghui"><bdi>衢州市总工会</bdi></a>' in html
    assert httpx.get(f"{served.url}/search", params={"q": "x", "kind": "nope"}).status_code == 400
    assert httpx.get(f"{served.url}/search", params={"q": "<script>"}).text.count("<script>") == 0
    assert 'action="/search"' in httpx.get(f"{served.url}/id/person/tao-lixin").text   # on every page


def test_a_persistent_store_keeps_its_index_for_the_next_start(tmp_path, monkeypatch):
    store = ox.Store()
    store.load(DATA.encode(), ox.RdfFormat.TURTLE)
    first = SearchIndex.open(store, tmp_path / "search.sqlite")
    assert (tmp_path / "search.sqlite").is_file()
    monkeypatch.setattr(SearchIndex, "_fill", lambda self, store: pytest.fail("built again"))
    again = SearchIndex.open(store, tmp_path / "search.sqlite")
    assert again.size == first.size == 7
    assert again.search("tao lixin") == first.search("tao lixin")
    (tmp_path / "search.sqlite").write_bytes(b"not a database")          # damaged: built again
    monkeypatch.undo()
    assert SearchIndex.open(store, tmp_path / "search.sqlite").size == 7


def test_the_line_under_each_hit(served):
    def hits(q, **kw):
        return httpx.get(f"{served.url}/search", params={"q": q, "format": "json", **kw}).json()["results"]
    union = next(h for h in hits("衢州市总工会") if h["page"] == "/id/org/quzhou-shi-zonggonghui")
    assert union["posts"] == 1 and union["parent"] == "浙江省总工会"     # 陶立新's chair; the federation above
    assert [(h["label"], h["date"]) for h in hits("全委会议", kind="article")] == [("市总工会召开全委会议", "2031-03-05")]
