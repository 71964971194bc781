"""Hostile pages: markup and script in the text, Turtle-breaking characters, thousands of items
on one page, a page that is only a masthead, a file that mixes two encodings.

The pipeline keeps every character as printed, the built dataset validates and says exactly what
the pages say, and the server's HTML pages escape all of it: parsed with html.parser, no script
element, event-handler attribute or javascript: link comes from the data.

Pages: tests/hostile/*.txt (invented), plus two generated here.
"""
from __future__ import annotations

import gzip
import json
import shutil
import socket
import threading
import time
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib
import uvicorn

from gonghui.convert.extract import extract
from gonghui.convert.read import read_bytes, read_page
from gonghui.convert.segment import segment
from gonghui.publish import build
from gonghui.rdf.validate import validate_file
from gonghui.serve import create_app

HOSTILE = Path(__file__).parent / "hostile"
ID = "https://w3id.org/gonghui/id/"
SCHEMA = "http://schema.org/"
GH = "https://w3id.org/gonghui/ontology#"
DIGITS = "零一二三四五六七八九"


def chinese_number(k: int) -> str:
    return "".join(DIGITS[int(d)] for d in str(k))


def many_items_page(n: int) -> bytes:
    """A page of n numbered briefs, each a headline and a one-sentence report."""
    lines = ["东岸职工报", "2031年7月1日 星期二 第100期", "责任编辑:韩小梅"]
    for k in range(1, n + 1):
        lines += [f"第{chinese_number(k)}号简讯", f"本报讯 今天是第{chinese_number(k)}个晴天,气温适宜,大家照常上班。"]
    return ("\n\n".join(lines) + "\n").encode("utf-8")


MIXED_UTF8 = ["职工之家建设推进会召开", "本报讯(记者 许文涛)昨天,东岸市总工会召开职工之家建设推进会,要求各级工会把阵地建好用好。"]
MIXED_GBK = ["劳模工匠进校园", "本报讯 记者冯晓雯报道 今天上午,东岸市总工会组织劳模工匠走进职业学校,与学生面对面交流。"]


def mixed_encoding_page() -> bytes:
    """A crawler pasted a UTF-8 article and a GBK article into one file."""
    return ("\n".join(MIXED_UTF8) + "\n").encode("utf-8") + ("\n".join(MIXED_GBK) + "\n").encode("gbk")


def check_offsets(ents) -> None:
    text = ents.document.page.text
    for it in ents.document.items:
        for span in (it.headline, it.kicker, it.subheadline, it.section, it.dateline, it.jump, *it.paragraphs):
            if span is not None:
                assert text[span.start:span.end] == span.text
        for c in it.credits:
            assert text[c.start:c.end] == c.name
    for group in (ents.people, ents.organisations, ents.places, ents.slogans, ents.events):
        for entity in group:
            for m in entity.mentions:
                assert text[m.start:m.end] == m.text


# ------------------------------------------------------------------ the pipeline keeps every character

def test_markup_stays_text():
    ents = extract(segment(read_page(HOSTILE / "markup.txt")))
    check_offsets(ents)
    doc = ents.document
    assert doc.items[0].headline.text == "<script>alert(5)</script>职工技能大赛开幕"
    assert '"><img src=x onerror=alert(12)>' in doc.page.text
    assert '<iframe src="javascript:alert(10)">' in doc.page.text
    assert [c.name for c in doc.items[0].credits] == ["欧阳小燕"]
    assert {s.label for s in ents.slogans} == {"<script>alert(8)</script>", "<img src=x onerror=alert(9)>"}
    assert {p.name for p in ents.people} == {"欧阳小燕", "林振华"}


def test_turtle_syntax_stays_text():
    ents = extract(segment(read_page(HOSTILE / "turtle.txt")))
    check_offsets(ents)
    doc = ents.document
    assert doc.items[0].headline.text == '"""职工书屋"""揭牌 \\ 读书月启动 > 一万册新书到位'
    assert "<http://example.org/evil> ^^xsd:integer 和 _:b0 @prefix" in doc.page.text
    assert "\\n\"\"\"三百\"\"\"种期刊\\u0022" in doc.page.text       # escapes as printed, not decoded
    assert {p.name for p in ents.people} == {"陶一鸣", "潘家豪"}


def test_a_page_that_is_only_a_masthead():
    doc = segment(read_page(HOSTILE / "masthead_only.txt"))
    assert doc.items == []
    issue = doc.issue
    assert (issue.newspaper, issue.date, issue.weekday, issue.issue_number, issue.total_number, issue.editor) == \
        ("北川职工报", "2031-06-01", "星期日", "99", "5678", "卢晓东")
    assert issue.postcode == "888777"
    ents = extract(doc)
    check_offsets(ents)
    assert [o.name for o in ents.organisations if o.kind == "union"] == ["北川市总工会"]


def test_ten_thousand_items_on_one_page():
    data = many_items_page(10_000)
    ents = extract(segment(read_bytes(data, "many.txt")))
    check_offsets(ents)
    items = ents.document.items
    assert len(items) == 10_000
    assert [it.headline.text for it in items[:3]] == ["第一号简讯", "第二号简讯", "第三号简讯"]
    assert items[-1].headline.text == "第一零零零零号简讯"
    assert all(len(it.paragraphs) == 1 and it.paragraphs[0].text.startswith("今天是第") for it in items)
    assert ents.document.issue.editor == "韩小梅"


def test_a_file_mixing_two_encodings_keeps_both_halves():
    page = read_bytes(mixed_encoding_page(), "mixed.txt")
    assert page.encoding == "utf-8+gb18030"
    assert page.text.split("\n") == MIXED_UTF8 + MIXED_GBK
    assert page.repairs[0].kind == "decode" and "2 lines UTF-8, 2 lines gb18030" in page.repairs[0].detail
    doc = segment(page)
    assert [it.headline.text for it in doc.items] == [MIXED_UTF8[0], MIXED_GBK[0]]
    assert [c.name for it in doc.items for c in it.credits] == ["许文涛", "冯晓雯"]


# ------------------------------------------------------------------ the dataset stays valid and complete

PAGES = ("markup.txt", "turtle.txt", "masthead_only.txt", "bidi.txt")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """Build the hostile pages, the mixed file and a page of 300 items into one dataset.
    (A page of 10,000 items builds too, in about 150 s on the development machine; too long for CI.)"""
    root = tmp_path_factory.mktemp("hostile-build")
    seeds = root / "seeds"
    seeds.mkdir()
    for name in PAGES:
        shutil.copy(HOSTILE / name, seeds / name)
    (seeds / "mixed.txt").write_bytes(mixed_encoding_page())
    (seeds / "many.txt").write_bytes(many_items_page(300))
    out = root / "lod"
    assert build(seeds, out, workers=1) is True
    docs = {p.name: segment(read_page(p)) for p in sorted(seeds.iterdir())}
    return out, docs


def _store(path: Path, fmt) -> set:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return {(q.subject, q.predicate, q.object) for q in ox.parse(data, fmt)}


def test_the_dataset_validates(dataset):
    out, _ = dataset
    report = validate_file(out / "gonghui.ttl")
    assert report.conforms, report.text()


def test_the_dumps_agree(dataset):
    out, _ = dataset
    ttl = _store(out / "gonghui.ttl", ox.RdfFormat.TURTLE)
    assert ttl == _store(out / "gonghui.trig", ox.RdfFormat.TRIG) == _store(out / "gonghui.nt.gz", ox.RdfFormat.N_TRIPLES)
    assert len(rdflib.Graph().parse(out / "gonghui.ttl", format="turtle")) == len(ttl)
    assert len(rdflib.Graph().parse(out / "gonghui.jsonld", format="json-ld")) == len(ttl)


def test_nothing_is_lost(dataset):
    """Every page's normalised text and every headline come back character for character."""
    out, docs = dataset
    triples = _store(out / "gonghui.ttl", ox.RdfFormat.TURTLE)
    texts = {o.value for s, p, o in triples if p.value == GH + "normalisedText"}
    assert texts == {doc.page.text for doc in docs.values()}
    headlines = {o.value for s, p, o in triples if p.value == SCHEMA + "headline"}
    printed = {it.headline.text.replace("\u3000", " ") for doc in docs.values() for it in doc.items if it.headline}
    assert printed <= headlines
    for hostile in ("<script>alert(5)</script>职工技能大赛开幕", '"""职工书屋"""揭牌 \\ 读书月启动 > 一万册新书到位',
                    MIXED_GBK[0], "第三零零号简讯"):
        assert hostile in headlines
    articles = {s for s, p, o in triples if p.value == GH + "sourcePage"}
    assert len(articles) >= 300 + 2 + 1 + 2


# ------------------------------------------------------------------ the server's HTML escapes everything

# Every element the page templates use. Markup from the data that got through unescaped would add
# others (img, iframe, svg, b …) or script elements and on… attributes.
TEMPLATE_TAGS = {"html", "head", "meta", "title", "link", "body", "header", "nav", "main", "a", "h1", "h2", "h3",
                 "p", "code", "small", "table", "tr", "th", "td", "ul", "li", "ol", "span", "details", "summary",
                 "div", "mark", "section", "button", "textarea", "form", "br", "noscript", "script", "bdi",
                 "input", "select", "option", "pre", "label",
                 # the timeline (serve/profiles.py): data there is escaped text of <text> and <title>,
                 # and markup smuggled in would still show as script elements or on… attributes
                 "svg", "g", "line", "text", "circle", "rect"}


class Audit(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.scripts, self.handlers, self.js_links, self.text = set(), [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append(attrs)
        self.handlers += [name for name in attrs if name.startswith("on")]
        self.js_links += [v for k, v in attrs.items() if k in ("href", "src", "action", "formaction")
                          and v and v.strip().lower().startswith(("javascript:", "data:", "vbscript:"))]

    def handle_data(self, data):
        self.text.append(data)


def audit(html: str) -> Audit:
    a = Audit()
    a.feed(html)
    a.close()
    assert a.tags <= TEMPLATE_TAGS, a.tags - TEMPLATE_TAGS
    for attrs in a.scripts:    # only the page's own scripts: vendored files and the JSON config
        assert (attrs.get("src") or "").startswith("/static/") or \
            (attrs.get("type") == "application/json" and attrs.get("id") == "gonghui-config"), attrs
    assert a.handlers == [] and a.js_links == []
    return a


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(dataset):
    out, _ = dataset
    # with --curate: every resource page also holds the correction form, prefilled from the data
    app = create_app([out / "gonghui.trig"], lod_dir=out, timeout=20, workers=2,
                     curate=out.parent / "corrections" / "suggested.toml")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 60
    while not server.started:
        assert time.time() < deadline, "server did not start"
        time.sleep(0.02)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30, headers={"accept": "text/html"}) as client:
        yield client
    server.should_exit = True
    thread.join(10)


def _subjects_with_hostile_literals(client) -> list[str]:
    query = ('SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && isLiteral(?o) && '
             'REGEX(STR(?o), "[<>\\"\'&\\\\\\\\]")) } ORDER BY ?s')
    r = client.get("/sparql", params={"query": query}, headers={"accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return [b["s"]["value"] for b in r.json()["results"]["bindings"]]


def test_resource_pages_escape_everything(site):
    subjects = _subjects_with_hostile_literals(site)
    people = site.get("/sparql", params={"query": "SELECT ?s WHERE { { ?s a <http://schema.org/Person> } UNION "
                                                  "{ ?s a <http://www.w3.org/ns/org#Organization> } }"},
                      headers={"accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    subjects += [b["s"]["value"] for b in people]
    assert len(subjects) > 15
    seen_markup = False
    for iri in sorted(set(subjects)):
        assert iri.startswith(ID)
        r = site.get("/id/" + urllib.parse.quote(iri[len(ID):].split("#")[0], safe="/"))
        assert r.status_code == 200, iri
        assert 'action="/curate"' in r.text          # the prefilled form was audited too
        text = "".join(audit(r.text).text)
        seen_markup |= "<script>alert(5)</script>职工技能大赛开幕" in text
    assert seen_markup     # the markup is shown as text, not dropped


def test_other_pages_escape_everything(site):
    for path in ("/", "/download/", "/id/<script>alert(1)</script>", '/id/"><img src=x onerror=alert(1)>',
                 "/id/", "/id/person/", "/id/article/", "/search?q=<script>alert(1)</script>",
                 '/search?q="><img src=x onerror=alert(1)>', "/search?q=职工技能大赛", "/search?q=img",
                 "/browse/people", "/browse/organisations", "/browse/slogans?sort=name"):
        r = site.get(path)
        assert r.status_code == (404 if path.startswith("/id/") and not path.endswith("/") else 200)
        audit(r.text)
    hits = site.get("/search", params={"q": "职工技能大赛", "format": "json"}).json()["results"]
    assert any("<script>" in h["label"] for h in hits)      # a hostile headline among the hits above


BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


class Isolation(HTMLParser):
    """Bidi control characters that stand outside an isolating element (<bdi>, dir="auto"), and
    those in the <title>, where no element can isolate them."""

    VOID = {"meta", "link", "br", "img", "input"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open, self.loose, self.in_title = [], [], []       # open: (tag, isolates)

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.open.append((tag, tag == "bdi" or dict(attrs).get("dir") == "auto"))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.open:
            self.open.pop()

    def handle_data(self, data):
        if not any(c in data for c in BIDI_CONTROLS):
            return
        if self.open and self.open[-1][0] == "title":
            self.in_title.append(data)
        elif not any(isolates for _, isolates in self.open):
            self.loose.append(data)


def test_bidi_controls_in_the_data_are_isolated_on_every_page(site):
    """A U+202E printed in a page would reverse the rest of the line it is shown on (a name, a
    post, the labels after it): each piece of data text is isolated (issue 18 item 9)."""
    query = ('SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && isLiteral(?o) && '
             'REGEX(STR(?o), "[\u202A-\u202E\u2066-\u2069]")) } ORDER BY ?s')
    r = site.get("/sparql", params={"query": query}, headers={"accept": "application/sparql-results+json"})
    subjects = [b["s"]["value"] for b in r.json()["results"]["bindings"]]
    assert len(subjects) >= 4                   # the headline, the people, the page text
    shown = 0
    for iri in subjects:
        page = site.get("/id/" + urllib.parse.quote(iri[len(ID):].split("#")[0], safe="/")).text
        check = Isolation()
        check.feed(page)
        assert check.loose == [] and check.in_title == [], iri
        shown += sum(page.count(c) for c in BIDI_CONTROLS)
    assert shown > 0                            # shown as printed, not dropped


def test_reconciliation_previews_escape_and_isolate_everything(site):
    """The /reconcile preview of every person and organisation, framed in OpenRefine's page: no
    markup from the data, each piece of text bidi-isolated; suggest and JSONP stay well-formed."""
    query = ("SELECT ?s ?name WHERE { { ?s a <http://schema.org/Person> } UNION { ?s a <http://www.w3.org/ns/org#Organization> } "
             "?s <http://schema.org/name> ?name } ORDER BY ?s")
    rows = site.get("/sparql", params={"query": query}, headers={"accept": "application/sparql-results+json"})
    found = [(b["s"]["value"], b["name"]["value"]) for b in rows.json()["results"]["bindings"]]
    assert len(found) > 5
    for iri, name in found:
        r = site.get("/reconcile/preview", params={"id": iri[len(ID):]})
        assert r.status_code == 200, iri
        audit(r.text)
        check = Isolation()
        check.feed(r.text)
        assert check.loose == [] and check.in_title == [], iri
        hits = site.get("/reconcile/suggest/entity", params={"prefix": name, "callback": "cb"})
        assert hits.text.startswith("/**/cb(")
        assert iri[len(ID):] in [h["id"] for h in json.loads(hits.text[len("/**/cb("):-2])["result"]], name


def test_html_pages_carry_a_content_security_policy(site):
    for path in ("/", "/download/", "/id/nothing-here"):
        r = site.get(path)
        assert r.headers["content-type"].startswith("text/html"), path
        csp = r.headers.get("content-security-policy", "")
        assert "script-src 'self'" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0], path
        assert r.headers.get("x-content-type-options") == "nosniff", path
    data = site.get("/sparql", params={"query": "ASK {}"}, headers={"accept": "application/sparql-results+json"})
    assert data.headers.get("x-content-type-options") == "nosniff"
    assert "content-security-policy" not in data.headers       # only pages need it


@pytest.mark.parametrize("html", [
    "<p><img src=x onerror=alert(1)></p>", "<p><script>alert(1)</script></p>",
    '<a href="javascript:alert(1)">x</a>', '<p onmouseover="alert(1)">x</p>', "<p><b>x</b></p>",
])
def test_the_audit_catches_markup_that_got_through(html):
    with pytest.raises(AssertionError):
        audit(html)


def test_pages_named_in_chinese_build_together(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(HOSTILE / "turtle.txt", seeds / "第一版.txt")
    shutil.copy(HOSTILE / "masthead_only.txt", seeds / "第二版.txt")
    assert build(seeds, tmp_path / "lod", workers=1) is True
    pages = {str(s) for s, _, _ in rdflib.Graph().parse(tmp_path / "lod" / "gonghui.ttl")
             .triples((None, rdflib.RDF.type, rdflib.URIRef(GH + "SourcePage")))}
    assert len(pages) == 2
